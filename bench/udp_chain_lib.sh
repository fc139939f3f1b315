# udp_chain_lib.sh — sourced by bench/overload.sh and bench/soak.sh: a chain
# of scc-nf processes in series over VXLAN-UDP on loopback (no root, no
# namespaces), traffic phases through it with `scc gen` and `scc sink`, and
# the accounting of every frame: sent = received + the drops counted where
# they happened + unaccounted.
#
# The caller sets SCC, NF (binaries), NFS, BATCH, PIPE, tmp (a scratch
# directory), tag (unique), then calls uc_start; uc_stop in its EXIT trap.
# Places a frame can be dropped on this path, each with its own counter:
#   nfK socket queue   the NF's receive queue was full (SO_RXQ_OVFL:
#                      stats page rx_kernel_drops)
#   nfK elements       an element dropped it (stats page drops)
#   nfK send           sendmmsg refused it (stats page tx_drops)
#   nfK malformed      not VXLAN / truncated (rx_bad_encap, rx_truncated)
#   sink socket queue  the sink's receive queue was full (kernel.socket_drops)
# ("sent" is what the kernel accepted from the generator: a frame it
# refused was never sent.)
if [ "$(nproc)" -ge 2 ]; then UC_G="taskset -c 0"; UC_N="taskset -c 1"
else UC_G=""; UC_N=""; fi
uc_pids=()
uc_port=$((33000 + (tag % 1000) * 10))

uc_start() {
    for i in $(seq 1 "$NFS"); do
        $UC_N "$NF" --name "uc$tag.$i" -q --batch "$BATCH" --pipeline "$PIPE" \
            --in udp:127.0.0.1:$((uc_port + i)) --out udp:127.0.0.1:$((uc_port + i + 1)) \
            2>"$tmp/nf$i.err" &
        uc_pids+=($!)
    done
    for i in $(seq 1 "$NFS"); do
        local ok=0
        for _ in $(seq 200); do
            "$SCC" stats --json "uc$tag.$i" 2>/dev/null | grep -q '"ready": true' && { ok=1; break; }
            sleep 0.05
        done
        [ $ok = 1 ] || { echo "NF $i did not start:" >&2; cat "$tmp/nf$i.err" >&2; return 1; }
    done
}
uc_stop() {
    for p in "${uc_pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${uc_pids[@]}"; do wait "$p" 2>/dev/null; done
}
uc_alive() { # -> number of NFs still running
    local n=0
    for p in "${uc_pids[@]}"; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done
    echo $n
}
# a number from a JSON file: the first "KEY": value
uc_num() { grep -o "\"$2\" *: *[-0-9.e+]*" "$1" | head -1 | sed 's/.*: *//'; }
# NF i's counters now: "rx drops tx_drops rx_kernel_drops malformed"
uc_nf() {
    "$SCC" stats --json "uc$tag.$1" >"$tmp/st.json" 2>/dev/null || { echo "- - - - -"; return; }
    local bad trunc
    bad=$(uc_num "$tmp/st.json" rx_bad_encap); trunc=$(uc_num "$tmp/st.json" rx_truncated)
    echo "$(uc_num "$tmp/st.json" rx_pkts) $(uc_num "$tmp/st.json" drops)" \
         "$(uc_num "$tmp/st.json" tx_drops) $(uc_num "$tmp/st.json" rx_kernel_drops)" \
         "$((bad + trunc))"
}
uc_rss_kb() { # NF i's resident set, kB
    awk '/^VmRSS:/ { print $2 }' "/proc/${uc_pids[$(($1 - 1))]}/status" 2>/dev/null || echo -
}
uc_fds() { # NF i's open file descriptors
    ls "/proc/${uc_pids[$(($1 - 1))]}/fd" 2>/dev/null | wc -l
}
# zero-loss capacity (scc gen --search, RFC 2544 style) -> pps on stdout
uc_capacity() { # trial_s resolution_pct max_trials
    rm -f "$tmp/search.json"
    $UC_G "$SCC" -q gen --dst 127.0.0.1:$((uc_port + 1)) --rx-listen 127.0.0.1:$((uc_port + NFS + 1)) \
        --batch "$BATCH" --search --rate max --trial "$1" --resolution "$2" --max-trials "$3" \
        --loss-tolerance 0 --json "$tmp/search.json" >/dev/null 2>"$tmp/search.err"
    local pps
    pps=$(uc_num "$tmp/search.json" throughput_pps 2>/dev/null)
    [ -n "$pps" ] || { echo "scc gen --search failed:" >&2; cat "$tmp/search.err" >&2; return 1; }
    printf '%.0f\n' "$pps"
}
# uc_phase RATE SECONDS: drive the chain at RATE pps for SECONDS through a
# fresh sink and set UC_SENT UC_ACH (pps the generator achieved) UC_RECV UC_DROPS (total counted) UC_UNACC and
# UC_TABLE (one "place dropped" line each)
uc_phase() {
    local rate=$1 secs=$2 i
    local -a before after
    for i in $(seq 1 "$NFS"); do before[$i]=$(uc_nf "$i"); done
    rm -f "$tmp/sink.json" "$tmp/gen.json" "$tmp/ready"
    "$SCC" -q sink --transport udp --listen 127.0.0.1:$((uc_port + NFS + 1)) --batch "$BATCH" \
        --idle-timeout 1 --timeout $(( ${secs%.*} + 30 )) --ready "$tmp/ready" \
        --json "$tmp/sink.json" >/dev/null 2>"$tmp/sink.err" &
    local sp=$!
    for _ in $(seq 100); do [ -e "$tmp/ready" ] && break; sleep 0.02; done
    $UC_G "$SCC" -q gen --dst 127.0.0.1:$((uc_port + 1)) --batch "$BATCH" --rate "$rate" \
        --duration "$secs" --json "$tmp/gen.json" >/dev/null 2>"$tmp/gen.err"
    wait "$sp"
    sleep 0.05
    for i in $(seq 1 "$NFS"); do after[$i]=$(uc_nf "$i"); done
    UC_SENT=$(uc_num "$tmp/gen.json" sent); UC_SENT=${UC_SENT:-0}
    UC_RECV=$(uc_num "$tmp/sink.json" rx_pkts); UC_RECV=${UC_RECV:-0}
    UC_ACH=$(printf '%.0f' "$(uc_num "$tmp/gen.json" achieved_pps)" 2>/dev/null)
    local sq
    sq=$(uc_num "$tmp/sink.json" socket_drops); sq=${sq:-0}
    UC_TABLE=""
    UC_DROPS=0
    for i in $(seq 1 "$NFS"); do
        read -r _ d0 t0 k0 m0 <<<"${before[$i]}"
        read -r _ d1 t1 k1 m1 <<<"${after[$i]}"
        local v=($((k1 - k0)) $((d1 - d0)) $((t1 - t0)) $((m1 - m0)))
        local labels=("socket queue" "elements" "send" "malformed")
        for j in 0 1 2 3; do
            UC_TABLE+=$(printf '  %-22s %12d' "nf$i ${labels[$j]}" "${v[$j]}")$'\n'
            UC_DROPS=$((UC_DROPS + v[j]))
        done
    done
    UC_TABLE+=$(printf '  %-22s %12d' "sink socket queue" "$sq")$'\n'
    UC_DROPS=$((UC_DROPS + sq))
    UC_UNACC=$((UC_SENT - UC_RECV - UC_DROPS))
    # the sink stops after 1 s of silence: a chain stalled that long (a
    # starved NF) sends the rest to a closed port, and those frames show
    # as unaccounted; say so
    UC_STOP=$(grep -o '"stopped_by" *: *"[a-z]*"' "$tmp/sink.json" 2>/dev/null | sed 's/.*"\([a-z]*\)"$/\1/')
}
