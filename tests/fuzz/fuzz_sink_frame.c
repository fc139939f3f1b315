/*
 * fuzz_sink_frame — libFuzzer target for what `scc sink` does with each
 * frame that arrives on the wire: tr_pkt_parse, tr_pkt_verify and the
 * sink's accounting (tr_sink_account: flows, sequence window, latency,
 * digest, per-second series). Input: byte 0 sets the options (warm-up,
 * series, no_latency, digest); then frames, each a 1-byte receive-time step
 * (ms), a 2-byte big-endian length (mod 2048) and that many bytes. Half the
 * frames are also re-stamped as our own (valid header, fuzzed flow, seq and
 * send time) so the accounting past the magic check is reached often.
 * Invariants: no crash; every frame is counted exactly once, as ours
 * (rx, warm-up) or foreign; rx_bytes within rx * the largest frame;
 * duplicates + reordered <= rx; flows <= rx; a parse that succeeds gives a
 * flow id below 65536 and the account agrees with the parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/traffic/tr_pkt.h"
#include "bench/traffic/tr_sink.h"

#define FZ_MAX_FRAME 2048

static uint8_t frame[FZ_MAX_FRAME];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct tr_sink_opts o = {
        .warmup_ns = (data[0] & 1) ? 2000000 : 0,
        .series = data[0] & 2,
        .no_latency = data[0] & 4,
        .digest = data[0] & 8,
    };
    bool stamp = data[0] & 16;
    data++;
    size--;
    struct tr_sink *s = tr_sink_create(&o);
    if (!s)
        return 0;
    struct tr_pkt_cfg cfg;
    tr_pkt_cfg_default(&cfg);
    uint64_t now = 1000000000ull, frames = 0, ours = 0;
    while (size >= 3) {
        now += (uint64_t)data[0] * 1000000ull;
        size_t len = ((size_t)data[1] << 8 | data[2]) % FZ_MAX_FRAME;
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        memcpy(frame, data, len);
        data += len;
        size -= len;
        if (stamp && (frames & 1) && len >= TR_MIN_FRAME && len <= TR_MAX_FRAME) {
            /* our header in front of fuzzed payload bytes (flow, seq, times) */
            uint8_t keep[TR_PAYLOAD_LEN];
            memcpy(keep, frame + TR_HDR_LEN, TR_PAYLOAD_LEN);
            struct tr_pkt_meta m = {.tx_ns = now, .sched_ns = now};
            if (tr_pkt_build(frame, sizeof(frame), &cfg, &m, (unsigned)len) == 0) {
                /* magic (bytes 0..1 of the payload) stays ours */
                memcpy(frame + TR_HDR_LEN + 2, keep + 2, TR_PAYLOAD_LEN - 2);
            }
        }
        struct tr_pkt_info pi;
        int prc = tr_pkt_parse(frame, len, now, &pi);
        (void)tr_pkt_verify(frame, len);
        bool mine = tr_sink_account(s, frame, (uint32_t)len, now);
        if (prc == 0 && pi.flow > 65535)
            abort();
        if (mine != (prc == 0))
            abort(); /* the sink and the parser disagree on what is ours */
        frames++;
        ours += mine;
    }
    tr_sink_finish(s);
    struct tr_sink_counts c;
    tr_sink_counts(s, &c);
    if (c.rx + c.warmup != ours || c.rx + c.warmup + c.foreign != frames)
        abort();
    if (c.rx_bytes > c.rx * FZ_MAX_FRAME || c.flows > c.rx)
        abort();
    if (c.duplicates > c.rx || c.reordered > c.rx)
        abort();
    unsigned ns = 0;
    const struct tr_sink_second *ser = tr_sink_series(s, &ns);
    uint64_t srx = 0;
    for (unsigned i = 0; i < ns; i++)
        srx += ser[i].rx;
    if (o.series && srx != c.rx)
        abort();
    tr_sink_destroy(s);
    return 0;
}
