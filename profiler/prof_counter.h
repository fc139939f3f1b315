/*
 * prof_counter — one perf_event counter attached to one task, read the way
 * perf does: (value, time enabled, time running), scaled explicitly when
 * the kernel multiplexed it, and "not supported" / "not counted" kept
 * apart from 0 (perf's perf_counts_values__scale and <not counted>).
 *
 * Software events (task-clock, context switches, migrations, faults) work
 * in VMs without a PMU; hardware events then fail to open with ENOENT or
 * EOPNOTSUPP, which prof_counter_open returns so the caller can report the
 * term as unavailable with a reason. Counts include kernel time: with
 * exclude_kernel the switch and tracepoint counts read 0 on our hosts.
 */
#ifndef PROF_COUNTER_H
#define PROF_COUNTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct prof_counter; /* opaque */

struct prof_count {
    bool counted;          /* false: enabled but never ran (perf's <not counted>) */
    uint64_t raw;          /* as read */
    uint64_t enabled_ns, running_ns;
    double value;          /* raw scaled by enabled/running */
    bool scaled;           /* running < enabled: the kernel multiplexed it */
};

/* Open a counter of (type, config) — PERF_TYPE_* and its config — on pid,
 * counting from now, kernel and user, following the task to any CPU. The
 * counter does not follow children. Returns NULL with errno set (EACCES /
 * EPERM: perf_event_paranoid or capabilities; ENOENT / EOPNOTSUPP: event
 * not supported here; ESRCH: no such task). */
struct prof_counter *prof_counter_open(pid_t pid, uint32_t type, uint64_t config);
void prof_counter_close(struct prof_counter *c); /* accepts NULL */

/* Read the counter now. Returns 0 or -errno. */
int prof_counter_read(struct prof_counter *c, struct prof_count *out);

/* A count from its three figures, scaled as perf does (value × enabled /
 * running; running == 0 is "not counted"). For recorded counters. */
struct prof_count prof_count_make(uint64_t raw, uint64_t enabled_ns, uint64_t running_ns);

/* end - start of two reads of one counter (for a window inside a run). */
struct prof_count prof_count_delta(const struct prof_count *start, const struct prof_count *end);

/* Advice for an errno from prof_counter_open, for the tool boundary. */
const char *prof_counter_advice(int err);

#endif
