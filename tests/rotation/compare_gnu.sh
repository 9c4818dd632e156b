#!/usr/bin/env bash
# compare_gnu.sh - runs the rotation workloads of tests/e2e/test_rotation.c
# on atail -F and on GNU tail -F, and prints lost/duplicated counts per
# workload for both (the numbers for README). Not part of ctest.
#
# The workloads are the e2e tests themselves (the same files, writer,
# rates and rotations), run once per follower: ATAIL_ROTATION_PEER=gnu makes
# the tests start /usr/bin/tail -F instead of atail, ATAIL_ROTATION_REPORT
# makes each test append its seqcheck counts to a file. A test that fails
# is a result here, not an error.
#
# Usage: tests/rotation/compare_gnu.sh [--build DIR] [--seconds S]
#            [--peer atail|gnu|both] [--filter GLOB] [--keep DIR]
#   --build DIR    build directory (default: build)
#   --seconds S    duration of each rotation workload (default: 10, or
#                  $ATAIL_ROTATION_SECONDS)
#   --peer P       run only atail or only GNU tail (default: both)
#   --filter GLOB  Criterion filter (default: rotation/*)
#   --keep DIR     keep the raw results (TSV, test logs) in DIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build"
seconds="${ATAIL_ROTATION_SECONDS:-10}"
peers="atail gnu"
filter='rotation/*'
keep=""

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --build=*) build=$(cd "${1#*=}" && pwd); shift ;;
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --peer) peers="$2"; shift 2 ;;
    --peer=*) peers="${1#*=}"; shift ;;
    --filter) filter="$2"; shift 2 ;;
    --filter=*) filter="${1#*=}"; shift ;;
    --keep) keep="$2"; shift 2 ;;
    --keep=*) keep="${1#*=}"; shift ;;
    -h | --help) usage 0 ;;
    *) echo "compare_gnu.sh: unknown argument: $1" >&2; usage 2 >&2 ;;
    esac
done
case "$peers" in
both) peers="atail gnu" ;;
atail | gnu | "atail gnu") ;;
*) echo "compare_gnu.sh: --peer must be atail, gnu or both" >&2; exit 2 ;;
esac

tests="$build/tests/e2e_test_rotation"
for f in "$tests" "$build/atail" "$build/log_writer" "$build/seqcheck"; do
    if [ ! -x "$f" ]; then
        echo "compare_gnu.sh: $f is missing: build first (make, or cmake --build $build)" >&2
        exit 1
    fi
done
case " $peers " in
*" gnu "*)
    if [ ! -x /usr/bin/tail ] || ! /usr/bin/tail --version 2>/dev/null | grep -q GNU; then
        echo "compare_gnu.sh: /usr/bin/tail is not GNU tail" >&2
        exit 1
    fi
    ;;
esac

out=$(mktemp -d "${TMPDIR:-/tmp}/rotation-compare-XXXXXX")
trap '[ -n "$keep" ] || rm -rf "$out"' EXIT

# The tests of the rotation suite that the filter selects, each run by a
# runner of its own, so that one that fails hard cannot take others along.
selected=$("$tests" --list 2>/dev/null | awk '
    /^[a-z_]+: [0-9]+ tests?$/ { suite = $1; sub(":", "", suite); next }
    suite == "rotation" { name = $NF; print "rotation/" name }')
for peer in $peers; do
    echo "== $peer: running the rotation workloads (${seconds} s each) ..." >&2
    : >"$out/$peer.tsv"
    : >"$out/$peer.log"
    passed=0 failed=0
    for t in $selected; do
        # shellcheck disable=SC2053 # the filter is a glob
        [[ $t == $filter ]] || continue
        if ATAIL_BIN_DIR="$build" ATAIL_SOURCE_DIR="$root" ATAIL_ROTATION_PEER="$peer" \
            ATAIL_ROTATION_SECONDS="$seconds" ATAIL_ROTATION_REPORT="$out/$peer.tsv" \
            "$tests" --jobs 1 --filter "$t" >>"$out/$peer.log" 2>&1; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
        fi
    done
    note=""
    [ "$peer" = gnu ] && note=" (the --spawn tests are skipped: GNU tail has no --spawn)"
    echo "   $peer: $passed passed, $failed failed$note" >&2
done

# One cell: "lost/dup" (+ out of order, malformed, allowed losses when any).
cell() { # file workload
    awk -F'\t' -v w="$2" '
        $1 == w {
            for (i = 3; i <= 8; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            s = v["lost"] "/" v["duplicated"]
            if (v["out_of_order"] > 0) s = s " ooo=" v["out_of_order"]
            if (v["malformed"] > 0) s = s " bad=" v["malformed"]
            if (v["allowed_lost"] > 0) s = s " (+" v["allowed_lost"] " allowed)"
            if ($9 !~ /^OK/) s = s " FAIL"
            if ($9 ~ /ended early/) s = s ", ended early"
            found = 1
        }
        END { print found ? s : "-" }' "$1"
}

workloads=$(cut -f1 "$out"/*.tsv 2>/dev/null | awk '!seen[$0]++')
echo
echo "Rotation workloads, ${seconds} s each at 10,000 lines/s, rotation every 0.2 s"
echo "(cells: lost/duplicated lines; '(+N allowed)': lines written between a copy and"
echo "its truncation, which no reader can see; '-': no result, see the test log)"
echo
header="| workload |"
rule="|---|"
for peer in $peers; do
    case "$peer" in
    atail) header="$header atail -F |" ;;
    gnu) header="$header GNU tail -F |" ;;
    esac
    rule="$rule---|"
done
echo "$header"
echo "$rule"
for w in $workloads; do
    line="| $w |"
    for peer in $peers; do
        line="$line $(cell "$out/$peer.tsv" "$w") |"
    done
    echo "$line"
done
echo
echo "Commands (LOG is the test's log file):"
for peer in $peers; do
    cut -f1,10 "$out/$peer.tsv" | sed -E 's#/tmp/atail-test-[^ /]+/log/(sub/)?app\.log#LOG#g;
        s#/tmp/atail-test-[^ /]+/##g; s#--pid=[0-9]+#--pid=WRITER_PID#; s#^#  #' |
        sed "s/^  /  $peer: /"
done
if [ -n "$keep" ]; then
    mkdir -p "$keep"
    cp "$out"/* "$keep"/
    echo
    echo "Raw results kept in $keep"
fi
