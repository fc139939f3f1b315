/*
 * StaticIPLookup — longest-prefix match by prefix length: the routes of
 * each length sit in one array sorted by prefix, and a lookup tries the
 * lengths present from the longest down, with one binary search each. That
 * is at most 33 searches of a few comparisons, whatever the table size, and
 * needs no allocation after configure.
 */
#include "nfs/elements/staticiplookup.h"
#include "nfs/nf_args.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"
#include "nfs/nf_csum.h"

#define SL_MAX_ROUTES 4096

struct sl_route {
    uint32_t prefix; /* host order, masked */
    int len;
    int port;
    bool has_mac;
    uint8_t mac[6];
    int order;       /* argument index: a later duplicate wins */
};

struct sl_priv {
    struct sl_route *routes; /* sorted by (len desc, prefix asc) */
    int nroutes;
    int start[34];           /* routes of length L: [start[32-L], start[33-L]) */
    int lens[33], nlens;     /* lengths present, longest first */
};

enum { SL_NOROUTE, SL_NOT_IP };
static const char *const sl_reasons[] = {"no route", "not an IPv4 frame"};
NF_DROP_REASONS_FIT(sl_reasons);

static int route_cmp(const void *a, const void *b)
{
    const struct sl_route *x = a, *y = b;
    if (x->len != y->len)
        return y->len - x->len;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    return y->order - x->order; /* the later duplicate first */
}

static uint32_t mask_of(int len) { return len == 0 ? 0 : 0xffffffffu << (32 - len); }

static int sl_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen)
{
    struct sl_priv *p = e->priv;
    if (argc == 0)
        return nf_element_error(e, err, errlen, "StaticIPLookup needs at least one route "
                                "(PREFIX/LEN PORT [NEXTHOP_MAC])");
    if (argc > SL_MAX_ROUTES)
        return nf_element_error(e, err, errlen, "%d routes; the limit is %d per "
                                "StaticIPLookup", argc, SL_MAX_ROUTES);
    p->routes = calloc((size_t)argc, sizeof(*p->routes));
    if (!p->routes)
        return -ENOMEM;
    int maxport = 0;
    for (int i = 0; i < argc; i++) {
        char buf[128], *w[4];
        int nw = 0;
        if (strlen(argv[i]) >= sizeof(buf))
            return nf_element_error(e, err, errlen, "route %d is too long", i + 1);
        scc_strlcpy(buf, argv[i], sizeof(buf));
        for (char *s = buf; *s;) {
            while (isspace((unsigned char)*s))
                *s++ = '\0';
            if (!*s)
                break;
            if (nw == 4)
                break;
            w[nw++] = s;
            while (*s && !isspace((unsigned char)*s))
                s++;
        }
        if (nw < 2 || nw > 3)
            return nf_element_error(e, err, errlen, "route %d '%s': expected PREFIX/LEN PORT "
                                    "[NEXTHOP_MAC]", i + 1, argv[i]);
        struct sl_route *r = &p->routes[i];
        long port;
        if (nf_args_prefix(w[0], &r->prefix, &r->len) < 0)
            return nf_element_error(e, err, errlen, "route %d: '%s' is not an IPv4 prefix "
                                    "(like 10.0.0.0/8)", i + 1, w[0]);
        r->prefix &= mask_of(r->len);
        if (nf_args_int(w[1], 0, NF_MAX_PORTS - 1, &port) < 0)
            return nf_element_error(e, err, errlen, "route %d: port '%s' is not a number in "
                                    "0..%d", i + 1, w[1], NF_MAX_PORTS - 1);
        r->port = (int)port;
        if (nw == 3) {
            if (nf_args_mac(w[2], r->mac) < 0)
                return nf_element_error(e, err, errlen, "route %d: '%s' is not a MAC address",
                                        i + 1, w[2]);
            r->has_mac = true;
        }
        if (r->port > maxport)
            maxport = r->port;
    }
    if (e->nout != maxport + 1)
        return nf_element_error(e, err, errlen, "routes use output%s 0..%d, but %d output%s "
                                "connected (connect each, e.g. 'rt[%d] -> Discard')",
                                maxport ? "s" : "", maxport, e->nout,
                                e->nout == 1 ? " is" : "s are",
                                e->nout < maxport + 1 ? e->nout : maxport);
    /* a later duplicate overrides an earlier one: the sort puts duplicates
     * next to each other, latest first, and only the first is kept
     * (O(n log n); a pairwise check was quadratic in the routes) */
    for (int i = 0; i < argc; i++)
        p->routes[i].order = i;
    qsort(p->routes, (size_t)argc, sizeof(*p->routes), route_cmp);
    int n = 0;
    for (int i = 0; i < argc; i++)
        if (n == 0 || p->routes[i].len != p->routes[n - 1].len ||
            p->routes[i].prefix != p->routes[n - 1].prefix)
            p->routes[n++] = p->routes[i];
    p->nroutes = n;
    for (int k = 0, L = 32; L >= 0; L--) {
        p->start[32 - L] = k;
        int s = k;
        while (k < n && p->routes[k].len == L)
            k++;
        if (k > s)
            p->lens[p->nlens++] = L;
        p->start[33 - L] = k;
    }
    return 0;
}

static const struct sl_route *sl_lookup(const struct sl_priv *p, uint32_t dst)
{
    for (int i = 0; i < p->nlens; i++) {
        int L = p->lens[i];
        uint32_t key = dst & mask_of(L);
        int lo = p->start[32 - L], hi = p->start[33 - L] - 1;
        while (lo <= hi) {
            int mid = lo + (hi - lo) / 2;
            uint32_t v = p->routes[mid].prefix;
            if (v == key)
                return &p->routes[mid];
            if (v < key)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
    }
    return NULL;
}

static void sl_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    const struct sl_priv *p = e->priv;
    for (uint32_t i = 0; i < b->n; i++) {
        struct nf_pkt *k = b->pkts[i];
        if (k->len < NF_ETH_HLEN + 20 || nf_get16(k->data + 12) != NF_ETHERTYPE_IPV4) {
            nf_drop(e, SL_NOT_IP, k);
            continue;
        }
        const struct sl_route *r = sl_lookup(p, nf_get32(k->data + NF_IP_OFF + 16));
        if (!r) {
            nf_drop(e, SL_NOROUTE, k);
            continue;
        }
        if (r->has_mac)
            memcpy(k->data, r->mac, 6);
        nf_push(e, r->port, k);
    }
}

static void sl_cleanup(struct nf_element *e, enum nf_stage reached)
{
    struct sl_priv *p = e->priv;
    free(p->routes);
    p->routes = NULL;
}

const struct nf_element_ops nf_staticiplookup_ops = {
    .cls = "StaticIPLookup",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = -1,
    .priv_size = sizeof(struct sl_priv),
    .drop_reasons = sl_reasons,
    .ndrop_reasons = NF_NREASONS(sl_reasons),
    .configure = sl_configure,
    .process = sl_process,
    .cleanup = sl_cleanup,
};
