#!/bin/sh
# Runs the matcher benchmarks (built beforehand; this script builds nothing) and prints
# Markdown tables: best matches beside the memory-bandwidth ceiling, and the batch solver
# beside SciPy on the same instances, with the objective values checked equal.
#
#   bench/matcher/run.sh [BUILD_DIR] [RUNS]
#
# BUILD_DIR defaults to build-matcher next to this repository's root; it must hold the
# targets bench_matcher_best and bench_matcher_batch. RUNS (default 5) is how many times
# each batch problem is solved (the median is reported); SciPy solves each once. The SciPy
# side of the capacity problem expands hosts into slots (a 20,000 x ~21,000 matrix) and
# needs several GB and minutes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build-matcher}
runs=${2:-5}
best=$build/bench/matcher/bench_matcher_best
batch=$build/bench/matcher/bench_matcher_batch
for b in "$best" "$batch"; do
  [ -x "$b" ] || { echo "missing $b: build it first" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "## Machine"
echo
echo '```'
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "nproc: $(nproc)"
lscpu | head -n 15
echo "kernel: $(uname -srm)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo '```'
echo

echo "## Best matches (1,000,000 registrations, top-20 with reasons, 1,000 askers, 1 thread)"
echo
"$best" 1000000 1000 > "$tmp/best.txt"
v() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$tmp/best.txt"; }
echo "| figure | value |"
echo "|---|---|"
echo "| registrations (hosts / visitors parts) | $(v registrations) ($(v hosts) / $(v visitors)) |"
echo "| publish (build the snapshot) | $(v publish_s) s |"
echo "| query p50 | $(v p50_ms) ms |"
echo "| query p99 | $(v p99_ms) ms |"
echo "| query mean | $(v mean_ms) ms |"
echo "| scan bandwidth | $(v scan_gbs) GB/s |"
echo "| ceiling: streaming sum of the same columns, p50 | $(v ceiling_p50_ms) ms |"
echo "| ceiling bandwidth | $(v ceiling_gbs) GB/s |"
echo "| scan / ceiling | $(v ratio) |"
echo
echo "Example reasons of one top match:"
echo
awk '$1 == "example_reason" { $1 = ""; sub(/^ /, ""); print "- " $0 }' "$tmp/best.txt"
echo

echo "## Batch assignment (matcher median of $runs runs; SciPy one run)"
echo
"$batch" "$tmp" "$runs" > /dev/null
/usr/bin/python3 "$here/scipy_batch.py" "$tmp"
