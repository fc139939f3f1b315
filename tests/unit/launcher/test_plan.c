/*
 * Launcher planning and the state journal, without touching the network:
 * the plan for each interconnect (names, endpoints, MACs, addresses, which
 * stages run on which host) and undoing a journal that records a decoy
 * process this test started and files it created.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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
    ck_assert_str_eq(p.stages[1].netns, "scc-p.a");
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
    ck_assert_str_eq(p.sw_ns, "scc-br.sw");
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


/* The scheduler's records go to sched_reserve_undo: a cpuset the journal
 * says was made is removed, a task record whose start time no longer
 * matches is skipped (a warning, not a failure), and a record the
 * scheduler refuses counts as a failure. The cpuset is one this test
 * makes; nothing else is touched. */
START_TEST(state_undo_dispatches_sched_records)
{
    const char *cpuset = "/sys/fs/cgroup/cpuset";
    char probe[128];
    snprintf(probe, sizeof(probe), "%s/cpuset.cpus", cpuset);
    if (geteuid() != 0 || access(probe, F_OK) != 0) {
        printf("SKIP state_undo_dispatches_sched_records: needs root and a cgroup v1 cpuset "
               "at %s\n", cpuset);
        return;
    }
    char dir[] = "/tmp/scc-plan-test.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("SCC_STATE_DIR", dir, 1);
    char cg[256];
    snprintf(cg, sizeof(cg), "%s/scc-plan-test-%d", cpuset, (int)getpid());
    ck_assert_msg(mkdir(cg, 0755) == 0, "mkdir %s: %s", cg, strerror(errno));
    struct ln_state *st;
    ck_assert_int_eq(ln_state_create("s", &st), 0);
    ck_assert_int_eq(ln_state_add(st, "sched-mkdir %s", cg), 0);
    /* our own pid with a start time that is not ours: left alone */
    ck_assert_int_eq(ln_state_add(st, "sched-move %d %llu %s", (int)getpid(),
                                  ln_proc_starttime(getpid()) + 12345, cg), 0);
    char path[512];
    snprintf(path, sizeof(path), "%s", ln_state_path(st));
    ln_state_close(st);
    int left = ln_state_undo(path, false);
    bool gone = access(cg, F_OK) != 0;
    if (!gone)
        rmdir(cg);
    ck_assert_int_eq(left, 0);
    ck_assert_msg(gone, "%s is still there", cg);
    ck_assert_int_ne(access(path, F_OK), 0);

    /* a record the scheduler refuses is a failure, and the state stays */
    ck_assert_int_eq(ln_state_create("s", &st), 0);
    ck_assert_int_eq(ln_state_add(st, "sched-write /etc/hostname x"), 0);
    snprintf(path, sizeof(path), "%s", ln_state_path(st));
    ln_state_close(st);
    ck_assert_int_eq(ln_state_undo(path, false), 1);
    ck_assert_int_eq(access(path, F_OK), 0);
    unlink(path);
    rmdir(dir);
}
END_TEST


/* ---- names: two chains must never share a namespace or an interface ---- */

static bool plans_share_a_name(const struct ln_plan *p, const struct ln_plan *q)
{
    for (int i = 0; i < p->nns; i++)
        for (int j = 0; j < q->nns; j++)
            if (!strcmp(p->netns[i], q->netns[j]))
                return true;
    for (int i = 0; i < p->nlinks; i++)
        for (int j = 0; j < q->nlinks; j++) {
            /* only root-namespace ends can meet: each chain's own namespaces differ */
            const char *pa[2] = {p->links[i].a_ns[0] ? NULL : p->links[i].a,
                                 p->links[i].b_ns[0] ? NULL : p->links[i].b};
            const char *qa[2] = {q->links[j].a_ns[0] ? NULL : q->links[j].a,
                                 q->links[j].b_ns[0] ? NULL : q->links[j].b};
            for (int x = 0; x < 2; x++)
                for (int y = 0; y < 2; y++)
                    if (pa[x] && qa[y] && !strcmp(pa[x], qa[y]))
                        return true;
        }
    return false;
}

START_TEST(names_of_different_chains_never_meet)
{
    /* chain x with NF y-z and chain x-y with NF z: "scc-x-y-z" both, once */
    struct scc_chain *a = load("{\"name\": \"x\", \"nfs\": [{\"name\": \"y-z\", \"type\": "
                               "\"counter\"}, {\"name\": \"n\", \"type\": \"counter\", "
                               "\"env\": \"native\"}]}");
    struct scc_chain *b = load("{\"name\": \"x-y\", \"nfs\": [{\"name\": \"z\", \"type\": "
                               "\"counter\"}, {\"name\": \"n\", \"type\": \"counter\", "
                               "\"env\": \"native\"}]}");
    static struct ln_plan p, q;
    char err[128];
    ck_assert_int_eq(ln_plan_build(a, NULL, &p, err, sizeof(err)), 0);
    ck_assert_int_eq(ln_plan_build(b, NULL, &q, err, sizeof(err)), 0);
    ck_assert_msg(!plans_share_a_name(&p, &q), "chains x and x-y share a name");
    for (int i = 0; i < p.nlinks; i++) /* IFNAMSIZ */
        ck_assert_int_le(strlen(p.links[i].a), IFNAMSIZ - 1);
    /* the bridge namespace of one chain is not an NF namespace of another */
    struct scc_chain *c = load("{\"name\": \"x\", \"interconnect\": \"bridge\", \"nfs\": "
                               "[{\"name\": \"q\", \"type\": \"counter\"}]}");
    /* the spec refuses an NF named "sw"; the plan must not rely on that */
    struct scc_chain *d = load("{\"name\": \"x-q\", \"interconnect\": \"bridge\", \"nfs\": "
                               "[{\"name\": \"s\", \"type\": \"counter\"}]}");
    snprintf(d->nfs[0].name, sizeof(d->nfs[0].name), "sw");
    ck_assert_int_eq(ln_plan_build(c, NULL, &p, err, sizeof(err)), 0);
    if (ln_plan_build(d, NULL, &q, err, sizeof(err)) == 0)
        ck_assert_msg(!plans_share_a_name(&p, &q), "chains x and x-q share a name");
    scc_chain_free(a);
    scc_chain_free(b);
    scc_chain_free(c);
    scc_chain_free(d);
}
END_TEST

START_TEST(nf_named_like_a_launcher_stage_gets_no_shared_namespace)
{
    /* an NF called "gen" must not end up in the generator's namespace (the
     * spec refuses such names; the plan must not depend on that alone) */
    struct scc_chain *ch = load("{\"name\": \"g\", \"nfs\": [{\"name\": \"a\", \"type\": "
                                "\"counter\"}]}");
    snprintf(ch->nfs[0].name, sizeof(ch->nfs[0].name), "gen");
    static struct ln_plan p;
    char err[128] = "";
    int rc = ln_plan_build(ch, NULL, &p, err, sizeof(err));
    if (rc == 0)
        ck_assert_str_ne(p.stages[0].netns, p.stages[1].netns);
    else
        ck_assert_ptr_nonnull(strstr(err, "gen"));
    scc_chain_free(ch);
}
END_TEST

/* ---- the topology against a machine: in a private network and mount
 * namespace of a child process (a tmpfs on /run), so nothing the test does
 * is visible outside it and nothing outside can be touched ---- */

/* Fused mode: groups, what is not fused and why, no hop objects inside a
 * group, and the group's ends on its first NF's in-link and its last NF's
 * out-link. */
#define FNF(n, cpu, extra) "{\"name\": \"" n "\", \"type\": \"counter\", \"cpu\": " cpu extra "}"

START_TEST(fused_groups_and_reasons)
{
    /* a b c on core 1 (one group), d on core 0, e f on 0 but f opts out,
     * g h on 1 but h native: groups {a b c}, and every other NF alone */
    struct scc_chain *ch = load("{\"name\": \"fz\", \"scheduler\": {\"mode\": \"fused\"}, "
        "\"nfs\": [" FNF("a", "1", "") "," FNF("b", "1", "") "," FNF("c", "1", "") ","
        FNF("d", "0", "") "," FNF("e", "0", ", \"restart\": \"on-failure\"") ","
        FNF("f", "0", ", \"fuse\": false") "," FNF("g", "1", "") ","
        FNF("h", "1", ", \"env\": \"native\"") "," FNF("i", "[0, 1]", "") "]}");
    struct ln_plan p;
    char err[128];
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    ck_assert(p.fused_mode);
    ck_assert_int_eq(p.nstages, 11);
    ck_assert_int_eq(p.stages[1].nfused, 3);
    ck_assert_int_eq(p.stages[2].group, 1);
    ck_assert_int_eq(p.stages[3].group, 1);
    ck_assert_int_eq(p.stages[2].nfused, 0);
    for (int s = 4; s < 10; s++) {
        ck_assert_int_eq(p.stages[s].group, s);
        ck_assert_int_eq(p.stages[s].nfused, 1);
    }
    ck_assert_str_eq(p.nofuse[2], "");
    ck_assert_str_eq(p.nofuse[3], "");
    ck_assert_str_eq(p.nofuse[4], "different cores (0, 1)");
    ck_assert_str_eq(p.nofuse[5], "different restart policies (on-failure, no)");
    ck_assert_str_eq(p.nofuse[6], "\"fuse\": false on f");
    ck_assert_str_eq(p.nofuse[7], "\"fuse\": false on f");
    ck_assert_str_eq(p.nofuse[8], "different env (native, netns)");
    ck_assert_str_eq(p.nofuse[9], "not both pinned to one core (cpu 0-1, 1)");
    /* b2b: no link and no namespace for b and c; the group's ends */
    ck_assert_int_eq(p.nlinks, 10 - 2);
    for (int i = 0; i < p.nns; i++) {
        ck_assert_str_ne(p.netns[i], "scc-fz.b");
        ck_assert_str_ne(p.netns[i], "scc-fz.c");
    }
    ck_assert_int_eq(p.nns, 2 + 9 - 2 - 1); /* gen, sink, the NFs but b, c and native h */
    ck_assert_str_eq(p.stages[2].in_ep, "");
    ck_assert_str_eq(p.stages[3].out_ep, "");
    for (int i = 0; i < p.nlinks; i++) {
        ck_assert_str_ne(p.links[i].a_ns, "scc-fz.b");
        ck_assert_str_ne(p.links[i].b_ns, "scc-fz.b");
        ck_assert_str_ne(p.links[i].b_ns, "scc-fz.c");
    }
    /* a's out-link is the hop c -> d would have been, from a's namespace */
    ck_assert_str_eq(p.links[1].a, p.stages[1].out_if);
    ck_assert_str_eq(p.links[1].a_ns, "scc-fz.a");
    ck_assert_str_eq(p.links[1].b, p.stages[4].in_if);
    ck_assert_str_eq(p.links[1].b_ns, "scc-fz.d");
    char g[256];
    ln_group_describe(&p, 1, g, sizeof(g));
    ck_assert_str_eq(g, "a+b+c in one process on core 1 (saved 2 hops: 2 veth pairs, 2 namespaces)");
    /* the dry-run text */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ln_plan_print(&p, f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "fused: a+b+c in one process on core 1"));
    ck_assert_ptr_nonnull(strstr(text, "not fused: d with c: different cores (0, 1)"));
    ck_assert_ptr_nonnull(strstr(text, "(in a)"));
    free(text);
    scc_chain_free(ch);
}
END_TEST

/* Bridge and udp: no bridge port and no VXLAN endpoint for a member; the
 * head steers to (or sends to) the stage after its group. Without the
 * fused mode the same chain is not grouped. */
START_TEST(fused_bridge_and_udp)
{
    const char *links[] = {"bridge", "udp"};
    for (int k = 0; k < 2; k++) {
        char json[1024];
        snprintf(json, sizeof(json),
                 "{\"name\": \"fb\", \"interconnect\": \"%s\", \"io\": {\"transport\": \"%s\"},"
                 " \"scheduler\": {\"mode\": \"fused\"}, \"nfs\": [" FNF("a", "1", "") ","
                 FNF("b", "1", "") "," FNF("c", "0", "") "]}",
                 links[k], k ? "udp" : "raw");
        struct scc_chain *ch = load(json);
        struct ln_plan p;
        char err[128];
        ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
        ck_assert_int_eq(p.stages[1].nfused, 2);
        ck_assert(ln_stage_member(&p, 2));
        ck_assert(p.has_switch);
        ck_assert_int_eq(p.nlinks, 4); /* gen, a, c, sink: no port for b */
        for (int i = 0; i < p.nns; i++)
            ck_assert_str_ne(p.netns[i], "scc-fb.b");
        ck_assert_str_eq(p.stages[2].in_ep, "");
        ck_assert_str_eq(p.stages[2].out_ep, "");
        if (k == 0) {
            ck_assert(p.stages[1].set_dst_mac);
            ck_assert_mem_eq(p.stages[1].dst_mac, p.stages[3].mac, 6);
        } else {
            ck_assert_str_eq(p.stages[1].out_ep, "udp:198.18.0.4:4789"); /* c's address */
            ck_assert_uint_eq(p.stages[2].addr, 0);
        }
        scc_chain_free(ch);
    }
    /* udp over loopback (native): a sends to c's port, b binds none */
    struct scc_chain *ch = load("{\"name\": \"fl\", \"interconnect\": \"udp\", \"io\": "
        "{\"transport\": \"udp\", \"udp_port\": 7000}, \"scheduler\": {\"mode\": \"fused\"}, "
        "\"nfs\": [" FNF("a", "1", ", \"env\": \"native\"") ","
        FNF("b", "1", ", \"env\": \"native\"") "," FNF("c", "0", ", \"env\": \"native\"") "]}");
    struct ln_plan p;
    char err[128];
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    ck_assert_str_eq(p.stages[1].in_ep, "udp:127.0.0.1:7001");
    ck_assert_str_eq(p.stages[1].out_ep, "udp:127.0.0.1:7003");
    ck_assert_str_eq(p.stages[2].in_ep, "");
    ck_assert_str_eq(p.stages[3].in_ep, "udp:127.0.0.1:7003");
    char g[256];
    ln_group_describe(&p, 1, g, sizeof(g));
    ck_assert_str_eq(g, "a+b in one process on core 1 (saved 1 hop: 1 VXLAN endpoint)");
    scc_chain_free(ch);
    /* pinned mode: nothing grouped */
    ch = load("{\"name\": \"fp\", \"nfs\": [" FNF("a", "1", "") "," FNF("b", "1", "") "]}");
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    ck_assert(!p.fused_mode);
    ck_assert_int_eq(p.stages[1].nfused, 1);
    ck_assert_int_eq(p.stages[2].group, 2);
    ck_assert_int_eq(p.nlinks, 3);
    scc_chain_free(ch);
}
END_TEST

static char tdir[64];

static bool netns_there(const char *name)
{
    char p[600];
    snprintf(p, sizeof(p), "/run/netns/%s", name);
    return access(p, F_OK) == 0;
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

#define CHILD_CHECK(cond, ...)                                                                  \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                     \
            fprintf(stderr, __VA_ARGS__);                                                       \
            fprintf(stderr, "\n");                                                              \
            return 1;                                                                           \
        }                                                                                       \
    } while (0)

static int count_netns(void)
{
    int n = 0;
    DIR *d = opendir("/run/netns");
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Runs body in a child with its own network and mount namespaces. Returns
 * the child's verdict: 0 passed, 77 cannot isolate (skip), else failed. */
static int in_private_net(int (*body)(void))
{
    snprintf(tdir, sizeof(tdir), "/tmp/scc-plan-net.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tdir));
    setenv("SCC_STATE_DIR", tdir, 1);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0 || mkdir("/run/netns", 0755) < 0) {
            fprintf(stderr, "skip: cannot make a private network namespace: %s\n",
                    strerror(errno));
            _exit(77);
        }
        _exit(body());
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tdir);
    sh(cmd);
    ck_assert(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77 && geteuid() != 0)
        fprintf(stderr, "(skipped: not root and no user namespaces)\n");
    else
        ck_assert_int_eq(WEXITSTATUS(status), 0);
    return WEXITSTATUS(status);
}

/* create the topology over st, which is expected to fail, then undo it */
static int create_then_undo(const struct ln_plan *p, int want)
{
    struct ln_state *st;
    CHILD_CHECK(ln_state_create(p->state_name, &st) == 0, "state create");
    int rc = ln_topo_create(p, st);
    char path[512];
    snprintf(path, sizeof(path), "%s", ln_state_path(st));
    ln_state_close(st);
    CHILD_CHECK(want == 0 ? rc == 0 : rc < 0, "ln_topo_create returned %d", rc);
    int left = ln_state_undo(path, false);
    CHILD_CHECK(left == 0, "undo left %d", left);
    CHILD_CHECK(access(path, F_OK) != 0, "state file %s stays", path);
    return 0;
}

static int body_existing_netns_is_refused_and_kept(void)
{
    struct scc_chain *ch = load("{\"name\": \"t\", \"nfs\": [{\"name\": \"a\", \"type\": "
                                "\"counter\"}]}");
    static struct ln_plan p;
    char err[128], cmd[256];
    CHILD_CHECK(ln_plan_build(ch, NULL, &p, err, sizeof(err)) == 0, "%s", err);
    /* someone else's namespace with the name the NF's would have */
    const char *decoy = p.stages[1].netns;
    snprintf(cmd, sizeof(cmd), "ip netns add %s", decoy);
    CHILD_CHECK(sh(cmd) == 0, "%s", cmd);
    if (create_then_undo(&p, -1))
        return 1;
    CHILD_CHECK(netns_there(decoy), "the run's undo deleted namespace %s it did not create",
                decoy);
    CHILD_CHECK(count_netns() == 1, "%d namespaces left, want only the decoy", count_netns());
    scc_chain_free(ch);
    return 0;
}

START_TEST(existing_netns_is_refused_and_kept)
{
    in_private_net(body_existing_netns_is_refused_and_kept);
}
END_TEST

static int body_existing_root_link_is_refused_and_kept(void)
{
    struct scc_chain *ch = load("{\"name\": \"t\", " NFS3 "}"); /* b is native */
    static struct ln_plan p;
    char err[128], cmd[256];
    CHILD_CHECK(ln_plan_build(ch, NULL, &p, err, sizeof(err)) == 0, "%s", err);
    for (int end = 0; end < 2; end++) { /* a decoy with the sending, then the receiving name */
        const char *decoy = NULL;
        for (int i = 0; i < p.nlinks && !decoy; i++)
            if (end == 0 && !p.links[i].a_ns[0])
                decoy = p.links[i].a;
            else if (end == 1 && !p.links[i].b_ns[0])
                decoy = p.links[i].b;
        CHILD_CHECK(decoy, "no root-namespace link end in the plan");
        snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name decoypeer", decoy);
        CHILD_CHECK(sh(cmd) == 0, "%s", cmd);
        if (create_then_undo(&p, -1))
            return 1;
        CHILD_CHECK(if_nametoindex(decoy) != 0, "the run's undo deleted interface %s", decoy);
        CHILD_CHECK(if_nametoindex("decoypeer") != 0, "the decoy's peer is gone");
        CHILD_CHECK(count_netns() == 0, "%d namespaces left", count_netns());
        snprintf(cmd, sizeof(cmd), "ip link del %s", decoy);
        CHILD_CHECK(sh(cmd) == 0, "%s", cmd);
    }
    scc_chain_free(ch);
    return 0;
}

START_TEST(existing_root_link_is_refused_and_kept)
{
    in_private_net(body_existing_root_link_is_refused_and_kept);
}
END_TEST

static int body_created_topology_is_undone(void)
{
    const char *specs[] = {"{\"name\": \"t\", " NFS3 "}",
                           "{\"name\": \"u\", \"interconnect\": \"bridge\", " NFS3 "}"};
    for (size_t i = 0; i < 2; i++) {
        struct scc_chain *ch = load(specs[i]);
        static struct ln_plan p;
        char err[128];
        CHILD_CHECK(ln_plan_build(ch, NULL, &p, err, sizeof(err)) == 0, "%s", err);
        if (create_then_undo(&p, 0))
            return 1;
        CHILD_CHECK(count_netns() == 0, "%d namespaces left", count_netns());
        for (int l = 0; l < p.nlinks; l++)
            CHILD_CHECK(if_nametoindex(p.links[l].a) == 0 && if_nametoindex(p.links[l].b) == 0,
                        "link %s/%s left", p.links[l].a, p.links[l].b);
        scc_chain_free(ch);
    }
    return 0;
}

START_TEST(created_topology_is_undone)
{
    in_private_net(body_created_topology_is_undone);
}
END_TEST

static int read_first_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    if (!fgets(buf, (int)len, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static int body_journal_undoes_confirmed_records_only(void)
{
    struct ln_state *st;
    CHILD_CHECK(ln_state_create("j", &st) == 0, "state create");
    char path[512];
    snprintf(path, sizeof(path), "%s", ln_state_path(st));
    /* someone else's namespace: the intent was journaled, `ip netns add` failed */
    CHILD_CHECK(sh("ip netns add jdecoy") == 0, "decoy netns");
    CHILD_CHECK(ln_state_intent(st, "netns jdecoy") == 0, "intent");
    /* ours: created and confirmed */
    CHILD_CHECK(ln_state_intent(st, "netns jours") == 0, "intent");
    CHILD_CHECK(sh("ip netns add jours") == 0, "netns jours");
    CHILD_CHECK(ln_state_confirm(st) == 0, "confirm");
    CHILD_CHECK(ln_state_confirm(st) == -EINVAL, "a second confirm of one intent");
    /* someone else's link with the name; not confirmed, another address */
    CHILD_CHECK(sh("ip link add ldecoy address 02:00:00:00:00:01 type veth peer name ldecoyp")
                == 0, "decoy link");
    CHILD_CHECK(ln_state_intent(st, "link ldecoy - 02:5c:00:00:00:01") == 0, "intent");
    /* ours, but the launcher died before confirming: its address proves it */
    CHILD_CHECK(ln_state_intent(st, "link lcrash - 02:5c:00:00:00:02") == 0, "intent");
    CHILD_CHECK(sh("ip link add lcrash address 02:5c:00:00:00:02 type veth peer name lcrashp")
                == 0, "lcrash");
    /* ours and confirmed, in a namespace of ours */
    CHILD_CHECK(ln_state_intent(st, "link lours jours 02:5c:00:00:00:03") == 0, "intent");
    CHILD_CHECK(sh("ip -n jours link add lours address 02:5c:00:00:00:03 type veth peer "
                   "name loursp") == 0, "lours");
    CHILD_CHECK(ln_state_confirm(st) == 0, "confirm");
    /* confirmed, but since replaced by someone else's link of the same name */
    CHILD_CHECK(ln_state_intent(st, "link lrepl - 02:5c:00:00:00:04") == 0, "intent");
    CHILD_CHECK(ln_state_confirm(st) == 0, "confirm");
    CHILD_CHECK(sh("ip link add lrepl address 02:00:00:00:00:04 type veth peer name lreplp")
                == 0, "lrepl");
    ln_state_close(st);

    CHILD_CHECK(ln_state_undo(path, true) == 0, "undo failed");
    CHILD_CHECK(netns_there("jdecoy"), "unconfirmed netns deleted");
    CHILD_CHECK(!netns_there("jours"), "confirmed netns left");
    CHILD_CHECK(if_nametoindex("ldecoy") && if_nametoindex("ldecoyp"), "decoy link deleted");
    CHILD_CHECK(!if_nametoindex("lcrash") && !if_nametoindex("lcrashp"),
                "an unconfirmed link with our address is left");
    CHILD_CHECK(if_nametoindex("lrepl"), "a replaced link was deleted");
    CHILD_CHECK(access(path, F_OK) != 0, "state file left");

    /* a journal from before confirmations (no "journal 2"): its records were
     * written before creating, so they prove nothing and are left */
    FILE *f = fopen(path, "we");
    CHILD_CHECK(f, "write old journal");
    fprintf(f, "launcher 1 1\nnetns jdecoy\nlink ldecoy -\n");
    fclose(f);
    CHILD_CHECK(ln_state_undo(path, true) == 0, "undo of an old journal");
    CHILD_CHECK(netns_there("jdecoy") && if_nametoindex("ldecoy"),
                "an old journal's record deleted an object");
    return 0;
}

START_TEST(journal_undoes_confirmed_records_only)
{
    in_private_net(body_journal_undoes_confirmed_records_only);
}
END_TEST

/* net.ipv4 sysctls belong to the network namespace: these are the child's own */
#define TTL "/proc/sys/net/ipv4/ip_default_ttl"
#define FWD "/proc/sys/net/ipv4/ip_forward"

static int body_journal_restores_sysctls(void)
{
    char v[64], ttl0[64], fwd0[64];
    CHILD_CHECK(read_first_line(TTL, ttl0, sizeof(ttl0)) == 0, TTL);
    CHILD_CHECK(read_first_line(FWD, fwd0, sizeof(fwd0)) == 0, FWD);
    struct ln_state *st;
    CHILD_CHECK(ln_state_create("s", &st) == 0, "state create");
    char path[512];
    snprintf(path, sizeof(path), "%s", ln_state_path(st));
    CHILD_CHECK(ln_state_set_sysctl(st, TTL, "77") == 0, "set");
    CHILD_CHECK(read_first_line(TTL, v, sizeof(v)) == 0 && !strcmp(v, "77"), "ttl is %s", v);
    /* an unconfirmed change (the launcher died before confirming) is not
     * "restored" to a value the journal cannot prove was ever changed */
    CHILD_CHECK(ln_state_intent(st, "sysctl %s %s", FWD, strcmp(fwd0, "1") ? "1" : "0") == 0,
                "intent");
    ln_state_close(st);
    CHILD_CHECK(ln_state_undo(path, false) == 0, "undo");
    CHILD_CHECK(read_first_line(TTL, v, sizeof(v)) == 0 && !strcmp(v, ttl0),
                "ttl %s, want %s", v, ttl0);
    CHILD_CHECK(read_first_line(FWD, v, sizeof(v)) == 0 && !strcmp(v, fwd0),
                "ip_forward %s, want %s", v, fwd0);

    /* undo writes only under /proc/sys: a decoy file named in a record stays */
    char decoy[128];
    snprintf(decoy, sizeof(decoy), "%s/decoy", tdir);
    FILE *f = fopen(decoy, "we");
    CHILD_CHECK(f, "decoy");
    fputs("5\n", f);
    fclose(f);
    CHILD_CHECK(ln_state_create("s", &st) == 0, "state create");
    CHILD_CHECK(ln_state_set_sysctl(st, decoy, "6") == -EINVAL, "set outside /proc/sys");
    CHILD_CHECK(ln_state_intent(st, "sysctl %s 7", decoy) == 0 && ln_state_confirm(st) == 0,
                "record");
    CHILD_CHECK(ln_state_intent(st, "sysctl /proc/sys/../../%s 7", decoy) == 0 &&
                ln_state_confirm(st) == 0, "record");
    ln_state_close(st);
    CHILD_CHECK(ln_state_undo(path, false) == 2, "undo must refuse both records");
    CHILD_CHECK(read_first_line(decoy, v, sizeof(v)) == 0 && !strcmp(v, "5"), "decoy is %s", v);
    CHILD_CHECK(access(path, F_OK) == 0, "a journal with failures must stay");
    unlink(path);
    return 0;
}

START_TEST(journal_restores_sysctls)
{
    in_private_net(body_journal_restores_sysctls);
}
END_TEST

static void collect_line(const char *line, void *ctx)
{
    char *buf = ctx;
    snprintf(buf + strlen(buf), 256 - strlen(buf), "[%s]", line);
}

START_TEST(exec_dry_run_output_and_queries)
{
    /* dry run: the line goes to the caller's callback, nothing runs */
    char lines[256] = "";
    ln_set_dry_run_output(collect_line, lines);
    ln_dry_run = true;
    const char *fail[] = {"false", NULL};
    ck_assert_int_eq(ln_run_tool(fail, true), 0);
    /* a query runs even then, and hands back its stdout */
    char out[64];
    const char *echo[] = {"echo", "hello world", NULL};
    ck_assert_int_eq(ln_query_tool(echo, out, sizeof(out)), 0);
    ln_dry_run = false;
    ln_set_dry_run_output(NULL, NULL);
    ck_assert_str_eq(lines, "[false]");
    ck_assert_str_eq(out, "hello world\n");
    ck_assert_int_eq(ln_run_tool(fail, true), 1);
    char small[4];
    ck_assert_int_eq(ln_query_tool(echo, small, sizeof(small)), 0); /* cut, not overflowed */
    ck_assert_str_eq(small, "hel");
    const char *none[] = {"/nonexistent/scc-tool", NULL};
    ck_assert_int_eq(ln_query_tool(none, out, sizeof(out)), 127);

    char state = 0;
    unsigned long long start = 0;
    ck_assert_int_eq(ln_proc_stat(getpid(), &state, &start), 0);
    ck_assert_int_eq(state, 'R');
    ck_assert_uint_eq(start, ln_proc_starttime(getpid()));
    ck_assert_int_eq(ln_proc_stat(0x3fffffff, NULL, NULL), -ENOENT);
}
END_TEST

/* The launcher names itself for the generator and sink by path
 * (ln_self_exe). A copy of this test binary, started with T_SELF_EXE set,
 * deletes its own file (what a rebuild during a long `scc experiment`
 * does), reads ln_self_exe and prints what it got: the copy's path, not
 * "PATH (deleted)" (the kernel's link text, which named no file). */
START_TEST(self_exe_survives_a_replaced_binary)
{
    char dir[] = "/tmp/t-selfexe-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char copy[128];
    snprintf(copy, sizeof(copy), "%s/scc", dir);
    char self[4096];
    ck_assert_int_eq(ln_self_exe(self, sizeof(self)), 0);
    ck_assert_ptr_null(strstr(self, "(deleted)"));
    int in = open(self, O_RDONLY | O_CLOEXEC);
    int outf = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    ck_assert_int_ge(in, 0);
    ck_assert_int_ge(outf, 0);
    char buf[65536];
    ssize_t r;
    while ((r = read(in, buf, sizeof(buf))) > 0)
        ck_assert_int_eq(write(outf, buf, (size_t)r), r);
    ck_assert_int_eq(r, 0);
    close(in);
    ck_assert_int_eq(close(outf), 0);
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        setenv("T_SELF_EXE", copy, 1);
        execl(copy, copy, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char out[4200] = {0};
    ssize_t n, got = 0;
    while ((n = read(fd[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
        got += n;
    close(fd[0]);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char want[200];
    snprintf(want, sizeof(want), "0 %s\n", copy);
    ck_assert_str_eq(out, want);
    rmdir(dir);
    /* the rule itself */
    char p1[] = "/a/b/scc (deleted)", p2[] = "/a/b/scc", p3[] = " (deleted)";
    ln_exe_path_undeleted(p1);
    ln_exe_path_undeleted(p2);
    ln_exe_path_undeleted(p3);
    ck_assert_str_eq(p1, "/a/b/scc");
    ck_assert_str_eq(p2, "/a/b/scc");
    ck_assert_str_eq(p3, " (deleted)"); /* nothing before it: not a path, kept */
}
END_TEST

int main(void)
{
    const char *self_exe_child = getenv("T_SELF_EXE");
    if (self_exe_child) { /* self_exe_survives_a_replaced_binary's child */
        char b[4096];
        if (unlink(self_exe_child) != 0)
            return 2;
        int rc = ln_self_exe(b, sizeof(b));
        printf("%d %s\n", rc, rc == 0 ? b : "");
        return 0;
    }
    scc_cpuset_parse("0-1", &online);
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_add_test(tc, b2b_plan_links_consecutive_stages);
    tcase_add_test(tc, bridge_plan_sets_next_hop_macs);
    tcase_add_test(tc, udp_plans_loopback_or_bridge);
    tcase_add_test(tc, multi_host_plan_splits_stages);
    tcase_add_test(tc, state_undo_stops_recorded_process_and_removes_files);
    tcase_add_test(tc, state_undo_dispatches_sched_records);
    tcase_add_test(tc, names_of_different_chains_never_meet);
    tcase_add_test(tc, nf_named_like_a_launcher_stage_gets_no_shared_namespace);
    tcase_add_test(tc, fused_groups_and_reasons);
    tcase_add_test(tc, fused_bridge_and_udp);
    tcase_add_test(tc, existing_netns_is_refused_and_kept);
    tcase_add_test(tc, existing_root_link_is_refused_and_kept);
    tcase_add_test(tc, created_topology_is_undone);
    tcase_add_test(tc, journal_undoes_confirmed_records_only);
    tcase_add_test(tc, journal_restores_sysctls);
    tcase_add_test(tc, exec_dry_run_output_and_queries);
    tcase_add_test(tc, self_exe_survives_a_replaced_binary);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
