#!/usr/bin/env bash
# bulk.sh: bulk store + index, the way a platform is loaded: `eccpd import` of an export's
# users and profiles into a new directory, then the first `eccpd serve` (which builds the
# search index from the store) until /readyz answers. Prints a markdown table on standard
# output (each run, then medians; with a baseline, its figures and the ratio), progress on
# standard error. Builds nothing.
#
#   bench/search/bulk.sh --data DIR ECCPD [BASELINE_ECCPD] [--runs N] [--keep-export]
#
# DIR is a stopped eccpd data directory (the search benchmark's, usually); its users and
# profiles are exported once into DIR/bulk-export.jsonl (kept for later runs with
# --keep-export). ECCPD and BASELINE_ECCPD are eccpd binaries, copied first so that a
# rebuild during the run changes nothing; runs alternate between them. The directories
# loaded live under a temporary directory, removed on exit, and the server listens on
# 127.0.0.1 only. Profiles per second counts every profile line of the export over the
# import and first start together.
set -euo pipefail

runs=3 data="" keep=0 bins=()
while [ $# -gt 0 ]; do
    case "$1" in
    --data) data=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep-export) keep=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bulk.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) bins+=("$1"); shift ;;
    esac
done
die() { echo "bulk.sh: $*" >&2; exit 1; }
[ -n "$data" ] && [ -d "$data/store" ] || die "--data DIR must be an eccpd data directory"
[ ${#bins[@]} -ge 1 ] && [ ${#bins[@]} -le 2 ] || die "give one eccpd binary, and optionally a baseline"
[ "$runs" -ge 1 ] 2>/dev/null || die "--runs must be at least 1"
command -v curl >/dev/null || die "curl is required"

tmp=$(mktemp -d /tmp/eccpd-bulk-XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
names=()
for i in "${!bins[@]}"; do
    [ -x "${bins[$i]}" ] || die "${bins[$i]} is not executable"
    cp "${bins[$i]}" "$tmp/eccpd$i"
    names+=("$(basename "${bins[$i]}")")
done
[ ${#bins[@]} -eq 2 ] && [ "${names[0]}" = "${names[1]}" ] && names=("${bins[0]}" "${bins[1]}")

export_file="$data/bulk-export.jsonl"
if [ "$keep" = 0 ] || [ ! -s "$export_file" ]; then
    echo "exporting users and profiles of $data" >&2
    "$tmp/eccpd0" export --data "$data" --output "$tmp/all.jsonl" >&2
    grep -E '^\{"kind":"(user|profile)"' "$tmp/all.jsonl" >"$export_file"
    rm -f "$tmp/all.jsonl"
fi
profiles=$(grep -c '^{"kind":"profile"' "$export_file")
[ "$profiles" -gt 0 ] || die "the export holds no profiles"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# one BIN_INDEX -> "import_s start_s total_s"
one() {
    local bin="$tmp/eccpd$1" dir="$tmp/data" t0 t1 t2
    rm -rf "$dir"
    t0=$(now)
    "$bin" import --data "$dir" "$export_file" >"$tmp/import.log" 2>&1 ||
        { cat "$tmp/import.log" >&2; die "import failed"; }
    t1=$(now)
    "$bin" serve --data "$dir" --listen "127.0.0.1:$port" --no-demo --access-log off \
        >"$tmp/serve.log" 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
        kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; die "serve exited"; }
        sleep 0.05
    done
    t2=$(now)
    kill "$pid"
    wait "$pid" || true
    pid=""
    rm -rf "$dir"
    echo "$(secs "$t0" "$t1") $(secs "$t1" "$t2") $(secs "$t0" "$t2")"
}

echo "| binary | run | import s | first start s | store + index s | profiles/s |"
echo "|---|---:|---:|---:|---:|---:|"
for r in $(seq "$runs"); do
    for i in "${!bins[@]}"; do
        echo "run $r: ${names[$i]}" >&2
        read -r a b c < <(one "$i")
        echo "$a $b $c" >>"$tmp/res$i"
        echo "| ${names[$i]} | $r | $a | $b | $c | $(awk -v p="$profiles" -v s="$c" 'BEGIN { printf "%.0f", p / s }') |"
    done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "Medians over $runs runs, $profiles profiles:"
echo
echo "| binary | import s | first start s | store + index s | profiles/s |"
echo "|---|---:|---:|---:|---:|"
for i in "${!bins[@]}"; do
    a=$(cut -d' ' -f1 "$tmp/res$i" | median)
    b=$(cut -d' ' -f2 "$tmp/res$i" | median)
    c=$(cut -d' ' -f3 "$tmp/res$i" | median)
    echo "| ${names[$i]} | $a | $b | $c | $(awk -v p="$profiles" -v s="$c" 'BEGIN { printf "%.0f", p / s }') |"
    echo "$c" >"$tmp/med$i"
done
if [ ${#bins[@]} -eq 2 ]; then
    echo
    echo "${names[0]} loads in $(awk -v a="$(cat "$tmp/med0")" -v b="$(cat "$tmp/med1")" 'BEGIN { printf "%.2f", b / a }')x the speed of ${names[1]} (median store + index seconds)."
fi
