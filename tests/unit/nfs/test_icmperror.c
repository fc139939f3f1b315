/*
 * test_icmperror — ICMPError on crafted frames: a TTL expiry through
 * DecIPTTL's output 1 becomes a Time Exceeded with swapped MACs and
 * addresses, a valid IP and ICMP checksum and the quoted header + 8 bytes;
 * what RFC 1812 4.3.2.7 forbids answering is dropped under its reason; the
 * token bucket limits and refills; bad arguments are refused.
 */
#include <errno.h>

#include "nf_testlib.h"

#include "nfs/elements/icmperror.h"

#define SEC 1000000000ull

static const char *const TTL_PIPE =
    "t :: DecIPTTL; FromIO -> t -> ToIO; "
    "t[1] -> e :: ICMPError(SRC 10.0.0.254, TYPE timeexceeded, CODE 0) -> ToIO(1)";

static struct nf_batch *run_at(struct nf_pipeline *p, struct tframes *t, uint64_t now)
{
    t_run(p, t, now);
    return nf_pipeline_output(p, 1);
}

START_TEST(test_time_exceeded)
{
    struct nf_pipeline *p = t_build(TTL_PIPE);
    struct tframes t = {0};
    struct nf_pkt *k = t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 4000,
                               33434, 1, 100);
    uint8_t orig[100];
    memcpy(orig, k->data, 100);
    /* a packet with options: the quote is its 24-byte header + 8 */
    struct nf_pkt *o = t_frame(&t, NF_IPPROTO_TCP, ip4(192, 0, 2, 8), ip4(10, 9, 0, 1), 5, 80, 1,
                               90);
    o->data[14] = 0x46;
    t_fix_ipcsum(o);
    uint8_t orig2[90];
    memcpy(orig2, o->data, 90);
    struct nf_batch *out = run_at(p, &t, SEC);
    ck_assert_uint_eq(nf_pipeline_output(p, 0)->n, 0);
    ck_assert_uint_eq(out->n, 2);
    ck_assert_ptr_eq(out->pkts[0], k);
    /* Ethernet: back to where it came from */
    ck_assert_mem_eq(k->data, orig + 6, 6);
    ck_assert_mem_eq(k->data + 6, orig, 6);
    ck_assert_uint_eq(nf_get16(k->data + 12), 0x0800);
    const uint8_t *ip = k->data + 14;
    ck_assert_uint_eq(ip[0], 0x45);
    ck_assert_uint_eq(ip[9], NF_IPPROTO_ICMP);
    ck_assert_uint_eq(ip[8], 64);
    ck_assert_uint_eq(nf_get32(ip + 12), ip4(10, 0, 0, 254));
    ck_assert_uint_eq(nf_get32(ip + 16), ip4(192, 0, 2, 7));
    ck_assert_uint_eq(nf_get16(ip + 2), 20 + 8 + 28);
    ck_assert_uint_eq(k->len, 14 + 20 + 8 + 28);
    ck_assert(t_ip_ok(k));
    const uint8_t *icmp = ip + 20;
    ck_assert_uint_eq(icmp[0], 11);
    ck_assert_uint_eq(icmp[1], 0);
    ck_assert_uint_eq(nf_get32(icmp + 4), 0);
    ck_assert_uint_eq(t_ref_csum(icmp, 8 + 28), 0);
    /* RFC 792: the original header (TTL as received) and 8 payload bytes */
    ck_assert_mem_eq(icmp + 8, orig + 14, 28);
    ip = o->data + 14;
    ck_assert_uint_eq(nf_get16(ip + 2), 20 + 8 + 32);
    ck_assert_uint_eq(t_ref_csum(ip + 20, 8 + 32), 0);
    ck_assert_mem_eq(ip + 28, orig2 + 14, 32);
    ck_assert_uint_eq(nf_pipeline_drops(p), 0);
    nf_pipeline_destroy(p);
}
END_TEST

/* RFC 1812 4.3.2.7: never answer these. */
START_TEST(test_not_answered)
{
    struct nf_pipeline *p = t_build(TTL_PIPE);
    struct tframes t = {0};
    struct nf_pkt *k = t_frame(&t, NF_IPPROTO_ICMP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 0, 0,
                               1, 70);
    k->data[34] = 3; /* an ICMP error: destination unreachable */
    k = t_frame(&t, NF_IPPROTO_ICMP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 0, 0, 1, 70);
    k->data[34] = 11; /* time exceeded */
    k = t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 1, 2, 1, 70);
    nf_put16(k->data + 20, 0x0004); /* a later fragment */
    t_fix_ipcsum(k);
    t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(255, 255, 255, 255), 1, 2, 1, 70);
    t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(239, 1, 1, 1), 1, 2, 1, 70);
    k = t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 1, 2, 1, 70);
    memset(k->data, 0xff, 6); /* link-layer broadcast */
    t_frame(&t, NF_IPPROTO_UDP, ip4(127, 0, 0, 1), ip4(10, 9, 0, 1), 1, 2, 1, 70);
    t_frame(&t, NF_IPPROTO_UDP, ip4(0, 0, 0, 0), ip4(10, 9, 0, 1), 1, 2, 1, 70);
    t_frame(&t, NF_IPPROTO_UDP, ip4(240, 0, 0, 1), ip4(10, 9, 0, 1), 1, 2, 1, 70);
    /* answered: an echo request (a query), and a first fragment */
    struct nf_pkt *echo = t_frame(&t, NF_IPPROTO_ICMP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 0,
                                  0, 1, 70);
    echo->data[34] = 8;
    struct nf_pkt *first = t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 1,
                                   2, 1, 70);
    first->data[20] = 0x20;
    t_fix_ipcsum(first);
    struct nf_batch *out = run_at(p, &t, SEC);
    ck_assert_uint_eq(out->n, 2);
    ck_assert_ptr_eq(out->pkts[0], echo);
    ck_assert_ptr_eq(out->pkts[1], first);
    ck_assert_uint_eq(t_drops(p, "e", NF_ICMPERR_IS_ERROR), 2);
    ck_assert_uint_eq(t_drops(p, "e", NF_ICMPERR_FRAGMENT), 1);
    ck_assert_uint_eq(t_drops(p, "e", NF_ICMPERR_BROADCAST), 3);
    ck_assert_uint_eq(t_drops(p, "e", NF_ICMPERR_BAD_SRC), 3);
    ck_assert_uint_eq(t_drops(p, "e", NF_ICMPERR_RATE), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_rate_limit)
{
    struct nf_pipeline *p = t_build("FromIO -> e :: ICMPError(SRC 10.0.0.254, TYPE unreachable, "
                                    "CODE 3, RATE 10, BURST 3) -> ToIO");
    struct tframes t = {0};
    for (int i = 0; i < 5; i++)
        t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 1, 2, 64, 70);
    struct nf_batch *o = t_run(p, &t, 100 * SEC);
    ck_assert_uint_eq(o->n, 3); /* the full bucket */
    ck_assert_uint_eq(o->pkts[0]->data[34], 3);
    ck_assert_uint_eq(o->pkts[0]->data[35], 3);
    ck_assert_uint_eq(t_drops(p, "e", NF_ICMPERR_RATE), 2);
    t.n = 0;
    for (int i = 0; i < 5; i++)
        t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 1, 2, 64, 70);
    ck_assert_uint_eq(t_run(p, &t, 100 * SEC + SEC / 10)->n, 1); /* 100 ms = one token */
    ck_assert_uint_eq(t_drops(p, "e", NF_ICMPERR_RATE), 6);
    t.n = 0;
    for (int i = 0; i < 5; i++)
        t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 1, 2, 64, 70);
    ck_assert_uint_eq(t_run(p, &t, 1000 * SEC)->n, 3); /* refilled, capped at BURST */
    nf_pipeline_destroy(p);
    /* RATE 0: no limit */
    p = t_build("FromIO -> e :: ICMPError(SRC 10.0.0.254, TYPE unreachable, RATE 0) -> ToIO");
    t.n = 0;
    for (int i = 0; i < 60; i++)
        t_frame(&t, NF_IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(10, 9, 0, 1), 1, 2, 64, 70);
    ck_assert_uint_eq(t_run(p, &t, SEC)->n, 60);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_bad_args)
{
    static const char *const bad[] = {
        "FromIO -> ICMPError -> ToIO",
        "FromIO -> ICMPError(SRC 10.0.0.1) -> ToIO",
        "FromIO -> ICMPError(TYPE timeexceeded) -> ToIO",
        "FromIO -> ICMPError(SRC 10.0.0, TYPE timeexceeded) -> ToIO",
        "FromIO -> ICMPError(SRC 10.0.0.1, TYPE redirect) -> ToIO",
        "FromIO -> ICMPError(SRC 10.0.0.1, TYPE unreachable, CODE 256) -> ToIO",
        "FromIO -> ICMPError(SRC 10.0.0.1, TYPE unreachable, RATE -1) -> ToIO",
        "FromIO -> ICMPError(SRC 10.0.0.1, TYPE unreachable, BURST 0) -> ToIO",
        "FromIO -> ICMPError(SRC 10.0.0.1, TYPE unreachable, MTU 1400) -> ToIO",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct nf_pipeline *p;
        char err[256];
        ck_assert_int_eq(nf_pipeline_build(bad[i], NULL, &p, err, sizeof(err)), -EINVAL);
        ck_assert_msg(strstr(err, "ICMPError") != NULL, "%s: %s", bad[i], err);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("icmperror");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_time_exceeded);
    tcase_add_test(tc, test_not_answered);
    tcase_add_test(tc, test_rate_limit);
    tcase_add_test(tc, test_bad_args);
    suite_add_tcase(s, tc);
    return s;
}

T_MAIN(suite)
