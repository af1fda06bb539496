#!/usr/bin/env bash
# cpu_per_request.sh: server CPU time per request for GET /healthz, eccpd beside bare
# libh2o, over h2c and HTTP/1.1. Throughput alone cannot tell the two apart when the load
# generator (one thread on the other core) is the bottleneck; the server's own CPU
# seconds per request (utime+stime from /proc) can. Alternates the servers over rounds and
# prints the medians and the ratio hello/eccpd (1.00 = no overhead; lower = eccpd costs more).
#
#   bench/http/cpu_per_request.sh [BUILD_DIR] [ROUNDS] [REQUESTS]
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
n=${3:-2000000}
eccpd=$build/cli/eccpd
hello=$build/bench/http/bench_h2o_hello
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
tck=$(getconf CLK_TCK)

free_port() { /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

measure() { # measure NAME PROTO -> prints CPU microseconds per request
  local name=$1 proto=$2 port
  port=$(free_port)
  if [ "$name" = eccpd ]; then
    taskset -c 0 "$eccpd" serve --listen "127.0.0.1:$port" --threads 1 --data "$tmp/d$RANDOM" --access-log off >/dev/null 2>&1 &
  else
    taskset -c 0 "$hello" --listen "127.0.0.1:$port" --threads 1 >/dev/null 2>&1 &
  fi
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
  local before after
  before=$(cpu_ticks "$pid")
  if [ "$proto" = h2c ]; then
    taskset -c 1 h2load -n "$n" -c 32 -m 16 -t 1 "http://127.0.0.1:$port/healthz" >/dev/null
  else
    taskset -c 1 h2load --h1 -n "$((n / 4))" -c 32 -t 1 "http://127.0.0.1:$port/healthz" >/dev/null
  fi
  after=$(cpu_ticks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  local reqs=$n
  [ "$proto" = h1 ] && reqs=$((n / 4))
  awk -v t=$((after - before)) -v hz="$tck" -v r="$reqs" 'BEGIN{printf "%.3f\n", t / hz * 1e6 / r}'
}

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A res
for proto in h2c h1; do
  for name in hello eccpd; do res[$name-$proto]=""; done
  for r in $(seq "$rounds"); do
    for name in hello eccpd; do
      v=$(measure "$name" "$proto")
      res[$name-$proto]+="$v"$'\n'
      echo "round $r $proto $name: $v us CPU/request" >&2
    done
  done
done
echo "| protocol | hello µs CPU/req | eccpd µs CPU/req | hello/eccpd |"
echo "|---|---:|---:|---:|"
for proto in h2c h1; do
  h=$(printf '%s' "${res[hello-$proto]}" | median)
  e=$(printf '%s' "${res[eccpd-$proto]}" | median)
  awk -v p="$proto" -v h="$h" -v e="$e" 'BEGIN{printf "| %s | %.3f | %.3f | %.2f |\n", p, h, e, h/e}'
done
