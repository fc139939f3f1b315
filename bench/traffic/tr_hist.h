/*
 * tr_hist — a log-linear latency histogram with bounded relative error and
 * constant memory (the HdrHistogram idea, fixed at 7 sub-bucket bits).
 *
 * Values 0..127 get one bucket each (exact). Above that, each power of two
 * [2^e, 2^(e+1)) is split into 128 equal buckets, so a bucket is at most
 * 1/128 of its lower bound wide; reporting the bucket's midpoint bounds the
 * relative error of any percentile by 1/256 (0.39 %), within the 1 % the
 * sink promises. The whole uint64 range fits in 7,424 buckets (58 KiB).
 * min, max, mean and standard deviation are kept exactly on the side.
 *
 * Percentiles use the nearest-rank definition: the smallest recorded value
 * v such that at least q % of the values are <= v (q = 0 gives the min).
 */
#ifndef TR_HIST_H
#define TR_HIST_H

#include <stdint.h>

struct tr_hist;

/* NULL with errno = ENOMEM on failure. */
struct tr_hist *tr_hist_create(void);
void tr_hist_destroy(struct tr_hist *h); /* accepts NULL */
void tr_hist_reset(struct tr_hist *h);

void tr_hist_record(struct tr_hist *h, uint64_t v);
void tr_hist_record_n(struct tr_hist *h, uint64_t v, uint64_t n);
/* Add every value of src into dst. */
void tr_hist_merge(struct tr_hist *dst, const struct tr_hist *src);

uint64_t tr_hist_count(const struct tr_hist *h);
uint64_t tr_hist_min(const struct tr_hist *h);   /* 0 when empty */
uint64_t tr_hist_max(const struct tr_hist *h);   /* 0 when empty */
double tr_hist_mean(const struct tr_hist *h);    /* 0 when empty */
double tr_hist_stddev(const struct tr_hist *h);  /* population; 0 when < 2 values */
/* q in [0, 100]; 0 when empty. Within 1/256 of the exact nearest-rank
 * value, and always inside [min, max]. */
uint64_t tr_hist_percentile(const struct tr_hist *h, double q);

/* The bucket index of v and the bucket's bounds [lo, hi] (for tests). */
unsigned tr_hist_bucket(uint64_t v);
void tr_hist_bucket_bounds(unsigned idx, uint64_t *lo, uint64_t *hi);

#endif
