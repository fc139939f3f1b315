/*
 * RoundRobin — a load-spreading switch, the allocation-free stand-in for Tee
 * (Tee would need a packet copy, see docs/elements.md).
 */
#include "nfs/elements/roundrobin.h"

struct rr_priv {
    int next;
};

static void rr_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    struct rr_priv *p = e->priv;
    int next = p->next;
    for (uint32_t i = 0; i < b->n; i++) {
        nf_push(e, next, b->pkts[i]);
        if (++next == e->nout)
            next = 0;
    }
    p->next = next;
}

const struct nf_element_ops nf_roundrobin_ops = {
    .cls = "RoundRobin",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = -1,
    .priv_size = sizeof(struct rr_priv),
    .process = rr_process,
};
