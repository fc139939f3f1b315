/* profiler: every Intel and AMD table entry encodes offline with libpfm4
 * (LIBPFM_ENCODE_INACTIVE=1: no PMU needed), the tables are well formed
 * (each model term they claim is fed, AMD L1 hits derivable), and
 * LIBPFM_FORCE_PMU makes detection pick the forced PMU's table. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "profiler/prof_events.h"

/* The PMUs the issue names, each must have a table. */
static const char *const required_pmus[] = {"skx", "icx", "spr", "amd64_fam17h_zen2",
                                             "amd64_fam19h_zen3", "amd64_fam19h_zen4"};

START_TEST(every_entry_encodes_offline)
{
    size_t nt;
    const struct prof_event_table *t = prof_events_tables(&nt);
    ck_assert_uint_ge(nt, 4);
    unsigned encoded = 0;
    for (size_t i = 0; i < nt; i++) {
        for (const char *const *pmu = t[i].pmus; *pmu; pmu++) {
            for (size_t e = 0; e < t[i].nevents; e++) {
                struct perf_event_attr a;
                char err[256] = "";
                int r = prof_events_encode(*pmu, t[i].events[e].name, &a, err, sizeof(err));
                ck_assert_msg(r == 0, "%s: %s::%s: %d %s", t[i].id, *pmu, t[i].events[e].name, r,
                              err);
                /* a core PMU event: raw, not a generic software/hardware id */
                ck_assert_uint_eq(a.type, PERF_TYPE_RAW);
                ck_assert_uint_ne(a.config, 0);
                ck_assert_uint_eq(a.size, sizeof(a));
                ck_assert_int_eq(a.exclude_kernel, 0);
                ck_assert_int_eq(a.exclude_user, 0);
                encoded++;
            }
        }
    }
    ck_assert_uint_ge(encoded, 4 * 12 + 3 * 8);
}
END_TEST

START_TEST(required_pmus_have_tables)
{
    for (size_t i = 0; i < sizeof(required_pmus) / sizeof(required_pmus[0]); i++) {
        const struct prof_event_table *t = prof_events_table_for_pmu(required_pmus[i]);
        ck_assert_msg(t != NULL, "no table for %s", required_pmus[i]);
        ck_assert_ptr_nonnull(t->limits);
        ck_assert_int_gt(prof_events_pmu_counters(required_pmus[i]), 0);
    }
    ck_assert_ptr_null(prof_events_table_for_pmu("netburst"));
    ck_assert_int_eq(prof_events_pmu_counters("no-such-pmu"), -ENOENT);
}
END_TEST

/* Each table feeds L_D1..L_DM, L_T1 and L_T2 (and not CS/SC, which are
 * software sources); where L_D1 comes from accesses, there are L1 misses
 * to subtract; the Intel names the issue lists are all there. */
START_TEST(tables_cover_the_terms)
{
    size_t nt;
    const struct prof_event_table *t = prof_events_tables(&nt);
    for (size_t i = 0; i < nt; i++) {
        bool fed[PROF_NTERMS] = {false};
        bool accesses = false, misses = false;
        for (size_t e = 0; e < t[i].nevents; e++) {
            const struct prof_event_def *d = &t[i].events[e];
            ck_assert_int_lt(d->term, PROF_TERM_CS);
            if (d->use != PROF_EV_INFO)
                fed[d->term] = true;
            accesses |= d->use == PROF_EV_ACCESSES;
            misses |= d->l1_miss;
            ck_assert_ptr_nonnull(d->what);
        }
        for (int k = PROF_TERM_D1; k <= PROF_TERM_T2; k++)
            ck_assert_msg(fed[k], "%s does not feed %s", t[i].id, prof_term_names[k]);
        ck_assert_msg(!fed[PROF_TERM_TM], "%s: no vendor has a per-thread L_TM event", t[i].id);
        ck_assert_int_eq(accesses, misses);
    }
    const struct prof_event_table *intel = prof_events_table_for_pmu("skx");
    const char *want[] = {"MEM_LOAD_RETIRED:L1_HIT",
                          "MEM_LOAD_RETIRED:L2_HIT",
                          "MEM_LOAD_RETIRED:L3_HIT",
                          "MEM_LOAD_RETIRED:L3_MISS",
                          "MEM_LOAD_L3_MISS_RETIRED:LOCAL_DRAM",
                          "MEM_LOAD_L3_MISS_RETIRED:REMOTE_DRAM",
                          "DTLB_LOAD_MISSES:STLB_HIT",
                          "DTLB_LOAD_MISSES:WALK_COMPLETED",
                          "DTLB_STORE_MISSES:STLB_HIT",
                          "DTLB_STORE_MISSES:WALK_COMPLETED",
                          "MEM_INST_RETIRED:ALL_LOADS",
                          "MEM_INST_RETIRED:ALL_STORES"};
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
        bool found = false;
        for (size_t e = 0; e < intel->nevents; e++)
            found |= strcmp(intel->events[e].name, want[w]) == 0;
        ck_assert_msg(found, "Intel table lacks %s", want[w]);
    }
}
END_TEST

START_TEST(bad_names_fail_with_a_message)
{
    struct perf_event_attr a;
    char err[256] = "";
    ck_assert_int_eq(prof_events_encode("skx", "NO_SUCH_EVENT", &a, err, sizeof(err)), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "skx::NO_SUCH_EVENT"));
    err[0] = '\0';
    ck_assert_int_lt(prof_events_encode("skx", "MEM_LOAD_RETIRED:NO_SUCH_UMASK", &a, err,
                                        sizeof(err)), 0);
    ck_assert_str_ne(err, "");
    /* generic software events encode through the "perf" PMU */
    ck_assert_int_eq(prof_events_encode(NULL, "perf::CONTEXT-SWITCHES", &a, err, sizeof(err)), 0);
    ck_assert_uint_eq(a.type, PERF_TYPE_SOFTWARE);
    ck_assert_uint_eq(a.config, PERF_COUNT_SW_CONTEXT_SWITCHES);
}
END_TEST

/* In a child (libpfm4 reads LIBPFM_FORCE_PMU once, at initialisation):
 * forcing each required PMU makes detection return its table. */
START_TEST(forced_pmu_is_detected)
{
    for (size_t i = 0; i < sizeof(required_pmus) / sizeof(required_pmus[0]); i++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            setenv("LIBPFM_FORCE_PMU", required_pmus[i], 1);
            char pmu[64];
            const struct prof_event_table *t;
            int r = prof_events_detect(pmu, sizeof(pmu), &t);
            _exit(r == 0 && strcmp(pmu, required_pmus[i]) == 0 &&
                          t == prof_events_table_for_pmu(required_pmus[i])
                      ? 0
                      : 1);
        }
        int st;
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "forcing %s", required_pmus[i]);
    }
}
END_TEST

int main(void)
{
    /* before libpfm4's first initialisation, in this process and children */
    setenv("LIBPFM_ENCODE_INACTIVE", "1", 1);
    Suite *s = suite_create("prof_events");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, every_entry_encodes_offline);
    tcase_add_test(tc, required_pmus_have_tables);
    tcase_add_test(tc, tables_cover_the_terms);
    tcase_add_test(tc, bad_names_fail_with_a_message);
    tcase_add_test(tc, forced_pmu_is_detected);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
