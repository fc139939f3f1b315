/*
 * FromIO — the pipeline's entry: it receives the batch the NF loop read
 * from its input socket and pushes it on unchanged. Its port argument lets
 * a future multi-input NF tell its entries apart.
 */
#include "nfs/elements/fromio.h"
#include "nfs/nf_args.h"

#include "common/scc_util.h"
#include "nfs/nf_pipeline.h"

int nf_ioport_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen)
{
    struct nf_ioport_priv *p = e->priv;
    if (argc > 1)
        return nf_element_error(e, err, errlen, "%s takes at most one argument (a port index)",
                                e->ops->cls);
    if (argc == 1) {
        long v;
        if (nf_args_int(argv[0], 0, NF_PIPE_MAX_IO - 1, &v) < 0)
            return nf_element_error(e, err, errlen, "port '%s' is not a number in 0..%d",
                                    argv[0], NF_PIPE_MAX_IO - 1);
        p->port = (unsigned)v;
    }
    return 0;
}

static void fromio_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        nf_push(e, 0, b->pkts[i]);
}

unsigned nf_fromio_port(const struct nf_element *e)
{
    return ((const struct nf_ioport_priv *)e->priv)->port;
}

const struct nf_element_ops nf_fromio_ops = {
    .cls = "FromIO",
    .nin_min = 0, .nin_max = 0,
    .nout_min = 1, .nout_max = 1,
    .priv_size = sizeof(struct nf_ioport_priv),
    .configure = nf_ioport_configure,
    .process = fromio_process,
};
