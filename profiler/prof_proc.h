/*
 * prof_proc — the kernel's per-process scheduler view from /proc, one of
 * the profiler's counter sources (DESIGN.md "Profiler"):
 *   /proc/PID/schedstat  time on a CPU, time waiting on a run queue, and
 *                        the number of slices (ns resolution, always on);
 *   /proc/PID/status     voluntary and involuntary context switches.
 * A sample of a zombie (exited, not yet reaped) still reads its final
 * figures, which is how a supervisor keeps a dead incarnation's share.
 *
 * Plain inputs (a pid), no knowledge of chains: the launcher, `scc
 * profile -p PID` and tests all use it the same way.
 */
#ifndef PROF_PROC_H
#define PROF_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct prof_proc_sample {
    bool valid;                        /* false: the figures below are unknown */
    uint64_t run_ns, wait_ns, slices;  /* /proc/PID/schedstat */
    uint64_t vol_cs, invol_cs;         /* /proc/PID/status */
};

/* Read pid's figures into *out. Returns 0, or -errno (-ENOENT: no such
 * process; -EIO: a file did not have the expected form); out->valid tells
 * the same. Never prints. */
int prof_proc_sample(pid_t pid, struct prof_proc_sample *out);

/* pid's CPU time split into user and system mode from /proc/PID/stat
 * (utime, stime), in ns. They are tick-sampled (and rescaled by the kernel
 * to the precise total): good for a split over a window of seconds, not
 * for one wake-up — take the total from schedstat. Returns 0, -ENOENT (no
 * such process) or -EIO (unexpected form). Never prints. */
int prof_proc_cputime(pid_t pid, uint64_t *user_ns, uint64_t *sys_ns);

/* *acc += end - start, field by field. Both must be valid and from one
 * process (end taken after start); returns -EINVAL otherwise, or when a
 * field went backwards (a different process), leaving *acc untouched. */
int prof_proc_accumulate(struct prof_proc_sample *acc, const struct prof_proc_sample *start,
                         const struct prof_proc_sample *end);

#endif
