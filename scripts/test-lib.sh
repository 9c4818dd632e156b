# Sourced by scripts/deb-test.sh and scripts/pip-test.sh, which set `name`
# first: a scratch directory $t, removed on exit; fail MESSAGE; step MESSAGE.
# shellcheck shell=sh disable=SC2154 # name is set by the sourcing script
t=$(mktemp -d "${TMPDIR:-/tmp}/atail-$name.XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() {
    echo "$name: FAIL: $*" >&2
    exit 1
}
step() { echo "$name: $*"; }
