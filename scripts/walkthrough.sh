#!/usr/bin/env bash
# walkthrough.sh: the README's tour of the API, as commands that run top to bottom.
#
#   ./dev.sh run                 # in one terminal: a new ./data starts with the demo platform
#   scripts/walkthrough.sh       # in another
#
# Usage: scripts/walkthrough.sh [URL] (default http://127.0.0.1:8080). The demo moderator's
# password is read from $DATA/demo-login.txt (DATA defaults to ./data) unless MOD_PASSWORD
# is set. Each call prints its answer; the first that fails stops the script (exit 1).
# On a fresh demo platform it runs once as written; to run it again, set WHO to a new
# name (it goes into the user name and e-mail address it registers).
# tests/readme/ runs it against a real server and checks that the README quotes it.
set -euo pipefail
API=${1:-http://127.0.0.1:8080}
DATA=${DATA:-./data}
WHO=${WHO:-ana}
MOD_PASSWORD=${MOD_PASSWORD:-$(sed -n 's/^password: //p' "$DATA/demo-login.txt")}
FROM=$(date -u -d '+30 days' +%F) TO=$(date -u -d '+150 days' +%F)
c() { curl -sS --fail-with-body "$@" && echo; }                      # an answer, or stop
field() { grep -o "\"$1\":\"[^\"]*\"" | sed -n '1s/.*:"//; 1s/"$//p'; } # first "$1":"..." of JSON

# register, sign in, and look at yourself
c "$API/v1/users" -H 'content-type: application/json' -d '{
  "username":"'"$WHO"' María","email":"'"$WHO"'@example.eu","email_confirm":"'"$WHO"'@example.eu",
  "password":"correct horse battery","organisation_name":"Klaster Mobilité",
  "country":"ES","title":"Cluster manager","newsletters":["monthly"]}'
TOKEN=$(c "$API/v1/sessions" -H 'content-type: application/json' \
  -d '{"login":"'"$WHO"' maría","password":"correct horse battery"}' | field token)
c "$API/v1/me" -H "authorization: Bearer $TOKEN"

# HTTP/2 (cleartext, prior knowledge), MessagePack, HEAD, safe retries
c --http2-prior-knowledge "$API/healthz"
curl -sS "$API/v1/me" -H "authorization: Bearer $TOKEN" -H 'accept: application/msgpack' | od -c | sed -n 1,3p
curl -sSI "$API/healthz"                      # headers only, as GET would send them
KEY=$(date +%s)-$$                            # any string unique to this request
for try in 1 2; do                            # the retry gets the first answer, not a 409
  curl -sS --fail-with-body -D - "$API/v1/users" -H "Idempotency-Key: $KEY" \
    -H 'content-type: application/json' -d '{"username":"'"$WHO"' Colleague",
    "email":"'"$WHO"'.colleague@example.eu","email_confirm":"'"$WHO"'.colleague@example.eu",
    "password":"another long password","organisation_name":"Klaster Mobilité",
    "country":"ES","title":"Project officer"}' | grep -i -e '^HTTP' -e '^idempotent-replayed'
done

# operations
c "$API/readyz"
c "$API/metrics" | grep '^eccpd_http_requests_total' | sed -n 1,3p   # Prometheus text
c "$API/openapi.json" | sed -n 1,6p

# create a cluster organisation profile (a draft; you become its admin)
PROFILE=$(c "$API/v1/profiles" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{
  "type":"cluster_organisation","name":"Klaster Mobilité Sud","country":"FR","city":"Lyon",
  "website":"https://klaster.example.fr","description":"Sustainable mobility cluster",
  "ecosystems":["mobility_transport_automotive","digital"],"services":["matchmaking","training"],
  "members_count":80,"member_composition":{"smes":60,"research":12,"large_companies":8},
  "management_fte":2.5,"languages":["fr","en"],"contact":{"name":"Eva","email":"eva@klaster.example.fr"}}')
echo "$PROFILE"                                  # the draft, with possible_duplicates
ID=$(echo "$PROFILE" | field id)
c "$API/v1/profiles/$ID/check" -H "authorization: Bearer $TOKEN"        # criteria, mandatory fields
c -X POST "$API/v1/profiles/$ID/submit" -H "authorization: Bearer $TOKEN"
# as a moderator (the demo platform's; create others with `eccpd user create`)
MOD=$(c "$API/v1/sessions" -H 'content-type: application/json' \
  -d '{"login":"demo-moderator","password":"'"$MOD_PASSWORD"'"}' | field token)
c "$API/v1/moderation/queue?per_page=2" -H "authorization: Bearer $MOD"
c "$API/v1/profiles/$ID/moderation" -H "authorization: Bearer $MOD" \
  -H 'content-type: application/json' -d '{"decision":"publish","note":"Welcome!"}'
c "$API/v1/profiles/$ID"                                                 # the public, published version
c "$API/v1/me/notifications?unread=true" -H "authorization: Bearer $TOKEN"
c "$API/v1/password-resets" -H 'content-type: application/json' -d '{"email":"'"$WHO"'@example.eu"}'

# search (public records only)
c "$API/v1/search?q=mobilite&country=FR,DE&ecosystem=digital&facets=country,ecosystem,type"
c "$API/v1/search?facets=country&sort=name&page=2&per_page=50" | cut -c 1-600   # the catalogue
c "$API/v1/suggest?q=aer&limit=8"
c "$API/v1/map?bbox=-10,35,30,60&zoom=5&type=cluster_organisation" | cut -c 1-600

# ClusterXchange: register the published profile as host and visitor
REG=$(c "$API/v1/xchange/registrations" -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{"profile_id":"'"$ID"'","roles":["host","visitor"],
  "ecosystems":["digital","mobility_transport_automotive"],"target_countries":["DE","PL"],
  "objectives":["joint_projects","technology_transfer"],"languages":["en","fr"],
  "availability":[{"from":"'"$FROM"'","to":"'"$TO"'"}],"duration_days":{"min":5,"max":20},
  "host_capacity":2,"offer":"Testbeds","demand":"Partners for pilots"}' | field id)
c "$API/v1/xchange/registrations/$REG/decision" -H "authorization: Bearer $MOD" \
  -H 'content-type: application/json' -d '{"decision":"accept"}'
# best matches, with the reasons a person reads
MATCHES=$(c "$API/v1/xchange/registrations/$REG/matches?role=visitor&limit=5" \
  -H "authorization: Bearer $TOKEN")
echo "$MATCHES"
HOST=$(echo "$MATCHES" | field registration_id)  # the best host for this visitor
# organisers: the best assignment of visitors to hosts under host capacities (exact)
c "$API/v1/xchange/batch-match" -H "authorization: Bearer $MOD" \
  -H 'content-type: application/json' -d '{"registrations":["'"$REG"'","'"$HOST"'"],"min_score":10}'

# sign out: the token stops working
c -X DELETE "$API/v1/sessions/current" -H "authorization: Bearer $TOKEN"
curl -s -o /dev/null -w '%{http_code}\n' "$API/v1/me" -H "authorization: Bearer $TOKEN"   # 401
