/*
 * ln_hooks — the points of a run that other modules attach to. The
 * supervisor (ln_run.c) calls every registered set in registration order:
 *   nf_started    an NF process was spawned (incarnation 0) or restarted
 *                 (1, 2, ...): apply scheduling, open per-pid counters;
 *   nf_exited     an NF process exited, called BEFORE it is reaped, so its
 *                 /proc entries still hold its final figures;
 *   window_open   a window opened: LN_WIN_RUN when traffic starts,
 *                 LN_WIN_MEASURE when the sink counts its first frame
 *                 after warm-up (the window of every reported figure);
 *   window_close  the window closed (traffic over and drained).
 * A hook returning non-zero from nf_started stops the run (the error is
 * the hook's to report through the log).
 */
#ifndef LN_HOOKS_H
#define LN_HOOKS_H

#include <sys/types.h>

enum ln_window { LN_WIN_RUN, LN_WIN_MEASURE, LN_NWINDOWS };

struct ln_hooks {
    void *ctx;
    int (*nf_started)(void *ctx, int nf, pid_t pid, int incarnation);
    void (*nf_exited)(void *ctx, int nf, pid_t pid, int wait_status);
    void (*window_open)(void *ctx, enum ln_window w);
    void (*window_close)(void *ctx, enum ln_window w);
};

#endif
