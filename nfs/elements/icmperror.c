/*
 * ICMPError — builds an ICMP error in place from the packet that caused
 * it. The quoted part (IP header + 8 bytes) moves back by 28 bytes to make
 * room for the new IP and ICMP headers; at most 60 + 8 bytes move, and the
 * result is at most 14 + 20 + 8 + 68 = 110 bytes (every I/O buffer is
 * NF_FRAME_MAX; a smaller one is refused, not overrun). A reply can be
 * longer than the frame it answers (a bare 20-byte header is quoted whole). The checksum is computed in full: the
 * message is short and this is not the fast path.
 *
 * Rate limit: a token bucket in nano-tokens (1e9 = one message), refilled
 * by RATE per second of pipeline time, capped at BURST, as Linux's
 * icmp_global_allow (1000/s, burst 50 by default there too).
 */
#include "nfs/elements/icmperror.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "nfs/nf_args.h"
#include "nfs/nf_csum.h"

#define ICMP_UNREACH 3
#define ICMP_TIMXCEED 11
#define NANO 1000000000ull

struct icmperr_priv {
    uint32_t src;
    uint8_t type, code;
    uint64_t rate, burst;     /* per second; rate 0 = no limit */
    uint64_t tokens, last_ns; /* nano-tokens; pipeline time of the last refill */
    uint16_t ip_id;
};

static const char *const icmperr_reasons[] = {
    "not an IPv4 frame", "ICMP error not answered", "later fragment not answered",
    "broadcast not answered", "bad source not answered", "rate limited",
};
NF_DROP_REASONS_FIT(icmperr_reasons);
_Static_assert(SCC_ARRAY_SIZE(icmperr_reasons) == NF_ICMPERR_NREASONS,
               "one text per enum nf_icmperr_reason");

static int icmperr_configure(struct nf_element *e, int argc, char **argv, char *err,
                             size_t errlen)
{
    struct icmperr_priv *p = e->priv;
    static const char *const keys[] = {"SRC", "TYPE", "CODE", "RATE", "BURST", NULL};
    bool have_src = false, have_type = false;
    long code = 0, rate = 1000, burst = 50;
    for (int i = 0; i < argc; i++) {
        const char *v;
        int k = nf_args_keyword(argv[i], keys, &v);
        switch (k) {
        case 0:
            if (nf_args_ipv4(v, &p->src) < 0)
                return nf_element_error(e, err, errlen, "SRC '%s' is not an IPv4 address", v);
            have_src = true;
            break;
        case 1:
            if (strcasecmp(v, "timeexceeded") == 0)
                p->type = ICMP_TIMXCEED;
            else if (strcasecmp(v, "unreachable") == 0)
                p->type = ICMP_UNREACH;
            else
                return nf_element_error(e, err, errlen, "TYPE '%s': expected timeexceeded or "
                                        "unreachable", v);
            have_type = true;
            break;
        case 2:
            if (nf_args_int(v, 0, 255, &code) < 0)
                return nf_element_error(e, err, errlen, "CODE '%s' is not a number in 0..255", v);
            break;
        case 3:
            if (nf_args_int(v, 0, 1000000, &rate) < 0)
                return nf_element_error(e, err, errlen, "RATE '%s' is not a number of messages "
                                        "per second in 0..1000000 (0 = no limit)", v);
            break;
        case 4:
            if (nf_args_int(v, 1, 1000000, &burst) < 0)
                return nf_element_error(e, err, errlen, "BURST '%s' is not a number in "
                                        "1..1000000", v);
            break;
        default:
            return nf_element_error(e, err, errlen, "argument %d '%s': expected KEYWORD VALUE "
                                    "(SRC, TYPE, CODE, RATE, BURST)", i + 1, argv[i]);
        }
    }
    if (!have_src || !have_type)
        return nf_element_error(e, err, errlen, "ICMPError needs SRC and TYPE (e.g. "
                                "ICMPError(SRC 10.0.0.1, TYPE timeexceeded))");
    p->code = (uint8_t)code;
    p->rate = (uint64_t)rate;
    p->burst = (uint64_t)burst;
    p->tokens = p->burst * NANO; /* start full, as Linux does */
    return 0;
}

/* RFC 1812 4.3.2.7: a source that names no single host. */
static bool bad_source(uint32_t a)
{
    return a == 0 || a >> 24 == 127 || a >> 28 >= 14; /* 0/32, loopback, 224/4, 240/4 */
}

/* ICMP types that are queries or replies (answerable); everything else,
 * errors and types we do not know, is never answered. */
static bool icmp_is_query(uint8_t type)
{
    switch (type) {
    case 0: case 8: case 9: case 10: case 13: case 14: case 15: case 16: case 17: case 18:
        return true;
    default:
        return false;
    }
}

static bool take_token(struct icmperr_priv *p, uint64_t now)
{
    if (p->rate == 0)
        return true;
    uint64_t full = p->burst * NANO;
    uint64_t dt = now > p->last_ns ? now - p->last_ns : 0;
    p->last_ns = now > p->last_ns ? now : p->last_ns;
    /* dt * rate cannot overflow below this bound (<= 1e15 + rate) */
    if (dt >= full / p->rate + 1)
        p->tokens = full;
    else if ((p->tokens += dt * p->rate) > full)
        p->tokens = full;
    if (p->tokens < NANO)
        return false;
    p->tokens -= NANO;
    return true;
}

static int icmperr_one(struct icmperr_priv *p, struct nf_pkt *k, uint64_t now)
{
    if (k->len < NF_ETH_HLEN + 20 || nf_get16(k->data + 12) != NF_ETHERTYPE_IPV4)
        return NF_ICMPERR_NOT_IP;
    uint8_t *ip = k->data + NF_IP_OFF;
    uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4, tot = nf_get16(ip + 2);
    if (ip[0] >> 4 != 4 || hl < 20 || NF_ETH_HLEN + hl > k->len || tot < hl)
        return NF_ICMPERR_NOT_IP;
    if (tot > k->len - NF_ETH_HLEN)
        tot = k->len - NF_ETH_HLEN;
    if (nf_get16(ip + 6) & 0x1fff)
        return NF_ICMPERR_FRAGMENT;
    if (ip[9] == NF_IPPROTO_ICMP && (tot < hl + 1 || !icmp_is_query(ip[hl])))
        return NF_ICMPERR_IS_ERROR;
    uint32_t src = nf_get32(ip + 12), dst = nf_get32(ip + 16);
    if (dst == 0xffffffffu || dst >> 28 == 14 || (k->data[0] & 1))
        return NF_ICMPERR_BROADCAST; /* 255.255.255.255, 224/4, a group MAC */
    if (bad_source(src))
        return NF_ICMPERR_BAD_SRC;
    if (!take_token(p, now))
        return NF_ICMPERR_RATE;

    uint32_t quote = tot < hl + 8 ? tot : hl + 8;
    if (k->cap < NF_ETH_HLEN + 28 + quote)
        return NF_ICMPERR_NOT_IP; /* a buffer smaller than any I/O layer's: cannot build */
    /* the quote moves from offset 14 to 42: memmove, the ranges overlap */
    memmove(k->data + NF_ETH_HLEN + 28, ip, quote);
    uint8_t mac[6];
    memcpy(mac, k->data, 6);
    memcpy(k->data, k->data + 6, 6);
    memcpy(k->data + 6, mac, 6);
    memset(ip, 0, 28);
    ip[0] = 0x45;
    ip[1] = 0xc0; /* precedence internetwork control, as Linux sends errors */
    nf_put16(ip + 2, (uint16_t)(28 + quote));
    nf_put16(ip + 4, p->ip_id++);
    ip[8] = 64;
    ip[9] = NF_IPPROTO_ICMP;
    nf_put32(ip + 12, p->src);
    nf_put32(ip + 16, src);
    nf_put16(ip + 10, nf_csum(ip, 20));
    uint8_t *icmp = ip + 20;
    icmp[0] = p->type;
    icmp[1] = p->code;
    nf_put16(icmp + 2, nf_csum(icmp, 8 + quote));
    k->len = NF_ETH_HLEN + 28 + quote;
    return -1;
}

static void icmperr_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    struct icmperr_priv *p = e->priv;
    uint64_t now = nf_element_now(e);
    for (uint32_t i = 0; i < b->n; i++) {
        int r = icmperr_one(p, b->pkts[i], now);
        if (r >= 0)
            nf_drop(e, r, b->pkts[i]);
        else
            nf_push(e, 0, b->pkts[i]);
    }
}

const struct nf_element_ops nf_icmperror_ops = {
    .cls = "ICMPError",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = 1,
    .priv_size = sizeof(struct icmperr_priv),
    .drop_reasons = icmperr_reasons,
    .ndrop_reasons = NF_NREASONS(icmperr_reasons),
    .configure = icmperr_configure,
    .process = icmperr_process,
};
