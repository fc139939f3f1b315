/*
 * test_tr_pace — pacing arithmetic: constant-rate due times are exact
 * multiples of burst/rate with no accumulated rounding, Poisson gaps have
 * the right mean and the coefficient of variation of an exponential, the
 * PRNG is deterministic per seed, and a paced wait lands on time.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <stdint.h>

#include "bench/traffic/tr_pace.h"
#include "common/scc_util.h"

START_TEST(const_rate_exact)
{
    struct tr_pace p;
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_CONST, 1000, 1, 5000, 1), 0);
    for (uint64_t k = 0; k < 1000; k++)
        ck_assert_uint_eq(tr_pace_next(&p), 5000 + k * 1000000);
    /* burst 10 at 1000 pps: a burst every 10 ms */
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_CONST, 1000, 10, 0, 1), 0);
    ck_assert_uint_eq(tr_pace_next(&p), 0);
    ck_assert_uint_eq(tr_pace_next(&p), 10000000);
    ck_assert_double_eq_tol(tr_pace_interval_ns(&p), 1e7, 1e-6);
    /* 3 pps: 333,333,333.3 ns gaps; the millionth due time must not drift */
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_CONST, 3, 1, 0, 1), 0);
    ck_assert_uint_eq(tr_pace_next(&p), 0);
    ck_assert_uint_eq(tr_pace_next(&p), 333333333);
    ck_assert_uint_eq(tr_pace_next(&p), 666666666);
    ck_assert_uint_eq(tr_pace_next(&p), 1000000000);
    p.k = 3000000; /* one million seconds in */
    ck_assert_uint_eq(tr_pace_next(&p), 1000000000000000ull);
    /* fractional rates: 2.5 pps = 400 ms */
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_CONST, 2.5, 1, 0, 1), 0);
    tr_pace_next(&p);
    ck_assert_uint_eq(tr_pace_next(&p), 400000000);
}
END_TEST

START_TEST(poisson_mean_and_cv)
{
    struct tr_pace p;
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_POISSON, 100000, 4, 0, 42), 0);
    enum { K = 200000 };
    uint64_t prev = tr_pace_next(&p);
    ck_assert_uint_eq(prev, 0);
    double sum = 0, sumsq = 0;
    for (int i = 0; i < K; i++) {
        uint64_t d = tr_pace_next(&p);
        if (d < prev)
            ck_abort_msg("due times went backwards at %d", i);
        double gap = (double)(d - prev);
        sum += gap;
        sumsq += gap * gap;
        prev = d;
    }
    double mean = sum / K, sd = sqrt(sumsq / K - mean * mean);
    /* mean gap = burst / rate = 40 us; exponential: sd == mean */
    ck_assert_double_eq_tol(mean, 40000, 40000 * 0.01);
    ck_assert_double_eq_tol(sd / mean, 1.0, 0.02);
    /* the long-run rate matches: K bursts of 4 over prev ns */
    ck_assert_double_eq_tol(4.0 * K / ((double)prev / 1e9), 100000, 1000);
}
END_TEST

START_TEST(rng_deterministic)
{
    uint64_t a = tr_rng_seed(7), b = tr_rng_seed(7), c = tr_rng_seed(8);
    int same = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = tr_rng_next(&a), y = tr_rng_next(&b), z = tr_rng_next(&c);
        ck_assert_uint_eq(x, y);
        same += x == z;
    }
    ck_assert_int_lt(same, 2);
    ck_assert_uint_ne(tr_rng_seed(0), 0);
    int outside = 0;
    for (int i = 0; i < 100000; i++) {
        double u = tr_rng_unit(&a);
        outside += !(u > 0 && u <= 1);
    }
    ck_assert_int_eq(outside, 0);
}
END_TEST

START_TEST(bad_init)
{
    struct tr_pace p;
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_CONST, 0, 1, 0, 1), -EINVAL);
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_CONST, -5, 1, 0, 1), -EINVAL);
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_CONST, NAN, 1, 0, 1), -EINVAL);
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_CONST, INFINITY, 1, 0, 1), -EINVAL);
    ck_assert_int_eq(tr_pace_init(&p, TR_PACE_CONST, 10, 0, 0, 1), -EINVAL);
}
END_TEST

START_TEST(wait_until_lands)
{
    /* Never early; late by under 2 ms in at least one of five tries: a
     * loaded 2-vCPU host (parallel builds) can delay any one wake-up by
     * milliseconds, but a wait that overshoots by design fails all five. */
    uint64_t now = 0, best = UINT64_MAX;
    for (int t = 0; t < 5 && best >= 2000000; t++) {
        uint64_t due = scc_now_ns() + 3000000; /* 3 ms */
        ck_assert_int_eq(tr_pace_wait_until(due, 50000), 0);
        now = scc_now_ns();
        ck_assert_uint_ge(now, due);
        if (now - due < best)
            best = now - due;
    }
    ck_assert_uint_lt(best, 2000000);
    /* already past: returns at once */
    ck_assert_int_eq(tr_pace_wait_until(now - 1000, 0), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tr_pace");
    TCase *tc = tcase_create("pace");
    tcase_add_test(tc, const_rate_exact);
    tcase_add_test(tc, poisson_mean_and_cv);
    tcase_add_test(tc, rng_deterministic);
    tcase_add_test(tc, bad_init);
    tcase_add_test(tc, wait_until_lands);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
