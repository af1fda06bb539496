#!/bin/sh
# The meeting scheduler against a MIP solver (SciPy's milp, HiGHS) on the same instances,
# and alone on issue 18's large instance. Prints one block per instance.
#
#   bench/matcher/schedule_run.sh [BUILD_DIR] [MIP_TIME_LIMIT_S]
#
# BUILD_DIR defaults to build/ (it must hold bench/matcher/bench_matcher_schedule);
# MIP_TIME_LIMIT_S (default 120) bounds each MIP solve. Needs python3-scipy.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
limit=${2:-120}
bin=$build/bench/matcher/bench_matcher_schedule
[ -x "$bin" ] || { echo "missing $bin: build it first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); nproc: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
# P S T R SEED (10 % unavailable): the three sizes of issue 18, then other seeds and sizes
# the MIP proves, so a result is not one instance's luck
for inst in "40 8 50 150 1" "60 8 50 300 1" "100 8 50 700 1" "60 8 50 300 2" "60 8 50 300 3" \
            "50 6 50 200 4"; do
  set -- $inst
  echo "== $1 participants, $2 slots, $3 tables, $4 requests, seed $5"
  "$bin" "$1" "$2" "$3" "$4" 10 5 "$5" "$tmp/inst.txt"
  /usr/bin/python3 "$here/schedule_mip.py" "$tmp/inst.txt" "$limit"
done
echo "== issue 18's instance"
"$bin" 1000 16 600 8000 10 5 1
