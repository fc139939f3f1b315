/*
 * nf_stats — the live counters page every scc-nf publishes.
 *
 * Where: POSIX shared memory `/scc-nf-<NAME>` (the file /dev/shm/scc-nf-<NAME>),
 * mode 0600, created by scc-nf before it starts its loop and removed when it
 * exits. A page left by a crashed NF is replaced by the next NF of that name
 * once its pid is gone.
 *
 * Layout: one struct nf_stats_page (fixed size, host byte order). `magic`
 * and `version` first; a reader refuses another version. Readers must use
 * nf_stats_read() (or the same protocol): the writer increments `seq` to an
 * odd value, updates the counters, then increments it to an even value; a
 * reader copies the page and retries while seq was odd or changed during the
 * copy, so it always sees one consistent snapshot (a seqlock).
 *
 * `ready` becomes 1 once the sockets are open, the sandbox is on, and the NF
 * is about to receive; the launcher waits for it. `state` is 2 when the NF
 * has left its loop (the page is about to be removed).
 */
#ifndef NF_STATS_H
#define NF_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NF_STATS_MAGIC 0x464e4353u /* "SCNF" little-endian */
#define NF_STATS_VERSION 7u
#define NF_STATS_MAX_ELEMS 128 /* 16 fused routers of 6 elements fit */
#define NF_STATS_MAX_STAGES 16
#define NF_STATS_MAX_REASONS 12
#define NF_STATS_NAME 48
#define NF_STATS_REASON 48

struct nf_stats_elem {
    char name[NF_STATS_NAME];   /* element name (declared or Class@N) */
    char cls[NF_STATS_NAME];    /* element class */
    uint64_t in_pkts, out_pkts; /* packets received / pushed on */
    uint64_t bytes;             /* bytes seen (Counter only; else 0) */
    uint32_t nreasons, pad;
    char reason[NF_STATS_MAX_REASONS][NF_STATS_REASON];
    uint64_t drops[NF_STATS_MAX_REASONS];
};

/* Version 5: one row per stage of a fused group (scc-nf --stage; a plain
 * --pipeline NF has one stage named after the NF). A stage's elements are
 * elems[first_elem .. first_elem + nelems - 1]. */
struct nf_stats_stage {
    char name[NF_STATS_NAME];   /* the original NF's name */
    uint32_t first_elem, nelems;
    uint64_t rx_pkts;           /* packets handed to the stage's FromIO */
    uint64_t tx_pkts;           /* packets its ToIO handed on (to the next stage or the send) */
    uint64_t drops;             /* sum over the stage's elements and reasons */
    uint64_t pipe_ns;           /* --phase-timing: ns in this stage's pipeline (else 0) */
};

/* Version 6: the reverse direction's counters (see nf_stats_page.rev). */
struct nf_stats_rev {
    uint32_t mode;              /* NF_STATS_REV_*: how the NF forwards replies */
    uint32_t pad;
    uint64_t rx_pkts, rx_bytes; /* received on the out side */
    uint64_t tx_pkts, tx_bytes; /* sent back on the in side */
    uint64_t batches;           /* reverse receive rounds that returned packets */
    uint64_t tx_drops;          /* refused by the kernel on the in side's send */
    uint64_t drops;             /* element drops while pushing reverse batches */
    uint64_t rx_kernel_drops;   /* the out side's receive queue overflowed */
};

#define NF_STATS_REV_NONE 0u     /* one-way NF: frames on the out side are not read */
#define NF_STATS_REV_PIPELINE 1u /* replies go through the same pipeline (same state) */
#define NF_STATS_REV_STRAIGHT 2u /* replies go straight back, unchanged */

struct nf_stats_page {
    uint32_t magic, version;
    uint32_t size;          /* sizeof(struct nf_stats_page) */
    uint32_t seq;           /* seqlock: odd while the writer updates */
    uint32_t ready;         /* 1 = loop running */
    uint32_t state;         /* 0 starting, 1 running, 2 stopped */
    int32_t pid;
    uint32_t batch;         /* configured batch size */
    char name[64];          /* NF name */
    char transport_in[64];  /* endpoints as given */
    char transport_out[64];
    uint64_t start_ns;      /* CLOCK_MONOTONIC at start */
    uint64_t update_ns;     /* CLOCK_MONOTONIC of this snapshot */
    uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
    uint64_t batches;       /* receive rounds that returned packets */
    uint64_t rx_calls, tx_calls;         /* recvmmsg calls that returned packets (version 3;
                                            before: every call) / sendmmsg calls */
    uint64_t rx_bad_encap, rx_truncated; /* dropped by the I/O layer on receive */
    uint64_t tx_drops;                   /* refused by the kernel on send */
    uint64_t drops;                      /* sum over every element and reason */
    uint64_t rx_kernel_drops;            /* dropped by the kernel before the NF read them:
                                            its receive queue was full (PACKET_STATISTICS on
                                            raw, SO_MEMINFO drops on udp); version 2 */
    uint64_t rx_empty_calls;             /* recvmmsg calls that returned nothing (a block
                                            wait that timed out or was interrupted, an
                                            empty busy spin); version 3 */
    /* Version 4: the NF's own system calls on its data path, and (with
     * scc-nf --phase-timing) where its time per batch goes. */
    uint64_t recvmmsg_calls;             /* every recvmmsg (= rx_calls + rx_empty_calls) */
    uint64_t sendmmsg_calls;             /* every sendmmsg (= tx_calls) */
    uint32_t phase_flags;                /* NF_STATS_PHASE_*; 0 = phase timing off and the
                                            three sums below are 0, not measured */
    uint32_t pad2;
    uint64_t phase_rx_ns;                /* in receive calls that returned packets */
    uint64_t phase_pipe_ns;              /* pushing batches through the pipeline */
    uint64_t phase_tx_ns;                /* sending what came out (sendmmsg, --dst-mac) */
    /* Version 5: the stages of a fused group (nstages >= 1). */
    uint32_t nstages, pad3;
    struct nf_stats_stage stages[NF_STATS_MAX_STAGES];
    uint32_t nelems, pad;          /* with several stages, element names are "STAGE/name" */
    struct nf_stats_elem elems[NF_STATS_MAX_ELEMS];
    /* Version 6: the return path (scc-nf --reverse). The fields above
     * count the forward direction (in -> out) as before; these count
     * frames received on the out side and sent back out of the in side.
     * reverse is NF_STATS_REV_NONE (and these stay 0) for a one-way NF. */
    struct nf_stats_rev rev;
    /* Version 7: chain-order "token" (scc-nf --ring, nfs/nf_ring.h): the
     * system calls of the hand-off — FUTEX_WAKE and FUTEX_WAIT, liveness
     * checks (kill with signal 0) and the idle poll of the ring's first
     * member; 0 for an NF outside a ring. */
    uint64_t ring_calls;
};

/* phase_flags bits */
#define NF_STATS_PHASE_ON 1u          /* scc-nf --phase-timing: the phase sums are measured */
#define NF_STATS_PHASE_RX_WAITS 2u    /* block idle: a receive that returned packets also
                                         slept until the first one arrived, so phase_rx_ns
                                         holds wait time (busy idle: CPU time only) */

struct nf_stats_writer;

/* Create /dev/shm/scc-nf-NAME (0600) and map it. NAME: 1..32 of
 * [A-Za-z0-9_.-]. NULL with errno and a message in err on failure
 * (EEXIST: a live NF of that name runs). */
struct nf_stats_writer *nf_stats_create(const char *name, char *err, size_t errlen);
struct nf_stats_page *nf_stats_page(struct nf_stats_writer *w);
/* Bracket every update of the page. */
void nf_stats_begin(struct nf_stats_writer *w);
void nf_stats_end(struct nf_stats_writer *w);
/* Unmap and remove the page; accepts NULL. Uses only munmap, unlinkat and
 * close, so it works under scc-nf's seccomp filter. */
void nf_stats_destroy(struct nf_stats_writer *w);
/* The directory fd the writer unlinks from (for the seccomp rule). */
int nf_stats_dirfd(const struct nf_stats_writer *w);

/* Read a consistent snapshot of NAME's page. 0, or -ENOENT (no such NF),
 * -EPROTO (wrong magic/version/size: err says which version the page is and
 * that the NF must be restarted with this build), -EAGAIN (writer never
 * settled). */
int nf_stats_read(const char *name, struct nf_stats_page *out, char *err, size_t errlen);
/* Print a snapshot as text (perf-stat-like) or JSON (one line; the keys
 * are an interface: scripts read them). 0, or -ENOMEM (JSON not printed). */
int nf_stats_print(const struct nf_stats_page *p, FILE *f, bool json);
/* Check an NF name; returns 0 or -EINVAL. */
int nf_stats_name_ok(const char *name);

#endif
