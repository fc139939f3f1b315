/*
 * tr_search — an RFC 2544 section 26.1-style throughput search in one
 * process: the highest rate whose loss stays within a tolerance.
 *
 * A receiver thread with its own nf_io handle and tr_sink bookkeeping
 * counts what comes back while a tr_gen engine sends; each trial sends at
 * one rate for trial_s seconds, drains (until 100 ms pass without frames,
 * 2 s at most), and passes when loss <= loss_tol_pct and the generator
 * kept up. Which rate to try next is tr_search_next(), a pure function of
 * the outcomes so far (unit-tested on its own):
 *   rate > 0   the first trial runs at rate (the upper bound), then the
 *              bracket [highest pass, lowest failure] is halved;
 *   rate == 0  the first trial is an unpaced probe: what it sent bounds
 *              every paced trial (hi), what came back is a first guess;
 *              from the guess, steps of twice the resolution, doubling,
 *              go up after a pass and down after a failure until the
 *              answer is bracketed, then the bracket is halved.
 * The search stops when the bracket is within resolution_pct of its upper
 * end (resolved), when the upper bound itself passes, or after
 * max_trials. Nothing here prints: each trial goes to a callback.
 */
#ifndef TR_SEARCH_H
#define TR_SEARCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/traffic/tr_gen.h"
#include "nfs/nf_io.h"

#define TR_SEARCH_MAX_TRIALS 100

struct tr_search_opts {
    struct nf_io_opts rx;       /* where the traffic comes back */
    double rate;                /* upper bound in pps; 0 = probe first */
    double trial_s;             /* > 0 */
    double loss_tol_pct;        /* 0..100 */
    double resolution_pct;      /* > 0 */
    unsigned max_trials;        /* 1..TR_SEARCH_MAX_TRIALS */
    int rx_cpu;                 /* pin the receiver thread here; -1 = not */
    const volatile sig_atomic_t *stop; /* ends the search early; NULL: never */
};

struct tr_search_trial {
    bool probe;                 /* the unpaced first trial */
    double rate;                /* target pps (0 for the probe) */
    struct tr_gen_stats g;      /* the generator's side */
    uint64_t received;
    double loss_pct;
    bool pass;
    uint64_t p50_ns, p99_ns;    /* latency from send, this trial */
};

/* The decision state; tr_search_run keeps one, tests drive it directly. */
struct tr_search_state {
    bool probe;                 /* started with an unpaced probe */
    double bound;               /* the configured upper bound (0: probe) */
    double resolution;          /* fraction, e.g. 0.01 */
    double lo, hi;              /* highest pass (0: none), lowest failure or bound */
    double best;                /* the answer so far */
    double rate;                /* the next trial's rate (0 = unpaced probe) */
    double step;                /* current step from a guess (fraction) */
    bool hi_failed;             /* hi came from a failed trial */
    bool resolved;
    unsigned trials;            /* outcomes fed so far */
};

void tr_search_begin(struct tr_search_state *s, double rate, double resolution_pct);
/* Feed the outcome of the trial at s->rate. Returns true when another
 * trial should run (at the new s->rate), false when the search is over. */
bool tr_search_next(struct tr_search_state *s, const struct tr_search_trial *t);

struct tr_search_result {
    double throughput_pps;      /* 0 when no trial passed */
    double lower_pps, upper_pps; /* the final bracket */
    bool probe, resolved;
    unsigned ntrials;
    struct tr_search_trial trials[TR_SEARCH_MAX_TRIALS];
};

typedef void (*tr_search_trial_fn)(void *ctx, unsigned k, const struct tr_search_trial *t);

/* Run the search with engine g (its frames must come back to o->rx).
 * on_trial (may be NULL) sees each trial as it ends. 0, or -errno with
 * err filled (the receiver could not open, a thread could not start, a
 * receive error); out then holds the trials that ran. */
int tr_search_run(struct tr_gen *g, const struct tr_search_opts *o, tr_search_trial_fn on_trial,
                  void *ctx, struct tr_search_result *out, char *err, size_t errlen);

#endif
