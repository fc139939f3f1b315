/*
 * tr_pace — when to send the next burst, at a target rate.
 *
 * Open-loop pacing: burst k is due at a time computed from the start and
 * the rate alone, never from when burst k-1 actually left, so a generator
 * that falls behind catches up instead of silently lowering the rate, and
 * the due time is the "scheduled send time" that coordinated-omission-free
 * latency is measured against.
 *   const    burst k is due at start + k * burst / rate (computed from k,
 *            not by adding intervals, so rounding never accumulates).
 *   poisson  gaps between bursts are exponential with mean burst / rate
 *            (a Poisson arrival process of bursts), from a seeded PRNG.
 */
#ifndef TR_PACE_H
#define TR_PACE_H

#include <stdint.h>

enum tr_pace_mode { TR_PACE_CONST = 0, TR_PACE_POISSON = 1 };

struct tr_pace {
    enum tr_pace_mode mode;
    double rate;          /* packets per second, > 0 */
    unsigned burst;       /* packets per due time, >= 1 */
    uint64_t start_ns;
    uint64_t k;           /* bursts handed out so far */
    double t_ns;          /* poisson: offset of the next due time from start */
    uint64_t rng;         /* xorshift64* state, never 0 */
};

/* 0, or -EINVAL for rate <= 0 (or not finite) or burst 0. */
int tr_pace_init(struct tr_pace *p, enum tr_pace_mode mode, double rate, unsigned burst,
                 uint64_t start_ns, uint64_t seed);
/* The due time (CLOCK_MONOTONIC ns) of the next burst; advances. */
uint64_t tr_pace_next(struct tr_pace *p);
/* Mean gap between bursts in ns (burst / rate). */
double tr_pace_interval_ns(const struct tr_pace *p);

/* Seeded PRNG shared by pacing and size sampling: xorshift64* (Vigna).
 * The state must not be 0; tr_rng_seed maps any seed to a valid state. */
uint64_t tr_rng_seed(uint64_t seed);
uint64_t tr_rng_next(uint64_t *state);
/* Uniform in (0, 1]: never 0, so -log() is finite. */
double tr_rng_unit(uint64_t *state);

/* Sleep until the monotonic clock reads at least due_ns: clock_nanosleep
 * to shortly before, then spin, since a sleep overshoots by tens of µs.
 * spin_ns is how early to stop sleeping (0 = sleep only). Returns 0, or
 * -EINTR when a signal cut the sleep short (the caller checks its stop
 * flag and calls again). */
int tr_pace_wait_until(uint64_t due_ns, uint64_t spin_ns);

#endif
