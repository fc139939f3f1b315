/*
 * sched_view — see sched_view.h. Each field comes from the kernel
 * interface that owns it: sched_getattr(2) for policy, nice, priority and
 * flags; /proc/PID/sched "se.slice" for the slice the scheduler uses;
 * /proc/PID/status for the allowed CPUs; /proc/PID/cgroup for the cgroups;
 * sched_rr_get_interval(2) for an rr task's quantum.
 *
 * "Custom slice": sched_getattr reports a fair task's current slice in
 * sched_runtime whether it was set or not, so a custom one is recognised
 * as a slice that differs from the base slice. The base slice is read from
 * debugfs when mounted, otherwise from kthreadd (PID 2), a fair task
 * nobody gives a custom slice.
 */
#include "scheduler/sched_view.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "scheduler/sched_cg.h"
#include "scheduler/sched_policy.h"

#define sched_param sched_param_uapi_
#include <linux/sched/types.h>
#undef sched_param

#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 0x01
#endif

static int getattr(pid_t tid, struct sched_attr *a)
{
    memset(a, 0, sizeof(*a));
    if (syscall(SYS_sched_getattr, tid, a, (unsigned)sizeof(*a), 0u) < 0)
        return -errno;
    return 0;
}

/* "se.slice   :   1400000" of /proc/TID/sched; 0 when absent. */
static uint64_t proc_slice(pid_t tid)
{
    char p[64], line[256];
    snprintf(p, sizeof(p), "/proc/%d/sched", (int)tid);
    FILE *f = fopen(p, "re");
    if (!f)
        return 0;
    uint64_t v = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "se.slice", 8) || (line[8] != ' ' && line[8] != ':'))
            continue;
        const char *c = strchr(line, ':');
        if (c)
            v = strtoull(c + 1, NULL, 10);
        break;
    }
    fclose(f);
    return v;
}

static uint64_t base_slice(void)
{
    char buf[64];
    if (sched_cg_read("/sys/kernel/debug/sched/base_slice_ns", buf, sizeof(buf)) == 0)
        return strtoull(buf, NULL, 10);
    struct sched_attr a;
    if (getattr(2, &a) == 0 && (a.sched_policy == SCHED_OTHER || a.sched_policy == SCHED_BATCH))
        return a.sched_runtime;
    return 0;
}

int sched_view_read(pid_t tid, struct sched_view *v)
{
    memset(v, 0, sizeof(*v));
    v->tid = tid;
    struct sched_attr a;
    int rc = getattr(tid, &a);
    if (rc < 0)
        return rc;
    v->policy = (int)a.sched_policy;
    v->reset_on_fork = (a.sched_flags & SCHED_FLAG_RESET_ON_FORK) != 0;
    bool rt = v->policy == SCHED_RR || v->policy == SCHED_FIFO;
    bool fair = v->policy == SCHED_OTHER || v->policy == SCHED_BATCH ||
                v->policy == SCHED_IDLE;
    v->nice = fair ? a.sched_nice : 0;
    v->rt_priority = rt ? (int)a.sched_priority : 0;
    if (fair) {
        v->slice_ns = proc_slice(tid);
        uint64_t base = base_slice();
        v->custom_slice = v->policy != SCHED_IDLE && a.sched_runtime && base &&
                          a.sched_runtime != base;
        if (!v->slice_ns && v->custom_slice)
            v->slice_ns = a.sched_runtime; /* /proc/PID/sched not built in */
    }
    if (v->policy == SCHED_RR) {
        struct timespec ts;
        if (sched_rr_get_interval(tid, &ts) == 0)
            v->rr_timeslice_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    rc = sched_cg_status(tid, v->cpus, sizeof(v->cpus), NULL);
    if (rc < 0)
        return rc;
    if (sched_cg_task_path(tid, "cpuset", v->cpuset, sizeof(v->cpuset)) < 0)
        sched_cg_task_path(tid, NULL, v->cpuset, sizeof(v->cpuset));
    if (sched_cg_task_path(tid, "cpu", v->cpu_cgroup, sizeof(v->cpu_cgroup)) < 0)
        sched_cg_task_path(tid, NULL, v->cpu_cgroup, sizeof(v->cpu_cgroup));
    /* the task may have exited while we read: report that, not half a view */
    return getattr(tid, &a) < 0 ? -ESRCH : 0;
}

void sched_view_format(const struct sched_view *v, char *buf, size_t len)
{
    if (!len)
        return;
    size_t off = 0;
#define PUT(...)                                                                         \
    do {                                                                                 \
        int n_ = snprintf(buf + off, len - off, __VA_ARGS__);                            \
        if (n_ < 0 || (size_t)n_ >= len - off)                                           \
            return;                                                                      \
        off += (size_t)n_;                                                               \
    } while (0)
    buf[0] = '\0';
    PUT("%s", sched_policy_name(v->policy));
    if (v->policy == SCHED_RR || v->policy == SCHED_FIFO)
        PUT(" prio %d", v->rt_priority);
    else
        PUT(" nice %d", v->nice);
    if (v->slice_ns)
        PUT(" slice %.1f ms%s", (double)v->slice_ns / 1e6, v->custom_slice ? " (custom)" : "");
    if (v->rr_timeslice_ns)
        PUT(" timeslice %.1f ms", (double)v->rr_timeslice_ns / 1e6);
    if (v->reset_on_fork)
        PUT(" reset-on-fork");
    PUT(" cpus %s", v->cpus[0] ? v->cpus : "?");
    if (v->cpuset[0])
        PUT(" cpuset %s", v->cpuset);
    if (v->cpu_cgroup[0] && strcmp(v->cpu_cgroup, "/"))
        PUT(" cpu-cgroup %s", v->cpu_cgroup);
#undef PUT
}
