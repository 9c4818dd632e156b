#!/bin/sh
# deb-build.sh [OUTDIR]: builds the Debian packages (dpkg-buildpackage -us -uc
# -b) from a copy of this checkout, and puts the .deb, .buildinfo and
# .changes files into OUTDIR (default build-deb). Nothing is written into
# the checkout but OUTDIR. `make deb` runs it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/atail-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$top/scripts/copy-tree.sh" "$work/atail"
rm -f "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
(cd "$work/atail" &&
    DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} parallel=$(nproc)" \
        dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
    tail -n 60 "$work/build.log" >&2
    echo "deb-build: dpkg-buildpackage failed (log above)" >&2
    exit 1
}
mv "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out"/
ls "$out"
