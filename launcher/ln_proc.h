/*
 * ln_proc — the supervisor of a run's processes: it spawns a stage's
 * process (pinned, logs and stats page journalled), reaps children with
 * waitid(WNOWAIT) so the exit hooks still see /proc, restarts an NF whose
 * spec says `restart: on-failure`, stops every child at the end, and runs
 * the one event loop of a run (signalfd for SIGINT/SIGTERM/SIGCHLD plus the
 * sink's window FIFO). The registered run hooks (ln_hooks.h) are called
 * from here. What to run, and when, is the caller's (ln_run.c).
 */
#ifndef LN_PROC_H
#define LN_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "launcher/ln_hooks.h"
#include "launcher/ln_nfctl.h"
#include "launcher/ln_state.h"
#include "launcher/ln_topo.h"
#include "launcher/ln_traffic.h"
#include "launcher/scc_spec.h"

/* argv of a stage's process; the strings formatted for it live in store. */
struct ln_argv {
    const char *argv[64];
    int n;
    char store[4096];
    size_t used;
};

/* Append s (not copied: it must outlive the spawn); at most 63 entries. */
void ln_argv_add(struct ln_argv *b, const char *s);
/* Format a string into b's store and return it ("" when the store is full). */
const char *ln_argv_fmt(struct ln_argv *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct ln_proc_cfg {
    const struct scc_chain *chain;        /* cpus and restart policy of each NF */
    const struct ln_plan *plan;           /* stage names, namespaces, the state name */
    const struct ln_placement *placement; /* cpus of gen (stage 0) and sink (last) */
    const char (*stats_name)[LN_STATS_NAME]; /* each NF's stats page, by NF index */
    /* the argv to restart an NF's stage with (the same as its first start) */
    void (*nf_argv)(void *ctx, int stage, struct ln_argv *b);
    void *ctx;
};

struct ln_proc;

/* cfg and everything it points to must outlive the supervisor. NULL: out
 * of memory. */
struct ln_proc *ln_proc_new(const struct ln_proc_cfg *cfg);
/* Closes the signalfd and the FIFO; children must be stopped before. Accepts NULL. */
void ln_proc_free(struct ln_proc *p);

/* Register a set of hooks (at most 4), called in registration order. */
int ln_proc_add_hooks(struct ln_proc *p, const struct ln_hooks *h);

/* Block SIGINT, SIGTERM and SIGCHLD and take them through a signalfd from
 * now on, so no handler runs in the middle of set-up or teardown.
 * Returns 0 or -errno. */
int ln_proc_take_signals(struct ln_proc *p);

/* The journal that spawned processes and their files are recorded in
 * (set once it exists; spawning needs it unless ln_dry_run). */
void ln_proc_set_state(struct ln_proc *p, struct ln_state *state);

/* Start stage's process (its stdout captured for gen/sink, its stderr in
 * the run's log), journal its pid and start time, and call the nf_started
 * hooks for an NF. Under ln_dry_run, print the command line instead.
 * Returns 0 or -1 (logged). */
int ln_proc_spawn(struct ln_proc *p, int stage, const struct ln_argv *b);

/* Reap exited children (exit hooks first), restarting NFs whose policy
 * allows it. Returns true when an NF died for good, or the generator or sink
 * was killed by a signal, and the run must stop. */
bool ln_proc_reap(struct ln_proc *p);

/* Wait up to ms for a signal, a child's exit or a window notification
 * (which opens LN_WIN_MEASURE when the sink reports it). */
void ln_proc_wait(struct ln_proc *p, int ms);

/* Read what the sink's FIFO holds now, without waiting. */
void ln_proc_poll_window(struct ln_proc *p);

/* Make the sink's window FIFO at path (journalled) and listen on it.
 * Returns 0 or -1 (logged). */
int ln_proc_open_window_fifo(struct ln_proc *p, const char *path);

/* The sink said its window closed. */
bool ln_proc_window_closed(const struct ln_proc *p);

/* Call the window_open (open) or window_close hooks for w. */
void ln_proc_window(struct ln_proc *p, enum ln_window w, bool open);

/* SIGINT or SIGTERM was seen. */
bool ln_proc_stopping(const struct ln_proc *p);

/* The stage of an NF that died for good, or -1. */
int ln_proc_failed_stage(const struct ln_proc *p);

/* Has stage's process been started and not exited? */
bool ln_proc_alive(const struct ln_proc *p, int stage);

/* Copy stage's log (its stderr) to stderr, each line prefixed by its name. */
void ln_proc_log_tail(const struct ln_proc *p, int stage);

/* SIGTERM every child, wait up to 3 s, then SIGKILL the rest; all reaped. */
void ln_proc_stop_all(struct ln_proc *p);

#endif
