#!/bin/sh
# pip-test.sh [ROOT]: pip builds of the Python binding, offline, in venvs of
# /usr/bin/python3 (with Debian's setuptools and wheel), from a copy of this
# checkout:
# - `pip install --no-build-isolation --no-index ./bindings/python`: the
#   library compiled in (no libatail.so needed at run time);
# - `pip wheel` of the same, installed into a second venv;
# - with ROOT (the packages unpacked by scripts/deb-test.sh, which passes
#   it): ATAIL_LIBATAIL=pkg-config against that installed libatail.
# Each installed binding must import from its venv and read a file.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-}
name="pip-test"
. "$top/scripts/test-lib.sh"
"$top/scripts/copy-tree.sh" "$t/src"
printf 'one\ntwo\n' >"$t/in.log"
pip_opts="--no-build-isolation --no-index --disable-pip-version-check --quiet"

venv() { # venv DIR: a venv that sees Debian's setuptools and wheel
    /usr/bin/python3 -m venv --system-site-packages "$1"
}
try() { # try VENV [ENV...]: the installed binding imports and reads a file
    v=$1
    shift
    env "$@" PYTHONNOUSERSITE=1 PYTHONDONTWRITEBYTECODE=1 "$v/bin/python" \
        "$top/tests/packaging/import_check.py" "$v" "$t/in.log"
}
needs_libatail() { ldd "$1" | grep -q 'libatail\.so'; }

step "pip install (libatail compiled in)"
venv "$t/v1"
# shellcheck disable=SC2086
"$t/v1/bin/pip" install $pip_opts "$t/src/bindings/python"
so=$(try "$t/v1") || fail "binding installed by pip"
! needs_libatail "$so" || fail "the source build links libatail.so"

step "pip wheel, installed into another venv"
# shellcheck disable=SC2086
(cd "$t" && "$t/v1/bin/python" -m pip wheel $pip_opts -w "$t/wheels" "$t/src/bindings/python")
set -- "$t"/wheels/atail-*.whl
[ -f "$1" ] || fail "no wheel"
venv "$t/v2"
# shellcheck disable=SC2086
"$t/v2/bin/pip" install $pip_opts "$1"
try "$t/v2" >/dev/null || fail "binding installed from the wheel"

[ -n "$root" ] || exit 0
step "pip install against the installed libatail (pkg-config)"
lib=$root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)
venv "$t/v3"
# The binding's directory alone, outside the checkout: pkg-config is the
# only way (auto).
cp -r "$t/src/bindings/python" "$t/binding-alone"
# shellcheck disable=SC2086
env PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$lib/pkgconfig" \
    "$t/v3/bin/pip" install $pip_opts "$t/binding-alone"
so=$(try "$t/v3" LD_LIBRARY_PATH="$lib") || fail "binding built against the installed libatail"
[ "$(LD_LIBRARY_PATH="$lib" ldd "$so" | awk '/libatail/ {print $3}')" = "$lib/libatail.so.0" ] ||
    fail "the pkg-config build does not use the installed libatail.so.0"
