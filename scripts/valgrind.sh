#!/bin/sh
# Runs end-to-end tests with the project's programs under valgrind memcheck
# (see ATAIL_VALGRIND in tests/e2e/harness.c) and fails if any run reported
# a memory error or a leak. Usage: scripts/valgrind.sh [BUILD_DIR] [CTEST_REGEX]
set -eu
build=${1:-build}
# Every end-to-end test file. Under valgrind they scale their deadlines,
# skip only their RSS bounds, and some run fewer rounds (harness.h,
# harness_slowdown(); each file says what it changes).
regex=${2:-^e2e/}
logs=$(mktemp -d "${TMPDIR:-/tmp}/atail-valgrind-XXXXXX")
trap 'rm -rf "$logs"' EXIT
cd "$build"
# --timeout applies to tests without a TIMEOUT of their own; the e2e
# files have 300 s each (tests/CMakeLists.txt), enough here.
ATAIL_VALGRIND=$logs ctest -R "$regex" --output-on-failure --timeout 900 || status=$?
runs=$(ls "$logs" | wc -l)
# Memcheck's reports start with ==PID==; its notes on syscalls it does not
# know (--PID--, e.g. pidfd_open, for which atail has a fallback) are not
# errors.
bad=$(grep -l '^==[0-9]*==' "$logs"/* 2>/dev/null | sort || true)
if [ -n "$bad" ]; then
    for f in $bad; do echo "== $f"; cat "$f"; done
    echo "valgrind: errors or leaks in $(echo "$bad" | wc -l) of $runs runs"
    exit 1
fi
echo "valgrind: $runs runs, no errors, no leaks"
exit "${status:-0}"
