/*
 * exp — `scc experiment` and `scc tune`: sweeps of real chains with real
 * traffic, each point one `scc run SPEC --json RUN` of the launcher's own
 * binary (/proc/self/exe, argv, no shell), repeated, summarised as
 * medians with their spread, written as one JSON (every point with its
 * run files) and one self-contained HTML page (docs/experiments.md). A
 * colocation point is N such runs at once, one per bundle, aggregated.
 *
 * exp_calc.c holds the pure parts (median, coefficient of variation,
 * least-squares line, the chain specs a sweep measures), exp_engine.c the
 * runs and the JSON, exp_html.c the page, cmd_experiment.c the two
 * command lines. Library code: progress goes to the caller's FILE.
 */
#ifndef EXP_H
#define EXP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* ---- pure parts (exp_calc.c) ---- */

/* Median of v[0..n) (v is reordered). Returns NAN when n == 0. */
double exp_median(double *v, size_t n);

/* Coefficient of variation (sample standard deviation / mean) of v[0..n).
 * Returns 0, or -EINVAL when n < 2 or the mean is 0. */
int exp_cv(const double *v, size_t n, double *cv);

struct exp_fit {
    double slope;     /* y per unit of x */
    double intercept; /* y at x = 0 */
    double r2;        /* coefficient of determination (1 when every point is on the line) */
    size_t n;
};
/* Least-squares line through (x[i], y[i]). Returns 0, or -EINVAL when
 * n < 2 or every x is the same. */
int exp_linfit(const double *x, const double *y, size_t n, struct exp_fit *fit);

/* One configuration of a sweep: what it changes in a chain spec. A field
 * left at its "keep" value (batch 0, NULL strings, slice_ms < 0) leaves
 * the spec's own value. */
struct exp_conf {
    const char *name;
    int batch;          /* io.batch; 0: keep */
    const char *idle;   /* io.idle */
    const char *policy; /* scheduler.policy */
    double slice_ms;    /* scheduler.slice_ms; < 0: keep */
    const char *mode;   /* scheduler.mode */
    bool one_core;      /* every NF pinned to the last online core */
    bool spread;        /* NF i pinned to core 1 + i (core 0 left to the traffic tools) */
};

/* The configurations of chain-length (quick: 2 of them). Returns how many;
 * *out points at a static table. Cannot fail. */
size_t exp_chain_length_confs(bool quick, const struct exp_conf **out);
/* The configurations of colocation (quick: 2 of them). Same contract. */
size_t exp_colocation_confs(bool quick, const struct exp_conf **out);
/* The configurations `scc tune` tries on a chain of nnf NFs on a machine of
 * ncpu online cores (quick: fewer). Writes at most max, returns how many. */
size_t exp_tune_confs(bool quick, int ncpu, size_t nnf, struct exp_conf *out, size_t max);

/* Apply c to spec (a chain spec object, modified in place). last_cpu is
 * the core `one_core` pins NFs to. Returns 0 or -EINVAL (spec is not an
 * object with an nfs array, or `spread` needs more cores than last_cpu). */
int exp_conf_apply(struct json_object *spec, const struct exp_conf *c, int last_cpu);

struct exp_traffic {
    long rate_pps;
    int size;
    double duration_s, warmup_s;
    int gen_cpu, sink_cpu; /* -1: the launcher places it */
};
/* A chain of n routers (default route), each on core `cpu`, over
 * `interconnect`, with raw I/O at batch 1, block idle, and traffic t.
 * Returns a new object, or NULL (ENOMEM, EINVAL: n < 1). */
struct json_object *exp_spec_routers(const char *name, int n, int cpu, const char *interconnect,
                                     const char *transport, const struct exp_traffic *t);

/* The zero-loss search: probe(arg, rate, &ok) runs a trial (ok: nothing
 * lost at that rate; < 0: stop, e.g. interrupted). The ceiling hi is
 * probed first: lossless there, *ceiling is set and hi returned after one
 * trial (the answer is "at least hi", not a rate found). Otherwise trials-1
 * bisections between lo and hi. Returns the highest lossless rate probed,
 * or 0 when none was. */
long exp_zero_loss_search(long lo, long hi, int trials, bool *ceiling,
                          int (*probe)(const void *arg, long rate, bool *ok), const void *arg);

/* ---- the engine (exp_engine.c) ---- */

/* One repetition of one point, read back from its run file. */
struct exp_fig {
    bool ok;                         /* the run finished and its file was read */
    char err[256];                   /* why not, when !ok */
    bool have_lat;
    double p1, p25, p50, p75, p99, iqr; /* ns */
    double sent, received, dropped, pps;
    bool have_unacc;
    double unaccounted;
    bool have_sched;                 /* every NF's counters and schedstat */
    double syscalls_pp, cs_pp, cpu_pp, wait_over_run;
    bool have_model;                 /* profile mode: the chain's model */
    double model_ns, contention_over_run;
    char model_vs_sink[16];          /* "below" | "within" | "above" | "": the sink's p1-p99 */
    bool have_phase;                 /* the NFs' own phase timings (profile mode) */
    double phase_cpu_ns;             /* their CPU per packet, summed over the chain */
    double wall_s;                   /* the whole `scc run`, set-up included */
    /* the totals the per-packet ratios come from, so that bundles can be
     * summed before dividing (colocation) */
    double nf_rx, calls_tot, cs_tot, run_ns_tot, wait_ns_tot;
    /* colocation: a repetition of N bundles (N `scc run`s at once); the
     * latency fields above are then the median over the bundles of each
     * percentile (the typical bundle), the counts their sums */
    size_t nbundle;
    bool have_fair;                  /* every bundle measured latency */
    double b_p50_min, b_p50_med, b_p50_max; /* fairness: the spread of the bundles' p50 */
    double b_p99_max;                /* the worst bundle's p99 */
    double loss;                     /* (sent - received) / sent over all bundles */
    double end_spread_s;             /* last bundle's end - first's: the windows' misalignment */
};

/* The aggregate of n bundles' figures b[0..n) into *a (colocation): sums of
 * the counts and of pps; loss = 1 - received / sent; the per-packet ratios
 * as sums of the totals over the sum of the first NFs' rx (never a mean of
 * ratios: a bundle that forwarded more weighs more); the latency fields the
 * median over the bundles of each percentile; fairness min/median/max of
 * the bundles' p50 and the worst p99. a->ok only when every bundle ran;
 * have_lat / have_sched only when every bundle has them. Returns 0 or
 * -EINVAL (n == 0 or n > EXP_MAX_BUNDLES). */
#define EXP_MAX_BUNDLES 16
int exp_bundles_aggregate(const struct exp_fig *b, size_t n, struct exp_fig *a);

#define EXP_MAX_REPS 32

struct exp_point {
    char group[64]; /* "b2b, 64 B" ... points of one group are compared */
    char conf[48];
    char label[96]; /* what the point is, for people: "fused, 8 routers" */
    double x;       /* chain length, batch size, ... (the JSON's, for plotting) */
    struct json_object *spec;
    /* colocation: the bundles' specs, run at once (spec is then bspec[0]) */
    size_t nbundle;
    struct json_object *bspec[EXP_MAX_BUNDLES];
    struct exp_fig *bfig; /* [rep * nbundle + bundle] */
    size_t nrep;
    struct exp_fig rep[EXP_MAX_REPS];
    struct exp_fig med; /* medians over the repetitions that ran */
    double p50_lo, p50_hi; /* spread of the medians */
    size_t nok;
};

struct exp_sweep;

/* Set (by a SIGINT handler) to stop a sweep between runs. */
#include <signal.h>
extern volatile sig_atomic_t exp_stop_requested;

/* A sweep named `name` writing its runs under a new temporary directory.
 * Returns NULL with errno set. */
struct exp_sweep *exp_sweep_new(const char *name, int reps, bool profile);
void exp_sweep_free(struct exp_sweep *s); /* NULL ok; removes the temporary runs */
/* Add a point; the sweep owns spec (also on failure). `what` (may be NULL)
 * says what x is for people ("8 routers"): the point's label is
 * "conf, what". Returns 0, -ENOMEM. */
int exp_sweep_add(struct exp_sweep *s, const char *group, const char *conf, double x,
                  const char *what, struct json_object *spec);
/* A point of n bundles: n chain specs (distinct chain names) run at once,
 * each its own `scc run`; when one fails the others are stopped (SIGTERM:
 * their own journalled teardown). The sweep owns the specs (also on
 * failure). Returns 0, -ENOMEM, -EINVAL (n is 0 or above EXP_MAX_BUNDLES). */
int exp_sweep_add_bundles(struct exp_sweep *s, const char *group, const char *conf, double x,
                          const char *what, struct json_object **specs, size_t n);
/* The baseline point (index) is repeated at least noise_reps times so that
 * the machine's noise can be stated. */
void exp_sweep_set_noise(struct exp_sweep *s, size_t point, int noise_reps);
/* Run every point (repetitions interleaved: a noisy moment hits every
 * configuration alike), progress lines with the time left to `progress`.
 * Returns 0 when every run finished, -EIO when some failed (their points
 * say why), -EINTR on SIGINT. */
int exp_sweep_run(struct exp_sweep *s, FILE *progress);

size_t exp_sweep_npoints(const struct exp_sweep *s);
const struct exp_point *exp_sweep_point(const struct exp_sweep *s, size_t i);
/* The noise: CV of the baseline's p50 over its repetitions; false when
 * fewer than 2 repetitions ran. */
bool exp_sweep_noise(const struct exp_sweep *s, double *cv, size_t *n, size_t *point);

/* The whole sweep as JSON (schema scc-experiment/1, docs/experiments.md);
 * `extra` (owned by the caller, may be NULL) is merged at the top level.
 * Returns a new object or NULL. */
struct json_object *exp_sweep_json(const struct exp_sweep *s, struct json_object *extra);

/* ---- the page (exp_html.c) ---- */

/* The self-contained page: a box plot (p1/p25/p50/p75/p99) per point,
 * grouped; the table of medians and spreads; the noise; the `extra`
 * sections (fits, tune verdict) given as JSON. Returns 0 or -EIO. */
int exp_write_html(FILE *f, const char *title, const struct exp_sweep *s,
                   struct json_object *extra);

#endif
