/* profiler: Intel PCM's CSV (tests/fixtures/profiler/pcm.csv, written by
 * hand in the layout pcm's source documents — not captured from a real
 * run): columns found by group and metric, the cores' L2/L3 hit ratios
 * averaged over the intervals, the system's READ/WRITE summed; the
 * socket's own L3HIT and the system's are not taken for a core's. And the
 * probe: on a host that cannot run pcm it says why. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiler/prof_pcm.h"

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-9, "%s = %.12g, want %.12g", #a, (a), (b))

static struct prof_pcm_result r;

START_TEST(parses_the_documented_layout)
{
    const char *src = getenv("SCC_SOURCE_DIR");
    char path[512], err[256] = "";
    snprintf(path, sizeof(path), "%s/tests/fixtures/profiler/pcm.csv", src ? src : ".");
    ck_assert_msg(prof_pcm_parse_file(path, &r, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(r.rows, 2);
    ck_assert(r.have_traffic);
    NEAR(r.read_gb, 2.0);   /* 1.25 + 0.75 */
    NEAR(r.write_gb, 0.75); /* 0.5 + 0.25 */
    ck_assert_uint_eq(r.ncores, 2);
    const struct prof_pcm_core *c0 = prof_pcm_core(&r, 0), *c1 = prof_pcm_core(&r, 1);
    ck_assert_ptr_nonnull(c0);
    ck_assert_ptr_nonnull(c1);
    ck_assert(c0->have_l2hit && c0->have_l3hit);
    NEAR(c0->l3hit, 0.45); /* (0.40 + 0.50) / 2 */
    NEAR(c0->l2hit, 0.85);
    NEAR(c1->l3hit, 0.20);
    NEAR(c1->l2hit, 0.65);
    ck_assert_int_eq(c1->socket, 0);
    ck_assert_ptr_null(prof_pcm_core(&r, 7));
}
END_TEST

static int parse_text(const char *text, char *err, size_t len)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    ck_assert_ptr_nonnull(f);
    int rc = prof_pcm_parse(f, &r, err, len);
    fclose(f);
    return rc;
}

START_TEST(bad_files_say_why)
{
    char err[256];
    ck_assert_int_eq(parse_text("Date,Time\n1,2\n", err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "no pcm CSV header"));
    ck_assert_int_eq(parse_text("System,System,Core0 (Socket 0),\nDate,Time,L3HIT,\n", err,
                                sizeof(err)),
                     -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "no data row"));
    /* N/A and nan are not numbers: that core has no ratio, never a 0 */
    ck_assert_int_eq(parse_text("System,System,Core3 (Socket 1),Core3 (Socket 1),\n"
                                "Date,Time,L3HIT,L2HIT,\nd,t,N/A,0.5,\n",
                                err, sizeof(err)),
                     0);
    const struct prof_pcm_core *c = prof_pcm_core(&r, 3);
    ck_assert_ptr_nonnull(c);
    ck_assert(!c->have_l3hit);
    ck_assert(c->have_l2hit);
    ck_assert_int_eq(c->socket, 1);
    ck_assert(!r.have_traffic);
    ck_assert_int_lt(prof_pcm_parse_file("/nonexistent/pcm.csv", &r, err, sizeof(err)), 0);
}
END_TEST

START_TEST(probe_says_why_not)
{
    char path[256], reason[256];
    int rc = prof_pcm_probe(path, sizeof(path), reason, sizeof(reason));
    if (rc == 0) {
        ck_assert_str_ne(path, "");
        return;
    }
    ck_assert_str_ne(reason, "");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    bool intel = false;
    while (f && fgets(line, sizeof(line), f))
        if (strstr(line, "vendor_id") && strstr(line, "GenuineIntel"))
            intel = true;
    if (f)
        fclose(f);
    if (!intel) {
        ck_assert_int_eq(rc, -ENOTSUP);
        ck_assert_ptr_nonnull(strstr(reason, "not an Intel CPU"));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prof_pcm");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, parses_the_documented_layout);
    tcase_add_test(tc, bad_files_say_why);
    tcase_add_test(tc, probe_says_why_not);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
