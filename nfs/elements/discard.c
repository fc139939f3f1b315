/*
 * Discard — the explicit sink for outputs that must go nowhere; every
 * output of every element has to be connected, so this is how a pipeline
 * says "drop these" and gets them counted.
 */
#include "nfs/elements/discard.h"

static const char *const discard_reasons[] = {"discarded"};
NF_DROP_REASONS_FIT(discard_reasons);

static void discard_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    e->drops[0] += b->n; /* counted in bulk: discarding is this element's job, not news */
}

const struct nf_element_ops nf_discard_ops = {
    .cls = "Discard",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 0, .nout_max = 0,
    .drop_reasons = discard_reasons,
    .ndrop_reasons = NF_NREASONS(discard_reasons),
    .process = discard_process,
};
