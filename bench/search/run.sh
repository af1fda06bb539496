#!/usr/bin/env bash
# run.sh: eccpd's search (GET /v1/search, GET /v1/suggest) beside Sphinx 2.2 and
# PostgreSQL 15 loaded with the same profiles, the same queries and the same load, in one
# run on one machine, over loopback. Prints markdown (throughput, p50, p99 as medians over
# runs; ratios; indexing speed; the issue's targets) on standard output, progress on
# standard error. Builds nothing.
#
#   bench/search/run.sh BUILD_DIR [--data DIR] [--scale N] [--demo-seconds S]
#                       [--runs N] [--duration S] [--warmup S] [--clients N] [--slice K]
#                       [--threads N]
#                       [--workloads LIST] [--eccpd PATH] [--bin DIR] [--workload-dir DIR]
#                       [--no-sphinx] [--no-pg] [--no-h1] [--no-reindex] [--prepare]
#                       [--keep]
#
# BUILD_DIR holds cli/eccpd and bench/search/bench_search_{dump_corpus,sphinx,pg} (or pass
# --eccpd and --bin). eccpd is copied into a temporary directory first, so a rebuild
# during the run changes nothing. Steps:
#  1. Data: DIR (default /tmp/eccpd-search-bench) is reused when it holds a store;
#     otherwise `eccpd demo-data --data DIR --scale N` (default 100: ~197,000 profiles)
#     fills it, and the seconds of its profile phases (organisations and members, each
#     profile with its account, through the API's write path) are recorded. For a
#     directory made elsewhere pass those seconds with --demo-seconds.
#  2. Corpus: the searchable profiles, dumped from the stopped store into DIR/corpus.jsonl
#     by bench_search_dump_corpus (the fields eccpd indexes, as index_rebuild selects them).
#  3. eccpd: `eccpd serve --threads N`. On a directory without an index the first start
#     builds the index from the store (or replays the change log into it) before it
#     answers; its stderr is timestamped and kept in DIR, and the time from "building the
#     search index" (or "bringing the index up to date") to "serving on" is the indexing
#     figure (store + index = demo-data's profile phases + that). Then it waits until
#     the store stands still: a directory made by a demo-data older than commit d057ae4
#     carries a backlog of e-mail (1.1 million at scale 100) that the server delivers in
#     the background. --prepare stops here: the directory is ready for quicker runs.
#  4. Peers, in a temporary directory: Sphinx (indexer over an xmlpipe2 stream, then
#     searchd on a free loopback port, SphinxQL) and PostgreSQL (initdb of a private
#     cluster run as user `nobody`, since PostgreSQL refuses root, on a free loopback
#     port, its socket in the temporary directory; COPY, then the GIN index; both timed).
#  5. Workloads: bench/search/workloads/*.tsv or --workload-dir (made from the corpus by
#     `corpus.py workloads` when missing). Every system gets the same queries and the same
#     closed loop: N clients, each one connection with one request in flight. In run r,
#     client k repeats the K queries (--slice, default 20) that start k/N of the way down
#     the list plus r*K lines, round and round: a system at 20 req/s still answers every
#     one of the run's N*K queries, and a fast one answers them in the same proportions
#     (each run takes other queries; --slice 0 walks the whole list, and then a slow
#     system sees only the head of each client's part). eccpd: N `h2load -c 1 -m 1` processes
#     over h2c (and, for the two headline workloads, over HTTP/1.1 with h2load --h1),
#     latencies from their per-request logs; the peers: bench_search_sphinx and
#     bench_search_pg (loadgen.c). Each measurement has an unmeasured warm-up and a fixed
#     measured duration; the order of the systems rotates from run to run.
#  6. Offline rebuild: eccpd is stopped and `eccpd reindex --data DIR` timed.
# Defaults: 3 runs of 8 s measured after 2 s of warm-up, 8 clients repeating 20 queries
# each, eccpd with 2 event-loop threads (one per core; the peers use every core too), all
# workloads: about 14 minutes of measurement and 4 of set-up and rebuild; a new
# directory adds its first start (1-2 minutes at scale 100).
# Nothing is pinned to a core. Everything listens on 127.0.0.1 only; servers are stopped
# on exit; the temporary directory is removed unless --keep. Results go to
# bench/RESULTS.md by hand.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "run.sh: $*" >&2; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in -h | --help) usage; exit 0 ;; esac
build=$1
shift
data=/tmp/eccpd-search-bench
scale=100
demo_seconds=""
runs=3
duration=8
warmup=2
clients=8
slice=20
threads=2
workloads="facets nofacets typed one two prefix filtered suggest"
eccpd_src=""
bin=""
wdir=$here/workloads
with_sphinx=1
with_pg=1
with_h1=1
with_reindex=1
prepare=0
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
    --data) data=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --demo-seconds) demo_seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --slice) slice=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --eccpd) eccpd_src=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --workload-dir) wdir=$2; shift 2 ;;
    --no-sphinx) with_sphinx=0; shift ;;
    --no-pg) with_pg=0; shift ;;
    --no-h1) with_h1=0; shift ;;
    --no-reindex) with_reindex=0; shift ;;
    --prepare) prepare=1; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
    esac
done
for n in "$runs" "$duration" "$warmup" "$clients" "$slice" "$threads"; do
    [[ "$n" =~ ^[0-9]+$ ]] || die "not a whole number: $n"
done
[ -z "$demo_seconds" ] || [[ "$demo_seconds" =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
    die "--demo-seconds is a number of seconds"
[ "$runs" -ge 1 ] && [ "$runs" -le 9 ] || die "--runs is 1..9"
[ "$duration" -ge 1 ] && [ "$duration" -le 60 ] || die "--duration is 1..60 seconds"
[ "$warmup" -le 30 ] || die "--warmup is at most 30 seconds"
[ "$clients" -ge 1 ] && [ "$clients" -le 64 ] || die "--clients is 1..64"
[ -n "$eccpd_src" ] || eccpd_src=$build/cli/eccpd
[ -n "$bin" ] || bin=$build/bench/search
[ -x "$eccpd_src" ] || die "eccpd not found at $eccpd_src (build it, or pass --eccpd)"
dump=$bin/bench_search_dump_corpus
sphinx_client=$bin/bench_search_sphinx
pg_client=$bin/bench_search_pg
[ -x "$dump" ] || die "$dump not found (cmake --build BUILD --target bench_search_dump_corpus)"
command -v h2load >/dev/null || die "h2load not found (apt-get install nghttp2-client)"
command -v curl >/dev/null || die "curl not found (apt-get install curl)"
if [ "$with_sphinx" = 1 ]; then
    command -v indexer >/dev/null && command -v searchd >/dev/null ||
        die "Sphinx not found (apt-get install sphinxsearch, or ./dev.sh deps --bench), or pass --no-sphinx"
    [ -x "$sphinx_client" ] || die "$sphinx_client not found (needs libmariadb-dev)"
fi
pgbin=/usr/lib/postgresql/15/bin
if [ "$with_pg" = 1 ]; then
    [ -x "$pgbin/initdb" ] ||
        die "PostgreSQL 15 not found (apt-get install postgresql-15 postgresql-contrib-15, or ./dev.sh deps --bench), or pass --no-pg"
    [ -x "$pg_client" ] || die "$pg_client not found (needs libpq-dev)"
fi
py=/usr/bin/python3
[ -x "$py" ] || py=python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/search-bench.XXXXXX")
chmod 755 "$tmp"
cp "$eccpd_src" "$tmp/eccpd"
eccpd=$tmp/eccpd
eccpd_pid=""
searchd_started=0
pg_started=0

stop_eccpd() {
    if [ -n "$eccpd_pid" ]; then
        kill -TERM "$eccpd_pid" 2>/dev/null || true
        for _ in $(seq 300); do kill -0 "$eccpd_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$eccpd_pid" 2>/dev/null || true
        wait "$eccpd_pid" 2>/dev/null || true
        eccpd_pid=""
        sleep 0.5 # the timestamping reader drains the last lines
    fi
}
cleanup() {
    stop_eccpd
    if [ "$searchd_started" = 1 ]; then
        searchd --config "$tmp/sphinx/sphinx.conf" --stopwait >/dev/null 2>&1 || true
    fi
    if [ "$pg_started" = 1 ]; then
        runuser -u nobody -- "$pgbin/pg_ctl" -D "$tmp/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ "$keep" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 40000))
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    die "no free port found"
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# stamp: copies standard input to standard output, each line prefixed with the time.
stamp() { while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }

# ---- 1. data ---------------------------------------------------------------------------
mkdir -p "$data"
if [ ! -d "$data/store" ]; then
    "$eccpd" --help 2>&1 | grep -q demo-data ||
        die "$data has no store and this eccpd has no demo-data command"
    log "generating demo data (scale $scale) into $data"
    t0=$(now)
    { "$eccpd" demo-data --data "$data" --scale "$scale" 2>&1 >"$data/demo-data.out" |
        stamp >"$data/demo-data.log"; } || die "demo-data failed (see $data/demo-data.log)"
    t1=$(now)
    grep -q '^Demo platform' "$data/demo-data.out" || die "demo-data failed (see $data/demo-data.log)"
    # The profile phases: from the first "organisations" line to the first line of the
    # phase after "members" (or the end).
    awk -v end="$t1" '
        $3 == "organisations" && !a { a = $1 }
        a && $3 != "organisations" && $3 != "members" && !b { b = $1 }
        END { if (!b) b = end; printf "%.2f\n", b - a }' "$data/demo-data.log" \
        >"$data/bench-demo-seconds"
    echo "$(elapsed "$t0" "$t1")" >"$data/bench-demo-total-seconds"
    rm -f "$data/bench-first-start.log" "$data/bench-first-start-seconds" "$data/corpus.jsonl"
fi
[ -z "$demo_seconds" ] || echo "$demo_seconds" >"$data/bench-demo-seconds"

# ---- 2. corpus -------------------------------------------------------------------------
# (a dump older than the "ecosystem_codes" field is made again)
if [ ! -s "$data/corpus.jsonl" ] || ! head -n 1 "$data/corpus.jsonl" | grep -q '"ecosystem_codes"'; then
    log "dumping the searchable profiles into $data/corpus.jsonl"
    "$dump" "$data" >"$data/corpus.jsonl.part" 2>"$data/corpus.log" ||
        { cat "$data/corpus.log" >&2; die "dump_corpus failed"; }
    mv "$data/corpus.jsonl.part" "$data/corpus.jsonl"
fi
docs=$(wc -l <"$data/corpus.jsonl")
records=$(awk '/profile records/ { print $2 }' "$data/corpus.log" 2>/dev/null || true)
[ -n "$records" ] || records=$docs
log "corpus: $docs searchable profiles of $records profile records"

# ---- 3. eccpd --------------------------------------------------------------------------
eccpd_port=$(free_port)
start_eccpd() { # LOGFILE
    "$eccpd" serve --data "$data" --listen "127.0.0.1:$eccpd_port" --threads "$threads" \
        --access-log off --no-demo > >(stamp >"$1") 2>&1 &
    eccpd_pid=$!
    for _ in $(seq 18000); do # 30 minutes at most for a first start
        kill -0 "$eccpd_pid" 2>/dev/null || { cat "$1" >&2; die "eccpd exited"; }
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
            "http://127.0.0.1:$eccpd_port/readyz" || true)
        [ "$code" = 200 ] && return 0
        sleep 0.1
    done
    die "eccpd was not ready within 30 minutes"
}
first_start=0
[ -d "$data/index" ] || first_start=1
log "starting eccpd on 127.0.0.1:$eccpd_port ($threads threads)$([ $first_start = 1 ] && echo '; first start: the index catches up with the change log')"
t0=$(now)
start_eccpd "$tmp/eccpd.log"
t1=$(now)
start_s=$(elapsed "$t0" "$t1")
if [ "$first_start" = 1 ]; then
    cp "$tmp/eccpd.log" "$data/bench-first-start.log"
    echo "$start_s" >"$data/bench-first-start-seconds"
fi
# A demo directory made before commit d057ae4 holds a backlog of e-mail (one per
# moderation decision: 1.1 million at scale 100) that the server's outbox delivers in the
# background. Measuring during that would measure the delivery too: wait until the
# store's write counter stands still (nothing else writes during the benchmark).
writes() {
    curl -s "http://127.0.0.1:$eccpd_port/metrics" |
        awk '$1 == "eccpd_store_writes_total" { print $2 }'
}
t0=$(now)
w0=$(writes)
prev=$w0
still=0
shown=$(date +%s)
for _ in $(seq 3600); do # an hour at most
    sleep 1
    cur=$(writes)
    if [ "$cur" = "$prev" ]; then still=$((still + 1)); else still=0; fi
    [ "$still" -ge 3 ] && break
    prev=$cur
    if [ $(($(date +%s) - shown)) -ge 30 ]; then
        log "waiting for the outbox backlog to be delivered: $((cur - w0)) writes so far"
        shown=$(date +%s)
    fi
done
[ "$still" -ge 3 ] || die "the store was still being written after an hour"
delivered=$((prev - w0))
if [ "$delivered" -gt 0 ]; then
    log "outbox backlog delivered: $delivered writes in $(elapsed "$t0" "$(now)")s (not measured)"
    echo "$delivered $(elapsed "$t0" "$(now)")" >>"$data/bench-outbox-drain"
fi
if [ "$prepare" = 1 ]; then
    log "prepared $data (index built, outbox delivered); stopping"
    exit 0
fi

eccpd_total=$(curl -s "http://127.0.0.1:$eccpd_port/v1/search?q=&per_page=1" |
    $py -c 'import json,sys; print(json.load(sys.stdin)["total"])')
log "eccpd ready after ${start_s}s; catalogue total $eccpd_total"
[ "$eccpd_total" = "$docs" ] || log "WARNING: eccpd lists $eccpd_total profiles, the corpus has $docs"

# ---- 4. peers --------------------------------------------------------------------------
if [ "$with_sphinx" = 1 ]; then
    mkdir -p "$tmp/sphinx/index"
    sphinx_port=$(free_port)
    log "converting the corpus for Sphinx"
    $py "$here/corpus.py" sphinx-xml "$data/corpus.jsonl" >"$tmp/sphinx/corpus.xml"
    $py - "$here/sphinx.conf.in" "$tmp/sphinx" "$sphinx_port" "$($py "$here/corpus.py" charset)" \
        >"$tmp/sphinx/sphinx.conf" <<'EOF'
import sys
t = open(sys.argv[1]).read()
sys.stdout.write(t.replace("@DIR@", sys.argv[2]).replace("@PORT@", sys.argv[3])
                 .replace("@CHARSET@", sys.argv[4]))
EOF
    log "Sphinx indexer"
    t0=$(now)
    indexer --config "$tmp/sphinx/sphinx.conf" --all >"$tmp/sphinx/indexer.log" 2>&1 ||
        { cat "$tmp/sphinx/indexer.log" >&2; die "indexer failed"; }
    t1=$(now)
    sphinx_index_s=$(elapsed "$t0" "$t1")
    grep -iE 'warning|error' "$tmp/sphinx/indexer.log" | head -5 >&2 || true
    searchd --config "$tmp/sphinx/sphinx.conf" >"$tmp/sphinx/searchd.out" 2>&1 ||
        { cat "$tmp/sphinx/searchd.out" >&2; die "searchd failed"; }
    searchd_started=1
    for _ in $(seq 100); do port_in_use "$sphinx_port" && break; sleep 0.1; done
    sphinx_total=$("$sphinx_client" --port "$sphinx_port" --sql "SELECT COUNT(*) FROM eccpd" |
        awk -F' [|] ' '/^  \[0\] \|/ { print $2; exit }')
    log "Sphinx: indexed in ${sphinx_index_s}s, searchd on 127.0.0.1:$sphinx_port, $sphinx_total documents"
    [ "$sphinx_total" = "$docs" ] || log "WARNING: Sphinx holds $sphinx_total documents, the corpus has $docs"
fi

if [ "$with_pg" = 1 ]; then
    mkdir -p "$tmp/pg"
    chown nobody "$tmp/pg"
    pg_port=$(free_port)
    log "PostgreSQL: initdb (as nobody) and start on 127.0.0.1:$pg_port"
    runuser -u nobody -- "$pgbin/initdb" -D "$tmp/pg/data" --auth=trust -U bench -E UTF8 \
        --locale=C.UTF-8 >"$tmp/pg/initdb.log" 2>&1 || { cat "$tmp/pg/initdb.log" >&2; die "initdb failed"; }
    # Defaults except: 1 GB of shared buffers (the whole table and index stay in memory),
    # 1 GB for building the GIN index, and no JIT (it compiles each large query anew,
    # which costs these short queries tens of milliseconds).
    runuser -u nobody -- "$pgbin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w -t 60 \
        -o "-p $pg_port -k $tmp/pg -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c maintenance_work_mem=1GB -c jit=off -c max_connections=40" \
        start >/dev/null || { cat "$tmp/pg/server.log" >&2; die "pg_ctl start failed"; }
    pg_started=1
    psql_() { "$pgbin/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U bench -v ON_ERROR_STOP=1 "$@"; }
    psql_ -d postgres -c "CREATE DATABASE bench" >/dev/null
    psql_ -d bench -f "$here/pg_schema.sql" >/dev/null
    $py "$here/corpus.py" pg-tsv "$data/corpus.jsonl" >"$tmp/pg/corpus.tsv"
    log "PostgreSQL: COPY and GIN index"
    t0=$(now)
    psql_ -d bench -c "\\copy profiles (id, ext_id, type, name, acronym, keywords, description, city, region, address, country, ecosystems, ecosystem_names, label) FROM '$tmp/pg/corpus.tsv'" >/dev/null
    t1=$(now)
    psql_ -d bench -f "$here/pg_index.sql" >/dev/null
    t2=$(now)
    pg_copy_s=$(elapsed "$t0" "$t1")
    pg_index_s=$(elapsed "$t1" "$t2")
    pg_total=$(psql_ -d bench -At -c "SELECT count(*) FROM profiles")
    pg_conninfo="host=127.0.0.1 port=$pg_port dbname=bench user=bench"
    log "PostgreSQL: COPY ${pg_copy_s}s, index+analyze ${pg_index_s}s, $pg_total rows"
fi

# ---- 5. workloads ----------------------------------------------------------------------
if [ ! -s "$wdir/mixed.tsv" ]; then
    log "making the workload files in $wdir from the corpus"
    mkdir -p "$wdir"
    $py "$here/corpus.py" workloads "$data/corpus.jsonl" "$wdir"
fi
made_from=$(awk 'NR == 2 { for (i = 1; i <= NF; i++) if ($i == "of") print $(i + 1) }' "$wdir/mixed.tsv")
[ "$made_from" = "$docs" ] ||
    log "WARNING: the workloads were made from a corpus of $made_from profiles, this one has $docs"

# workload NAME -> "file eccpd_kind eccpd_words peer_mode peer_flags"
#   eccpd_words: whole (the query ends with a space: its last word is complete) or typed
#   (the last word also matches as a prefix, as in a search box being typed in); the
#   peers are asked the same: --prefix makes their last word `w | w*` (Sphinx), `w:*`
#   (PostgreSQL).
workload() {
    case "$1" in
    facets) echo "mixed facets whole facets -" ;;
    nofacets) echo "mixed plain whole plain -" ;;
    typed) echo "mixed facets typed facets --prefix" ;;
    one) echo "one plain whole plain -" ;;
    two) echo "two plain whole plain -" ;;
    prefix) echo "prefix plain typed plain --prefix" ;;
    filtered) echo "filtered plain whole plain -" ;;
    suggest) echo "suggest suggest typed suggest -" ;;
    *) die "unknown workload $1" ;;
    esac
}
for w in $workloads; do workload "$w" >/dev/null; done

mkdir -p "$tmp/res" "$tmp/uris"
# uris_for_run RUN: eccpd's per-client URI lists of every workload for run RUN (1-based)
uris_for_run() {
    local w file kind words whole
    for w in $workloads; do
        read -r file kind words _ _ <<<"$(workload "$w")"
        whole=""
        [ "$words" = whole ] && whole=--whole
        $py "$here/corpus.py" uris "$wdir/$file.tsv" "$kind" "http://127.0.0.1:$eccpd_port" \
            $whole --clients "$clients" --slice "$slice" --run $(($1 - 1)) --out "$tmp/uris/$w"
    done
}

# measure_eccpd h2c|h1 WORKLOAD -> "rps p50 p99": one `h2load -c 1 -m 1` per client, each
# with the list rotated as loadgen.c rotates it; latencies from their per-request logs,
# which cover the measured period only.
measure_eccpd() {
    local proto=$1 w=$2 k pids=() flags=() bad
    [ "$proto" = h1 ] && flags=(--h1)
    rm -f "$tmp"/h2load.*
    for k in $(seq 0 $((clients - 1))); do
        timeout $((duration + warmup + 60)) h2load "${flags[@]}" -c 1 -m 1 -t 1 \
            -D "$duration" --warm-up-time "$warmup" -i "$tmp/uris/$w.$k.txt" \
            --log-file "$tmp/h2load.$k.log" >"$tmp/h2load.$k.out" 2>&1 &
        pids+=($!)
    done
    for k in "${!pids[@]}"; do
        wait "${pids[$k]}" || { cat "$tmp/h2load.$k.out" >&2; die "h2load failed"; }
    done
    if [ "$proto" = h2c ]; then
        for k in $(seq 0 $((clients - 1))); do
            grep -q '^Application protocol: h2c' "$tmp/h2load.$k.out" ||
                { cat "$tmp/h2load.$k.out" >&2; die "h2load did not speak h2c"; }
        done
    fi
    bad=$(cat "$tmp"/h2load.*.log | awk -F'\t' '$2 < 200 || $2 > 299 { b++ } END { print b + 0 }')
    [ "$bad" = 0 ] || log "$w $proto: $bad answers were not 2xx"
    cat "$tmp"/h2load.*.log | cut -f3 | sort -n >"$tmp/lat.sorted"
    awk -v d="$duration" '{ v[NR] = $1 } END {
        if (NR == 0) { print "0 0 0 0"; exit }
        i50 = int(0.50 * (NR - 1) + 0.5) + 1; i99 = int(0.99 * (NR - 1) + 0.5) + 1
        printf "%.2f %.3f %.3f %d\n", NR / d, v[i50] / 1000, v[i99] / 1000, NR }' "$tmp/lat.sorted"
}

# measure_peer RUN CLIENT ARGS... -> "rps p50 p99"
measure_peer() {
    local out run=$1
    shift
    out=$(timeout $((duration + warmup + 120)) "$@" --clients "$clients" --warmup "$warmup" \
        --duration "$duration" --slice "$slice" --run $((run - 1)) 2>"$tmp/peer.err") || { cat "$tmp/peer.err" >&2; log "peer client failed: $*"; }
    awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
         END { if (v["errors"] > 0) printf "run.sh: %d errors\n", v["errors"] > "/dev/stderr"
               printf "%s %s %s %d\n", v["rps"] + 0, v["p50_ms"] + 0, v["p99_ms"] + 0, v["requests"] }' <<<"$out"
}

# pg_quiet: PostgreSQL's backends go on running a query whose client has timed out and
# gone (a search over the GIN index can take seconds at scale 100), which loaded the cores
# to 6-7 during whatever was measured next. Cancel them and wait until none is active.
pg_quiet() {
    local i
    for i in $(seq 1 50); do
        [ "$(psql_ -d bench -At -c "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity
             WHERE datname = 'bench' AND state = 'active' AND pid <> pg_backend_pid()")" = 0 ] && return 0
        sleep 0.2
    done
    log "PostgreSQL: queries still active after cancelling for 10 s"
}

# measure SYSTEM WORKLOAD RUN: appends "rps p50 p99 requests" to $tmp/res/WORKLOAD.SYSTEM
measure() {
    local sys=$1 w=$2 run=$3 file kind words mode flags r n
    read -r file kind words mode flags <<<"$(workload "$w")"
    [ "$flags" = - ] && flags=""
    case "$sys" in
    eccpd-h2c) r=$(measure_eccpd h2c "$w") ;;
    eccpd-h1) r=$(measure_eccpd h1 "$w") ;;
    sphinx) r=$(measure_peer "$run" "$sphinx_client" --port "$sphinx_port" --mode "$mode" $flags "$wdir/$file.tsv") ;;
    pg)
        r=$(measure_peer "$run" "$pg_client" --conninfo "$pg_conninfo" --mode "$mode" $flags "$wdir/$file.tsv")
        pg_quiet
        ;;
    esac
    echo "$r" >>"$tmp/res/$w.$sys"
    read -r _ _ _ n <<<"$r"
    [ "$slice" = 0 ] || [ "$n" -ge $((clients * slice)) ] ||
        log "WARNING: $w $sys answered $n requests, fewer than the run's $((clients * slice)) queries"
    printf 'run %d %-9s %-10s req/s %10s  p50 %8s ms  p99 %8s ms  %7s requests  (load %s)\n' \
        "$run" "$w" "$sys" $r "$(cut -d' ' -f1 /proc/loadavg)" >&2
}

# systems_of WORKLOAD: the systems measured on it
systems_of() {
    local s=(eccpd-h2c)
    [ "$with_h1" = 1 ] && [[ "$1" = facets || "$1" = nofacets ]] && s+=(eccpd-h1)
    [ "$with_sphinx" = 1 ] && s+=(sphinx)
    [ "$with_pg" = 1 ] && s+=(pg)
    echo "${s[@]}"
}

bench_start=$(date -u '+%Y-%m-%d %H:%M UTC')
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
log "measuring: $runs runs x ($workloads), ${warmup}s + ${duration}s each, $clients clients"
for run in $(seq "$runs"); do
    uris_for_run "$run"
    for w in $workloads; do
        read -r -a sys <<<"$(systems_of "$w")"
        n=${#sys[@]}
        for k in $(seq 0 $((n - 1))); do
            measure "${sys[$(((k + run - 1) % n))]}" "$w" "$run"
        done
    done
done
curl -s "http://127.0.0.1:$eccpd_port/metrics" >"$tmp/metrics.txt" || true

# ---- 6. offline rebuild ----------------------------------------------------------------
stop_eccpd
reindex_s=""
if [ "$with_reindex" = 1 ]; then
    log "eccpd reindex --data $data (offline rebuild)"
    t0=$(now)
    "$eccpd" reindex --data "$data" >"$tmp/reindex.log" 2>&1 ||
        { cat "$tmp/reindex.log" >&2; die "eccpd reindex failed"; }
    t1=$(now)
    reindex_s=$(elapsed "$t0" "$t1")
    log "reindex: ${reindex_s}s"
fi

# ---- 7. tables -------------------------------------------------------------------------
# col FILE N -> the median of column N over the runs
col() {
    [ -s "$1" ] || { echo nan; return; }
    awk -v c="$2" '{ print $c }' "$1" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.1f", a / b; else print "-" }'; }
label() {
    case "$1" in
    facets) echo "1-2 words, top 20 + snippets + 3 facets (the issue's headline)" ;;
    nofacets) echo "1-2 words, top 20 + snippets, no facets" ;;
    typed) echo "1-2 words as typed (last word also a prefix), top 20 + snippets + 3 facets" ;;
    one) echo "one word, top 20 + snippets" ;;
    two) echo "two words, top 20 + snippets" ;;
    prefix) echo "prefix: 1-2 words, the last cut to 3-5 letters, top 20 + snippets" ;;
    filtered) echo "filtered: 1-2 words + country + ecosystem, top 20 + snippets" ;;
    suggest) echo "suggest: 2-6 letter prefixes, 8 completions" ;;
    esac
}
sysname() {
    case "$1" in
    eccpd-h2c) echo "eccpd, HTTP/2 (h2c)" ;;
    eccpd-h1) echo "eccpd, HTTP/1.1" ;;
    sphinx) echo "Sphinx 2.2 (SphinxQL)" ;;
    pg) echo "PostgreSQL 15" ;;
    esac
}

echo "Search benchmark, started $bench_start: $docs searchable profiles ($records profile" \
    "records), $clients clients with one request in flight each, each repeating $slice" \
    "queries of the workload (other ones in each run), medians of $runs runs of" \
    "${duration}s (after ${warmup}s of warm-up), eccpd with $threads event-loop threads," \
    "work tree at commit $commit."
echo
for w in $workloads; do
    read -r -a sys <<<"$(systems_of "$w")"
    e2=$(col "$tmp/res/$w.eccpd-h2c" 1)
    echo "**$(label "$w")**"
    echo
    echo "| system | req/s | p50 ms | p99 ms | eccpd h2c / this (req/s) |"
    echo "|---|---:|---:|---:|---:|"
    for s in "${sys[@]}"; do
        f="$tmp/res/$w.$s"
        r="-"
        [ "$s" = eccpd-h2c ] || r=$(ratio "$e2" "$(col "$f" 1)")
        echo "| $(sysname "$s") | $(col "$f" 1) | $(col "$f" 2) | $(col "$f" 3) | $r |"
    done
    echo
done
echo "Per run (req/s / p99 ms):"
echo
hdr="| workload | system |"
sep="|---|---|"
for run in $(seq "$runs"); do hdr+=" run $run |"; sep+="---:|"; done
echo "$hdr"
echo "$sep"
for w in $workloads; do
    read -r -a sys <<<"$(systems_of "$w")"
    for s in "${sys[@]}"; do
        f="$tmp/res/$w.$s"
        [ -s "$f" ] || continue
        echo "| $w | $s | $(awk '{ printf "%s / %s | ", $1, $3 }' "$f" | sed 's/ | $//') |"
    done
done
echo
echo "Indexing ($records profile records, $docs of them searchable):"
echo
echo "| system | what | seconds | per second |"
echo "|---|---|---:|---:|"
ds=""
[ -s "$data/bench-demo-seconds" ] && ds=$(cat "$data/bench-demo-seconds")
cs=""
if [ -s "$data/bench-first-start.log" ]; then
    # "seconds how changes": from the first index line to "serving on"
    read -r cs how changes < <(awk '
        !a && /building the search index from the store/ { a = $1; how = "bulk-build" }
        !a && /bringing the index up to date/ { a = $1; how = "replay" }
        a && !b && /serving on/ { b = $1 }
        a && !n { for (i = 2; i <= NF; i++) if ($i ~ /^\([0-9]+$/) { n = substr($i, 2) } }
        END { if (a && b) printf "%.2f %s %s\n", b - a, how, n }' "$data/bench-first-start.log")
    whole_s=$(cat "$data/bench-first-start-seconds" 2>/dev/null || echo "-")
fi
if [ -n "$ds" ]; then
    echo "| eccpd | demo-data, profile phases: each profile and its account through the API's write path into the store | $ds | $(rate "$records" "$ds") profiles |"
fi
if [ -n "$cs" ]; then
    if [ "$how" = bulk-build ]; then what="index built from the store"; else what="index replayed from the change log"; fi
    echo "| eccpd | first serve: $what ($changes changes in the log), then the matcher loaded, until serving | $cs | $(rate "$docs" "$cs") documents |"
    echo "| eccpd | first serve: whole start until /readyz | $whole_s | - |"
fi
if [ -n "$ds" ] && [ -n "$cs" ]; then
    t=$(awk -v a="$ds" -v b="$cs" 'BEGIN { printf "%.2f", a + b }')
    echo "| eccpd | store + index (profile phases + first serve) | $t | $(rate "$records" "$t") profiles |"
fi
if [ -n "$reindex_s" ]; then
    echo "| eccpd | reindex, offline (all profile records read, public ones indexed) | $reindex_s | $(rate "$docs" "$reindex_s") documents |"
fi
if [ "$with_sphinx" = 1 ]; then
    echo "| Sphinx 2.2 | indexer (xmlpipe2 from a prepared file) | $sphinx_index_s | $(rate "$docs" "$sphinx_index_s") documents |"
fi
if [ "$with_pg" = 1 ]; then
    t=$(awk -v a="$pg_copy_s" -v b="$pg_index_s" 'BEGIN { printf "%.2f", a + b }')
    echo "| PostgreSQL 15 | COPY from a prepared file (tsvector computed) | $pg_copy_s | $(rate "$docs" "$pg_copy_s") documents |"
    echo "| PostgreSQL 15 | GIN index + VACUUM ANALYZE | $pg_index_s | - |"
    echo "| PostgreSQL 15 | COPY + GIN | $t | $(rate "$docs" "$t") documents |"
fi
echo
met() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { if (v != v + 0) print "-"; else if ((op == ">=" && v >= t) || (op == "<=" && v <= t)) print "met"; else print "not met" }'; }
echo "Against the issue's targets (eccpd over HTTP/2, medians):"
echo
echo "| target | measured | |"
echo "|---|---:|---|"
if [[ " $workloads " == *" facets "* ]]; then
    v=$(col "$tmp/res/facets.eccpd-h2c" 1); p=$(col "$tmp/res/facets.eccpd-h2c" 3)
    echo "| with facets >= 1,600 req/s | $v req/s | $(met "$v" ">=" 1600) |"
    echo "| with facets p99 <= 10 ms | $p ms | $(met "$p" "<=" 10) |"
    if [ "$with_sphinx" = 1 ]; then
        echo "| with facets >= 20x Sphinx | $(ratio "$v" "$(col "$tmp/res/facets.sphinx" 1)")x | $(met "$(ratio "$v" "$(col "$tmp/res/facets.sphinx" 1)")" ">=" 20) |"
    fi
fi
if [[ " $workloads " == *" nofacets "* ]]; then
    v=$(col "$tmp/res/nofacets.eccpd-h2c" 1); p=$(col "$tmp/res/nofacets.eccpd-h2c" 3)
    echo "| without facets >= 5,000 req/s | $v req/s | $(met "$v" ">=" 5000) |"
    echo "| without facets p99 <= 5 ms | $p ms | $(met "$p" "<=" 5) |"
fi
if [[ " $workloads " == *" suggest "* ]]; then
    p=$(col "$tmp/res/suggest.eccpd-h2c" 3)
    echo "| suggest p99 <= 1 ms | $p ms | $(met "$p" "<=" 1) |"
fi
if [ -n "$ds" ] && [ -n "$cs" ]; then
    v=$(rate "$records" "$(awk -v a="$ds" -v b="$cs" 'BEGIN { print a + b }')")
    echo "| bulk store + index >= 20,000 profiles/s | $v profiles/s | $(met "$v" ">=" 20000) |"
fi
if [ -n "$reindex_s" ]; then
    v=$(rate "$docs" "$reindex_s")
    echo "| (index alone, offline reindex) >= 20,000 profiles/s | $v profiles/s | $(met "$v" ">=" 20000) |"
fi
echo
echo "eccpd's search metrics at the end of the run (GET /metrics):"
echo
echo '```'
grep -E 'route="/v1/(search|suggest)"' "$tmp/metrics.txt" | grep -v '_bucket' || true
echo '```'
