#!/usr/bin/env bash
# dev.sh: install what eccpd needs from Debian's packages, build it, run it, test it.
#
#   ./dev.sh run [serve options]   install, build, start `eccpd serve` (127.0.0.1:8080, ./data)
#   ./dev.sh test                  install, build, run every test: plain, then ASan+UBSan
#   ./dev.sh build                 install and build (build/)
#   ./dev.sh deb                   install, build a release (build-release/) and pack it as a .deb
#   ./dev.sh deps [--bench]        install the packages only (--bench adds the benchmark peers)
#   ./dev.sh fuzz [SECONDS] [NAME] libFuzzer on each fuzz target (tests/fuzz/), 60 s each by default
#
# Idempotent: packages already installed are not touched, builds are incremental.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libh2o-evloop-dev libssl-dev librocksdb-dev libxapian-dev libmsgpack-dev
  libjemalloc-dev libargon2-dev libcjson-dev
  libcurl4-openssl-dev curl openssl   # API tests
  libjson-validator-perl              # API tests: the OpenAPI validator of test_api_openapi
  python3-aiosmtpd                    # SMTP delivery tests (a real sink)
  nghttp2-client wrk                  # load benchmarks (h2load, wrk)
  chromium fonts-dejavu-core          # the web front end's browser tests (tests/web)
  clang-14 libclang-rt-14-dev         # fuzzing with libFuzzer (./dev.sh fuzz, tests/fuzz)
  clang-format-14                     # the layout check (tests/check_format.sh, ctest test_format)
)
BENCH_PACKAGES=(python3-scipy sphinxsearch postgresql-15 libmariadb-dev libpq-dev)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The browser tests' node packages (tests/web/package-lock.json: playwright-core, axe-core,
# and world-atlas for tools/make-europe-map.mjs), with Debian's node and npm when there is
# no npm yet. npm ci runs again only when the lock file changed.
web_deps() {
  command -v npm >/dev/null || install_packages nodejs npm
  if [ ! tests/web/node_modules/.package-lock.json -nt tests/web/package-lock.json ]; then
    say "installing the browser tests' node packages (npm ci in tests/web)"
    (cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

build() { # build DIR [cmake args...]
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    say "configuring $dir"
    cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  fi
  say "building $dir"
  cmake --build "$dir"
}

run_tests() { # run_tests DIR
  say "testing $1"
  ctest --test-dir "$1" --output-on-failure --no-tests=error -j2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  deps)
    install_packages "${PACKAGES[@]}"
    web_deps
    if [ "${1:-}" = --bench ]; then install_packages "${BENCH_PACKAGES[@]}"; fi
    ;;
  build)
    install_packages "${PACKAGES[@]}"
    build build
    ;;
  deb)
    install_packages "${PACKAGES[@]}"
    build build-release -DCMAKE_BUILD_TYPE=Release
    (cd build-release && cpack -G DEB)
    say "built $(ls build-release/eccpd_*.deb)"
    ;;
  run)
    install_packages "${PACKAGES[@]}"
    build build
    say "starting eccpd serve $*"
    exec build/cli/eccpd serve "$@"
    ;;
  test)
    install_packages "${PACKAGES[@]}"
    web_deps
    build build
    run_tests build
    build build-asan -DSANITIZE=ON
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 run_tests build-asan
    say "all tests passed (plain and sanitized)"
    ;;
  fuzz)
    # Each target runs for SECONDS (or until a finding, or FUZZ_RUNS executions when set)
    # on its corpus under ASan+UBSan, niced (FUZZ_NICE, 15): new inputs that reach new code
    # are added to tests/fuzz/corpus/NAME, a finding is written to tests/fuzz/crashes/NAME/
    # (keep it: ctest replays it once the cause is fixed). Each run appends a line to
    # tests/fuzz/runs.tsv (finished at, target, executions, seconds, findings), the log
    # that bench/RESULTS.md's totals are summed from.
    install_packages "${PACKAGES[@]}"
    secs=${1:-60}
    names=${2:-"json msgpack sniff route import search time image"}
    if [ ! -f build-fuzz/build.ninja ]; then
      say "configuring build-fuzz (clang-14, libFuzzer, ASan+UBSan)"
      CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DFUZZ=ON >/dev/null
    fi
    say "building the fuzz targets in build-fuzz"
    cmake --build build-fuzz --target $(printf 'fuzz_%s ' $names)
    for n in $names; do
      say "fuzzing $n for $secs s"
      mkdir -p "tests/fuzz/crashes/$n"
      before=$(ls "tests/fuzz/crashes/$n" | wc -l)
      # the search target's text is a query: 2 KB is more than any URL carries it
      maxlen=65536; [ "$n" = search ] && maxlen=2048
      # The search target makes ~600 allocations per input (most inside Xapian), so ASan's
      # allocator and libFuzzer's entropic bookkeeping are most of its time: without the
      # allocation and free stacks (a finding's input is kept and replays with them) and
      # with the plain power schedule it needs ~1.26 times less CPU per input (paired runs),
      # with the same checks. Its reader keeps caches by design (a new query's lifted
      # matches stay for the revision), which libFuzzer's per-input leak check took for a
      # possible leak each time, re-running the input and scanning the whole heap: 9 times
      # the CPU of the input itself. So that check is off for it; leaks are still caught by
      # ctest's sanitized replay of its corpus (LeakSanitizer at exit, the reader closed).
      # Other targets keep the defaults.
      asan_more=; fuzz_more=()
      [ "$n" = search ] && asan_more=:malloc_context_size=0 && fuzz_more=(-entropic=0 -detect_leaks=0)
      runs=(); [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
      start=$(date +%s)
      # A small quarantine keeps ASan's allocator on warm pages: with the default 256 MB
      # every allocation faults a fresh page in, which made the search target (Xapian
      # allocates a lot per query) 2.5 times slower; a use after a recent free is still
      # caught, and fresh memory is not filled (ASan cannot tell uninitialised reads anyway).
      ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=4:max_malloc_fill_size=0$asan_more \
      UBSAN_OPTIONS=print_stacktrace=1 nice -n "${FUZZ_NICE:-15}" \
        "build-fuzz/tests/fuzz/fuzz_$n" -max_total_time="$secs" "${runs[@]}" "${fuzz_more[@]}" -print_final_stats=1 \
        -max_len=$maxlen -rss_limit_mb=4096 -artifact_prefix="tests/fuzz/crashes/$n/" \
        "tests/fuzz/corpus/$n" >"build-fuzz/fuzz_$n.log" 2>&1 || true
      grep -E '^(#|stat::|==|SUMMARY)' "build-fuzz/fuzz_$n.log" | tail -4
      execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/fuzz_$n.log" | tail -1)
      found=$(( $(ls "tests/fuzz/crashes/$n" | wc -l) - before ))
      printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$n" "${execs:-0}" \
        "$(( $(date +%s) - start ))" "$found" >>tests/fuzz/runs.tsv
    done
    ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    [ -z "$cmd" ] || [ "$cmd" = help ] || [ "$cmd" = --help ] || exit 2
    ;;
esac
