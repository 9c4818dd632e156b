#!/usr/bin/env bash
# bench/install-deps.sh - installs the peers and tools the benchmark suite
# needs (Debian packages): busybox (BusyBox tail), rsyslog (imfile peer),
# gnuplot-nox (the chart), time (/usr/bin/time), linux-perf (profiling).
# Idempotent; installs only what is missing. Never starts or enables the
# system rsyslog service: the suite runs its own rsyslogd in the foreground.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in busybox rsyslog gnuplot-nox time python3; do
    have_pkg "$p" || need+=("$p")
done
# python3 may come from elsewhere (pyenv); only the binary matters.
if command -v python3 >/dev/null 2>&1; then
    need=("${need[@]/python3/}")
fi
pkgs=()
for p in "${need[@]}"; do [[ -n "$p" ]] && pkgs+=("$p"); done
if ((${#pkgs[@]} == 0)); then
    echo "install-deps: everything present"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: need root to install: ${pkgs[*]}" >&2
    exit 1
fi
echo "install-deps: installing ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# RUNLEVEL=1 and policy-rc.d (where present) keep invoke-rc.d from starting
# the rsyslog service the package ships; stop it anyway if it came up.
RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet rsyslog 2>/dev/null; then
    systemctl stop rsyslog || true
fi
