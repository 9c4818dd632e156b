#!/bin/sh
# Runs end-to-end tests with the project's programs under valgrind memcheck
# (see ATAIL_VALGRIND in tests/e2e/harness.c) and fails if any run reported
# a memory error or a leak. Usage: scripts/valgrind.sh [BUILD_DIR] [CTEST_REGEX]
set -eu
build=${1:-build}
regex=${2:-e2e/test_(cli_follow|cli_errors|demo|cli_name|cli_state|cli_json|cli_glob|json_matrix|log_writer)}
logs=$(mktemp -d "${TMPDIR:-/tmp}/atail-valgrind-XXXXXX")
trap 'rm -rf "$logs"' EXIT
cd "$build"
# Tests measure no time, but valgrind is slow: give them room.
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
