/* nfs/nf_types: each NF type expands to the pipeline docs/elements.md shows,
 * and every expansion builds (nf_pipeline_validate). Links scc_nfs alone. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfs/nf_check.h"
#include "nfs/nf_types.h"

static void expect(enum nf_type t, const struct nf_type_args *a, const char *want)
{
    char *p = nf_type_expand(t, a);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p, want);
    char err[256];
    ck_assert_msg(nf_pipeline_validate(p, err, sizeof(err)) == 0, "%s: %s", p, err);
    free(p);
}

START_TEST(router)
{
    struct nf_route r[] = {
        {.prefix = 0x0a000000, .len = 8, .port = 0},
        {.prefix = 0x0a020000, .len = 16, .port = 2, .has_mac = true,
         .mac = {2, 0, 0, 0, 0, 9}},
    };
    struct nf_type_args a = {.routes = r, .nroutes = 2};
    expect(NF_TYPE_ROUTER, &a,
           "rt :: StaticIPLookup(10.0.0.0/8 0, 10.2.0.0/16 2 02:00:00:00:00:09); "
           "FromIO -> CheckIPHeader -> rt; rt[0] -> DecIPTTL -> ToIO; "
           "rt[1] -> Discard; rt[2] -> Discard");
    a.nroutes = 1;
    a.has_src_mac = true;
    memcpy(a.src_mac, (uint8_t[]){2, 0, 0, 0, 0, 1}, 6);
    expect(NF_TYPE_ROUTER, &a,
           "rt :: StaticIPLookup(10.0.0.0/8 0); FromIO -> CheckIPHeader -> rt; "
           "rt[0] -> DecIPTTL -> EtherRewrite(SRC 02:00:00:00:00:01) -> ToIO");
    /* with an address: expired TTLs answered, back toward the sender (ToIO(1)) */
    a.has_addr = true;
    a.addr = 0x0ac901fe;
    expect(NF_TYPE_ROUTER, &a,
           "rt :: StaticIPLookup(10.0.0.0/8 0); FromIO -> CheckIPHeader -> rt; "
           "rt[0] -> ttl :: DecIPTTL -> EtherRewrite(SRC 02:00:00:00:00:01) -> ToIO; "
           "ttl[1] -> ICMPError(SRC 10.201.1.254, TYPE timeexceeded, CODE 0) -> ToIO(1)");
    a.nroutes = 2;
    a.has_src_mac = false;
    expect(NF_TYPE_ROUTER, &a,
           "rt :: StaticIPLookup(10.0.0.0/8 0, 10.2.0.0/16 2 02:00:00:00:00:09); "
           "FromIO -> CheckIPHeader -> rt; rt[0] -> ttl :: DecIPTTL -> ToIO; "
           "ttl[1] -> ICMPError(SRC 10.201.1.254, TYPE timeexceeded, CODE 0) -> ToIO(1); "
           "rt[1] -> Discard; rt[2] -> Discard");
}
END_TEST

START_TEST(firewall_l2fwd_nat_counter)
{
    const char *rules[] = {"deny src net 10.66.0.0/16", "allow udp dst port 9000-9999",
                           "deny all"};
    struct nf_type_args a = {.rules = rules, .nrules = 3};
    expect(NF_TYPE_FIREWALL, &a,
           "FromIO -> CheckIPHeader -> IPFilter(STATEFUL, deny src net 10.66.0.0/16, allow udp dst "
           "port 9000-9999, deny all) -> ToIO");

    struct nf_type_args l = {0};
    expect(NF_TYPE_L2FWD, &l, "FromIO -> ToIO");
    l.has_dst_mac = true;
    memcpy(l.dst_mac, (uint8_t[]){2, 0, 0, 0, 0, 0xab}, 6);
    expect(NF_TYPE_L2FWD, &l, "FromIO -> EtherRewrite(DST 02:00:00:00:00:ab) -> ToIO");
    l.has_src_mac = true;
    memcpy(l.src_mac, (uint8_t[]){2, 0, 0, 0, 0, 1}, 6);
    expect(NF_TYPE_L2FWD, &l,
           "FromIO -> EtherRewrite(SRC 02:00:00:00:00:01, DST 02:00:00:00:00:ab) -> ToIO");

    struct nf_type_args n = {.nat_addr_lo = 0xcb007101, .nat_addr_hi = 0xcb007101,
                             .nat_port_lo = 5000, .nat_port_hi = 5000, .nat_timeout_s = 60};
    expect(NF_TYPE_NAT, &n,
           "FromIO -> CheckIPHeader -> NAT(ADDR 203.0.113.1, PORTS 5000-5000, TIMEOUT 60) -> "
           "ToIO");
    n.nat_addr_hi = 0xcb007104;
    n.nat_port_lo = 1024;
    n.nat_port_hi = 65535;
    expect(NF_TYPE_NAT, &n,
           "FromIO -> CheckIPHeader -> NAT(ADDR 203.0.113.1-203.0.113.4, PORTS 1024-65535, "
           "TIMEOUT 60) -> ToIO");

    struct nf_type_args z = {0};
    expect(NF_TYPE_COUNTER, &z, "FromIO -> Counter -> ToIO");
    errno = 0;
    ck_assert_ptr_null(nf_type_expand(NF_TYPE_COUNT, &z));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(nf_type_names[NF_TYPE_NAT], "nat");
    ck_assert_ptr_null(nf_type_names[NF_TYPE_COUNT]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nf_types");
    TCase *tc = tcase_create("expand");
    tcase_add_test(tc, router);
    tcase_add_test(tc, firewall_l2fwd_nat_counter);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
