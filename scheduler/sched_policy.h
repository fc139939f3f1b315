/*
 * sched_policy — set and read back one thread's scheduling: policy
 * (other, batch, idle, rr, fifo), nice, real-time priority and, on EEVDF
 * kernels (Linux 6.12+), a custom time slice.
 *
 * Plain inputs: a thread id and a request; the caller decides whose
 * scheduling changes (the launcher: its NFs' threads; `scc bench ctxsw`: its
 * own benchmark children). Nothing here prints; failures come back as
 * -errno with a message "the failing call (what): strerror (advice)".
 *
 *   struct sched_policy_req req = {.policy = SCHED_FIFO, .rt_priority = 10};
 *   char err[256];
 *   if (sched_policy_apply(tid, &req, err, sizeof(err)) < 0) { ...err... }
 *   struct sched_policy_req now;
 *   sched_policy_read(tid, &now);              (verify: now.policy == SCHED_FIFO)
 *
 * Policies are the kernel's numbers (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE,
 * SCHED_RR, SCHED_FIFO from <sched.h>); sched_policy_name() and
 * sched_policy_from_name() map them to the spec's words.
 */
#ifndef SCHED_POLICY_H
#define SCHED_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bounds of the custom slice (the kernel clamps sched_runtime of a fair
 * task to 0.1 .. 100 ms; we refuse values outside instead, so what is read
 * back is what was asked for). */
#define SCHED_SLICE_MIN_NS 100000ull
#define SCHED_SLICE_MAX_NS 100000000ull

struct sched_policy_req {
    int policy;        /* SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_RR, SCHED_FIFO */
    int nice;          /* -20..19; other and batch only (0 for the rest) */
    int rt_priority;   /* rr/fifo: 1..99; 0 for the rest */
    uint64_t slice_ns; /* other/batch on EEVDF: custom slice; 0 = kernel default */
    bool reset_on_fork; /* SCHED_FLAG_RESET_ON_FORK: children start as other, nice 0 */
};

/*
 * Apply req to thread tid (0 = the calling thread) with one
 * sched_setattr(2). The request is checked first: an unknown policy, a
 * priority or nice out of range for the policy, or a slice out of
 * SCHED_SLICE_MIN_NS..SCHED_SLICE_MAX_NS return -EINVAL and say which field.
 * Kernel refusals return its -errno (-EPERM: missing CAP_SYS_NICE or
 * rlimit, -ESRCH: no such thread, ...) with sched_errno_advice() appended.
 * err may be NULL.
 */
int sched_policy_apply(pid_t tid, const struct sched_policy_req *req, char *err, size_t errlen);

/*
 * Read thread tid's current scheduling (sched_getattr(2)) into out:
 * policy, nice, rt priority, and slice_ns (the kernel's current slice on
 * EEVDF kernels; 0 where the kernel does not report one, and for rr/fifo).
 * Returns 0 or -errno (-ESRCH: no such thread).
 */
int sched_policy_read(pid_t tid, struct sched_policy_req *out);

/* One line of advice for an errno (positive or negative) from
 * sched_setattr, setpriority or sched_setscheduler, perf style; "" when
 * there is nothing to add. Never NULL. */
const char *sched_errno_advice(int err);

/*
 * Why rr/fifo would be refused to tid even with CAP_SYS_NICE: with RT
 * group scheduling (CONFIG_RT_GROUP_SCHED) a v1 cpu cgroup gets no RT
 * runtime (cpu.rt_runtime_us 0 in a new one), and sched_setattr then
 * fails with EPERM even for root. Returns 1 and a sentence in why (naming
 * the cgroup and what to do) when tid's cpu cgroup has 0, 0 when it has
 * some (or the kernel has no RT group scheduling, or cpu is on cgroup v2),
 * -errno when tid cannot be looked at (-ESRCH: gone). sched_policy_apply
 * uses it to explain its own EPERM.
 */
int sched_rt_blocker(pid_t tid, char *why, size_t len);

/* "other", "batch", "idle", "rr", "fifo"; "?" for anything else. */
const char *sched_policy_name(int policy);
/* The inverse; -EINVAL for an unknown word. Returns the policy number. */
int sched_policy_from_name(const char *name);

#endif
