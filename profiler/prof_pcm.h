/*
 * prof_pcm — Intel PCM as a counter source: per-core L2/L3 hit ratios and
 * the memory controllers' read/write traffic, from the CSV that the `pcm`
 * tool writes (`pcm INTERVAL -csv=FILE`), where pcm runs (Intel CPUs, MSR
 * access). These are system-wide figures per core, not per thread: they
 * hold every task that ran on the core, which is why they stand next to
 * the model rather than feeding its terms.
 *
 * The CSV has two header rows and then one row per interval:
 *   row 1: the group of each column — "System" (the first two columns,
 *          Date and Time, too), "Socket 0", ..., "Core0 (Socket 0)", ...
 *   row 2: the metric — Date, Time, EXEC, IPC, FREQ, ..., L3HIT, L2HIT,
 *          ..., READ, WRITE (GB in the interval), ...
 * Columns come and go with what the CPU supports, so they are found by
 * their (group, metric) names, never by position.
 *
 *   struct prof_pcm_result r;
 *   char reason[256];
 *   if (prof_pcm_probe(reason, sizeof(reason)) < 0) { ...unavailable: reason... }
 *   ...run pcm over the window...
 *   if (prof_pcm_parse_file(path, &r, reason, sizeof(reason)) == 0) { ...r.core[i].l3hit... }
 */
#ifndef PROF_PCM_H
#define PROF_PCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PROF_PCM_MAX_CORES 512

struct prof_pcm_core {
    int core, socket;
    bool have_l2hit, have_l3hit;
    double l2hit, l3hit;   /* hit ratio 0..1, mean over the intervals */
};

struct prof_pcm_result {
    size_t rows;           /* intervals (data rows) */
    bool have_traffic;     /* the System READ/WRITE columns */
    double read_gb, write_gb; /* summed over the intervals */
    size_t ncores;
    struct prof_pcm_core core[PROF_PCM_MAX_CORES];
};

/* Can pcm run here? SCC_PCM_BIN in the environment names the binary to
 * run and skips the checks (a wrapper, or a test's stand-in). Else 0, or -ENOTSUP / -ENOENT / -EACCES with the reason in
 * words ("not an Intel CPU (AuthenticAMD)", "pcm is not installed (apt-get
 * install pcm)", "no MSR access: ..."). The binary's path goes into path
 * (len bytes) when found. Never fails the caller's run. */
int prof_pcm_probe(char *path, size_t plen, char *reason, size_t len);

/* Parse pcm's CSV. Returns 0, -EINVAL (err says what is wrong: no header,
 * no data row, a row shorter than the header) or -errno of reading. */
int prof_pcm_parse(FILE *f, struct prof_pcm_result *r, char *err, size_t errlen);
int prof_pcm_parse_file(const char *path, struct prof_pcm_result *r, char *err, size_t errlen);

/* Core `core`'s figures, or NULL when the CSV has none for it. */
const struct prof_pcm_core *prof_pcm_core(const struct prof_pcm_result *r, int core);

#endif
