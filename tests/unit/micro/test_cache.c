/* bench/micro: cache levels from a fake sysfs tree; sizes; the lat_ctx
 * overhead subtraction; median and spread. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/micro/mb_bench.h"

static char root[64];

static void put(const char *idx, const char *file, const char *val)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu0/cache/%s", root, idx);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu0/cache/%s/%s", root, idx, file);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s\n", val);
    fclose(f);
}

static void make_tree(void)
{
    strcpy(root, "/tmp/mb_sysfs_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    char path[256];
    const char *parts[] = {"devices", "system", "cpu", "cpu0", "cache"};
    size_t len = (size_t)snprintf(path, sizeof(path), "%s", root);
    for (size_t i = 0; i < 5; i++) {
        len += (size_t)snprintf(path + len, sizeof(path) - len, "/%s", parts[i]);
        ck_assert_int_eq(mkdir(path, 0755), 0);
    }
}

static void rm_tree(void)
{
    /* fork+execve of rm -r with an argv array: no shell. */
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"rm", "-rf", root, NULL};
        execv("/bin/rm", argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
}

START_TEST(levels_from_fake_sysfs)
{
    make_tree();
    /* index order deliberately not level order; an instruction cache to skip */
    put("index3", "level", "3"), put("index3", "type", "Unified"), put("index3", "size", "32768K");
    put("index0", "level", "1"), put("index0", "type", "Data"), put("index0", "size", "48K");
    put("index1", "level", "1"), put("index1", "type", "Instruction"), put("index1", "size", "32K");
    put("index2", "level", "2"), put("index2", "type", "Unified"), put("index2", "size", "1024K");
    struct prof_calib_cache c[PROF_CALIB_MAX_CACHES];
    int n = mb_cache_detect_sysfs(root, c, PROF_CALIB_MAX_CACHES);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(c[0].level, 1);
    ck_assert_str_eq(c[0].type, "Data");
    ck_assert_uint_eq(c[0].size, 48 * 1024);
    ck_assert_int_eq(c[1].level, 2);
    ck_assert_uint_eq(c[1].size, 1024 * 1024);
    ck_assert_int_eq(c[2].level, 3);
    ck_assert_uint_eq(c[2].size, 32ull << 20);
    char src[128];
    ck_assert_int_eq(mb_cache_detect(root, c, PROF_CALIB_MAX_CACHES, src, sizeof(src)), 3);
    ck_assert_ptr_nonnull(strstr(src, "sysfs"));
    /* a malformed size is skipped, not misread */
    put("index2", "size", "lots");
    ck_assert_int_eq(mb_cache_detect_sysfs(root, c, PROF_CALIB_MAX_CACHES), 2);
    ck_assert_int_eq(c[1].level, 3);
    rm_tree();
}
END_TEST

START_TEST(absent_tree)
{
    struct prof_calib_cache c[PROF_CALIB_MAX_CACHES];
    ck_assert_int_eq(mb_cache_detect_sysfs("/nonexistent-scc-root", c, PROF_CALIB_MAX_CACHES),
                     -ENOENT);
    char src[128];
    int n = mb_cache_detect("/nonexistent-scc-root", c, PROF_CALIB_MAX_CACHES, src, sizeof(src));
    /* falls back to CPUID via sysconf; either it knows something or says so */
    if (n > 0)
        ck_assert_ptr_nonnull(strstr(src, "CPUID"));
    else
        ck_assert_int_eq(n, -ENOENT);
}
END_TEST

START_TEST(sizes)
{
    uint64_t v;
    ck_assert_int_eq(mb_parse_size("48K", &v), 0);
    ck_assert_uint_eq(v, 49152);
    ck_assert_int_eq(mb_parse_size("32M", &v), 0);
    ck_assert_uint_eq(v, 32ull << 20);
    ck_assert_int_eq(mb_parse_size("2GiB", &v), 0);
    ck_assert_uint_eq(v, 2ull << 30);
    ck_assert_int_eq(mb_parse_size("4096", &v), 0);
    ck_assert_uint_eq(v, 4096);
    ck_assert_int_eq(mb_parse_size("K", &v), -EINVAL);
    ck_assert_int_eq(mb_parse_size("12Q", &v), -EINVAL);
    ck_assert_int_eq(mb_parse_size("-1K", &v), -EINVAL);
}
END_TEST

START_TEST(overhead_subtraction)
{
    double s;
    /* 16.5 us round trip, 5.9 us of pipe syscalls: (16.5-5.9)/2 per switch */
    ck_assert_int_eq(mb_ctxsw_per_switch(16500, 5900, &s), 0);
    ck_assert(fabs(s - 5300) < 1e-9);
    ck_assert_int_eq(mb_ctxsw_per_switch(1000, 0, &s), 0);
    ck_assert(fabs(s - 500) < 1e-9);
    s = -1;
    ck_assert_int_eq(mb_ctxsw_per_switch(5000, 5000, &s), -ERANGE);
    ck_assert_int_eq(mb_ctxsw_per_switch(4000, 5000, &s), -ERANGE);
    ck_assert(s == -1); /* untouched on failure */
    ck_assert_int_eq(mb_ctxsw_per_switch(NAN, 1, &s), -EINVAL);
    ck_assert_int_eq(mb_ctxsw_per_switch(1, INFINITY, &s), -EINVAL);
    ck_assert_int_eq(mb_ctxsw_per_switch(-1, 0, &s), -EINVAL);
}
END_TEST

START_TEST(median_and_spread)
{
    struct prof_calib_stat st;
    double odd[] = {5, 1, 9, 3, 7};
    mb_stat_from(&st, odd, 5);
    ck_assert(st.available);
    ck_assert(st.ns == 5 && st.min_ns == 1 && st.max_ns == 9);
    ck_assert_uint_eq(st.reps, 5);
    double even[] = {4, 1, 3, 2};
    mb_stat_from(&st, even, 4);
    ck_assert(st.ns == 2.5);
    mb_stat_from(&st, even, 0);
    ck_assert(!st.available);
    ck_assert_str_ne(st.reason, "");
    mb_stat_unavailable(&st, "sched_setscheduler: %s", "Operation not permitted");
    ck_assert(!st.available && st.ns == 0);
    ck_assert_str_eq(st.reason, "sched_setscheduler: Operation not permitted");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prof_calib_cache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, levels_from_fake_sysfs);
    tcase_add_test(tc, absent_tree);
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, overhead_subtraction);
    tcase_add_test(tc, median_and_spread);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
