/*
 * tr_pkt — the generator's Ethernet/IPv4/UDP test frames: build, parse,
 * verify.
 *
 * A frame is Ethernet II (no VLAN), an IPv4 header without options (DF set,
 * TTL from the config, correct header checksum, RFC 791/1071), a UDP header
 * with a correct checksum over the RFC 768 pseudo-header, and an 18-byte
 * payload (the "scc-tr/1" layout, network byte order) followed by zero
 * padding up to the frame length:
 *   0..1   magic 0x5CC1
 *   2..3   flow id (0..65535)
 *   4..7   sequence number within the flow, from 0
 *   8..13  send time: CLOCK_MONOTONIC ns, low 48 bits (78 h of range; the
 *          receiver restores the high bits from its own clock)
 *   14..17 send time minus scheduled send time in ns, saturating at
 *          2^32-1 (4.29 s) — the generator's own lag behind its schedule
 * 14 + 20 + 8 + 18 = 60 bytes: the smallest Ethernet frame (64 B with the
 * FCS) carries it all. Flow f uses source address src_ip + (f % ip_span)
 * and source port src_port + f, so every flow is a distinct 5-tuple.
 */
#ifndef TR_PKT_H
#define TR_PKT_H

#include <stddef.h>
#include <stdint.h>

#define TR_MAGIC 0x5CC1u
#define TR_HDR_LEN 42u       /* Ethernet 14 + IPv4 20 + UDP 8 */
#define TR_PAYLOAD_LEN 18u
#define TR_MIN_FRAME (TR_HDR_LEN + TR_PAYLOAD_LEN) /* 60, without FCS */
#define TR_MAX_FRAME 1514u   /* 1518 with FCS: 1500-byte IP MTU */

struct tr_pkt_cfg {
    uint8_t src_mac[6], dst_mac[6];
    uint32_t src_ip, dst_ip;    /* host order; flow f adds f % ip_span to src_ip */
    uint16_t src_port;          /* flow f sends from src_port + f */
    uint16_t dst_port;
    uint8_t ttl;
    unsigned ip_span;           /* >= 1 */
};

/* Defaults the chain launcher relies on: 02:00:00:00:00:01 ->
 * 02:00:00:00:00:02, 10.0.0.1 (+flow over 254 addresses) -> 10.0.1.2,
 * UDP 10000+flow -> 9000, TTL 64. */
void tr_pkt_cfg_default(struct tr_pkt_cfg *c);

struct tr_pkt_meta {
    uint32_t flow, seq;
    uint64_t tx_ns, sched_ns;
    uint16_t ip_id;
};

/* Write a frame of frame_len bytes (TR_MIN_FRAME..TR_MAX_FRAME, without
 * FCS) into buf. Returns 0, or -EINVAL for a bad length, a buffer smaller
 * than frame_len, or a flow whose source port would pass 65535. */
int tr_pkt_build(uint8_t *buf, size_t cap, const struct tr_pkt_cfg *c,
                 const struct tr_pkt_meta *m, unsigned frame_len);

struct tr_pkt_info {
    uint32_t flow, seq;
    uint64_t tx_ns, sched_ns;   /* restored to full CLOCK_MONOTONIC ns */
    uint32_t src_ip, dst_ip;    /* host order */
    uint16_t src_port, dst_port;
    uint8_t ttl;
};

/* Parse a received frame. now_ns (the receive time) restores the high bits
 * of the 48-bit send time. Returns 0 for one of ours; -EMSGSIZE when too
 * short to be one; -EPROTO when it is not IPv4/UDP or lacks the magic.
 * Checksums are not checked here (see tr_pkt_verify). */
int tr_pkt_parse(const uint8_t *f, size_t len, uint64_t now_ns, struct tr_pkt_info *out);

/* 0 when the IPv4 header checksum and the UDP checksum (if not 0) are
 * right, -EBADMSG when not, -EPROTO when the frame is not IPv4/UDP. */
int tr_pkt_verify(const uint8_t *f, size_t len);

#endif
