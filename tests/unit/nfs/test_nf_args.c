/*
 * test_nf_args — strict element-argument parsing (nfs/nf_args.h): decimal
 * is decimal ("010" is 10, never octal), no signs, spaces, hex or overflow;
 * IPv4, prefixes, ranges, MACs; and an element that uses it (NAT's PORTS
 * with a leading zero maps to the decimal port).
 */
#include "nf_testlib.h"

#include <errno.h>

#include "nfs/nf_args.h"
#include "nfs/nf_check.h"

START_TEST(test_int)
{
    long v = -1;
    ck_assert_int_eq(nf_args_int("010", 0, 100, &v), 0);
    ck_assert_int_eq(v, 10); /* base-0 strtol said 8 */
    ck_assert_int_eq(nf_args_int("08", 0, 100, &v), 0);
    ck_assert_int_eq(v, 8); /* base-0 strtol refused it */
    ck_assert_int_eq(nf_args_int("0", 0, 100, &v), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(nf_args_int("65535", 0, 65535, &v), 0);
    ck_assert_int_eq(v, 65535);
    v = 7;
    ck_assert_int_eq(nf_args_int("65536", 0, 65535, &v), -ERANGE);
    ck_assert_int_eq(v, 7); /* untouched on failure */
    ck_assert_int_eq(nf_args_int("99999999999999999999999", 0, 65535, &v), -ERANGE);
    const char *bad[] = {"", " 1", "1 ", "+1", "-1", "0x10", "1e3", "1.0", "1-2", "one", "1\t"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(nf_args_int(bad[i], 0, 65535, &v) == -EINVAL, "'%s' accepted", bad[i]);
    ck_assert_int_eq(nf_args_int("5", 10, 20, &v), -ERANGE);
}
END_TEST

START_TEST(test_ipv4_prefix_range)
{
    uint32_t a, b;
    int len;
    ck_assert_int_eq(nf_args_ipv4("10.1.2.3", &a), 0);
    ck_assert_uint_eq(a, 0x0a010203u);
    ck_assert_int_eq(nf_args_ipv4("010.0.0.1", &a), 0); /* decimal, not octal 8 */
    ck_assert_uint_eq(a, 0x0a000001u);
    const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", " 1.2.3.4",
                         "1.2.3.4 ", "+1.2.3.4", "1.2.3.-4", "0x1.2.3.4", "1.2.3.0004"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(nf_args_ipv4(bad[i], &a) == -EINVAL, "'%s' accepted", bad[i]);
    ck_assert_int_eq(nf_args_prefix("10.0.0.0/08", &a, &len), 0);
    ck_assert_int_eq(len, 8);
    ck_assert_int_eq(nf_args_prefix("10.2.3.4", &a, &len), 0);
    ck_assert_int_eq(len, 32);
    ck_assert_int_eq(nf_args_prefix("10.0.0.0/33", &a, &len), -ERANGE);
    ck_assert_int_eq(nf_args_prefix("10.0.0.0/", &a, &len), -EINVAL);
    ck_assert_int_eq(nf_args_prefix("10.0.0.0/-1", &a, &len), -EINVAL);
    ck_assert_int_eq(nf_args_ipv4_range("203.0.113.1-203.0.113.4", &a, &b), 0);
    ck_assert_uint_eq(b - a, 3);
    ck_assert_int_eq(nf_args_ipv4_range("203.0.113.1", &a, &b), 0);
    ck_assert_uint_eq(a, b);
    ck_assert_int_eq(nf_args_ipv4_range("203.0.113.9-203.0.113.1", &a, &b), -EDOM);
    ck_assert_int_eq(nf_args_ipv4_range("203.0.113.1-", &a, &b), -EINVAL);
    ck_assert_int_eq(nf_args_ipv4_range("203.0.113.1 - 203.0.113.2", &a, &b), -EINVAL);
}
END_TEST

START_TEST(test_port_range)
{
    long lo, hi;
    ck_assert_int_eq(nf_args_port_range("1024-65535", 1, 65535, &lo, &hi), 0);
    ck_assert_int_eq(lo, 1024);
    ck_assert_int_eq(hi, 65535);
    ck_assert_int_eq(nf_args_port_range("5000", 1, 65535, &lo, &hi), 0);
    ck_assert_int_eq(lo, 5000);
    ck_assert_int_eq(hi, 5000);
    ck_assert_int_eq(nf_args_port_range("010-020", 1, 65535, &lo, &hi), 0);
    ck_assert_int_eq(lo, 10);
    ck_assert_int_eq(hi, 20);
    ck_assert_int_eq(nf_args_port_range("1024-65536", 1, 65535, &lo, &hi), -ERANGE);
    ck_assert_int_eq(nf_args_port_range("4294967297-4294967298", 1, 65535, &lo, &hi), -ERANGE);
    ck_assert_int_eq(nf_args_port_range("0-10", 1, 65535, &lo, &hi), -ERANGE);
    ck_assert_int_eq(nf_args_port_range("9-1", 0, 65535, &lo, &hi), -EDOM);
    const char *bad[] = {"", "-", "1-", "-1", "+1-2", "1-+2", "1 -2", " 1-2", "1-2 ", "1-2-3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(nf_args_port_range(bad[i], 0, 65535, &lo, &hi) == -EINVAL, "'%s' accepted",
                      bad[i]);
}
END_TEST

START_TEST(test_mac)
{
    uint8_t m[6], want[6] = {0x02, 0, 0, 0, 0, 0xab};
    ck_assert_int_eq(nf_args_mac("02:00:00:00:00:ab", m), 0);
    ck_assert_mem_eq(m, want, 6);
    ck_assert_int_eq(nf_args_mac("2:0:0:0:0:AB", m), 0);
    ck_assert_mem_eq(m, want, 6);
    const char *bad[] = {"", " 1:2:3:4:5:6", "1: 2: 3: 4: 5: 6", "1:2:3:4:5:6 ", "+1:2:3:4:5:6",
                         "-1:2:3:4:5:6", "1:2:3:4:5", "1:2:3:4:5:6:7", "001:2:3:4:5:6",
                         "02-00-00-00-00-01", "0g:00:00:00:00:01", "1:2:3:4:5:"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(nf_args_mac(bad[i], m) == -EINVAL, "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(test_keyword)
{
    static const char *const keys[] = {"ADDR", "PORTS", NULL};
    const char *v = NULL;
    ck_assert_int_eq(nf_args_keyword("PORTS 1-2", keys, &v), 1);
    ck_assert_str_eq(v, "1-2");
    ck_assert_int_eq(nf_args_keyword("addr \t 1.2.3.4", keys, &v), 0);
    ck_assert_str_eq(v, "1.2.3.4");
    ck_assert_int_eq(nf_args_keyword("ADDR", keys, &v), -EINVAL);
    ck_assert_int_eq(nf_args_keyword("ADDR   ", keys, &v), -EINVAL);
    ck_assert_int_eq(nf_args_keyword("COLOUR red", keys, &v), -ENOENT);
    ck_assert_int_eq(nf_args_keyword("ADDRX 1", keys, &v), -ENOENT);
}
END_TEST

/* An element through the helper: NAT's PORTS 0100-0100 is port 100 (the
 * octal reading was 64), PORTS 1-65536 is refused. */
START_TEST(test_nat_ports_decimal)
{
    struct nf_pipeline *p = t_build("FromIO -> n :: NAT(ADDR 203.0.113.1, PORTS 0100-0100) -> ToIO");
    struct tframes t = {0};
    t_udp(&t, 0x0a000001u, 0x08080808u, 1, 2);
    struct nf_batch *out = t_run(p, &t, 1);
    ck_assert_uint_eq(out->n, 1);
    ck_assert_uint_eq(nf_get16(out->pkts[0]->data + 34), 100);
    nf_pipeline_destroy(p);
    char err[256];
    ck_assert_int_eq(nf_pipeline_validate("FromIO -> NAT(ADDR 203.0.113.1, PORTS 1-65536) -> ToIO",
                                          err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "PORTS '1-65536'"), "%s", err);
    ck_assert_int_eq(nf_pipeline_validate("FromIO -> EtherRewrite(SRC  1:2:3:4:5:6x) -> ToIO", err,
                                          sizeof(err)), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("nf_args");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_int);
    tcase_add_test(tc, test_ipv4_prefix_range);
    tcase_add_test(tc, test_port_range);
    tcase_add_test(tc, test_mac);
    tcase_add_test(tc, test_keyword);
    tcase_add_test(tc, test_nat_ports_decimal);
    suite_add_tcase(s, tc);
    return s;
}

T_MAIN(suite)
