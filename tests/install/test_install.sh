#!/bin/sh
# test_install.sh BUILD_DIR: eccpd installs like a Debian service.
#   1. `cmake --install BUILD --prefix TMP` lays out the binary, its data files, the
#      systemd unit and the default configuration under TMP and nowhere else; the unit
#      runs as its own user on /var/lib/eccpd, hardened, restarted on failure, without an
#      ExecReload (SIGHUP reloads nothing), and systemd-analyze accepts it.
#   2. The installed binary serves: /healthz, HEAD, and the installed openapi.json is
#      the one it serves.
#   3. CPack builds a .deb holding the same files under /usr and /etc, with the default
#      configuration as a conffile, a postinst that makes the system user, and
#      dependencies from the shared libraries; the binary unpacked from it serves too.
set -eu
# a sanitized build: the server leaves the loops' memory to process exit, as the API
# tests allow (tests/api/harness.c)
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
BUILD=$(cd "$1" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/eccpd-install-XXXXXX")
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "test_install: $*" >&2; exit 1; }
has() { grep -qxF -- "$2" "$1" || fail "$1 lacks the line: $2"; }

# ---- 1. the prefix install ----
cmake --install "$BUILD" --prefix "$T/prefix" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "cmake --install failed"; }
P=$T/prefix
[ -x "$P/bin/eccpd" ] || fail "no bin/eccpd"
for f in share/eccpd/openapi.json share/eccpd/data/countries.tsv share/doc/eccpd/README.md \
         lib/systemd/system/eccpd.service etc/default/eccpd; do
    [ -s "$P/$f" ] || fail "no $f under the prefix"
done
# every installed file is under the prefix
grep -o 'Installing: .*' "$T/install.log" | cut -d' ' -f2 | while read -r f; do
    case "$f" in "$P"/*) ;; *) fail "installed outside the prefix: $f" ;; esac
done
U=$P/lib/systemd/system/eccpd.service
has "$U" "ExecStart=$P/bin/eccpd serve --data /var/lib/eccpd \$ECCPD_OPTIONS"
has "$U" "User=eccpd"
has "$U" "StateDirectory=eccpd"
has "$U" "EnvironmentFile=-/etc/default/eccpd"
has "$U" "ProtectSystem=strict"
has "$U" "NoNewPrivileges=yes"
has "$U" "Restart=on-failure"
has "$U" "WantedBy=multi-user.target"
if grep -q '^ExecReload=' "$U"; then fail "ExecReload, but SIGHUP reloads nothing"; fi
grep -q '^ECCPD_OPTIONS=".*--listen' "$P/etc/default/eccpd" || fail "no ECCPD_OPTIONS in etc/default/eccpd"
if command -v systemd-analyze >/dev/null 2>&1; then
    systemd-analyze verify "$U" || fail "systemd-analyze verify rejects the unit"
fi

# ---- 2. serving from the installed files ----
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
serve() { # serve BINARY: starts it on a new data directory, waits until it is ready
    PORT=$(free_port)
    rm -rf "$T/data"
    "$1" serve --data "$T/data" --listen "127.0.0.1:$PORT" --no-demo --threads 1 \
        --access-log off >"$T/serve.log" 2>&1 &
    PID=$!
    i=0
    until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
        i=$((i + 1))
        [ $i -lt 300 ] || { cat "$T/serve.log"; fail "$1 did not become ready"; }
        kill -0 "$PID" 2>/dev/null || { cat "$T/serve.log"; fail "$1 exited"; }
        sleep 0.1
    done
}
stop() {
    kill -TERM "$PID"
    wait "$PID" || { cat "$T/serve.log"; fail "the server did not stop cleanly"; }
    PID=
}
serve "$P/bin/eccpd"
[ "$(curl -s "http://127.0.0.1:$PORT/healthz")" = '{"status":"ok"}' ] || fail "/healthz"
curl -sI "http://127.0.0.1:$PORT/healthz" | head -1 | grep -q ' 200' || fail "HEAD /healthz"
curl -s "http://127.0.0.1:$PORT/openapi.json" >"$T/served.json"
cmp -s "$T/served.json" "$P/share/eccpd/openapi.json" || fail "the installed openapi.json is not the one served"
stop

# ---- 3. the Debian package ----
cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$T/deb" >"$T/cpack.log" 2>&1 || { cat "$T/cpack.log"; fail "cpack failed"; }
DEB=$(ls "$T"/deb/eccpd_*.deb)
dpkg-deb -c "$DEB" | awk '{print $6}' >"$T/contents"
for f in ./usr/bin/eccpd ./usr/lib/systemd/system/eccpd.service ./etc/default/eccpd \
         ./usr/share/eccpd/openapi.json ./usr/share/doc/eccpd/README.md; do
    has "$T/contents" "$f"
done
if grep -v -e '^\./usr/' -e '^\./etc/' -e '^\./$' "$T/contents"; then fail "files outside /usr and /etc"; fi
mkdir "$T/ctrl"
dpkg-deb -e "$DEB" "$T/ctrl"
has "$T/ctrl/conffiles" "/etc/default/eccpd"
grep -q 'adduser --system' "$T/ctrl/postinst" || fail "postinst makes no system user"
grep -q '^Depends:.*adduser' "$T/ctrl/control" || fail "no Depends on adduser"
grep -q '^Depends:.*librocksdb' "$T/ctrl/control" || fail "no shared-library dependencies"
dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/lib/systemd/system/eccpd.service >"$T/deb.service"
has "$T/deb.service" 'ExecStart=/usr/bin/eccpd serve --data /var/lib/eccpd $ECCPD_OPTIONS'
dpkg-deb -x "$DEB" "$T/root"
serve "$T/root/usr/bin/eccpd"
[ "$(curl -s "http://127.0.0.1:$PORT/healthz")" = '{"status":"ok"}' ] || fail "/healthz from the package's binary"
stop
echo "test_install: the prefix install and the .deb ($(basename "$DEB")) both serve"
