#!/usr/bin/env bash
# run.sh: how fast `eccpd demo-data` loads a platform, and how long the first start takes
# to bring the search index and the matcher up to date with it. Prints a Markdown table.
#
#   bench/demo/run.sh BUILD_DIR [SCALE] [RUNS]
#
# Each run: a fresh data directory under $TMPDIR; `eccpd demo-data --scale SCALE` timed
# (the generator reports records/s for the store: accounts, profiles, registrations); then
# `eccpd serve --no-demo` on it, timed until /readyz answers 200 (the first start replays
# the change log into a new Xapian index and reads the registrations into the matcher);
# then a restart, timed the same way (nothing to catch up). Figures are medians over RUNS
# (default 3). SCALE defaults to 1; scale 100 takes several minutes per run and ~1 GB of
# disk. Loopback only; the directories are removed at the end.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
eccpd=$1/cli/eccpd
scale=${2:-1}
runs=${3:-3}
[ -x "$eccpd" ] || { echo "run.sh: $eccpd not found: build first" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/demo-bench.XXXXXX")
pid=""
cleanup() { [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

now() { date +%s.%N; }
port() { echo $((20000 + RANDOM % 40000)); }

# start_ready DIR -> seconds until /readyz says 200; leaves the server running in $pid
start_ready() {
  local p t0
  p=$(port)
  t0=$(now)
  "$eccpd" serve --no-demo --data "$1" --listen "127.0.0.1:$p" --threads 2 --access-log off \
    >"$tmp/serve.log" 2>&1 &
  pid=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/readyz")" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
    sleep 0.05
  done
  awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
  SEARCHABLE=$(curl -s "http://127.0.0.1:$p/v1/search?q=&per_page=1" |
    sed -n 's/^{"total":\([0-9]*\).*/\1/p')
}
stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for r in $(seq "$runs"); do
  d=$tmp/run$r
  "$eccpd" demo-data --data "$d" --scale "$scale" --seed 1 --password demo-bench-password \
    --quiet >"$tmp/demo.out"
  line=$(head -1 "$tmp/demo.out")
  # "Demo platform (scale S, seed 1): P profiles and U accounts in T s (R records/s)"
  echo "$line" | sed -E 's/.*: ([0-9]+) profiles and ([0-9]+) accounts in ([0-9.]+) s \(([0-9]+) records\/s\).*/\1 \2 \3 \4/' \
    >"$tmp/demo.$r"
  regs=$(sed -nE 's/.*registrations: ([0-9]+) accepted, ([0-9]+) pending, ([0-9]+) rejected/\1 \2 \3/p' \
    "$tmp/demo.out" | awk '{ print $1 + $2 + $3 }')
  echo "$regs" >"$tmp/regs.$r"
  start_ready "$d" >"$tmp/first.$r"
  echo "$SEARCHABLE" >"$tmp/searchable.$r"
  stop
  start_ready "$d" >"$tmp/again.$r"
  stop
  du -sm "$d/store" | cut -f1 >"$tmp/store.$r"
  du -sm "$d/index" | cut -f1 >"$tmp/index.$r"
  echo "run $r: $line; first start $(cat "$tmp/first.$r") s, restart $(cat "$tmp/again.$r") s" >&2
  rm -rf "$d"
done

col() { for r in $(seq "$runs"); do awk -v c="$2" '{ print $c }' "$tmp/$1.$r"; done | median; }
profiles=$(col demo 1)
accounts=$(col demo 2)
gen_s=$(col demo 3)
rate=$(col demo 4)
regs=$(col regs 1)
first=$(col first 1)
again=$(col again 1)
searchable=$(col searchable 1)
records=$((profiles + accounts + regs))

echo "| figure (scale $scale, median of $runs runs) | value |"
echo "|---|---|"
echo "| profiles / accounts / ClusterXchange registrations | $profiles / $accounts / $regs |"
echo "| searchable (published, public) profiles | $searchable |"
echo "| \`eccpd demo-data\`: wall time | $gen_s s |"
echo "| store writes | $rate records/s |"
echo "| first \`eccpd serve\`: until ready (index and matcher catch up) | $first s |"
awk -v p="$searchable" -v f="$first" 'BEGIN { printf "| index catch-up | %.0f searchable profiles/s |\n", p / f }'
awk -v p="$records" -v g="$gen_s" -v f="$first" 'BEGIN { printf "| store + index together | %.0f records/s (%.1f s) |\n", p / (g + f), g + f }'
echo "| restart: until ready | $again s |"
echo "| store / index on disk | $(col store 1) MB / $(col index 1) MB |"
