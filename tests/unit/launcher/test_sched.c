/*
 * ln_sched without root: which NFs get chain-order's --yield, the checks
 * on reserve_cores against the traffic placement, and the nf_started hook
 * applying a fair policy (batch, a custom slice, nice) to a child of this
 * test and reading it back from the kernel.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/ln_sched.h"
#include "launcher/ln_topo.h"
#include "launcher/scc_spec.h"

static struct scc_cpuset online;

static struct scc_chain *load(const char *json)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = {.sz = sizeof(o), .online = &online};
    struct scc_chain *ch = scc_spec_load_string(json, &o, d);
    if (!ch)
        scc_diags_print(d, stderr);
    scc_diags_free(d);
    ck_assert_ptr_nonnull(ch);
    return ch;
}

static void plan(const struct scc_chain *ch, struct ln_plan *p)
{
    char err[256];
    ck_assert_int_eq(ln_plan_build(ch, NULL, p, err, sizeof(err)), 0);
}

START_TEST(chain_order_yields_where_nfs_share_a_core)
{
    static struct ln_plan p;
    struct scc_chain *ch = load("{\"name\": \"c\", \"scheduler\": {\"mode\": \"chain-order\"},"
                                " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\", \"cpu\": 1},"
                                "  {\"name\": \"b\", \"type\": \"counter\", \"cpu\": 1},"
                                "  {\"name\": \"x\", \"type\": \"counter\", \"cpu\": 0}]}");
    plan(ch, &p);
    ck_assert(ln_sched_nf_yields(ch, &p, 0));
    ck_assert(ln_sched_nf_yields(ch, &p, 1));
    ck_assert(!ln_sched_nf_yields(ch, &p, 2)); /* alone on core 0 */
    ch->sched.mode = SCC_SCHED_PINNED;
    ck_assert(!ln_sched_nf_yields(ch, &p, 0));
    scc_chain_free(ch);
    /* unpinned NFs may meet anywhere */
    ch = load("{\"name\": \"c\", \"scheduler\": {\"mode\": \"chain-order\"},"
              " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\"},"
              "  {\"name\": \"b\", \"type\": \"counter\", \"cpu\": 0}]}");
    plan(ch, &p);
    ck_assert(ln_sched_nf_yields(ch, &p, 0));
    ck_assert(ln_sched_nf_yields(ch, &p, 1));
    scc_chain_free(ch);
}
END_TEST

START_TEST(reserving_the_traffic_tools_core_is_refused)
{
    static struct ln_plan p;
    struct scc_chain *ch = load("{\"name\": \"r\", \"scheduler\": {\"reserve_cores\": 1,"
                                " \"reserve_pids\": [1]},"
                                " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\", \"cpu\": 1}]}");
    plan(ch, &p);
    struct ln_sched *s = ln_sched_new(ch, &p);
    ck_assert_ptr_nonnull(s);
    struct ln_placement pl;
    memset(&pl, 0, sizeof(pl));
    scc_cpuset_set(&pl.gen, 0);
    scc_cpuset_set(&pl.sink, 0);
    char err[512] = "";
    ck_assert_int_eq(ln_sched_check(s, &pl, err, sizeof(err)), 0);
    ck_assert_int_eq(ln_sched_check(s, NULL, err, sizeof(err)), 0);
    scc_cpuset_set(&pl.sink, 1);
    ck_assert_int_eq(ln_sched_check(s, &pl, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "scheduler.reserve_cores"));
    ck_assert_ptr_nonnull(strstr(err, "sink"));
    ln_sched_free(s);
    scc_chain_free(ch);
}
END_TEST

START_TEST(hook_applies_and_reads_back_a_fair_policy)
{
    static struct ln_plan p;
    struct scc_chain *ch = load("{\"name\": \"h\", \"scheduler\": {\"policy\": \"batch\","
                                " \"nice\": 3, \"slice_ms\": 7},"
                                " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\"}]}");
    plan(ch, &p);
    struct ln_sched *s = ln_sched_new(ch, &p);
    ck_assert_ptr_nonnull(s);
    pid_t kid = fork();
    ck_assert_int_ge(kid, 0);
    if (kid == 0) {
        pause();
        _exit(0);
    }
    struct ln_hooks h = ln_sched_hooks(s);
    int rc = h.nf_started(h.ctx, 0, kid, 0);
    struct ln_sched_row row;
    memset(&row, 0, sizeof(row));
    int rrc = ln_sched_read_row(kid, &row);
    struct json_object *j = ln_sched_json(s);
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(rrc, 0);
    ck_assert_int_eq(row.view.policy, SCHED_BATCH);
    ck_assert_int_eq(row.view.nice, 3);
    ck_assert(row.view.reset_on_fork);
    ck_assert_str_ne(row.view.cpus, "");
    /* 6.12+ keeps the custom slice; older kernels report the fallback */
    ck_assert_ptr_nonnull(j);
    const char *js = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
    ck_assert_ptr_nonnull(strstr(js, "\"policy\":\"batch\""));
    ck_assert(strstr(js, "custom (sched_runtime)") || strstr(js, "need Linux 6.12+"));
    if (row.view.slice_ns == 7000000)
        ck_assert_str_eq(row.slice_how, "custom (sched_runtime)"); /* self's slice differs */
    json_object_put(j);
    ln_sched_free(s);
    scc_chain_free(ch);
}
END_TEST

int main(void)
{
    scc_cpuset_parse("0-1", &online);
    Suite *su = suite_create("sched");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, chain_order_yields_where_nfs_share_a_core);
    tcase_add_test(tc, reserving_the_traffic_tools_core_is_refused);
    tcase_add_test(tc, hook_applies_and_reads_back_a_fair_policy);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? 1 : 0;
}
