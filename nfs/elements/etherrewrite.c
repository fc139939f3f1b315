/*
 * EtherRewrite — sets the MAC addresses a frame leaves with, as a router's
 * output interface does. Ethernet II: destination at bytes 0..5, source at
 * 6..11 (IEEE 802.3 clause 3.1).
 */
#include "nfs/elements/etherrewrite.h"
#include "nfs/nf_args.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "common/scc_util.h"
#include "nfs/nf_csum.h"

struct er_priv {
    bool has_src, has_dst;
    uint8_t src[6], dst[6];
};

enum { ER_RUNT };
static const char *const er_reasons[] = {"frame shorter than an Ethernet header"};
NF_DROP_REASONS_FIT(er_reasons);

static int er_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen)
{
    struct er_priv *p = e->priv;
    if (argc == 0)
        return nf_element_error(e, err, errlen, "EtherRewrite needs SRC MAC and/or DST MAC");
    static const char *const keys[] = {"SRC", "DST", NULL};
    for (int i = 0; i < argc; i++) {
        const char *m;
        int k = nf_args_keyword(argv[i], keys, &m);
        if (k < 0)
            return nf_element_error(e, err, errlen, "argument %d '%s': expected 'SRC MAC' or "
                                    "'DST MAC'", i + 1, argv[i]);
        bool src = k == 0;
        bool *has = src ? &p->has_src : &p->has_dst;
        if (*has)
            return nf_element_error(e, err, errlen, "%s given twice", src ? "SRC" : "DST");
        if (nf_args_mac(m, src ? p->src : p->dst) < 0)
            return nf_element_error(e, err, errlen, "argument %d: '%s' is not a MAC address "
                                    "(like 02:00:00:00:00:01)", i + 1, m);
        *has = true;
    }
    return 0;
}

static void er_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    const struct er_priv *p = e->priv;
    for (uint32_t i = 0; i < b->n; i++) {
        struct nf_pkt *k = b->pkts[i];
        if (k->len < NF_ETH_HLEN) {
            nf_drop(e, ER_RUNT, k);
            continue;
        }
        if (p->has_dst)
            memcpy(k->data, p->dst, 6);
        if (p->has_src)
            memcpy(k->data + 6, p->src, 6);
        nf_push(e, 0, k);
    }
}

const struct nf_element_ops nf_etherrewrite_ops = {
    .cls = "EtherRewrite",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = 1,
    .priv_size = sizeof(struct er_priv),
    .drop_reasons = er_reasons,
    .ndrop_reasons = NF_NREASONS(er_reasons),
    .configure = er_configure,
    .process = er_process,
};
