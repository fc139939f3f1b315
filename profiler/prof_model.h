/*
 * prof_model — the per-packet latency model (paper Table 3) per NF and
 * per chain, from counters over one measurement window and a calibration:
 *
 *   Latency/Pkt = L_D1 + L_D2 + L_D3 + L_DM + L_T1 + L_T2 + L_TM + L_CS + L_SC
 *   each term   = (events in the window / packets) × one event's latency
 *
 * and the scheduler's view (paper Table 5): Wait/RunTime,
 * SchedContention/RunTime, CPU time per packet (user/system), run-queue
 * wait per packet and blocked time per packet.
 *
 * Every term is available, or unavailable with the reason (the event that
 * could not be opened and why, the calibration figure that is missing);
 * the total adds the available terms and says which it lacks. A term is
 * never a silent 0. Plain inputs — names, packet counts, counters as
 * struct prof_group_event (from prof_group or from a recorded run) — so
 * the launcher, `scc profile -p` and the fixture tests use it alike.
 * Never prints (prof_text renders it).
 */
#ifndef PROF_MODEL_H
#define PROF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profiler/prof_calib.h"
#include "profiler/prof_events.h"
#include "profiler/prof_group.h"
#include "profiler/prof_proc.h"

#define PROF_MODEL_NAME_MAX 32
#define PROF_MODEL_REASON_MAX 512

/* One NF over the window. Counters are summed over its threads by the
 * caller (the sum of counts, enabled and running times). */
struct prof_nf_input {
    const char *name;
    int cpu;                  /* core it is pinned to; -1 when not pinned */
    int fused_head;           /* 1 + index of the NF whose process runs this one when it is
                               * in a fused group (ln_prof_target); 0: a process of its own */
    uint64_t packets;         /* the NF's packets in the window (the denominator) */
    double thread_ns;         /* window length × threads sampled (for blocked time) */

    bool have_proc;           /* /proc/PID/schedstat + status over the window */
    struct prof_proc_sample proc;
    const char *proc_reason;  /* why not, when !have_proc */

    bool have_cputime;        /* user/system split (/proc/PID/stat utime/stime) */
    double user_ns, sys_ns;

    const struct prof_event_table *table; /* hardware table the events came from; NULL: none */
    const char *hw_reason;    /* why no hardware events at all, when table is NULL */
    const struct prof_group_event *events; /* hardware, software and tracepoint counts */
    size_t nevents;

    enum prof_calib_policy_row policy; /* the context-switch cost row the NF runs under */
    const char *policy_seen;  /* how that policy was known, e.g. "batch nice 0 (read back
                               * with sched_getattr)"; NULL: not said */

    /* The NF's own figures from its stats page over the window (scc-nf):
     * its data-path system calls, a cross-check of the tracepoints and
     * L_SC's source when they are unavailable ... */
    bool have_nf_calls;
    uint64_t nf_recvmmsg, nf_sendmmsg;
    /* ... and --phase-timing's cumulative receive / pipeline / send ns: a
     * measured breakdown to hold the model against. */
    bool have_phases;
    bool phase_rx_waits;      /* block idle: the receive phase includes waiting for packets */
    double phase_rx_ns, phase_pipe_ns, phase_tx_ns;
    const char *phase_reason; /* why no phases, when !have_phases */
};

struct prof_term_val {
    bool available;
    double events;            /* in the window (scaled) */
    double events_per_pkt;
    double cost_ns;           /* one event's latency, from the calibration */
    double ns_per_pkt;        /* the term */
    bool scaled;              /* an input was multiplexed and scaled */
    double counted_ratio;     /* min running/enabled of its inputs (1 = always counted) */
    char reason[PROF_MODEL_REASON_MAX]; /* unavailable: why; available: a caveat or "" */
};

/* A figure that may be unknown. */
struct prof_figure {
    bool available;
    double v;
    char reason[PROF_MODEL_REASON_MAX];
};

struct prof_nf_result {
    char name[PROF_MODEL_NAME_MAX];
    int cpu;
    int fused_head;           /* the input's */
    uint64_t packets;
    struct prof_term_val term[PROF_NTERMS];
    double total_ns_per_pkt;  /* sum of the available terms */
    unsigned lacking;         /* bit k set: term k unavailable, not in the total */
    double counted_ratio;     /* min over the hardware events (1 = no multiplexing) */

    struct prof_figure run_ns_per_pkt;     /* on a CPU */
    struct prof_figure wait_ns_per_pkt;    /* runnable, waiting on a run queue */
    struct prof_figure blocked_ns_per_pkt; /* neither: waiting for packets or I/O */
    struct prof_figure user_ns_per_pkt, sys_ns_per_pkt;
    struct prof_figure wait_over_run;       /* Wait/RunTime */
    struct prof_figure contention_over_run; /* SchedContention/RunTime */
    struct prof_figure switches_per_pkt;    /* voluntary + involuntary */
    struct prof_figure invol_per_pkt;
    struct prof_figure syscalls_per_pkt;

    char cs_policy[32];       /* the ctxsw row L_CS is costed with: prof_model_policy_names */
    char policy_seen[96];     /* the input's policy_seen, "" when not said */
    struct prof_figure nf_syscalls_per_pkt; /* the NF's own recvmmsg + sendmmsg per packet */
    /* Measured by the NF (--phase-timing), ns per packet. measured_cpu is
     * its CPU per packet: the sum of the phases, without the receive phase
     * when that includes waiting (phase_rx_waits, block idle). */
    struct prof_figure phase_rx_per_pkt, phase_pipe_per_pkt, phase_tx_per_pkt;
    struct prof_figure measured_cpu_per_pkt;
    bool phase_rx_waits;
};

/* The ctxsw rows by enum prof_calib_policy_row, in words: "other",
 * "batch", "rr", "fifo", "other nice -19". */
extern const char *const prof_model_policy_names[PROF_CALIB_NPOLICIES];

struct prof_model; /* opaque */

/* Compute the model for n NFs (a chain, in order). cal may be NULL (every
 * term then unavailable: "no calibration"). Returns NULL with errno
 * (ENOMEM; EINVAL when n == 0 or an NF has no name). */
struct prof_model *prof_model_new(const struct prof_nf_input *nfs, size_t n,
                                  const struct prof_calib *cal);
void prof_model_free(struct prof_model *m); /* NULL ok */

size_t prof_model_nnfs(const struct prof_model *m);
const struct prof_nf_result *prof_model_nf(const struct prof_model *m, size_t i);
/* The chain: each term and figure summed over the NFs' per-packet values
 * (a packet crosses every NF); a term is available only when it is in
 * every NF (else the reason names the NF); Wait/RunTime and
 * SchedContention/RunTime are the chain's sums divided. name = "chain". */
const struct prof_nf_result *prof_model_chain(const struct prof_model *m);

/* "L_D2 L_TM" for the bits of `lacking` (or "" for none) into buf. */
void prof_model_lacking_str(unsigned lacking, char *buf, size_t len);

#endif
