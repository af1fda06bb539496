#!/usr/bin/env bash
# cpu.sh: the eccpd server's own CPU time per search, binaries A, B, ... alternated, on one
# prepared data directory. Throughput on a shared 2-core machine moves with whatever else
# runs; the CPU a server process spends per answered request moves far less, so this is
# how two builds are compared between full runs of run.sh.
#
#   bench/search/cpu.sh --data DIR [--workload-dir W] [--workloads LIST] [--rounds R]
#                       [--requests N] [--clients C] [--slice K] [--run I] BIN...
#
# DIR is a directory run.sh --prepare made (index built). For each round, each binary:
# `eccpd serve` on a free loopback port (2 threads), then per workload a warm-up pass of
# N/2 requests and a measured pass of N (C `h2load -c 1 -m 1` clients over the URI lists
# run.sh would give run I, slice K), reading the server's utime+stime from /proc before
# and after the measured pass. Prints one line per (round, binary, workload):
#   round  binary  workload  requests  us-cpu-per-request  req/s
# (latency is run.sh's to measure: here the clients start and stop unevenly).
# and a summary of the medians on standard output. Defaults: 3 rounds, 8,000 requests,
# 8 clients, slice 20, run 0, workloads "nofacets facets suggest".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "cpu.sh: $*" >&2; exit 1; }
data="" wdir=$here/workloads workloads="nofacets facets suggest" rounds=3 requests=8000
clients=8 slice=20 run=0
while [ $# -gt 0 ]; do
    case "$1" in
    --data) data=$2; shift 2 ;;
    --workload-dir) wdir=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --slice) slice=$2; shift 2 ;;
    --run) run=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
[ -n "$data" ] && [ -d "$data/index" ] || die "--data DIR must hold a built index (run.sh --prepare)"
[ $# -ge 1 ] || die "name at least one eccpd binary"
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/eccpd-cpu.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tick=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# pass WORKLOAD N: N requests over the clients' lists
pass() {
    local w=$1 n=$2 k pids=()
    for k in $(seq 0 $((clients - 1))); do
        h2load -c 1 -m 1 -t 1 -n $((n / clients)) -i "$tmp/uris/$w.$k.txt" \
            --log-file "$tmp/log.$k" >"$tmp/out.$k" 2>&1 &
        pids+=($!)
    done
    for k in "${!pids[@]}"; do wait "${pids[$k]}" || { cat "$tmp/out.$k" >&2; die "h2load failed"; }; done
    cat "$tmp"/log.* | awk -F'\t' '$2 < 200 || $2 > 299 { b++ } END { if (b) print "cpu.sh: " b " answers not 2xx" > "/dev/stderr" }'
}

declare -A kinds=([facets]="mixed facets --whole" [nofacets]="mixed plain --whole"
    [suggest]="suggest suggest" [one]="one plain --whole" [two]="two plain --whole"
    [filtered]="filtered plain --whole" [prefix]="prefix plain" [typed]="mixed facets")
mkdir -p "$tmp/uris"
for w in $workloads; do
    [ -n "${kinds[$w]:-}" ] || die "unknown workload $w"
    read -r file kind whole <<<"${kinds[$w]}"
    $py "$here/corpus.py" uris "$wdir/$file.tsv" "$kind" "http://127.0.0.1:$port" $whole \
        --clients "$clients" --slice "$slice" --run "$run" --out "$tmp/uris/$w"
done

for r in $(seq 1 "$rounds"); do
    for b in "$@"; do
        "$b" serve --data "$data" --listen "127.0.0.1:$port" --threads 2 --access-log off \
            --no-demo >"$tmp/server.log" 2>&1 &
        pid=$!
        for _ in $(seq 600); do
            curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/readyz" && break
            kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; die "$b exited"; }
            sleep 0.2
        done
        sleep 2 # what a start sets off in the background (suggest's completions) is done
        for w in $workloads; do
            pass "$w" $((requests / 2)) >/dev/null
            c0=$(cpu_ticks "$pid") t0=$(date +%s.%N)
            pass "$w" "$requests"
            c1=$(cpu_ticks "$pid") t1=$(date +%s.%N)
            awk -v r="$r" -v b="$b" -v w="$w" -v n="$requests" -v c=$((c1 - c0)) -v hz="$tick" \
                -v s="$(echo "$t1 - $t0" | bc)" \
                'BEGIN { printf "%d\t%s\t%s\t%d\t%.0f\t%.0f\n", r, b, w, n, c / hz * 1e6 / n, n / s }' |
                tee -a "$tmp/rows"
        done
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        pid=""
    done
done
echo
echo "| workload | binary | median us CPU/request | median req/s |"
echo "|---|---|---:|---:|"
sort -t$'\t' -k3,3 -k2,2 "$tmp/rows" | awk -F'\t' '
    function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
                                     return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
    function flush() { if (key != "") printf "| %s | %s | %.0f | %.0f |\n", wk, bk, med(c, n), med(q, n) }
    { k = $3 "\t" $2; if (k != key) { flush(); key = k; wk = $3; bk = $2; n = 0 } n++; c[n] = $5; q[n] = $6 }
    END { flush() }'
