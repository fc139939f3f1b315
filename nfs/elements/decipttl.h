/*
 * DecIPTTL — decrements the IPv4 time-to-live and updates the header
 * checksum incrementally (RFC 1624), as a router must (RFC 1812 5.3.1).
 *
 * Ports: 1 input, 1 output.
 * Arguments: none.
 * Drops: "TTL expired" (TTL <= 1: the packet must not be forwarded);
 *        "not an IPv4 frame" (too short for an IPv4 header, or another
 *        EtherType). Put CheckIPHeader before it to validate the header.
 * Example: FromIO -> CheckIPHeader -> DecIPTTL -> ToIO
 */
#ifndef NF_ELEM_DECIPTTL_H
#define NF_ELEM_DECIPTTL_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_decipttl_ops;
#endif
