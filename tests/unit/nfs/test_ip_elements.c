/*
 * test_ip_elements — CheckIPHeader (every drop reason on crafted malformed
 * frames), DecIPTTL (RFC 1624 update checked against a full recomputation,
 * TTL expiry), StaticIPLookup (longest prefix, next-hop MAC, no route),
 * EtherRewrite, Classifier (masks, negation, short frames).
 */
#include <errno.h>

#include "nf_testlib.h"

#include "nfs/elements/checkipheader.h"

START_TEST(test_checkipheader)
{
    /* the refusing keywords: every reason, options and fragments included */
    struct nf_pipeline *p =
        t_build("FromIO -> c :: CheckIPHeader(OPTIONS drop, FRAGMENTS drop) -> ToIO");
    struct tframes t = {0};
    struct nf_pkt *ok = t_udp(&t, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1, 2);
    struct nf_pkt *k;
    k = t_udp(&t, 1, 2, 3, 4); /* ARP ethertype */
    k->data[13] = 0x06;
    k = t_udp(&t, 1, 2, 3, 4); /* truncated */
    k->len = 30;
    k = t_udp(&t, 1, 2, 3, 4); /* runt, not even Ethernet */
    k->len = 10;
    k = t_udp(&t, 1, 2, 3, 4); /* version 6 */
    k->data[14] = 0x65;
    t_fix_ipcsum(k);
    k = t_udp(&t, 1, 2, 3, 4); /* IHL 4 */
    k->data[14] = 0x44;
    k = t_udp(&t, 1, 2, 3, 4); /* IHL 15 runs past a 40-byte frame */
    k->data[14] = 0x4f;
    k->len = 40;
    k = t_udp(&t, 1, 2, 3, 4); /* total length > frame */
    nf_put16(k->data + 16, 200);
    t_fix_ipcsum(k);
    k = t_udp(&t, 1, 2, 3, 4); /* total length < header */
    nf_put16(k->data + 16, 12);
    t_fix_ipcsum(k);
    k = t_udp(&t, 1, 2, 3, 4); /* bad checksum */
    k->data[24] ^= 0x01;
    k = t_udp(&t, 1, 2, 3, 4); /* options: IHL 6, valid checksum */
    k->data[14] = 0x46;
    t_fix_ipcsum(k);
    k = t_udp(&t, 1, 2, 3, 4); /* MF fragment */
    k->data[20] = 0x20;
    t_fix_ipcsum(k);
    k = t_udp(&t, 1, 2, 3, 4); /* later fragment */
    nf_put16(k->data + 20, 0x0010);
    t_fix_ipcsum(k);
    k = t_udp(&t, 1, 2, 3, 4); /* DF only: fine */
    k->data[20] = 0x40;
    t_fix_ipcsum(k);
    struct nf_batch *o = t_run(p, &t, 1);
    ck_assert_uint_eq(o->n, 2);
    ck_assert_ptr_eq(o->pkts[0], ok);
    ck_assert_ptr_eq(o->pkts[1], k);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_NOT_IP), 1);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_TRUNCATED), 2);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_VERSION), 1);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_IHL), 2);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_TOTLEN), 2);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_CSUM), 1);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_OPTIONS), 1);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_FRAGMENT), 2);
    nf_pipeline_destroy(p);
}
END_TEST

/* Options and fragments with a valid header: one of each kind. */
static void t_opts_and_frags(struct tframes *t)
{
    struct nf_pkt *k = t_frame(t, NF_IPPROTO_UDP, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1, 2, 64, 80);
    k->data[14] = 0x46; /* IHL 6: one word of options (a NOP, NOP, NOP, EOL) */
    memcpy(k->data + 34, "\x01\x01\x01\x00", 4);
    t_fix_ipcsum(k);
    k = t_udp(t, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1, 2); /* first fragment (MF) */
    k->data[20] = 0x20;
    t_fix_ipcsum(k);
    k = t_udp(t, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1, 2); /* a later one (offset 16) */
    nf_put16(k->data + 20, 0x0002);
    t_fix_ipcsum(k);
}

/* RFC 1812 5.2.2/5.2.6, Click: options and fragments pass by default. */
START_TEST(test_checkipheader_passes_options_fragments)
{
    struct nf_pipeline *p = t_build("FromIO -> c :: CheckIPHeader -> ToIO");
    struct tframes t = {0};
    t_opts_and_frags(&t);
    struct nf_batch *o = t_run(p, &t, 1);
    ck_assert_uint_eq(o->n, 3);
    ck_assert_uint_eq(nf_pipeline_drops(p), 0);
    nf_pipeline_destroy(p);
    /* each keyword on its own refuses only its kind */
    p = t_build("FromIO -> c :: CheckIPHeader(OPTIONS drop) -> ToIO");
    ck_assert_uint_eq(t_run(p, &t, 1)->n, 2);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_OPTIONS), 1);
    nf_pipeline_destroy(p);
    p = t_build("FromIO -> c :: CheckIPHeader(fragments DROP, OPTIONS pass) -> ToIO");
    ck_assert_uint_eq(t_run(p, &t, 1)->n, 1);
    ck_assert_uint_eq(t_drops(p, "c", NF_CIH_FRAGMENT), 2);
    nf_pipeline_destroy(p);
    static const char *const bad[] = {
        "FromIO -> CheckIPHeader(OPTIONS maybe) -> ToIO",
        "FromIO -> CheckIPHeader(OPTIONS drop, OPTIONS pass) -> ToIO",
        "FromIO -> CheckIPHeader(CHECKSUM false) -> ToIO",
        "c :: CheckIPHeader; FromIO -> c -> ToIO; c[2] -> Discard",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[256];
        ck_assert_int_eq(nf_pipeline_build(bad[i], NULL, &p, err, sizeof(err)), -EINVAL);
        ck_assert_msg(strstr(err, "CheckIPHeader") != NULL, "%s: %s", bad[i], err);
    }
}
END_TEST

/* Output 1: refused packets go there instead of being dropped. */
START_TEST(test_bad_packet_outputs)
{
    struct nf_pipeline *p = t_build("c :: CheckIPHeader(FRAGMENTS drop); FromIO -> c -> ToIO; "
                                    "c[1] -> ToIO(1)");
    struct tframes t = {0};
    struct nf_pkt *good = t_udp(&t, 1, 2, 3, 4);
    struct nf_pkt *bad = t_udp(&t, 1, 2, 3, 4);
    bad->data[24] ^= 1; /* checksum */
    struct nf_pkt *frag = t_udp(&t, 1, 2, 3, 4);
    frag->data[20] = 0x20;
    t_fix_ipcsum(frag);
    ck_assert_uint_eq(t_run(p, &t, 1)->n, 1);
    ck_assert_ptr_eq(nf_pipeline_output(p, 0)->pkts[0], good);
    struct nf_batch *o1 = nf_pipeline_output(p, 1);
    ck_assert_uint_eq(o1->n, 2);
    ck_assert_ptr_eq(o1->pkts[0], bad);
    ck_assert_ptr_eq(o1->pkts[1], frag);
    ck_assert_uint_eq(nf_pipeline_drops(p), 0);
    nf_pipeline_destroy(p);

    /* DecIPTTL: expired packets leave on output 1 untouched */
    p = t_build("d :: DecIPTTL; FromIO -> d -> ToIO; d[1] -> ToIO(1)");
    t = (struct tframes){0};
    struct nf_pkt *live = t_frame(&t, NF_IPPROTO_UDP, 1, 2, 3, 4, 2, 64);
    struct nf_pkt *dead = t_frame(&t, NF_IPPROTO_UDP, 1, 2, 3, 4, 1, 64);
    uint8_t before[64];
    memcpy(before, dead->data, 64);
    ck_assert_uint_eq(t_run(p, &t, 1)->n, 1);
    ck_assert_ptr_eq(nf_pipeline_output(p, 0)->pkts[0], live);
    ck_assert_uint_eq(nf_pipeline_output(p, 1)->n, 1);
    ck_assert_ptr_eq(nf_pipeline_output(p, 1)->pkts[0], dead);
    ck_assert_mem_eq(dead->data, before, 64);
    ck_assert_uint_eq(nf_pipeline_drops(p), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_decipttl)
{
    struct nf_pipeline *p = t_build("FromIO -> d :: DecIPTTL -> ToIO");
    struct tframes t = {0};
    /* many TTLs and addresses, so the carry paths of the update are hit */
    for (int i = 0; i < 40; i++)
        t_frame(&t, NF_IPPROTO_UDP, ip4(10, i, 255, 255 - i), ip4(255, 255, i, 1), 1, 2,
                (uint8_t)(2 + i * 6), 64 + i);
    t_frame(&t, NF_IPPROTO_UDP, 1, 2, 3, 4, 1, 64);
    t_frame(&t, NF_IPPROTO_UDP, 1, 2, 3, 4, 0, 64);
    struct nf_pkt *short_ = t_udp(&t, 1, 2, 3, 4);
    short_->len = 20;
    struct nf_batch *o = t_run(p, &t, 1);
    ck_assert_uint_eq(o->n, 40);
    for (int i = 0; i < 40; i++) {
        ck_assert_uint_eq(o->pkts[i]->data[22], (uint8_t)(1 + i * 6));
        ck_assert_msg(t_ip_ok(o->pkts[i]), "frame %d: bad checksum after DecIPTTL", i);
    }
    ck_assert_uint_eq(t_drops(p, "d", 0), 2);
    ck_assert_uint_eq(t_drops(p, "d", 1), 1);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_staticiplookup)
{
    struct nf_pipeline *p = t_build(
        "rt :: StaticIPLookup(10.0.0.0/8 0, 10.2.0.0/16 1 02:00:00:00:00:09, 10.2.3.4 2, "
        "0.0.0.0/0 3, 192.168.1.77/24 2, 172.16.0.0/12 0, 172.16.0.0/12 1); FromIO -> rt; "
        "rt[0] -> ToIO(0); rt[1] -> ToIO(1); rt[2] -> ToIO(2); rt[3] -> ToIO(3)");
    struct tframes t = {0};
    t_udp(&t, 1, ip4(10, 9, 9, 9), 1, 2);    /* /8 -> 0 */
    t_udp(&t, 1, ip4(10, 2, 200, 1), 1, 2);  /* /16 -> 1 + MAC */
    t_udp(&t, 1, ip4(10, 2, 3, 4), 1, 2);    /* /32 -> 2 */
    t_udp(&t, 1, ip4(8, 8, 8, 8), 1, 2);     /* default -> 3 */
    t_udp(&t, 1, ip4(192, 168, 1, 5), 1, 2); /* host bits ignored -> 2 */
    t_udp(&t, 1, ip4(172, 20, 0, 1), 1, 2);  /* later duplicate wins -> 1 */
    struct nf_pkt *arp = t_udp(&t, 1, 2, 3, 4);
    arp->data[13] = 6;
    t_run(p, &t, 1);
    ck_assert_uint_eq(nf_pipeline_output(p, 0)->n, 1);
    ck_assert_uint_eq(nf_pipeline_output(p, 1)->n, 2);
    ck_assert_uint_eq(nf_pipeline_output(p, 2)->n, 2);
    ck_assert_uint_eq(nf_pipeline_output(p, 3)->n, 1);
    struct nf_pkt *viamac = nf_pipeline_output(p, 1)->pkts[0];
    ck_assert_mem_eq(viamac->data, "\x02\x00\x00\x00\x00\x09", 6);
    ck_assert_mem_eq(nf_pipeline_output(p, 0)->pkts[0]->data, "\x02\x00\x00\x00\x00\xbb", 6);
    ck_assert_uint_eq(t_drops(p, "rt", 1), 1);
    nf_pipeline_destroy(p);

    p = t_build("rt :: StaticIPLookup(10.0.0.0/8 0); FromIO -> rt -> ToIO");
    struct tframes u = {0};
    t_udp(&u, 1, ip4(11, 0, 0, 1), 1, 2);
    ck_assert_uint_eq(t_run(p, &u, 1)->n, 0);
    ck_assert_uint_eq(t_drops(p, "rt", 0), 1);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_lookup_many_routes)
{
    /* 200 /24 routes plus /16 covers; check each against a linear LPM */
    char text[16384];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof(text) - n, "rt :: StaticIPLookup(");
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s10.%d.%d.0/24 %d", i ? ", " : "",
                              i % 7, i, i % 3);
    for (int i = 0; i < 7; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, ", 10.%d.0.0/16 3", i);
    snprintf(text + n, sizeof(text) - n, "); FromIO -> rt; rt[0] -> ToIO(0); rt[1] -> "
             "ToIO(1); rt[2] -> ToIO(2); rt[3] -> ToIO(3)");
    struct nf_pipeline *p = t_build(text);
    for (int i = 0; i < 250; i++) {
        struct tframes t = {0};
        t_udp(&t, 1, ip4(10, i % 7, i, 9), 1, 2);
        t_run(p, &t, 1);
        int want = i < 200 ? i % 3 : 3;
        ck_assert_msg(nf_pipeline_output(p, (unsigned)want)->n == 1, "10.%d.%d.9 not on %d",
                      i % 7, i, want);
    }
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_etherrewrite)
{
    struct nf_pipeline *p = t_build(
        "FromIO -> e :: EtherRewrite(SRC 02:00:00:00:00:01, DST 02:aa:bb:cc:dd:ee) -> ToIO");
    struct tframes t = {0};
    t_udp(&t, 1, 2, 3, 4);
    struct nf_pkt *runt = t_udp(&t, 1, 2, 3, 4);
    runt->len = 13;
    struct nf_batch *o = t_run(p, &t, 1);
    ck_assert_uint_eq(o->n, 1);
    ck_assert_mem_eq(o->pkts[0]->data, "\x02\xaa\xbb\xcc\xdd\xee\x02\x00\x00\x00\x00\x01\x08\x00", 14);
    ck_assert_uint_eq(t_drops(p, "e", 0), 1);
    nf_pipeline_destroy(p);
    p = t_build("FromIO -> EtherRewrite(DST 02:aa:bb:cc:dd:ee) -> ToIO");
    struct tframes u = {0};
    t_udp(&u, 1, 2, 3, 4);
    o = t_run(p, &u, 1);
    ck_assert_mem_eq(o->pkts[0]->data, "\x02\xaa\xbb\xcc\xdd\xee\x02\x00\x00\x00\x00\xaa", 12);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_classifier)
{
    struct nf_pipeline *p = t_build(
        "c :: Classifier(12/0800 23/11, 12/0800 !23/11, 12/0806, 0/02%03); FromIO -> c; "
        "c[0] -> ToIO(0); c[1] -> ToIO(1); c[2] -> ToIO(2); c[3] -> ToIO(3)");
    struct tframes t = {0};
    t_udp(&t, 1, 2, 3, 4);                                   /* 0: IPv4 UDP */
    t_frame(&t, NF_IPPROTO_TCP, 1, 2, 3, 4, 64, 64);         /* 1: IPv4 not UDP */
    struct nf_pkt *arp = t_udp(&t, 1, 2, 3, 4);              /* 2 */
    arp->data[13] = 0x06;
    struct nf_pkt *v6 = t_udp(&t, 1, 2, 3, 4);               /* 3: 02 & 03 == 02 */
    v6->data[12] = 0x86;
    struct nf_pkt *none = t_udp(&t, 1, 2, 3, 4);             /* no match */
    none->data[12] = 0x86;
    none->data[0] = 0x01;
    struct nf_pkt *tiny = t_udp(&t, 1, 2, 3, 4);             /* 12 bytes: only 0/02%03 */
    tiny->len = 12;
    t_run(p, &t, 1);
    ck_assert_uint_eq(nf_pipeline_output(p, 0)->n, 1);
    ck_assert_uint_eq(nf_pipeline_output(p, 1)->n, 1);
    ck_assert_uint_eq(nf_pipeline_output(p, 2)->n, 1);
    ck_assert_uint_eq(nf_pipeline_output(p, 3)->n, 2);
    ck_assert_uint_eq(t_drops(p, "c", 0), 1);
    nf_pipeline_destroy(p);
}
END_TEST

/* Known answers, so neither the test oracle nor the module checks itself:
 * RFC 1071 section 3's example (sum 0xddf2, checksum 0x220d) and the
 * textbook IPv4 header 4500 0073 0000 4000 4011 xxxx c0a8 0001 c0a8 00c7
 * (checksum 0xb861). */
START_TEST(test_checksum_known_answers)
{
    static const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    ck_assert_uint_eq(t_ref_csum(rfc, sizeof(rfc)), 0x220d);
    ck_assert_uint_eq(nf_csum(rfc, sizeof(rfc)), 0x220d);
    uint8_t ip[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                      0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    ck_assert_uint_eq(t_ref_csum(ip, sizeof(ip)), 0xb861);
    ck_assert_uint_eq(nf_csum(ip, sizeof(ip)), 0xb861);
    ip[10] = 0xb8;
    ip[11] = 0x61;
    ck_assert_uint_eq(t_ref_csum(ip, sizeof(ip)), 0);
    ck_assert_uint_eq(nf_csum(ip, sizeof(ip)), 0);
    /* odd length: the last byte is padded with zero */
    static const uint8_t odd[] = {0x01, 0x02, 0x03};
    ck_assert_uint_eq(t_ref_csum(odd, sizeof(odd)), (uint16_t)~(0x0102 + 0x0300));
    ck_assert_uint_eq(nf_csum(odd, sizeof(odd)), (uint16_t)~(0x0102 + 0x0300));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ip_elements");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checksum_known_answers);
    tcase_add_test(tc, test_checkipheader);
    tcase_add_test(tc, test_checkipheader_passes_options_fragments);
    tcase_add_test(tc, test_bad_packet_outputs);
    tcase_add_test(tc, test_decipttl);
    tcase_add_test(tc, test_staticiplookup);
    tcase_add_test(tc, test_lookup_many_routes);
    tcase_add_test(tc, test_etherrewrite);
    tcase_add_test(tc, test_classifier);
    suite_add_tcase(s, tc);
    return s;
}

T_MAIN(suite)
