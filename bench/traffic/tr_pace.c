/*
 * tr_pace — rate pacing for the traffic generator (see tr_pace.h): due
 * times for constant-rate and Poisson bursts, a small seeded PRNG, and a
 * sleep-then-spin wait that hits a due time within a few microseconds.
 */
#include "bench/traffic/tr_pace.h"

#include <errno.h>
#include <math.h>
#include <time.h>

#include "common/scc_util.h"

uint64_t tr_rng_seed(uint64_t seed)
{
    /* one splitmix64 step: spreads small seeds and never yields 0 for the
     * xorshift state in practice; guard anyway. */
    uint64_t z = scc_splitmix64(&seed);
    return z ? z : 0x2545f4914f6cdd1dull;
}

uint64_t tr_rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

double tr_rng_unit(uint64_t *s)
{
    /* 53 random bits -> [0, 1), then flip to (0, 1]. */
    return 1.0 - (double)(tr_rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

int tr_pace_init(struct tr_pace *p, enum tr_pace_mode mode, double rate, unsigned burst,
                 uint64_t start_ns, uint64_t seed)
{
    if (!(rate > 0) || !isfinite(rate) || burst == 0 ||
        (mode != TR_PACE_CONST && mode != TR_PACE_POISSON))
        return -EINVAL;
    *p = (struct tr_pace){.mode = mode, .rate = rate, .burst = burst, .start_ns = start_ns,
                          .rng = tr_rng_seed(seed)};
    return 0;
}

double tr_pace_interval_ns(const struct tr_pace *p)
{
    return (double)p->burst * 1e9 / p->rate;
}

uint64_t tr_pace_next(struct tr_pace *p)
{
    uint64_t k = p->k++;
    if (p->mode == TR_PACE_CONST) {
        /* From k each time: k * burst * 1e9 / rate. long double keeps ns
         * exactness far beyond any run length (64-bit mantissa on x86). */
        long double off = (long double)k * p->burst * 1e9L / (long double)p->rate;
        return p->start_ns + (uint64_t)off;
    }
    /* Poisson: the first burst at start, then exponential gaps. */
    uint64_t due = p->start_ns + (uint64_t)p->t_ns;
    p->t_ns += -log(tr_rng_unit(&p->rng)) * tr_pace_interval_ns(p);
    return due;
}

int tr_pace_wait_until(uint64_t due_ns, uint64_t spin_ns)
{
    uint64_t now = scc_now_ns();
    if (now >= due_ns)
        return 0;
    if (due_ns - now > spin_ns) {
        uint64_t wake = due_ns - spin_ns;
        struct timespec ts = {.tv_sec = (time_t)(wake / 1000000000u),
                              .tv_nsec = (long)(wake % 1000000000u)};
        if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            return -EINTR;
    }
    while (scc_now_ns() < due_ns)
        ;
    return 0;
}
