/*
 * CheckIPHeader — the validating gate in front of every IP element, in the
 * spirit of Click's checkipheader.cc: every reason a packet is refused has
 * its own counter, so an operator can tell a checksum problem from a
 * fragmentation problem.
 */
#include "nfs/elements/checkipheader.h"

#include "nfs/nf_csum.h"

static const char *const cih_reasons[] = {
    "not an IPv4 frame", "truncated IPv4 header", "bad IP version", "bad IP header length",
    "bad IP total length", "bad IP header checksum", "IP options", "IP fragment",
};
NF_DROP_REASONS_FIT(cih_reasons);
_Static_assert(SCC_ARRAY_SIZE(cih_reasons) == NF_CIH_NREASONS, "one text per enum nf_cih_reason");

static int cih_check(const struct nf_pkt *k)
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
    if (hl > 20)
        return NF_CIH_OPTIONS;
    if (nf_get16(ip + 6) & 0x3fff) /* MF flag or a fragment offset */
        return NF_CIH_FRAGMENT;
    return -1;
}

static void cih_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        struct nf_pkt *k = b->pkts[i];
        int r = cih_check(k);
        if (r >= 0)
            nf_drop(e, r, k);
        else
            nf_push(e, 0, k);
    }
}

const struct nf_element_ops nf_checkipheader_ops = {
    .cls = "CheckIPHeader",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = 1,
    .drop_reasons = cih_reasons,
    .ndrop_reasons = NF_NREASONS(cih_reasons),
    .process = cih_process,
};
