/*
 * tr_pkt — building and parsing the traffic generator's test frames (the
 * layout is in tr_pkt.h). Checksums follow RFC 1071 (one's-complement sum
 * of 16-bit words) and RFC 768 (UDP over a pseudo-header of addresses,
 * protocol and length; a computed 0 is sent as 0xffff because 0 means "no
 * checksum"). The zero padding adds nothing to a one's-complement sum, so
 * the UDP checksum costs the same for 60- and 1514-byte frames.
 */
#include "bench/traffic/tr_pkt.h"

#include <errno.h>
#include <string.h>

#include "nfs/nf_csum.h" /* byte accessors and the RFC 1071 sum, shared with the elements */

#define TS_BITS 48
#define TS_MASK ((UINT64_C(1) << TS_BITS) - 1)

void tr_pkt_cfg_default(struct tr_pkt_cfg *c)
{
    static const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 0x01}, dmac[6] = {0x02, 0, 0, 0, 0, 0x02};
    memset(c, 0, sizeof(*c));
    memcpy(c->src_mac, smac, 6);
    memcpy(c->dst_mac, dmac, 6);
    c->src_ip = 0x0a000001u; /* 10.0.0.1 */
    c->dst_ip = 0x0a000102u; /* 10.0.1.2 */
    c->src_port = 10000;
    c->dst_port = 9000;
    c->ttl = 64;
    c->ip_span = 254;        /* 10.0.0.1 .. 10.0.0.254 */
}

int tr_pkt_build(uint8_t *buf, size_t cap, const struct tr_pkt_cfg *c,
                 const struct tr_pkt_meta *m, unsigned frame_len)
{
    if (frame_len < TR_MIN_FRAME || frame_len > TR_MAX_FRAME || cap < frame_len ||
        (uint32_t)c->src_port + m->flow > 65535u || c->ip_span == 0)
        return -EINVAL;
    uint8_t *eth = buf, *ip = buf + 14, *udp = ip + 20, *pl = udp + 8;
    memcpy(eth, c->dst_mac, 6);
    memcpy(eth + 6, c->src_mac, 6);
    nf_put16(eth + 12, NF_ETHERTYPE_IPV4);

    unsigned ip_len = frame_len - 14, udp_len = ip_len - 20;
    ip[0] = 0x45;                /* version 4, IHL 5 */
    ip[1] = 0;                   /* DSCP/ECN */
    nf_put16(ip + 2, (uint16_t)ip_len);
    nf_put16(ip + 4, m->ip_id);
    nf_put16(ip + 6, 0x4000);       /* DF, offset 0 */
    ip[8] = c->ttl;
    ip[9] = NF_IPPROTO_UDP;
    nf_put16(ip + 10, 0);
    nf_put32(ip + 12, c->src_ip + m->flow % c->ip_span);
    nf_put32(ip + 16, c->dst_ip);
    nf_put16(ip + 10, nf_csum_fold(nf_csum_add(0, ip, 20)));

    nf_put16(udp, (uint16_t)(c->src_port + m->flow));
    nf_put16(udp + 2, c->dst_port);
    nf_put16(udp + 4, (uint16_t)udp_len);
    nf_put16(udp + 6, 0);

    nf_put16(pl, TR_MAGIC);
    nf_put16(pl + 2, (uint16_t)m->flow);
    nf_put32(pl + 4, m->seq);
    uint64_t ts = m->tx_ns & TS_MASK;
    nf_put16(pl + 8, (uint16_t)(ts >> 32));
    nf_put32(pl + 10, (uint32_t)ts);
    uint64_t lag = m->tx_ns > m->sched_ns ? m->tx_ns - m->sched_ns : 0;
    nf_put32(pl + 14, lag > UINT32_MAX ? UINT32_MAX : (uint32_t)lag);
    memset(pl + TR_PAYLOAD_LEN, 0, frame_len - TR_MIN_FRAME);

    /* Only the first 26 bytes of UDP are non-zero: sum just those. */
    uint32_t s = nf_csum_add(0, ip + 12, 8);
    s += NF_IPPROTO_UDP + udp_len;
    s = nf_csum_add(s, udp, 8 + TR_PAYLOAD_LEN);
    uint16_t uc = nf_csum_fold(s);
    nf_put16(udp + 6, uc ? uc : 0xffff);
    return 0;
}

/* Locate the IPv4 and UDP headers; -EMSGSIZE / -EPROTO as tr_pkt_parse. */
static int locate(const uint8_t *f, size_t len, const uint8_t **ip, const uint8_t **udp,
                  unsigned *udp_len)
{
    if (len < TR_HDR_LEN)
        return -EMSGSIZE;
    if (nf_get16(f + 12) != NF_ETHERTYPE_IPV4)
        return -EPROTO;
    const uint8_t *i = f + 14;
    unsigned ihl = (i[0] & 0x0fu) * 4u;
    if ((i[0] >> 4) != 4 || ihl < 20 || i[9] != NF_IPPROTO_UDP)
        return -EPROTO;
    unsigned tot = nf_get16(i + 2);
    if (tot < ihl + 8 || 14 + (size_t)tot > len)
        return -EMSGSIZE;
    const uint8_t *u = i + ihl;
    unsigned ul = nf_get16(u + 4);
    if (ul < 8 || ul > tot - ihl)
        return -EMSGSIZE;
    *ip = i;
    *udp = u;
    *udp_len = ul;
    return 0;
}

int tr_pkt_parse(const uint8_t *f, size_t len, uint64_t now_ns, struct tr_pkt_info *out)
{
    const uint8_t *ip, *udp;
    unsigned ul;
    int r = locate(f, len, &ip, &udp, &ul);
    if (r < 0)
        return r;
    if (ul < 8 + TR_PAYLOAD_LEN)
        return -EMSGSIZE;
    const uint8_t *pl = udp + 8;
    if (nf_get16(pl) != TR_MAGIC)
        return -EPROTO;
    out->flow = nf_get16(pl + 2);
    out->seq = nf_get32(pl + 4);
    uint64_t low = (uint64_t)nf_get16(pl + 8) << 32 | nf_get32(pl + 10);
    /* The send time is in the recent past: take now's high bits, and step
     * back one 2^48 period if that lands in the future. */
    uint64_t ts = (now_ns & ~TS_MASK) | low;
    if (ts > now_ns && ts >= (UINT64_C(1) << TS_BITS))
        ts -= UINT64_C(1) << TS_BITS;
    out->tx_ns = ts;
    uint32_t lag = nf_get32(pl + 14);
    out->sched_ns = ts >= lag ? ts - lag : 0;
    out->src_ip = nf_get32(ip + 12);
    out->dst_ip = nf_get32(ip + 16);
    out->src_port = nf_get16(udp);
    out->dst_port = nf_get16(udp + 2);
    out->ttl = ip[8];
    return 0;
}

int tr_pkt_verify(const uint8_t *f, size_t len)
{
    const uint8_t *ip, *udp;
    unsigned ul;
    int r = locate(f, len, &ip, &udp, &ul);
    if (r < 0)
        return r == -EMSGSIZE ? -EBADMSG : r;
    unsigned ihl = (ip[0] & 0x0fu) * 4u;
    if (nf_csum_fold(nf_csum_add(0, ip, ihl)) != 0)
        return -EBADMSG;
    if (nf_get16(udp + 6) == 0)
        return 0; /* RFC 768: no checksum sent */
    uint32_t s = nf_csum_add(0, ip + 12, 8);
    s += NF_IPPROTO_UDP + ul;
    s = nf_csum_add(s, udp, ul);
    return nf_csum_fold(s) == 0 ? 0 : -EBADMSG;
}
