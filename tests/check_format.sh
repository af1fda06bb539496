#!/bin/sh
# check_format.sh SOURCE_DIR: every C and C++ file of the tree follows .clang-format
# (clang-format-14 --dry-run -Werror), so layout is settled by the tool, not in review.
# Reformat with: clang-format-14 -i FILE...
set -eu
cd "$1"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    files=$(git ls-files '*.c' '*.h' '*.cc')
else
    files=$(find . -path ./build -prune -o -path './build-*' -prune -o -path '*/node_modules' -prune \
        -o \( -name '*.c' -o -name '*.h' -o -name '*.cc' \) -print)
fi
n=$(echo "$files" | wc -w)
# shellcheck disable=SC2086
if out=$(clang-format-14 --dry-run -Werror $files 2>&1); then
    echo "$n files checked: all follow .clang-format"
    exit 0
fi
echo "$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u |
    sed 's/^/not formatted (clang-format-14 -i FILE): /'
exit 1
