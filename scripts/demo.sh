#!/usr/bin/env bash
# `make demo`: the main job on the built-in default chain.
set -euo pipefail
BUILD=${1:-build}
SCC="$BUILD/bin/scc"
echo "== scc demo: validating the built-in default chain (configs/default.json)"
"$SCC" validate --default
echo "== scc demo: the chain above is valid and normalised (every default filled in)."
echo "   Deploying it (scc run) lands with the launcher; see docs/launcher.md."
