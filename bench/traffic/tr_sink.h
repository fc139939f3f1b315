/*
 * tr_sink — the receiving side's bookkeeping, separate from any socket so
 * that `scc sink`, `scc gen --search` (an in-process receiver) and the
 * launcher can all use it.
 *
 * Feed it every received frame with its receive time; it tells ours from
 * foreign frames (tr_pkt_parse), discards the warm-up, and keeps:
 *   - per flow: the lowest and highest sequence seen after warm-up, a
 *     1,024-sequence window to tell duplicates from late (reordered)
 *     arrivals, and the count of distinct sequences; at the end,
 *     lost = (highest - lowest + 1) - distinct, per flow, summed. Loss after
 *     a flow's last received packet is invisible to a receiver alone: the
 *     generator's sent count closes that gap (see docs/traffic.md).
 *   - two latency histograms: receive time minus send time, and receive
 *     time minus scheduled send time (free of coordinated omission). A
 *     receive time before the send time (two hosts' clocks, or a clock
 *     step) is no latency at all: it is counted, not recorded. With
 *     opts.no_latency nothing is recorded (clocks known not comparable).
 *   - optionally one entry per second of the run (packets, bytes,
 *     latency p50/p99 in that second).
 * Sequences further than 1,024 behind a flow's highest are counted as
 * reordered, not checked for duplication.
 */
#ifndef TR_SINK_H
#define TR_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/traffic/tr_hist.h"

struct tr_sink;

struct tr_sink_opts {
    uint64_t warmup_ns;   /* discard what arrives this long after the first frame */
    bool series;          /* keep the per-second series */
    bool no_latency;      /* the clocks are not comparable: record no latency */
    bool digest;          /* keep frames_digest (scc sink --digest) */
};

struct tr_sink_counts {
    uint64_t rx;            /* ours, after warm-up */
    uint64_t rx_bytes;      /* their frame bytes (without FCS) */
    uint64_t warmup;        /* ours, discarded as warm-up */
    uint64_t foreign;       /* not ours: too short, not IPv4/UDP, no magic */
    uint64_t lost;          /* sequence gaps, summed over flows */
    uint64_t duplicates;
    uint64_t reordered;     /* arrived after a higher sequence of its flow */
    uint64_t flows;         /* flows seen after warm-up */
    uint64_t latency_negative; /* receive time before send time: not in the histograms */
    uint64_t bad_checksum;  /* ours, counted, but an IPv4 or UDP checksum is wrong */
    uint64_t first_ns, last_ns; /* receive times of the first and last counted frame */
    /* opts.digest: over every frame of ours (warm-up included), the sum
     * mod 2^64 of a 64-bit FNV-1a hash of what an NF may change and the
     * generator fixes: the Ethernet, IPv4 and UDP headers but the UDP
     * checksum (it covers the send time), the payload's magic, flow and
     * sequence, and the frame length. Order does not matter: the same
     * frames in any order give the same digest (docs/traffic.md). */
    uint64_t digest, digest_frames;
};

struct tr_sink_second {
    uint32_t t;             /* seconds since the first counted frame */
    uint64_t rx, rx_bytes;
    uint64_t p50_ns, p99_ns;        /* from send */
    uint64_t p99_sched_ns;          /* from schedule */
};

/* NULL with errno set (ENOMEM). */
struct tr_sink *tr_sink_create(const struct tr_sink_opts *o);
void tr_sink_destroy(struct tr_sink *s); /* accepts NULL */
/* Back to the state just after create (for the next search trial). */
void tr_sink_reset(struct tr_sink *s);

/* Account one received frame; rx_ns is its CLOCK_MONOTONIC receive time.
 * Returns true when it was one of ours (warm-up included). */
bool tr_sink_account(struct tr_sink *s, const uint8_t *frame, uint32_t len, uint64_t rx_ns);

/* True once the warm-up is over and frames are being counted: the
 * measurement window is open. */
bool tr_sink_counting(const struct tr_sink *s);

/* Totals so far (lost is computed on each call, O(flows seen)). */
void tr_sink_counts(const struct tr_sink *s, struct tr_sink_counts *out);
const struct tr_hist *tr_sink_lat_send(const struct tr_sink *s);
const struct tr_hist *tr_sink_lat_sched(const struct tr_sink *s);
/* The per-second series (empty unless opts.series); the last second is
 * included once tr_sink_finish() has been called. */
const struct tr_sink_second *tr_sink_series(const struct tr_sink *s, unsigned *n);
/* Close the current second of the series. */
void tr_sink_finish(struct tr_sink *s);

#endif
