/*
 * Counter — packet and byte counting in the graph (the framework already
 * counts packets per element; Counter adds bytes, which cost a pass over the
 * batch that other elements should not pay).
 */
#include "nfs/elements/counter.h"

static void counter_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        bytes += b->pkts[i]->len;
        nf_push(e, 0, b->pkts[i]);
    }
    e->bytes += bytes;
}

const struct nf_element_ops nf_counter_ops = {
    .cls = "Counter",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = 1,
    .process = counter_process,
};
