/*
 * rep — `scc report`: a saved run file (scc-run/2, what `scc run --json`
 * writes; docs/launcher.md, docs/schema/scc-run.schema.json) read back
 * offline and rendered as text, CSV, a self-contained HTML page, or
 * normalised JSON; several run files side by side with ratios against
 * the first (docs/reports.md).
 *
 * One job per file: rep_load.c reads a run file into struct rep_run (and
 * the profiler's results back into struct prof_nf_result, so the text
 * table is prof_text's own code), rep_cmp.c the comparison rows,
 * rep_text.c, rep_csv.c, rep_html.c and rep_json.c the formats,
 * cmd_report.c the command line. Library code: writes only to the
 * caller's FILE, never prints on its own.
 */
#ifndef REP_H
#define REP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profiler/prof_model.h"

#define REP_MAX_RUNS 8
#define REP_TEXT_MAX 512

/* An NF as the run file's top level shows it (the launcher's figures). */
#define REP_NAME_MAX 40 /* a spec name is 1..32 characters */

struct rep_nf {
    char name[REP_NAME_MAX];
    char cpu[32];                 /* "1", "0-1", "any" */
    char policy[64];              /* "other nice 0", "fifo prio 50"; "" when not in the file */
    int fused_head;               /* 1 + index of its fused group's first NF; 0: own process */
    bool have_stats;              /* the stats page was read over the window */
    uint64_t rx, tx, drops, batches, rx_calls, tx_calls;
    bool have_sched;              /* /proc schedstat over the window */
    uint64_t run_ns, wait_ns, vol_cs, invol_cs;
    bool have_cpu_pp;             /* cpu ns per packet (needs stats too) */
    double cpu_ns_per_pkt;
    bool have_wait_per_run;
    double wait_per_run;
};

/* The sink's latency percentiles (ns) over the window. */
struct rep_latency {
    bool have;
    double min, p1, p25, p50, p75, p99, p999, max;
    char reason[REP_TEXT_MAX];    /* why not, when !have */
};

struct rep_run {
    char path[512];
    struct json_object *root;     /* the file as read (owned) */
    char schema[32];
    char chain[64], mode[16], interconnect[16], transport[16];
    long batch;
    double window_s;
    char window_kind[16];

    size_t n;                     /* NFs, chain order */
    struct rep_nf *nf;

    bool have_traffic;
    bool have_sent, have_received;
    uint64_t sent, received;
    bool have_sink;
    double pps, gbps;
    uint64_t lost, reordered;
    struct rep_latency lat;

    /* "profile" (scc run --profile / scc profile): the model's results */
    bool have_profile;
    size_t nres;                  /* == number of profiled targets */
    struct prof_nf_result *res;
    struct prof_nf_result chain_res;
    bool term_ratio_derived;      /* per-term counted share derived from the counters */
    char cpu_model[256], kernel[256];
    bool pmu_available;
    char pmu_reason[REP_TEXT_MAX];
    char event_table[32];
    char vendor_limits[REP_TEXT_MAX];
    bool cal_available;
    char cal_path[1024], cal_created[64], cal_cpu[256];
    char cal_reason[REP_TEXT_MAX];
    char model_vs_sink[16];       /* "below" | "within" | "above" | "" (not compared) */
    char sink_note[640];
};

/* Read a run file. Returns NULL with errno set (ENOENT, EINVAL: not a run
 * file or a field of the wrong type, ENOTSUP: a schema this scc does not
 * read — scc-run/1) and err saying which file, which JSON path and what
 * to do. */
struct rep_run *rep_run_load(const char *path, char *err, size_t errlen);
/* The same from JSON text (tests, fuzzing); `name` stands for the path. */
struct rep_run *rep_run_load_string(const char *json, const char *name, char *err, size_t errlen);
void rep_run_free(struct rep_run *r); /* NULL ok */

/* The NF of run r named `name`, or NULL. */
const struct rep_nf *rep_run_nf(const struct rep_run *r, const char *name);
/* The model's result of NF `name` in run r, or NULL (no profile, or not profiled). */
const struct prof_nf_result *rep_run_result(const struct rep_run *r, const char *name);

/* One figure compared across runs: values, and ratio run k / run 0. */
struct rep_cmp_row {
    char label[96];
    char unit[16];
    bool have[REP_MAX_RUNS];
    double v[REP_MAX_RUNS];
};
#define REP_CMP_MAX 64
/* The comparison rows of runs[0..nruns) (nruns <= REP_MAX_RUNS): the sink's
 * throughput and percentiles, the chain's model total, CPU, run-queue wait
 * and Wait/RunTime, then per NF of the first run (matched by name). Returns
 * the number of rows written (<= max). Cannot fail. */
size_t rep_compare(const struct rep_run *const *runs, size_t nruns, struct rep_cmp_row *rows,
                   size_t max);
/* Ratio of row r's run k to run 0; false when either is missing or run 0's is 0. */
bool rep_cmp_ratio(const struct rep_cmp_row *r, size_t k, double *ratio);

/* The formats. Each returns 0, or -EIO when writing to f failed. */
int rep_write_text(FILE *f, const struct rep_run *const *runs, size_t nruns);
/* CSV columns: see rep_csv.c and docs/reports.md (REP_CSV_HEADER). */
#define REP_CSV_HEADER                                                                        \
    "run,file,chain,nf,kind,name,available,value,unit,events_per_packet,cost_ns,scaled,"     \
    "counted_ratio,reason"
int rep_write_csv(FILE *f, const struct rep_run *const *runs, size_t nruns);
int rep_write_html(FILE *f, const struct rep_run *const *runs, size_t nruns);
int rep_write_json(FILE *f, const struct rep_run *const *runs, size_t nruns);

/* `scc report` */
int cmd_report(int argc, char **argv);

#endif
