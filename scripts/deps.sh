#!/usr/bin/env bash
# Install the Debian packages SCC needs, and nothing when they are all there.
# Called by `make demo` (what the build and the main job need) and, with
# --test, by `make check` (also what the tests drive: a headless browser for
# the HTML report, and ordinary applications sent through a chain). Safe to
# run any number of times.
set -euo pipefail

PKGS=(build-essential cmake pkg-config libjson-c-dev libpfm4-dev libseccomp-dev
      check linux-libc-dev iproute2 clang python3 procps linux-perf
      liburing-dev libxdp-dev libbpf-dev)
if [ "${1:-}" = "--test" ]; then
    PKGS+=(chromium iperf3 sockperf iputils-ping)
fi

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "scc deps: missing packages: ${missing[*]}" >&2
    echo "scc deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi

echo "scc deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "scc deps: done"
