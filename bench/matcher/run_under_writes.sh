#!/bin/sh
# Best matches at 1,000,000 registrations while exchanges are agreed and planned (each
# step one matcher publish, as the feed does), beside the same queries without writes,
# alternating in one run; prints a Markdown table of the medians (see
# bench_under_writes.c).
#
#   bench/matcher/run_under_writes.sh [BUILD_DIR] [REGISTRATIONS] [QUERIES] [RATE] [RUNS]
#
# Defaults: build, 1000000, 500 queries per phase, 10 exchanges/s, 3 runs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
b=$build/bench/matcher/bench_matcher_under_writes
[ -x "$b" ] || { echo "missing $b: build it first" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$b" "${2:-1000000}" "${3:-500}" "${4:-10}" "${5:-3}" > "$out"
v() { awk -v k="$1" '$1 == k { print $2; exit }' "$out"; }
grep '^run ' "$out" | sed 's/^/    /'
echo
echo "| figure | without writes | under writes |"
echo "|---|---|---|"
echo "| query p50 (median of runs) | $(v base_p50_ms) ms | $(v writes_p50_ms) ms |"
echo "| query p99 (median of runs) | $(v base_p99_ms) ms | $(v writes_p99_ms) ms |"
echo "| p99 under writes / without | | $(v p99_ratio)x |"
echo "| exchanges agreed and planned | | $(v exchanges_per_s)/s |"
echo "| matcher publishes | | $(v publishes_per_s)/s: p50 $(v publish_p50_ms) ms, mean $(v publish_mean_ms) ms, max $(v publish_max_ms) ms |"
echo "| writer thread busy | | $(v writer_busy) |"
echo "| full build of the snapshot | $(v publish_full_s) s | |"
