/*
 * FromIO — where received packets enter the pipeline.
 *
 * Ports: no inputs, 1 output.
 * Arguments: FromIO([PORT]) — the NF's input endpoint index, default 0
 * (scc-nf has one input, 0). Each index may appear once.
 * Drops: none.
 * Example: FromIO -> Counter -> ToIO
 * See also: ToIO.
 */
#ifndef NF_ELEM_FROMIO_H
#define NF_ELEM_FROMIO_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_fromio_ops;
unsigned nf_fromio_port(const struct nf_element *e);

/* FromIO and ToIO share their private state and their one optional
 * argument, the endpoint index: ToIO's ops use these too. */
struct nf_ioport_priv {
    unsigned port;
};
int nf_ioport_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen);
#endif
