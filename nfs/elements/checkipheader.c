/*
 * CheckIPHeader — the validating gate in front of every IP element, in the
 * spirit of Click's checkipheader.cc: every reason a packet is refused has
 * its own counter, so an operator can tell a checksum problem from a
 * fragmentation problem.
 */
#include "nfs/elements/checkipheader.h"

#include <stdbool.h>
#include <strings.h>

#include "nfs/nf_args.h"
#include "nfs/nf_csum.h"

struct cih_priv {
    bool drop_options, drop_fragments;
};

static const char *const cih_reasons[] = {
    "not an IPv4 frame", "truncated IPv4 header", "bad IP version", "bad IP header length",
    "bad IP total length", "bad IP header checksum", "IP options", "IP fragment",
};
NF_DROP_REASONS_FIT(cih_reasons);
_Static_assert(SCC_ARRAY_SIZE(cih_reasons) == NF_CIH_NREASONS, "one text per enum nf_cih_reason");

static int cih_check(const struct cih_priv *p, const struct nf_pkt *k)
{
    if (k->len < NF_ETH_HLEN + 2 || nf_get16(k->data + 12) != NF_ETHERTYPE_IPV4)
        return k->len < NF_ETH_HLEN ? NF_CIH_TRUNCATED : NF_CIH_NOT_IP;
    if (k->len < NF_ETH_HLEN + 20)
        return NF_CIH_TRUNCATED;
    const uint8_t *ip = k->data + NF_IP_OFF;
    uint32_t room = k->len - NF_ETH_HLEN;
    if (ip[0] >> 4 != 4)
        return NF_CIH_VERSION;
    uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4;
    if (hl < 20 || hl > room)
        return NF_CIH_IHL;
    uint32_t tot = nf_get16(ip + 2);
    if (tot < hl || tot > room)
        return NF_CIH_TOTLEN;
    /* the sum over a header with a correct checksum folds to 0 (RFC 1071) */
    if (nf_csum(ip, hl) != 0)
        return NF_CIH_CSUM;
    if (hl > 20 && p->drop_options)
        return NF_CIH_OPTIONS;
    if ((nf_get16(ip + 6) & 0x3fff) && p->drop_fragments) /* MF flag or a fragment offset */
        return NF_CIH_FRAGMENT;
    return -1;
}

/* "pass" or "drop" (any case); -1 otherwise. */
static int pass_or_drop(const char *v)
{
    if (strcasecmp(v, "pass") == 0)
        return 0;
    if (strcasecmp(v, "drop") == 0)
        return 1;
    return -1;
}

static int cih_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen)
{
    struct cih_priv *p = e->priv;
    static const char *const keys[] = {"OPTIONS", "FRAGMENTS", NULL};
    bool seen[2] = {false, false};
    for (int i = 0; i < argc; i++) {
        const char *v;
        int k = nf_args_keyword(argv[i], keys, &v);
        if (k < 0)
            return nf_element_error(e, err, errlen, "argument %d '%s': expected 'OPTIONS "
                                    "pass|drop' or 'FRAGMENTS pass|drop'", i + 1, argv[i]);
        if (seen[k])
            return nf_element_error(e, err, errlen, "%s given twice", keys[k]);
        seen[k] = true;
        int d = pass_or_drop(v);
        if (d < 0)
            return nf_element_error(e, err, errlen, "%s '%s': expected pass or drop", keys[k], v);
        if (k == 0)
            p->drop_options = d;
        else
            p->drop_fragments = d;
    }
    return 0;
}

static void cih_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    const struct cih_priv *p = e->priv;
    bool bad_out = e->nout > 1; /* Click's optional output 1 for bad packets */
    for (uint32_t i = 0; i < b->n; i++) {
        struct nf_pkt *k = b->pkts[i];
        int r = cih_check(p, k);
        if (r < 0)
            nf_push(e, 0, k);
        else if (bad_out)
            nf_push(e, 1, k);
        else
            nf_drop(e, r, k);
    }
}

const struct nf_element_ops nf_checkipheader_ops = {
    .cls = "CheckIPHeader",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = 2,
    .priv_size = sizeof(struct cih_priv),
    .drop_reasons = cih_reasons,
    .ndrop_reasons = NF_NREASONS(cih_reasons),
    .configure = cih_configure,
    .process = cih_process,
};
