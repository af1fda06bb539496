#!/usr/bin/env bash
# under_writes.sh: search throughput while a profile's admin keeps saving draft edits, for
# two eccpd binaries alternated on the same data directory (a baseline and a candidate).
#
#   bench/search/under_writes.sh [--publish-every S] BASELINE_ECCPD CANDIDATE_ECCPD DATA_DIR
#                                [ROUNDS]
#
# DATA_DIR is a demo-data directory (its demo-login.txt names the demo user and password;
# the user administers a published cluster organisation). Each round, for each binary:
# start `eccpd serve` on a free loopback port with 2 threads, 5 s of unmeasured headline
# searches (1-2 words + 3 facets, bench/search/workloads/mixed.tsv), then 8 s measured with
# `h2load -c 8 -m 1 -t 2` while one client PATCHes the profile's draft description every
# 50 ms (each edit waits for its answer), then stop. With --publish-every S the edits are
# published instead: the user edits the description and submits it, the demo moderator
# publishes it (search sees a new revision each time), then S seconds pass, over again. Prints, per round
# and binary, the searches per second, the mean search latency and the edits answered.
# Loopback only; servers are stopped by pid on exit.
set -euo pipefail

publish_every=""
if [ "${1:-}" = --publish-every ]; then publish_every=$2; shift 2; fi
[ $# -ge 3 ] || { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
base=$1 cand=$2 data=$3 rounds=${4:-2}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for b in "$base" "$cand"; do [ -x "$b" ] || { echo "not executable: $b" >&2; exit 1; }; done
command -v h2load >/dev/null || { echo "h2load not found (apt-get install nghttp2-client)" >&2; exit 1; }
user=$(awk '/^user:/ {print $2}' "$data/demo-login.txt")
moderator=$(awk '/^moderator:/ {print $2}' "$data/demo-login.txt")
pass=$(awk '/^password:/ {print $2}' "$data/demo-login.txt")
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
spid=""
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

/usr/bin/python3 - "$here/workloads/mixed.tsv" "$port" >"$tmp/uris" <<'EOF'
import sys, urllib.parse
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line and not line.startswith("#"):
        q = urllib.parse.quote(line + " ")
        print(f"http://127.0.0.1:{sys.argv[2]}/v1/search?q={q}&per_page=20&facets=country,ecosystem,type")
EOF

start() {
    "$1" serve --data "$data" --listen "127.0.0.1:$port" --threads 2 --no-demo \
        --access-log off >"$tmp/server.log" 2>&1 &
    spid=$!
    until curl -sf "localhost:$port/readyz" >/dev/null; do
        kill -0 "$spid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
        sleep 0.3
    done
}

session() {
    curl -s "localhost:$port/v1/sessions" -H 'content-type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"$pass\"}" |
        /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# call TOKEN METHOD PATH BODY: fails the run on an error answer
call() {
    local code
    code=$(curl -s -o "$tmp/answer" -w '%{http_code}' -X "$2" "localhost:$port$3" \
        -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$4")
    [ "${code:0:1}" = 2 ] || { echo "$2 $3: $code $(cat "$tmp/answer")" >&2; exit 1; }
}

for round in $(seq "$rounds"); do
    for which in baseline candidate; do
        bin=$base; [ "$which" = candidate ] && bin=$cand
        start "$bin"
        token=$(session "$user")
        mtoken=$(session "$moderator")
        profile=$(curl -s "localhost:$port/v1/me" -H "authorization: Bearer $token" |
            /usr/bin/python3 -c 'import json, sys
print(next(p["id"] for p in json.load(sys.stdin)["profiles"] if p["has_published_version"]))')
        h2load -c 8 -m 1 -t 2 -D 5 -i "$tmp/uris" "http://127.0.0.1:$port" >/dev/null 2>&1
        (
            n=0 end=$((SECONDS + 10))
            while [ $SECONDS -lt $end ]; do
                n=$((n + 1))
                call "$token" PATCH "/v1/profiles/$profile" \
                    "{\"description\":\"Draft edit $n of this cluster's description.\"}"
                if [ -n "$publish_every" ]; then
                    call "$token" POST "/v1/profiles/$profile/submit" '{}'
                    call "$mtoken" POST "/v1/profiles/$profile/moderation" \
                        '{"decision":"publish","note":"bench","waive_criteria":true}'
                    sleep "$publish_every"
                else
                    sleep 0.05
                fi
            done
            echo "$n" >"$tmp/edits"
        ) &
        wpid=$!
        sleep 1
        out=$(h2load -c 8 -m 1 -t 2 -D 8 -i "$tmp/uris" "http://127.0.0.1:$port" 2>&1)
        wait "$wpid"
        rps=$(awk '/^finished/ {print $4}' <<<"$out")
        mean=$(awk '/time for request/ {print $6}' <<<"$out")
        what="edits"; [ -n "$publish_every" ] && what="published edits"
        echo "round $round $which ($bin): $rps searches/s, mean $mean, $(cat "$tmp/edits") $what in 10 s"
        kill "$spid"
        wait "$spid" 2>/dev/null || true
        spid=""
    done
done
