/*
 * ln_prof — the run's profiler: per-thread counters (profiler/prof_group:
 * hardware from this CPU's prof_events table, software events, the network
 * system calls' tracepoints) on every NF process, attached through the run
 * hooks (ln_hooks.h) like ln_sampler, read over the measurement window,
 * and turned into the per-packet model (prof_model) with the launcher's
 * own per-NF figures (packets, /proc schedstat/status from ln_sampler),
 * the calibration and the sink's percentiles. `scc profile -p PID` uses
 * the same object with targets it attaches itself (ln_prof_attach).
 *
 * Counting: groups are opened when a target process starts (so their cost
 * is outside the window), a baseline is read at window open and the counts
 * at close; an incarnation that exits inside the window is read before it
 * is reaped and its share added (restarts add up, never subtract). The
 * task list (/proc/PID/task) is rescanned at window open and then at every
 * ln_prof_tick deadline (LN_PROF_RESCAN_MS, or the interval when shorter):
 * a thread started inside the window is attached then and counted from
 * that moment; what it did before is lost and measured (its CPU time from
 * /proc/PID/task/TID/schedstat at attach, reported per target).
 *
 * Interval mode (interval_ms > 0): at every interval deadline (absolute,
 * on the grid t_open + k x interval: a late tick never shifts the next)
 * every counter is read without stopping it, and the deltas since the
 * previous deadline — counters, schedstat run/wait, packets — go through
 * the model: one line per NF per interval to interval_out (like `perf stat
 * -I`) and the run file's profile.intervals. Library-style: prints only to
 * the FILEs it is given (ln_prof_report's, cfg.interval_out).
 */
#ifndef LN_PROF_H
#define LN_PROF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "bench/traffic/tr_result.h"
#include "launcher/ln_hooks.h"
#include "launcher/ln_nfctl.h"
#include "profiler/prof_calib.h"

struct json_object;
struct ln_prof;
struct sched_view;

/* Where the model looks for a calibration when the spec names none:
 * `scc bench calibrate -o /var/lib/scc/calibration.json` writes it. */
#define LN_PROF_DEFAULT_CALIBRATION "/var/lib/scc/calibration.json"

struct ln_prof_target {
    const char *name;                  /* NF name or "pid 1234 (comm)" */
    int cpu;                           /* pinned core, or -1 */
    enum prof_calib_policy_row policy; /* context-switch cost row */
    /* Chain fusion (scheduler.mode fused): 1 + the index of the target
     * whose process runs this one, when it is in a fused group of two or
     * more NFs (the head itself included); 0 = not fused. */
    int fused_head;
    /* The NF's stats page (ln_nf_stats_name; a fused member's is its
     * head's, read at its stage), for interval mode's per-interval packets
     * and own system-call counts; NULL: none (scc profile -p). */
    const char *stats_name;
};

/* How often the task lists are rescanned while the window is open, ms. */
#define LN_PROF_RESCAN_MS 100

struct ln_prof_cfg {
    int n;                              /* targets (the chain's NFs, or -p's PIDs) */
    const struct ln_prof_target *targets;
    char *const *events;                /* profiler.events; NULL/0 = {"default"} */
    int nevents;
    /* Whether the "default" group holds the system-call tracepoints. While
     * a syscalls:sys_enter_* event is enabled, the kernel sends every
     * system call on the machine down its traced slow path
     * (syscall_regfunc marks every task). NFs the launcher started count
     * their own recvmmsg/sendmmsg (the stats page, L_SC's source then), so
     * for them the tracepoints are opt-in (the "syscalls" group). `scc
     * profile -p` sets it: a process without a stats page has no other
     * source. */
    bool default_syscalls;
    unsigned interval_ms;               /* 0: counting; else ln_prof_tick's period */
    FILE *interval_out;                 /* interval mode: one line per NF per interval; NULL: none */
    /* Interval mode: the packet denominators now, one per target (n
     * entries), for targets without a stats page (scc profile -p
     * --packets-from). Returns 0, or -errno (the interval's per-packet
     * figures then say so). NULL: stats pages only. */
    int (*packets_now)(void *ctx, uint64_t *rx);
    void *packets_ctx;
    const char *packets_reason;         /* why there are no per-interval packets, when
                                         * neither a stats page nor packets_now gives them */
    const char *calibration;            /* NULL: LN_PROF_DEFAULT_CALIBRATION if readable */
};

/* NULL with errno (ENOMEM, EINVAL with err saying which event name). */
struct ln_prof *ln_prof_new(const struct ln_prof_cfg *cfg, char *err, size_t errlen);
void ln_prof_free(struct ln_prof *p); /* closes every counter; NULL ok */

/* The hooks for the supervisor (ctx = p): target i = NF i. */
struct ln_hooks ln_prof_hooks(struct ln_prof *p);

/* For processes the launcher did not start: attach target i to pid now
 * (as nf_started would). Returns 0, or -ESRCH when pid is gone. */
int ln_prof_attach(struct ln_prof *p, int i, pid_t pid);

/* The calibration's context-switch row for a policy read back from the
 * kernel (scheduler/sched_view), and that policy in words into seen
 * ("batch nice 0 (read back with sched_getattr)"). The profiler reads
 * every target's policy when it attaches and again at window open, and
 * costs L_CS with it; the configured row is used only where it cannot be
 * read. */
enum prof_calib_policy_row ln_prof_policy_row(const struct sched_view *v, char *seen, size_t len);

/* Call when ln_prof_deadline says (earlier is harmless): while the window
 * is open it rescans the task lists (new threads attached at once) and, in
 * interval mode, at each interval deadline reads every counter and records
 * and prints the interval. Returns 0 or -ENOMEM (the interval is lost). */
int ln_prof_tick(struct ln_prof *p);
/* The next deadline ln_prof_tick has (CLOCK_MONOTONIC ns, scc_now_ns), or
 * 0 when none (the window is not open). Cannot fail. */
uint64_t ln_prof_deadline(const struct ln_prof *p);

/* Which names are valid in profiler.events: groups and every event name
 * (hardware tables, software, tracepoints). true when `name` is one. */
bool ln_prof_event_valid(const char *name);
/* Groups, software, tracepoint and hardware-table names, for "did
 * you mean"; returns how many were put in out (at most max). */
size_t ln_prof_event_names(const char **out, size_t max);
/* Every valid kind of name, in words, for error messages. */
const char *ln_prof_event_groups(void);

/* Per-target inputs the profiler does not count itself, over the window. */
struct ln_prof_figs {
    const struct ln_nf_figures *fig;   /* per target: packets (c.rx), /proc; NULL entries ok */
    const uint64_t *packets;           /* per target, overrides fig's c.rx when non-NULL */
    double window_s;
    const struct tr_sink_result *sink; /* NULL: no sink ran */
    const char *sink_reason;           /* why not, when sink is NULL */
};

/* Compute the model, print the text table to out (NULL: don't) and build
 * the run file's "profile" section into *json (NULL: don't; caller puts).
 * Returns 0, -ENOMEM, or -EIO when writing failed. */
int ln_prof_report(struct ln_prof *p, const struct ln_prof_figs *f, FILE *out,
                   struct json_object **json);

/* List the hardware tables (this CPU's marked) and the software and
 * tracepoint events to out. Returns 0 or -EIO. */
int ln_prof_list_events(FILE *out);

/* `scc profile` (cmd_profile.c). */
int cmd_profile(int argc, char **argv);

#endif
