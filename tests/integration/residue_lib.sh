# residue_lib.sh — sourced by the integration tests that check a machine is
# left as it was found (test_residue.sh, test_faults.sh). Not a test itself
# (ctest runs only test_*.sh).
#
# The caller sets, before sourcing:
#   T      its scratch directory (snapshots and diffs go there)
#   TOKEN  a string every chain name of the test starts with (unique per
#          run, e.g. "rz$$"): namespaces, stats pages and processes are
#          checked for names with it (and cgroups), so what other engineers' or users'
#          runs have up meanwhile does not count (every object a run
#          creates carries its chain name, except interfaces, which carry a
#          tag: all root-namespace links are compared)
# and may set RES_PIDS (decoy processes a run's core reservation moves:
# their cpuset and affinity must come back). It uses:
#   res_snapshot FILE       write what must not change to FILE
#   res_same DESC BEFORE    snapshot again and diff against BEFORE; on a
#                           difference print "FAIL: DESC: ..." with the diff
#                           and set fail=1; returns 1 then
#   res_wait_ready CHAIN NF [SECONDS]  wait until NF's stats page says ready
#   res_nf_pid CHAIN NF     the pid of scc-nf for CHAIN's NF (empty if none)

# The sysctls a run may change (scheduler.rr_timeslice_ms) and that a test
# of ours makes it change.
RES_SYSCTLS="/proc/sys/kernel/sched_rr_timeslice_ms"

res_snapshot() { # file
    {
        echo "# namespaces"
        ip -all netns list 2>/dev/null | cut -d' ' -f1 | grep -F -- "$TOKEN" | sort
        echo "# root-namespace links"
        ip -o link show | sed 's/^[0-9]*: //' | cut -d' ' -f1 | sed 's/@.*//' | sort
        echo "# state directory ${SCC_STATE_DIR:-/run/scc}"
        ls -A "${SCC_STATE_DIR:-/run/scc}" 2>/dev/null | sort
        echo "# stats pages"
        ls /dev/shm | grep '^scc-' | grep -F -- "$TOKEN" | sort
        echo "# processes naming $TOKEN"
        pgrep -af -- "$TOKEN" | grep -v -e "pgrep" -e "residue_lib" | sort || true
        echo "# cgroups naming $TOKEN (a reservation's scc-<chain>.*)"
        find /sys/fs/cgroup -maxdepth 3 -type d -name "*$TOKEN*" 2>/dev/null | sort
        echo "# decoy processes' cpusets and affinities"
        for p in ${RES_PIDS:-}; do
            echo "$p $(cat /proc/$p/cpuset 2>/dev/null) $(grep Cpus_allowed_list /proc/$p/status 2>/dev/null)"
        done
        echo "# sysctls"
        for s in $RES_SYSCTLS; do echo "$s $(cat "$s" 2>/dev/null)"; done
    } >"$1"
}

res_same() { # desc before
    res_snapshot "$T/res.after"
    if ! diff -u "$2" "$T/res.after" >"$T/res.diff"; then
        echo "FAIL: $1: the machine is not as it was (- before, + after):"
        grep '^[-+][^-+]' "$T/res.diff"
        fail=1
        return 1
    fi
    return 0
}

res_wait_ready() { # chain nf [seconds]
    local i n=$(( ${3:-10} * 20 ))
    for ((i = 0; i < n; i++)); do
        "$SCC_BIN/scc" stats "$1.$2" --json 2>/dev/null | grep -q '"ready": *true' && return 0
        sleep 0.05
    done
    return 1
}

res_nf_pid() { # chain nf
    pgrep -f -- "scc-nf --name $1\.$2 " | head -1
}
