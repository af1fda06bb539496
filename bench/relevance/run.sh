#!/usr/bin/env bash
# run.sh: the judged-query relevance benchmark of eccpd's search (bench/relevance/README.md).
#
#   bench/relevance/run.sh BUILD_DIR DATA_DIR [--eccpd PATH] [--reindex] [--json OUT]
#
# DATA_DIR is a stopped eccpd data directory holding the demo data (`eccpd demo-data
# --data DATA_DIR --scale 100 --seed 1`). Steps: the searchable profiles are dumped into
# DATA_DIR/corpus.jsonl (unless present) by BUILD_DIR/bench/search/bench_search_dump_corpus;
# relevance.py judge grades every profile for every query of queries.tsv from that data
# (DATA_DIR/qrels.tsv, remade when queries.tsv, relevance.py or the corpus are newer); with --reindex, `eccpd reindex` first rebuilds
# the index with the binary under test (do this when switching binaries); then `eccpd
# serve` (BUILD_DIR/cli/eccpd or --eccpd) on a free loopback port answers every query and
# relevance.py measure prints nDCG@10 and recall@20 per category as markdown. The server is
# stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "run.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
build=$1
data=$2
shift 2
eccpd=$build/cli/eccpd
reindex=0
json=""
while [ $# -gt 0 ]; do
    case "$1" in
    --eccpd) eccpd=$2; shift 2 ;;
    --reindex) reindex=1; shift ;;
    --json) json=$2; shift 2 ;;
    *) die "unknown argument: $1" ;;
    esac
done
py=/usr/bin/python3
[ -x "$py" ] || py=python3
[ -x "$eccpd" ] || die "eccpd not found at $eccpd"
[ -d "$data/store" ] || die "$data holds no store (eccpd demo-data --data $data --scale 100)"

if [ ! -s "$data/corpus.jsonl" ]; then
    "$build/bench/search/bench_search_dump_corpus" "$data" >"$data/corpus.jsonl.tmp"
    mv "$data/corpus.jsonl.tmp" "$data/corpus.jsonl"
fi
if [ ! -s "$data/qrels.tsv" ] || [ "$here/queries.tsv" -nt "$data/qrels.tsv" ] ||
    [ "$here/relevance.py" -nt "$data/qrels.tsv" ] || [ "$data/corpus.jsonl" -nt "$data/qrels.tsv" ]; then
    "$py" "$here/relevance.py" judge "$data/corpus.jsonl" "$here/queries.tsv" >"$data/qrels.tsv.tmp" \
        2>"$data/judge.log"
    mv "$data/qrels.tsv.tmp" "$data/qrels.tsv"
fi
echo "run.sh: $(wc -l <"$data/qrels.tsv") judgements, see $data/judge.log" >&2
if [ "$reindex" = 1 ]; then
    echo "run.sh: eccpd reindex" >&2
    "$eccpd" reindex --data "$data" >&2
fi

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$eccpd" serve --data "$data" --listen "127.0.0.1:$port" --access-log off >"$data/relevance-serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 1200); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
    kill -0 "$pid" 2>/dev/null || die "eccpd serve stopped, see $data/relevance-serve.log"
    sleep 0.5
done
args=()
[ -z "$json" ] || args=(--json "$json")
"$py" "$here/relevance.py" measure "$here/queries.tsv" "$data/qrels.tsv" "http://127.0.0.1:$port" \
    --worst 12 "${args[@]}"
