/*
 * nf_element — the element interface of the Click-like framework.
 *
 * An element class is data: a `const struct nf_element_ops` with its class
 * name, how many input and output ports it accepts, a text table of the
 * reasons it drops packets, and four functions:
 *
 *   configure(e, argc, argv, err)  parse the arguments the pipeline parser
 *                                  split (nf_parse.h); e->nin/e->nout are
 *                                  already known, so a class can insist that
 *                                  its argument count matches its outputs;
 *   initialize(e, err)             optional: anything that needs the whole
 *                                  graph (after every element configured);
 *   process(e, in_port, batch)     push model, one batch at a time: every
 *                                  packet of `batch` is either pushed to an
 *                                  output (nf_push) or dropped with a reason
 *                                  (nf_drop). No allocation here;
 *   cleanup(e, stage)              free what configure/initialize made; it is
 *                                  told which stage set-up reached, so it
 *                                  works on half-built elements too.
 *
 * The framework (nf_pipeline.c) does the wiring: it delivers each output
 * batch to the connected element right after process() returns, counts
 * packets in and out, and keeps one drop counter per reason.
 */
#ifndef NF_ELEMENT_H
#define NF_ELEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/scc_util.h"
#include "nfs/nf_parse.h"
#include "nfs/nf_pkt.h"

#define NF_MAX_PORTS 64       /* outputs (and inputs) per element */
#define NF_MAX_DROP_REASONS 12

/* Drop bookkeeping as data: an element names its reasons in one array and
 * its ops take the count from the array, checked at compile time against
 * the per-element counters (NF_MAX_DROP_REASONS):
 *     static const char *const x_reasons[] = {"...", "..."};
 *     NF_DROP_REASONS_FIT(x_reasons);
 *     ... .drop_reasons = x_reasons, .ndrop_reasons = NF_NREASONS(x_reasons), ...
 * (The stats page's room, NF_STATS_MAX_REASONS, is checked against
 * NF_MAX_DROP_REASONS where both meet, in nf_main.c.) */
#define NF_NREASONS(arr) ((int)SCC_ARRAY_SIZE(arr))
#define NF_DROP_REASONS_FIT(arr)                                                           \
    _Static_assert(SCC_ARRAY_SIZE(arr) <= NF_MAX_DROP_REASONS,                             \
                   #arr ": more drop reasons than NF_MAX_DROP_REASONS")

enum nf_stage { NF_STAGE_NEW = 0, NF_STAGE_CONFIGURED = 1, NF_STAGE_INITIALIZED = 2 };

struct nf_element;
struct nf_pipeline;

struct nf_element_ops {
    const char *cls;
    int nin_min, nin_max;    /* input ports */
    int nout_min, nout_max;  /* output ports; nout_max -1 = up to NF_MAX_PORTS */
    size_t priv_size;        /* zeroed private state allocated by the framework */
    const char *const *drop_reasons; /* text per reason index */
    int ndrop_reasons;
    /* Reasons (bit i = reason i) that count events, not dropped packets:
     * a NAT's evicted flows, its sweep steps. They share the per-reason
     * counters (so the stats page shows them by name, per element) but are
     * left out of nf_pipeline_drops(), so rx = tx + drops still holds. */
    uint32_t event_reasons;
    int (*configure)(struct nf_element *e, int argc, char **argv, char *err, size_t errlen);
    int (*initialize)(struct nf_element *e, char *err, size_t errlen);
    void (*process)(struct nf_element *e, int in_port, struct nf_batch *b);
    void (*cleanup)(struct nf_element *e, enum nf_stage reached);
};

/* One instance in a pipeline. Elements read their own fields; only the
 * framework writes the wiring. */
struct nf_element {
    const struct nf_element_ops *ops;
    char name[NF_NAME_MAX];
    int index;
    int nin, nout;
    enum nf_stage stage;
    struct nf_pipeline *pipe;
    void *priv;
    struct nf_batch *out;           /* nout output batches */
    struct nf_element **out_elem;   /* downstream element per output */
    int *out_port;                  /* downstream input port per output */
    uint64_t in_pkts, out_pkts;     /* packets received / pushed */
    uint64_t bytes;                 /* bytes seen, kept by elements that count them */
    uint64_t drops[NF_MAX_DROP_REASONS];
    uint32_t drop_logged;           /* reasons already logged once */
};

/* Push pkt to output port (0..nout-1). Cannot fail: output batches have
 * room for a whole input batch and an element pushes each packet once. */
static inline void nf_push(struct nf_element *e, int port, struct nf_pkt *pkt)
{
    struct nf_batch *b = &e->out[port];
    b->pkts[b->n++] = pkt;
}

/* Drop pkt for reason (an index into ops->drop_reasons). The first drop per
 * reason is logged at info level, the rest at debug level. */
void nf_drop(struct nf_element *e, int reason, struct nf_pkt *pkt);

/* Count one event (a reason in ops->event_reasons); no packet involved. */
static inline void nf_count_event(struct nf_element *e, int reason)
{
    e->drops[reason]++;
}

/* CLOCK_MONOTONIC ns of the batch being processed (one clock read per batch). */
uint64_t nf_element_now(const struct nf_element *e);

/* The direction of the batch being processed. An NF that forwards the
 * return path through its pipeline (scc-nf --reverse pipeline) runs the
 * frames that arrived on its out side with NF_DIR_RETURN; everything else
 * (and every batch of a one-way NF) is NF_DIR_FORWARD. It is a property of
 * the run, like nf_element_now(), set once per batch: nothing per packet.
 * Elements that are the same both ways (a router, a counter) ignore it; a
 * stateful IPFilter records flows forward and admits only their replies on
 * the return path. */
enum nf_dir { NF_DIR_FORWARD = 0, NF_DIR_RETURN = 1 };
enum nf_dir nf_element_dir(const struct nf_element *e);

/* Format a configure error "NAME: ..." into err; returns -EINVAL. */
int nf_element_error(const struct nf_element *e, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
