/*
 * ToIO — the pipeline's exit: it appends packets to the pipeline's output
 * batch for its port, which the NF loop sends with one sendmmsg round.
 */
#include "nfs/elements/toio.h"
#include "nfs/nf_args.h"

#include "common/scc_util.h"
#include "nfs/nf_pipeline.h"

struct io_priv {
    unsigned port;
};

static int io_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen)
{
    struct io_priv *p = e->priv;
    if (argc > 1)
        return nf_element_error(e, err, errlen, "ToIO takes at most one argument (a port index)");
    if (argc == 1) {
        long v;
        if (nf_args_int(argv[0], 0, NF_PIPE_MAX_IO - 1, &v) < 0)
            return nf_element_error(e, err, errlen, "port '%s' is not a number in 0..%d",
                                    argv[0], NF_PIPE_MAX_IO - 1);
        p->port = (unsigned)v;
    }
    return 0;
}

unsigned nf_toio_port(const struct nf_element *e)
{
    return ((const struct io_priv *)e->priv)->port;
}

enum { TOIO_FULL };
static const char *const toio_reasons[] = {"output batch full"};
NF_DROP_REASONS_FIT(toio_reasons);

static void toio_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    struct nf_batch *out = nf_pipeline_output(e->pipe, ((struct io_priv *)e->priv)->port);
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
    .priv_size = sizeof(struct io_priv),
    .drop_reasons = toio_reasons,
    .ndrop_reasons = NF_NREASONS(toio_reasons),
    .configure = io_configure,
    .process = toio_process,
};
