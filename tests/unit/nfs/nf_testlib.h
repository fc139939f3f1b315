/*
 * nf_testlib — crafted frames for the element tests: Ethernet + IPv4 +
 * UDP/TCP with correct checksums, checksum verifiers, and a helper that
 * runs frames through a pipeline. The checksum oracle is this file's own
 * naive RFC 1071 sum (t_ref_sum), not the module's nf_csum.h, so a bug in
 * the code under test cannot hide in its own oracle; test_ip_elements checks
 * both against RFC 1071's and a textbook IPv4 header's known answers.
 */
#ifndef NF_TESTLIB_H
#define NF_TESTLIB_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nfs/nf_csum.h"
#include "nfs/nf_pipeline.h"

#define T_MAXPKT 64

struct tframes {
    uint8_t buf[T_MAXPKT][NF_FRAME_MAX];
    struct nf_pkt pkt[T_MAXPKT];
    struct nf_pkt *ptr[T_MAXPKT];
    struct nf_batch b;
    int n;
};

static inline uint32_t ip4(int a, int b, int c, int d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

/* RFC 1071 section 4.1, as plainly as possible: add the data as big-endian
 * 16-bit words (an odd last byte padded with zero) into a wide accumulator,
 * fold the carries back in, complement. */
static inline uint64_t t_ref_sum(uint64_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint64_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint64_t)p[n - 1] << 8;
    return sum;
}
static inline uint16_t t_ref_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}
static inline uint16_t t_ref_csum(const uint8_t *p, size_t n)
{
    return t_ref_fold(t_ref_sum(0, p, n));
}

/* L4 checksum over pseudo-header + segment (RFC 768 / RFC 793). */
static inline uint16_t t_l4_csum(const uint8_t *ip)
{
    uint32_t hl = (uint32_t)(ip[0] & 15) * 4, tot = (uint32_t)ip[2] << 8 | ip[3];
    uint64_t s = t_ref_sum(0, ip + 12, 8); /* source and destination */
    s += ip[9];                            /* zero, protocol */
    s += tot - hl;                         /* L4 length */
    s = t_ref_sum(s, ip + hl, tot - hl);
    return t_ref_fold(s);
}

/* Append a frame: proto 17 (UDP) or 6 (TCP) or other; len = whole frame. */
static inline struct nf_pkt *t_frame(struct tframes *t, uint8_t proto, uint32_t src,
                                     uint32_t dst, uint16_t sport, uint16_t dport,
                                     uint8_t ttl, uint32_t len)
{
    ck_assert_int_lt(t->n, T_MAXPKT);
    uint8_t *f = t->buf[t->n];
    memset(f, 0, NF_FRAME_MAX);
    memcpy(f, "\x02\x00\x00\x00\x00\xbb\x02\x00\x00\x00\x00\xaa\x08\x00", 14);
    uint8_t *ip = f + 14;
    uint32_t tot = len - 14;
    ip[0] = 0x45;
    nf_put16(ip + 2, (uint16_t)tot);
    nf_put16(ip + 4, 0x1234);
    ip[8] = ttl;
    ip[9] = proto;
    nf_put32(ip + 12, src);
    nf_put32(ip + 16, dst);
    nf_put16(ip + 10, t_ref_csum(ip, 20));
    uint8_t *l4 = ip + 20;
    for (uint32_t i = 34; i < len; i++)
        f[i] = (uint8_t)(i * 7);
    if (proto == NF_IPPROTO_UDP || proto == NF_IPPROTO_TCP) {
        nf_put16(l4, sport);
        nf_put16(l4 + 2, dport);
    }
    if (proto == NF_IPPROTO_UDP) {
        nf_put16(l4 + 4, (uint16_t)(tot - 20));
        nf_put16(l4 + 6, 0);
        uint16_t c = t_l4_csum(ip);
        nf_put16(l4 + 6, c ? c : 0xffff);
    } else if (proto == NF_IPPROTO_TCP) {
        l4[12] = 0x50;
        nf_put16(l4 + 16, 0);
        nf_put16(l4 + 16, t_l4_csum(ip));
    }
    struct nf_pkt *k = &t->pkt[t->n];
    *k = (struct nf_pkt){.data = f, .len = len, .cap = NF_FRAME_MAX};
    t->ptr[t->n] = k;
    t->n++;
    t->b = (struct nf_batch){.n = (uint32_t)t->n, .cap = T_MAXPKT, .pkts = t->ptr};
    return k;
}

static inline struct nf_pkt *t_udp(struct tframes *t, uint32_t src, uint32_t dst,
                                   uint16_t sport, uint16_t dport)
{
    return t_frame(t, NF_IPPROTO_UDP, src, dst, sport, dport, 64, 64);
}

/* Re-compute the IP header checksum after a test corrupts a header field. */
static inline void t_fix_ipcsum(struct nf_pkt *k)
{
    uint8_t *ip = k->data + 14;
    nf_put16(ip + 10, 0);
    nf_put16(ip + 10, t_ref_csum(ip, (size_t)(ip[0] & 15) * 4));
}

static inline int t_ip_ok(const struct nf_pkt *k)
{
    const uint8_t *ip = k->data + 14;
    return t_ref_csum(ip, (size_t)(ip[0] & 15) * 4) == 0;
}

/* A correct L4 checksum sums (with the field) to 0; UDP 0 = no checksum. */
static inline int t_l4_ok(const struct nf_pkt *k)
{
    const uint8_t *ip = k->data + 14;
    if (ip[9] == NF_IPPROTO_UDP && nf_get16(ip + 20 + 6) == 0)
        return 1;
    return t_l4_csum(ip) == 0;
}

static inline struct nf_pipeline *t_build(const char *text)
{
    struct nf_pipeline *p = NULL;
    char err[256];
    int rc = nf_pipeline_build(text, NULL, &p, err, sizeof(err));
    ck_assert_msg(rc == 0, "build '%s': %s", text, err);
    return p;
}

/* Run all frames; returns ToIO(0)'s batch (valid until the next run). */
static inline struct nf_batch *t_run(struct nf_pipeline *p, struct tframes *t, uint64_t now)
{
    nf_pipeline_clear_outputs(p);
    t->b = (struct nf_batch){.n = (uint32_t)t->n, .cap = T_MAXPKT, .pkts = t->ptr};
    nf_pipeline_run(p, 0, &t->b, now);
    return nf_pipeline_output(p, 0);
}

static inline uint64_t t_drops(struct nf_pipeline *p, const char *elem, int reason)
{
    const struct nf_element *e = nf_pipeline_find(p, elem);
    ck_assert_msg(e != NULL, "no element %s", elem);
    return e->drops[reason];
}

/* A UDP socket bound to an ephemeral loopback port, its address in *a,
 * with a 1 MiB receive buffer (a test's sink must not drop what an NF
 * forwards in a burst). For the tests that run a real scc-nf over UDP. */
static inline int t_bound_udp(struct sockaddr_in *a)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    memset(a, 0, sizeof(*a));
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
    socklen_t l = sizeof(*a);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)a, &l), 0);
    int big = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    return fd;
}

/* A free loopback UDP port: bind, read it back, close (the NF binds it next). */
static inline unsigned t_free_port(void)
{
    struct sockaddr_in a;
    int fd = t_bound_udp(&a);
    close(fd);
    return ntohs(a.sin_port);
}

#define T_MAIN(suite_fn)                                                                     \
    int main(void)                                                                           \
    {                                                                                        \
        SRunner *sr = srunner_create(suite_fn());                                            \
        srunner_run_all(sr, CK_NORMAL);                                                      \
        int nf = srunner_ntests_failed(sr);                                                  \
        srunner_free(sr);                                                                    \
        return nf ? 1 : 0;                                                                   \
    }

#endif
