/*
 * tr_gen — the pacing engine (see tr_gen.h). Frames live in one aligned
 * block, FRAME_STRIDE bytes apart, rebuilt in place for every burst; the
 * per-flow sequence counters are the only state that outlives a burst.
 */
#include "bench/traffic/tr_gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"

#define FRAME_STRIDE 1536u  /* >= TR_MAX_FRAME, cache-line multiple */

struct tr_gen {
    struct tr_gen_opts o;
    struct nf_io *io;
    uint8_t *frames;
    struct nf_pkt *pkts;
    struct nf_pkt **ptrs;
    struct nf_pkt **xptrs;  /* xdp: frames lent by nf_io_tx_bufs for this burst */
    uint32_t *fseq, *pflow;
    struct tr_hist *lag;
    uint64_t rng;
};

struct tr_gen *tr_gen_create(const struct tr_gen_opts *o, struct nf_io *io)
{
    if (!io || o->burst < 1 || o->burst > NF_BATCH_MAX || o->flows < 1 ||
        o->flows > TR_GEN_MAX_FLOWS || o->dist.n < 1) {
        errno = EINVAL;
        return NULL;
    }
    struct tr_gen *g = calloc(1, sizeof(*g));
    if (!g)
        goto err;
    g->o = *o;
    g->io = io;
    g->rng = tr_rng_seed(o->seed);
    g->frames = aligned_alloc(64, (size_t)o->burst * FRAME_STRIDE);
    g->pkts = calloc(o->burst, sizeof(*g->pkts));
    g->ptrs = calloc(o->burst, sizeof(*g->ptrs));
    g->xptrs = calloc(o->burst, sizeof(*g->xptrs));
    g->pflow = calloc(o->burst, sizeof(*g->pflow));
    g->fseq = calloc(o->flows, sizeof(*g->fseq));
    g->lag = tr_hist_create();
    if (!g->frames || !g->pkts || !g->ptrs || !g->xptrs || !g->pflow || !g->fseq || !g->lag)
        goto err;
    for (unsigned i = 0; i < o->burst; i++) {
        g->pkts[i] = (struct nf_pkt){.data = g->frames + (size_t)i * FRAME_STRIDE,
                                     .cap = FRAME_STRIDE};
        g->ptrs[i] = &g->pkts[i];
    }
    return g;
err:
    tr_gen_destroy(g);
    errno = ENOMEM;
    return NULL;
}

void tr_gen_destroy(struct tr_gen *g)
{
    if (!g)
        return;
    tr_hist_destroy(g->lag);
    free(g->fseq);
    free(g->pflow);
    free(g->ptrs);
    free(g->xptrs);
    free(g->pkts);
    free(g->frames);
    free(g);
}

const struct tr_hist *tr_gen_lag(const struct tr_gen *g)
{
    return g->lag;
}

static bool stopped(const struct tr_gen *g)
{
    return g->o.stop && *g->o.stop;
}

static void io_delta(const struct nf_io_stats *a, const struct nf_io_stats *b,
                     struct nf_io_stats *d)
{
    d->tx_pkts = b->tx_pkts - a->tx_pkts;
    d->tx_bytes = b->tx_bytes - a->tx_bytes;
    d->tx_calls = b->tx_calls - a->tx_calls;
    d->tx_drop_again = b->tx_drop_again - a->tx_drop_again;
    d->tx_drop_nobufs = b->tx_drop_nobufs - a->tx_drop_nobufs;
    d->tx_drop_other = b->tx_drop_other - a->tx_drop_other;
    d->tx_err_refused = b->tx_err_refused - a->tx_err_refused;
    d->tx_moved = b->tx_moved - a->tx_moved;
    d->tx_copied = b->tx_copied - a->tx_copied;
}

void tr_gen_run(struct tr_gen *g, double rate, double duration_s, uint64_t count,
                tr_gen_progress_fn progress, void *ctx, struct tr_gen_stats *res)
{
    const struct tr_gen_opts *c = &g->o;
    const unsigned burst = c->burst;
    const uint64_t spin_ns = (uint64_t)(c->spin_us * 1e3);
    memset(res, 0, sizeof(*res));
    memset(g->fseq, 0, c->flows * sizeof(*g->fseq));
    tr_hist_reset(g->lag);
    struct nf_io_stats s0 = *nf_io_get_stats(g->io);

    struct tr_pace pace;
    uint64_t start = scc_now_ns();
    if (rate > 0)
        tr_pace_init(&pace, c->pacing, rate, burst, start, c->seed);
    const double interval_ns = rate > 0 ? tr_pace_interval_ns(&pace) : 0;
    const uint64_t end = duration_s > 0 ? start + (uint64_t)(duration_s * 1e9) : UINT64_MAX;
    uint64_t pkt_idx = 0, last_due = start, next_progress = start + 1000000000u;

    while (!stopped(g)) {
        uint64_t due = rate > 0 ? tr_pace_next(&pace) : scc_now_ns();
        if (due >= end)
            break;
        unsigned n = burst;
        if (count) {
            if (res->sent >= count)
                break;
            if (count - res->sent < n)
                n = (unsigned)(count - res->sent);
        }
        if (rate > 0)
            while (tr_pace_wait_until(due, spin_ns) < 0 && !stopped(g))
                ;
        if (stopped(g))
            break;
        uint64_t now = scc_now_ns();
        if (now >= end)
            break; /* behind schedule at the end: the rest is not sent */
        uint64_t lag = now > due ? now - due : 0;
        tr_hist_record(g->lag, lag);
        if (rate > 0 && (double)lag > interval_ns)
            res->late_bursts++;
        /* xdp: build the frames in UMEM frames the transport lends, so the
         * send is a descriptor move instead of a copy */
        struct nf_pkt **ptrs = g->ptrs;
        if (n <= nf_io_batch(g->io) && nf_io_tx_bufs(g->io, g->xptrs, n) == (int)n)
            ptrs = g->xptrs;
        /* else (not xdp, a burst over the batch, all frames in flight):
         * the generator's own buffers, copied by the send */
        for (unsigned i = 0; i < n; i++) {
            uint32_t flow = (uint32_t)((pkt_idx + i) % c->flows);
            struct tr_pkt_meta m = {.flow = flow, .seq = g->fseq[flow]++, .tx_ns = now,
                                    .sched_ns = due, .ip_id = (uint16_t)(pkt_idx + i)};
            unsigned len = tr_dist_sample(&c->dist, &g->rng) - TR_FCS_LEN;
            tr_pkt_build(ptrs[i]->data, ptrs[i]->cap, &c->pkt, &m, len);
            ptrs[i]->len = len;
            g->pflow[i] = flow;
        }
        uint64_t other0 = nf_io_get_stats(g->io)->tx_drop_other;
        int sent = nf_io_send(g->io, ptrs, n);
        if (sent < 0)
            sent = 0;
        if ((unsigned)sent < n && nf_io_get_stats(g->io)->tx_drop_other == other0) {
            /* Refused frames were a suffix (EAGAIN/ENOBUFS): take their
             * sequence numbers back so the sink sees no gap for them. */
            for (unsigned i = n; i-- > (unsigned)sent;)
                g->fseq[g->pflow[i]]--;
            pkt_idx += (unsigned)sent;
        } else {
            pkt_idx += n;
        }
        res->sent += (unsigned)sent;
        res->bursts++;
        last_due = due;
        if (progress && now >= next_progress) {
            progress(ctx, (double)(now - start) / 1e9, res->sent,
                     tr_hist_percentile(g->lag, 99));
            next_progress += 1000000000u;
        }
    }
    uint64_t fin = scc_now_ns();
    /* The window a paced run covers is its schedule: up to one interval
     * past the last due time (or the real end, if that is later). */
    uint64_t win_end = fin;
    if (rate > 0 && res->bursts && last_due + (uint64_t)interval_ns > win_end)
        win_end = last_due + (uint64_t)interval_ns;
    res->elapsed_s = (double)(win_end - start) / 1e9;
    io_delta(&s0, nf_io_get_stats(g->io), &res->io);
    res->bytes = res->io.tx_bytes;
    res->achieved_pps = res->elapsed_s > 0 ? (double)res->sent / res->elapsed_s : 0;
    res->gbps = res->elapsed_s > 0 ? (double)res->bytes * 8 / res->elapsed_s / 1e9 : 0;
    res->kept_up = rate <= 0 || res->achieved_pps >= 0.99 * rate;
}

static json_object *u64j(uint64_t v)
{
    return json_object_new_int64((int64_t)v);
}

json_object *tr_gen_stats_json(const struct tr_gen_stats *r)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "sent", u64j(r->sent));
    json_object_object_add(o, "bytes", u64j(r->bytes));
    json_object_object_add(o, "elapsed_s", json_object_new_double(r->elapsed_s));
    json_object_object_add(o, "achieved_pps", json_object_new_double(r->achieved_pps));
    json_object_object_add(o, "gbps", json_object_new_double(r->gbps));
    json_object_object_add(o, "kept_up", json_object_new_boolean(r->kept_up));
    json_object_object_add(o, "bursts", u64j(r->bursts));
    json_object_object_add(o, "late_bursts", u64j(r->late_bursts));
    json_object *io = json_object_new_object();
    json_object_object_add(io, "tx_calls", u64j(r->io.tx_calls));
    json_object_object_add(io, "tx_drop_again", u64j(r->io.tx_drop_again));
    json_object_object_add(io, "tx_drop_nobufs", u64j(r->io.tx_drop_nobufs));
    json_object_object_add(io, "tx_drop_other", u64j(r->io.tx_drop_other));
    json_object_object_add(io, "tx_err_refused", u64j(r->io.tx_err_refused));
    /* xdp: frames built in UMEM frames and sent by descriptor move, or copied */
    json_object_object_add(io, "tx_moved", u64j(r->io.tx_moved));
    json_object_object_add(io, "tx_copied", u64j(r->io.tx_copied));
    json_object_object_add(o, "io", io);
    return o;
}

