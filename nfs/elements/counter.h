/*
 * Counter — counts packets and bytes passing through; forwards everything.
 *
 * Ports: 1 input, 1 output.
 * Arguments: none.
 * Counters: in (packets), bytes (frame bytes), shown by `scc stats`.
 * Drops: none.
 * Example: FromIO -> Counter -> ToIO
 */
#ifndef NF_ELEM_COUNTER_H
#define NF_ELEM_COUNTER_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_counter_ops;
#endif
