/*
 * sched_policy — one thread's policy, nice, rt priority and slice, set with
 * a single sched_setattr(2) and read back with sched_getattr(2).
 *
 * Why sched_setattr and not setpriority + sched_setscheduler: it sets
 * policy, nice and priority in one call (no window where the thread has the
 * new nice but the old policy), and it is the only interface for the EEVDF
 * custom slice (sched_attr.sched_runtime of a fair task, Linux 6.12+).
 * glibc in Debian bookworm has no wrapper, so these are raw syscalls; the
 * struct comes from the kernel's UAPI header.
 *
 * errno becomes advice here, in one place (perf's rule): EPERM on a
 * real-time policy means CAP_SYS_NICE or RLIMIT_RTPRIO is missing, on a
 * lower nice CAP_SYS_NICE or RLIMIT_NICE. With RT group scheduling a v1
 * cpu cgroup without RT runtime (cpu.rt_runtime_us 0) also refuses rr/fifo,
 * even to root: sched_rt_blocker() finds that case, and the message then
 * names the cgroup instead of a capability nobody lacks.
 */
#include "scheduler/sched_policy.h"

#include "scheduler/sched_cg.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* <linux/sched/types.h> also declares struct sched_param, which glibc's
 * <sched.h> already has: hide the kernel's copy under another name. */
#define sched_param sched_param_uapi_
#include <linux/sched/types.h>
#undef sched_param

/* <linux/sched.h> has it, but also the clone flags glibc's <sched.h> defines */
#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 0x01
#endif

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool is_rt(int policy)
{
    return policy == SCHED_RR || policy == SCHED_FIFO;
}

static bool is_fair(int policy) /* nice and slice apply */
{
    return policy == SCHED_OTHER || policy == SCHED_BATCH;
}

/* The kernel's spelling, for messages that name the failing call. */
static const char *kernel_name(int policy)
{
    switch (policy) {
    case SCHED_OTHER: return "SCHED_OTHER";
    case SCHED_BATCH: return "SCHED_BATCH";
    case SCHED_IDLE: return "SCHED_IDLE";
    case SCHED_RR: return "SCHED_RR";
    case SCHED_FIFO: return "SCHED_FIFO";
    default: return "?";
    }
}

const char *sched_policy_name(int policy)
{
    switch (policy) {
    case SCHED_OTHER: return "other";
    case SCHED_BATCH: return "batch";
    case SCHED_IDLE: return "idle";
    case SCHED_RR: return "rr";
    case SCHED_FIFO: return "fifo";
    default: return "?";
    }
}

int sched_policy_from_name(const char *name)
{
    static const int all[] = {SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_RR, SCHED_FIFO};
    for (size_t i = 0; name && i < sizeof(all) / sizeof(all[0]); i++)
        if (!strcmp(name, sched_policy_name(all[i])))
            return all[i];
    return -EINVAL;
}

const char *sched_errno_advice(int err)
{
    switch (err < 0 ? -err : err) {
    case EPERM:
        return "needs CAP_SYS_NICE or RLIMIT_RTPRIO";
    case ESRCH:
        return "no such thread (it exited?)";
    case ENOSYS:
        return "the kernel has no sched_setattr (needs Linux 3.14)";
    case E2BIG:
        return "the kernel's struct sched_attr is smaller than this build's";
    case EINVAL:
        return "policy, priority, nice or slice not accepted by this kernel";
    case EBUSY:
        return "not enough bandwidth left for this policy";
    default:
        return "";
    }
}

/* Check req before the kernel sees it, naming the field at fault. */
static int check_req(const struct sched_policy_req *req, char *err, size_t errlen)
{
    const char *name = sched_policy_name(req->policy);
    if (!strcmp(name, "?")) {
        seterr(err, errlen, "policy %d: not one of other, batch, idle, rr, fifo", req->policy);
        return -EINVAL;
    }
    if (is_rt(req->policy)) {
        int lo = sched_get_priority_min(req->policy), hi = sched_get_priority_max(req->policy);
        if (lo < 0 || hi < 0) {
            int e = errno;
            seterr(err, errlen, "sched_get_priority_min/max(%s): %s", name, strerror(e));
            return -e;
        }
        if (req->rt_priority < lo || req->rt_priority > hi) {
            seterr(err, errlen, "rt priority %d out of range for %s (%d-%d)", req->rt_priority,
                   name, lo, hi);
            return -EINVAL;
        }
    } else if (req->rt_priority != 0) {
        seterr(err, errlen, "rt priority %d given for %s (only rr and fifo have one)",
               req->rt_priority, name);
        return -EINVAL;
    }
    if (req->nice < -20 || req->nice > 19) {
        seterr(err, errlen, "nice %d out of range (-20-19)", req->nice);
        return -EINVAL;
    }
    if (req->nice && !is_fair(req->policy)) {
        seterr(err, errlen, "nice %d given for %s (only other and batch use nice)", req->nice,
               name);
        return -EINVAL;
    }
    if (req->slice_ns) {
        if (!is_fair(req->policy)) {
            seterr(err, errlen, "slice given for %s (only other and batch have a slice)", name);
            return -EINVAL;
        }
        if (req->slice_ns < SCHED_SLICE_MIN_NS || req->slice_ns > SCHED_SLICE_MAX_NS) {
            seterr(err, errlen, "slice %llu ns out of range (%llu-%llu)",
                   (unsigned long long)req->slice_ns, SCHED_SLICE_MIN_NS, SCHED_SLICE_MAX_NS);
            return -EINVAL;
        }
    }
    return 0;
}

int sched_policy_apply(pid_t tid, const struct sched_policy_req *req, char *err, size_t errlen)
{
    if (!req) {
        seterr(err, errlen, "sched_policy_apply: no request");
        return -EINVAL;
    }
    int rc = check_req(req, err, errlen);
    if (rc < 0)
        return rc;
    struct sched_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.sched_policy = (__u32)req->policy;
    a.sched_nice = req->nice;
    a.sched_priority = (__u32)req->rt_priority;
    a.sched_runtime = req->slice_ns; /* fair tasks: 0 = back to the default slice */
    if (req->reset_on_fork)
        a.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
    if (syscall(SYS_sched_setattr, tid, &a, 0u) == 0)
        return 0;
    int e = errno;
    const char *adv = sched_errno_advice(e);
    if (e == EPERM && !is_rt(req->policy))
        adv = "needs CAP_SYS_NICE or RLIMIT_NICE"; /* a lower nice, or leaving idle */
    char blocker[512];
    if (e == EPERM && is_rt(req->policy) && sched_rt_blocker(tid, blocker, sizeof(blocker)) == 1)
        adv = blocker; /* the real cause: no capability would help */
    char what[96];
    if (is_rt(req->policy))
        snprintf(what, sizeof(what), "%s, priority %d", kernel_name(req->policy),
                 req->rt_priority);
    else
        snprintf(what, sizeof(what), "%s, nice %d", kernel_name(req->policy), req->nice);
    if (req->slice_ns)
        snprintf(what + strlen(what), sizeof(what) - strlen(what), ", slice %llu ns",
                 (unsigned long long)req->slice_ns);
    char who[32] = ""; /* the caller itself needs no tid in the message */
    if (tid)
        snprintf(who, sizeof(who), "tid %d, ", (int)tid);
    seterr(err, errlen, "sched_setattr(%s%s): %s%s%s%s", who, what, strerror(e),
           adv[0] ? " (" : "", adv, adv[0] ? ")" : "");
    return -e;
}

int sched_policy_read(pid_t tid, struct sched_policy_req *out)
{
    struct sched_attr a;
    memset(&a, 0, sizeof(a));
    if (syscall(SYS_sched_getattr, tid, &a, (unsigned)sizeof(a), 0u) < 0)
        return -errno;
    memset(out, 0, sizeof(*out));
    /* the kernel reports SCHED_RESET_ON_FORK in sched_flags, not the policy */
    out->policy = (int)a.sched_policy;
    out->nice = a.sched_nice;
    out->rt_priority = (int)a.sched_priority;
    out->slice_ns = is_fair(out->policy) ? a.sched_runtime : 0;
    out->reset_on_fork = (a.sched_flags & SCHED_FLAG_RESET_ON_FORK) != 0;
    return 0;
}

int sched_rt_blocker(pid_t tid, char *why, size_t len)
{
    if (why && len)
        why[0] = '\0';
    if (tid == 0)
        tid = (pid_t)syscall(SYS_gettid);
    char cg[512], mnt[512], root[512];
    int rc = sched_cg_task_path(tid, "cpu", cg, sizeof(cg));
    if (rc == -ENOENT)
        return 0; /* no v1 cpu controller: nothing of RT group scheduling applies */
    if (rc < 0)
        return rc;
    if (sched_cg_v1_mount("cpu", mnt, sizeof(mnt), root, sizeof(root)) < 0)
        return 0; /* the task's hierarchy is not mounted here: cannot tell */
    /* the path in /proc/PID/cgroup is relative to the hierarchy's root;
     * a mount of a sub-tree (containers) shows it below its own root */
    const char *rel = cg;
    size_t rl = strlen(root);
    if (strcmp(root, "/") && !strncmp(cg, root, rl) && (cg[rl] == '/' || !cg[rl]))
        rel = cg + rl;
    char file[1200], val[64];
    snprintf(file, sizeof(file), "%s%s%scpu.rt_runtime_us", mnt, rel,
             rel[0] && rel[strlen(rel) - 1] == '/' ? "" : "/");
    if (sched_cg_read(file, val, sizeof(val)) < 0)
        return 0; /* no such file: the kernel has no RT group scheduling */
    if (strtoll(val, NULL, 10) != 0)
        return 0;
    seterr(why, len,
           "cpu cgroup %s has cpu.rt_runtime_us = 0: give it RT runtime (echo N > %s) or run the "
           "NF in a cgroup that has some", cg, file);
    return 1;
}
