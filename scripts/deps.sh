#!/usr/bin/env bash
# Install the Debian packages SCC needs, and nothing when they are all there.
# Called by `make demo` and `make check`; safe to run any number of times.
set -euo pipefail

PKGS=(build-essential cmake pkg-config libjson-c-dev libpfm4-dev libseccomp-dev
      check linux-libc-dev iproute2 clang python3 procps linux-perf)

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
