/*
 * NAT — source NAT (RFC 3022 NAPT) for TCP, UDP and ICMP echo (RFC 5508:
 * the identifier is the port), with a fixed-size flow
 * table, port allocation from a pool, incremental checksum fix-up, idle
 * timeouts, and the reverse direction.
 *
 * Ports: 1 input, 1 output.
 * Arguments (keywords, any order):
 *   ADDR A[-B]        external address pool (required), at most 256 addresses
 *   PORTS LO-HI       external port pool, default 1024-65535
 *   TIMEOUT S         idle seconds before a mapping may be reused, default 60
 *   CAPACITY N        flow-table entries (1..1048576), default 65536 or the
 *                     pool size (addresses x ports) if smaller
 * Direction: a packet whose destination is a pool address (and a pool
 * port) is a reply: it is mapped back to the inside address and port of
 * the flow that owns that address/port, and only when it comes from that
 * flow's remote address and port. Every other packet is outbound: its
 * 5-tuple finds (or creates) a flow whose external address/port replaces
 * the source.
 * Checksums: the IPv4 header checksum and the TCP/UDP checksum (which
 * covers the addresses through the pseudo-header) are updated with RFC 1624
 * eqn. 3. A UDP checksum of 0 means "none" and stays 0 (RFC 768); a
 * computed 0 is sent as 0xffff.
 * ICMP errors that quote a translated flow are translated with it (outer
 *   and quoted addresses/ports, quoted checksums, ICMP checksum).
 * Drops: "not an IPv4 frame", "unsupported protocol" (not TCP/UDP/ICMP
 *   echo or error), "IP fragment", "truncated L4 header", "no mapping" (reply
 *   without a live flow), "flow table full" (the sweep step found only
 *   established flows), "port pool exhausted".
 * Events (counted with the drops on the stats page, not drops): "evicted:
 *   unreplied flow (table full)", "expired flow reclaimed", "sweep steps".
 *   A new flow on a full table examines at most 64 entries; established
 *   flows (a reply seen) are never evicted. See nat.c.
 * Example: FromIO -> CheckIPHeader -> NAT(ADDR 203.0.113.1-203.0.113.4,
 *          PORTS 1024-65535, TIMEOUT 60) -> ToIO
 */
#ifndef NF_ELEM_NAT_H
#define NF_ELEM_NAT_H
#include "nfs/nf_element.h"
extern const struct nf_element_ops nf_nat_ops;

enum nf_nat_reason {
    NF_NAT_NOT_IP, NF_NAT_PROTO, NF_NAT_FRAGMENT, NF_NAT_TRUNCATED, NF_NAT_NO_MAPPING,
    NF_NAT_TABLE_FULL, NF_NAT_PORTS_EXHAUSTED,
    /* events, not drops (nf_element_ops.event_reasons) */
    NF_NAT_EVICTED, NF_NAT_RECLAIMED, NF_NAT_SWEEPS,
    NF_NAT_NREASONS /* the count; the reason table must have exactly this many */
};

/* Flows currently in the table (live or expired but not yet reused). */
unsigned nf_nat_flows(const struct nf_element *e);
#endif
