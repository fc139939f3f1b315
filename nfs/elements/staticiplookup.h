/*
 * StaticIPLookup — IPv4 longest-prefix-match routing on the destination
 * address.
 *
 * Ports: 1 input; one output per port number used by the routes
 * (outputs 0..max PORT, each must be connected).
 * Arguments: one route per argument, `PREFIX/LEN PORT [NEXTHOP_MAC]`:
 *   10.0.0.0/8 0                     to output 0, frame unchanged
 *   10.2.0.0/16 1 02:00:00:00:00:09  to output 1, destination MAC set
 *   0.0.0.0/0 2                      default route
 * A bare address means /32. Host bits in PREFIX are ignored. When two
 * routes have the same prefix the later one wins. Up to 4096 routes.
 * Drops: "no route", "not an IPv4 frame" (shorter than 14+20 bytes or
 *        another EtherType; put CheckIPHeader first).
 * Example: rt :: StaticIPLookup(10.0.0.0/8 0, 0.0.0.0/0 1);
 *          FromIO -> CheckIPHeader -> rt; rt[0] -> DecIPTTL -> ToIO; rt[1] -> Discard
 */
#ifndef NF_ELEM_STATICIPLOOKUP_H
#define NF_ELEM_STATICIPLOOKUP_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_staticiplookup_ops;
#endif
