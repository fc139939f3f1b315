/*
 * rep_csv — a saved run as CSV (RFC 4180: quoted where needed, CRLF-free),
 * for a spreadsheet or pandas as is. One header (REP_CSV_HEADER), then
 * one row per NF per figure:
 *
 *   run        1-based index of the run file on the command line
 *   file       its path
 *   chain      the chain's name
 *   nf         the NF's name, "chain" (the sum over the NFs), or "" (sink)
 *   kind       term (a model term L_D1..L_SC), total (the model's sum),
 *              figure (a derived per-packet figure of the profiler),
 *              nf (the launcher's NF counters), sink (the sink's figures),
 *              ratio (several runs: this run's figure / run 1's)
 *   name       the term, figure or counter
 *   available  true / false: false rows have an empty value and a reason,
 *              never 0
 *   value      the figure (ns per packet for terms and totals)
 *   unit       ns/pkt, events/pkt, ratio, pps, ns, packets ...
 *   events_per_packet, cost_ns, scaled, counted_ratio   terms only
 *   reason     why unavailable; for an available term, its caveat
 *
 * The columns are documented in docs/reports.md and only ever appended to.
 */
#include "launcher/rep.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "profiler/prof_events.h"

static void field(FILE *f, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")]) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

struct row {
    const char *nf, *kind, *name, *unit, *reason;
    bool available;
    double value;
    bool term;                /* the term columns are filled */
    double epp, cost, counted;
    bool scaled;
};

static void put(FILE *f, size_t k, const struct rep_run *r, const struct row *x)
{
    fprintf(f, "%zu,", k + 1);
    field(f, r->path);
    fputc(',', f);
    field(f, r->chain);
    fputc(',', f);
    field(f, x->nf);
    fprintf(f, ",%s,", x->kind);
    field(f, x->name);
    fprintf(f, ",%s,", x->available ? "true" : "false");
    if (x->available)
        fprintf(f, "%.9g", x->value);
    fprintf(f, ",%s,", x->unit);
    if (x->term && x->available)
        fprintf(f, "%.9g,%.9g,%s,%.6g", x->epp, x->cost, x->scaled ? "true" : "false",
                x->counted);
    else
        fputs(",,,", f);
    fputc(',', f);
    field(f, x->reason ? x->reason : "");
    fputc('\n', f);
}

static void fig(FILE *f, size_t k, const struct rep_run *r, const char *nf, const char *name,
                const struct prof_figure *x, const char *unit)
{
    put(f, k, r,
        &(struct row){.nf = nf, .kind = "figure", .name = name, .unit = unit,
                      .available = x->available, .value = x->v,
                      .reason = x->available ? "" : x->reason});
}

static void result_rows(FILE *f, size_t k, const struct rep_run *r, const struct prof_nf_result *x)
{
    for (int t = 0; t < PROF_NTERMS; t++) {
        const struct prof_term_val *v = &x->term[t];
        put(f, k, r,
            &(struct row){.nf = x->name, .kind = "term", .name = prof_term_names[t],
                          .unit = "ns/pkt", .available = v->available, .value = v->ns_per_pkt,
                          .term = true, .epp = v->events_per_pkt, .cost = v->cost_ns,
                          .scaled = v->scaled, .counted = v->counted_ratio, .reason = v->reason});
    }
    char lacks[64], why[96] = "";
    prof_model_lacking_str(x->lacking, lacks, sizeof(lacks));
    if (x->lacking)
        snprintf(why, sizeof(why), "lacks %s: not in the sum", lacks);
    put(f, k, r,
        &(struct row){.nf = x->name, .kind = "total", .name = "total", .unit = "ns/pkt",
                      .available = true, .value = x->total_ns_per_pkt, .reason = why});
    fig(f, k, r, x->name, "run_ns_per_packet", &x->run_ns_per_pkt, "ns/pkt");
    fig(f, k, r, x->name, "user_ns_per_packet", &x->user_ns_per_pkt, "ns/pkt");
    fig(f, k, r, x->name, "sys_ns_per_packet", &x->sys_ns_per_pkt, "ns/pkt");
    fig(f, k, r, x->name, "wait_ns_per_packet", &x->wait_ns_per_pkt, "ns/pkt");
    fig(f, k, r, x->name, "blocked_ns_per_packet", &x->blocked_ns_per_pkt, "ns/pkt");
    fig(f, k, r, x->name, "wait_over_run", &x->wait_over_run, "ratio");
    fig(f, k, r, x->name, "contention_over_run", &x->contention_over_run, "ratio");
    fig(f, k, r, x->name, "switches_per_packet", &x->switches_per_pkt, "events/pkt");
    fig(f, k, r, x->name, "syscalls_per_packet", &x->syscalls_per_pkt, "events/pkt");
    fig(f, k, r, x->name, "measured_cpu_ns_per_packet", &x->measured_cpu_per_pkt, "ns/pkt");
}

static void nf_rows(FILE *f, size_t k, const struct rep_run *r, const struct rep_nf *n)
{
    static const char *const stats_why = "the NF's stats page was not read over the window";
    static const char *const sched_why = "/proc was not sampled over the window";
    const struct {
        const char *name, *unit;
        bool ok;
        double v;
        const char *why;
    } c[] = {
        {"rx", "packets", n->have_stats, (double)n->rx, stats_why},
        {"tx", "packets", n->have_stats, (double)n->tx, stats_why},
        {"drops", "packets", n->have_stats, (double)n->drops, stats_why},
        {"cpu_ns_per_packet", "ns/pkt", n->have_cpu_pp, n->cpu_ns_per_pkt,
         n->have_sched ? "no packets, or no stats page, over the window" : sched_why},
        {"wait_per_run", "ratio", n->have_wait_per_run, n->wait_per_run,
         n->have_sched ? "no run time over the window" : sched_why},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
        put(f, k, r,
            &(struct row){.nf = n->name, .kind = "nf", .name = c[i].name, .unit = c[i].unit,
                          .available = c[i].ok, .value = c[i].v,
                          .reason = c[i].ok ? "" : c[i].why});
}

static void sink_rows(FILE *f, size_t k, const struct rep_run *r)
{
    const char *why = !r->have_traffic ? "the run drove no traffic" : "no sink results";
    put(f, k, r,
        &(struct row){.nf = "", .kind = "sink", .name = "pps", .unit = "pps",
                      .available = r->have_sink, .value = r->pps,
                      .reason = r->have_sink ? "" : why});
    const struct rep_latency *l = &r->lat;
    const struct {
        const char *name;
        double v;
    } p[] = {{"latency_p1", l->p1},   {"latency_p25", l->p25}, {"latency_p50", l->p50},
             {"latency_p75", l->p75}, {"latency_p99", l->p99}};
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
        put(f, k, r,
            &(struct row){.nf = "", .kind = "sink", .name = p[i].name, .unit = "ns",
                          .available = l->have, .value = p[i].v,
                          .reason = l->have ? "" : l->reason});
}

int rep_write_csv(FILE *f, const struct rep_run *const *runs, size_t nruns)
{
    fputs(REP_CSV_HEADER "\n", f);
    for (size_t k = 0; k < nruns; k++) {
        const struct rep_run *r = runs[k];
        sink_rows(f, k, r);
        for (size_t i = 0; i < r->n; i++)
            nf_rows(f, k, r, &r->nf[i]);
        for (size_t i = 0; i < r->nres; i++)
            result_rows(f, k, r, &r->res[i]);
        if (r->have_profile)
            result_rows(f, k, r, &r->chain_res);
    }
    if (nruns > 1) {
        struct rep_cmp_row rows[REP_CMP_MAX];
        size_t n = rep_compare(runs, nruns, rows, REP_CMP_MAX);
        for (size_t k = 1; k < nruns; k++)
            for (size_t i = 0; i < n; i++) {
                double x = 0;
                bool ok = rep_cmp_ratio(&rows[i], k, &x);
                put(f, k, runs[k],
                    &(struct row){.nf = "", .kind = "ratio", .name = rows[i].label,
                                  .unit = "ratio", .available = ok, .value = x,
                                  .reason = ok ? "" : "a run lacks this figure (or run 1's is 0)"});
            }
    }
    if (fflush(f) != 0 || ferror(f))
        return -EIO;
    return 0;
}
