/*
 * tr_gen — the generator's pacing engine: paced bursts of test frames
 * through an open nf_io handle, for `scc gen`, its throughput search
 * (tr_search) and experiment sweeps.
 *
 * Each burst gets a due time from tr_pace (open loop: constant or
 * Poisson); the engine sleeps/spins until then, stamps every frame of the
 * burst with the actual send time and the scheduled one (tr_pkt), and
 * hands the burst to nf_io_send (sendmmsg). Only frames the kernel
 * accepted count as sent; sequence numbers of refused frames are taken
 * back so the sink does not report the generator's own drops as network
 * loss. How late each burst left after its due time is kept in a
 * histogram. The engine never prints: progress goes to a callback.
 */
#ifndef TR_GEN_H
#define TR_GEN_H

#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench/traffic/tr_dist.h"
#include "bench/traffic/tr_hist.h"
#include "bench/traffic/tr_pace.h"
#include "bench/traffic/tr_pkt.h"
#include "nfs/nf_io.h"

#define TR_GEN_MAX_FLOWS 55536u /* source ports 10000 + flow stay <= 65535 */

struct tr_gen;

struct tr_gen_opts {
    struct tr_pkt_cfg pkt;      /* frame addresses, ports, TTL */
    struct tr_dist dist;        /* frame sizes */
    enum tr_pace_mode pacing;
    unsigned burst;             /* frames per due time, 1..NF_BATCH_MAX */
    unsigned flows;             /* 1..TR_GEN_MAX_FLOWS */
    uint64_t seed;              /* sizes and Poisson gaps */
    double spin_us;             /* spin this long before a due time (0 = sleep only) */
    const volatile sig_atomic_t *stop; /* a run ends early once *stop is set; NULL: never */
};

/* What one run did. */
struct tr_gen_stats {
    uint64_t sent, bytes, bursts, late_bursts;
    double elapsed_s, achieved_pps, gbps;
    bool kept_up;               /* achieved >= 99 % of the rate (always, unpaced) */
    struct nf_io_stats io;      /* deltas over this run */
};

/* Called about once a second during a run, when given. */
typedef void (*tr_gen_progress_fn)(void *ctx, double elapsed_s, uint64_t sent,
                                   uint64_t lag_p99_ns);

/* An engine sending through io (not owned; it must outlive the engine).
 * NULL with errno set: EINVAL for options out of range, ENOMEM. */
struct tr_gen *tr_gen_create(const struct tr_gen_opts *o, struct nf_io *io);
void tr_gen_destroy(struct tr_gen *g); /* accepts NULL */

/* One paced run at rate pps (0 = unpaced) until duration_s (0 = none) or
 * count frames (0 = none), or *stop. Sequence numbers restart at 0 for
 * each run. Cannot fail: send errors are counted in out->io. */
void tr_gen_run(struct tr_gen *g, double rate, double duration_s, uint64_t count,
                tr_gen_progress_fn progress, void *ctx, struct tr_gen_stats *out);

/* The last run's schedule lag per burst (send time - due time). */
const struct tr_hist *tr_gen_lag(const struct tr_gen *g);

/* {sent, bytes, elapsed_s, achieved_pps, gbps, kept_up, bursts,
 * late_bursts, io: {...}} as in scc-gen/1 (docs/traffic.md). */
json_object *tr_gen_stats_json(const struct tr_gen_stats *r);

#endif
