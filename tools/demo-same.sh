#!/usr/bin/env bash
# demo-same.sh OLD_ECCPD NEW_ECCPD [SCALE] [SEED]: do two builds generate the same demo data?
#
# For a change to the demo-data generator (demo/) that must not change its data (a move, a
# split): each binary runs `eccpd demo-data` into a new directory (scale 0.02, seed 7 by
# default; one password), then `eccpd export`. The same data means
#   - the same report: every count and the data digest (SHA-256 of every generated field
#     but ids and times, demo/demo.h), and
#   - the same export, once ids, times and password hashes (random salt) are masked and
#     the lines sorted, for every kind of record whose content does not hang on the order
#     of the random ids (notifications, event schedules, exchanges and a few keys do: two
#     runs of one binary differ there, so those are compared by count, notifications not
#     at all - the followers a partner-search comment notifies hang on id order too).
# Exit status 0 when the same, 1 when not. Writes into a temporary directory it removes.
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,3p "$0" >&2; exit 2; }
old=$1 new=$2 scale=${3:-0.02} seed=${4:-7}
T=$(mktemp -d "${TMPDIR:-/tmp}/eccpd-demo-same-XXXXXX")
trap 'rm -rf "$T"' EXIT

generate() { # generate BINARY DIR
    "$1" demo-data --data "$2/data" --scale "$scale" --seed "$seed" \
        --password demo-same-password --quiet |
        sed -E -e 's/ in [0-9.]+ s \([0-9]+ records\/s\)//' -e '/also in /d' >"$2/report"
    "$1" export --data "$2/data" --output "$2/export.jsonl" --quiet 2>/dev/null
    sed -E -e 's/[0-9A-HJKMNP-TV-Z]{26}/ID/g' -e 's/\b1[0-9]{9}\b/T/g' \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TS/g' -e 's/\$argon2id[^"]*/HASH/g' \
        "$2/export.jsonl" | sort >"$2/export"
}
mkdir "$T/old" "$T/new"
generate "$old" "$T/old"
generate "$new" "$T/new"

same=0
order='"kind":"(notification|event_schedule|key|xchange_exchange|capacity_building)"'
kinds() { grep -o '^{"kind":"[a-z_]*"' "$1" | grep -v notification | sort | uniq -c; }
if diff "$T/old/report" "$T/new/report"; then
    echo "report (counts and data digest): the same"
else same=1; fi
if diff <(grep -Ev "$order" "$T/old/export") <(grep -Ev "$order" "$T/new/export") >/dev/null; then
    echo "export: the same $(grep -Evc "$order" "$T/new/export") lines of order-independent kinds"
else echo "export: the records differ"; same=1; fi
if diff <(kinds "$T/old/export") <(kinds "$T/new/export"); then
    echo "export: the same number of lines of every other kind but notifications"
else same=1; fi
exit $same
