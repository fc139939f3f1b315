/*
 * test_tr_hist — the latency histogram's percentiles against exact
 * nearest-rank percentiles of known data sets (uniform, exponential,
 * bimodal, constant), within the 1 % relative error the sink promises;
 * the bucket layout's own bound (1/128 width, 1/256 midpoint error);
 * mean/stddev; merge and reset.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "bench/traffic/tr_hist.h"
#include "bench/traffic/tr_pace.h"

#define N 200000

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t exact_pct(const uint64_t *sorted, size_t n, double q)
{
    if (q <= 0)
        return sorted[0];
    size_t rank = (size_t)ceil(q / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

static void check_against_exact(uint64_t *v, size_t n)
{
    struct tr_hist *h = tr_hist_create();
    ck_assert_ptr_nonnull(h);
    double sum = 0, sumsq = 0;
    for (size_t i = 0; i < n; i++) {
        tr_hist_record(h, v[i]);
        sum += (double)v[i];
        sumsq += (double)v[i] * (double)v[i];
    }
    qsort(v, n, sizeof(*v), cmp_u64);
    static const double qs[] = {0, 1, 5, 25, 50, 75, 95, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        uint64_t e = exact_pct(v, n, qs[i]), got = tr_hist_percentile(h, qs[i]);
        double rel = e ? fabs((double)got - (double)e) / (double)e : (double)got;
        ck_assert_msg(rel <= 0.01, "q=%g exact %llu hist %llu rel %.4f", qs[i],
                      (unsigned long long)e, (unsigned long long)got, rel);
        /* and the tighter bound the layout gives */
        ck_assert_msg(rel <= 1.0 / 256 + 1e-9, "q=%g rel %.5f above 1/256", qs[i], rel);
    }
    ck_assert_uint_eq(tr_hist_count(h), n);
    ck_assert_uint_eq(tr_hist_min(h), v[0]);
    ck_assert_uint_eq(tr_hist_max(h), v[n - 1]);
    double mean = sum / (double)n;
    ck_assert_double_eq_tol(tr_hist_mean(h), mean, mean * 1e-9 + 1e-9);
    double sd = sqrt(sumsq / (double)n - mean * mean);
    ck_assert_double_eq_tol(tr_hist_stddev(h), sd, sd * 1e-6 + 1e-6);
    tr_hist_destroy(h);
}

START_TEST(uniform)
{
    static uint64_t v[N];
    uint64_t rng = tr_rng_seed(1);
    for (size_t i = 0; i < N; i++)
        v[i] = 1000 + tr_rng_next(&rng) % 99000; /* 1 us .. 100 us */
    check_against_exact(v, N);
}
END_TEST

START_TEST(exponential)
{
    static uint64_t v[N];
    uint64_t rng = tr_rng_seed(2);
    for (size_t i = 0; i < N; i++)
        v[i] = (uint64_t)(-log(tr_rng_unit(&rng)) * 20000.0); /* mean 20 us, long tail */
    check_against_exact(v, N);
}
END_TEST

START_TEST(bimodal)
{
    static uint64_t v[N];
    uint64_t rng = tr_rng_seed(3);
    for (size_t i = 0; i < N; i++) {
        /* 90 % around 5 us, 10 % around 2 ms (a scheduler stall) */
        if (tr_rng_next(&rng) % 10)
            v[i] = 4500 + tr_rng_next(&rng) % 1000;
        else
            v[i] = 1900000 + tr_rng_next(&rng) % 200000;
    }
    check_against_exact(v, N);
}
END_TEST

START_TEST(small_exact_and_constant)
{
    /* below 128 every value has its own bucket: exact */
    static uint64_t v[1000];
    for (size_t i = 0; i < 1000; i++)
        v[i] = i % 128;
    struct tr_hist *h = tr_hist_create();
    for (size_t i = 0; i < 1000; i++)
        tr_hist_record(h, v[i]);
    qsort(v, 1000, sizeof(v[0]), cmp_u64);
    for (double q = 1; q < 100; q += 7)
        ck_assert_uint_eq(tr_hist_percentile(h, q), exact_pct(v, 1000, q));
    tr_hist_reset(h);
    ck_assert_uint_eq(tr_hist_count(h), 0);
    ck_assert_uint_eq(tr_hist_percentile(h, 50), 0);
    ck_assert_uint_eq(tr_hist_min(h), 0);
    /* a constant is reported exactly (clamped to [min, max]) */
    tr_hist_record_n(h, 123456789, 1000);
    ck_assert_uint_eq(tr_hist_percentile(h, 50), 123456789);
    ck_assert_double_eq_tol(tr_hist_stddev(h), 0, 1e-3);
    tr_hist_destroy(h);
}
END_TEST

START_TEST(bucket_bounds)
{
    uint64_t rng = tr_rng_seed(4);
    for (int i = 0; i < 100000; i++) {
        uint64_t v = tr_rng_next(&rng) >> (tr_rng_next(&rng) % 64);
        unsigned b = tr_hist_bucket(v);
        uint64_t lo, hi;
        tr_hist_bucket_bounds(b, &lo, &hi);
        if (!(lo <= v && v <= hi))
            ck_abort_msg("v %llu not in [%llu, %llu]", (unsigned long long)v,
                         (unsigned long long)lo, (unsigned long long)hi);
        if (lo >= 128 && (double)(hi - lo + 1) / (double)lo > 1.0 / 128 + 1e-12)
            ck_abort_msg("bucket [%llu, %llu] wider than 1/128", (unsigned long long)lo,
                         (unsigned long long)hi);
    }
    ck_assert_uint_eq(tr_hist_bucket(UINT64_MAX), 7423);
}
END_TEST

START_TEST(merge)
{
    struct tr_hist *a = tr_hist_create(), *b = tr_hist_create(), *all = tr_hist_create();
    for (uint64_t i = 1; i <= 10000; i++) {
        tr_hist_record(i % 2 ? a : b, i * 100);
        tr_hist_record(all, i * 100);
    }
    tr_hist_merge(a, b);
    ck_assert_uint_eq(tr_hist_count(a), 10000);
    for (double q = 0; q <= 100; q += 12.5)
        ck_assert_uint_eq(tr_hist_percentile(a, q), tr_hist_percentile(all, q));
    ck_assert_double_eq_tol(tr_hist_mean(a), tr_hist_mean(all), 1e-6);
    tr_hist_destroy(a);
    tr_hist_destroy(b);
    tr_hist_destroy(all);
    tr_hist_destroy(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tr_hist");
    TCase *tc = tcase_create("hist");
    tcase_add_test(tc, uniform);
    tcase_add_test(tc, exponential);
    tcase_add_test(tc, bimodal);
    tcase_add_test(tc, small_exact_and_constant);
    tcase_add_test(tc, bucket_bounds);
    tcase_add_test(tc, merge);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
