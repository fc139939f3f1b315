/*
 * tr_sink — per-flow sequence tracking and latency histograms for the
 * traffic sink (see tr_sink.h). Flow state is allocated the first time a
 * flow id is seen (at most 65,536, 144 bytes each); after that accounting a
 * frame is a parse, two histogram increments and a few bit operations.
 */
#include "bench/traffic/tr_sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/traffic/tr_pkt.h"

#define NFLOWS 65536u
#define WIN 1024u           /* duplicate-detection window, in sequences */
#define MAX_SECONDS 86400u

struct flow {
    uint32_t lo, hi;        /* lowest and highest sequence seen */
    uint64_t distinct;
    uint64_t win[WIN / 64]; /* bit (seq % WIN) set: seq seen, for seq in (hi-WIN, hi] */
};

struct tr_sink {
    struct tr_sink_opts o;
    struct flow **flow;     /* NFLOWS pointers, lazily filled */
    uint32_t *used;         /* flow ids in use, for reset and the loss sum */
    uint32_t nused;
    struct tr_hist *lat, *lat_sched, *sec_lat, *sec_sched;
    struct tr_sink_counts c;
    uint64_t t0_ns;         /* first of ours, warm-up included */
    bool started;           /* warm-up over, counting */
    struct tr_sink_second *series, cur;
    unsigned nseries, capseries;
};

struct tr_sink *tr_sink_create(const struct tr_sink_opts *o)
{
    struct tr_sink *s = calloc(1, sizeof(*s));
    if (!s)
        goto err;
    s->o = *o;
    s->flow = calloc(NFLOWS, sizeof(*s->flow));
    s->used = calloc(NFLOWS, sizeof(*s->used));
    s->lat = tr_hist_create();
    s->lat_sched = tr_hist_create();
    s->sec_lat = tr_hist_create();
    s->sec_sched = tr_hist_create();
    if (!s->flow || !s->used || !s->lat || !s->lat_sched || !s->sec_lat || !s->sec_sched)
        goto err;
    return s;
err:
    tr_sink_destroy(s);
    errno = ENOMEM;
    return NULL;
}

void tr_sink_destroy(struct tr_sink *s)
{
    if (!s)
        return;
    if (s->flow)
        for (uint32_t i = 0; i < s->nused; i++)
            free(s->flow[s->used[i]]);
    free(s->flow);
    free(s->used);
    tr_hist_destroy(s->lat);
    tr_hist_destroy(s->lat_sched);
    tr_hist_destroy(s->sec_lat);
    tr_hist_destroy(s->sec_sched);
    free(s->series);
    free(s);
}

void tr_sink_reset(struct tr_sink *s)
{
    for (uint32_t i = 0; i < s->nused; i++) {
        free(s->flow[s->used[i]]);
        s->flow[s->used[i]] = NULL;
    }
    s->nused = 0;
    tr_hist_reset(s->lat);
    tr_hist_reset(s->lat_sched);
    tr_hist_reset(s->sec_lat);
    tr_hist_reset(s->sec_sched);
    memset(&s->c, 0, sizeof(s->c));
    memset(&s->cur, 0, sizeof(s->cur));
    s->t0_ns = 0;
    s->started = false;
    s->nseries = 0;
}

static void close_second(struct tr_sink *s)
{
    if (!s->o.series || s->cur.rx == 0)
        return;
    s->cur.p50_ns = tr_hist_percentile(s->sec_lat, 50);
    s->cur.p99_ns = tr_hist_percentile(s->sec_lat, 99);
    s->cur.p99_sched_ns = tr_hist_percentile(s->sec_sched, 99);
    if (s->nseries == s->capseries && s->capseries < MAX_SECONDS) {
        unsigned nc = s->capseries ? s->capseries * 2 : 64;
        struct tr_sink_second *n = realloc(s->series, nc * sizeof(*n));
        if (n) {
            s->series = n;
            s->capseries = nc;
        }
    }
    if (s->nseries < s->capseries)
        s->series[s->nseries++] = s->cur;
    tr_hist_reset(s->sec_lat);
    tr_hist_reset(s->sec_sched);
    memset(&s->cur, 0, sizeof(s->cur));
}

void tr_sink_finish(struct tr_sink *s)
{
    close_second(s);
}

static void win_clear(struct flow *f, uint32_t from, uint32_t to)
{
    /* clear bits for sequences from..to inclusive (to - from < WIN) */
    for (uint32_t q = from;; q++) {
        f->win[(q % WIN) / 64] &= ~(UINT64_C(1) << (q % 64));
        if (q == to)
            break;
    }
}

static bool win_test_set(struct flow *f, uint32_t q)
{
    uint64_t *w = &f->win[(q % WIN) / 64], bit = UINT64_C(1) << (q % 64);
    bool was = *w & bit;
    *w |= bit;
    return was;
}

static void track_seq(struct tr_sink *s, uint32_t id, uint32_t seq)
{
    struct flow *f = s->flow[id];
    if (!f) {
        f = calloc(1, sizeof(*f));
        if (!f)
            return; /* out of memory: this flow goes untracked */
        s->flow[id] = f;
        s->used[s->nused++] = id;
        f->lo = f->hi = seq;
        f->distinct = 1;
        win_test_set(f, seq);
        return;
    }
    if (seq > f->hi) {
        uint32_t gap = seq - f->hi;
        if (gap >= WIN)
            memset(f->win, 0, sizeof(f->win));
        else
            win_clear(f, f->hi + 1, seq);
        f->hi = seq;
        win_test_set(f, seq);
        f->distinct++;
        return;
    }
    if (f->hi - seq < WIN) {
        if (win_test_set(f, seq)) {
            s->c.duplicates++;
            return;
        }
    }
    /* older than the highest, not seen before (or beyond the window) */
    s->c.reordered++;
    f->distinct++;
    if (seq < f->lo)
        f->lo = seq;
}

bool tr_sink_account(struct tr_sink *s, const uint8_t *frame, uint32_t len, uint64_t rx_ns)
{
    struct tr_pkt_info in;
    if (tr_pkt_parse(frame, len, rx_ns, &in) < 0) {
        s->c.foreign++;
        return false;
    }
    if (s->o.digest) {
        /* parse checked len >= TR_MIN_FRAME */
        uint64_t h = 0xcbf29ce484222325ull;
        for (uint32_t i = 0; i < TR_HDR_LEN + 8; i++) {
            if (i == TR_HDR_LEN - 2) /* the UDP checksum: skip its two bytes */
                i += 2;
            h = (h ^ frame[i]) * 0x100000001b3ull;
        }
        h = (h ^ len) * 0x100000001b3ull;
        s->c.digest += h;
        s->c.digest_frames++;
    }
    if (!s->started) {
        if (s->t0_ns == 0)
            s->t0_ns = rx_ns ? rx_ns : 1;
        if (rx_ns - s->t0_ns < s->o.warmup_ns) {
            s->c.warmup++;
            return true;
        }
        s->started = true;
        s->c.first_ns = rx_ns;
    }
    if (s->o.series) {
        uint64_t t = (rx_ns - s->c.first_ns) / 1000000000u;
        if (t != s->cur.t) {
            close_second(s);
            s->cur.t = (uint32_t)t;
        }
        s->cur.rx++;
        s->cur.rx_bytes += len;
    }
    s->c.rx++;
    s->c.rx_bytes += len;
    /* A chain element that rewrites headers must keep checksums right
     * (RFC 1624 updates); say so when one did not. */
    if (tr_pkt_verify(frame, len) != 0)
        s->c.bad_checksum++;
    s->c.last_ns = rx_ns;
    if (s->o.no_latency) {
        /* nothing: the clocks of sender and receiver are not comparable */
    } else if (rx_ns >= in.tx_ns) {
        uint64_t l1 = rx_ns - in.tx_ns;
        uint64_t l2 = rx_ns >= in.sched_ns ? rx_ns - in.sched_ns : 0;
        tr_hist_record(s->lat, l1);
        tr_hist_record(s->lat_sched, l2);
        if (s->o.series) {
            tr_hist_record(s->sec_lat, l1);
            tr_hist_record(s->sec_sched, l2);
        }
    } else {
        /* Received before it was sent: the clocks disagree. Recording 0
         * would pull every percentile down; count it instead. */
        s->c.latency_negative++;
    }
    track_seq(s, in.flow, in.seq);
    return true;
}

void tr_sink_counts(const struct tr_sink *s, struct tr_sink_counts *out)
{
    *out = s->c;
    uint64_t lost = 0;
    for (uint32_t i = 0; i < s->nused; i++) {
        const struct flow *f = s->flow[s->used[i]];
        uint64_t span = (uint64_t)f->hi - f->lo + 1;
        if (span > f->distinct)
            lost += span - f->distinct;
    }
    out->lost = lost;
    out->flows = s->nused;
}

bool tr_sink_counting(const struct tr_sink *s)
{
    return s->started;
}

const struct tr_hist *tr_sink_lat_send(const struct tr_sink *s)
{
    return s->lat;
}

const struct tr_hist *tr_sink_lat_sched(const struct tr_sink *s)
{
    return s->lat_sched;
}

const struct tr_sink_second *tr_sink_series(const struct tr_sink *s, unsigned *n)
{
    *n = s->nseries;
    return s->series;
}
