#!/usr/bin/env bash
# healthz.sh: how close eccpd's HTTP layer comes to bare libh2o. Loads GET /healthz on
# bench_h2o_hello (the ceiling) and on `eccpd serve` with the same load, alternating the
# two over several rounds, each server started fresh on a free loopback port and warmed
# up: wrk for HTTP/1.1, h2load for cleartext HTTP/2 (prior knowledge). Prints a markdown
# table of the median req/s of each and the ratio eccpd/hello per protocol, then the
# per-round figures.
#
#   bench/http/healthz.sh [--build DIR] [--eccpd PATH] [--hello PATH] [--rounds N]
#                         [--duration S] [--threads N] [--connections N] [--streams N]
#                         [--no-pin] [--hello-vs-hello]
#
# Defaults: --build is ./build (then ../../build from this script), eccpd is
# BUILD/cli/eccpd, hello is BUILD/bench/http/bench_h2o_hello (or BUILD-bench/...), 5
# rounds of 5 s per protocol, 1 server thread, 32 connections, 16 streams per h2
# connection. On a machine with at least 2 cores the server is pinned to CPU 0 and the
# load generator to CPU 1 (--no-pin to turn that off), so they do not steal each other's
# core. --hello-vs-hello runs bench_h2o_hello on both sides: the ratio then shows the
# noise of the method (it should be close to 1.00).
#
# Loopback only; every run is bounded in time; servers are killed on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

build=""
eccpd=""
hello=""
rounds=5
duration=5
threads=1
connections=32
streams=16
pin=1
hello_vs_hello=0
warmup=1

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

die() {
    echo "healthz.sh: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --eccpd) eccpd=$2; shift 2 ;;
    --hello) hello=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    --no-pin) pin=0; shift ;;
    --hello-vs-hello) hello_vs_hello=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
    esac
done

for n in "$rounds" "$duration" "$threads" "$connections" "$streams"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: $n"
done
[ "$duration" -le 60 ] || die "--duration is at most 60 s"
[ "$rounds" -le 20 ] || die "--rounds is at most 20"
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v h2load >/dev/null || die "h2load not found (apt-get install nghttp2-client)"
command -v curl >/dev/null || die "curl not found (apt-get install curl)"

# Finds the build directory and the two binaries.
if [ -z "$build" ]; then
    for d in "$PWD/build" "$repo/build"; do
        if [ -d "$d" ]; then build=$d; break; fi
    done
fi
if [ -z "$hello" ]; then
    for f in "$build/bench/http/bench_h2o_hello" "$repo/build/bench/http/bench_h2o_hello" \
        "$repo/build-bench/bench/http/bench_h2o_hello"; do
        if [ -x "$f" ]; then hello=$f; break; fi
    done
fi
if [ -z "$hello" ] || [ ! -x "$hello" ]; then
    die "bench_h2o_hello not found: build it (cmake --build BUILD --target bench_h2o_hello) or pass --hello"
fi
if [ "$hello_vs_hello" = 1 ]; then
    eccpd=$hello
else
    [ -n "$eccpd" ] || eccpd="$build/cli/eccpd"
    [ -x "$eccpd" ] || die "eccpd not found at '$eccpd': build it or pass --eccpd (or --hello-vs-hello)"
fi

pin_server=()
pin_load=()
if [ "$pin" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_server=(taskset -c 0)
    pin_load=(taskset -c 1)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/healthz.XXXXXX")
server_pid=""

stop_server() {
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}

cleanup() {
    stop_server
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Whether something listens on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a loopback port that nothing listens on.
free_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 40000))
        if ! port_in_use "$p"; then
            echo "$p"
            return 0
        fi
    done
    die "no free port found"
}

# start_server KIND PORT ROUND: starts hello or eccpd on PORT, waits until GET /healthz
# answers 200 (10 s at most), and sets server_pid.
start_server() {
    local kind=$1 port=$2 round=$3 log="$tmp/$1-$3.log"
    if [ "$kind" = hello ]; then
        "${pin_server[@]}" "$hello" --listen "127.0.0.1:$port" --threads "$threads" \
            >"$log" 2>&1 &
    else
        mkdir -p "$tmp/data-$round"
        if [ "$hello_vs_hello" = 1 ]; then
            "${pin_server[@]}" "$eccpd" --listen "127.0.0.1:$port" --threads "$threads" \
                >"$log" 2>&1 &
        else
            "${pin_server[@]}" "$eccpd" serve --listen "127.0.0.1:$port" --threads "$threads" \
                --data "$tmp/data-$round" >"$log" 2>&1 &
        fi
    fi
    server_pid=$!
    local code
    for _ in $(seq 100); do
        kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; die "$kind exited on start"; }
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
            "http://127.0.0.1:$port/healthz" || true)
        [ "$code" = 200 ] && return 0
        sleep 0.1
    done
    cat "$log" >&2
    die "$kind did not answer GET /healthz with 200 within 10 s"
}

# run_wrk PORT SECONDS: prints the req/s of a wrk run (HTTP/1.1); warns on errors.
run_wrk() {
    local out
    out=$("${pin_load[@]}" wrk -t1 -c"$connections" -d"${2}s" --timeout 5s \
        "http://127.0.0.1:$1/healthz" 2>&1) || { echo "$out" >&2; die "wrk failed"; }
    if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
        echo "healthz.sh: wrk reported errors:" >&2
        grep -E 'Non-2xx|Socket errors' <<<"$out" >&2
    fi
    awk '/^Requests\/sec:/ { print $2; found = 1 } END { exit !found }' <<<"$out" ||
        { echo "$out" >&2; die "no Requests/sec in wrk's output"; }
}

# run_h2load PORT SECONDS: prints the req/s of an h2load run (h2c); warns on errors.
run_h2load() {
    local out
    out=$("${pin_load[@]}" h2load -t1 -c"$connections" -m"$streams" -D"$2" \
        "http://127.0.0.1:$1/healthz" 2>&1) || { echo "$out" >&2; die "h2load failed"; }
    grep -q '^Application protocol: h2c' <<<"$out" ||
        { echo "$out" >&2; die "h2load did not speak h2c"; }
    local bad
    bad=$(awk '/^requests:/ { f = $10 + $12 } /^status codes:/ { b = $5 + $7 + $9 }
               END { print f + b }' <<<"$out")
    [ "$bad" = 0 ] || echo "healthz.sh: h2load: $bad failed or non-2xx requests" >&2
    # "finished in 5.00s, 123456.78 req/s, 4.71MB/s"
    awk '/^finished in/ { print $4; found = 1 } END { exit !found }' <<<"$out" ||
        { echo "$out" >&2; die "no 'finished in ... req/s' in h2load's output"; }
}

# median of the numbers on standard input.
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure KIND ROUND: one fresh server, warmed up, then both protocols.
measure() {
    local kind=$1 round=$2 port h1 h2
    port=$(free_port)
    start_server "$kind" "$port" "$round"
    run_wrk "$port" "$warmup" >/dev/null
    run_h2load "$port" "$warmup" >/dev/null
    h1=$(run_wrk "$port" "$duration")
    h2=$(run_h2load "$port" "$duration")
    stop_server
    echo "$h1" >>"$tmp/$kind.h1"
    echo "$h2" >>"$tmp/$kind.h2"
    printf 'round %d %-5s port %5d: http/1.1 %10s req/s, h2c %10s req/s\n' \
        "$round" "$kind" "$port" "$h1" "$h2" >&2
}

b_label=eccpd
[ "$hello_vs_hello" = 1 ] && b_label="hello (as eccpd)"
echo "healthz.sh: $rounds rounds x ${duration}s; hello=$hello; eccpd=$eccpd" >&2
for round in $(seq "$rounds"); do
    # Alternate which side goes first, so a slow drift in the machine hits both.
    if [ $((round % 2)) = 1 ]; then
        measure hello "$round"
        measure eccpd "$round"
    else
        measure eccpd "$round"
        measure hello "$round"
    fi
done

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'
}
hello_h1=$(median <"$tmp/hello.h1")
hello_h2=$(median <"$tmp/hello.h2")
eccpd_h1=$(median <"$tmp/eccpd.h1")
eccpd_h2=$(median <"$tmp/eccpd.h2")

commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "GET /healthz, loopback, $(nproc) cores, server threads $threads," \
    "$connections connections, median of $rounds rounds of ${duration}s," \
    "commit $commit, $(date -u +%Y-%m-%d)."
if [ ${#pin_server[@]} -gt 0 ]; then
    echo "Server pinned to CPU 0, load generator to CPU 1."
fi
echo
echo "| protocol | load | hello req/s | $b_label req/s | $b_label/hello |"
echo "|---|---|---:|---:|---:|"
echo "| HTTP/1.1 | wrk -t1 -c$connections | $hello_h1 | $eccpd_h1 | $(ratio "$eccpd_h1" "$hello_h1") |"
echo "| HTTP/2 (h2c) | h2load -t1 -c$connections -m$streams | $hello_h2 | $eccpd_h2 | $(ratio "$eccpd_h2" "$hello_h2") |"
echo
echo "Per round (req/s):"
echo
echo "| round | hello h1 | $b_label h1 | hello h2c | $b_label h2c |"
echo "|---:|---:|---:|---:|---:|"
paste "$tmp/hello.h1" "$tmp/eccpd.h1" "$tmp/hello.h2" "$tmp/eccpd.h2" |
    awk '{ printf "| %d | %s | %s | %s | %s |\n", NR, $1, $2, $3, $4 }'
