/*
 * RoundRobin — spreads packets over its outputs in turn (packet i of the
 * stream goes to output i mod N, continuing across batches).
 *
 * Ports: 1 input, N >= 1 outputs (N = the outputs connected).
 * Arguments: none.
 * Drops: none.
 * Example: rr :: RoundRobin; FromIO -> rr; rr[0] -> ToIO(0); rr[1] -> ToIO(1)
 */
#ifndef NF_ELEM_ROUNDROBIN_H
#define NF_ELEM_ROUNDROBIN_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_roundrobin_ops;
#endif
