/*
 * tr_hist — the sink's latency histogram (see tr_hist.h for the layout and
 * the error bound). Recording is a count-leading-zeros, a shift and an
 * increment; nothing allocates after tr_hist_create().
 */
#include "bench/traffic/tr_hist.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SUB_BITS 7u
#define SUB (1u << SUB_BITS)                 /* 128 buckets per power of two */
#define NBUCKETS (SUB + (64u - SUB_BITS) * SUB) /* 0..127, then e = 7..63 */

struct tr_hist {
    uint64_t count, min, max;
    double sum, sumsq;
    uint64_t b[NBUCKETS];
};

unsigned tr_hist_bucket(uint64_t v)
{
    if (v < SUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* 2^e <= v < 2^(e+1), e >= 7 */
    unsigned shift = e - SUB_BITS;
    unsigned sub = (unsigned)(v >> shift) - SUB;      /* 0..127 */
    return SUB + (e - SUB_BITS) * SUB + sub;
}

void tr_hist_bucket_bounds(unsigned idx, uint64_t *lo, uint64_t *hi)
{
    if (idx < SUB) {
        *lo = *hi = idx;
        return;
    }
    unsigned k = idx - SUB;
    unsigned shift = k / SUB;           /* e - SUB_BITS */
    uint64_t sub = k % SUB;
    *lo = (SUB + sub) << shift;
    *hi = *lo + ((uint64_t)1 << shift) - 1;
}

struct tr_hist *tr_hist_create(void)
{
    struct tr_hist *h = malloc(sizeof(*h));
    if (!h) {
        errno = ENOMEM;
        return NULL;
    }
    tr_hist_reset(h);
    return h;
}

void tr_hist_destroy(struct tr_hist *h)
{
    free(h);
}

void tr_hist_reset(struct tr_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

void tr_hist_record_n(struct tr_hist *h, uint64_t v, uint64_t n)
{
    if (!n)
        return;
    h->b[tr_hist_bucket(v)] += n;
    h->count += n;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    double d = (double)v;
    h->sum += d * (double)n;
    h->sumsq += d * d * (double)n;
}

void tr_hist_record(struct tr_hist *h, uint64_t v)
{
    tr_hist_record_n(h, v, 1);
}

void tr_hist_merge(struct tr_hist *dst, const struct tr_hist *src)
{
    if (!src->count)
        return;
    for (unsigned i = 0; i < NBUCKETS; i++)
        dst->b[i] += src->b[i];
    dst->count += src->count;
    dst->sum += src->sum;
    dst->sumsq += src->sumsq;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t tr_hist_count(const struct tr_hist *h)
{
    return h->count;
}

uint64_t tr_hist_min(const struct tr_hist *h)
{
    return h->count ? h->min : 0;
}

uint64_t tr_hist_max(const struct tr_hist *h)
{
    return h->max;
}

double tr_hist_mean(const struct tr_hist *h)
{
    return h->count ? h->sum / (double)h->count : 0.0;
}

double tr_hist_stddev(const struct tr_hist *h)
{
    if (h->count < 2)
        return 0.0;
    double m = h->sum / (double)h->count;
    double var = h->sumsq / (double)h->count - m * m;
    return var > 0 ? sqrt(var) : 0.0;
}

uint64_t tr_hist_percentile(const struct tr_hist *h, double q)
{
    if (!h->count)
        return 0;
    if (q <= 0)
        return h->min;
    if (q >= 100)
        return h->max;
    /* nearest rank: ceil(q/100 * n), at least 1 */
    uint64_t rank = (uint64_t)ceil(q / 100.0 * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < NBUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            uint64_t lo, hi;
            tr_hist_bucket_bounds(i, &lo, &hi);
            uint64_t v = lo + (hi - lo) / 2;
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}
