#!/bin/sh
# Installs the Debian packages the test suite needs, when they are missing.
# Runs `apt-get update` once before installing; does nothing when all is there.
set -eu
packages="cmake make gcc clang libclang-rt-14-dev libcriterion-dev valgrind logrotate busybox python3 python3-dev coreutils cppcheck clang-tidy clang-format bindfs nats-server libnats-dev pkg-config build-essential debhelper dh-python dpkg-dev lintian pkgconf man-db python3-pip python3-setuptools python3-wheel python3-venv systemd strace"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-test-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing
