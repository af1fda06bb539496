#!/usr/bin/env bash
# bench/soak/soak.sh: a soak of mixed load over HTTP/2 on loopback (issue 23).
#
#   bench/soak/soak.sh [MINUTES] [SCALE]     (default 10 minutes on demo data of scale 0.05)
#
# Starts eccpd (build/cli/eccpd) on a new demo data directory and, minute by minute, runs
# h2load over HTTP/2 (prior knowledge; 4 connections, 8 streams each, at most 200 requests
# a second) through a mix of reads (search with and without filters and facets, the
# catalogue, suggestions, the map, a profile, the agenda, partner searches, ClusterXchange
# best matches as the demo moderator) while a writer edits a profile's draft, signs in and
# registers users at about 5 writes a second. Each minute's line: requests, 5xx and other
# errors, latency percentiles (p50, p90, p99, max) from h2load's per-request log, and the
# server's resident memory. Exits 1 when any answer was a 5xx or a request failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${1:-10}
SCALE=${2:-0.05}
BIN=${ECCPD:-build/cli/eccpd}
command -v h2load >/dev/null || { echo "h2load missing: apt-get install nghttp2-client" >&2; exit 2; }
WORK=$(mktemp -d /tmp/eccpd-soak-XXXXXX)
PORT=$((20000 + RANDOM % 20000))
API=http://127.0.0.1:$PORT
trap 'kill $WRITER 2>/dev/null || true; kill $SERVER 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
WRITER=
"$BIN" demo-data --data "$WORK/data" --scale "$SCALE" >/dev/null
PASSWORD=$(sed -n 's/^password: //p' "$WORK/data/demo-login.txt")
"$BIN" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do curl -sf "$API/readyz" >/dev/null && break; sleep 0.2; done
field() { grep -o "\"$1\":\"[^\"]*\"" | sed -n '1s/.*:"//; 1s/"$//p'; }
MOD=$(curl -sf "$API/v1/sessions" -H 'content-type: application/json' \
  -d '{"login":"demo-moderator","password":"'"$PASSWORD"'"}' | field token)
USER_TOKEN=$(curl -sf "$API/v1/sessions" -H 'content-type: application/json' \
  -d '{"login":"demo-user","password":"'"$PASSWORD"'"}' | field token)
REG=$(curl -sf "$API/v1/xchange/catalogue?per_page=1" -H "authorization: Bearer $MOD" | field registration_id)
PROFILE=$(curl -sf "$API/v1/search?q=cluster&kind=profile&per_page=1" | field id)
MYPROFILE=$(curl -sf "$API/v1/me" -H "authorization: Bearer $USER_TOKEN" | grep -o '"profiles":\[[^]]*' | grep -o '"id":"[^"]*"' | sed -n '1s/.*:"//; 1s/"$//p')
cat >"$WORK/uris" <<EOF
$API/v1/search?q=mobility
$API/v1/search?q=digital+cluster&country=FR,DE&facets=country,ecosystem,type
$API/v1/search?facets=country&sort=name&page=3&per_page=50
$API/v1/search?q=energie&kind=profile&per_page=20
$API/v1/suggest?q=aer&limit=8
$API/v1/suggest?q=mobi&limit=8
$API/v1/map?bbox=-10,35,30,60&zoom=5
$API/v1/profiles/$PROFILE
$API/v1/events
$API/v1/partner-searches?state=open
$API/v1/xchange/registrations/$REG/matches?role=visitor&limit=20
$API/v1/xchange/catalogue?q=digital
$API/healthz
EOF

# the writer: draft edits of the demo user's profile (when it has one), sign-ups and
# sign-ins, about five a second, each answer's status counted
writer() {
  local i=0
  while :; do
    i=$((i + 1))
    if [ -n "$MYPROFILE" ]; then
      curl -s -o /dev/null -w '%{http_code}\n' -X PATCH "$API/v1/profiles/$MYPROFILE" \
        -H "authorization: Bearer $USER_TOKEN" -H 'content-type: application/json' \
        -d '{"description":"Soak edit '"$i"'"}'
    fi
    curl -s -o /dev/null -w '%{http_code}\n' "$API/v1/users" -H 'content-type: application/json' \
      -d '{"username":"soak '"$i"'","email":"soak'"$i"'@example.eu","email_confirm":"soak'"$i"'@example.eu","password":"a long soak password","organisation_name":"Soak","country":"FR","title":"Tester"}'
    curl -s -o /dev/null -w '%{http_code}\n' "$API/v1/sessions" -H 'content-type: application/json' \
      -d '{"login":"soak '"$i"'","password":"a long soak password"}'
    sleep 0.5
  done >"$WORK/writes"
}
writer &
WRITER=$!

rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status"; }
echo "soak: $MINUTES min over HTTP/2 on $API, demo scale $SCALE, eccpd pid $SERVER; RSS at start $(rss) kB"
printf '%-6s %9s %5s %6s %6s %8s %8s %8s %8s %10s\n' minute requests 5xx non200 failed p50_ms p90_ms p99_ms max_ms rss_kB
bad=0
for m in $(seq 1 "$MINUTES"); do
  rm -f "$WORK/log"
  h2load -c 4 -m 8 -t 1 --rps 50 -D "${SOAK_CHUNK_SECONDS:-60}" -i "$WORK/uris" -H "authorization: Bearer $MOD" \
    --log-file="$WORK/log" "$API" >"$WORK/h2load.out" 2>&1 || true
  # requests that got no answer (h2load's "errored" and "timeout"; its "failed" counts 4xx)
  failed=$(sed -n 's/^requests: .* \([0-9]*\) errored, \([0-9]*\) timeout.*/\1 \2/p' "$WORK/h2load.out" |
    awk '{ print $1 + $2 }')
  other=$(awk -F'\t' '$2 != 200' "$WORK/log" | wc -l)
  s5=$(awk -F'\t' '$2 >= 500' "$WORK/log" | wc -l)
  read -r n p50 p90 p99 max < <(cut -f3 "$WORK/log" | sort -n | awk '{ v[NR] = $1 }
    function q(p,  i) { i = int(NR * p); if (i < NR * p) i++; if (i < 1) i = 1; return v[i] / 1000 }
    END { if (NR == 0) print 0, 0, 0, 0, 0; else printf "%d %.2f %.2f %.2f %.2f\n", NR, q(0.5), q(0.9), q(0.99), v[NR] / 1000 }')
  printf '%-6s %9s %5s %6s %6s %8s %8s %8s %8s %10s\n' "$m" "$n" "$s5" "$other" "${failed:-?}" "$p50" "$p90" "$p99" "$max" "$(rss)"
  [ "$s5" = 0 ] && [ "${failed:-1}" = 0 ] || bad=1
done
kill $WRITER; wait $WRITER 2>/dev/null || true; WRITER=
w5=$(grep -c '^5' "$WORK/writes" || true)
wok=$(grep -c '^2' "$WORK/writes" || true)
wall=$(wc -l <"$WORK/writes")
echo "writes: $wall, $wok 2xx, $w5 5xx (others are 4xx/429 answers: taken names, rate limits)"
echo "RSS at the end $(rss) kB"
[ "$w5" = 0 ] || bad=1
exit $bad
