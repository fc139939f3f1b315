/*
 * ToIO — the pipeline's exit: it appends packets to the pipeline's output
 * batch for its port, which the NF loop sends with one sendmmsg round.
 */
#include "nfs/elements/toio.h"
#include "nfs/elements/fromio.h"

#include "common/scc_util.h"
#include "nfs/nf_pipeline.h"

unsigned nf_toio_port(const struct nf_element *e)
{
    return ((const struct nf_ioport_priv *)e->priv)->port;
}

enum { TOIO_FULL };
static const char *const toio_reasons[] = {"output batch full"};
NF_DROP_REASONS_FIT(toio_reasons);

static void toio_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    struct nf_batch *out = nf_pipeline_output(e->pipe, ((struct nf_ioport_priv *)e->priv)->port);
    for (uint32_t i = 0; i < b->n; i++) {
        if (out->n < out->cap)
            out->pkts[out->n++] = b->pkts[i];
        else
            nf_drop(e, TOIO_FULL, b->pkts[i]);
    }
    e->out_pkts += b->n;
}

const struct nf_element_ops nf_toio_ops = {
    .cls = "ToIO",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 0, .nout_max = 0,
    .priv_size = sizeof(struct nf_ioport_priv),
    .drop_reasons = toio_reasons,
    .ndrop_reasons = NF_NREASONS(toio_reasons),
    .configure = nf_ioport_configure,
    .process = toio_process,
};
