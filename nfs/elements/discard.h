/*
 * Discard — drops every packet it receives, counting them.
 *
 * Ports: 1 input, no outputs.
 * Arguments: none.
 * Drops: "discarded" (every packet).
 * Example: rt :: StaticIPLookup(10.0.0.0/8 0, 0.0.0.0/0 1); ...; rt[1] -> Discard
 */
#ifndef NF_ELEM_DISCARD_H
#define NF_ELEM_DISCARD_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_discard_ops;
#endif
