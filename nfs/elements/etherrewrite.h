/*
 * EtherRewrite — writes the Ethernet source and/or destination address.
 *
 * Ports: 1 input, 1 output.
 * Arguments: `SRC MAC`, `DST MAC`, either or both, comma-separated, each
 * at most once: EtherRewrite(SRC 02:00:00:00:00:01, DST 02:00:00:00:00:02).
 * Drops: "frame shorter than an Ethernet header" (< 14 bytes).
 * Example: FromIO -> EtherRewrite(DST 02:00:00:00:00:09) -> ToIO
 */
#ifndef NF_ELEM_ETHERREWRITE_H
#define NF_ELEM_ETHERREWRITE_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_etherrewrite_ops;
#endif
