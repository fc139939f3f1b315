/*
 * test_tr_dist — frame size distributions: parsing (fixed sizes, imix,
 * datacenter, weighted lists, and the errors), sampling proportions within
 * a few standard errors of the weights, mean and median.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/traffic/tr_dist.h"
#include "bench/traffic/tr_pace.h"

static void check_proportions(const struct tr_dist *d, int n_samples)
{
    uint64_t rng = tr_rng_seed(99);
    static unsigned count[TR_SIZE_MAX + 1];
    memset(count, 0, sizeof(count));
    unsigned out_of_range = 0;
    for (int i = 0; i < n_samples; i++) {
        unsigned s = tr_dist_sample(d, &rng);
        if (s < TR_SIZE_MIN || s > TR_SIZE_MAX)
            out_of_range++;
        else
            count[s]++;
    }
    ck_assert_uint_eq(out_of_range, 0);
    double total = (double)d->cum[d->n - 1];
    for (unsigned i = 0; i < d->n; i++) {
        double p = d->weight[i] / total;
        double got = (double)count[d->size[i]] / n_samples;
        double se = sqrt(p * (1 - p) / n_samples);
        ck_assert_msg(fabs(got - p) < 5 * se + 1e-9, "size %u: p %.4f got %.4f", d->size[i], p,
                      got);
    }
}

START_TEST(imix)
{
    struct tr_dist d;
    char err[128];
    ck_assert_int_eq(tr_dist_parse("imix", &d, err, sizeof(err)), 0);
    ck_assert_str_eq(d.name, "imix");
    ck_assert_uint_eq(d.n, 3);
    ck_assert_uint_eq(d.size[0], 64);
    ck_assert_uint_eq(d.size[1], 594);
    ck_assert_uint_eq(d.size[2], 1518);
    ck_assert_uint_eq(d.weight[0], 7);
    ck_assert_uint_eq(d.weight[1], 4);
    ck_assert_uint_eq(d.weight[2], 1);
    /* (7*64 + 4*594 + 1518) / 12 = 357.83 */
    ck_assert_double_eq_tol(tr_dist_mean(&d), (7 * 64 + 4 * 594 + 1518) / 12.0, 1e-9);
    ck_assert_uint_eq(tr_dist_max(&d), 1518);
    check_proportions(&d, 200000);
}
END_TEST

START_TEST(datacenter)
{
    struct tr_dist d;
    char err[128];
    ck_assert_int_eq(tr_dist_parse("datacenter", &d, err, sizeof(err)), 0);
    ck_assert_uint_eq(tr_dist_median(&d), 120);
    check_proportions(&d, 200000);
    /* empirical median of samples is 120 too */
    uint64_t rng = tr_rng_seed(5);
    int le120 = 0;
    for (int i = 0; i < 100000; i++)
        le120 += tr_dist_sample(&d, &rng) <= 120;
    ck_assert_int_gt(le120, 50000);
    ck_assert_int_lt(le120, 60000);
}
END_TEST

START_TEST(fixed_and_custom)
{
    struct tr_dist d;
    char err[128];
    ck_assert_int_eq(tr_dist_parse("1518", &d, err, sizeof(err)), 0);
    ck_assert_str_eq(d.name, "1518");
    uint64_t rng = 1;
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(tr_dist_sample(&d, &rng), 1518);
    ck_assert_int_eq(tr_dist_parse("128:1,256:3", &d, err, sizeof(err)), 0);
    ck_assert_str_eq(d.name, "custom");
    ck_assert_uint_eq(tr_dist_median(&d), 256);
    check_proportions(&d, 200000);
    ck_assert_int_eq(tr_dist_parse("100,200", &d, err, sizeof(err)), 0); /* weight 1 each */
    ck_assert_double_eq_tol(tr_dist_mean(&d), 150, 1e-9);
}
END_TEST

START_TEST(errors)
{
    struct tr_dist d;
    char err[128];
    static const char *const bad[] = {"63", "1519", "0", "-64", "abc", "", "64:0", "64:x",
                                      "64,,", ",", "imx", "64:1,2000:1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        ck_assert_msg(tr_dist_parse(bad[i], &d, err, sizeof(err)) < 0, "'%s' accepted", bad[i]);
        ck_assert_msg(err[0], "no message for '%s'", bad[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tr_dist");
    TCase *tc = tcase_create("dist");
    tcase_add_test(tc, imix);
    tcase_add_test(tc, datacenter);
    tcase_add_test(tc, fixed_and_custom);
    tcase_add_test(tc, errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
