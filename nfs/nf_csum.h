/*
 * nf_csum — Internet checksum helpers shared by the IP elements, and the
 * frame offsets they use (Ethernet II, IPv4 without VLAN tags).
 *
 * The full checksum is RFC 1071's one's-complement sum. Elements that change
 * a few header words update the checksum incrementally with RFC 1624's
 * equation 3, HC' = ~(~HC + ~m + m'), which (unlike RFC 1141's form) never
 * produces the -0 value 0x0000 from a non-zero sum.
 */
#ifndef NF_CSUM_H
#define NF_CSUM_H

#include <stddef.h>
#include <stdint.h>

#define NF_ETH_HLEN 14
#define NF_ETHERTYPE_IPV4 0x0800
#define NF_IP_OFF NF_ETH_HLEN
#define NF_IPPROTO_ICMP 1
#define NF_IPPROTO_TCP 6
#define NF_IPPROTO_UDP 17

static inline uint16_t nf_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t nf_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void nf_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void nf_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* RFC 1071 sum of len bytes (big-endian 16-bit words), not folded. */
static inline uint32_t nf_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    while (len > 1) {
        sum += nf_get16(p);
        p += 2;
        len -= 2;
    }
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static inline uint16_t nf_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Checksum field value for len bytes (the field itself must be zero, or the
 * result is 0 when the data already carries a correct checksum). */
static inline uint16_t nf_csum(const uint8_t *p, size_t len)
{
    return nf_csum_fold(nf_csum_add(0, p, len));
}

/* RFC 1624 eqn. 3: checksum hc after one 16-bit word changes from m to m1. */
static inline uint16_t nf_csum_update16(uint16_t hc, uint16_t m, uint16_t m1)
{
    uint32_t s = (uint16_t)~hc + (uint32_t)(uint16_t)~m + m1;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* The same for a 32-bit field (an IPv4 address): two 16-bit words. */
static inline uint16_t nf_csum_update32(uint16_t hc, uint32_t m, uint32_t m1)
{
    hc = nf_csum_update16(hc, (uint16_t)(m >> 16), (uint16_t)(m1 >> 16));
    return nf_csum_update16(hc, (uint16_t)m, (uint16_t)m1);
}

#endif
