/*
 * test_ipfilter — the rule language on crafted frames: the firewall type's
 * exact rules, first-match order, and/or/not/parentheses precedence, port
 * ranges, output-number actions, non-IP and truncated frames; real TCP
 * segments (SYN with options, data, FIN, with IP options) both ways through
 * port rules, and a refused port answered by ICMPError.
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

/* A TCP segment as a host sends it: flags, data offset 6 on a SYN (an MSS
 * option), payload bytes, IP options when ipopt; checksums correct. */
static struct nf_pkt *t_tcp(struct tframes *t, uint32_t src, uint32_t dst, uint16_t sport,
                            uint16_t dport, uint8_t flags, uint32_t payload, int ipopt)
{
    uint32_t ihl = ipopt ? 24 : 20, thl = (flags & 0x02) ? 24 : 20;
    struct nf_pkt *k = t_frame(t, NF_IPPROTO_TCP, src, dst, sport, dport, 64,
                               14 + ihl + thl + payload);
    uint8_t *ip = k->data + 14;
    if (ipopt) { /* shift the L4 part by 4 and put a NOP, NOP, NOP, EOL in */
        memmove(ip + 24, ip + 20, thl + payload);
        memcpy(ip + 20, "\x01\x01\x01\x00", 4);
        ip[0] = 0x46;
        nf_put16(ip + 2, (uint16_t)(ihl + thl + payload));
        nf_put16(ip + 10, 0);
        nf_put16(ip + 10, t_ref_csum(ip, ihl));
    }
    uint8_t *l4 = ip + ihl;
    nf_put32(l4 + 4, 1000);            /* sequence */
    nf_put32(l4 + 8, flags & 0x10 ? 2000 : 0);
    l4[12] = (uint8_t)(thl / 4) << 4;
    l4[13] = flags;
    nf_put16(l4 + 14, 64240);          /* window */
    if (thl > 20)
        memcpy(l4 + 20, "\x02\x04\x05\xb4", 4); /* MSS 1460 */
    nf_put16(l4 + 16, 0);
    nf_put16(l4 + 16, t_l4_csum(ip));
    return k;
}

enum { SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01 };

START_TEST(test_tcp_flows)
{
    /* a web server's firewall, stateless both ways, refused ports answered */
    struct nf_pipeline *p = t_build(
        "f :: IPFilter(allow tcp dst port 80 and dst host 10.2.0.1, allow tcp src port 80 and "
        "src host 10.2.0.1, 1 tcp dst port 1-1023, deny all); "
        "FromIO -> CheckIPHeader -> f -> ToIO; "
        "f[1] -> ICMPError(SRC 10.2.0.254, TYPE unreachable, CODE 13) -> ToIO(1)");
    struct tframes t = {0};
    uint32_t cli = ip4(10, 1, 0, 1), srv = ip4(10, 2, 0, 1);
    for (int opt = 0; opt < 2; opt++) {
        ck_assert_int_eq(verdict(p, t_tcp(&t, cli, srv, 40000, 80, SYN, 0, opt)), 0);
        ck_assert_int_eq(verdict(p, t_tcp(&t, srv, cli, 80, 40000, SYN | ACK, 0, opt)), 0);
        ck_assert_int_eq(verdict(p, t_tcp(&t, cli, srv, 40000, 80, ACK, 0, opt)), 0);
        ck_assert_int_eq(verdict(p, t_tcp(&t, cli, srv, 40000, 80, PSH | ACK, 300, opt)), 0);
        ck_assert_int_eq(verdict(p, t_tcp(&t, srv, cli, 80, 40000, PSH | ACK, 1200, opt)), 0);
        ck_assert_int_eq(verdict(p, t_tcp(&t, cli, srv, 40000, 80, FIN | ACK, 0, opt)), 0);
        /* another server port: refused with an unreachable (admin prohibited) */
        struct nf_pkt *k = t_tcp(&t, cli, srv, 40001, 22, SYN, 0, opt);
        uint8_t hdr[28];
        memcpy(hdr, k->data + 14, 20);
        memcpy(hdr + 20, k->data + 14 + (opt ? 24 : 20), 8);
        ck_assert_int_eq(verdict(p, k), 1);
        const uint8_t *ip = k->data + 14;
        ck_assert_uint_eq(ip[9], NF_IPPROTO_ICMP);
        ck_assert_uint_eq(nf_get32(ip + 16), cli);
        ck_assert_uint_eq(ip[20], 3);
        ck_assert_uint_eq(ip[21], 13);
        ck_assert_mem_eq(ip + 28, hdr, 20);
        /* a high port, and the server's port from a spoofed source: denied */
        ck_assert_int_eq(verdict(p, t_tcp(&t, cli, srv, 40000, 8080, SYN, 0, opt)), -1);
        ck_assert_int_eq(verdict(p, t_tcp(&t, cli, srv, 80, 40000, SYN | ACK, 0, opt)), -1);
    }
    ck_assert_uint_eq(t_drops(p, "f", DENIED), 4);
    ck_assert_uint_eq(t_drops(p, "f", NOMATCH), 0);
    /* UDP to port 80 is not TCP port 80, nor is it answered */
    ck_assert_int_eq(verdict(p, t_udp(&t, cli, srv, 40000, 80)), -1);
    ck_assert_uint_eq(t_drops(p, "f", DENIED), 5);
    nf_pipeline_destroy(p);
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
    tcase_add_test(tc, test_tcp_flows);
    suite_add_tcase(s, tc);
    return s;
}

T_MAIN(suite)
