/*
 * prof_group — every counter the profiler keeps on one thread (TID):
 * hardware events from a prof_events table (opened in perf_event groups of
 * at most the PMU's counter count, so the events of a group are counted
 * over the same time and scaled together when the kernel multiplexes
 * groups), software events (context switches, migrations, task-clock,
 * page faults) and the network system calls' tracepoints.
 *
 * Every event ends up `available` or unavailable with a classified reason,
 * from opening it — never from the CPU model — and a count that is not
 * counted (running == 0) says so instead of reading 0:
 *
 *   struct prof_group *g = prof_group_new(tid, prof_events_pmu_counters(pmu));
 *   prof_group_add_hardware(g, pmu, table);      (or prof_group_add_event)
 *   prof_group_add_software(g);
 *   prof_group_add_syscalls(g);
 *   prof_group_open(g);                          (counting starts)
 *   ... the measurement window ...
 *   prof_group_read(g);
 *   for (i < prof_group_nevents(g)) { const struct prof_group_event *e = prof_group_event(g, i); }
 *   prof_group_free(g);
 *
 * Counts include kernel mode: with exclude_kernel the context-switch and
 * system-call tracepoint counts read 0. Where the kernel refuses that
 * (EACCES/EPERM under perf_event_paranoid >= 2 without CAP_PERFMON), the
 * event is retried user-only and marked so (`user_only`, with the advice
 * in `reason`); software switches and tracepoints then report unavailable
 * instead of a user-only 0. Never prints.
 */
#ifndef PROF_GROUP_H
#define PROF_GROUP_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "profiler/prof_counter.h"
#include "profiler/prof_events.h"

#define PROF_GROUP_REASON_MAX 256
#define PROF_GROUP_NAME_MAX 128

enum prof_src {
    PROF_SRC_HARDWARE,
    PROF_SRC_SOFTWARE,
    PROF_SRC_TRACEPOINT,
};

/* Why an event is unavailable (from the errno of perf_event_open or the
 * step before it). */
enum prof_unavail {
    PROF_UNAV_NONE,          /* available */
    PROF_UNAV_NOT_SUPPORTED, /* ENOENT/EOPNOTSUPP/ENODEV, unknown name, no tracefs event */
    PROF_UNAV_PERMISSION,    /* EACCES/EPERM, also user-only */
    PROF_UNAV_GONE,          /* ESRCH: the thread exited */
    PROF_UNAV_FDS,           /* EMFILE/ENFILE: out of file descriptors */
    PROF_UNAV_OTHER,
};

struct prof_group_event {
    char name[PROF_GROUP_NAME_MAX];   /* table name, "context-switches", "syscalls:sys_enter_x" */
    enum prof_src src;
    const struct prof_event_def *def; /* hardware: the table entry; else NULL */
    bool available;
    enum prof_unavail why;            /* PROF_UNAV_NONE when available */
    int err;                          /* the errno behind why; 0 when available */
    bool user_only;                   /* opened with exclude_kernel after EACCES/EPERM */
    int group;                        /* hardware group number; -1 when not grouped */
    char reason[PROF_GROUP_REASON_MAX]; /* why unavailable / the user-only caveat */
    struct prof_count count;          /* since prof_group_open, after prof_group_read */
};

/* Classify an errno from perf_event_open into why + advice. Returns why;
 * reason gets one sentence with the advice (perf_event_paranoid and
 * CAP_PERFMON, RLIMIT_NOFILE, ...). Cannot fail. */
enum prof_unavail prof_group_classify(int err, char *reason, size_t len);

/* A group set for thread `tid`; hardware groups hold at most max_per_group
 * events (the PMU's general-purpose counters; <= 0 means 4). NULL with
 * errno ENOMEM. */
struct prof_group *prof_group_new(pid_t tid, int max_per_group);
void prof_group_free(struct prof_group *g); /* closes every fd; NULL ok */

/* Add one event with a ready attribute (attr->type/config; the read format,
 * disabled and exclude bits are set by open). Returns 0 or -ENOMEM. */
int prof_group_add_event(struct prof_group *g, const char *name, enum prof_src src,
                         const struct perf_event_attr *attr);
/* Add every entry of a hardware table, encoded for libpfm4 PMU `pmu`. An
 * entry libpfm4 cannot encode is added as unavailable with its message.
 * Returns 0 or -ENOMEM. */
int prof_group_add_hardware(struct prof_group *g, const char *pmu,
                            const struct prof_event_table *table);
/* context-switches, cpu-migrations, task-clock, page-faults. 0 or -ENOMEM. */
int prof_group_add_software(struct prof_group *g);
/* syscalls:sys_enter_<name> for the network I/O calls (prof_group_syscalls),
 * ids from tracefs (/sys/kernel/tracing, then /sys/kernel/debug/tracing);
 * one that cannot be found is added as unavailable saying why. 0 or -ENOMEM. */
int prof_group_add_syscalls(struct prof_group *g);

/* When tracefs is not mounted and we are root: read the tracepoint ids
 * of prof_group_syscalls in a forked child that mounts tracefs in a mount
 * namespace of its own (gone when it exits: nothing stays mounted, and the
 * caller's mount namespace is untouched), for prof_group_add_syscalls to
 * use. Returns 0 (resolved, or not needed: tracefs is mounted), -EPERM
 * (not root) or -errno; note says what was done or why not. Forks: call
 * it before starting threads. */
int prof_group_resolve_tracefs(char *note, size_t len);

/* The system calls prof_group_add_syscalls counts, NULL-terminated. */
extern const char *const prof_group_syscalls[];

/* Open every added event on the thread, counting from now. Returns the
 * number of available events (>= 0); -ESRCH when the thread is gone (every
 * event then says so). Events are classified one by one; opening twice is
 * -EBUSY. */
int prof_group_open(struct prof_group *g);

/* Read every available event's (value, enabled, running) into its count.
 * Returns 0 or -errno of the first failing read (ESRCH-like failures leave
 * the last counts). */
int prof_group_read(struct prof_group *g);

/* Fold one thread's event into an NF's sum (same name; acc zeroed with
 * its name set, or a copy of the first thread's): the scaled values add
 * (each thread is scaled by its own enabled/running: threads multiplex
 * apart), as do raw counts and times; counted if any thread counted;
 * available if any thread's was — a thread that was gone or refused does
 * not hide the others' counts, and its reason is kept only when no thread
 * has the event. Cannot fail. */
void prof_group_event_merge(struct prof_group_event *acc, const struct prof_group_event *e);

size_t prof_group_nevents(const struct prof_group *g);
const struct prof_group_event *prof_group_event(const struct prof_group *g, size_t i);
/* The event named `name`, or NULL. */
const struct prof_group_event *prof_group_find(const struct prof_group *g, const char *name);

#endif
