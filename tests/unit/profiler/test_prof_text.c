/* profiler: the text table from the recorded fixtures — the three biggest
 * causes in words (hand-ranked below from the figures test_prof_model.c
 * checks), unavailable terms shown with their reason and never as 0, the
 * total's lacking terms, the multiplexing share, and aligned columns. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prof_fixture.h"
#include "profiler/prof_text.h"

static struct fixture fx;

static char *render(const char *file, struct prof_model **out)
{
    fixture_load(&fx, file);
    struct prof_model *m = prof_model_new(fx.in, fx.n, &fx.cal);
    ck_assert_ptr_nonnull(m);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(prof_text_write(f, m), 0);
    fclose(f);
    *out = m;
    return buf;
}

static void has(const char *text, const char *part)
{
    if (!strstr(text, part))
        fprintf(stderr, "---- report:\n%s----\n", text);
    ck_assert_msg(strstr(text, part) != NULL, "missing \"%s\" (report on stderr)", part);
}

/* The line of `text` that contains `part` (static buffer). */
static const char *line_with(const char *text, const char *part)
{
    static char line[1024];
    const char *p = strstr(text, part);
    ck_assert_msg(p != NULL, "no line with \"%s\"", part);
    const char *s = p, *e = strchr(p, '\n');
    while (s > text && s[-1] != '\n')
        s--;
    size_t n = (size_t)((e ? e : p + strlen(p)) - s);
    snprintf(line, sizeof(line), "%.*s", (int)n, s);
    return line;
}

START_TEST(intel_causes_and_table)
{
    struct prof_model *m;
    char *t = render("intel.json", &m);
    /* ranked by ns/pkt: fw wait 4100 (of 9100: 45%), fw L_CS 3000 (33%), rt L_CS 2000 (of 5000: 40%) */
    char c[3][PROF_TEXT_CAUSE_MAX];
    ck_assert_uint_eq(prof_text_causes(m, c), 3);
    ck_assert_str_eq(c[0], "fw: 45% of its time per packet is run-queue wait — it shares core 1 with rt");
    ck_assert_str_eq(c[1], "fw: 33% of its time per packet is context switches (L_CS) — 1.50 per "
                           "packet at 2000.0 ns each");
    ck_assert_str_eq(c[2], "rt: 40% of its time per packet is context switches (L_CS) — 1.00 per "
                           "packet at 2000.0 ns each");
    has(t, "Biggest causes of latency:\n  1. fw: 45% of its time per packet is run-queue wait");
    has(t, "\nfw (core 1, 100000 packets)\n");
    has(t, "\nrt (core 1, 100000 packets)\n");
    has(t, "\nchain (2 NFs, per packet: the sum over the NFs)\n");
    /* perf-stat-like: fixed columns, the number right-aligned */
    ck_assert_str_eq(line_with(t, "L_D1  loads served by L1D"),
                     "         200.000     200.0000         1.00  L_D1  loads served by L1D");
    ck_assert_str_eq(line_with(t, "4741.000"),
                     "        4741.000                            total (lacks L_TM: not in the sum)");
    ck_assert_str_eq(line_with(t, "      ns/pkt"), "          ns/pkt   events/pkt     ns/event  term");
    has(t, "   <unavailable>                            L_TM  page walks to DRAM  # no Intel event");
    has(t, "\n  Wait/RunTime                        0.820\n");
    has(t, "\n  SchedContention/RunTime             0.200\n");
    has(t, "\n  run-queue wait                   4100.000 ns/pkt\n");
    has(t, "\n        8296.500                            total (lacks L_TM: not in the sum)\n");
    ck_assert_ptr_null(strstr(t, "multiplexed"));
    free(t);
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

START_TEST(amd_causes)
{
    struct prof_model *m;
    char *t = render("amd.json", &m);
    /* nat: L_CS 1500 of 3000 ns (wait is 0: no cause), L_D1 237.5 (8%), L_SC 150 (5%) */
    char c[3][PROF_TEXT_CAUSE_MAX];
    ck_assert_uint_eq(prof_text_causes(m, c), 3);
    ck_assert_str_eq(c[0], "nat: 50% of its time per packet is context switches (L_CS) — 1.00 per "
                           "packet at 1500.0 ns each");
    ck_assert_str_eq(c[1], "nat: 8% of its time per packet is loads served by L1D (L_D1) — 237.50 "
                           "per packet at 1.0 ns each");
    ck_assert_str_eq(c[2], "nat: 5% of its time per packet is system calls (L_SC) — 0.30 per "
                           "packet at 500.0 ns each");
    has(line_with(t, "L_CS  context switches"), "# from /proc/PID/status");
    free(t);
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

/* A cause below 1% of its NF's time per packet is never listed: with fw's
 * run time 500000 ns/pkt (5e10 ns over 100000 packets) its wait is 4100 of
 * 504100 (0.8%) and its L_CS 3000 (0.6%), so rt's causes lead: L_CS 2000
 * of 5000 (40%), L_SC 1400 (28%), then its wait 1000 (20%). With rt's run as big too,
 * nothing is left, and the report says so. */
START_TEST(causes_below_one_percent_are_left_out)
{
    fixture_load(&fx, "intel.json");
    fx.in[0].proc.run_ns = 50000000000ull;
    struct prof_model *m = prof_model_new(fx.in, fx.n, &fx.cal);
    ck_assert_ptr_nonnull(m);
    char c[3][PROF_TEXT_CAUSE_MAX];
    size_t n = prof_text_causes(m, c);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(c[0], "rt: 40% of its time per packet is context switches (L_CS) — 1.00 per "
                           "packet at 2000.0 ns each");
    ck_assert_str_eq(c[1], "rt: 28% of its time per packet is system calls (L_SC) — 2.00 per "
                           "packet at 700.0 ns each");
    ck_assert_str_eq(c[2], "rt: 20% of its time per packet is run-queue wait — it shares core 1 "
                           "with fw");
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strncmp(c[i], "fw:", 3) != 0, "%s", c[i]);
    prof_model_free(m);

    fx.in[1].proc.run_ns = 50000000000ull;
    m = prof_model_new(fx.in, fx.n, &fx.cal);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(prof_text_causes(m, c), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(prof_text_write(f, m), 0);
    fclose(f);
    has(buf, "Biggest causes of latency: none above 1% of an NF's time per packet\n");
    free(buf);
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

/* fw and rt fused into one process (fused_head 1 for both): rt is a
 * function call of fw's thread, not a competitor for core 1, so fw's wait
 * names no NF of the chain; an NF of another process on the core is
 * still named. */
START_TEST(fused_nfs_are_not_core_mates)
{
    fixture_load(&fx, "intel.json");
    fx.in[0].fused_head = fx.in[1].fused_head = 1;
    struct prof_model *m = prof_model_new(fx.in, fx.n, &fx.cal);
    ck_assert_ptr_nonnull(m);
    char c[3][PROF_TEXT_CAUSE_MAX];
    ck_assert_uint_eq(prof_text_causes(m, c), 3);
    ck_assert_str_eq(c[0], "fw: 45% of its time per packet is run-queue wait — no other process "
                           "of the chain is on core 1: other tasks are");
    prof_model_free(m);

    /* rt alone in its process: fw's wait names it again */
    fx.in[1].fused_head = 0;
    m = prof_model_new(fx.in, fx.n, &fx.cal);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(prof_text_causes(m, c), 3);
    ck_assert_str_eq(c[0], "fw: 45% of its time per packet is run-queue wait — it shares core 1 "
                           "with rt");
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

/* No PMU: the hardware rows read <unavailable> with the reason, never a 0. */
START_TEST(nopmu_rows_say_unavailable)
{
    struct prof_model *m;
    char *t = render("nopmu.json", &m);
    char c[3][PROF_TEXT_CAUSE_MAX];
    ck_assert_uint_eq(prof_text_causes(m, c), 3);
    /* fw wait 4200 of 10200 (41%), fw L_CS 4000 (39%), rt L_CS 1800 of 5000 (36%) */
    ck_assert_str_eq(c[0], "fw: 41% of its time per packet is run-queue wait — no other NF of the "
                           "chain is on core 0: other tasks are");
    ck_assert_str_eq(c[1], "fw: 39% of its time per packet is context switches (L_CS) — 2.00 per "
                           "packet at 2000.0 ns each");
    ck_assert_str_eq(c[2], "rt: 36% of its time per packet is context switches (L_CS) — 1.00 per "
                           "packet at 1800.0 ns each");
    const char *l = line_with(t, "L_D1  loads served by L1D  # LS_DISPATCH");
    has(l, "<unavailable>");
    has(l, "not supported here (No such file or directory)");
    has(t, "L_D2  loads served by L2  # hardware events: libpfm4 knows no core PMU for this CPU");
    has(t, "total (lacks L_D1 L_D2 L_D3 L_DM L_T1 L_T2 L_TM: not in the sum)");
    has(t, "\n    user                      <unavailable>  # no user/system split");
    has(t, "\n  system calls                <unavailable>  # syscalls:sys_enter_recvmmsg: tracefs is "
           "not mounted");
    has(t, "# not counted: epoll_wait (syscalls:sys_enter_epoll_wait: no tracepoint "
           "/sys/kernel/tracing/events/syscalls/sys_enter_epoll_wait/id (kernel without "
           "CONFIG_FTRACE_SYSCALLS, or no such system call here))\n");
    /* no hardware row prints a number */
    for (int k = PROF_TERM_D1; k <= PROF_TERM_TM; k++) {
        char key[64];
        snprintf(key, sizeof(key), "%s  %s", prof_term_names[k], prof_term_words[k]);
        for (const char *p = strstr(t, key); p; p = strstr(p + 1, key)) {
            const char *s = p;
            while (s > t && s[-1] != '\n')
                s--;
            ck_assert_msg(strncmp(s, "   <unavailable>", 16) == 0, "a number for %s", key);
        }
    }
    free(t);
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

START_TEST(multiplexed_share_is_shown)
{
    struct prof_model *m;
    char *t = render("multiplexed.json", &m);
    has(line_with(t, "L_D1  loads served by L1D"), "(scaled, counted 25.0%)");
    has(t, "hardware counters multiplexed: counted 25.0% of the window, scaled by enabled/running");
    has(t, "L_DM  loads served by DRAM  # MEM_LOAD_RETIRED:L3_MISS: not counted");
    char c[3][PROF_TEXT_CAUSE_MAX];
    ck_assert_uint_eq(prof_text_causes(m, c), 3);
    /* rt L_CS 2000 of 5500 (36%), rt L_SC 1400 (25%), rt wait 500 (9%) > mon L_SC 400 */
    ck_assert_str_eq(c[0], "rt: 36% of its time per packet is context switches (L_CS) — 1.00 per "
                           "packet at 2000.0 ns each");
    ck_assert_str_eq(c[1], "rt: 25% of its time per packet is system calls (L_SC) — 2.00 per "
                           "packet at 700.0 ns each");
    ck_assert_str_eq(c[2], "rt: 9% of its time per packet is run-queue wait — no other NF of the "
                           "chain is on core 1: other tasks are");
    free(t);
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

START_TEST(write_error_is_reported)
{
    fixture_load(&fx, "amd.json");
    struct prof_model *m = prof_model_new(fx.in, fx.n, &fx.cal);
    FILE *f = fopen("/dev/full", "w");
    if (f) {
        ck_assert_int_eq(prof_text_write(f, m), -EIO);
        fclose(f);
    }
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

/* The NFs' own figures (nfown.json, values checked in test_prof_model.c):
 * the policy whose context-switch cost was used, the NF's own system-call
 * count, and the phase timing — with the receive phase flagged where it
 * includes waiting (block idle) and left out of the measured CPU. */
START_TEST(nf_own_phases_and_policy)
{
    struct prof_model *m;
    char *t = render("nfown.json", &m);
    has(line_with(t, "L_CS  context"), "[cost of ctxsw batch]");
    has(t, "policy                                     batch nice 0 (read back with sched_getattr)");
    has(line_with(t, "L_SC  system"), "from the NF's own counts");
    has(t, "    the NF's own count                2.200 /pkt");
    has(t, "  measured by the NF (--phase-timing):\n"
           "  receive                           500.000 ns/pkt\n"
           "  pipeline                         1000.000 ns/pkt\n"
           "  send                             1500.000 ns/pkt\n"
           "  cpu (phase sum)                  3000.000 ns/pkt  # receive + pipeline + send; the "
           "model's total: 4480.000\n");
    /* nat: block idle */
    has(t, "  receive                         10000.000 ns/pkt  # receive includes waiting (block "
           "idle)\n");
    has(t, "  cpu (phase sum)                  2000.000 ns/pkt  # pipeline + send (receive holds "
           "waiting); the model's total: 3420.000\n");
    has(t, "  measured by the NFs (--phase-timing):");
    has(t, "cpu (phase sum)                  5000.000 ns/pkt");
    free(t);
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prof_text");
    TCase *tc = tcase_create("fixtures");
    tcase_add_test(tc, intel_causes_and_table);
    tcase_add_test(tc, causes_below_one_percent_are_left_out);
    tcase_add_test(tc, fused_nfs_are_not_core_mates);
    tcase_add_test(tc, amd_causes);
    tcase_add_test(tc, nopmu_rows_say_unavailable);
    tcase_add_test(tc, multiplexed_share_is_shown);
    tcase_add_test(tc, write_error_is_reported);
    tcase_add_test(tc, nf_own_phases_and_policy);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
