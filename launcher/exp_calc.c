/*
 * exp_calc — the pure parts of the experiments: statistics over the
 * repetitions (median, coefficient of variation), the least-squares line
 * of median latency against chain length (the paper's per-NF cost and
 * intercept, Tables 5 and 8), and the chain specs the sweeps measure.
 * No I/O; unit-tested in tests/unit/launcher/test_exp.c.
 */
#include "launcher/exp.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double exp_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int exp_cv(const double *v, size_t n, double *cv)
{
    if (n < 2)
        return -EINVAL;
    double mean = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        mean += v[i];
    mean /= (double)n;
    if (mean == 0)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    /* sample standard deviation (n - 1): the repetitions are a sample of
     * the machine's behaviour, not all of it */
    *cv = sqrt(ss / (double)(n - 1)) / fabs(mean);
    return 0;
}

int exp_linfit(const double *x, const double *y, size_t n, struct exp_fit *fit)
{
    if (n < 2)
        return -EINVAL;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0, sxy = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx == 0)
        return -EINVAL;
    fit->slope = sxy / sxx;
    fit->intercept = my - fit->slope * mx;
    /* r2 = explained / total; a flat y (syy 0) lies on the line exactly */
    fit->r2 = syy == 0 ? 1.0 : (sxy * sxy) / (sxx * syy);
    fit->n = n;
    return 0;
}

/* The paper's chain-length configurations (Fig. 9/10): default CFS,
 * batch CFS with a long slice, that plus I/O batching, SCC's chain-order
 * with batching, and fusion (ours, for scale). */
static const struct exp_conf chain_confs[] = {
    {.name = "default", .batch = 1, .policy = "other", .slice_ms = -1, .mode = "pinned"},
    {.name = "chain-order+b32", .batch = 32, .policy = "other", .slice_ms = -1,
     .mode = "chain-order"},
    {.name = "batch+slice", .batch = 1, .policy = "batch", .slice_ms = 100, .mode = "pinned"},
    {.name = "batch+slice+b32", .batch = 32, .policy = "batch", .slice_ms = 100,
     .mode = "pinned"},
    {.name = "fused", .batch = 32, .policy = "other", .slice_ms = -1, .mode = "fused"},
};

size_t exp_chain_length_confs(bool quick, const struct exp_conf **out)
{
    *out = chain_confs;
    return quick ? 2 : sizeof(chain_confs) / sizeof(chain_confs[0]);
}

/* colocation's configurations. Chain-order is left out: it orders the NFs
 * of one chain, and independent bundles have no order between them;
 * fusion has nothing to fuse in a one-NF bundle; `rr`/`fifo` on a core
 * shared by N NFs would let one busy NF starve the others (no fairness to
 * measure, and a block-idle NF that never blocks holds the core). */
static const struct exp_conf coloc_confs[] = {
    {.name = "default", .batch = 1, .policy = "other", .slice_ms = -1, .mode = "pinned"},
    {.name = "batch+slice100, batch 32", .batch = 32, .policy = "batch", .slice_ms = 100,
     .mode = "pinned"},
    {.name = "batch+slice100", .batch = 1, .policy = "batch", .slice_ms = 100, .mode = "pinned"},
    {.name = "other, batch 32", .batch = 32, .policy = "other", .slice_ms = -1, .mode = "pinned"},
};

size_t exp_colocation_confs(bool quick, const struct exp_conf **out)
{
    *out = coloc_confs;
    return quick ? 2 : sizeof(coloc_confs) / sizeof(coloc_confs[0]);
}

size_t exp_tune_confs(bool quick, int ncpu, size_t nnf, struct exp_conf *out, size_t max)
{
    size_t k = 0;
#define ADD(...)                                                                              \
    do {                                                                                      \
        if (k < max)                                                                          \
            out[k++] = (struct exp_conf){__VA_ARGS__};                                        \
    } while (0)
    ADD(.name = "as given", .slice_ms = -1);
    ADD(.name = "chain-order+b32", .batch = 32, .policy = "other", .slice_ms = -1,
        .mode = "chain-order", .one_core = true);
    if (nnf > 1)
        ADD(.name = "fused+b32", .batch = 32, .policy = "other", .slice_ms = -1,
            .mode = "fused", .one_core = true);
    ADD(.name = "batch 1", .batch = 1, .slice_ms = -1);
    if (quick)
        return k;
    ADD(.name = "batch 4", .batch = 4, .slice_ms = -1);
    ADD(.name = "batch 256", .batch = 256, .slice_ms = -1);
    ADD(.name = "batch+slice100", .policy = "batch", .slice_ms = 100, .mode = "pinned");
    ADD(.name = "batch+slice100+b32", .batch = 32, .policy = "batch", .slice_ms = 100,
        .mode = "pinned");
    ADD(.name = "one core", .slice_ms = -1, .one_core = true);
    if (nnf > 1)
        ADD(.name = "fused+b256", .batch = 256, .policy = "other", .slice_ms = -1,
            .mode = "fused", .one_core = true);
    /* a core per NF (core 0 left to the traffic tools), and there a
     * spinning NF (docs/chain-spec.md: never on a shared core): only when
     * they all fit */
    if ((size_t)ncpu >= nnf + 1 && nnf > 1)
        ADD(.name = "core per NF", .slice_ms = -1, .spread = true);
    if ((size_t)ncpu >= nnf + 1)
        ADD(.name = "core per NF, busy idle", .idle = "busy", .slice_ms = -1, .spread = true);
#undef ADD
    return k;
}

static struct json_object *sub(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object)) {
        v = json_object_new_object();
        json_object_object_add(o, key, v);
    }
    return v;
}

int exp_conf_apply(struct json_object *spec, const struct exp_conf *c, int last_cpu)
{
    struct json_object *nfs;
    if (!json_object_is_type(spec, json_type_object) ||
        !json_object_object_get_ex(spec, "nfs", &nfs) || !json_object_is_type(nfs, json_type_array))
        return -EINVAL;
    if (c->batch > 0 || c->idle) {
        struct json_object *io = sub(spec, "io");
        if (c->batch > 0)
            json_object_object_add(io, "batch", json_object_new_int(c->batch));
        if (c->idle)
            json_object_object_add(io, "idle", json_object_new_string(c->idle));
    }
    if (c->policy || c->slice_ms >= 0 || c->mode) {
        struct json_object *sc = sub(spec, "scheduler");
        if (c->policy) {
            json_object_object_add(sc, "policy", json_object_new_string(c->policy));
            /* nice / rt_priority belong to the policy they were written for */
            json_object_object_del(sc, "rt_priority");
            json_object_object_del(sc, "nice");
            for (size_t i = 0; i < json_object_array_length(nfs); i++)
                json_object_object_del(json_object_array_get_idx(nfs, i), "sched");
        }
        if (c->slice_ms >= 0)
            json_object_object_add(sc, "slice_ms", json_object_new_double(c->slice_ms));
        if (c->mode)
            json_object_object_add(sc, "mode", json_object_new_string(c->mode));
    }
    if (c->spread && json_object_array_length(nfs) > (size_t)last_cpu)
        return -EINVAL;
    for (size_t i = 0; (c->one_core || c->spread) && i < json_object_array_length(nfs); i++)
        json_object_object_add(json_object_array_get_idx(nfs, i), "cpu",
                               json_object_new_int(c->spread ? 1 + (int)i : last_cpu));
    return 0;
}

struct json_object *exp_spec_routers(const char *name, int n, int cpu, const char *interconnect,
                                     const char *transport, const struct exp_traffic *t)
{
    if (n < 1) {
        errno = EINVAL;
        return NULL;
    }
    struct json_object *s = json_object_new_object();
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    json_object_object_add(s, "name", json_object_new_string(name));
    struct json_object *io = json_object_new_object();
    json_object_object_add(io, "transport", json_object_new_string(transport));
    json_object_object_add(io, "batch", json_object_new_int(1));
    json_object_object_add(io, "idle", json_object_new_string("block"));
    json_object_object_add(s, "io", io);
    json_object_object_add(s, "interconnect", json_object_new_string(interconnect));
    struct json_object *nfs = json_object_new_array();
    for (int i = 0; i < n; i++) {
        char nm[16];
        snprintf(nm, sizeof(nm), "r%d", i + 1);
        struct json_object *nf = json_object_new_object();
        json_object_object_add(nf, "name", json_object_new_string(nm));
        json_object_object_add(nf, "type", json_object_new_string("router"));
        struct json_object *route = json_object_new_object();
        json_object_object_add(route, "prefix", json_object_new_string("0.0.0.0/0"));
        struct json_object *routes = json_object_new_array();
        json_object_array_add(routes, route);
        struct json_object *cfg = json_object_new_object();
        json_object_object_add(cfg, "routes", routes);
        json_object_object_add(nf, "config", cfg);
        json_object_object_add(nf, "cpu", json_object_new_int(cpu));
        json_object_array_add(nfs, nf);
    }
    json_object_object_add(s, "nfs", nfs);
    /* measure the chain, not the tools: both on one core, the generator
     * sleeping between single-frame bursts, the sink reading up to 32
     * (bench/sched_bench.sh's placement) */
    struct json_object *tr = json_object_new_object();
    json_object_object_add(tr, "rate_pps", json_object_new_int64(t->rate_pps));
    json_object_object_add(tr, "size", json_object_new_int(t->size));
    json_object_object_add(tr, "duration_s", json_object_new_double(t->duration_s));
    json_object_object_add(tr, "warmup_s", json_object_new_double(t->warmup_s));
    json_object_object_add(tr, "flows", json_object_new_int(4));
    if (t->gen_cpu >= 0)
        json_object_object_add(tr, "gen_cpu", json_object_new_int(t->gen_cpu));
    if (t->sink_cpu >= 0)
        json_object_object_add(tr, "sink_cpu", json_object_new_int(t->sink_cpu));
    json_object_object_add(tr, "gen_spin_us", json_object_new_int(0));
    json_object_object_add(tr, "gen_batch", json_object_new_int(1));
    json_object_object_add(tr, "sink_batch", json_object_new_int(32));
    json_object_object_add(s, "traffic", tr);
    return s;
}

int exp_bundles_aggregate(const struct exp_fig *b, size_t n, struct exp_fig *a)
{
    if (n == 0 || n > EXP_MAX_BUNDLES)
        return -EINVAL;
    memset(a, 0, sizeof(*a));
    a->nbundle = n;
    a->ok = a->have_lat = a->have_sched = a->have_unacc = true;
    double v[5][EXP_MAX_BUNDLES], p50[EXP_MAX_BUNDLES], p99max = -INFINITY, wall = 0;
    for (size_t i = 0; i < n; i++) {
        const struct exp_fig *f = &b[i];
        if (!f->ok) {
            /* the first failed bundle says why the repetition failed */
            if (a->ok)
                snprintf(a->err, sizeof(a->err), "bundle %zu: %.200s", i + 1, f->err);
            a->ok = false;
            continue;
        }
        a->sent += f->sent;
        a->received += f->received;
        a->dropped += f->dropped;
        a->pps += f->pps;
        a->unaccounted += f->unaccounted;
        a->have_unacc &= f->have_unacc;
        a->have_lat &= f->have_lat;
        a->have_sched &= f->have_sched;
        a->nf_rx += f->nf_rx;
        a->calls_tot += f->calls_tot;
        a->cs_tot += f->cs_tot;
        a->run_ns_tot += f->run_ns_tot;
        a->wait_ns_tot += f->wait_ns_tot;
        wall = fmax(wall, f->wall_s);
        if (f->have_lat) {
            v[0][i] = f->p1;
            v[1][i] = f->p25;
            v[2][i] = f->p50;
            v[3][i] = f->p75;
            v[4][i] = f->p99;
            p50[i] = f->p50;
            p99max = fmax(p99max, f->p99);
        }
    }
    a->wall_s = wall;
    if (!a->ok) {
        /* a repetition with a failed bundle is no measurement of N bundles */
        a->have_lat = a->have_sched = a->have_unacc = false;
        return 0;
    }
    a->loss = a->sent > 0 ? (a->sent - a->received) / a->sent : NAN;
    if (a->have_lat) {
        double *pc[] = {&a->p1, &a->p25, &a->p50, &a->p75, &a->p99};
        for (size_t k = 0; k < 5; k++)
            *pc[k] = exp_median(v[k], n);
        a->iqr = a->p75 - a->p25;
        a->have_fair = true;
        a->b_p50_med = exp_median(p50, n); /* sorts p50 */
        a->b_p50_min = p50[0];
        a->b_p50_max = p50[n - 1];
        a->b_p99_max = p99max;
    }
    if (a->have_sched && a->nf_rx > 0 && a->run_ns_tot > 0) {
        a->syscalls_pp = a->calls_tot / a->nf_rx;
        a->cs_pp = a->cs_tot / a->nf_rx;
        a->cpu_pp = a->run_ns_tot / a->nf_rx;
        a->wait_over_run = a->wait_ns_tot / a->run_ns_tot;
    } else {
        a->have_sched = false;
    }
    return 0;
}

/* The zero-loss search: the highest of `trials` probes between lo and hi
 * that delivered everything at the rate asked. The ceiling is tried first:
 * lossless there, the answer is "at least hi" (*ceiling) in one trial.
 * Returns the rate, 0 when no probe was lossless (below lo). */
long exp_zero_loss_search(long lo, long hi, int trials, bool *ceiling,
                          int (*probe)(const void *arg, long rate, bool *ok), const void *arg)
{
    bool ok = false, any = false;
    *ceiling = false;
    if (probe(arg, hi, &ok) < 0)
        return 0;
    if (ok) {
        *ceiling = true;
        return hi;
    }
    for (int k = 1; k < trials; k++) {
        long mid = (lo + hi) / 2;
        if (probe(arg, mid, &ok) < 0)
            break; /* interrupted or failed: the best so far */
        any |= ok;
        if (ok)
            lo = mid;
        else
            hi = mid;
    }
    return any ? lo : 0;
}
