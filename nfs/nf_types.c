/*
 * nf_types — see nf_types.h. The expansions are the ones docs/elements.md
 * and docs/chain-spec.md show; a test checks each against its text.
 */
#include "nfs/nf_types.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/scc_util.h"

const char *const nf_type_names[NF_TYPE_COUNT + 1] = {"router", "firewall", "l2fwd", "nat",
                                                      "counter", NULL};

const char *const nf_reverse_names[NF_REVERSE_COUNT + 1] = {"pipeline", "straight", "none",
                                                            NULL};

enum nf_reverse nf_type_default_reverse(enum nf_type t)
{
    switch (t) {
    case NF_TYPE_ROUTER:
    case NF_TYPE_NAT:
    case NF_TYPE_COUNTER:
    case NF_TYPE_FIREWALL: /* replies of allowed flows: IPFilter(STATEFUL, ...) */
        return NF_REVERSE_PIPELINE;
    default:
        return NF_REVERSE_STRAIGHT;
    }
}

/* A growing string; a failed allocation sticks (nomem) and later adds do nothing. */
struct strbuf {
    char *s;
    size_t n, cap;
    bool nomem;
};

static void sb_add(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct strbuf *b, const char *fmt, ...)
{
    if (b->nomem)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->nomem = true;
            return;
        }
        if (b->s && b->n + (size_t)n < b->cap) {
            b->n += (size_t)n;
            return;
        }
        size_t cap = (b->cap ? b->cap : 128) * 2 + (size_t)n;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->nomem = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
}

static void mac_arg(struct strbuf *b, const char *what, const uint8_t mac[6])
{
    char m[32];
    scc_mac_format(mac, m, sizeof(m));
    sb_add(b, "%s %s", what, m);
}

char *nf_type_expand(enum nf_type t, const struct nf_type_args *nf)
{
    struct strbuf b = {0};
    bool rewrite = nf->has_src_mac || nf->has_dst_mac;
    switch (t) {
    case NF_TYPE_ROUTER: {
        int maxport = 0;
        sb_add(&b, "rt :: StaticIPLookup(");
        for (int i = 0; i < nf->nroutes; i++) {
            char a[20], m[24];
            scc_ipv4_format(nf->routes[i].prefix, a, sizeof(a));
            sb_add(&b, "%s%s/%d %d", i ? ", " : "", a, nf->routes[i].len, nf->routes[i].port);
            if (nf->routes[i].has_mac) {
                scc_mac_format(nf->routes[i].mac, m, sizeof(m));
                sb_add(&b, " %s", m);
            }
            if (nf->routes[i].port > maxport)
                maxport = nf->routes[i].port;
        }
        /* with an address the router answers expired TTLs (RFC 1812 5.3.1):
         * DecIPTTL's output 1 -> ICMPError -> ToIO(1), the port scc-nf sends
         * back toward the sender; without one they are dropped and counted */
        sb_add(&b, "); FromIO -> CheckIPHeader -> rt; rt[0] -> %sDecIPTTL",
               nf->has_addr ? "ttl :: " : "");
        if (nf->has_src_mac) {
            sb_add(&b, " -> EtherRewrite(");
            mac_arg(&b, "SRC", nf->src_mac);
            sb_add(&b, ")");
        }
        sb_add(&b, " -> ToIO");
        if (nf->has_addr) {
            char a[20];
            scc_ipv4_format(nf->addr, a, sizeof(a));
            sb_add(&b, "; ttl[1] -> ICMPError(SRC %s, TYPE timeexceeded, CODE 0) -> ToIO(1)", a);
        }
        for (int p = 1; p <= maxport; p++)
            sb_add(&b, "; rt[%d] -> Discard", p);
        break;
    }
    case NF_TYPE_FIREWALL:
        /* stateful: on the return path (reverse "pipeline", the type's
         * default) only replies of flows the rules allowed pass */
        sb_add(&b, "FromIO -> CheckIPHeader -> IPFilter(STATEFUL");
        for (int i = 0; i < nf->nrules; i++)
            sb_add(&b, ", %s", nf->rules[i]);
        sb_add(&b, ") -> ToIO");
        break;
    case NF_TYPE_L2FWD:
        sb_add(&b, "FromIO");
        if (rewrite) {
            sb_add(&b, " -> EtherRewrite(");
            if (nf->has_src_mac)
                mac_arg(&b, "SRC", nf->src_mac);
            if (nf->has_dst_mac) {
                if (nf->has_src_mac)
                    sb_add(&b, ", ");
                mac_arg(&b, "DST", nf->dst_mac);
            }
            sb_add(&b, ")");
        }
        sb_add(&b, " -> ToIO");
        break;
    case NF_TYPE_NAT: {
        char lo[20], hi[20];
        scc_ipv4_format(nf->nat_addr_lo, lo, sizeof(lo));
        scc_ipv4_format(nf->nat_addr_hi, hi, sizeof(hi));
        sb_add(&b, "FromIO -> CheckIPHeader -> NAT(ADDR %s", lo);
        if (nf->nat_addr_hi != nf->nat_addr_lo)
            sb_add(&b, "-%s", hi);
        sb_add(&b, ", PORTS %u-%u, TIMEOUT %u) -> ToIO", nf->nat_port_lo, nf->nat_port_hi,
               nf->nat_timeout_s);
        break;
    }
    case NF_TYPE_COUNTER:
        sb_add(&b, "FromIO -> Counter -> ToIO");
        break;
    default:
        errno = EINVAL;
        return NULL;
    }
    if (b.nomem) {
        free(b.s);
        errno = ENOMEM;
        return NULL;
    }
    return b.s;
}
