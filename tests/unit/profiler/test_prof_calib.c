/* profiler: calibration JSON writer/reader round trip, reader errors, and
 * the shipped example. (Loading the output of a real --quick calibration run
 * is tests/unit/micro/test_calib.c: it needs the benchmarks.) */
#include <check.h>
#include <sys/stat.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profiler/prof_calib.h"

/* What bench/micro's mb_stat_unavailable does: zeroed, with a reason. */
static void unavailable(struct prof_calib_stat *s, const char *reason)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->reason, sizeof(s->reason), "%s", reason);
}

static void fill(struct prof_calib *c)
{
    prof_calib_init(c);
    strcpy(c->created, "2026-11-25T06:00:00Z");
    strcpy(c->cpu_model, "Test CPU \"quoted\"");
    strcpy(c->kernel, "6.18.0 #1");
    strcpy(c->online_cpus, "0-1");
    strcpy(c->governor, "unavailable: no cpufreq");
    c->cpu_mhz = 2096.5;
    c->ncaches = 2;
    c->caches[0] = (struct prof_calib_cache){1, "Data", 49152};
    c->caches[1] = (struct prof_calib_cache){2, "Unified", 1 << 20};
    strcpy(c->cycles_reason, "perf_event_open: No such file or directory");
    c->have = PROF_CALIB_HAVE_MEMORY | PROF_CALIB_HAVE_DTLB | PROF_CALIB_HAVE_CTXSW |
              PROF_CALIB_HAVE_WAKEUP | PROF_CALIB_HAVE_SYSCALL | PROF_CALIB_HAVE_TLB;
    c->tlb[PROF_CALIB_TLB_STLB_HIT] = (struct prof_calib_stat){.available = true, .ns = 7.5, .reps = 5};
    c->tlb[PROF_CALIB_TLB_WALK] = (struct prof_calib_stat){.available = true, .ns = 31.25, .reps = 5};
    unavailable(&c->tlb[PROF_CALIB_TLB_WALK_DRAM], "page tables stayed in cache");
    double base[] = {1.25, 5.5, 21.0, 160.0};
    for (int k = 0; k < PROF_CALIB_NLEVELS; k++) {
        struct prof_calib_level_lat *L = &c->levels[k];
        L->stat = (struct prof_calib_stat){.available = true,
                                           .ns = base[k],
                                           .min_ns = base[k] - 0.5,
                                           .max_ns = base[k] + 1,
                                           .reps = 5};
        L->working_set = 16384u << (3 * k);
        L->nstrides = 2;
        L->per_stride[0] = (struct prof_calib_stride_ns){64, base[k] - 0.25};
        L->per_stride[1] = (struct prof_calib_stride_ns){9000, k ? base[k] : -1};
    }
    strcpy(c->levels[PROF_CALIB_L3].note, "costs like DRAM");
    c->ncurve = 2;
    c->curve = calloc(2, sizeof(*c->curve));
    c->curve[0] = (struct prof_calib_curve_point){4096, 64, 1.2, 1.1};
    c->curve[1] = (struct prof_calib_curve_point){4096, 9000, -1, -1};
    c->dtlb_hit = (struct prof_calib_stat){.available = true, .ns = 4.25, .min_ns = 4, .max_ns = 5};
    unavailable(&c->dtlb_miss, "could not isolate");
    for (int i = 0; i < PROF_CALIB_NPOLICIES; i++) {
        strcpy(c->ctxsw[i].policy, i == PROF_CALIB_CS_RR ? "rr" : "other");
        c->ctxsw[i].sw = (struct prof_calib_stat){.available = true, .ns = 5000 + i, .min_ns = 4900,
                                          .max_ns = 5200 + i, .reps = 5};
        c->ctxsw[i].roundtrip_ns = 16000;
        c->ctxsw[i].overhead_ns = 6000;
    }
    c->ctxsw[PROF_CALIB_CS_OTHER_NICE].nice = -19;
    unavailable(&c->ctxsw[PROF_CALIB_CS_FIFO].sw,
                "sched_setscheduler(SCHED_FIFO, priority 1): Operation not permitted");
    c->wakeup_cpus[0] = 0;
    c->wakeup_cpus[1] = 1;
    c->wakeup_block = (struct prof_calib_stat){.available = true, .ns = 20000.125, .reps = 3};
    c->wakeup_spin = (struct prof_calib_stat){.available = true, .ns = 300, .reps = 3};
    c->sc_getppid = (struct prof_calib_stat){.available = true, .ns = 180, .reps = 5};
    c->sc_recvmmsg = (struct prof_calib_stat){.available = true, .ns = 400, .reps = 5};
    c->sc_sendmmsg = (struct prof_calib_stat){.available = true, .ns = 2500, .reps = 5};
}

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 0.001, "%f != %f", (double)(a), (double)(b))

START_TEST(round_trip)
{
    struct prof_calib a, b;
    fill(&a);
    char path[] = "/tmp/prof_calib_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char err[256];
    ck_assert_int_eq(prof_calib_write(&a, path, err, sizeof(err)), 0);
    ck_assert_msg(prof_calib_load(path, &b, err, sizeof(err)) == 0, "%s", err);
    unlink(path);
    ck_assert_str_eq(b.schema, PROF_CALIB_SCHEMA);
    ck_assert_str_eq(b.created, a.created);
    ck_assert_str_eq(b.cpu_model, a.cpu_model);
    ck_assert_uint_eq(b.have, a.have);
    ck_assert_uint_eq(b.ncaches, 2);
    ck_assert_uint_eq(b.caches[1].size, 1 << 20);
    ck_assert(!b.cycles_available);
    ck_assert_str_eq(b.cycles_reason, a.cycles_reason);
    NEAR(b.cpu_mhz, 2096.5);
    for (int k = 0; k < PROF_CALIB_NLEVELS; k++) {
        ck_assert(b.levels[k].stat.available);
        NEAR(b.levels[k].stat.ns, a.levels[k].stat.ns);
        NEAR(b.levels[k].stat.max_ns, a.levels[k].stat.max_ns);
        ck_assert_uint_eq(b.levels[k].working_set, a.levels[k].working_set);
        ck_assert(isnan(b.levels[k].cycles));
        ck_assert_uint_eq(b.levels[k].nstrides, 2);
        ck_assert_uint_eq(b.levels[k].per_stride[1].stride, 9000);
        NEAR(b.levels[k].per_stride[1].ns, a.levels[k].per_stride[1].ns);
    }
    ck_assert_str_eq(b.levels[PROF_CALIB_L3].note, "costs like DRAM");
    ck_assert_uint_eq(b.ncurve, 2);
    NEAR(b.curve[0].random_ns, 1.2);
    NEAR(b.curve[1].random_ns, -1);
    NEAR(b.dtlb_hit.ns, 4.25);
    ck_assert(!b.dtlb_miss.available);
    ck_assert_str_eq(b.dtlb_miss.reason, "could not isolate");
    NEAR(b.ctxsw[PROF_CALIB_CS_OTHER].sw.ns, 5000);
    NEAR(b.ctxsw[PROF_CALIB_CS_OTHER_NICE].sw.ns, 5004);
    ck_assert_int_eq(b.ctxsw[PROF_CALIB_CS_OTHER_NICE].nice, -19);
    ck_assert(!b.ctxsw[PROF_CALIB_CS_FIFO].sw.available);
    ck_assert_ptr_nonnull(strstr(b.ctxsw[PROF_CALIB_CS_FIFO].sw.reason, "Operation not permitted"));
    NEAR(b.ctxsw[PROF_CALIB_CS_RR].overhead_ns, 6000);
    NEAR(b.wakeup_block.ns, 20000.125);
    ck_assert_int_eq(b.wakeup_cpus[1], 1);
    NEAR(b.sc_sendmmsg.ns, 2500);
    NEAR(b.tlb[PROF_CALIB_TLB_STLB_HIT].ns, 7.5);
    NEAR(b.tlb[PROF_CALIB_TLB_WALK].ns, 31.25);
    ck_assert(!b.tlb[PROF_CALIB_TLB_WALK_DRAM].available);
    ck_assert_str_eq(b.tlb[PROF_CALIB_TLB_WALK_DRAM].reason, "page tables stayed in cache");
    prof_calib_free(&a);
    prof_calib_free(&b);
    prof_calib_free(NULL);
}
END_TEST

START_TEST(reader_errors_name_the_path)
{
    struct prof_calib c;
    char err[256];
    ck_assert_int_eq(prof_calib_load_string("{", &c, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "not JSON"));
    ck_assert_int_eq(prof_calib_load_string("{\"schema\":\"scc-calibration/2\"}", &c, err,
                                          sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "schema"));
    const char *bad_ns = "{\"schema\":\"scc-calibration/1\",\"created\":\"x\","
                         "\"machine\":{\"cpu_model\":\"m\",\"kernel\":\"k\"},"
                         "\"syscall\":{\"getppid\":{\"available\":true,\"ns\":\"fast\"},"
                         "\"recvmmsg_empty\":{\"available\":false,\"reason\":\"r\"},"
                         "\"sendmmsg_64B\":{\"available\":false,\"reason\":\"r\"}}}";
    ck_assert_int_eq(prof_calib_load_string(bad_ns, &c, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "syscall.getppid.ns") != NULL, "%s", err);
    const char *no_reason = "{\"schema\":\"scc-calibration/1\",\"created\":\"x\","
                            "\"machine\":{\"cpu_model\":\"m\",\"kernel\":\"k\"},"
                            "\"wakeup\":{\"block\":{\"available\":false},"
                            "\"spin\":{\"available\":false,\"reason\":\"r\"}}}";
    ck_assert_int_eq(prof_calib_load_string(no_reason, &c, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "wakeup.block.reason: missing") != NULL, "%s", err);
    /* a file with only the machine section is a valid (empty) calibration */
    const char *minimal = "{\"schema\":\"scc-calibration/1\",\"created\":\"x\","
                          "\"machine\":{\"cpu_model\":\"m\",\"kernel\":\"k\"}}";
    ck_assert_int_eq(prof_calib_load_string(minimal, &c, err, sizeof(err)), 0);
    ck_assert_uint_eq(c.have, 0);
    prof_calib_free(&c);
    ck_assert_int_eq(prof_calib_load("/nonexistent/calib.json", &c, err, sizeof(err)), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/calib.json"));
}
END_TEST

/* Integers in the file are range-checked before they become C integers
 * (REVIEW 3.2: a cast of a negative or huge double is undefined). */
START_TEST(reader_checks_integer_ranges)
{
    struct prof_calib c;
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
        ck_assert_msg(prof_calib_load_string(json, &c, err, sizeof(err)) == -EINVAL,
                      "case %zu (%s) loaded", i, cases[i].path);
        ck_assert_msg(strncmp(err, cases[i].path, strlen(cases[i].path)) == 0 &&
                          err[strlen(cases[i].path)] == ':',
                      "case %zu: '%s' does not start with %s:", i, err, cases[i].path);
    }
}
END_TEST

/* The shipped example must always load (docs/bench.md describes it). */
START_TEST(example_file_loads)
{
    const char *src = getenv("SCC_SOURCE_DIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/configs/calibration-example.json", src ? src : ".");
    struct prof_calib c;
    char err[256];
    ck_assert_msg(prof_calib_load(path, &c, err, sizeof(err)) == 0, "%s", err);
    ck_assert(c.have & PROF_CALIB_HAVE_MEMORY);
    ck_assert(c.have & PROF_CALIB_HAVE_CTXSW);
    ck_assert(c.levels[PROF_CALIB_L1].stat.available);
    ck_assert(!c.quick);
    /* written before the TLB levels existed: it loads, and they say why not */
    ck_assert(!(c.have & PROF_CALIB_HAVE_TLB));
    for (int i = 0; i < PROF_CALIB_NTLB; i++) {
        ck_assert(!c.tlb[i].available);
        ck_assert_ptr_nonnull(strstr(c.tlb[i].reason, "not in this calibration file"));
    }
    prof_calib_free(&c);
}
END_TEST

/* A calibration is a regular file of bounded size: a FIFO used to block
 * prof_calib_load in open() waiting for a writer; a directory and
 * /dev/zero are refused as what they are, without being read. */
START_TEST(load_refuses_what_is_not_a_regular_file)
{
    struct prof_calib c;
    char err[512], dir[] = "/tmp/scc-ut-calib.XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(prof_calib_load(path, &c, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "is a FIFO, not a calibration file"), "%s", err);
    ck_assert_int_eq(prof_calib_check_file(path, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(prof_calib_load("/dev/zero", &c, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "is a character device"), "%s", err);
    ck_assert_int_eq(prof_calib_load(dir, &c, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "is a directory"), "%s", err);
    unlink(path);
    /* a file past the size cap (sparse: no disk used) */
    snprintf(path, sizeof(path), "%s/big.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), (off_t)PROF_CALIB_MAX_FILE + 1), 0);
    fclose(f);
    ck_assert_int_eq(prof_calib_load(path, &c, err, sizeof(err)), -EFBIG);
    ck_assert_msg(strstr(err, "more than a calibration file's"), "%s", err);
    unlink(path);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prof_calib");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reader_checks_integer_ranges);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, reader_errors_name_the_path);
    tcase_add_test(tc, example_file_loads);
    suite_add_tcase(s, tc);
    TCase *tf = tcase_create("files");
    tcase_set_timeout(tf, 5); /* a FIFO that blocks fails here, not at 60 s */
    tcase_add_test(tf, load_refuses_what_is_not_a_regular_file);
    suite_add_tcase(s, tf);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
