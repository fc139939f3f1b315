/*
 * NAT — a NAPT with everything sized at configure time.
 *
 * Tables (no allocation per packet):
 *   flows[CAPACITY]        the mappings; unused ones form a free list;
 *   buckets[]              chained hash of outbound 5-tuples -> flow;
 *   slot_flow[addrs*ports] which flow owns each external (address, port),
 *                          so a reply is one array index away.
 * A flow expires TIMEOUT seconds after its last packet in either direction.
 * Expired flows are not swept on a timer: they keep their slot until a new
 * flow needs it (the port allocator takes a slot whose flow has expired) or
 * the free list runs dry. A returning outbound packet of an
 * expired-but-unclaimed flow simply revives it.
 *
 * Hostile traffic (issue 16): everything a new flow can cost is bounded.
 *   - The hash seed comes from getrandom(2) at configure time (before the
 *     NF's seccomp filter, which does not allow it), so outsiders cannot
 *     aim their 5-tuples at one bucket chain.
 *   - Port allocation walks the pool from a rotating cursor, at most 1024
 *     probes per new flow.
 *   - When the free list is dry, a new flow pays one sweep step: at most
 *     NAT_SWEEP_BUDGET table entries from a rotating cursor (never the whole
 *     table on one packet, which at CAPACITY 1M took milliseconds), freeing
 *     the expired ones it meets. Counted ("sweep steps").
 *   - If that frees nothing, the step's oldest *unreplied* flow (one that
 *     never saw a packet back, which is what a flood of new flows creates)
 *     is evicted to make room, counted ("evicted: unreplied flow"), as
 *     Linux conntrack's early drop does. A flow that has seen a reply is
 *     never evicted while it lives: a flood cannot push established flows
 *     out; when the step finds only those, the new flow is dropped ("flow
 *     table full").
 *   - Expired flows taken over by the sweep or the port allocator are
 *     counted too ("expired flow reclaimed").
 * The three counts are events, not packet drops (ops.event_reasons): the
 * stats page shows them with the element's drop reasons.
 */
#include "nfs/elements/nat.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "common/scc_log.h"
#include "common/scc_util.h"
#include "nfs/nf_args.h"
#include "nfs/nf_csum.h"

#define NAT_MAX_ADDRS 256
#define NAT_MAX_CAPACITY (1u << 20)
#define NAT_PROBES 1024
#define NAT_SWEEP_BUDGET 64 /* table entries one new flow may examine */

struct nat_flow {
    uint32_t in_addr, rem_addr;  /* host order */
    uint16_t in_port, rem_port;
    uint32_t slot;               /* external (address, port) index */
    uint64_t expires_ns;
    int32_t next;                /* hash chain, or free list */
    uint8_t proto, used;
    uint8_t replied;             /* a reply came back: never evicted while live */
};

struct nat_priv {
    uint32_t addr_lo, naddr;
    uint32_t port_lo, nports;
    uint64_t timeout_ns;
    uint32_t cap, nslots, nbuckets, active, cursor;
    uint64_t seed;
    uint32_t sweep_cursor;
    struct nf_element *e;        /* for the event counters */
    struct nat_flow *flows;
    int32_t *buckets, *slot_flow;
    int32_t free_head;
};

static const char *const nat_reasons[] = {
    "not an IPv4 frame", "unsupported protocol", "IP fragment", "truncated L4 header",
    "no mapping", "flow table full", "port pool exhausted",
    "evicted: unreplied flow (table full)", "expired flow reclaimed",
    "sweep steps (64 entries each, table full)",
};
NF_DROP_REASONS_FIT(nat_reasons);
_Static_assert(SCC_ARRAY_SIZE(nat_reasons) == NF_NAT_NREASONS, "one text per enum nf_nat_reason");

static int nat_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen)
{
    struct nat_priv *p = e->priv;
    bool have_addr = false;
    long plo = 1024, phi = 65535, timeout = 60, cap = 65536;
    static const char *const keys[] = {"ADDR", "PORTS", "TIMEOUT", "CAPACITY", NULL};
    for (int i = 0; i < argc; i++) {
        const char *v;
        uint32_t lo, hi;
        int k = nf_args_keyword(argv[i], keys, &v), r;
        switch (k) {
        case 0: /* ADDR */
            r = nf_args_ipv4_range(v, &lo, &hi);
            if (r == -EINVAL)
                return nf_element_error(e, err, errlen, "ADDR '%s' is not an address or a "
                                        "range A-B", v);
            if (r < 0 || hi - lo >= NAT_MAX_ADDRS)
                return nf_element_error(e, err, errlen, "ADDR range '%s' is empty or has more "
                                        "than %d addresses", v, NAT_MAX_ADDRS);
            p->addr_lo = lo;
            p->naddr = hi - lo + 1;
            have_addr = true;
            break;
        case 1: /* PORTS */
            if (nf_args_port_range(v, 1, 65535, &plo, &phi) < 0)
                return nf_element_error(e, err, errlen, "PORTS '%s' is not a port or a range "
                                        "LO-HI in 1..65535", v);
            break;
        case 2: /* TIMEOUT */
            if (nf_args_int(v, 1, 86400, &timeout) < 0)
                return nf_element_error(e, err, errlen, "TIMEOUT '%s' is not a number of "
                                        "seconds in 1..86400", v);
            break;
        case 3: /* CAPACITY */
            if (nf_args_int(v, 1, NAT_MAX_CAPACITY, &cap) < 0)
                return nf_element_error(e, err, errlen, "CAPACITY '%s' is not a number in "
                                        "1..%u", v, NAT_MAX_CAPACITY);
            break;
        default:
            if (k == -ENOENT)
                return nf_element_error(e, err, errlen, "argument %d: unknown keyword '%.*s' "
                                        "(ADDR, PORTS, TIMEOUT, CAPACITY)", i + 1,
                                        (int)strcspn(argv[i], " \t"), argv[i]);
            return nf_element_error(e, err, errlen, "argument %d '%s': expected KEYWORD VALUE "
                                    "(ADDR, PORTS, TIMEOUT, CAPACITY)", i + 1, argv[i]);
        }
    }
    if (!have_addr)
        return nf_element_error(e, err, errlen, "NAT needs ADDR (the external address pool, "
                                "e.g. ADDR 203.0.113.1-203.0.113.4)");
    p->port_lo = (uint32_t)plo;
    p->nports = (uint32_t)(phi - plo + 1);
    p->timeout_ns = (uint64_t)timeout * 1000000000ull;
    p->nslots = p->naddr * p->nports;
    p->cap = (uint32_t)cap < p->nslots ? (uint32_t)cap : p->nslots;
    p->nbuckets = 1;
    while (p->nbuckets < p->cap)
        p->nbuckets <<= 1;
    p->flows = calloc(p->cap, sizeof(*p->flows));
    p->buckets = malloc(p->nbuckets * sizeof(*p->buckets));
    p->slot_flow = malloc(p->nslots * sizeof(*p->slot_flow));
    if (!p->flows || !p->buckets || !p->slot_flow)
        return -ENOMEM;
    memset(p->buckets, 0xff, p->nbuckets * sizeof(*p->buckets));
    memset(p->slot_flow, 0xff, p->nslots * sizeof(*p->slot_flow));
    for (uint32_t i = 0; i < p->cap; i++)
        p->flows[i].next = i + 1 < p->cap ? (int32_t)(i + 1) : -1;
    p->free_head = 0;
    /* A per-instance secret seed, so outsiders cannot aim flows at one
     * bucket. getrandom(2) here, at configure time: scc-nf builds its
     * pipeline before it installs the seccomp filter. GRND_NONBLOCK: an
     * entropy pool not yet initialised (early boot) must not hang the NF. */
    p->e = e;
    if (getrandom(&p->seed, sizeof(p->seed), GRND_NONBLOCK) != (ssize_t)sizeof(p->seed)) {
        scc_warn("%s: getrandom: %s; the flow-hash seed falls back to the clock (guessable)",
                 e->name, strerror(errno));
        p->seed = scc_now_ns() * 0x9e3779b97f4a7c15ull ^ (uintptr_t)p;
    }
    return 0;
}

static uint32_t hash5(const struct nat_priv *p, uint8_t proto, uint32_t src, uint16_t sport,
                      uint32_t dst, uint16_t dport)
{
    uint64_t h = p->seed ^ ((uint64_t)src << 32 | dst);
    h ^= (uint64_t)sport << 24 | (uint64_t)dport << 8 | proto;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (uint32_t)h & (p->nbuckets - 1);
}

static void flow_free(struct nat_priv *p, int32_t idx)
{
    struct nat_flow *f = &p->flows[idx];
    uint32_t b = hash5(p, f->proto, f->in_addr, f->in_port, f->rem_addr, f->rem_port);
    for (int32_t *pp = &p->buckets[b]; *pp >= 0; pp = &p->flows[*pp].next)
        if (*pp == idx) {
            *pp = f->next;
            break;
        }
    p->slot_flow[f->slot] = -1;
    f->used = 0;
    f->next = p->free_head;
    p->free_head = idx;
    p->active--;
}

/* One sweep step: examine at most NAT_SWEEP_BUDGET entries from the
 * rotating cursor, free the expired ones; return the live unreplied flow
 * closest to expiry among those seen (the eviction candidate), or -1. */
static int32_t sweep_step(struct nat_priv *p, uint64_t now)
{
    uint32_t n = p->cap < NAT_SWEEP_BUDGET ? p->cap : NAT_SWEEP_BUDGET;
    int32_t cand = -1;
    nf_count_event(p->e, NF_NAT_SWEEPS);
    for (uint32_t k = 0; k < n; k++) {
        int32_t i = (int32_t)p->sweep_cursor;
        if (++p->sweep_cursor == p->cap)
            p->sweep_cursor = 0;
        const struct nat_flow *f = &p->flows[i];
        if (!f->used)
            continue;
        if (f->expires_ns <= now) {
            flow_free(p, i);
            nf_count_event(p->e, NF_NAT_RECLAIMED);
        } else if (!f->replied && (cand < 0 || f->expires_ns < p->flows[cand].expires_ns)) {
            cand = i;
        }
    }
    return cand;
}

/* A free external slot, taking over one whose flow expired; -1 if none. */
static int64_t alloc_slot(struct nat_priv *p, uint64_t now)
{
    uint32_t probes = p->nslots < NAT_PROBES ? p->nslots : NAT_PROBES;
    for (uint32_t k = 0; k < probes; k++) {
        uint32_t s = p->cursor;
        if (++p->cursor == p->nslots)
            p->cursor = 0;
        int32_t owner = p->slot_flow[s];
        if (owner < 0)
            return s;
        if (p->flows[owner].expires_ns <= now) {
            flow_free(p, owner);
            nf_count_event(p->e, NF_NAT_RECLAIMED);
            return s;
        }
    }
    return -1;
}

static void rewrite(uint8_t *ip, uint32_t hl, uint8_t proto, int addr_off, int port_off,
                    uint32_t new_addr, uint16_t new_port)
{
    uint8_t *l4 = ip + hl;
    uint32_t old_addr = nf_get32(ip + addr_off);
    uint16_t old_port = nf_get16(l4 + port_off);
    nf_put32(ip + addr_off, new_addr);
    nf_put16(l4 + port_off, new_port);
    nf_put16(ip + 10, nf_csum_update32(nf_get16(ip + 10), old_addr, new_addr));
    /* the L4 checksum covers the pseudo-header's addresses and the port */
    uint8_t *cs = l4 + (proto == NF_IPPROTO_TCP ? 16 : 6);
    uint16_t c = nf_get16(cs);
    if (proto == NF_IPPROTO_UDP && c == 0)
        return; /* RFC 768: no checksum was computed; leave it so */
    c = nf_csum_update32(c, old_addr, new_addr);
    c = nf_csum_update16(c, old_port, new_port);
    if (proto == NF_IPPROTO_UDP && c == 0)
        c = 0xffff; /* RFC 768: a computed zero is transmitted as all ones */
    nf_put16(cs, c);
}

/* The outbound flow of a 5-tuple (ICMP echo: identifier as sport, dport 0),
 * or -1. */
static int32_t flow_find(const struct nat_priv *p, uint8_t proto, uint32_t src, uint16_t sport,
                         uint32_t dst, uint16_t dport)
{
    int32_t fi = p->buckets[hash5(p, proto, src, sport, dst, dport)];
    while (fi >= 0) {
        const struct nat_flow *f = &p->flows[fi];
        if (f->in_addr == src && f->in_port == sport && f->rem_addr == dst &&
            f->rem_port == dport && f->proto == proto)
            return fi;
        fi = f->next;
    }
    return -1;
}

/* Find or create the flow of an outbound packet; its index, or -(reason + 1). */
static int32_t flow_out(struct nat_priv *p, uint8_t proto, uint32_t src, uint16_t sport,
                        uint32_t dst, uint16_t dport, uint64_t now)
{
    int32_t fi = flow_find(p, proto, src, sport, dst, dport);
    if (fi >= 0)
        return fi;
    if (p->free_head < 0) {
        int32_t cand = sweep_step(p, now);
        if (p->free_head < 0) {
            if (cand < 0)
                return -(NF_NAT_TABLE_FULL + 1); /* only established flows seen */
            flow_free(p, cand);
            nf_count_event(p->e, NF_NAT_EVICTED);
        }
    }
    int64_t slot = alloc_slot(p, now);
    if (slot < 0)
        return -(NF_NAT_PORTS_EXHAUSTED + 1);
    fi = p->free_head; /* alloc_slot may have freed a flow onto the list */
    struct nat_flow *f = &p->flows[fi];
    p->free_head = f->next;
    uint32_t b = hash5(p, proto, src, sport, dst, dport);
    *f = (struct nat_flow){.in_addr = src, .in_port = sport, .rem_addr = dst,
                           .rem_port = dport, .proto = proto, .used = 1,
                           .slot = (uint32_t)slot, .next = p->buckets[b]};
    p->buckets[b] = fi;
    p->slot_flow[slot] = fi;
    p->active++;
    return fi;
}

/* The live flow that owns external (addr, port), or -1. */
static int32_t flow_by_ext(const struct nat_priv *p, uint32_t addr, uint16_t port, uint64_t now)
{
    if (addr - p->addr_lo >= p->naddr || (uint32_t)(port - p->port_lo) >= p->nports)
        return -1;
    int32_t fi = p->slot_flow[(addr - p->addr_lo) * p->nports + (port - p->port_lo)];
    return fi >= 0 && p->flows[fi].expires_ns > now ? fi : -1;
}

static uint32_t ext_addr(const struct nat_priv *p, const struct nat_flow *f)
{
    return p->addr_lo + f->slot / p->nports;
}

static uint16_t ext_port(const struct nat_priv *p, const struct nat_flow *f)
{
    return (uint16_t)(p->port_lo + f->slot % p->nports);
}

/* ICMP echo: the identifier (bytes 4-5) plays the port; the ICMP checksum
 * has no pseudo-header, so only the identifier's change enters it. */
static void rewrite_echo(uint8_t *ip, uint32_t hl, int addr_off, uint32_t new_addr,
                         uint16_t new_id)
{
    uint8_t *icmp = ip + hl;
    uint32_t old_addr = nf_get32(ip + addr_off);
    uint16_t old_id = nf_get16(icmp + 4);
    nf_put32(ip + addr_off, new_addr);
    nf_put16(ip + 10, nf_csum_update32(nf_get16(ip + 10), old_addr, new_addr));
    nf_put16(icmp + 4, new_id);
    nf_put16(icmp + 2, nf_csum_update16(nf_get16(icmp + 2), old_id, new_id));
}

static bool is_icmp_error(uint8_t type)
{
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * An ICMP error about a translated flow (RFC 3022 4.3, RFC 5508 7.1): the
 * packet it quotes was translated on its way, so the quote is translated
 * back along with the outer header. Inbound (to a pool address), the quote
 * is our outbound packet: its source is the external address/port; outbound
 * (from inside), it is a reply we translated: its destination is the inside
 * address/port. The quote's IP checksum and the UDP (or ICMP echo)
 * checksum inside the 8 quoted bytes are updated incrementally; a TCP
 * checksum lies past them and is updated only when the quote holds it. The
 * outer ICMP checksum is recomputed over the message (short, error path).
 */
static int nat_icmp_error(struct nat_priv *p, uint8_t *ip, uint32_t hl, uint32_t avail,
                          bool inbound, uint64_t now)
{
    uint8_t *icmp = ip + hl, *in = icmp + 8;
    if (avail < hl + 8 + 20)
        return NF_NAT_TRUNCATED;
    uint32_t ihl = (uint32_t)(in[0] & 0x0f) * 4;
    if (in[0] >> 4 != 4 || ihl < 20 || avail < hl + 8 + ihl + 8)
        return NF_NAT_TRUNCATED;
    uint8_t iproto = in[9];
    uint8_t *il4 = in + ihl;
    uint32_t isrc = nf_get32(in + 12), idst = nf_get32(in + 16);
    uint16_t isport = nf_get16(il4), idport = nf_get16(il4 + 2);
    bool echo = iproto == NF_IPPROTO_ICMP;
    if (!echo && iproto != NF_IPPROTO_TCP && iproto != NF_IPPROTO_UDP)
        return NF_NAT_PROTO;
    if (echo) { /* a quoted echo request (out) or echo reply (in): the identifier */
        isport = idport = nf_get16(il4 + 4);
        if (il4[0] != (inbound ? 8 : 0))
            return NF_NAT_PROTO;
    }
    int32_t fi;
    uint32_t old_addr, new_addr;
    uint16_t old_port, new_port;
    int addr_off, port_off;
    if (inbound) {
        fi = flow_by_ext(p, isrc, isport, now);
        if (fi < 0 || p->flows[fi].proto != iproto || p->flows[fi].rem_addr != idst ||
            (!echo && p->flows[fi].rem_port != idport))
            return NF_NAT_NO_MAPPING;
        const struct nat_flow *f = &p->flows[fi];
        old_addr = isrc, new_addr = f->in_addr, old_port = isport, new_port = f->in_port;
        addr_off = 12, port_off = 0;
        /* the outer destination: the pool address -> the inside host */
        uint32_t od = nf_get32(ip + 16);
        nf_put32(ip + 16, f->in_addr);
        nf_put16(ip + 10, nf_csum_update32(nf_get16(ip + 10), od, f->in_addr));
    } else {
        fi = echo ? -1 : flow_find(p, iproto, idst, idport, isrc, isport);
        if (fi < 0 || p->flows[fi].expires_ns <= now)
            return NF_NAT_NO_MAPPING;
        const struct nat_flow *f = &p->flows[fi];
        old_addr = idst, new_addr = ext_addr(p, f), old_port = idport, new_port = ext_port(p, f);
        addr_off = 16, port_off = 2;
        uint32_t os = nf_get32(ip + 12);
        nf_put32(ip + 12, new_addr);
        nf_put16(ip + 10, nf_csum_update32(nf_get16(ip + 10), os, new_addr));
    }
    nf_put32(in + addr_off, new_addr);
    nf_put16(in + 10, nf_csum_update32(nf_get16(in + 10), old_addr, new_addr));
    if (echo) {
        nf_put16(il4 + 4, new_port);
        nf_put16(il4 + 2, nf_csum_update16(nf_get16(il4 + 2), old_port, new_port));
    } else {
        nf_put16(il4 + port_off, new_port);
        uint32_t coff = iproto == NF_IPPROTO_TCP ? 16 : 6;
        if (hl + 8 + ihl + coff + 2 <= avail) {
            uint8_t *cs = il4 + coff;
            uint16_t c = nf_get16(cs);
            if (iproto != NF_IPPROTO_UDP || c != 0) { /* RFC 768: 0 = none */
                c = nf_csum_update32(c, old_addr, new_addr);
                c = nf_csum_update16(c, old_port, new_port);
                nf_put16(cs, iproto == NF_IPPROTO_UDP && c == 0 ? 0xffff : c);
            }
        }
    }
    nf_put16(icmp + 2, 0);
    nf_put16(icmp + 2, nf_csum(icmp, avail - hl));
    return -1;
}

static int nat_one(struct nat_priv *p, struct nf_pkt *k, uint64_t now)
{
    if (k->len < NF_ETH_HLEN + 20 || nf_get16(k->data + 12) != NF_ETHERTYPE_IPV4)
        return NF_NAT_NOT_IP;
    uint8_t *ip = k->data + NF_IP_OFF;
    uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4;
    if (ip[0] >> 4 != 4 || hl < 20 || NF_ETH_HLEN + hl > k->len)
        return NF_NAT_NOT_IP;
    uint8_t proto = ip[9];
    if (proto != NF_IPPROTO_TCP && proto != NF_IPPROTO_UDP && proto != NF_IPPROTO_ICMP)
        return NF_NAT_PROTO;
    if (nf_get16(ip + 6) & 0x3fff)
        return NF_NAT_FRAGMENT;
    if (NF_ETH_HLEN + hl + (proto == NF_IPPROTO_TCP ? 20u : 8u) > k->len)
        return NF_NAT_TRUNCATED;
    uint8_t *l4 = ip + hl;
    uint32_t src = nf_get32(ip + 12), dst = nf_get32(ip + 16);
    bool inbound = dst - p->addr_lo < p->naddr; /* to a pool address: a reply */
    uint16_t sport = nf_get16(l4), dport = nf_get16(l4 + 2);
    if (proto == NF_IPPROTO_ICMP) {
        uint8_t type = l4[0];
        if (is_icmp_error(type)) {
            /* the ICMP message's bytes: total length, bounded by the frame */
            uint32_t tot = nf_get16(ip + 2);
            uint32_t avail = k->len - NF_ETH_HLEN;
            if (tot >= hl && tot < avail)
                avail = tot;
            return nat_icmp_error(p, ip, hl, avail, inbound, now);
        }
        /* echo: the identifier is the port on both sides, dport 0 */
        if (type != (inbound ? 0 : 8))
            return NF_NAT_PROTO; /* other queries, or an inside host answering a ping */
        sport = inbound ? 0 : nf_get16(l4 + 4);
        dport = inbound ? nf_get16(l4 + 4) : 0;
    }

    if (inbound) {
        int32_t fi = flow_by_ext(p, dst, dport, now);
        if (fi < 0)
            return NF_NAT_NO_MAPPING;
        struct nat_flow *f = &p->flows[fi];
        if (f->proto != proto || f->rem_addr != src || f->rem_port != sport)
            return NF_NAT_NO_MAPPING;
        f->expires_ns = now + p->timeout_ns;
        f->replied = 1;
        if (proto == NF_IPPROTO_ICMP)
            rewrite_echo(ip, hl, 16, f->in_addr, f->in_port);
        else
            rewrite(ip, hl, proto, 16, 2, f->in_addr, f->in_port);
        return -1;
    }

    int32_t fi = flow_out(p, proto, src, sport, dst, dport, now);
    if (fi < 0)
        return -fi - 1;
    struct nat_flow *f = &p->flows[fi];
    f->expires_ns = now + p->timeout_ns;
    if (proto == NF_IPPROTO_ICMP)
        rewrite_echo(ip, hl, 12, ext_addr(p, f), ext_port(p, f));
    else
        rewrite(ip, hl, proto, 12, 0, ext_addr(p, f), ext_port(p, f));
    return -1;
}

static void nat_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    struct nat_priv *p = e->priv;
    uint64_t now = nf_element_now(e);
    for (uint32_t i = 0; i < b->n; i++) {
        int r = nat_one(p, b->pkts[i], now);
        if (r >= 0)
            nf_drop(e, r, b->pkts[i]);
        else
            nf_push(e, 0, b->pkts[i]);
    }
}

unsigned nf_nat_flows(const struct nf_element *e)
{
    return ((const struct nat_priv *)e->priv)->active;
}

static void nat_cleanup(struct nf_element *e, enum nf_stage reached)
{
    struct nat_priv *p = e->priv;
    free(p->flows);
    free(p->buckets);
    free(p->slot_flow);
    p->flows = NULL;
    p->buckets = p->slot_flow = NULL;
}

const struct nf_element_ops nf_nat_ops = {
    .cls = "NAT",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = 1,
    .priv_size = sizeof(struct nat_priv),
    .drop_reasons = nat_reasons,
    .ndrop_reasons = NF_NREASONS(nat_reasons),
    .event_reasons = 1u << NF_NAT_EVICTED | 1u << NF_NAT_RECLAIMED | 1u << NF_NAT_SWEEPS,
    .configure = nat_configure,
    .process = nat_process,
    .cleanup = nat_cleanup,
};
