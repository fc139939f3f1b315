/*
 * test_ipfilter — the rule language on crafted frames: the firewall type's
 * exact rules, first-match order, and/or/not/parentheses precedence, port
 * ranges, output-number actions, non-IP and truncated frames.
 */
#include "nf_testlib.h"

enum { DENIED, NOMATCH, NOT_IP };

static int verdict(struct nf_pipeline *p, struct nf_pkt *k)
{
    /* returns the ToIO port the packet reached, or -1 when dropped */
    struct nf_pkt *one[1] = {k};
    struct nf_batch b = {.n = 1, .cap = 1, .pkts = one};
    nf_pipeline_clear_outputs(p);
    nf_pipeline_run(p, 0, &b, 1);
    for (unsigned port = 0; port < 4; port++)
        if (nf_pipeline_output(p, port)->n)
            return (int)port;
    return -1;
}

START_TEST(test_firewall_type)
{
    struct nf_pipeline *p = t_build(
        "FromIO -> CheckIPHeader -> f :: IPFilter(deny src net 10.66.0.0/16, allow udp dst "
        "port 9000-9999, allow icmp, deny all) -> ToIO");
    struct tframes t = {0};
    ck_assert_int_eq(verdict(p, t_udp(&t, ip4(10, 1, 0, 1), ip4(10, 2, 0, 1), 5, 9000)), 0);
    ck_assert_int_eq(verdict(p, t_udp(&t, ip4(10, 1, 0, 1), ip4(10, 2, 0, 1), 5, 9999)), 0);
    ck_assert_int_eq(verdict(p, t_udp(&t, ip4(10, 1, 0, 1), ip4(10, 2, 0, 1), 5, 10000)), -1);
    ck_assert_int_eq(verdict(p, t_udp(&t, ip4(10, 1, 0, 1), ip4(10, 2, 0, 1), 9000, 53)), -1);
    /* first match wins: the denied net loses even on an allowed port */
    ck_assert_int_eq(verdict(p, t_udp(&t, ip4(10, 66, 3, 3), ip4(10, 2, 0, 1), 5, 9000)), -1);
    ck_assert_int_eq(verdict(p, t_frame(&t, NF_IPPROTO_ICMP, 1, 2, 0, 0, 64, 64)), 0);
    ck_assert_int_eq(verdict(p, t_frame(&t, NF_IPPROTO_TCP, 1, 2, 5, 9000, 64, 64)), -1);
    ck_assert_uint_eq(t_drops(p, "f", DENIED), 4);
    ck_assert_uint_eq(t_drops(p, "f", NOMATCH), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_expressions)
{
    struct nf_pipeline *p = t_build(
        "f :: IPFilter(2 tcp and (dst port 80 or dst port 443), 1 not udp && !tcp, "
        "allow src host 192.0.2.1 or dst host 192.0.2.1 and udp, deny ip proto 17 and port 53, "
        "allow dst net 198.51.100.0/24 || src port 7); "
        "FromIO -> f; f[0] -> ToIO(0); f[1] -> ToIO(1); f[2] -> ToIO(2)");
    struct tframes t = {0};
    ck_assert_int_eq(verdict(p, t_frame(&t, NF_IPPROTO_TCP, 1, 2, 5, 443, 64, 64)), 2);
    ck_assert_int_eq(verdict(p, t_frame(&t, NF_IPPROTO_TCP, 1, 2, 80, 5, 64, 64)), -1);
    ck_assert_int_eq(verdict(p, t_frame(&t, 47, 1, 2, 0, 0, 64, 64)), 1);
    /* and binds tighter than or: src host matches alone */
    ck_assert_int_eq(verdict(p, t_udp(&t, ip4(192, 0, 2, 1), 9, 1, 1)), 0);
    ck_assert_int_eq(verdict(p, t_udp(&t, 9, ip4(192, 0, 2, 1), 1, 1)), 0);
    ck_assert_int_eq(verdict(p, t_udp(&t, 9, 8, 53, 1)), -1);
    ck_assert_uint_eq(t_drops(p, "f", DENIED), 1);
    ck_assert_int_eq(verdict(p, t_udp(&t, 9, ip4(198, 51, 100, 7), 1, 1)), 0);
    ck_assert_int_eq(verdict(p, t_udp(&t, 9, 8, 7, 1)), 0);
    ck_assert_int_eq(verdict(p, t_udp(&t, 9, 8, 6, 1)), -1);
    ck_assert_uint_eq(t_drops(p, "f", NOMATCH), 2);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_malformed)
{
    struct nf_pipeline *p = t_build("FromIO -> f :: IPFilter(allow udp port 1-65535, "
                                    "allow src net 0.0.0.0/0) -> ToIO");
    struct tframes t = {0};
    struct nf_pkt *k = t_udp(&t, 1, 2, 3, 4);
    k->data[13] = 6; /* ARP */
    ck_assert_int_eq(verdict(p, k), -1);
    k = t_udp(&t, 1, 2, 3, 4);
    k->len = 33;
    ck_assert_int_eq(verdict(p, k), -1);
    k = t_udp(&t, 1, 2, 3, 4);
    k->data[14] = 0x4f; /* IHL past the frame */
    ck_assert_int_eq(verdict(p, k), -1);
    ck_assert_uint_eq(t_drops(p, "f", NOT_IP), 3);
    /* UDP header cut off: the port rule cannot match, the net rule does */
    k = t_udp(&t, 1, 2, 3, 4);
    k->len = 36;
    ck_assert_int_eq(verdict(p, k), 0);
    /* a later fragment has no ports either */
    k = t_udp(&t, 1, 2, 3, 4);
    nf_put16(k->data + 20, 0x0004);
    ck_assert_int_eq(verdict(p, k), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_tokens)
{
    /* parentheses glued to words, && glued to words */
    struct nf_pipeline *p = t_build("FromIO -> IPFilter(allow (udp)&&(dst port 5), deny all) -> ToIO");
    struct nf_pipeline *q = t_build("FromIO -> IPFilter(allow udp&&!tcp&&dst port 5||dst port 6, deny all) -> ToIO");
    struct tframes t = {0};
    ck_assert_int_eq(verdict(p, t_udp(&t, 1, 2, 3, 5)), 0);
    ck_assert_int_eq(verdict(p, t_udp(&t, 1, 2, 3, 6)), -1);
    nf_pipeline_destroy(p);
    ck_assert_int_eq(verdict(q, t_udp(&t, 1, 2, 3, 5)), 0);
    ck_assert_int_eq(verdict(q, t_udp(&t, 1, 2, 3, 6)), 0);
    ck_assert_int_eq(verdict(q, t_udp(&t, 1, 2, 3, 7)), -1);
    nf_pipeline_destroy(q);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ipfilter");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_firewall_type);
    tcase_add_test(tc, test_expressions);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_tokens);
    suite_add_tcase(s, tc);
    return s;
}

T_MAIN(suite)
