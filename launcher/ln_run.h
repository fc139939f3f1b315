/*
 * ln_run — one run of a chain: plan, topology, NFs, traffic, report, and
 * always the teardown. `scc run` (cmd_run.c) parses the command line and
 * hands the loaded, overridden chain here.
 */
#ifndef LN_RUN_H
#define LN_RUN_H

#include <stdbool.h>

#include "launcher/scc_spec.h"

struct ln_run_opts {
    const char *host;      /* start only this host's part (NULL: the chain's only host) */
    const char *json_out;  /* write the scc-run/2 results here (NULL: don't) */
    double duration;       /* runtime mode without traffic: 0 = until signalled */
    bool no_traffic;       /* deploy only, even when the chain has a traffic block */
};

/* Run ch (not taken over) as o says; under ln_dry_run print the plan and
 * every command instead. Messages go to the log and stderr, the report to
 * stdout. Returns the exit status of `scc run`: 0, 1 (runtime failure),
 * 2 (invalid input), 130 (stopped by a signal after a partial run). */
int ln_run(struct scc_chain *ch, const struct ln_run_opts *o);

#endif
