/*
 * prof_calib — the calibration file: what one machine's memory levels, TLB,
 * context switches, cross-core wake-ups and system calls cost, as measured
 * by `scc bench calibrate`, and what the profiler's latency model multiplies
 * event counts by (paper Table 3: L_D1..L_DM, L_T1..L_TM, L_CS, L_SC).
 *
 * The file is JSON, versioned by "schema": "scc-calibration/1"; its format
 * is documented in docs/bench.md. This header is the C view of it:
 *
 *   struct prof_calib c;
 *   char err[256];
 *   if (prof_calib_load("calib.json", &c, err, sizeof(err)) < 0) { ...err... }
 *   double l2 = c.levels[PROF_CALIB_L2].stat.ns;      (check .stat.available first)
 *   prof_calib_free(&c);
 *
 * Every figure is a struct prof_calib_stat: `available` false means the benchmark
 * could not measure it on this machine and `reason` says why; a figure is
 * never silently 0.
 */
#ifndef PROF_CALIB_H
#define PROF_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROF_CALIB_SCHEMA "scc-calibration/1"
#define PROF_CALIB_REASON_MAX 192
#define PROF_CALIB_MAX_STRIDES 12
#define PROF_CALIB_MAX_CACHES 8

/* One measured figure: median over repetitions plus its spread. */
struct prof_calib_stat {
    bool available;
    double ns;       /* median, nanoseconds */
    double min_ns;   /* smallest repetition */
    double max_ns;   /* largest repetition */
    unsigned reps;   /* repetitions behind the median (0 = not known) */
    char reason[PROF_CALIB_REASON_MAX]; /* why unavailable; "" when available */
};

enum prof_calib_level {
    PROF_CALIB_L1,
    PROF_CALIB_L2,
    PROF_CALIB_L3,
    PROF_CALIB_DRAM,
    PROF_CALIB_NLEVELS
};

/* A data cache as the machine describes it (sysfs or CPUID). */
struct prof_calib_cache {
    int level;      /* 1, 2, 3 */
    char type[16];  /* "Data" or "Unified" */
    uint64_t size;  /* bytes */
};

struct prof_calib_stride_ns {
    uint32_t stride; /* bytes */
    double ns;       /* median latency of one dependent load; < 0 = not measured */
};

/* One memory level: the latency the model uses is stat.ns, the worst case
 * over the strides in per_stride (the paper's choice). */
struct prof_calib_level_lat {
    struct prof_calib_stat stat;
    uint64_t cache_bytes;  /* size of this cache; 0 for DRAM or unknown */
    uint64_t working_set;  /* bytes chased to measure this level */
    double cycles;         /* stat.ns in core cycles; NAN when no cycle counter */
    char note[PROF_CALIB_REASON_MAX]; /* caveat, e.g. "measures like DRAM"; "" when none */
    /* Where the measured curve puts this level (bench memlat's knee finder):
     * the plateau of working sets that cost this level's latency, and the
     * first working set past its knee (0 for DRAM or when not recorded).
     * The capacity the curve shows lies between plateau_to and knee_next;
     * cache_bytes is what sysfs/CPUID claims, kept side by side. */
    uint64_t plateau_from, plateau_to, knee_next;
    bool size_checked;  /* both a sysfs size and a knee exist to compare */
    bool size_agrees;   /* when checked: sysfs size within the knee's range */
    size_t nstrides;
    struct prof_calib_stride_ns per_stride[PROF_CALIB_MAX_STRIDES];
};

/* One point of the latency curve (bench memlat). */
struct prof_calib_curve_point {
    uint64_t working_set;
    uint32_t stride;
    double random_ns;     /* Sattolo cyclic permutation: defeats prefetching */
    double sequential_ns; /* ascending stride walk: what prefetching hides */
};

enum prof_calib_policy_row {
    PROF_CALIB_CS_OTHER,
    PROF_CALIB_CS_BATCH,
    PROF_CALIB_CS_RR,
    PROF_CALIB_CS_FIFO,
    PROF_CALIB_CS_OTHER_NICE,
    PROF_CALIB_NPOLICIES
};

/* Context switch cost under one scheduling policy, lat_ctx style. */
struct prof_calib_ctxsw_row {
    char policy[8];    /* other, batch, rr, fifo */
    int nice;          /* -19 for the "other, nice -19" row */
    int rt_priority;   /* rr/fifo priority used, else 0 */
    struct prof_calib_stat sw; /* per switch, pipe overhead subtracted */
    double roundtrip_ns; /* median token round trip (2 switches + 4 pipe syscalls) */
    double overhead_ns;  /* median same loop in one process (4 pipe syscalls) */
};

/* Which sections a calibration holds (bench runs fill only theirs). */
enum {
    PROF_CALIB_HAVE_MEMORY = 1u << 0,
    PROF_CALIB_HAVE_DTLB = 1u << 1,
    PROF_CALIB_HAVE_CTXSW = 1u << 2,
    PROF_CALIB_HAVE_WAKEUP = 1u << 3,
    PROF_CALIB_HAVE_SYSCALL = 1u << 4,
    PROF_CALIB_HAVE_TLB = 1u << 5,
};

/* The TLB levels of the model, each the *extra* ns one event costs over a
 * load that hits the first-level DTLB: L_T1 a first-level DTLB miss that
 * hits the second-level TLB (STLB), L_T2 an STLB miss whose page walk finds
 * the page tables in cache, L_TM a page walk whose page-table loads go to
 * DRAM. Optional section "tlb" (keys stlb_hit, walk, walk_dram; each may be
 * absent): files written before it existed still load, with these
 * unavailable. */
enum prof_calib_tlb {
    PROF_CALIB_TLB_STLB_HIT,
    PROF_CALIB_TLB_WALK,
    PROF_CALIB_TLB_WALK_DRAM,
    PROF_CALIB_NTLB
};
extern const char *const prof_calib_tlb_keys[PROF_CALIB_NTLB]; /* "stlb_hit", "walk", "walk_dram" */

struct prof_calib {
    char schema[32];     /* PROF_CALIB_SCHEMA */
    char created[32];    /* ISO 8601 UTC, e.g. 2026-11-04T10:22:31Z */
    bool quick;          /* produced with --quick (fewer, shorter runs) */
    unsigned have;       /* PROF_CALIB_HAVE_* bits */
    int cpu;             /* core the benchmarks pinned to */

    /* machine identity */
    char cpu_model[128];
    char kernel[160];     /* uname release + version */
    char hostname[64];
    char online_cpus[64]; /* "0-1" */
    double cpu_mhz;       /* /proc/cpuinfo, 0 when absent */
    char governor[64];    /* cpufreq governor, or "unavailable: reason" */
    size_t ncaches;
    struct prof_calib_cache caches[PROF_CALIB_MAX_CACHES];
    char cache_source[128]; /* where the cache sizes came from */

    bool cycles_available;
    double cycles_per_ns;   /* when available */
    char cycles_reason[PROF_CALIB_REASON_MAX];

    bool huge_pages;        /* THP was used for the memory buffer */
    char huge_pages_note[PROF_CALIB_REASON_MAX];

    /* memory */
    struct prof_calib_level_lat levels[PROF_CALIB_NLEVELS];
    size_t ncurve;
    struct prof_calib_curve_point *curve; /* heap; NULL when not recorded */

    /* DTLB: load latency with every access hitting the DTLB (hit) and the
     * extra cost of an access that misses it (miss), same lines, same cache
     * level, only the number of pages differs. */
    struct prof_calib_stat dtlb_hit;
    struct prof_calib_stat dtlb_miss;
    uint32_t dtlb_pages;

    struct prof_calib_stat tlb[PROF_CALIB_NTLB]; /* PROF_CALIB_HAVE_TLB */

    struct prof_calib_ctxsw_row ctxsw[PROF_CALIB_NPOLICIES];

    /* cross-core wake-up: one-way, blocking (pipe) and spinning (shared line) */
    struct prof_calib_stat wakeup_block;
    struct prof_calib_stat wakeup_spin;
    int wakeup_cpus[2];

    struct prof_calib_stat sc_getppid;
    struct prof_calib_stat sc_recvmmsg;  /* non-blocking, empty UDP socket (EAGAIN) */
    struct prof_calib_stat sc_sendmmsg;  /* one 64 B datagram to loopback */
};

extern const char *const prof_calib_level_names[PROF_CALIB_NLEVELS]; /* "L1".."DRAM" */

/* Zero a calibration and set its schema; the start of every producer. */
void prof_calib_init(struct prof_calib *c);
/* Release what a calibration owns (the curve); c is left zeroed. NULL ok. */
void prof_calib_free(struct prof_calib *c);

/* Write c as JSON to path ("-" = stdout). Returns 0 or -errno; on failure a
 * message "the failing call: strerror: path" is in err. */
int prof_calib_write(const struct prof_calib *c, const char *path, char *err, size_t errlen);
/* Serialise to a malloc'ed string (caller frees); NULL with errno on failure. */
char *prof_calib_to_string(const struct prof_calib *c);

/* The largest calibration file read: a real one is a few KiB. */
#define PROF_CALIB_MAX_FILE (16u << 20)

/* Read a calibration. Returns 0, -ENOENT/-EACCES.. when the file can't be
 * read, -EINVAL when it is not scc-calibration/1 JSON (err names the JSON
 * path at fault), -EINVAL too when path is not a regular file (a FIFO, a
 * device such as /dev/zero, a directory: refused without reading, so a
 * FIFO never blocks) and -EFBIG when it is larger than PROF_CALIB_MAX_FILE.
 * On failure c is left initialised and empty. */
int prof_calib_load(const char *path, struct prof_calib *c, char *err, size_t errlen);
/* Can path be read as a calibration file (exists, readable, a regular file
 * within the size cap)? Reads nothing of it. Returns 0 or -errno as
 * prof_calib_load does, with the reason in err. */
int prof_calib_check_file(const char *path, char *err, size_t errlen);
int prof_calib_load_string(const char *json, struct prof_calib *c, char *err, size_t errlen);

#endif
