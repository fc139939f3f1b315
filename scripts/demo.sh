#!/usr/bin/env bash
# `make demo`: the main job on the built-in default chain (configs/default.json):
# firewall -> router -> l2fwd, each NF in its own network namespace, veth pairs
# back to back, batch 32, 3 s of 64 B traffic from `scc gen` into `scc sink`.
set -euo pipefail
BUILD=${1:-build}
SCC="$BUILD/bin/scc"
if [ "$(id -u)" -ne 0 ]; then
    echo "make demo: needs root (network namespaces, raw sockets); showing the plan only" >&2
    exec "$SCC" run --dry-run
fi
echo "== scc demo: the built-in default chain, as deployed (scc run --dry-run shows every command)"
"$SCC" run --dry-run | sed -n '1,/^$/p'
echo "== scc demo: deploying it, driving 3 s of traffic through it, and cleaning up"
"$SCC" run --json "$BUILD/demo-run.json"
echo "== scc demo: done. Everything the run created is gone again; full results: $BUILD/demo-run.json"
echo "   next: scc validate configs/*.json, scc run configs/batch-sched.json, docs/launcher.md"
