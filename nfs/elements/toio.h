/*
 * ToIO — where packets leave the pipeline to be sent.
 *
 * Ports: 1 input (any number of connections), no outputs.
 * Arguments: ToIO([PORT]) — the NF's output index, default 0 (scc-nf has
 * two: 0 forwards, 1 goes back toward the packet's sender).
 * Drops: "output batch full" (only when the caller did not send and clear
 * the previous batch's output; never in scc-nf).
 * Example: FromIO -> CheckIPHeader -> ToIO(0)
 * See also: FromIO.
 */
#ifndef NF_ELEM_TOIO_H
#define NF_ELEM_TOIO_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_toio_ops;
unsigned nf_toio_port(const struct nf_element *e);
#endif
