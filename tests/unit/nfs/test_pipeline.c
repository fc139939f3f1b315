/*
 * test_pipeline — the pipeline builder: the exact strings the chain spec's
 * NF types expand to build; bad strings fail with a message naming the
 * problem; packets flow through branches; nf_pipeline_validate agrees;
 * size caps (elements, arguments) refuse fast and name the count and the
 * limit; building is linear (a 10k-element chain builds well under a
 * second).
 */
#include "nf_testlib.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "nfs/nf_check.h"
#include "nfs/nf_stats.h"

static const char *const good[] = {
    "rt :: StaticIPLookup(10.0.0.0/8 0, 10.2.0.0/16 1 02:00:00:00:00:09); FromIO -> "
    "CheckIPHeader -> rt; rt[0] -> DecIPTTL -> EtherRewrite(SRC 02:00:00:00:00:01) -> ToIO; "
    "rt[1] -> Discard",
    "FromIO -> CheckIPHeader -> IPFilter(deny src net 10.66.0.0/16, allow udp dst port "
    "9000-9999, allow icmp, deny all) -> ToIO",
    "FromIO -> EtherRewrite(SRC 02:00:00:00:00:01, DST 02:00:00:00:00:02) -> ToIO",
    "FromIO -> ToIO",
    "FromIO -> CheckIPHeader -> NAT(ADDR 203.0.113.1-203.0.113.4, PORTS 1024-65535, "
    "TIMEOUT 60) -> ToIO",
    "FromIO -> CheckIPHeader -> NAT(ADDR 203.0.113.1, PORTS 1024-65535, TIMEOUT 60) -> ToIO",
    "FromIO -> Counter -> ToIO",
    "c :: Classifier(12/0800, 12/0806, -); FromIO -> c; c[0] -> ToIO; c[1] -> ToIO; "
    "c[2] -> Discard",
    "rr :: RoundRobin; FromIO -> rr; rr[0] -> Counter -> ToIO; rr[1] -> ToIO",
    "FromIO -> Discard",
    "FromIO(0) -> ToIO(0) // a comment",
};

START_TEST(test_good)
{
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char err[256] = "";
        ck_assert_msg(nf_pipeline_validate(good[i], err, sizeof(err)) == 0, "'%s': %s",
                      good[i], err);
        nf_pipeline_destroy(t_build(good[i]));
    }
}
END_TEST

static const struct {
    const char *text, *msg;
} bad[] = {
    {"FromIO -> IPFiltr(allow all) -> ToIO", "unknown element 'IPFiltr' (did you mean IPFilter?)"},
    {"FromIO -> Frobnicate -> ToIO", "unknown element 'Frobnicate'"},
    {"FromIO -> Tee -> ToIO", "would allocate"},
    {"FromIO ->", "expected an element"},
    {"CheckIPHeader -> ToIO", "CheckIPHeader@1: input 0 is not connected"},
    {"FromIO -> CheckIPHeader", "CheckIPHeader@2: output 0 is not connected"},
    {"FromIO -> Discard -> ToIO", "Discard has no outputs"},
    {"FromIO -> FromIO", "FromIO has no inputs"},
    {"FromIO -> [1]DecIPTTL -> ToIO", "input port 1 used, but DecIPTTL has 1 input"},
    {"f :: FromIO; f -> ToIO; f -> Discard", "output 0 is connected twice"},
    {"FromIO -> a :: Counter -> b :: Counter -> a", "cycle"},
    {"FromIO -> ToIO; FromIO -> Discard", "FromIO(0) appears twice"},
    {"ToIO -> Discard", "ToIO has no outputs"},
    {"FromIO -> ToIO(2)", "ToIO(2), but this NF has 2 outputs"},
    {"FromIO -> ToIO(x)", "port 'x' is not a number"},
    {"FromIO -> Counter(5) -> ToIO", "Counter takes no arguments"},
    {"FromIO -> EtherRewrite(SRC 02:00:00:00:00) -> ToIO", "is not a MAC address"},
    {"FromIO -> EtherRewrite(FOO 02:00:00:00:00:01) -> ToIO", "expected 'SRC MAC' or 'DST MAC'"},
    {"FromIO -> EtherRewrite -> ToIO", "needs SRC MAC and/or DST MAC"},
    {"FromIO -> EtherRewrite(SRC 02:00:00:00:00:01, SRC 02:00:00:00:00:02) -> ToIO", "SRC given twice"},
    {"rt :: StaticIPLookup(10.0.0.0/8 0, 10.2.0.0/16 1); FromIO -> rt; rt[0] -> ToIO",
     "routes use outputs 0..1, but 1 output is connected"},
    {"FromIO -> StaticIPLookup(10.0.0.0/33 0) -> ToIO", "is not an IPv4 prefix"},
    {"FromIO -> StaticIPLookup(10.0.0.0/8) -> ToIO", "expected PREFIX/LEN PORT"},
    {"FromIO -> StaticIPLookup(10.0.0.0/8 0 zz:00) -> ToIO", "is not a MAC address"},
    {"FromIO -> StaticIPLookup -> ToIO", "needs at least one route"},
    {"FromIO -> IPFilter(allow udp dst prot 9000) -> ToIO", "expected 'port' after"},
    {"FromIO -> IPFilter(permit all) -> ToIO", "'permit' is not an action"},
    {"FromIO -> IPFilter(allow src host 10.0.0.300) -> ToIO", "is not an IPv4 address"},
    {"FromIO -> IPFilter(allow udp port 9-1) -> ToIO", "is empty"},
    {"FromIO -> IPFilter(allow (udp or tcp) -> ToIO", "unclosed '('"},
    {"FromIO -> IPFilter(allow udp tcp) -> ToIO", "expected 'and' or 'or' before 'tcp'"},
    {"FromIO -> IPFilter(allow udp and) -> ToIO", "expected a condition"},
    {"FromIO -> IPFilter(1 udp, allow all) -> ToIO", "a rule sends to output 1"},
    {"FromIO -> IPFilter(allow ip proto xyz) -> ToIO", "is not a protocol"},
    {"FromIO -> IPFilter -> ToIO", "needs at least one rule"},
    {"FromIO -> NAT(PORTS 1024-2000) -> ToIO", "NAT needs ADDR"},
    {"FromIO -> NAT(ADDR 203.0.113.9-203.0.113.1) -> ToIO", "is empty"},
    {"FromIO -> NAT(ADDR 1.2.3.4, PORTS 0-10) -> ToIO", "PORTS '0-10'"},
    {"FromIO -> NAT(ADDR 1.2.3.4, TIMEOUT -1) -> ToIO", "TIMEOUT '-1'"},
    {"FromIO -> NAT(ADDR 1.2.3.4, COLOUR red) -> ToIO", "unknown keyword 'COLOUR'"},
    {"FromIO -> NAT(ADDR) -> ToIO", "expected KEYWORD VALUE"},
    {"c :: Classifier(12/0800, -); FromIO -> c; c[0] -> ToIO", "2 patterns but 1 output"},
    {"FromIO -> Classifier(12/080) -> ToIO", "is not OFFSET/HEXVALUE"},
    {"FromIO -> Classifier(12/0800%ff) -> ToIO", "is not OFFSET/HEXVALUE"},
    {"Counter -> ToIO", "Counter@1: input 0 is not connected"},
};

START_TEST(test_bad)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[256] = "";
        struct nf_pipeline *p = (void *)1;
        int rc = nf_pipeline_build(bad[i].text, NULL, &p, err, sizeof(err));
        if (strstr(bad[i].text, "ToIO(2)")) {
            /* valid by default (16 outputs), refused for scc-nf's two (forward,
             * back toward the sender) */
            ck_assert_int_eq(rc, 0);
            nf_pipeline_destroy(p);
            struct nf_pipeline_opts o = {.sz = sizeof(o), .noutputs = 2};
            rc = nf_pipeline_build(bad[i].text, &o, &p, err, sizeof(err));
        }
        ck_assert_msg(rc == -EINVAL, "'%s' built (rc %d)", bad[i].text, rc);
        ck_assert_ptr_null(p);
        ck_assert_msg(strstr(err, bad[i].msg), "'%s': got '%s', want '%s'", bad[i].text, err,
                      bad[i].msg);
        char err2[256] = "";
        ck_assert_int_eq(nf_pipeline_validate(bad[i].text, err2, sizeof(err2)), -EINVAL);
        ck_assert_str_eq(err, err2);
    }
}
END_TEST

START_TEST(test_branches_and_counters)
{
    struct nf_pipeline *p = t_build(
        "c :: Classifier(12/0800, 12/0806, -); FromIO -> c; c[0] -> n :: Counter -> ToIO(0); "
        "c[1] -> ToIO(1); c[2] -> d :: Discard");
    ck_assert_uint_eq(nf_pipeline_noutputs(p), 2);
    struct tframes t = {0};
    t_udp(&t, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1, 2);
    struct nf_pkt *arp = t_udp(&t, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1, 2);
    arp->data[13] = 0x06;
    struct nf_pkt *other = t_udp(&t, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1, 2);
    other->data[12] = 0x86;
    other->data[13] = 0xdd;
    t_udp(&t, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1, 2);
    struct nf_batch *o0 = t_run(p, &t, 1);
    ck_assert_uint_eq(o0->n, 2);
    ck_assert_uint_eq(nf_pipeline_output(p, 1)->n, 1);
    ck_assert_ptr_eq(nf_pipeline_output(p, 1)->pkts[0], arp);
    ck_assert_uint_eq(t_drops(p, "d", 0), 1);
    const struct nf_element *n = nf_pipeline_find(p, "n");
    ck_assert_uint_eq(n->in_pkts, 2);
    ck_assert_uint_eq(n->bytes, 128);
    ck_assert_uint_eq(nf_pipeline_drops(p), 1);
    /* the run is repeatable: output batches are reused, nothing accumulates */
    o0 = t_run(p, &t, 2);
    ck_assert_uint_eq(o0->n, 2);
    ck_assert_uint_eq(n->in_pkts, 4);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_roundrobin)
{
    struct nf_pipeline *p = t_build("rr :: RoundRobin; FromIO -> rr; rr[0] -> ToIO(0); "
                                    "rr[1] -> ToIO(1); rr[2] -> ToIO(2)");
    struct tframes t = {0};
    for (int i = 0; i < 7; i++)
        t_udp(&t, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), (uint16_t)i, 2);
    t_run(p, &t, 1);
    ck_assert_uint_eq(nf_pipeline_output(p, 0)->n, 3);
    ck_assert_uint_eq(nf_pipeline_output(p, 1)->n, 2);
    ck_assert_uint_eq(nf_pipeline_output(p, 2)->n, 2);
    /* the rotation continues across batches: packet 8 goes to output 1 */
    t.n = 1;
    t_run(p, &t, 2);
    ck_assert_uint_eq(nf_pipeline_output(p, 1)->n, 1);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_batch_limit)
{
    struct nf_pipeline *p;
    char err[128];
    struct nf_pipeline_opts o = {.sz = sizeof(o), .batch = 4};
    ck_assert_int_eq(nf_pipeline_build("FromIO -> ToIO", &o, &p, err, sizeof(err)), 0);
    struct tframes t = {0};
    for (int i = 0; i < 10; i++)
        t_udp(&t, 1, 2, 3, 4);
    ck_assert_uint_eq(nf_pipeline_run(p, 0, &t.b, 0), 4);
    ck_assert_uint_eq(nf_pipeline_output(p, 0)->n, 4);
    /* not clearing the outputs: ToIO drops instead of overflowing */
    t.b.n = 4;
    nf_pipeline_run(p, 0, &t.b, 0);
    ck_assert_uint_eq(nf_pipeline_output(p, 0)->n, 4);
    ck_assert_uint_eq(t_drops(p, "ToIO@2", 0), 4);
    nf_pipeline_destroy(p);
    nf_pipeline_destroy(NULL);
}
END_TEST

/* Drop bookkeeping as data: every class's reason table fits the counters
 * and the stats page, and no reason text is cut on the page. */
START_TEST(test_drop_reason_tables)
{
    const char *const *names;
    size_t n = nf_element_classes(&names);
    ck_assert_uint_gt(n, 10);
    for (size_t i = 0; i < n; i++) {
        const struct nf_element_ops *ops = nf_element_class(names[i]);
        ck_assert_msg(ops != NULL, "%s", names[i]);
        ck_assert_int_ge(ops->ndrop_reasons, 0);
        ck_assert_int_le(ops->ndrop_reasons, NF_MAX_DROP_REASONS);
        ck_assert_int_le(ops->ndrop_reasons, NF_STATS_MAX_REASONS);
        for (int r = 0; r < ops->ndrop_reasons; r++) {
            ck_assert_ptr_nonnull(ops->drop_reasons[r]);
            ck_assert_msg(strlen(ops->drop_reasons[r]) < NF_STATS_REASON,
                          "%s: '%s' is cut on the page", names[i], ops->drop_reasons[r]);
        }
    }
}
END_TEST

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "FromIO -> e :: Counter -> Counter -> ... -> ToIO" with n Counters, every
 * tenth one declared with a name and referenced in its own statement, so
 * both name lookups and connections grow with n. */
static char *long_chain(int n)
{
    size_t cap = (size_t)n * 40 + 64, len = 0;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    len += (size_t)snprintf(s + len, cap - len, "FromIO");
    for (int i = 0; i < n; i++) {
        if (i % 10 == 0)
            len += (size_t)snprintf(s + len, cap - len, " -> c%d :: Counter; c%d", i, i);
        else
            len += (size_t)snprintf(s + len, cap - len, " -> Counter");
    }
    snprintf(s + len, cap - len, " -> ToIO");
    return s;
}

/* Issue 16 item 5: pipelines have a size cap, and the builder is linear. */
START_TEST(test_size_caps)
{
    char err[256];
    /* 100k elements: refused fast, naming the count and the limit */
    char *text = long_chain(100000);
    double t0 = now_s();
    ck_assert_int_eq(nf_pipeline_validate(text, err, sizeof(err)), -EINVAL);
    double dt = now_s() - t0;
    ck_assert_msg(strstr(err, "100002 elements") && strstr(err, "limit is 16384"), "%s", err);
    ck_assert_msg(dt < 1.0, "refusing 100k elements took %.2f s", dt);
    free(text);

    /* 10k elements (under the cap): built, with every check, in well under a
     * second at scc-nf's default batch, and a packet crosses all of them */
    text = long_chain(10000);
    struct nf_pipeline *p;
    struct nf_pipeline_opts o = {.sz = sizeof(o), .batch = 32};
    t0 = now_s();
    int rc = nf_pipeline_build(text, &o, &p, err, sizeof(err));
    dt = now_s() - t0;
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_msg(dt < 0.5, "building 10k elements took %.2f s", dt);
    ck_assert_int_eq(nf_pipeline_nelements(p), 10002);
    struct tframes t = {0};
    t_udp(&t, 1, 2, 3, 4);
    ck_assert_uint_eq(t_run(p, &t, 1)->n, 1);
    ck_assert_uint_eq(nf_pipeline_find(p, "c9990")->in_pkts, 1);
    nf_pipeline_destroy(p);
    /* a cycle at the far end of a long chain is still found (no deep recursion) */
    size_t n = strlen(text);
    text = realloc(text, n + 32);
    ck_assert_ptr_nonnull(text);
    strcpy(text + n - strlen(" -> ToIO"), " -> c9990");
    ck_assert_int_eq(nf_pipeline_validate(text, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "cycle"), "%s", err);
    free(text);

    /* arguments: 5000 rules are refused naming the count and the limit */
    size_t cap = 5000 * 24 + 64, len = 0;
    text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text, cap, "FromIO -> IPFilter(");
    for (int i = 0; i < 5000; i++)
        len += (size_t)snprintf(text + len, cap - len, "%sallow port %d", i ? ", " : "", i);
    snprintf(text + len, cap - len, ") -> ToIO");
    ck_assert_int_eq(nf_pipeline_validate(text, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "5000 arguments") && strstr(err, "limit is 4096"), "%s", err);
    free(text);
    /* 4096 routes, all duplicates of a few prefixes but the last: the later
     * duplicate wins, and the dedupe is not pairwise */
    cap = 4096 * 24 + 64, len = 0;
    text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text, cap, "rt :: StaticIPLookup(");
    for (int i = 0; i < 4096; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s10.%d.0.0/16 %d", i ? ", " : "",
                                i % 256, i >= 4096 - 256 ? 1 : 0);
    snprintf(text + len, cap - len, "); FromIO -> rt; rt[0] -> ToIO; rt[1] -> ToIO(1)");
    t0 = now_s();
    p = t_build(text);
    ck_assert_msg(now_s() - t0 < 0.5, "4096 routes took %.2f s", now_s() - t0);
    t = (struct tframes){0};
    t_udp(&t, 1, ip4(10, 7, 1, 1), 3, 4);
    ck_assert_uint_eq(t_run(p, &t, 1)->n, 0);
    ck_assert_uint_eq(nf_pipeline_output(p, 1)->n, 1);
    nf_pipeline_destroy(p);
    free(text);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pipeline");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_good);
    tcase_add_test(tc, test_bad);
    tcase_add_test(tc, test_branches_and_counters);
    tcase_add_test(tc, test_roundrobin);
    tcase_add_test(tc, test_batch_limit);
    tcase_add_test(tc, test_drop_reason_tables);
    tcase_add_test(tc, test_size_caps);
    suite_add_tcase(s, tc);
    return s;
}

T_MAIN(suite)
