/*
 * DecIPTTL — TTL decrement with an incremental checksum update.
 *
 * TTL shares a 16-bit header word with the protocol field (bytes 8-9 of the
 * IPv4 header), so decrementing TTL changes that word m to m' = m - 0x0100;
 * RFC 1624 eqn. 3 gives HC' = ~(~HC + ~m + m') without touching the rest
 * of the header.
 */
#include "nfs/elements/decipttl.h"

#include <stdbool.h>

#include "nfs/nf_csum.h"

enum { TTL_EXPIRED, TTL_NOT_IP };
static const char *const ttl_reasons[] = {"TTL expired", "not an IPv4 frame"};
NF_DROP_REASONS_FIT(ttl_reasons);

static void ttl_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    bool expired_out = e->nout > 1;
    for (uint32_t i = 0; i < b->n; i++) {
        struct nf_pkt *k = b->pkts[i];
        if (k->len < NF_ETH_HLEN + 20 || nf_get16(k->data + 12) != NF_ETHERTYPE_IPV4) {
            nf_drop(e, TTL_NOT_IP, k);
            continue;
        }
        uint8_t *ip = k->data + NF_IP_OFF;
        if (ip[8] <= 1) {
            if (expired_out)
                nf_push(e, 1, k);
            else
                nf_drop(e, TTL_EXPIRED, k);
            continue;
        }
        uint16_t m = nf_get16(ip + 8);
        ip[8]--;
        nf_put16(ip + 10, nf_csum_update16(nf_get16(ip + 10), m, nf_get16(ip + 8)));
        nf_push(e, 0, k);
    }
}

const struct nf_element_ops nf_decipttl_ops = {
    .cls = "DecIPTTL",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = 2,
    .drop_reasons = ttl_reasons,
    .ndrop_reasons = NF_NREASONS(ttl_reasons),
    .process = ttl_process,
};
