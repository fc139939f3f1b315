/*
 * ln_nfctl — what the launcher knows about running NFs and traffic tools:
 * the stats-page name of an NF, whether it is ready, a sample of its
 * counters (its stats page plus the kernel's view from /proc), the
 * command-line arguments for `scc gen` / `scc sink` at a stage, and the
 * end-of-run report (text on stdout, JSON schema scc-run/1 on request).
 */
#ifndef LN_NFCTL_H
#define LN_NFCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "launcher/ln_topo.h"
#include "launcher/scc_spec.h"

#define LN_MAX_ELEM_DROPS 32

struct ln_nf_sample {
    bool have_proc;           /* /proc figures below are valid */
    uint64_t run_ns, wait_ns, slices;   /* /proc/PID/schedstat */
    uint64_t vol_cs, invol_cs;          /* /proc/PID/status */
    bool have_stats;          /* the NF's stats page was readable */
    uint64_t rx, tx, rx_bytes, tx_bytes, batches, rx_calls, tx_calls;
    uint64_t drops;           /* every drop the NF counted (elements + I/O) */
    uint64_t kernel_drops;    /* dropped by the kernel on the NF's receive queue */
    int ndrops;
    char drop_name[LN_MAX_ELEM_DROPS][64];   /* "element: reason" */
    uint64_t drop_count[LN_MAX_ELEM_DROPS];
};

/* Stats-page name for an NF of a run (unique per chain/host and NF). */
const char *ln_nf_stats_name(const char *state_name, const char *nf_name);
/* Has the NF published its ready flag? */
bool ln_nf_ready(const char *stats_name);
/* Read the stats page and /proc for pid (0 = stats only). */
void ln_nf_sample(const char *stats_name, pid_t pid, struct ln_nf_sample *out);

/* Append `scc gen`/`scc sink` options for a stage to argv (at *argc, at
 * most max entries); strings are formatted into store. */
void ln_traffic_args(const struct scc_chain *ch, const struct ln_stage *st, bool gen,
                     const char *json_path, const char **argv, int *argc, int max, char *store,
                     size_t storelen);

/* Print the run's results and write json_out (NULL: don't). gen/sink JSON
 * paths may be NULL (no traffic). Returns 0 or -1. */
int ln_report(const struct scc_chain *ch, const struct ln_plan *plan, const char *gen_json,
              const char *sink_json, const struct ln_nf_sample *before,
              const struct ln_nf_sample *after, const char *json_out);

#endif
