/*
 * rep_cmp — the figures `scc report a.json b.json` puts side by side, and
 * their ratios against the first run (the way people compare a default
 * and a tuned chain). One list for every format, so text, CSV, HTML and
 * JSON compare the same things. A figure missing in a run stays missing
 * (no ratio), never 0.
 */
#include "launcher/rep.h"

#include <stdarg.h>
#include <string.h>

struct acc {
    struct rep_cmp_row *rows;
    size_t n, max;
};

static struct rep_cmp_row *row(struct acc *a, const char *unit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static struct rep_cmp_row *row(struct acc *a, const char *unit, const char *fmt, ...)
{
    if (a->n >= a->max)
        return NULL;
    struct rep_cmp_row *r = &a->rows[a->n++];
    memset(r, 0, sizeof(*r));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->label, sizeof(r->label), fmt, ap);
    va_end(ap);
    snprintf(r->unit, sizeof(r->unit), "%s", unit);
    return r;
}

static void set(struct rep_cmp_row *r, size_t k, bool have, double v)
{
    if (r && have) {
        r->have[k] = true;
        r->v[k] = v;
    }
}

/* Drop a row no run has. */
static void keep_if_any(struct acc *a, size_t nruns)
{
    if (!a->n)
        return;
    struct rep_cmp_row *r = &a->rows[a->n - 1];
    for (size_t k = 0; k < nruns; k++)
        if (r->have[k])
            return;
    a->n--;
}

size_t rep_compare(const struct rep_run *const *runs, size_t nruns, struct rep_cmp_row *rows,
                   size_t max)
{
    struct acc a = {rows, 0, max};
    if (nruns > REP_MAX_RUNS)
        nruns = REP_MAX_RUNS;
    if (!nruns)
        return 0;
    static const struct {
        const char *label;
        size_t off;
    } pct[] = {
        {"sink latency p1", offsetof(struct rep_latency, p1)},
        {"sink latency p50", offsetof(struct rep_latency, p50)},
        {"sink latency p99", offsetof(struct rep_latency, p99)},
    };
    struct rep_cmp_row *r = row(&a, "pps", "sink throughput");
    for (size_t k = 0; k < nruns; k++)
        set(r, k, runs[k]->have_sink, runs[k]->pps);
    keep_if_any(&a, nruns);
    for (size_t p = 0; p < sizeof(pct) / sizeof(pct[0]); p++) {
        r = row(&a, "ns", "%s", pct[p].label);
        for (size_t k = 0; k < nruns; k++)
            set(r, k, runs[k]->lat.have,
                *(const double *)((const char *)&runs[k]->lat + pct[p].off));
        keep_if_any(&a, nruns);
    }
    r = row(&a, "ns/pkt", "chain: model total (available terms)");
    for (size_t k = 0; k < nruns; k++)
        set(r, k, runs[k]->have_profile, runs[k]->chain_res.total_ns_per_pkt);
    keep_if_any(&a, nruns);
    r = row(&a, "ns/pkt", "chain: cpu time");
    for (size_t k = 0; k < nruns; k++)
        set(r, k, runs[k]->have_profile && runs[k]->chain_res.run_ns_per_pkt.available,
            runs[k]->chain_res.run_ns_per_pkt.v);
    keep_if_any(&a, nruns);
    r = row(&a, "ns/pkt", "chain: run-queue wait");
    for (size_t k = 0; k < nruns; k++)
        set(r, k, runs[k]->have_profile && runs[k]->chain_res.wait_ns_per_pkt.available,
            runs[k]->chain_res.wait_ns_per_pkt.v);
    keep_if_any(&a, nruns);
    r = row(&a, "", "chain: Wait/RunTime");
    for (size_t k = 0; k < nruns; k++)
        set(r, k, runs[k]->have_profile && runs[k]->chain_res.wait_over_run.available,
            runs[k]->chain_res.wait_over_run.v);
    keep_if_any(&a, nruns);
    for (size_t i = 0; i < runs[0]->n; i++) {
        const char *name = runs[0]->nf[i].name;
        r = row(&a, "ns/pkt", "%s: cpu time", name);
        for (size_t k = 0; k < nruns; k++) {
            const struct rep_nf *nf = rep_run_nf(runs[k], name);
            set(r, k, nf && nf->have_cpu_pp, nf ? nf->cpu_ns_per_pkt : 0);
        }
        keep_if_any(&a, nruns);
        r = row(&a, "", "%s: Wait/RunTime", name);
        for (size_t k = 0; k < nruns; k++) {
            const struct rep_nf *nf = rep_run_nf(runs[k], name);
            set(r, k, nf && nf->have_wait_per_run, nf ? nf->wait_per_run : 0);
        }
        keep_if_any(&a, nruns);
        r = row(&a, "ns/pkt", "%s: model total", name);
        for (size_t k = 0; k < nruns; k++) {
            const struct prof_nf_result *x = rep_run_result(runs[k], name);
            set(r, k, x != NULL, x ? x->total_ns_per_pkt : 0);
        }
        keep_if_any(&a, nruns);
    }
    return a.n;
}

bool rep_cmp_ratio(const struct rep_cmp_row *r, size_t k, double *ratio)
{
    if (k >= REP_MAX_RUNS || !r->have[0] || !r->have[k] || r->v[0] == 0)
        return false;
    *ratio = r->v[k] / r->v[0];
    return true;
}
