/*
 * The pure parts of `scc experiment` / `scc tune` (launcher/exp_calc.c):
 * median, coefficient of variation, the least-squares line of median
 * latency against chain length, the configurations each sweep measures
 * and what applying one does to a chain spec. Numbers are worked by hand.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/exp.h"

START_TEST(median_odd_even_empty)
{
    double a[] = {5, 1, 3};
    ck_assert_double_eq_tol(exp_median(a, 3), 3, 1e-12);
    double b[] = {4, 1, 3, 2};
    ck_assert_double_eq_tol(exp_median(b, 4), 2.5, 1e-12);
    ck_assert(isnan(exp_median(b, 0)));
}
END_TEST

START_TEST(cv_sample)
{
    /* mean 5, deviations -3,-1,1,3: ss 20, sample var 20/3 */
    double v[] = {2, 4, 6, 8}, cv;
    ck_assert_int_eq(exp_cv(v, 4, &cv), 0);
    ck_assert_double_eq_tol(cv, sqrt(20.0 / 3.0) / 5.0, 1e-12);
    double same[] = {7, 7, 7};
    ck_assert_int_eq(exp_cv(same, 3, &cv), 0);
    ck_assert_double_eq_tol(cv, 0, 1e-12);
    ck_assert_int_eq(exp_cv(v, 1, &cv), -EINVAL);
    double zero[] = {-1, 1};
    ck_assert_int_eq(exp_cv(zero, 2, &cv), -EINVAL);
}
END_TEST

START_TEST(linfit_exact_and_noisy)
{
    /* 8 routers at 12 us per NF + 20 us: y = 12000 x + 20000 */
    double x[8], y[8];
    for (int i = 0; i < 8; i++) {
        x[i] = i + 1;
        y[i] = 12000 * (i + 1) + 20000;
    }
    struct exp_fit f;
    ck_assert_int_eq(exp_linfit(x, y, 8, &f), 0);
    ck_assert_double_eq_tol(f.slope, 12000, 1e-6);
    ck_assert_double_eq_tol(f.intercept, 20000, 1e-6);
    ck_assert_double_eq_tol(f.r2, 1, 1e-12);
    ck_assert_uint_eq(f.n, 8);
    /* (1,1) (2,3) (3,2): slope 0.5, intercept 1, r2 = 0.25 */
    double x2[] = {1, 2, 3}, y2[] = {1, 3, 2};
    ck_assert_int_eq(exp_linfit(x2, y2, 3, &f), 0);
    ck_assert_double_eq_tol(f.slope, 0.5, 1e-12);
    ck_assert_double_eq_tol(f.intercept, 1, 1e-12);
    ck_assert_double_eq_tol(f.r2, 0.25, 1e-12);
    double xs[] = {4, 4};
    ck_assert_int_eq(exp_linfit(xs, y2, 2, &f), -EINVAL);
    ck_assert_int_eq(exp_linfit(x2, y2, 1, &f), -EINVAL);
}
END_TEST

START_TEST(chain_length_confs)
{
    const struct exp_conf *c;
    size_t q = exp_chain_length_confs(true, &c), n = exp_chain_length_confs(false, &c);
    ck_assert_uint_eq(q, 2);
    ck_assert_uint_eq(n, 5);
    /* the baseline the noise and ratios refer to comes first */
    ck_assert_str_eq(c[0].name, "default");
    ck_assert_int_eq(c[0].batch, 1);
    bool fused = false, order = false;
    for (size_t i = 0; i < n; i++) {
        fused |= c[i].mode && !strcmp(c[i].mode, "fused");
        order |= c[i].mode && !strcmp(c[i].mode, "chain-order") && c[i].batch == 32;
    }
    ck_assert(fused && order);
}
END_TEST

START_TEST(tune_confs_fit_machine)
{
    struct exp_conf c[16];
    size_t n2 = exp_tune_confs(false, 2, 3, c, 16);
    for (size_t i = 0; i < n2; i++)
        ck_assert_msg(!c[i].idle || strcmp(c[i].idle, "busy"),
                      "busy idle offered on 2 cores for 3 NFs");
    size_t n8 = exp_tune_confs(false, 8, 3, c, 16);
    ck_assert_uint_eq(n8, n2 + 2);
    ck_assert_str_eq(c[n8 - 1].idle, "busy");
    ck_assert(c[n8 - 1].spread && c[n8 - 2].spread); /* busy only on a core of its own */
    /* 4 cores, 3 NFs: core 0 for traffic, 1..3 for the NFs */
    ck_assert_uint_eq(exp_tune_confs(false, 4, 3, c, 16), n8);
    ck_assert_uint_eq(exp_tune_confs(false, 3, 3, c, 16), n2);
    ck_assert_str_eq(c[0].name, "as given");
    /* one NF: nothing to fuse */
    size_t n1 = exp_tune_confs(true, 2, 1, c, 16);
    for (size_t i = 0; i < n1; i++)
        ck_assert(!c[i].mode || strcmp(c[i].mode, "fused"));
    ck_assert_uint_le(exp_tune_confs(false, 8, 3, c, 2), 2);
}
END_TEST

START_TEST(apply_and_routers)
{
    struct exp_traffic t = {.rate_pps = 15000, .size = 64, .duration_s = 1, .warmup_s = 0.3,
                            .gen_cpu = 0, .sink_cpu = -1};
    struct json_object *s = exp_spec_routers("x1", 3, 1, "bridge", "raw", &t), *v, *nfs, *sc;
    ck_assert_ptr_nonnull(s);
    ck_assert(json_object_object_get_ex(s, "nfs", &nfs));
    ck_assert_uint_eq(json_object_array_length(nfs), 3);
    ck_assert(json_object_object_get_ex(s, "traffic", &v));
    struct json_object *x;
    ck_assert(!json_object_object_get_ex(v, "sink_cpu", &x));
    ck_assert(json_object_object_get_ex(v, "gen_cpu", &x));
    struct json_object *sched = json_object_new_object();
    json_object_object_add(sched, "policy", json_object_new_string("fifo"));
    json_object_object_add(json_object_array_get_idx(nfs, 1), "sched", sched);
    struct exp_conf c = {.name = "t", .batch = 32, .policy = "batch", .slice_ms = 100,
                         .mode = "chain-order", .one_core = true};
    ck_assert_int_eq(exp_conf_apply(s, &c, 5), 0);
    ck_assert(json_object_object_get_ex(s, "io", &v));
    ck_assert(json_object_object_get_ex(v, "batch", &x));
    ck_assert_int_eq(json_object_get_int(x), 32);
    ck_assert(json_object_object_get_ex(s, "scheduler", &sc));
    ck_assert(json_object_object_get_ex(sc, "mode", &x));
    ck_assert_str_eq(json_object_get_string(x), "chain-order");
    ck_assert(json_object_object_get_ex(sc, "slice_ms", &x));
    ck_assert_double_eq_tol(json_object_get_double(x), 100, 1e-9);
    /* a new policy drops per-NF sched objects written for the old one */
    ck_assert(!json_object_object_get_ex(json_object_array_get_idx(nfs, 1), "sched", &x));
    for (size_t i = 0; i < 3; i++) {
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(nfs, i), "cpu", &x));
        ck_assert_int_eq(json_object_get_int(x), 5);
    }
    /* "keep" fields keep */
    struct exp_conf keep = {.name = "k", .slice_ms = -1};
    ck_assert_int_eq(exp_conf_apply(s, &keep, 0), 0);
    ck_assert(json_object_object_get_ex(s, "io", &v));
    ck_assert(json_object_object_get_ex(v, "batch", &x));
    ck_assert_int_eq(json_object_get_int(x), 32);
    /* a core per NF: 1, 2, 3; refused when the cores are too few */
    struct exp_conf sp = {.name = "s", .slice_ms = -1, .spread = true};
    ck_assert_int_eq(exp_conf_apply(s, &sp, 3), 0);
    for (size_t i = 0; i < 3; i++) {
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(nfs, i), "cpu", &x));
        ck_assert_int_eq(json_object_get_int(x), 1 + (int)i);
    }
    ck_assert_int_eq(exp_conf_apply(s, &sp, 2), -EINVAL);
    json_object_put(s);
    struct json_object *bad = json_object_new_object();
    ck_assert_int_eq(exp_conf_apply(bad, &c, 0), -EINVAL);
    json_object_put(bad);
    ck_assert_ptr_null(exp_spec_routers("x", 0, 1, "b2b", "raw", &t));
}
END_TEST

/* A sweep that has not run: its page and JSON say "not measured" (null),
 * never 0, and markup in a name (user input, via tune's chain name) is
 * escaped. */
START_TEST(unrun_sweep_page_and_json)
{
    struct exp_sweep *s = exp_sweep_new("t", 2, false);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(exp_sweep_add(s, "<script>g</script>", "c&\"'", 4, "4 <routers>",
                                   json_object_new_object()),
                     0);
    exp_sweep_set_noise(s, 0, 3);
    double cv;
    size_t n, pt;
    ck_assert(!exp_sweep_noise(s, &cv, &n, &pt));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(exp_write_html(f, "<t>", s, NULL), 0);
    fclose(f);
    ck_assert_ptr_null(strstr(buf, "<script>"));
    ck_assert_ptr_nonnull(strstr(buf, "&lt;script&gt;g&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(buf, "c&amp;&quot;&#39;"));
    ck_assert_ptr_nonnull(strstr(buf, "not measured"));
    /* a point is named by what it is, never by its x */
    ck_assert_ptr_nonnull(strstr(buf, "c&amp;&quot;&#39;, 4 &lt;routers&gt;"));
    ck_assert_ptr_null(strstr(buf, "x=4"));
    free(buf);
    struct json_object *j = exp_sweep_json(s, NULL), *pts, *noise, *v;
    ck_assert(json_object_object_get_ex(j, "points", &pts));
    ck_assert_uint_eq(json_object_array_length(pts), 1);
    struct json_object *med, *lat;
    ck_assert(json_object_object_get_ex(json_object_array_get_idx(pts, 0), "median", &med));
    ck_assert(json_object_object_get_ex(med, "latency_ns", &lat));
    ck_assert(json_object_object_get_ex(lat, "p50", &v));
    ck_assert_ptr_null(v); /* null, not 0 */
    ck_assert(json_object_object_get_ex(j, "noise", &noise));
    ck_assert(json_object_object_get_ex(noise, "cv_p50", &v));
    ck_assert_ptr_null(v);
    json_object_put(j);
    exp_sweep_free(s);
}
END_TEST

/* Colocation's arithmetic: sums, loss, ratios of sums, the typical bundle
 * and the fairness spread, worked by hand. */
START_TEST(bundles_aggregate)
{
    struct exp_fig b[3];
    memset(b, 0, sizeof(b));
    const double p50[] = {30000, 10000, 20000}, p99[] = {90000, 50000, 400000};
    for (int i = 0; i < 3; i++) {
        b[i].ok = b[i].have_lat = b[i].have_sched = b[i].have_unacc = true;
        b[i].p1 = p50[i] / 2;
        b[i].p25 = p50[i] - 1000;
        b[i].p50 = p50[i];
        b[i].p75 = p50[i] + 2000 * (i + 1);
        b[i].p99 = p99[i];
        b[i].sent = 1000;
        b[i].received = 1000 - 100 * i;
        b[i].dropped = 100 * i;
        b[i].pps = 5000 + 1000 * i;
        b[i].wall_s = 3 + i;
    }
    /* bundle 0 forwarded 3x the packets of the others at half the cost:
     * the chain's CPU per packet is total time / total packets */
    b[0].nf_rx = 3000, b[0].run_ns_tot = 3000 * 1000.0, b[0].calls_tot = 6000, b[0].cs_tot = 3000;
    b[1].nf_rx = 1000, b[1].run_ns_tot = 1000 * 2000.0, b[1].calls_tot = 2000, b[1].cs_tot = 2000;
    b[2].nf_rx = 1000, b[2].run_ns_tot = 1000 * 2000.0, b[2].calls_tot = 2000, b[2].cs_tot = 1000;
    b[0].wait_ns_tot = 700000;
    struct exp_fig a;
    ck_assert_int_eq(exp_bundles_aggregate(b, 3, &a), 0);
    ck_assert(a.ok && a.have_lat && a.have_sched && a.have_fair);
    ck_assert_uint_eq(a.nbundle, 3);
    ck_assert_double_eq_tol(a.sent, 3000, 1e-9);
    ck_assert_double_eq_tol(a.received, 2700, 1e-9);
    ck_assert_double_eq_tol(a.dropped, 300, 1e-9);
    ck_assert_double_eq_tol(a.pps, 18000, 1e-9);
    ck_assert_double_eq_tol(a.loss, 0.1, 1e-12);
    ck_assert_double_eq_tol(a.cpu_pp, 7e6 / 5000, 1e-9); /* 1400, not the mean 1667 */
    ck_assert_double_eq_tol(a.syscalls_pp, 10000.0 / 5000, 1e-12);
    ck_assert_double_eq_tol(a.cs_pp, 6000.0 / 5000, 1e-12);
    ck_assert_double_eq_tol(a.wait_over_run, 0.7e6 / 7e6, 1e-12);
    /* the typical bundle: the median of each percentile */
    ck_assert_double_eq_tol(a.p50, 20000, 1e-9);
    ck_assert_double_eq_tol(a.p1, 10000, 1e-9);
    ck_assert_double_eq_tol(a.p75, 26000, 1e-9); /* of 32000, 14000, 26000 */
    ck_assert_double_eq_tol(a.p25, 19000, 1e-9); /* of 29000, 9000, 19000 */
    ck_assert_double_eq_tol(a.p99, 90000, 1e-9);
    ck_assert_double_eq_tol(a.iqr, a.p75 - a.p25, 1e-9);
    /* fairness: the bundles' medians 10-20-30 us, the worst p99 400 us */
    ck_assert_double_eq_tol(a.b_p50_min, 10000, 1e-9);
    ck_assert_double_eq_tol(a.b_p50_med, 20000, 1e-9);
    ck_assert_double_eq_tol(a.b_p50_max, 30000, 1e-9);
    ck_assert_double_eq_tol(a.b_p99_max, 400000, 1e-9);
    ck_assert_double_eq_tol(a.wall_s, 5, 1e-12);

    /* one bundle without latency: counts still sum, no typical bundle */
    b[1].have_lat = false;
    ck_assert_int_eq(exp_bundles_aggregate(b, 3, &a), 0);
    ck_assert(a.ok && !a.have_lat && !a.have_fair);
    ck_assert_double_eq_tol(a.received, 2700, 1e-9);
    b[1].have_lat = true;
    /* a failed bundle voids the repetition and says which */
    b[2].ok = false;
    snprintf(b[2].err, sizeof(b[2].err), "scc run exited 1: boom");
    ck_assert_int_eq(exp_bundles_aggregate(b, 3, &a), 0);
    ck_assert(!a.ok && !a.have_lat && !a.have_sched);
    ck_assert_str_eq(a.err, "bundle 3: scc run exited 1: boom");
    /* one bundle is its own aggregate */
    b[2].ok = true;
    ck_assert_int_eq(exp_bundles_aggregate(b + 1, 1, &a), 0);
    ck_assert_double_eq_tol(a.b_p50_min, 10000, 1e-9);
    ck_assert_double_eq_tol(a.b_p50_max, 10000, 1e-9);
    ck_assert_double_eq_tol(a.p99, 50000, 1e-9);
    ck_assert_double_eq_tol(a.loss, 0.1, 1e-12);
    ck_assert_int_eq(exp_bundles_aggregate(b, 0, &a), -EINVAL);
    ck_assert_int_eq(exp_bundles_aggregate(b, EXP_MAX_BUNDLES + 1, &a), -EINVAL);
}
END_TEST

/* a chain that is lossless up to `limit` pps; counts its trials */
struct fake_chain {
    long limit;
    int trials;
    int fail_at; /* the trial that reports an error (interrupted); 0: none */
};

static int fake_probe(const void *arg, long rate, bool *ok)
{
    struct fake_chain *c = (struct fake_chain *)arg;
    if (++c->trials == c->fail_at)
        return -EINTR;
    *ok = rate <= c->limit;
    return 0;
}

START_TEST(zero_loss_search)
{
    bool ceil;
    /* lossless at the ceiling: "at least 80000" after one trial, never a
     * rate "found" just below the ceiling */
    struct fake_chain c = {.limit = 1000000};
    ck_assert_int_eq(exp_zero_loss_search(1000, 80000, 6, &ceil, fake_probe, &c), 80000);
    ck_assert(ceil);
    ck_assert_int_eq(c.trials, 1);
    /* a limit inside: probes 80000 (lossy), then 40500 ok, 60250 lossy,
     * 50375 lossy, 45437 ok, 47906 lossy: 45437 within (80000-1000)/32 */
    c = (struct fake_chain){.limit = 47000};
    long r = exp_zero_loss_search(1000, 80000, 6, &ceil, fake_probe, &c);
    ck_assert(!ceil);
    ck_assert_int_eq(c.trials, 6);
    ck_assert_int_eq(r, 45437);
    ck_assert(r <= 47000 && 47000 - r <= (80000 - 1000) / 32);
    /* lossy everywhere: 0, not the floor */
    c = (struct fake_chain){.limit = 10};
    ck_assert_int_eq(exp_zero_loss_search(1000, 80000, 6, &ceil, fake_probe, &c), 0);
    ck_assert(!ceil);
    /* interrupted at the third trial: the best so far */
    c = (struct fake_chain){.limit = 47000, .fail_at = 3};
    ck_assert_int_eq(exp_zero_loss_search(1000, 80000, 6, &ceil, fake_probe, &c), 40500);
    c = (struct fake_chain){.limit = 47000, .fail_at = 1};
    ck_assert_int_eq(exp_zero_loss_search(1000, 80000, 6, &ceil, fake_probe, &c), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("exp");
    TCase *tc = tcase_create("calc");
    tcase_add_test(tc, median_odd_even_empty);
    tcase_add_test(tc, cv_sample);
    tcase_add_test(tc, linfit_exact_and_noisy);
    tcase_add_test(tc, chain_length_confs);
    tcase_add_test(tc, tune_confs_fit_machine);
    tcase_add_test(tc, apply_and_routers);
    tcase_add_test(tc, unrun_sweep_page_and_json);
    tcase_add_test(tc, bundles_aggregate);
    tcase_add_test(tc, zero_loss_search);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
