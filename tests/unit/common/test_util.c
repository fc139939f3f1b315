/* common/scc_util: number parsing, CPU lists, MAC/IPv4 forms, suggestions. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "common/scc_util.h"

START_TEST(parse_long_checks_range_and_form)
{
    long v;
    ck_assert_int_eq(scc_parse_long("42", 0, 100, &v), 0);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(scc_parse_long("0x10", 0, 100, &v), 0);
    ck_assert_int_eq(v, 16);
    ck_assert_int_eq(scc_parse_long("-3", -5, 5, &v), 0);
    ck_assert_int_eq(scc_parse_long("101", 0, 100, &v), -ERANGE);
    ck_assert_int_eq(scc_parse_long("12abc", 0, 100, &v), -EINVAL);
    ck_assert_int_eq(scc_parse_long("", 0, 100, &v), -EINVAL);
    ck_assert_int_eq(scc_parse_long(" 1", 0, 100, &v), -EINVAL);
    ck_assert_int_eq(scc_parse_long("99999999999999999999", 0, 100, &v), -ERANGE);
    double d;
    ck_assert_int_eq(scc_parse_double("2.5", 0, 10, &d), 0);
    ck_assert(d == 2.5);
    ck_assert_int_eq(scc_parse_double("nan", 0, 10, &d), -EINVAL);
    ck_assert_int_eq(scc_parse_double("11", 0, 10, &d), -ERANGE);
}
END_TEST

/* Leading zeros are decimal, not octal: "010" is ten (REVIEW 3.2). 0x is the
 * one documented prefix; signs other than a leading '-' are refused. */
START_TEST(parse_is_decimal_not_octal)
{
    long v;
    uint64_t u;
    ck_assert_int_eq(scc_parse_long("010", 0, 100, &v), 0);
    ck_assert_int_eq(v, 10);
    ck_assert_int_eq(scc_parse_long("-010", -100, 100, &v), 0);
    ck_assert_int_eq(v, -10);
    ck_assert_int_eq(scc_parse_long("08", 0, 100, &v), 0);
    ck_assert_int_eq(v, 8);
    ck_assert_int_eq(scc_parse_long("0", 0, 100, &v), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(scc_parse_long("0X1f", 0, 100, &v), 0);
    ck_assert_int_eq(v, 31);
    ck_assert_int_eq(scc_parse_long("+5", 0, 100, &v), -EINVAL);
    ck_assert_int_eq(scc_parse_long("0x", 0, 100, &v), -EINVAL);
    ck_assert_int_eq(scc_parse_long("0x-1", -100, 100, &v), -EINVAL);
    ck_assert_int_eq(scc_parse_long("0x 1", 0, 100, &v), -EINVAL);
    ck_assert_int_eq(scc_parse_long("-", -100, 100, &v), -EINVAL);
    ck_assert_int_eq(scc_parse_u64("010", &u), 0);
    ck_assert_uint_eq(u, 10);
    ck_assert_int_eq(scc_parse_u64("0x10", &u), 0);
    ck_assert_uint_eq(u, 16);
    ck_assert_int_eq(scc_parse_u64("18446744073709551615", &u), 0);
    ck_assert_uint_eq(u, UINT64_MAX);
    ck_assert_int_eq(scc_parse_u64("18446744073709551616", &u), -ERANGE);
    ck_assert_int_eq(scc_parse_u64("-1", &u), -EINVAL);
    ck_assert_int_eq(scc_parse_u64("0x", &u), -EINVAL);
    uint32_t a;
    int len;
    ck_assert_int_eq(scc_prefix_parse("10.0.0.0/010", &a, &len), 0);
    ck_assert_int_eq(len, 10);
}
END_TEST

START_TEST(cpuset_parse_and_format)
{
    struct scc_cpuset s;
    char buf[128];
    ck_assert_int_eq(scc_cpuset_parse("0-3,5, 7-8", &s), 0);
    ck_assert_int_eq(scc_cpuset_count(&s), 7);
    ck_assert(scc_cpuset_isset(&s, 5));
    ck_assert(!scc_cpuset_isset(&s, 4));
    scc_cpuset_format(&s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "0-3,5,7-8");
    ck_assert_int_eq(scc_cpuset_first(&s), 0);
    ck_assert_int_eq(scc_cpuset_parse("3-1", &s), -EINVAL);
    ck_assert_int_eq(scc_cpuset_parse("1,", &s), -EINVAL);
    ck_assert_int_eq(scc_cpuset_parse("a", &s), -EINVAL);
    ck_assert_int_eq(scc_cpuset_parse("", &s), -EINVAL);
    ck_assert_int_eq(scc_cpuset_parse("5000", &s), -ERANGE);
    ck_assert_int_eq(scc_cpuset_online(&s), 0);
    ck_assert_int_ge(scc_cpuset_count(&s), 1);
}
END_TEST

START_TEST(mac_and_ipv4)
{
    uint8_t mac[6];
    char buf[32];
    ck_assert_int_eq(scc_mac_parse("02:00:0a:ff:00:01", mac), 0);
    ck_assert_int_eq(mac[2], 0x0a);
    scc_mac_format(mac, buf, sizeof(buf));
    ck_assert_str_eq(buf, "02:00:0a:ff:00:01");
    ck_assert_int_eq(scc_mac_parse("02:00:0a:ff:00", mac), -EINVAL);
    ck_assert_int_eq(scc_mac_parse("02:00:0a:ff:00:01:07", mac), -EINVAL);
    uint32_t a;
    int len;
    ck_assert_int_eq(scc_prefix_parse("10.1.0.0/16", &a, &len), 0);
    ck_assert_uint_eq(a, 0x0a010000u);
    ck_assert_int_eq(len, 16);
    ck_assert_int_eq(scc_prefix_parse("10.1.2.3", &a, &len), 0);
    ck_assert_int_eq(len, 32);
    ck_assert_int_eq(scc_prefix_parse("10.1.0/16", &a, &len), -EINVAL);
    ck_assert_int_eq(scc_prefix_parse("10.1.0.0/33", &a, &len), -EINVAL);
    scc_ipv4_format(0xc0a80101u, buf, sizeof(buf));
    ck_assert_str_eq(buf, "192.168.1.1");
}
END_TEST

/* Exactly six pairs of hex digits separated by ':' (REVIEW 3.2: sscanf's %2x
 * took " 1: 2: 3: 4: 5: 6" and signs). */
START_TEST(mac_is_strict)
{
    uint8_t m[6];
    ck_assert_int_eq(scc_mac_parse("02:aB:00:ff:10:01", m), 0);
    ck_assert_uint_eq(m[1], 0xab);
    ck_assert_uint_eq(m[3], 0xff);
    ck_assert_int_eq(scc_mac_parse(" 1: 2: 3: 4: 5: 6", m), -EINVAL);
    ck_assert_int_eq(scc_mac_parse("+1:+2:+3:+4:+5:+6", m), -EINVAL);
    ck_assert_int_eq(scc_mac_parse("-1:-2:-3:-4:-5:-6", m), -EINVAL);
    ck_assert_int_eq(scc_mac_parse("02:00:00:00:00:0g", m), -EINVAL);
    ck_assert_int_eq(scc_mac_parse("02-00-00-00-00-01", m), -EINVAL);
    ck_assert_int_eq(scc_mac_parse("02:00:00:00:00:01 ", m), -EINVAL);
    ck_assert_int_eq(scc_mac_parse("02:00:00:00:00", m), -EINVAL);
    ck_assert_int_eq(scc_mac_parse("", m), -EINVAL);
    ck_assert_int_eq(scc_mac_parse(NULL, m), -EINVAL);
}
END_TEST

START_TEST(suggestions)
{
    const char *const names[] = {"IPFilter", "DecIPTTL", "Counter"};
    ck_assert_str_eq(scc_suggest("IPFiltr", names, 3), "IPFilter");
    ck_assert_str_eq(scc_suggest("counter", names, 3), "Counter");
    ck_assert_ptr_null(scc_suggest("Zebra", names, 3));
    ck_assert_int_eq(scc_edit_distance("kitten", "sitting"), 3);
}
END_TEST

/* The shared error formatter: cut to fit, NULL-safe, always -EINVAL. */
static int errf_with_prefix(char *buf, size_t len, const char *prefix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = scc_verrf(buf, len, prefix, fmt, ap);
    va_end(ap);
    return rc;
}

START_TEST(errf_formats_cuts_and_tolerates_null)
{
    char buf[16];
    ck_assert_int_eq(scc_errf(buf, sizeof(buf), "bad %d", 7), -EINVAL);
    ck_assert_str_eq(buf, "bad 7");
    ck_assert_int_eq(scc_errf(buf, sizeof(buf), "%s", "a message far too long"), -EINVAL);
    ck_assert_str_eq(buf, "a message far t");
    ck_assert_int_eq(scc_errf(NULL, 10, "x"), -EINVAL);
    ck_assert_int_eq(scc_errf(buf, 0, "x"), -EINVAL);
    ck_assert_int_eq(errf_with_prefix(buf, sizeof(buf), "fw", "no %s", "rules"), -EINVAL);
    ck_assert_str_eq(buf, "fw: no rules");
    /* a prefix that fills the buffer leaves it cut, never unterminated */
    errf_with_prefix(buf, 4, "longname", "x");
    ck_assert_str_eq(buf, "lon");
}
END_TEST

/* Reference values: splitmix64 from seed 0, FNV-1a 32-bit test vectors. */
START_TEST(splitmix64_and_fnv1a)
{
    uint64_t s = 0;
    ck_assert_uint_eq(scc_splitmix64(&s), 0xe220a8397b1dcdafull);
    ck_assert_uint_eq(scc_splitmix64(&s), 0x6e789e6aa1b965f4ull);
    ck_assert_uint_eq(scc_fnv1a(SCC_FNV1A_INIT, "", 0), 0x811c9dc5u);
    ck_assert_uint_eq(scc_fnv1a(SCC_FNV1A_INIT, "a", 1), 0xe40c292cu);
    ck_assert_uint_eq(scc_fnv1a(SCC_FNV1A_INIT, "foobar", 6), 0xbf9cf968u);
    /* in pieces, the same as at once */
    ck_assert_uint_eq(scc_fnv1a(scc_fnv1a(SCC_FNV1A_INIT, "foo", 3), "bar", 3), 0xbf9cf968u);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("util");
    tcase_add_test(tc, parse_long_checks_range_and_form);
    tcase_add_test(tc, parse_is_decimal_not_octal);
    tcase_add_test(tc, cpuset_parse_and_format);
    tcase_add_test(tc, mac_is_strict);
    tcase_add_test(tc, mac_and_ipv4);
    tcase_add_test(tc, suggestions);
    tcase_add_test(tc, errf_formats_cuts_and_tolerates_null);
    tcase_add_test(tc, splitmix64_and_fnv1a);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
