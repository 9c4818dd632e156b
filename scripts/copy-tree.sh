#!/bin/sh
# copy-tree.sh DEST: copies this checkout's source files (tracked, and new
# files not ignored: uncommitted work included, build directories not) into
# DEST, so that package and pip builds write there and not into the tree.
set -eu
dest=$1
cd "$(dirname "$0")/.."
mkdir -p "$dest"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files deleted in the work tree are left out.
    # shellcheck disable=SC2016 # the inner shell expands them
    git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null -T - -cf - | tar -xf - -C "$dest"
else
    tar --exclude=./build --exclude='./build-*' --exclude=./debian/build \
        --exclude=./debian/tmp -cf - . | tar -xf - -C "$dest"
fi
