/*
 * IPFilter — a first-match packet filter with Click's rule language.
 *
 * Ports: 1 input; outputs 0..N-1 where N is at least 1 and at least the
 * highest output number a rule names + 1 (all connected).
 * Arguments: one rule per argument, `ACTION EXPRESSION`, tried in order;
 * the first rule whose expression matches decides. No match = drop.
 *   ACTION      allow (to output 0) | deny | drop (both drop) | N (output N)
 *   EXPRESSION  primitives combined with `and`/`&&`, `or`/`||`,
 *               `not`/`!` and parentheses; `and` binds tighter than `or`.
 *   primitives:
 *     [src|dst] host ADDR          address equals ADDR (no src/dst: either)
 *     [src|dst] net ADDR/LEN       address in the prefix
 *     [tcp|udp] [src|dst] port P   TCP or UDP port P, or a range P-Q
 *                                  (no tcp/udp: either protocol)
 *     ip proto tcp|udp|icmp|N      IP protocol
 *     tcp | udp | icmp             the same as ip proto ...
 *     all | true                   every IPv4 packet
 * Examples:
 *   IPFilter(allow udp dst port 5000, deny all)
 *   IPFilter(deny src net 10.66.0.0/16, allow udp dst port 9000-9999,
 *            allow icmp, deny all)
 *   IPFilter(1 tcp and (dst port 80 or dst port 443), allow all)
 * Port primitives never match a packet without a TCP/UDP header in the
 * frame (other protocols, later fragments, truncated frames).
 * Drops: "denied by a rule", "no rule matched", "not an IPv4 frame"
 *        (another EtherType, or a header IPFilter cannot read).
 *
 * Stateful (keyword arguments, upper case, anywhere among the rules):
 *   STATEFUL          forward frames the rules allow open or refresh a flow
 *                     (protocol, addresses, TCP/UDP ports, ICMP echo id);
 *                     on the return path (nf_element_dir() == NF_DIR_RETURN,
 *                     scc-nf --reverse pipeline) the rules are not consulted:
 *                     a frame passes when it answers a live flow, is an ICMP
 *                     error quoting one, or is a later fragment between the
 *                     addresses of one; else "no-flow". TCP: after FIN both
 *                     ways a flow lingers 10 s (or the TCP timeout if
 *                     shorter); after a RST too, but then only RSTs pass
 *                     on the return path.
 *   TIMEOUT S         idle timeout of every protocol, seconds (1..86400)
 *   TCP_TIMEOUT S     TCP (default 300)
 *   UDP_TIMEOUT S     UDP and other protocols (default 30)
 *   ICMP_TIMEOUT S    ICMP echo (default 30)
 *   MAXFLOWS N        table size (default 65536, at most 1048576); a full
 *                     table evicts the least recently seen of a bounded
 *                     sweep step's entries, unreplied ones first (counted)
 * More drops/events when stateful: "no-flow: ...", "truncated L4 header
 * (return path)", and the events "evicted: unreplied flow", "evicted:
 * established flow", "expired flow reclaimed", "sweep steps".
 * Example: IPFilter(STATEFUL, allow tcp dst port 5201, allow icmp, deny all)
 */
#ifndef NF_ELEM_IPFILTER_H
#define NF_ELEM_IPFILTER_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_ipfilter_ops;
/* Flows in a STATEFUL IPFilter's table (tests, diagnostics). */
unsigned nf_ipfilter_flows(const struct nf_element *e);
#endif
