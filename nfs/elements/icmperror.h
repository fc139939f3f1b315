/*
 * ICMPError — turns the packet it receives into the ICMP error message
 * that answers it (RFC 792, RFC 1812 4.3.2), as Click's ICMPError does:
 * typically DecIPTTL's output 1 (Time Exceeded, so traceroute sees the NF
 * as a hop) or an IPFilter output for refused ports (Destination
 * Unreachable).
 *
 * Ports: 1 input, 1 output (the error messages).
 * Arguments (keywords, any order):
 *   SRC ADDR                    the source address of the errors (this NF's
 *                               address on the sender's side); required
 *   TYPE timeexceeded|unreachable   ICMP type 11 or 3; required
 *   CODE N                      ICMP code 0..255, default 0 (Time Exceeded:
 *                               0 = TTL exceeded in transit; Unreachable:
 *                               1 host, 3 port, 13 administratively
 *                               prohibited, ...)
 *   RATE N                      errors per second, 0..1000000 (token bucket;
 *                               0 = no limit), default 1000
 *   BURST N                     bucket size, 1..1000000, default 50
 * The reply is built in the packet's own buffer: Ethernet source and
 * destination swapped; IPv4 header (TOS 0xc0, TTL 64, no options) from SRC
 * to the packet's source; ICMP TYPE/CODE, 4 zero bytes, then the packet's
 * IP header and the first 8 bytes of its payload (RFC 792; RFC 1812
 * 4.3.2.3 allows more, Click and most routers quote this much).
 * Direction: the message leaves on this element's output. Connect it to
 * ToIO(1), which scc-nf sends back toward the packet's sender (out of
 * the side the packet came in on; docs/elements.md).
 * Never answered (RFC 1812 4.3.2.7), each dropped under its reason:
 *   "not an IPv4 frame"             no readable IPv4 header
 *   "ICMP error not answered"       an ICMP error (or unknown ICMP type)
 *   "later fragment not answered"   fragment offset != 0
 *   "broadcast not answered"        IP destination broadcast/multicast, or a
 *                                   link-layer broadcast/multicast frame
 *   "bad source not answered"       source 0.0.0.0, 127/8, multicast, 240/4
 *   "rate limited"                  the token bucket was empty
 * Example:
 *   t :: DecIPTTL; ... -> t -> ToIO;
 *   t[1] -> ICMPError(SRC 10.0.0.1, TYPE timeexceeded, CODE 0) -> ToIO(1)
 */
#ifndef NF_ELEM_ICMPERROR_H
#define NF_ELEM_ICMPERROR_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_icmperror_ops;

enum nf_icmperr_reason {
    NF_ICMPERR_NOT_IP, NF_ICMPERR_IS_ERROR, NF_ICMPERR_FRAGMENT, NF_ICMPERR_BROADCAST,
    NF_ICMPERR_BAD_SRC, NF_ICMPERR_RATE,
    NF_ICMPERR_NREASONS /* the count; the reason table must have exactly this many */
};
#endif
