/*
 * sched_view — what the kernel says about one task's scheduling, read
 * back (never echoed from a request): policy, nice, rt priority, the EEVDF
 * slice and whether it is a custom one, the CPUs it may run on, and its
 * cgroups. `scc sched show`, `scc run`'s table and the results JSON are
 * built from this.
 *
 *   struct sched_view v;
 *   if (sched_view_read(pid, &v) == 0) printf("%s %s\n", sched_policy_name(v.policy), v.cpus);
 */
#ifndef SCHED_VIEW_H
#define SCHED_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sched_view {
    pid_t tid;
    int policy;           /* SCHED_OTHER ... (sched_getattr) */
    bool reset_on_fork;   /* SCHED_FLAG_RESET_ON_FORK is set */
    int nice;             /* fair policies; 0 for rr/fifo */
    int rt_priority;      /* rr/fifo; 0 for the rest */
    uint64_t slice_ns;    /* se.slice of /proc/PID/sched (fair tasks); 0 = not shown */
    bool custom_slice;    /* sched_getattr reported a sched_runtime (a custom slice) */
    char cpus[128];       /* Cpus_allowed_list of /proc/PID/status, e.g. "1" or "0-1" */
    char cpuset[256];     /* the task's cpuset cgroup: the v1 "cpuset:" line, else "0::" */
    char cpu_cgroup[256]; /* the v1 "cpu:" (or "cpu,cpuacct:") line, else "0::" */
    uint64_t rr_timeslice_ns; /* rr only: sched_rr_get_interval; 0 otherwise */
};

/* Read tid's view. Returns 0, or -errno (-ESRCH: gone). Fields a kernel does
 * not offer are left 0 / "" (a missing /proc/PID/sched is not an error). */
int sched_view_read(pid_t tid, struct sched_view *v);

/* One line, e.g. "fifo prio 10 reset-on-fork cpus 1 cpuset /scc-x.chain"
 * or "batch nice 0 slice 10.0 ms (custom) cpus 1 cpuset /". */
void sched_view_format(const struct sched_view *v, char *buf, size_t len);

#endif
