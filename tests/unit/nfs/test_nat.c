/*
 * test_nat — source NAT on crafted TCP/UDP frames: translation, checksums
 * (verified by full recomputation), the UDP zero-checksum rule, one mapping
 * per flow, reverse translation, timeouts and slot reuse, pool exhaustion,
 * table capacity, malformed frames.
 */
#include "nf_testlib.h"

#include "nfs/elements/nat.h"

#define SEC 1000000000ull

static struct nf_pkt *run1(struct nf_pipeline *p, struct nf_pkt *k, uint64_t now)
{
    struct nf_pkt *one[1] = {k};
    struct nf_batch b = {.n = 1, .cap = 1, .pkts = one};
    nf_pipeline_clear_outputs(p);
    nf_pipeline_run(p, 0, &b, now);
    struct nf_batch *o = nf_pipeline_output(p, 0);
    return o->n ? o->pkts[0] : NULL;
}

static const struct nf_element *nat_of(struct nf_pipeline *p) { return nf_pipeline_find(p, "n"); }

START_TEST(test_translate_and_reply)
{
    struct nf_pipeline *p = t_build("FromIO -> CheckIPHeader -> n :: NAT(ADDR 203.0.113.1-"
                                    "203.0.113.4, PORTS 1024-65535, TIMEOUT 60) -> ToIO");
    struct tframes t = {0};
    uint32_t in = ip4(10, 0, 0, 5), rem = ip4(198, 51, 100, 9);
    for (int proto = 0; proto < 2; proto++) {
        uint8_t pr = proto ? NF_IPPROTO_TCP : NF_IPPROTO_UDP;
        struct nf_pkt *k = run1(p, t_frame(&t, pr, in, rem, 40000, 53, 64, 80), 1 * SEC);
        ck_assert_ptr_nonnull(k);
        uint8_t *ip = k->data + 14;
        uint32_t ext = nf_get32(ip + 12);
        uint16_t eport = nf_get16(ip + 20);
        ck_assert_msg(ext >= ip4(203, 0, 113, 1) && ext <= ip4(203, 0, 113, 4), "ext %08x", ext);
        ck_assert_uint_ge(eport, 1024);
        ck_assert_uint_eq(nf_get32(ip + 16), rem);
        ck_assert_uint_eq(nf_get16(ip + 22), 53);
        ck_assert(t_ip_ok(k));
        ck_assert(t_l4_ok(k));
        ck_assert(nf_get16(ip + 20 + (proto ? 16 : 6)) != 0);
        /* the same flow keeps its mapping */
        k = run1(p, t_frame(&t, pr, in, rem, 40000, 53, 64, 80), 2 * SEC);
        ck_assert_uint_eq(nf_get32(k->data + 26), ext);
        ck_assert_uint_eq(nf_get16(k->data + 34), eport);
        /* the reply maps back */
        k = run1(p, t_frame(&t, pr, rem, ext, 53, eport, 64, 80), 3 * SEC);
        ck_assert_ptr_nonnull(k);
        ck_assert_uint_eq(nf_get32(k->data + 30), in);
        ck_assert_uint_eq(nf_get16(k->data + 36), 40000);
        ck_assert_uint_eq(nf_get32(k->data + 26), rem);
        ck_assert(t_ip_ok(k));
        ck_assert(t_l4_ok(k));
        /* a reply from someone else, or to an unused port, does not */
        ck_assert_ptr_null(run1(p, t_frame(&t, pr, rem + 1, ext, 53, eport, 64, 80), 3 * SEC));
        ck_assert_ptr_null(run1(p, t_frame(&t, pr, rem, ext, 54, eport, 64, 80), 3 * SEC));
        ck_assert_ptr_null(run1(p, t_frame(&t, pr, rem, ext, 53, (uint16_t)(eport + 1), 64, 80),
                                3 * SEC));
        ck_assert_ptr_null(run1(p, t_frame(&t, pr, rem, ext, 53, 80, 64, 80), 3 * SEC));
    }
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_NO_MAPPING), 8);
    /* a different source port is a different flow with a different port */
    struct nf_pkt *a = run1(p, t_udp(&t, in, rem, 1, 2), 4 * SEC);
    uint32_t a_addr = nf_get32(a->data + 26);
    uint16_t a_port = nf_get16(a->data + 34);
    struct nf_pkt *b = run1(p, t_udp(&t, in, rem, 3, 2), 4 * SEC);
    ck_assert(nf_get32(b->data + 26) != a_addr || nf_get16(b->data + 34) != a_port);
    ck_assert_uint_eq(nf_nat_flows(nat_of(p)), 4);
    t.n = 0;
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_udp_zero_checksum)
{
    struct nf_pipeline *p = t_build("FromIO -> n :: NAT(ADDR 203.0.113.1) -> ToIO");
    struct tframes t = {0};
    struct nf_pkt *k = t_udp(&t, ip4(10, 0, 0, 5), ip4(8, 8, 8, 8), 1000, 53);
    nf_put16(k->data + 40, 0);
    k = run1(p, k, SEC);
    ck_assert_uint_eq(nf_get16(k->data + 40), 0);
    ck_assert(t_ip_ok(k));
    /* checksums across many addresses/ports stay right, incl. the 0xffff case */
    for (int i = 0; i < 60; i++) {
        t.n = 0;
        k = run1(p, t_frame(&t, (i & 1) ? NF_IPPROTO_TCP : NF_IPPROTO_UDP,
                            ip4(10, i, 255 - i, i * 3), ip4(172, 16, i, 1),
                            (uint16_t)(65535 - i * 977), (uint16_t)(i * 1000), 64,
                            (uint32_t)(60 + i * 7)), SEC);
        ck_assert_ptr_nonnull(k);
        ck_assert_msg(t_ip_ok(k) && t_l4_ok(k), "flow %d: checksum wrong after NAT", i);
        ck_assert(nf_get16(k->data + 34 + ((i & 1) ? 16 : 6)) != 0);
    }
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_timeout_and_exhaustion)
{
    /* a pool of 2 ports */
    struct nf_pipeline *p = t_build("FromIO -> n :: NAT(ADDR 203.0.113.1, PORTS 5000-5001, "
                                    "TIMEOUT 10) -> ToIO");
    struct tframes t = {0};
    uint32_t rem = ip4(8, 8, 8, 8);
    ck_assert_ptr_nonnull(run1(p, t_udp(&t, ip4(10, 0, 0, 1), rem, 1, 2), 1 * SEC));
    struct nf_pkt *k = run1(p, t_udp(&t, ip4(10, 0, 0, 2), rem, 1, 2), 1 * SEC);
    ck_assert_ptr_nonnull(k);
    uint16_t port2 = nf_get16(k->data + 34);
    ck_assert_ptr_null(run1(p, t_udp(&t, ip4(10, 0, 0, 3), rem, 1, 2), 2 * SEC));
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_TABLE_FULL) + t_drops(p, "n", NF_NAT_PORTS_EXHAUSTED), 1);
    /* keep flow 1 alive, let flow 2 expire; flow 3 takes flow 2's port */
    ck_assert_ptr_nonnull(run1(p, t_udp(&t, ip4(10, 0, 0, 1), rem, 1, 2), 9 * SEC));
    k = run1(p, t_udp(&t, ip4(10, 0, 0, 3), rem, 1, 2), 12 * SEC);
    ck_assert_ptr_nonnull(k);
    uint16_t port3 = nf_get16(k->data + 34);
    ck_assert_uint_eq(port3, port2);
    k = run1(p, t_udp(&t, rem, ip4(203, 0, 113, 1), 2, port3), 13 * SEC);
    ck_assert_ptr_nonnull(k);
    ck_assert_uint_eq(nf_get32(k->data + 30), ip4(10, 0, 0, 3));
    /* replies after the timeout are refused */
    ck_assert_ptr_null(run1(p, t_udp(&t, rem, ip4(203, 0, 113, 1), 2, port3), 40 * SEC));
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_capacity)
{
    struct nf_pipeline *p = t_build("FromIO -> n :: NAT(ADDR 203.0.113.1, CAPACITY 3) -> ToIO");
    struct tframes t = {0};
    for (int i = 0; i < 3; i++)
        ck_assert_ptr_nonnull(run1(p, t_udp(&t, ip4(10, 0, 0, i), 9, 1, 2), SEC));
    ck_assert_ptr_null(run1(p, t_udp(&t, ip4(10, 0, 1, 0), 9, 1, 2), SEC));
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_TABLE_FULL), 1);
    /* after the timeout (60 s default) a sweep frees room */
    ck_assert_ptr_nonnull(run1(p, t_udp(&t, ip4(10, 0, 1, 0), 9, 1, 2), 100 * SEC));
    ck_assert_uint_eq(nf_nat_flows(nat_of(p)), 1);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_malformed)
{
    struct nf_pipeline *p = t_build("FromIO -> n :: NAT(ADDR 203.0.113.1) -> ToIO");
    struct tframes t = {0};
    struct nf_pkt *k = t_frame(&t, NF_IPPROTO_ICMP, 1, 2, 0, 0, 64, 64);
    ck_assert_ptr_null(run1(p, k, SEC));
    k = t_udp(&t, 1, 2, 3, 4);
    k->data[20] = 0x20;
    ck_assert_ptr_null(run1(p, k, SEC));
    k = t_frame(&t, NF_IPPROTO_TCP, 1, 2, 3, 4, 64, 64);
    k->len = 14 + 20 + 19;
    ck_assert_ptr_null(run1(p, k, SEC));
    k = t_udp(&t, 1, 2, 3, 4);
    k->len = 20;
    ck_assert_ptr_null(run1(p, k, SEC));
    k = t_udp(&t, 1, 2, 3, 4);
    k->data[14] = 0x43;
    ck_assert_ptr_null(run1(p, k, SEC));
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_PROTO), 1);
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_FRAGMENT), 1);
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_TRUNCATED), 1);
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_NOT_IP), 2);
    ck_assert_uint_eq(nf_nat_flows(nat_of(p)), 0);
    nf_pipeline_destroy(p);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("nat");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_translate_and_reply);
    tcase_add_test(tc, test_udp_zero_checksum);
    tcase_add_test(tc, test_timeout_and_exhaustion);
    tcase_add_test(tc, test_capacity);
    tcase_add_test(tc, test_malformed);
    suite_add_tcase(s, tc);
    return s;
}

T_MAIN(suite)
