/*
 * test_tr_search — the throughput search's rate decisions
 * (tr_search_next) against a simulated path: a path that carries C pps
 * without loss and a generator that can send at most G pps. The probe
 * search must bracket C within the resolution it asks for in a few trials
 * wherever the first guess lands; the bounded search keeps its binary
 * halving and reports when it is resolved.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "bench/traffic/tr_search.h"

/* Run the decisions to the end; returns the number of trials. */
static unsigned drive(double rate, double res_pct, double C, double G, double back_factor,
                      struct tr_search_state *s)
{
    tr_search_begin(s, rate, res_pct);
    for (unsigned k = 0; k < TR_SEARCH_MAX_TRIALS; k++) {
        struct tr_search_trial t = {0};
        double r = s->rate;
        t.g.elapsed_s = 1;
        if (r <= 0) { /* unpaced probe: sends G, C * back_factor comes back */
            t.probe = true;
            t.g.achieved_pps = G;
            t.g.kept_up = true;
            t.received = (uint64_t)fmin(G, C * back_factor);
            t.pass = G <= C;
        } else {
            t.rate = r;
            t.g.achieved_pps = fmin(r, G);
            t.g.kept_up = r <= G;
            t.received = (uint64_t)fmin(r, C);
            t.pass = r <= C && r <= G;
        }
        if (!tr_search_next(s, &t))
            return k + 1;
    }
    return 0;
}

static void check_bracket(const struct tr_search_state *s, double C, double res_pct)
{
    ck_assert_msg(s->resolved, "not resolved: %.0f..%.0f", s->lo, s->hi);
    ck_assert_msg(s->lo <= C && C < s->hi, "C %.0f outside %.0f..%.0f", C, s->lo, s->hi);
    ck_assert_msg(s->hi - s->lo <= res_pct / 100 * s->hi, "bracket %.0f..%.0f wider than %g %%",
                  s->lo, s->hi, res_pct);
    ck_assert(s->best == s->lo);
}

START_TEST(probe_reaches_resolution_wherever_the_guess_lands)
{
    /* what comes back from an overloaded path: a little below capacity
     * (receive livelock), about at it, or (a burst in flight) above it */
    static const double back[] = {0.5, 0.9, 0.97, 1.0, 1.02, 1.3, 2.0};
    static const double caps[] = {93750, 281250, 1234567};
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
        for (size_t j = 0; j < sizeof(back) / sizeof(back[0]); j++) {
            struct tr_search_state s;
            unsigned n = drive(0, 1, caps[i], 4 * caps[i], back[j], &s);
            check_bracket(&s, caps[i], 1);
            /* a guess within 10 % costs a handful of trials; a far one
             * about as many as halving from the probe's send rate */
            unsigned most = back[j] >= 0.9 && back[j] <= 1.1 ? 8 : 16;
            ck_assert_msg(n >= 2 && n <= most, "C %.0f back x%.2f: %u trials (at most %u)",
                          caps[i], back[j], n, most);
        }
}
END_TEST

START_TEST(probe_passing_is_the_generator_limit)
{
    struct tr_search_state s;
    unsigned n = drive(0, 1, 500000, 300000, 1, &s); /* the path carries more than G */
    ck_assert_uint_eq(n, 1);
    ck_assert(s.resolved);
    ck_assert(s.best == 300000);
}
END_TEST

START_TEST(issue_case_two_mpps_in_seven_trials)
{
    /* Seven bounded trials from 2 Mpps land on a 31 kpps grid (12 % steps
     * at 250 kpps) and stop unresolved; the probe search resolves 2 %. */
    struct tr_search_state s;
    tr_search_begin(&s, 2000000, 2);
    unsigned n = drive(2000000, 2, 250000, 400000, 1, &s);
    ck_assert_uint_gt(n, 7); /* bounded: needs more than seven */
    check_bracket(&s, 250000, 2);
    n = drive(0, 2, 250000, 400000, 0.95, &s);
    ck_assert_uint_le(n, 7);
    check_bracket(&s, 250000, 2);
}
END_TEST

START_TEST(bounded_search)
{
    struct tr_search_state s;
    /* the bound itself passes: one trial */
    ck_assert_uint_eq(drive(5000, 1, 100000, 1e9, 1, &s), 1);
    ck_assert(s.best == 5000);
    /* otherwise halving to the resolution */
    unsigned n = drive(1000000, 1, 123456, 1e9, 1, &s);
    check_bracket(&s, 123456, 1);
    ck_assert_uint_le(n, 12);
    /* nothing passes: the rate falls below 1 pps and the search ends */
    n = drive(1000, 1, 0, 1e9, 1, &s);
    ck_assert(!s.resolved || s.best == 0);
    ck_assert(s.best == 0);
    ck_assert_uint_gt(n, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tr_search");
    TCase *tc = tcase_create("search");
    tcase_add_test(tc, probe_reaches_resolution_wherever_the_guess_lands);
    tcase_add_test(tc, probe_passing_is_the_generator_limit);
    tcase_add_test(tc, issue_case_two_mpps_in_seven_trials);
    tcase_add_test(tc, bounded_search);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
