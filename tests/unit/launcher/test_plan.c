/*
 * Launcher planning and the state journal, without touching the network:
 * the plan for each interconnect (names, endpoints, MACs, addresses, which
 * stages run on which host) and undoing a journal that records a decoy
 * process this test started and files it created.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/ln_exec.h"
#include "launcher/ln_state.h"
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

#define NFS3 "\"nfs\": [{\"name\": \"a\", \"type\": \"counter\"}, {\"name\": \"b\", \"type\": " \
             "\"counter\", \"env\": \"native\"}, {\"name\": \"c\", \"type\": \"counter\"}]"

START_TEST(b2b_plan_links_consecutive_stages)
{
    struct scc_chain *ch = load("{\"name\": \"p\", " NFS3 "}");
    struct ln_plan p;
    char err[128];
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    ck_assert_int_eq(p.nstages, 5);
    ck_assert_str_eq(p.stages[0].name, "gen");
    ck_assert_str_eq(p.stages[4].name, "sink");
    ck_assert_int_eq(p.nlinks, 4);
    for (int h = 0; h < 4; h++) {
        /* hop h: stage h sends on link a, stage h+1 receives on link b */
        ck_assert_str_eq(p.stages[h].out_if, p.links[h].a);
        ck_assert_str_eq(p.stages[h + 1].in_if, p.links[h].b);
        ck_assert_int_le(strlen(p.links[h].a), 15);
        ck_assert_str_eq(p.links[h].a_ns, p.stages[h].netns);
        ck_assert_str_eq(p.links[h].b_ns, p.stages[h + 1].netns);
    }
    ck_assert_str_eq(p.stages[1].netns, "scc-p-a");
    ck_assert_str_eq(p.stages[2].netns, ""); /* native */
    ck_assert_int_eq(p.nns, 4);              /* gen, a, c, sink */
    ck_assert_ptr_nonnull(strstr(p.stages[1].in_ep, "raw:"));
    ck_assert(!p.has_switch);
    /* deterministic: the same chain gives the same plan */
    struct ln_plan q;
    ck_assert_int_eq(ln_plan_build(ch, NULL, &q, err, sizeof(err)), 0);
    ck_assert_str_eq(p.links[2].a, q.links[2].a);
    ck_assert_mem_eq(p.stages[3].mac, q.stages[3].mac, 6);
    scc_chain_free(ch);
}
END_TEST

START_TEST(bridge_plan_sets_next_hop_macs)
{
    struct scc_chain *ch = load("{\"name\": \"br\", \"interconnect\": \"bridge\", " NFS3 "}");
    struct ln_plan p;
    char err[128];
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    ck_assert(p.has_switch);
    ck_assert_str_eq(p.sw_ns, "scc-br-sw");
    ck_assert_int_eq(p.nlinks, 5);
    for (int s = 0; s + 1 < p.nstages; s++) {
        ck_assert(p.stages[s].set_dst_mac);
        ck_assert_mem_eq(p.stages[s].dst_mac, p.stages[s + 1].mac, 6);
        ck_assert(p.links[s].b_on_bridge);
    }
    ck_assert(!p.stages[4].set_dst_mac);
    /* a stage sends and receives on its one bridge port */
    ck_assert_str_eq(p.stages[2].in_if, p.stages[2].out_if);
    scc_chain_free(ch);
}
END_TEST

START_TEST(udp_plans_loopback_or_bridge)
{
    struct scc_chain *ch = load(
        "{\"name\": \"u\", \"interconnect\": \"udp\", \"io\": {\"transport\": \"udp\", "
        "\"udp_port\": 5000}, \"nfs\": [{\"name\": \"a\", \"type\": \"counter\", \"env\": "
        "\"native\"}, {\"name\": \"b\", \"type\": \"counter\", \"env\": \"native\"}]}");
    struct ln_plan p;
    char err[128];
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    ck_assert_int_eq(p.nns, 0);
    ck_assert_int_eq(p.nlinks, 0);
    ck_assert_str_eq(p.stages[0].out_ep, "udp:127.0.0.1:5001");
    ck_assert_str_eq(p.stages[1].in_ep, "udp:127.0.0.1:5001");
    ck_assert_str_eq(p.stages[1].out_ep, "udp:127.0.0.1:5002");
    ck_assert_str_eq(p.stages[3].in_ep, "udp:127.0.0.1:5003");
    scc_chain_free(ch);

    ch = load("{\"name\": \"v\", \"interconnect\": \"udp\", \"io\": {\"transport\": \"udp\"}, "
              "\"nfs\": [{\"name\": \"a\", \"type\": \"counter\"}]}");
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    ck_assert(p.has_switch);
    ck_assert_str_eq(p.stages[0].out_ep, "udp:198.18.0.2:4789");
    ck_assert_str_eq(p.stages[1].in_ep, "udp:198.18.0.2:4789");
    ck_assert_str_eq(p.stages[1].out_ep, "udp:198.18.0.3:4789");
    scc_chain_free(ch);
}
END_TEST

START_TEST(multi_host_plan_splits_stages)
{
    struct scc_chain *ch = load(
        "{\"name\": \"m\", \"interconnect\": \"udp\", \"io\": {\"transport\": \"udp\"}, "
        "\"hosts\": {\"x\": {\"address\": \"10.9.0.1\"}, \"y\": {\"address\": \"10.9.0.2\"}}, "
        "\"nfs\": [{\"name\": \"a\", \"type\": \"counter\", \"host\": \"x\"}, "
        "{\"name\": \"b\", \"type\": \"counter\", \"host\": \"y\"}]}");
    struct ln_plan p;
    char err[128];
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "--host"));
    ck_assert_int_eq(ln_plan_build(ch, "x", &p, err, sizeof(err)), 0);
    ck_assert_str_eq(p.state_name, "m-x");
    ck_assert(p.stages[0].local && p.stages[1].local);
    ck_assert(!p.stages[2].local && !p.stages[3].local);
    ck_assert_str_eq(p.stages[1].out_ep, "udp:10.9.0.2:4791"); /* crosses to host y */
    ck_assert_int_eq(ln_plan_build(ch, "y", &p, err, sizeof(err)), 0);
    ck_assert(!p.stages[0].local && p.stages[3].local);
    ck_assert_str_eq(p.stages[2].in_ep, "udp:0.0.0.0:4791"); /* listens for host x */
    ck_assert_int_eq(ln_plan_build(ch, "z", &p, err, sizeof(err)), -EINVAL);
    scc_chain_free(ch);
}
END_TEST

START_TEST(state_undo_stops_recorded_process_and_removes_files)
{
    char dir[] = "/tmp/scc-plan-test.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("SCC_STATE_DIR", dir, 1);
    struct ln_state *st;
    ck_assert_int_eq(ln_state_create("t", &st), 0);
    struct ln_state *st2;
    ck_assert_int_eq(ln_state_create("t", &st2), -EBUSY); /* its launcher (us) is alive */

    char file[256];
    snprintf(file, sizeof(file), "%s/made-by-run", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(ln_state_add(st, "file %s", file), 0);

    /* a process of our own for the journal to stop; exec'd so that it does
     * not inherit Check's SIGTERM handler (which signals the process group) */
    pid_t decoy = fork();
    if (decoy == 0) {
        execlp("sleep", "sleep", "60", (char *)NULL);
        _exit(127);
    }
    unsigned long long start = 0;
    char comm[64] = "";
    for (int i = 0; i < 1000; i++) { /* wait until it is sleep(1), not our fork */
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/comm", (int)decoy);
        FILE *cf = fopen(p, "r");
        if (cf) {
            if (!fgets(comm, sizeof(comm), cf))
                comm[0] = '\0';
            fclose(cf);
        }
        if (!strncmp(comm, "sleep", 5))
            break;
        usleep(1000);
    }
    start = ln_proc_starttime(decoy);
    ck_assert_uint_gt(start, 0);
    ck_assert_int_eq(ln_state_add(st, "pid %d %llu decoy", (int)decoy, start), 0);
    /* a record whose start time does not match must never be signalled */
    ck_assert_int_eq(ln_state_add(st, "pid %d %llu wrong", (int)getpid(), start + 12345), 0);
    char path[512];
    snprintf(path, sizeof(path), "%s", ln_state_path(st));
    ln_state_close(st);

    ck_assert_int_eq(ln_state_undo(path, false), 0);
    int status;
    ck_assert_int_eq(waitpid(decoy, &status, 0), decoy);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    ck_assert_int_ne(access(file, F_OK), 0);
    ck_assert_int_ne(access(path, F_OK), 0);
    rmdir(dir);
}
END_TEST

int main(void)
{
    scc_cpuset_parse("0-1", &online);
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_add_test(tc, b2b_plan_links_consecutive_stages);
    tcase_add_test(tc, bridge_plan_sets_next_hop_macs);
    tcase_add_test(tc, udp_plans_loopback_or_bridge);
    tcase_add_test(tc, multi_host_plan_splits_stages);
    tcase_add_test(tc, state_undo_stops_recorded_process_and_removes_files);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
