/*
 * ln_report — the end-of-run report of `scc run`: text for a person (to a
 * FILE the caller gives) and JSON (schema scc-run/2) for programs.
 *
 * Windows. Every per-NF figure (packets, calls, CPU, context switches)
 * covers the measurement window: from the moment the sink counted its
 * first frame after warm-up to the end of traffic, the same window as the
 * sink's rate and latency percentiles. The accounting line covers the
 * whole run, warm-up included, so that every frame sent is accounted for.
 * A figure that could not be read is printed as "-" and written as JSON
 * null, never as 0 (perf stat's <not counted>).
 */
#ifndef LN_REPORT_H
#define LN_REPORT_H

#include <stdbool.h>
#include <stdio.h>

struct json_object;

#include "bench/traffic/tr_result.h"
#include "launcher/ln_nfctl.h"
#include "launcher/ln_topo.h"
#include "launcher/ln_traffic.h"
#include "launcher/scc_spec.h"

struct ln_report_in {
    const struct scc_chain *chain;
    const struct ln_plan *plan;
    const struct ln_placement *placement; /* NULL: no traffic tools ran */
    bool traffic;                 /* traffic was driven */
    /* Traffic results; NULL when that tool did not run here or its file
     * could not be loaded (then *_err says why). */
    const struct tr_gen_result *gen;
    const struct tr_sink_result *sink;
    const char *gen_err, *sink_err;
    const char *latency_off;      /* why one-way latency was not measured, or NULL */
    /* Per NF (indexed like chain->nfs): figures over the measurement
     * window and over the whole run. */
    const struct ln_nf_figures *window, *run;
    const char *window_kind;      /* "sink" (post-warm-up window) or why the run's is used */
    double window_s;              /* length of the window */
    /* The run's scheduling as read back before traffic (ln_sched_json),
     * written as "scheduler"; NULL: none. Not taken over. */
    struct json_object *sched;
    /* Profile mode: the profiler's section (ln_prof_report), written as
     * "profile"; NULL: none. Not taken over. */
    struct json_object *profile;
};

/* Print the report to out and write json_out (NULL: don't). Returns 0, or
 * -1 when json_out could not be written (err says why). */
int ln_report(const struct ln_report_in *in, FILE *out, const char *json_out, char *err,
              size_t errlen);

#endif
