#!/bin/sh
# Builds TARGETs in BUILD_DIR (configuring it first if needed) with the
# build's output in BUILD_DIR/build.log, shown only when the build fails: what
# `make demo` and `make demo-py` print of the build is one line when something
# was built, nothing when everything was up to date.
# Usage: scripts/quiet-build.sh BUILD_DIR JOBS TARGET... (CMAKE: the cmake to run)
set -u
build=$1 jobs=$2
shift 2
cmake=${CMAKE:-cmake}
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$build" || exit 1
log=$build/build.log
: >"$log"

fail() {
    cat "$log" >&2
    echo "$1 (the output above is in $log)" >&2
    exit 1
}

if [ ! -f "$build/CMakeCache.txt" ]; then
    echo "Configuring and building in $build/ (output in $log) ..."
    "$cmake" -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release ${PREFIX:+-DCMAKE_INSTALL_PREFIX=$PREFIX} \
        >>"$log" 2>&1 || fail "Configuring $build/ failed"
fi
"$cmake" --build "$build" -j "$jobs" --target "$@" >>"$log" 2>&1 || fail "Building $* failed"
n=$(grep -c -E 'Building C object|Linking C' "$log")
[ "$n" -gt 0 ] && echo "Built $* ($n steps; output in $log)"
exit 0
