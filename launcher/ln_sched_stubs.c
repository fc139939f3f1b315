/* TEMPORARY until wip-reserve merges: the lead deletes this file */
/*
 * Weak stand-ins for the scheduler's read-back view and core reservation
 * (scheduler/sched_view.h, scheduler/sched_reserve.h), implemented on
 * another branch. They only let this branch link: each returns -ENOSYS, so
 * ln_sched falls back to its own read-back and reports a reservation as
 * "not available in this build". The real definitions, once linked,
 * override these.
 */
#include <errno.h>
#include <stdio.h>

#include "scheduler/sched_reserve.h"
#include "scheduler/sched_view.h"

__attribute__((weak)) int sched_view_read(pid_t tid, struct sched_view *v)
{
    (void)tid, (void)v;
    return -ENOSYS;
}

__attribute__((weak)) int sched_reserve_apply(const struct sched_reserve_req *req,
                                              const struct sched_journal *j,
                                              struct sched_reserve_report *rep, char *err,
                                              size_t errlen)
{
    (void)req, (void)j, (void)rep;
    if (err && errlen)
        snprintf(err, errlen, "sched_reserve is not linked (wip-reserve)");
    return -ENOSYS;
}

__attribute__((weak)) int sched_reserve_add_task(const struct sched_reserve_req *req,
                                                 const struct sched_journal *j, pid_t pid,
                                                 char *err, size_t errlen)
{
    (void)req, (void)j, (void)pid;
    if (err && errlen)
        snprintf(err, errlen, "sched_reserve is not linked (wip-reserve)");
    return -ENOSYS;
}
