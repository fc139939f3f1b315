/*
 * ln_nfctl — what the launcher knows about one running NF: the name of its
 * stats page, whether it is ready, and a sample of its counters (its stats
 * page plus the kernel's view from /proc, profiler/prof_proc.h). Samples
 * taken at the edges of a window give the NF's figures over that window;
 * an NF restarted inside the window contributes one share per process
 * (incarnation), summed, so counters of two processes are never
 * subtracted from each other.
 */
#ifndef LN_NFCTL_H
#define LN_NFCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "profiler/prof_proc.h"

#define LN_MAX_ELEM_DROPS 32
#define LN_DROP_NAME 112   /* "element: reason": 48 + 2 + 48, never cut */
#define LN_STATS_NAME 40

struct ln_nf_counters {
    uint64_t rx, tx, rx_bytes, tx_bytes, batches, rx_calls, tx_calls;
    uint64_t drops;           /* every drop the NF counted (elements + I/O) */
    uint64_t kernel_drops;    /* dropped by the kernel on the NF's receive queue */
    /* The return path (scc-nf --reverse, endpoints; stats page version 6):
     * rev_mode 0 none (one-way: the rev_* stay 0), 1 pipeline, 2 straight.
     * rx/tx above are the forward direction; drops above count both. */
    int rev_mode;
    uint64_t rev_rx, rev_tx, rev_rx_bytes, rev_tx_bytes;
    uint64_t rev_drops;        /* element drops while pushing replies + sends refused */
    uint64_t rev_kernel_drops; /* dropped by the kernel on the out side's receive queue */
    /* The NF's own data-path system calls (stats page version 4). */
    uint64_t recvmmsg_calls, sendmmsg_calls, rx_empty_calls;
    uint64_t ring_calls; /* chain-order token hand-off calls (stats page version 7) */
    /* scc-nf --phase-timing. In a sample: 1 on, 0 off, -1 not known (a
     * process that has just started: its sums are 0 whichever it is). In
     * figures: 1 when it was on at both edges of every share, else 0 and
     * the three sums are not figures (never read them as 0 ns). */
    int phase;
    bool phase_rx_waits;      /* block idle: phase_rx_ns includes waiting for packets */
    uint64_t phase_rx_ns, phase_pipe_ns, phase_tx_ns;
    int ndrops;
    char drop_name[LN_MAX_ELEM_DROPS][LN_DROP_NAME];
    uint64_t drop_count[LN_MAX_ELEM_DROPS];
};

struct ln_nf_sample {
    struct prof_proc_sample proc;   /* proc.valid: /proc was readable */
    bool have_task_clock;           /* perf's task-clock of the process (ns) */
    uint64_t task_clock_ns;
    bool have_stats;                /* the NF's stats page was readable */
    struct ln_nf_counters c;
};

/* An NF's figures over a window, summed over the processes that ran in it. */
struct ln_nf_figures {
    int shares;               /* process shares summed (1 + restarts in the window) */
    bool proc_ok;             /* every share had /proc figures at both edges */
    struct prof_proc_sample proc;
    bool task_clock_ok;       /* every share had perf task-clock figures */
    uint64_t task_clock_ns;
    bool stats_ok;            /* every share had stats-page figures at both edges */
    struct ln_nf_counters c;
    /* A fused NF (one stage of a group's process, docs/fusion.md): /proc
     * and task-clock figures are per process. cpu_split: proc.run_ns and
     * task_clock_ns are this NF's share of the process's, split by the
     * stages' pipeline ns (phase timing was on); the process's context
     * switches, slices and wait stay on the group's first NF. cpu_group:
     * not split (phase timing off): the first NF's row holds the whole
     * group's CPU and the other members have none (proc_ok false). */
    bool cpu_split, cpu_group;
};

/* Stats-page name for an NF of a run (unique per chain/host and NF),
 * written into buf (LN_STATS_NAME bytes). Returns buf. */
const char *ln_nf_stats_name(const char *state_name, const char *nf_name, char *buf);
/* Has the NF published its ready flag? */
bool ln_nf_ready(const char *stats_name);
/* Read the stats page and /proc for pid (0 = stats only). Never fails:
 * what could not be read is marked as missing in the sample. */
void ln_nf_sample(const char *stats_name, pid_t pid, struct ln_nf_sample *out);
/* Stage `stage` of a fused group's page (its process's pid, 0 = no /proc:
 * a member other than the first reads no process figures). The NF's own
 * counters: rx/tx/drops of its stage, its elements' drops (names without
 * the "STAGE/" prefix, as unfused), pipeline ns; what happens at the
 * group's ends (receive calls and bytes, I/O drops, kernel drops, receive
 * ns) goes to the first stage, the send side to the last, as unfused; a
 * stage inside the group makes no system call, and its calls read 0.
 * stage < 0: the whole page (ln_nf_sample). */
void ln_nf_sample_stage(const char *stats_name, pid_t pid, int stage, struct ln_nf_sample *out);
/* The sample of a process that has just started: every counter 0, known. */
void ln_nf_sample_zero(struct ln_nf_sample *out);
/* Add one process's share (end - start) to fig. A figure whose edges are
 * missing, or that went backwards (not one process), marks fig as lacking
 * it rather than adding garbage. */
void ln_nf_figures_add(struct ln_nf_figures *fig, const struct ln_nf_sample *start,
                       const struct ln_nf_sample *end);

#endif
