#!/bin/sh
# deb-test.sh: builds the Debian packages (scripts/deb-build.sh, into
# build-deb/), checks them with lintian (no error allowed), unpacks them
# into a throwaway root (dpkg -x: nothing is installed on this machine), and
# runs from that root alone: atail --version and a line, a C program built
# with `pkg-config --cflags --libs libatail` (shared and static), the Python
# binding, `systemd-analyze verify` and `security` on the service, the
# service's command line with the example conf (under strace: its system
# calls must pass the unit's filter; SIGTERM must save the state); then
# scripts/pip-test.sh with that root as the installed libatail. `make
# check` runs it; any failure exits non-zero.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build-deb
name="deb-test"
. "$top/scripts/test-lib.sh"

step "building the packages"
"$top/scripts/deb-build.sh" "$out" >/dev/null
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

step "lintian"
lintian --fail-on error "$out/atail_${version}_${arch}.changes" >"$t/lintian.txt" 2>&1 || {
    cat "$t/lintian.txt" >&2
    fail "lintian reports errors"
}
grep -v '^running with root privileges' "$t/lintian.txt" || true

root=$t/root
for p in atail libatail0 libatail-dev python3-atail; do
    deb=$out/${p}_${version}_${arch}.deb
    [ -f "$deb" ] || fail "$p: no $deb"
    dpkg-deb -x "$deb" "$root"
done
lib=$root/usr/lib/$multiarch
bin=$root/usr/bin

step "atail"
"$bin/atail" --version | grep -q "$version" || fail "atail --version does not say $version"
[ "$(printf 'a\nb\n' | "$bin/atail" -n 1)" = b ] || fail "atail -n 1 on a pipe"
"$bin/log_writer" --help >/dev/null || fail "log_writer --help"
# NATS lives in atail-nats (libexec): atail itself does not load libnats,
# and hands a NATS command line over (its connection error is atail-nats').
helper=$root/usr/libexec/atail/atail-nats
[ -x "$helper" ] || fail "no $helper"
! ldd "$bin/atail" | grep -q libnats || fail "atail links libnats"
ldd "$helper" | grep -q libnats || fail "atail-nats does not link libnats"
nats_err=$("$bin/atail" --to=nats://127.0.0.1:1 /etc/hostname 2>&1) && fail "--to an unused port succeeded"
case $nats_err in
"atail: cannot connect to nats://127.0.0.1:1"*) ;;
*) fail "atail did not hand --to=nats:// to atail-nats: $nats_err" ;;
esac
for m in atail log_writer; do
    [ -f "$root/usr/share/man/man1/$m.1.gz" ] || fail "no man page $m.1"
    man -l "$root/usr/share/man/man1/$m.1.gz" >/dev/null 2>&1 || fail "man $m.1 does not format"
done

step "libatail: shared library and pkg-config"
objdump -p "$lib/libatail.so.0" | grep -q 'SONAME *libatail.so.0$' || fail "SONAME"
printf 'one\ntwo\n' >"$t/in.log"
expect=$(printf 'one\ntwo\nlibatail %s' "$version")
export PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$lib/pkgconfig"
[ "$(pkg-config --modversion libatail)" = "$version" ] || fail "pkg-config --modversion"
# shellcheck disable=SC2046 # pkg-config's flags are words
cc -Werror -o "$t/consumer" "$top/tests/packaging/consumer.c" $(pkg-config --cflags --libs libatail)
ldd_lib=$(LD_LIBRARY_PATH="$lib" ldd "$t/consumer" | awk '/libatail/ {print $3}')
[ "$ldd_lib" = "$lib/libatail.so.0" ] || fail "consumer uses '$ldd_lib', not the package's"
[ "$(LD_LIBRARY_PATH="$lib" "$t/consumer" "$t/in.log")" = "$expect" ] || fail "consumer (shared)"
# shellcheck disable=SC2046
cc -Werror -static-libgcc -o "$t/consumer-static" "$top/tests/packaging/consumer.c" \
    $(pkg-config --cflags libatail) "$lib/libatail.a"
[ "$("$t/consumer-static" "$t/in.log")" = "$expect" ] || fail "consumer (static)"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

step "python3-atail"
site=$root/usr/lib/python3/dist-packages
env PYTHONPATH="$site" PYTHONNOUSERSITE=1 PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 \
    "$top/tests/packaging/import_check.py" "$site" "$t/in.log" >/dev/null ||
    fail "import atail from the package"

step "systemd unit"
unit=$root/lib/systemd/system/atail@.service
[ -f "$unit" ] || fail "no atail@.service"
# A root holding the host's units, the package's unit and its program:
# ExecStart= and the man page are checked as installed.
v=$t/vroot
mkdir -p "$v/lib/systemd" "$v/usr/bin"
cp -a /lib/systemd/system "$v/lib/systemd/"
cp "$unit" "$v/lib/systemd/system/"
cp "$bin/atail" "$v/usr/bin/"
MANPATH=$root/usr/share/man systemd-analyze verify --root="$v" atail@x.service \
    >"$t/verify.txt" 2>&1 || { cat "$t/verify.txt" >&2; fail "systemd-analyze verify"; }
[ ! -s "$t/verify.txt" ] || { cat "$t/verify.txt" >&2; fail "systemd-analyze verify warns"; }
systemd-analyze security --offline=true --root="$v" --threshold=20 atail@x.service \
    >"$t/security.txt" 2>&1 || { cat "$t/security.txt" >&2; fail "exposure above 2.0"; }
grep 'Overall exposure' "$t/security.txt"

step "the service's command line with the example conf"
conf=$root/usr/share/doc/atail/examples/example.conf
# shellcheck disable=SC2016 # $ATAIL_ARGS is the unit's text
grep -q '^ExecStart=/usr/bin/atail -F -n 0 --state=%S/atail/%i.state $ATAIL_ARGS$' "$unit" ||
    fail "ExecStart is not the one run below"
args=$(sed -n 's/^ATAIL_ARGS="\(.*\)"$/\1/p' "$conf" | sed "s|/var/log/app|$t/app|g")
[ -n "$args" ] || fail "no ATAIL_ARGS in example.conf"
# Split at spaces, no glob expansion: as systemd expands $ATAIL_ARGS. The
# pattern matches nothing yet, as at a boot before the application logs.
# Run under strace: every system call it makes must pass the unit's
# SystemCallFilter= (checked below).
mkdir "$t/app" "$t/state"
set -f
# shellcheck disable=SC2086
strace -f -qq -c -o "$t/strace.txt" \
    "$bin/atail" -F -n 0 --state="$t/state/x.state" $args >"$t/service.out" 2>"$t/service.err" &
tracer=$!
set +f
# atail is strace's child named atail (strace forks short-lived children
# of its own at start to probe ptrace).
i=0
until pid=$(pgrep -x atail -P "$tracer"); do
    i=$((i + 1))
    [ "$i" -le 200 ] || fail "atail did not start under strace"
    sleep 0.05
done
service_failed() {
    kill "$pid" 2>/dev/null || true
    cat "$t/service.err" >&2
    fail "$@"
}
# Lines appended until one is seen: atail may still be starting up (and
# -n 0 skips what a new file held when it was found).
i=0
until grep -q '"line":"hello' "$t/service.out"; do
    i=$((i + 1))
    [ "$i" -le 200 ] || service_failed "no line from the service"
    echo "hello $i" >>"$t/app/a.log"
    sleep 0.05
done
mv "$t/app/a.log" "$t/app/a.log.1"
echo rotated >"$t/app/a.log"
i=0
until grep -q '"line":"rotated' "$t/service.out"; do
    i=$((i + 1))
    [ "$i" -le 200 ] || service_failed "no line after a rotation"
    sleep 0.05
done
kill -TERM "$pid" 2>/dev/null || true
i=0
while kill -0 "$pid" 2>/dev/null; do # 10 s to end, or it is killed
    i=$((i + 1))
    [ "$i" -le 200 ] || { kill -KILL "$pid"; break; }
    sleep 0.05
done
status=0
wait "$tracer" || status=$?
[ "$status" -eq 143 ] || service_failed "atail ended by status $status on SIGTERM, not by the signal"
grep -q "a.log" "$t/state/x.state" || fail "no state saved on SIGTERM"

syscalls() { # syscalls GROUP|CALL...: systemd's filter groups expanded
    for g; do
        case $g in
        @*) systemd-analyze syscall-filter "$g" | sed '1d; s/#.*//; s/^ *//; /^$/d' |
            while read -r c; do syscalls "$c"; done ;;
        *) echo "$g" ;;
        esac
    done
}
# shellcheck disable=SC2046 # the unit's lists are words
syscalls $(sed -n 's/^SystemCallFilter=\([^~].*\)/\1/p' "$unit") | sort -u >"$t/allowed"
# shellcheck disable=SC2046
syscalls $(sed -n 's/^SystemCallFilter=~\(.*\)/\1/p' "$unit") | sort -u >"$t/denied"
awk 'NR > 2 && $NF != "total" && $NF !~ /^-/ {print $NF}' "$t/strace.txt" | sort -u >"$t/used"
[ "$(wc -l <"$t/used")" -gt 20 ] || { cat "$t/strace.txt" >&2; fail "strace counted nothing"; }
[ "$(wc -l <"$t/allowed")" -gt 100 ] || fail "SystemCallFilter= not read from the unit"
bad=$( (comm -23 "$t/used" "$t/allowed"; comm -12 "$t/used" "$t/denied") | tr '\n' ' ')
[ -z "$bad" ] || fail "system calls the unit's SystemCallFilter= refuses: $bad"

"$top/scripts/pip-test.sh" "$root"
step "ok"
