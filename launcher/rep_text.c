/*
 * rep_text — a saved run as text: the run's header, the sink, one row per
 * NF (as `scc run` prints it: "-" where a figure was not measured), then,
 * for a profiled run, the profiler's table rendered by prof_text from the
 * results read back (the same code `scc run --profile` prints with).
 * Several runs: each in turn, then the comparison with ratios.
 */
#include "launcher/rep.h"

#include <errno.h>
#include <inttypes.h>

#include "profiler/prof_text.h"

static void sink_text(FILE *f, const struct rep_run *r)
{
    if (!r->have_traffic) {
        fprintf(f, "traffic: none (the run drove no traffic)\n");
        return;
    }
    if (!r->have_sink) {
        fprintf(f, "traffic: sink: no results\n");
        return;
    }
    fprintf(f, "traffic: sink %.0f pps, %.4f Gb/s; lost %" PRIu64 ", reordered %" PRIu64 "\n",
            r->pps, r->gbps, r->lost, r->reordered);
    const struct rep_latency *l = &r->lat;
    if (l->have)
        fprintf(f, "  latency (us): p1 %.1f p25 %.1f p50 %.1f p75 %.1f p99 %.1f\n", l->p1 / 1e3,
                l->p25 / 1e3, l->p50 / 1e3, l->p75 / 1e3, l->p99 / 1e3);
    else
        fprintf(f, "  latency: not measured (%s)\n", l->reason);
}

static void nf_rows(FILE *f, const struct rep_run *r)
{
    fprintf(f, "\n  %-12s %-6s %-16s %10s %10s %9s %10s %10s\n", "nf", "cpu", "policy", "rx", "tx",
            "drops", "cpu-ns/pkt", "wait/run");
    for (size_t i = 0; i < r->n; i++) {
        const struct rep_nf *n = &r->nf[i];
        char rx[24] = "-", tx[24] = "-", dr[24] = "-", cpu[24] = "-", wr[24] = "-";
        if (n->have_stats) {
            snprintf(rx, sizeof(rx), "%" PRIu64, n->rx);
            snprintf(tx, sizeof(tx), "%" PRIu64, n->tx);
            snprintf(dr, sizeof(dr), "%" PRIu64, n->drops);
        }
        if (n->have_cpu_pp)
            snprintf(cpu, sizeof(cpu), "%.0f", n->cpu_ns_per_pkt);
        if (n->have_wait_per_run)
            snprintf(wr, sizeof(wr), "%.3f", n->wait_per_run);
        fprintf(f, "  %-12s %-6s %-16s %10s %10s %9s %10s %10s\n", n->name, n->cpu,
                n->policy[0] ? n->policy : "-", rx, tx, dr, cpu, wr);
    }
}

static void profile_text(FILE *f, const struct rep_run *r)
{
    fprintf(f, "\nprofile\n");
    if (r->cal_available)
        fprintf(f, "  calibration: %s (%s, %s)\n", r->cal_path, r->cal_created, r->cal_cpu);
    else
        fprintf(f, "  calibration: none — %s\n", r->cal_reason);
    if (!r->pmu_available)
        fprintf(f, "  hardware counters: unavailable — %s\n", r->pmu_reason);
    prof_text_write_results(f, r->res, r->nres, &r->chain_res);
    const struct prof_nf_result *ch = &r->chain_res;
    if (r->model_vs_sink[0] && r->lat.have)
        fprintf(f, "  model total %.0f ns/packet vs sink latency p1 %.0f / p50 %.0f / p99 %.0f "
                   "ns: %s%s%s\n",
                ch->total_ns_per_pkt, r->lat.p1, r->lat.p50, r->lat.p99, r->model_vs_sink,
                r->sink_note[0] ? " — " : "", r->sink_note);
    else
        fprintf(f, "  model total vs sink latency: not compared (%s)\n",
                r->sink_note[0] ? r->sink_note : r->lat.reason);
}

static void one(FILE *f, const struct rep_run *r)
{
    fprintf(f, "run %s: chain %s, mode %s, %s interconnect, %s transport, batch %ld", r->path,
            r->chain, r->mode, r->interconnect, r->transport, r->batch);
    if (r->window_s > 0)
        fprintf(f, "; window %.2f s (%s)", r->window_s, r->window_kind);
    fputc('\n', f);
    sink_text(f, r);
    nf_rows(f, r);
    if (r->have_profile)
        profile_text(f, r);
    else
        fprintf(f, "\nprofile: none in this run file (`scc run CHAIN --profile --json FILE` "
                   "records the per-packet model)\n");
}

int rep_write_text(FILE *f, const struct rep_run *const *runs, size_t nruns)
{
    for (size_t k = 0; k < nruns; k++) {
        if (nruns > 1)
            fprintf(f, "%s== run %zu of %zu\n", k ? "\n" : "", k + 1, nruns);
        one(f, runs[k]);
    }
    if (nruns > 1) {
        struct rep_cmp_row rows[REP_CMP_MAX];
        size_t n = rep_compare(runs, nruns, rows, REP_CMP_MAX);
        fprintf(f, "\n== comparison (ratio = run N / run 1; - where a run lacks the figure)\n\n");
        fprintf(f, "  %-48s", "figure");
        for (size_t k = 0; k < nruns; k++)
            fprintf(f, " %12s%zu", "run ", k + 1);
        for (size_t k = 1; k < nruns; k++)
            fprintf(f, "  %8s%zu", "ratio ", k + 1);
        fputc('\n', f);
        for (size_t i = 0; i < n; i++) {
            const struct rep_cmp_row *x = &rows[i];
            int w = fprintf(f, "  %s%s%s%s", x->label, x->unit[0] ? " (" : "", x->unit,
                            x->unit[0] ? ")" : "");
            fprintf(f, "%*s", w < 50 ? 50 - w : 0, "");
            for (size_t k = 0; k < nruns; k++) {
                if (rows[i].have[k])
                    fprintf(f, " %13.3f", rows[i].v[k]);
                else
                    fprintf(f, " %13s", "-");
            }
            for (size_t k = 1; k < nruns; k++) {
                double q;
                if (rep_cmp_ratio(&rows[i], k, &q))
                    fprintf(f, "  %8.3fx", q);
                else
                    fprintf(f, "  %9s", "-");
            }
            fputc('\n', f);
        }
    }
    if (fflush(f) != 0 || ferror(f))
        return -EIO;
    return 0;
}
