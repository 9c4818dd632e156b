#!/bin/sh
# Runs GNU coreutils 9.1's own tail tests (tests/tail-2/*.sh and
# tests/misc/tail.pl, kept outside this repository: they are GPL-3 test data)
# against BUILD_DIR/atail reached as `tail`: the tests GNU tail 9.1 passes on
# this machine (the suite's baseline-gnu.txt). Prints one line per test and
# the log of each failure; fails on any failure that
# tests/gnu-suite-expected-failures.txt does not list with its reason (and on
# a listed test that passes: the list must stay true).
#
# Usage: scripts/gnu-suite.sh [BUILD_DIR]
# The suite is looked for at $GNU_TAIL_SUITE, then ../shared/gnu-tail-suite
# beside the repository's top, then /work/shared/gnu-tail-suite. When it is
# not found the suite is NOT run, which is said loudly, and the exit status
# is 0 (a fresh machine has no copy), or 1 with ATAIL_GNU_SUITE=required (CI).
# GNU_SUITE_JOBS: tests at once (default 2).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
bin=$build/atail
xfail_list=$top/tests/gnu-suite-expected-failures.txt

not_run() {
    echo "################################################################"
    echo "## GNU coreutils' tail tests were NOT run: $1"
    echo "## (set GNU_TAIL_SUITE to the suite's directory; see README.md)"
    echo "################################################################"
    [ "${ATAIL_GNU_SUITE:-}" = required ] && exit 1
    exit 0
}

suite=
places="$top/../shared/gnu-tail-suite /work/shared/gnu-tail-suite"
[ -n "${GNU_TAIL_SUITE:-}" ] && places=$GNU_TAIL_SUITE
for d in $places; do
    if [ -x "$d/run.sh" ] && [ -f "$d/baseline-gnu.txt" ]; then
        suite=$(cd "$d" && pwd)
        break
    fi
done
[ -n "$suite" ] || not_run "no suite at $(echo $places | sed 's/ / or /')"
[ -x "$bin" ] || { echo "gnu-suite: no $bin (run make first)" >&2; exit 2; }

tests=$(grep -v '^#' "$suite/baseline-gnu.txt" | grep .)
results=$(mktemp -d "${TMPDIR:-/tmp}/atail-gnu-suite-XXXXXX") || exit 2
start=$(date +%s)
JOBS=${GNU_SUITE_JOBS:-2} RESULTS_DIR=$results "$suite/run.sh" "$bin" $tests >"$results/run.out" 2>&1
rc=$?
end=$(date +%s)
grep -E '^(PASS|FAIL|SKIP) ' "$results/run.out"
if ! grep -q '^[0-9]* passed, ' "$results/run.out"; then
    cat "$results/run.out"
    echo "gnu-suite: $suite/run.sh did not run (status $rc); results in $results"
    exit 1
fi

# The reason an expected failure is listed with, or nothing.
reason() {
    [ -f "$xfail_list" ] || return 0
    grep -v '^#' "$xfail_list" | awk -v t="$1" '$1 == t { $1 = ""; sub(/^ +/, ""); print; exit }'
}

bad=0
failed=$(sed -n 's/^FAIL //p' "$results/run.out")
for t in $failed; do
    why=$(reason "$t")
    log=$results/$(echo "$t" | tr / -).log
    echo "================ $t: its log ($log), last 150 lines"
    tail -n 150 "$log"
    echo "================ end of $t"
    if [ -n "$why" ]; then
        echo "gnu-suite: $t fails, as expected: $why"
    else
        echo "gnu-suite: $t FAILED"
        bad=1
    fi
done
for t in $(sed -n 's/^SKIP //p' "$results/run.out"); do
    echo "gnu-suite: $t was SKIPPED (GNU tail passes it here): counted as a failure"
    bad=1
done
if [ -f "$xfail_list" ]; then
    for t in $(grep -v '^#' "$xfail_list" | awk 'NF { print $1 }'); do
        if grep -qx "PASS $t" "$results/run.out"; then
            echo "gnu-suite: $t passes: remove it from $xfail_list"
            bad=1
        fi
    done
fi

n=$(echo "$tests" | wc -l)
passed=$(grep -c '^PASS ' "$results/run.out")
echo "gnu-suite: $passed of $n of GNU coreutils 9.1's tail tests passed ($suite; $((end - start)) s, jobs ${GNU_SUITE_JOBS:-2})"
if [ "$bad" = 0 ]; then
    rm -rf "$results"
else
    echo "gnu-suite: logs kept in $results"
fi
exit "$bad"
