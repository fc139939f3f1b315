/*
 * nf_probe — a test tool for the dataplane integration tests (not part of
 * the product): sends crafted Ethernet/IPv4 frames through nf_io (raw or
 * VXLAN-UDP), then prints one line per frame of its own that comes back,
 * with the fields a test checks (addresses, ports, TTL, MACs, whether the
 * IP and L4 checksums verify). Frames carry a magic so unrelated traffic
 * (IPv6 router solicitations on a fresh veth) is ignored.
 *
 * usage: nf_probe --tx EP --rx EP [--wait-ms N] [--expect N] FRAME...
 *   EP     raw:IFNAME | udp:IP:PORT (tx: where to send; rx: where to bind)
 *   FRAME  PROTO,SRC,DST,SPORT,DPORT,TTL[,COUNT[,MOD]]
 *          PROTO udp|tcp|icmp; MOD badsum|frag|opts|short|udp0 (UDP checksum 0)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"
#include "nfs/nf_csum.h"
#include "nfs/nf_io.h"

#define MAXF 4096
static const uint8_t magic[6] = {'S', 'C', 'C', 'P', 'R', 'B'};

static int parse_ep(const char *s, bool tx, struct nf_io_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->sz = sizeof(*o);
    o->batch = 64;
    o->vni = 1;
    o->rcvbuf = 4 << 20;
    if (!strncmp(s, "raw:", 4)) {
        o->transport = NF_IO_RAW;
        scc_strlcpy(o->ifname, s + 4, sizeof(o->ifname));
        return 0;
    }
    if (strncmp(s, "udp:", 4))
        return -1;
    char buf[64];
    scc_strlcpy(buf, s + 4, sizeof(buf));
    char *c = strchr(buf, ':');
    long port;
    uint32_t a;
    if (!c)
        return -1;
    *c = '\0';
    if (scc_ipv4_parse(buf, &a) < 0 || scc_parse_long(c + 1, 1, 65535, &port) < 0)
        return -1;
    o->transport = NF_IO_UDP;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(a)};
    if (tx) {
        o->remote = sa;
        o->local.sin_family = AF_INET;
    } else {
        o->local = sa;
    }
    return 0;
}

static uint16_t l4sum(const uint8_t *ip)
{
    uint32_t hl = (uint32_t)(ip[0] & 15) * 4, tot = nf_get16(ip + 2);
    uint32_t s = nf_csum_add(0, ip + 12, 8);
    s += ip[9];
    s += tot - hl;
    s = nf_csum_add(s, ip + hl, tot - hl);
    return nf_csum_fold(s);
}

static int build(uint8_t *f, const char *spec, uint32_t id, int *count)
{
    char buf[160], *fld[8];
    int n = 0;
    scc_strlcpy(buf, spec, sizeof(buf));
    for (char *s = strtok(buf, ","); s && n < 8; s = strtok(NULL, ","))
        fld[n++] = s;
    if (n < 6)
        return -1;
    uint8_t proto = !strcmp(fld[0], "udp") ? 17 : !strcmp(fld[0], "tcp") ? 6
                  : !strcmp(fld[0], "icmp") ? 1 : 0;
    uint32_t src, dst;
    long sport, dport, ttl, cnt = 1;
    if (!proto || scc_ipv4_parse(fld[1], &src) < 0 || scc_ipv4_parse(fld[2], &dst) < 0 ||
        scc_parse_long(fld[3], 0, 65535, &sport) < 0 ||
        scc_parse_long(fld[4], 0, 65535, &dport) < 0 || scc_parse_long(fld[5], 0, 255, &ttl) < 0 ||
        (n > 6 && scc_parse_long(fld[6], 1, MAXF, &cnt) < 0))
        return -1;
    const char *mod = n > 7 ? fld[7] : "";
    *count = (int)cnt;
    uint32_t hl = !strcmp(mod, "opts") ? 24 : 20;
    uint32_t l4len = proto == 6 ? 20 + 16 : 8 + 16;
    uint32_t len = 14 + hl + l4len;
    memset(f, 0, 128);
    memcpy(f, "\x02\x00\x00\x00\x00\xbb\x02\x00\x00\x00\x00\xaa\x08\x00", 14);
    uint8_t *ip = f + 14, *l4 = ip + hl;
    ip[0] = (uint8_t)(0x40 | hl / 4);
    nf_put16(ip + 2, (uint16_t)(hl + l4len));
    nf_put16(ip + 4, (uint16_t)id);
    if (!strcmp(mod, "frag"))
        nf_put16(ip + 6, 0x2000);
    ip[8] = (uint8_t)ttl;
    ip[9] = proto;
    nf_put32(ip + 12, src);
    nf_put32(ip + 16, dst);
    if (hl > 20)
        ip[20] = 1; /* NOP options */
    nf_put16(ip + 10, nf_csum(ip, hl));
    if (!strcmp(mod, "badsum"))
        ip[10] ^= 0x5a;
    uint8_t *pay = l4 + (proto == 6 ? 20 : 8);
    memcpy(pay, magic, 6);
    nf_put32(pay + 6, id);
    if (proto == 1) {
        l4[0] = 8; /* echo request */
        nf_put16(l4 + 2, nf_csum(l4, l4len));
    } else {
        nf_put16(l4, (uint16_t)sport);
        nf_put16(l4 + 2, (uint16_t)dport);
        if (proto == 17) {
            nf_put16(l4 + 4, (uint16_t)l4len);
            uint16_t c = l4sum(ip);
            nf_put16(l4 + 6, strcmp(mod, "udp0") ? (c ? c : 0xffff) : 0);
        } else {
            l4[12] = 0x50;
            nf_put16(l4 + 16, l4sum(ip));
        }
    }
    if (!strcmp(mod, "short"))
        len = 14 + 10;
    return (int)(len < 60 && strcmp(mod, "short") ? 60 : len);
}

int main(int argc, char **argv)
{
    const char *tx_s = NULL, *rx_s = NULL;
    long wait_ms = 1000, expect = -1;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i += 2) {
        if (i + 1 >= argc)
            break;
        if (!strcmp(argv[i], "--tx"))
            tx_s = argv[i + 1];
        else if (!strcmp(argv[i], "--rx"))
            rx_s = argv[i + 1];
        else if (!strcmp(argv[i], "--wait-ms"))
            scc_parse_long(argv[i + 1], 1, 60000, &wait_ms);
        else if (!strcmp(argv[i], "--expect"))
            scc_parse_long(argv[i + 1], 0, 1000000, &expect);
        else
            break;
    }
    struct nf_io_opts to, ro;
    if (!tx_s || !rx_s || parse_ep(tx_s, true, &to) < 0 || parse_ep(rx_s, false, &ro) < 0) {
        fprintf(stderr, "usage: nf_probe --tx EP --rx EP [--wait-ms N] [--expect N] FRAME...\n");
        return 2;
    }
    char err[256];
    struct nf_io *rx = nf_io_open(&ro, err, sizeof(err));
    if (!rx) {
        fprintf(stderr, "nf_probe: rx %s: %s\n", rx_s, err);
        return 1;
    }
    bool shared = !strcmp(tx_s, rx_s) && to.transport == NF_IO_RAW;
    struct nf_io *tx = shared ? rx : nf_io_open(&to, err, sizeof(err));
    if (!tx) {
        fprintf(stderr, "nf_probe: tx %s: %s\n", tx_s, err);
        return 1;
    }
    static uint8_t frames[MAXF][128];
    static struct nf_pkt pk[MAXF];
    static struct nf_pkt *pp[MAXF];
    int nf = 0;
    for (; i < argc; i++) {
        int count;
        uint8_t tmpl[128];
        int len = build(tmpl, argv[i], 0, &count);
        if (len < 0) {
            fprintf(stderr, "nf_probe: bad frame '%s'\n", argv[i]);
            return 2;
        }
        for (int k = 0; k < count && nf < MAXF; k++, nf++) {
            build(frames[nf], argv[i], (uint32_t)nf, &count);
            pk[nf] = (struct nf_pkt){.data = frames[nf], .len = (uint32_t)len, .cap = 128};
            pp[nf] = &pk[nf];
        }
    }
    int sent = 0;
    while (sent < nf) {
        int chunk = nf - sent < 64 ? nf - sent : 64;
        int r = nf_io_send(tx, pp + sent, (unsigned)chunk);
        if (r < 0) {
            fprintf(stderr, "nf_probe: send: %s\n", strerror(-r));
            return 1;
        }
        sent += chunk;
    }
    struct nf_pkt *rp[64];
    struct nf_batch b = {.n = 0, .cap = 64, .pkts = rp};
    uint64_t deadline = scc_now_ns() + (uint64_t)wait_ms * 1000000ull;
    long got = 0;
    while (scc_now_ns() < deadline && (expect < 0 || got < expect)) {
        int n = nf_io_recv(rx, &b, 20);
        for (int k = 0; k < n; k++) {
            const struct nf_pkt *q = b.pkts[k];
            const uint8_t *f = q->data;
            if (q->len < 34 || nf_get16(f + 12) != 0x0800)
                continue;
            const uint8_t *ip = f + 14;
            uint32_t hl = (uint32_t)(ip[0] & 15) * 4;
            uint32_t l4h = ip[9] == 6 ? 20 : 8;
            if (14 + hl + l4h + 10 > q->len || memcmp(ip + hl + l4h, magic, 6))
                continue;
            char s[20], d[20], sm[24], dm[24];
            scc_ipv4_format(nf_get32(ip + 12), s, sizeof(s));
            scc_ipv4_format(nf_get32(ip + 16), d, sizeof(d));
            scc_mac_format(f + 6, sm, sizeof(sm));
            scc_mac_format(f, dm, sizeof(dm));
            bool l4ok = ip[9] == 1 || (ip[9] == 17 && nf_get16(ip + hl + 6) == 0) ||
                        l4sum(ip) == 0;
            printf("rx id=%u proto=%u src=%s dst=%s sport=%u dport=%u ttl=%u ipsum=%s "
                   "l4sum=%s udpsum=%s smac=%s dmac=%s\n",
                   nf_get32(ip + hl + l4h + 6), ip[9], s, d, nf_get16(ip + hl),
                   nf_get16(ip + hl + 2), ip[8], nf_csum(ip, hl) == 0 ? "ok" : "bad",
                   l4ok ? "ok" : "bad",
                   ip[9] == 17 && nf_get16(ip + hl + 6) == 0 ? "zero" : "set", sm, dm);
            got++;
        }
    }
    printf("summary sent=%d received=%ld\n", sent, got);
    if (!shared)
        nf_io_close(tx);
    nf_io_close(rx);
    return 0;
}
