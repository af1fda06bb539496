#!/bin/sh
# The meeting scheduler against a MIP solver (SciPy's milp, HiGHS) on the same instances,
# and alone on issue 18's large instance. Prints one block per instance, each ending in a
# summary line: eccpd's median CPU time, the MIP's median CPU and wall time, their ratio.
#
#   bench/matcher/schedule_run.sh [BUILD_DIR] [MIP_TIME_LIMIT_S] [RUNS] [MIP_RUNS]
#
# BUILD_DIR defaults to build/ (it must hold bench/matcher/bench_matcher_schedule);
# MIP_TIME_LIMIT_S (default 120) bounds each MIP solve; RUNS (default 11) runs of eccpd per
# instance (medians); MIP_RUNS (default 3) solves of the instances the MIP proves in
# seconds (40x8 and 50x6), one of the others (30 s to the limit each). Needs python3-scipy.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
limit=${2:-120}
runs=${3:-11}
mip_runs=${4:-3}
bin=$build/bench/matcher/bench_matcher_schedule
[ -x "$bin" ] || { echo "missing $bin: build it first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); nproc: $(nproc); uptime: $(uptime)"
echo "commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
# P S T R SEED MIP-RUNS (10 % unavailable): the three sizes of issue 18, then other seeds
# and sizes the MIP proves, so a result is not one instance's luck
for inst in "40 8 50 150 1 $mip_runs" "60 8 50 300 1 1" "100 8 50 700 1 1" "60 8 50 300 2 1" \
            "60 8 50 300 3 1" "50 6 50 200 4 $mip_runs"; do
  set -- $inst
  echo "== $1 participants, $2 slots, $3 tables, $4 requests, seed $5 ($(cut -d' ' -f1-3 /proc/loadavg))"
  "$bin" "$1" "$2" "$3" "$4" 10 "$runs" "$5" "$tmp/inst.txt" | tee "$tmp/eccpd.txt"
  : > "$tmp/mip.txt"
  i=0
  while [ "$i" -lt "$6" ]; do
    /usr/bin/python3 "$here/schedule_mip.py" "$tmp/inst.txt" "$limit" | tee -a "$tmp/mip.txt"
    i=$((i + 1))
  done
  awk -v load="$(cut -d' ' -f1 /proc/loadavg)" '
    function med(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] } }
    /median_cpu_ms=/ { cpu = v["median_cpu_ms"]; placed = v["placed"]; bound = v["upper_bound"] }
    /mip_placed=/ { n++; mc[n] = v["mip_cpu_s"]; mw[n] = v["mip_s"]; mp = v["mip_placed"]; mb = v["mip_bound"] }
    END {
      c = med(mc, n); w = med(mw, n)
      printf "summary: eccpd %s/%s in %.1f ms CPU; MIP %s (bound %s) in %.3f s CPU, %.3f s wall (median of %d); eccpd/MIP CPU 1/%.0f, CPU/wall 1/%.0f; load %s\n",
        placed, bound, cpu, mp, mb, c, w, n, c * 1000 / cpu, w * 1000 / cpu, load
    }' "$tmp/eccpd.txt" "$tmp/mip.txt"
done
echo "== issue 18's instance ($(cut -d' ' -f1-3 /proc/loadavg))"
"$bin" 1000 16 600 8000 10 5 1
echo "end: $(date -u '+%H:%M UTC'); uptime: $(uptime)"
