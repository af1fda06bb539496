#!/bin/sh
# test_readme.sh BINARY SOURCE_DIR: the README's walk-through runs as written.
#   1. The README quotes scripts/walkthrough.sh: the sh blocks between its walkthrough
#      markers, put together, are the script from its first command to its end; every
#      header it sends is ASCII.
#   2. The script runs top to bottom against a real server on a demo platform (a small
#      one: the same generator as ./dev.sh run's first start, at scale 0.05), and its
#      last call finds the signed-out token refused.
set -eu
# a sanitized build: the server leaves the loops' memory to process exit, as the API
# tests allow (tests/api/harness.c)
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
BIN=$1
SRC=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/eccpd-readme-XXXXXX")
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "test_readme: $*" >&2; exit 1; }

# ---- 1. the README quotes the script ----
/usr/bin/python3 - "$SRC/README.md" "$SRC/scripts/walkthrough.sh" <<'PY' || fail "the README does not quote scripts/walkthrough.sh as it is"
import sys
readme = open(sys.argv[1], encoding="utf-8").read().split("\n")
script = open(sys.argv[2], encoding="utf-8").read().split("\n")
a = next(i for i, l in enumerate(readme) if l.startswith("<!-- walkthrough:"))
b = readme.index("<!-- /walkthrough -->")
quoted, inside = [], False
for line in readme[a:b]:
    if line == "```sh":
        inside = True
    elif line == "```":
        inside = False
    elif inside:
        quoted.append(line)
body = script[next(i for i, l in enumerate(script) if l.startswith("API=")):]
strip = lambda ls: [l for l in ls if l.strip()]
if strip(quoted) != strip(body):
    import difflib
    sys.stderr.writelines(difflib.unified_diff([l + "\n" for l in strip(body)],
                                               [l + "\n" for l in strip(quoted)],
                                               "scripts/walkthrough.sh", "README.md"))
    sys.exit(1)
import re
for l in quoted:  # headers are ASCII (bodies are UTF-8 JSON and may hold any script)
    for h in re.findall(r"-H ['\"]([^'\"]*)", l):
        if not h.isascii():
            sys.exit("a header with non-ASCII characters: " + h)
PY

# ---- 2. the script against a real server with demo data ----
"$BIN" demo-data --data "$T/data" --scale 0.05 --password "walkthrough password" --quiet \
    >"$T/demo.log" 2>&1 || { cat "$T/demo.log"; fail "demo-data failed"; }
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --data "$T/data" --listen "127.0.0.1:$PORT" --threads 2 --access-log off \
    >"$T/serve.log" 2>&1 &
PID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
    i=$((i + 1))
    [ $i -lt 1200 ] || { cat "$T/serve.log"; fail "the server did not become ready"; }
    kill -0 "$PID" 2>/dev/null || { cat "$T/serve.log"; fail "the server exited"; }
    sleep 0.1
done
DATA="$T/data" "$SRC/scripts/walkthrough.sh" "http://127.0.0.1:$PORT" >"$T/out" 2>&1 || {
    cat "$T/out"; fail "scripts/walkthrough.sh stopped (exit $?)"; }
[ "$(tail -n 1 "$T/out")" = 401 ] || { cat "$T/out"; fail "the last call did not answer 401"; }
grep -q '^idempotent-replayed: true' "$T/out" || fail "the retry was not replayed"
grep -q '"reasons":\["' "$T/out" || fail "no best matches with reasons"
kill -TERM "$PID"
wait "$PID" || { cat "$T/serve.log"; fail "the server did not stop cleanly"; }
PID=
echo "test_readme: the README quotes scripts/walkthrough.sh, which ran top to bottom ($(wc -l <"$T/out") lines of answers)"
