/*
 * mb_bench — the OS microbenchmarks behind `scc bench` (memlat, ctxsw,
 * wakeup, syscall, calibrate). Each fills its section of a struct prof_calib
 * (profiler/prof_calib.h); the command writes it as a table and as JSON.
 *
 * Every benchmark pins itself (or its own child processes) to opts.cpu,
 * warms up, repeats opts.reps times and keeps the median and the spread.
 * Only processes the benchmark forks have their scheduling changed.
 * Functions return 0 or -errno; a figure that cannot be measured is marked
 * unavailable with a reason rather than failing the run.
 */
#ifndef MB_BENCH_H
#define MB_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "profiler/prof_calib.h"

struct mb_opts {
    int cpu;                /* core to pin to (ctxsw: both processes) */
    int cpu2;               /* second core for wakeup; -1 = pick another online one */
    unsigned reps;          /* repetitions per figure (median + spread) */
    bool quick;             /* short runs for tests: a few seconds in all */
    const char *sysfs_root; /* "/sys" unless a test points elsewhere */
    uint64_t max_ws;        /* cap on the memlat working set (bytes) */
    uint64_t llc;           /* nonzero: use this as the L3 size (VMs overstating it) */
    size_t nstrides;
    uint32_t strides[PROF_CALIB_MAX_STRIDES];
    bool progress;          /* progress line on stderr (callers set it from isatty) */
};

void mb_opts_default(struct mb_opts *o);

/* --- pieces with their own unit tests --------------------------------- */

/* Sattolo's algorithm: a uniformly random cyclic permutation of 0..n-1,
 * i.e. next[] forms ONE cycle through every slot, so a pointer chase visits
 * the whole working set before repeating. seed makes it reproducible. */
void mb_sattolo(uint32_t *next, size_t n, uint64_t seed);

/* Data/unified caches of cpu0 from ROOT/devices/system/cpu/cpu0/cache/
 * index* (level, type, size). Returns the count (sorted by level, instruction
 * caches skipped) or -ENOENT when the tree is absent or holds none. */
int mb_cache_detect_sysfs(const char *root, struct prof_calib_cache *out, size_t max);
/* sysfs, else sysconf(_SC_LEVEL*_CACHE_SIZE) (CPUID via glibc); source says
 * which. Returns the count or -ENOENT when neither knows. */
int mb_cache_detect(const char *root, struct prof_calib_cache *out, size_t max, char *source,
                    size_t srclen);
/* "48K", "1024K", "32M", "12345" -> bytes. 0 or -EINVAL. */
int mb_parse_size(const char *s, uint64_t *out);

/* The latency curve's plateaus (bench/micro/mb_knee.c). A plateau is a run
 * of consecutive working sets at about one latency; neighbouring plateaus
 * differ by at least MB_KNEE_RATIO (a knee). ns is the plateau's upper
 * median and `at` the index of a point holding it. */
#define MB_KNEE_RATIO 2.0
struct mb_plateau {
    size_t first, last, at;
    double ns;
};
/* Split ns[0..n-1] (latencies at ascending working sets, all > 0, n <= 64)
 * into at most maxp (<= 4) plateaus. Returns their count (>= 1), or -EINVAL
 * for an empty, too long or non-positive curve. Cannot fail otherwise. */
int mb_find_plateaus(const double *ns, size_t n, struct mb_plateau *out, size_t maxp);
/* Fill c->levels from c->curve: the series at the smallest stride >= 64 B
 * is split into plateaus; the last is DRAM (when there is a knee below it),
 * the others L1, L2, L3 in order. Each level's figure is the worst stride at
 * the working set holding its plateau's median; st (parallel to c->curve,
 * or NULL) supplies the repetition spread. The sizes c->caches claims are
 * recorded next to the knees (cache_bytes, plateau_to, knee_next) and a
 * disagreement is stated in the level's note. Levels the curve does not
 * show are unavailable with the reason. Returns the plateau count or
 * -EINVAL when the curve is empty. */
int mb_levels_from_curve(struct prof_calib *c, const struct prof_calib_stat *st);

/* Context-switch arithmetic (lat_ctx): a token round trip between two
 * processes on one core costs 2 switches + the 4 pipe syscalls; the same
 * 4 syscalls in one process cost overhead_ns. Per switch =
 * (roundtrip - overhead) / 2. Returns 0, or -ERANGE when the difference is
 * not positive (noise swamped the switch), -EINVAL for non-finite input. */
int mb_ctxsw_per_switch(double roundtrip_ns, double overhead_ns, double *per_switch);

/* Median, min, max of v[0..n-1] into s (sorts v). n == 0 -> unavailable. */
void mb_stat_from(struct prof_calib_stat *s, double *v, size_t n);
void mb_stat_unavailable(struct prof_calib_stat *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --- the benchmarks ---------------------------------------------------- */

/* Machine identity, caches, cycle counter and THP status. */
void mb_identify(const struct mb_opts *o, struct prof_calib *c);
int mb_run_memlat(const struct mb_opts *o, struct prof_calib *c); /* MEMORY + DTLB */
int mb_run_ctxsw(const struct mb_opts *o, struct prof_calib *c);
int mb_run_wakeup(const struct mb_opts *o, struct prof_calib *c);
int mb_run_syscall(const struct mb_opts *o, struct prof_calib *c);
/* All of the above. */
int mb_calibrate(const struct mb_opts *o, struct prof_calib *c);

/* Print the human table of whatever sections c holds to f (a FILE *). */
void mb_calib_print(const struct prof_calib *c, void *f);

/* Pin the calling thread to cpu. 0 or -errno. */
int mb_pin(int cpu);
/* Progress line on stderr when o->progress. */
void mb_progress(const struct mb_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
