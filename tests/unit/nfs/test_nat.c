/*
 * test_nat — source NAT on crafted TCP/UDP frames: translation, checksums
 * (verified by full recomputation), the UDP zero-checksum rule, one mapping
 * per flow, reverse translation, timeouts and slot reuse, pool exhaustion,
 * table capacity, malformed frames; ICMP echo (identifier as the port) both
 * ways, and ICMP errors quoting a translated flow, in and out.
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
    struct nf_pkt *k = run1(p, t_udp(&t, ip4(10, 0, 0, 1), rem, 1, 2), 1 * SEC);
    ck_assert_ptr_nonnull(k);
    uint16_t port1 = nf_get16(k->data + 34);
    k = run1(p, t_udp(&t, ip4(10, 0, 0, 2), rem, 1, 2), 1 * SEC);
    ck_assert_ptr_nonnull(k);
    uint16_t port2 = nf_get16(k->data + 34);
    /* both answered: established flows, which a new flow never evicts */
    ck_assert_ptr_nonnull(run1(p, t_udp(&t, rem, ip4(203, 0, 113, 1), 2, port1), 1 * SEC));
    ck_assert_ptr_nonnull(run1(p, t_udp(&t, rem, ip4(203, 0, 113, 1), 2, port2), 1 * SEC));
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
    for (int i = 0; i < 3; i++) { /* three established flows (a reply each) */
        struct nf_pkt *k = run1(p, t_udp(&t, ip4(10, 0, 0, i), 9, 1, 2), SEC);
        ck_assert_ptr_nonnull(k);
        uint16_t port = nf_get16(k->data + 34);
        ck_assert_ptr_nonnull(run1(p, t_udp(&t, 9, ip4(203, 0, 113, 1), 2, port), SEC));
    }
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

/* An ICMP frame: echo (type 0/8: id, seq, 16 payload bytes) or, with
 * quote != NULL, an error quoting qlen bytes. Checksums correct. */
static struct nf_pkt *t_icmp(struct tframes *t, uint32_t src, uint32_t dst, uint8_t type,
                             uint8_t code, uint16_t id, const uint8_t *quote, uint32_t qlen)
{
    uint32_t plen = quote ? qlen : 16;
    struct nf_pkt *k = t_frame(t, NF_IPPROTO_ICMP, src, dst, 0, 0, 64, 14 + 20 + 8 + plen);
    uint8_t *icmp = k->data + 34;
    memset(icmp, 0, 8);
    icmp[0] = type;
    icmp[1] = code;
    if (quote)
        memcpy(icmp + 8, quote, qlen);
    else {
        nf_put16(icmp + 4, id);
        nf_put16(icmp + 6, 7);
    }
    nf_put16(icmp + 2, t_ref_csum(icmp, 8 + plen));
    return k;
}

static int icmp_ok(const struct nf_pkt *k)
{
    const uint8_t *ip = k->data + 14;
    return t_ref_csum(ip + 20, nf_get16(ip + 2) - 20u) == 0;
}

START_TEST(test_icmp_echo)
{
    struct nf_pipeline *p = t_build("FromIO -> CheckIPHeader -> n :: NAT(ADDR 203.0.113.1, "
                                    "PORTS 2000-2999) -> ToIO");
    struct tframes t = {0};
    uint32_t in = ip4(10, 0, 0, 5), in2 = ip4(10, 0, 0, 6), rem = ip4(198, 51, 100, 9);
    uint32_t ext = ip4(203, 0, 113, 1);
    struct nf_pkt *k = run1(p, t_icmp(&t, in, rem, 8, 0, 0x4242, NULL, 0), SEC);
    ck_assert_ptr_nonnull(k);
    ck_assert_uint_eq(nf_get32(k->data + 26), ext);
    ck_assert_uint_eq(nf_get32(k->data + 30), rem);
    uint16_t eid = nf_get16(k->data + 38);
    ck_assert_uint_ge(eid, 2000);
    ck_assert_uint_le(eid, 2999);
    ck_assert(t_ip_ok(k));
    ck_assert(icmp_ok(k));
    /* another host with the same identifier gets another one */
    k = run1(p, t_icmp(&t, in2, rem, 8, 0, 0x4242, NULL, 0), SEC);
    ck_assert_ptr_nonnull(k);
    uint16_t eid2 = nf_get16(k->data + 38);
    ck_assert_uint_ne(eid, eid2);
    /* the replies find their way back, identifier restored */
    k = run1(p, t_icmp(&t, rem, ext, 0, 0, eid, NULL, 0), 2 * SEC);
    ck_assert_ptr_nonnull(k);
    ck_assert_uint_eq(nf_get32(k->data + 30), in);
    ck_assert_uint_eq(nf_get16(k->data + 38), 0x4242);
    ck_assert(t_ip_ok(k));
    ck_assert(icmp_ok(k));
    k = run1(p, t_icmp(&t, rem, ext, 0, 0, eid2, NULL, 0), 2 * SEC);
    ck_assert_ptr_nonnull(k);
    ck_assert_uint_eq(nf_get32(k->data + 30), in2);
    /* a reply from another host, to an unused identifier, or a ping of the
     * pool address itself: nothing to map */
    ck_assert_ptr_null(run1(p, t_icmp(&t, rem + 1, ext, 0, 0, eid, NULL, 0), 2 * SEC));
    ck_assert_ptr_null(run1(p, t_icmp(&t, rem, ext, 0, 0, 2999, NULL, 0), 2 * SEC));
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_NO_MAPPING), 2);
    ck_assert_ptr_null(run1(p, t_icmp(&t, rem, ext, 8, 0, eid, NULL, 0), 2 * SEC));
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_PROTO), 1);
    /* a UDP packet to the echo flow's external port is not its reply */
    ck_assert_ptr_null(run1(p, t_udp(&t, rem, ext, 0, eid), 2 * SEC));
    ck_assert_uint_eq(nf_nat_flows(nat_of(p)), 2);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_icmp_errors)
{
    struct nf_pipeline *p = t_build("FromIO -> CheckIPHeader -> n :: NAT(ADDR 203.0.113.1) "
                                    "-> ToIO");
    struct tframes t = {0};
    uint32_t in = ip4(10, 0, 0, 5), rem = ip4(198, 51, 100, 9), rtr = ip4(198, 51, 100, 1);
    uint32_t ext = ip4(203, 0, 113, 1);
    for (int proto = 0; proto < 3; proto++) {
        /* the inside packet before NAT: what the inside host must get quoted back */
        struct nf_pkt *k;
        if (proto == 2)
            k = t_icmp(&t, in, rem, 8, 0, 0x777, NULL, 0);
        else
            k = t_frame(&t, proto ? NF_IPPROTO_TCP : NF_IPPROTO_UDP, in, rem, 40000 + proto,
                        33434, 64, 80);
        uint8_t before[28];
        memcpy(before, k->data + 14, 28);
        k = run1(p, k, SEC);
        ck_assert_ptr_nonnull(k);
        ck_assert_uint_eq(nf_get32(k->data + 26), ext);
        /* a router past the NAT answers the translated packet: Time Exceeded
         * to the pool address, quoting the header + 8 bytes it saw */
        struct nf_pkt *err = t_icmp(&t, rtr, ext, 11, 0, 0, k->data + 14, 28);
        err = run1(p, err, 2 * SEC);
        ck_assert_msg(err != NULL, "proto %d: ICMP error not translated", proto);
        ck_assert_uint_eq(nf_get32(err->data + 30), in);
        ck_assert_uint_eq(nf_get32(err->data + 26), rtr);
        ck_assert(t_ip_ok(err));
        ck_assert(icmp_ok(err));
        /* the quote is the inside host's own packet again, checksums included */
        ck_assert_mem_eq(err->data + 42, before, 28);
    }
    /* the inside host refuses a reply (port unreachable, outbound): the quote
     * goes back to what the remote sent, from the pool address */
    struct nf_pkt *k = run1(p, t_udp(&t, in, rem, 5000, 53), 3 * SEC);
    uint16_t eport = nf_get16(k->data + 34);
    struct nf_pkt *reply = t_udp(&t, rem, ext, 53, eport);
    uint8_t wire[28];
    memcpy(wire, reply->data + 14, 28);
    reply = run1(p, reply, 3 * SEC);
    ck_assert_uint_eq(nf_get32(reply->data + 30), in);
    struct nf_pkt *err = run1(p, t_icmp(&t, in, rem, 3, 3, 0, reply->data + 14, 28), 3 * SEC);
    ck_assert_ptr_nonnull(err);
    ck_assert_uint_eq(nf_get32(err->data + 26), ext);
    ck_assert_uint_eq(nf_get32(err->data + 30), rem);
    ck_assert(t_ip_ok(err));
    ck_assert(icmp_ok(err));
    ck_assert_mem_eq(err->data + 42, wire, 28);
    /* errors about no flow of ours, or truncated quotes, go nowhere */
    uint8_t q[28];
    memcpy(q, wire, 28);
    nf_put16(q + 20, 9); /* a port nobody uses */
    ck_assert_ptr_null(run1(p, t_icmp(&t, in, rem, 3, 3, 0, q, 28), 3 * SEC));
    memcpy(q, err->data + 42, 28);
    ck_assert_ptr_null(run1(p, t_icmp(&t, rtr, ext, 11, 0, 0, q, 28), 3 * SEC)); /* not ours */
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_NO_MAPPING), 2);
    ck_assert_ptr_null(run1(p, t_icmp(&t, rtr, ext, 11, 0, 0, wire, 20), 3 * SEC));
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_TRUNCATED), 1);
    nf_pipeline_destroy(p);
}
END_TEST

/* n new UDP flows from distinct inside addresses (base + i), in batches. */
static void flood(struct nf_pipeline *p, uint32_t base, int n, uint64_t now)
{
    static struct tframes t;
    for (int i = 0; i < n;) {
        t.n = 0;
        for (; i < n && t.n < T_MAXPKT; i++)
            t_udp(&t, base + (uint32_t)i, ip4(198, 51, 100, 7), 1000, 53);
        t_run(p, &t, now);
    }
}

/* Issue 16 item 7: a flood of new flows evicts only unreplied flows,
 * counted; established ones keep their mapping and their replies. */
START_TEST(test_flood_keeps_established)
{
    struct nf_pipeline *p = t_build("FromIO -> n :: NAT(ADDR 203.0.113.1, CAPACITY 100) -> ToIO");
    struct tframes t = {0};
    uint32_t rem = ip4(192, 0, 2, 80), ext = ip4(203, 0, 113, 1);
    uint16_t port[10];
    for (int i = 0; i < 10; i++) {
        struct nf_pkt *k = run1(p, t_udp(&t, ip4(10, 0, 0, 1), rem, (uint16_t)(5000 + i), 80),
                                SEC);
        port[i] = nf_get16(k->data + 34);
        ck_assert_ptr_nonnull(run1(p, t_udp(&t, rem, ext, 80, port[i]), SEC));
        t.n = 0;
    }
    flood(p, ip4(10, 9, 0, 0), 1000, 2 * SEC);
    const struct nf_element *n = nat_of(p);
    ck_assert_uint_eq(nf_nat_flows(n), 100);
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_EVICTED), 1000 - 90);
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_SWEEPS), 1000 - 90);
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_TABLE_FULL), 0);
    /* events are not packet drops: every flood packet went out */
    ck_assert_uint_eq(nf_pipeline_drops(p), 0);
    ck_assert_uint_eq(n->out_pkts, 10 + 10 + 1000);
    for (int i = 0; i < 10; i++) {
        struct nf_pkt *k = run1(p, t_udp(&t, rem, ext, 80, port[i]), 3 * SEC);
        ck_assert_msg(k != NULL, "established flow %d lost its mapping", i);
        ck_assert_uint_eq(nf_get16(k->data + 36), 5000 + i);
        k = run1(p, t_udp(&t, ip4(10, 0, 0, 1), rem, (uint16_t)(5000 + i), 80), 3 * SEC);
        ck_assert_uint_eq(nf_get16(k->data + 34), port[i]);
        t.n = 0;
    }
    nf_pipeline_destroy(p);
}
END_TEST

/* A new flow on a full table of expired flows examines a bounded number
 * of entries (64), not the whole table. */
START_TEST(test_sweep_bounded)
{
    struct nf_pipeline *p = t_build("FromIO -> n :: NAT(ADDR 203.0.113.1, CAPACITY 1000, "
                                    "TIMEOUT 10) -> ToIO");
    flood(p, ip4(10, 9, 0, 0), 1000, SEC);
    const struct nf_element *n = nat_of(p);
    ck_assert_uint_eq(nf_nat_flows(n), 1000);
    flood(p, ip4(10, 10, 0, 0), 1, 100 * SEC); /* all 1000 expired by now */
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_SWEEPS), 1);
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_RECLAIMED), 64);
    ck_assert_uint_eq(nf_nat_flows(n), 1000 - 64 + 1);
    /* the next 63 new flows need no sweep; the one after takes another step */
    flood(p, ip4(10, 11, 0, 0), 64, 100 * SEC);
    ck_assert_uint_eq(t_drops(p, "n", NF_NAT_SWEEPS), 2);
    ck_assert_uint_eq(nf_pipeline_drops(p), 0);
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
    tcase_add_test(tc, test_icmp_echo);
    tcase_add_test(tc, test_icmp_errors);
    tcase_add_test(tc, test_flood_keeps_established);
    tcase_add_test(tc, test_sweep_bounded);
    suite_add_tcase(s, tc);
    return s;
}

T_MAIN(suite)
