/*
 * DecIPTTL — decrements the IPv4 time-to-live and updates the header
 * checksum incrementally (RFC 1624), as a router must (RFC 1812 5.3.1).
 *
 * Ports: 1 input; output 0 (forwarded) and an optional output 1 (expired,
 * as in Click). With output 1 connected, a packet whose TTL is <= 1 is
 * pushed there unchanged (TTL and checksum as received), so ICMPError can
 * answer it with Time Exceeded (RFC 1812 5.3.1); without it, it is dropped
 * and counted as "TTL expired".
 * Arguments: none.
 * Drops: "TTL expired" (TTL <= 1: the packet must not be forwarded; only
 *        with output 1 unconnected);
 *        "not an IPv4 frame" (too short for an IPv4 header, or another
 *        EtherType). Put CheckIPHeader before it to validate the header.
 * Example: FromIO -> CheckIPHeader -> DecIPTTL -> ToIO
 *          t :: DecIPTTL; ... t[1] -> ICMPError(SRC 10.0.0.1, TYPE timeexceeded) -> ToIO
 */
#ifndef NF_ELEM_DECIPTTL_H
#define NF_ELEM_DECIPTTL_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_decipttl_ops;
#endif
