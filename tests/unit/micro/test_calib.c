/* bench/micro: calibration JSON writer/reader round trip, reader errors, and
 * loading the output of a real (--quick) calibration run. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/micro/mb_bench.h"

static void fill(struct mb_calib *c)
{
    mb_calib_init(c);
    strcpy(c->created, "2026-11-25T06:00:00Z");
    strcpy(c->cpu_model, "Test CPU \"quoted\"");
    strcpy(c->kernel, "6.18.0 #1");
    strcpy(c->online_cpus, "0-1");
    strcpy(c->governor, "unavailable: no cpufreq");
    c->cpu_mhz = 2096.5;
    c->ncaches = 2;
    c->caches[0] = (struct mb_cache){1, "Data", 49152};
    c->caches[1] = (struct mb_cache){2, "Unified", 1 << 20};
    strcpy(c->cycles_reason, "perf_event_open: No such file or directory");
    c->have = MB_HAVE_MEMORY | MB_HAVE_DTLB | MB_HAVE_CTXSW | MB_HAVE_WAKEUP | MB_HAVE_SYSCALL;
    double base[] = {1.25, 5.5, 21.0, 160.0};
    for (int k = 0; k < MB_NLEVELS; k++) {
        struct mb_level_lat *L = &c->levels[k];
        L->stat = (struct mb_stat){.available = true, .ns = base[k], .min_ns = base[k] - 0.5,
                                   .max_ns = base[k] + 1, .reps = 5};
        L->working_set = 16384u << (3 * k);
        L->nstrides = 2;
        L->per_stride[0] = (struct mb_stride_ns){64, base[k] - 0.25};
        L->per_stride[1] = (struct mb_stride_ns){9000, k ? base[k] : -1};
    }
    strcpy(c->levels[MB_LVL_L3].note, "costs like DRAM");
    c->ncurve = 2;
    c->curve = calloc(2, sizeof(*c->curve));
    c->curve[0] = (struct mb_curve_point){4096, 64, 1.2, 1.1};
    c->curve[1] = (struct mb_curve_point){4096, 9000, -1, -1};
    c->dtlb_hit = (struct mb_stat){.available = true, .ns = 4.25, .min_ns = 4, .max_ns = 5};
    mb_stat_unavailable(&c->dtlb_miss, "could not isolate");
    for (int i = 0; i < MB_NPOLICIES; i++) {
        strcpy(c->ctxsw[i].policy, i == MB_CS_RR ? "rr" : "other");
        c->ctxsw[i].sw = (struct mb_stat){.available = true, .ns = 5000 + i, .min_ns = 4900,
                                          .max_ns = 5200 + i, .reps = 5};
        c->ctxsw[i].roundtrip_ns = 16000;
        c->ctxsw[i].overhead_ns = 6000;
    }
    c->ctxsw[MB_CS_OTHER_NICE].nice = -19;
    mb_stat_unavailable(&c->ctxsw[MB_CS_FIFO].sw,
                        "sched_setscheduler(SCHED_FIFO, priority 1): Operation not permitted");
    c->wakeup_cpus[0] = 0;
    c->wakeup_cpus[1] = 1;
    c->wakeup_block = (struct mb_stat){.available = true, .ns = 20000.125, .reps = 3};
    c->wakeup_spin = (struct mb_stat){.available = true, .ns = 300, .reps = 3};
    c->sc_getppid = (struct mb_stat){.available = true, .ns = 180, .reps = 5};
    c->sc_recvmmsg = (struct mb_stat){.available = true, .ns = 400, .reps = 5};
    c->sc_sendmmsg = (struct mb_stat){.available = true, .ns = 2500, .reps = 5};
}

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 0.001, "%f != %f", (double)(a), (double)(b))

START_TEST(round_trip)
{
    struct mb_calib a, b;
    fill(&a);
    char path[] = "/tmp/mb_calib_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char err[256];
    ck_assert_int_eq(mb_calib_write(&a, path, err, sizeof(err)), 0);
    ck_assert_msg(mb_calib_load(path, &b, err, sizeof(err)) == 0, "%s", err);
    unlink(path);
    ck_assert_str_eq(b.schema, MB_CALIB_SCHEMA);
    ck_assert_str_eq(b.created, a.created);
    ck_assert_str_eq(b.cpu_model, a.cpu_model);
    ck_assert_uint_eq(b.have, a.have);
    ck_assert_uint_eq(b.ncaches, 2);
    ck_assert_uint_eq(b.caches[1].size, 1 << 20);
    ck_assert(!b.cycles_available);
    ck_assert_str_eq(b.cycles_reason, a.cycles_reason);
    NEAR(b.cpu_mhz, 2096.5);
    for (int k = 0; k < MB_NLEVELS; k++) {
        ck_assert(b.levels[k].stat.available);
        NEAR(b.levels[k].stat.ns, a.levels[k].stat.ns);
        NEAR(b.levels[k].stat.max_ns, a.levels[k].stat.max_ns);
        ck_assert_uint_eq(b.levels[k].working_set, a.levels[k].working_set);
        ck_assert(isnan(b.levels[k].cycles));
        ck_assert_uint_eq(b.levels[k].nstrides, 2);
        ck_assert_uint_eq(b.levels[k].per_stride[1].stride, 9000);
        NEAR(b.levels[k].per_stride[1].ns, a.levels[k].per_stride[1].ns);
    }
    ck_assert_str_eq(b.levels[MB_LVL_L3].note, "costs like DRAM");
    ck_assert_uint_eq(b.ncurve, 2);
    NEAR(b.curve[0].random_ns, 1.2);
    NEAR(b.curve[1].random_ns, -1);
    NEAR(b.dtlb_hit.ns, 4.25);
    ck_assert(!b.dtlb_miss.available);
    ck_assert_str_eq(b.dtlb_miss.reason, "could not isolate");
    NEAR(b.ctxsw[MB_CS_OTHER].sw.ns, 5000);
    NEAR(b.ctxsw[MB_CS_OTHER_NICE].sw.ns, 5004);
    ck_assert_int_eq(b.ctxsw[MB_CS_OTHER_NICE].nice, -19);
    ck_assert(!b.ctxsw[MB_CS_FIFO].sw.available);
    ck_assert_ptr_nonnull(strstr(b.ctxsw[MB_CS_FIFO].sw.reason, "Operation not permitted"));
    NEAR(b.ctxsw[MB_CS_RR].overhead_ns, 6000);
    NEAR(b.wakeup_block.ns, 20000.125);
    ck_assert_int_eq(b.wakeup_cpus[1], 1);
    NEAR(b.sc_sendmmsg.ns, 2500);
    mb_calib_free(&a);
    mb_calib_free(&b);
    mb_calib_free(NULL);
}
END_TEST

START_TEST(reader_errors_name_the_path)
{
    struct mb_calib c;
    char err[256];
    ck_assert_int_eq(mb_calib_load_string("{", &c, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "not JSON"));
    ck_assert_int_eq(mb_calib_load_string("{\"schema\":\"scc-calibration/2\"}", &c, err,
                                          sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "schema"));
    const char *bad_ns = "{\"schema\":\"scc-calibration/1\",\"created\":\"x\","
                         "\"machine\":{\"cpu_model\":\"m\",\"kernel\":\"k\"},"
                         "\"syscall\":{\"getppid\":{\"available\":true,\"ns\":\"fast\"},"
                         "\"recvmmsg_empty\":{\"available\":false,\"reason\":\"r\"},"
                         "\"sendmmsg_64B\":{\"available\":false,\"reason\":\"r\"}}}";
    ck_assert_int_eq(mb_calib_load_string(bad_ns, &c, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "syscall.getppid.ns") != NULL, "%s", err);
    const char *no_reason = "{\"schema\":\"scc-calibration/1\",\"created\":\"x\","
                            "\"machine\":{\"cpu_model\":\"m\",\"kernel\":\"k\"},"
                            "\"wakeup\":{\"block\":{\"available\":false},"
                            "\"spin\":{\"available\":false,\"reason\":\"r\"}}}";
    ck_assert_int_eq(mb_calib_load_string(no_reason, &c, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "wakeup.block.reason: missing") != NULL, "%s", err);
    /* a file with only the machine section is a valid (empty) calibration */
    const char *minimal = "{\"schema\":\"scc-calibration/1\",\"created\":\"x\","
                          "\"machine\":{\"cpu_model\":\"m\",\"kernel\":\"k\"}}";
    ck_assert_int_eq(mb_calib_load_string(minimal, &c, err, sizeof(err)), 0);
    ck_assert_uint_eq(c.have, 0);
    mb_calib_free(&c);
    ck_assert_int_eq(mb_calib_load("/nonexistent/calib.json", &c, err, sizeof(err)), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/calib.json"));
}
END_TEST

/* Integers in the file are range-checked before they become C integers
 * (REVIEW 3.2: a cast of a negative or huge double is undefined). */
START_TEST(reader_checks_integer_ranges)
{
    struct mb_calib c;
    char err[256];
    const char *head = "{\"schema\":\"scc-calibration/1\",\"created\":\"x\","
                       "\"machine\":{\"cpu_model\":\"m\",\"kernel\":\"k\"";
    static const struct {
        const char *tail, *path;
    } cases[] = {
        {"},\"cpu\":-1}", "cpu"},
        {"},\"cpu\":1e300}", "cpu"},
        {"},\"cpu\":1.5}", "cpu"},
        {",\"caches\":[{\"level\":1,\"size\":-4096}]}}", "machine.caches[0].size"},
        {",\"caches\":[{\"level\":1e30,\"size\":4096}]}}", "machine.caches[0].level"},
        {"},\"dtlb\":{\"pages\":-1,\"hit\":{\"available\":false,\"reason\":\"r\"},"
         "\"miss\":{\"available\":false,\"reason\":\"r\"}}}", "dtlb.pages"},
        {"},\"syscall\":{\"getppid\":{\"available\":true,\"ns\":1,\"reps\":-3},"
         "\"recvmmsg_empty\":{\"available\":false,\"reason\":\"r\"},"
         "\"sendmmsg_64B\":{\"available\":false,\"reason\":\"r\"}}}", "syscall.getppid.reps"},
        {"},\"wakeup\":{\"cpus\":[\"zero\",1],\"block\":{\"available\":false,\"reason\":\"r\"},"
         "\"spin\":{\"available\":false,\"reason\":\"r\"}}}", "wakeup.cpus[0]"},
        {"},\"wakeup\":{\"cpus\":[0,99999999999],\"block\":{\"available\":false,\"reason\":\"r\"},"
         "\"spin\":{\"available\":false,\"reason\":\"r\"}}}", "wakeup.cpus[1]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[1024];
        snprintf(json, sizeof(json), "%s%s", head, cases[i].tail);
        err[0] = '\0';
        ck_assert_msg(mb_calib_load_string(json, &c, err, sizeof(err)) == -EINVAL,
                      "case %zu (%s) loaded", i, cases[i].path);
        ck_assert_msg(strncmp(err, cases[i].path, strlen(cases[i].path)) == 0 &&
                          err[strlen(cases[i].path)] == ':',
                      "case %zu: '%s' does not start with %s:", i, err, cases[i].path);
    }
}
END_TEST

/* The real thing: a short calibration on this machine, written and read back. */
START_TEST(quick_calibrate_loads)
{
    struct mb_opts o;
    mb_opts_default(&o);
    o.quick = true;
    o.reps = 3;
    o.max_ws = 16u << 20;
    struct mb_calib c, d;
    mb_calib_init(&c);
    mb_identify(&o, &c);
    ck_assert_int_eq(mb_calibrate(&o, &c), 0);
    char path[] = "/tmp/mb_quick_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char err[256];
    ck_assert_int_eq(mb_calib_write(&c, path, err, sizeof(err)), 0);
    ck_assert_msg(mb_calib_load(path, &d, err, sizeof(err)) == 0, "%s", err);
    unlink(path);
    ck_assert_uint_eq(d.have, MB_HAVE_MEMORY | MB_HAVE_DTLB | MB_HAVE_CTXSW | MB_HAVE_WAKEUP |
                                  MB_HAVE_SYSCALL);
    ck_assert(d.quick);
    /* Physical sanity, not exact values: L1 is fast and far cheaper than DRAM. */
    ck_assert(d.levels[MB_LVL_L1].stat.available);
    ck_assert(d.levels[MB_LVL_DRAM].stat.available);
    ck_assert_double_gt(d.levels[MB_LVL_L1].stat.ns, 0.1);
    ck_assert_double_lt(d.levels[MB_LVL_L1].stat.ns, 10);
    ck_assert_double_gt(d.levels[MB_LVL_DRAM].stat.ns, 2 * d.levels[MB_LVL_L1].stat.ns);
    ck_assert_uint_gt(d.ncurve, 4);
    /* cycles are either measured or explained, never 0 */
    if (d.cycles_available)
        ck_assert_double_gt(d.cycles_per_ns, 0);
    else
        ck_assert_str_ne(d.cycles_reason, "");
    for (int i = 0; i < MB_NPOLICIES; i++) {
        const struct mb_stat *s = &d.ctxsw[i].sw;
        if (s->available)
            ck_assert_double_gt(s->ns, 0);
        else
            ck_assert_str_ne(s->reason, "");
    }
    /* as root (CI) SCHED_OTHER always works */
    ck_assert_msg(d.ctxsw[MB_CS_OTHER].sw.available, "%s", d.ctxsw[MB_CS_OTHER].sw.reason);
    ck_assert(d.sc_getppid.available);
    ck_assert(d.sc_sendmmsg.available);
    ck_assert_double_gt(d.sc_sendmmsg.ns, d.sc_getppid.ns);
    ck_assert_double_le(d.sc_getppid.min_ns, d.sc_getppid.ns);
    ck_assert_double_ge(d.sc_getppid.max_ns, d.sc_getppid.ns);
    mb_calib_free(&c);
    mb_calib_free(&d);
}
END_TEST

/* The shipped example must always load (docs/bench.md describes it). */
START_TEST(example_file_loads)
{
    const char *src = getenv("SCC_SOURCE_DIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/configs/calibration-example.json", src ? src : ".");
    struct mb_calib c;
    char err[256];
    ck_assert_msg(mb_calib_load(path, &c, err, sizeof(err)) == 0, "%s", err);
    ck_assert(c.have & MB_HAVE_MEMORY);
    ck_assert(c.have & MB_HAVE_CTXSW);
    ck_assert(c.levels[MB_LVL_L1].stat.available);
    ck_assert(!c.quick);
    mb_calib_free(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mb_calib");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reader_checks_integer_ranges);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, reader_errors_name_the_path);
    tcase_add_test(tc, quick_calibrate_loads);
    tcase_add_test(tc, example_file_loads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
