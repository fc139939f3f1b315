/*
 * Chain spec loader: every bad spec under tests/specs/bad/ must be refused
 * with the expected JSON path and message (its .expect file: line 1 = path,
 * line 2 = a substring of the message); every good spec and every chain in
 * configs/ must load; the normalised JSON must load back to the same chain.
 */
#include <check.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/scc_spec.h"
#include "launcher/scc_spec_fields.h"

static struct scc_cpuset online; /* fixed 0-1 so results don't depend on the host */

static const char *srcdir(void)
{
    const char *s = getenv("SCC_SOURCE_DIR");
    return s ? s : ".";
}

static struct scc_spec_opts opts(void)
{
    struct scc_spec_opts o = {.sz = sizeof(o), .online = &online};
    return o;
}

static int list_json(const char *dir, char names[][256], int max)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
            snprintf(names[n++], 256, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

START_TEST(bad_specs_report_path_and_hint)
{
    char dir[512], names[128][256];
    snprintf(dir, sizeof(dir), "%s/tests/specs/bad", srcdir());
    int n = list_json(dir, names, 128);
    ck_assert_int_ge(n, 25);
    for (int i = 0; i < n; i++) {
        char path[1024], expect[1024], want_path[256] = "", want_msg[256] = "";
        snprintf(path, sizeof(path), "%.500s/%.255s", dir, names[i]);
        snprintf(expect, sizeof(expect), "%.500s/%.*s.expect", dir, (int)strlen(names[i]) - 5,
                 names[i]);
        FILE *f = fopen(expect, "r");
        ck_assert_msg(f != NULL, "missing %s", expect);
        ck_assert(fgets(want_path, sizeof(want_path), f));
        ck_assert(fgets(want_msg, sizeof(want_msg), f));
        fclose(f);
        want_path[strcspn(want_path, "\n")] = '\0';
        want_msg[strcspn(want_msg, "\n")] = '\0';

        struct scc_diags *d = scc_diags_new();
        struct scc_spec_opts o = opts();
        struct scc_chain *ch = scc_spec_load_file(path, &o, d);
        ck_assert_msg(ch == NULL, "%s: loaded, but it is invalid", names[i]);
        ck_assert_msg(scc_diags_count(d) > 0, "%s: refused without a message", names[i]);
        bool found = false;
        for (size_t k = 0; k < scc_diags_count(d); k++)
            if (strcmp(scc_diags_path(d, k), want_path) == 0 &&
                strstr(scc_diags_msg(d, k), want_msg))
                found = true;
        if (!found) {
            fprintf(stderr, "%s: expected '%s: ...%s...', got:\n", names[i], want_path,
                    want_msg);
            scc_diags_print(d, stderr);
        }
        ck_assert_msg(found, "%s: expected diagnostic not found", names[i]);
        scc_diags_free(d);
    }
}
END_TEST

static void load_good_dir(const char *dir)
{
    char names[128][256];
    int n = list_json(dir, names, 128);
    ck_assert_int_ge(n, 1);
    for (int i = 0; i < n; i++) {
        if (strstr(names[i], "calibration")) /* calibration files are not chains */
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%.500s/%.255s", dir, names[i]);
        struct scc_diags *d = scc_diags_new();
        struct scc_spec_opts o = opts();
        o.skip_file_checks = true;
        struct scc_chain *ch = scc_spec_load_file(path, &o, d);
        if (!ch)
            scc_diags_print(d, stderr);
        ck_assert_msg(ch != NULL, "%s does not validate", path);
        scc_chain_free(ch);
        scc_diags_free(d);
    }
}

START_TEST(good_specs_and_configs_validate)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/tests/specs/good", srcdir());
    load_good_dir(dir);
    snprintf(dir, sizeof(dir), "%s/configs", srcdir());
    load_good_dir(dir);
}
END_TEST

START_TEST(defaults_are_filled_in)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    struct scc_chain *ch = scc_spec_load_string(
        "{\"name\": \"m\", \"nfs\": [{\"name\": \"c\", \"type\": \"counter\"}]}", &o, d);
    ck_assert_ptr_nonnull(ch);
    ck_assert_int_eq(ch->mode, SCC_MODE_RUNTIME);
    ck_assert_int_eq(ch->io.transport, SCC_TRANSPORT_RAW);
    ck_assert_uint_eq(ch->io.batch, 32);
    ck_assert_int_eq(ch->io.idle, SCC_IDLE_BLOCK);
    ck_assert_uint_eq(ch->io.udp_port, 4789);
    ck_assert_int_eq(ch->interconnect, SCC_LINK_B2B);
    ck_assert_int_eq(ch->nfs[0].env, SCC_ENV_NETNS);
    ck_assert_int_eq(scc_cpuset_count(&ch->nfs[0].cpus), 0);
    ck_assert_int_eq(ch->nfs[0].sched.policy, SCC_POLICY_OTHER);
    ck_assert_str_eq(ch->nfs[0].pipeline, "FromIO -> Counter -> ToIO");
    ck_assert_int_eq(ch->sched.mode, SCC_SCHED_PINNED);
    ck_assert_int_eq(ch->profiler.nevents, 1);
    ck_assert_str_eq(ch->profiler.events[0], "default");
    ck_assert(!ch->traffic.present);
    ck_assert_int_eq(scc_cpuset_count(&ch->traffic.gen_cpus), 0);
    ck_assert_int_eq(scc_cpuset_count(&ch->traffic.sink_cpus), 0);
    ck_assert_int_eq(ch->traffic.gen_spin_us, -1);
    ck_assert_uint_eq(ch->traffic.gen_batch, 0);
    ck_assert_uint_eq(ch->traffic.sink_batch, 0);
    ck_assert_int_eq(ch->traffic.sink_idle, SCC_IDLE_BLOCK);
    ck_assert(!ch->traffic.clocks_synced);
    ck_assert_uint_eq(scc_diags_nwarnings(d), 0);
    scc_chain_free(ch);
    scc_diags_free(d);
}
END_TEST

START_TEST(scheduler_defaults_inherit_and_override)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    struct scc_chain *ch = scc_spec_load_string(
        "{\"name\": \"s\", \"scheduler\": {\"policy\": \"fifo\", \"rt_priority\": 10, "
        "\"mode\": \"pinned\"}, \"nfs\": [{\"name\": \"a\", \"type\": \"counter\"},"
        "{\"name\": \"b\", \"type\": \"counter\", \"sched\": {\"policy\": \"batch\", "
        "\"nice\": -5}}]}", &o, d);
    if (!ch)
        scc_diags_print(d, stderr);
    ck_assert_ptr_nonnull(ch);
    ck_assert_int_eq(ch->nfs[0].sched.policy, SCC_POLICY_FIFO);
    ck_assert_int_eq(ch->nfs[0].sched.rt_priority, 10);
    ck_assert_int_eq(ch->nfs[1].sched.policy, SCC_POLICY_BATCH);
    ck_assert_int_eq(ch->nfs[1].sched.rt_priority, 0);
    ck_assert_int_eq(ch->nfs[1].sched.nice, -5);
    scc_chain_free(ch);
    scc_diags_free(d);
}
END_TEST

START_TEST(every_problem_is_reported_at_once)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    struct scc_chain *ch = scc_spec_load_string(
        "{\"name\": \"x\", \"io\": {\"batch\": 0, \"idle\": \"nap\"}, \"nfs\": ["
        "{\"name\": \"a\", \"type\": \"counter\", \"cpu\": 9},"
        "{\"name\": \"a\", \"pipeline\": \"FromIO -> Countr -> ToIO\"}]}", &o, d);
    ck_assert_ptr_null(ch);
    ck_assert_int_ge(scc_diags_count(d), 5);
    scc_diags_free(d);
}
END_TEST

START_TEST(typed_nfs_expand_to_pipelines)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_chain *ch = scc_spec_load_string(scc_default_chain_json, NULL, d);
    if (!ch)
        scc_diags_print(d, stderr);
    ck_assert_ptr_nonnull(ch);
    ck_assert_int_eq(ch->nnfs, 3);
    const struct scc_nf_spec *fw = scc_chain_find_nf(ch, "fw");
    const struct scc_nf_spec *rt = scc_chain_find_nf(ch, "rt");
    ck_assert_ptr_nonnull(fw);
    ck_assert_ptr_nonnull(rt);
    ck_assert_ptr_null(scc_chain_find_nf(ch, "nope"));
    ck_assert_ptr_nonnull(strstr(fw->pipeline, "IPFilter(STATEFUL, deny src net 10.66.0.0/16, allow udp"));
    ck_assert_ptr_nonnull(strstr(rt->pipeline, "StaticIPLookup(10.0.0.0/8 0, 10.1.0.0/16 0"));
    ck_assert_ptr_nonnull(strstr(rt->pipeline, "rt[0] -> DecIPTTL -> ToIO"));
    ck_assert_ptr_nonnull(strstr(rt->pipeline, "rt[1] -> Discard"));
    ck_assert_int_ge(rt->nroutes, 10);
    scc_chain_free(ch);
    scc_diags_free(d);
}
END_TEST

START_TEST(normalised_json_round_trips)
{
    const char *specs[] = {
        scc_default_chain_json,
        "{\"name\": \"n\", \"mode\": \"profile\", \"interconnect\": \"udp\","
        " \"io\": {\"transport\": \"udp\", \"batch\": 8, \"idle\": \"busy\", \"vni\": 7},"
        " \"hosts\": {\"h1\": {\"address\": \"10.9.0.1\"}, \"h2\": {\"address\": \"10.9.0.2\"}},"
        " \"scheduler\": {\"policy\": \"rr\", \"rt_priority\": 3, \"rr_timeslice_ms\": 10,"
        "   \"reserve_cores\": [1], \"reserve_pids\": [4242, 17], \"mode\": \"chain-order\"},"
        " \"nfs\": [{\"name\": \"nat\", \"type\": \"nat\", \"host\": \"h1\", \"cpu\": [0, 1],"
        "   \"config\": {\"pool\": \"203.0.113.1-203.0.113.4\", \"ports\": \"2000-3000\"}},"
        "  {\"name\": \"l2\", \"type\": \"l2fwd\", \"host\": \"h2\", \"restart\": \"on-failure\","
        "   \"config\": {\"dst_mac\": \"02:00:00:00:00:09\"}}],"
        " \"profiler\": {\"events\": [\"memory\", \"sched\"], \"interval_ms\": 100},"
        " \"traffic\": {\"rate_pps\": 5000, \"distribution\": \"imix\", \"flows\": 8}}",
        "{\"name\": \"p\", \"nfs\": [{\"name\": \"c\", \"type\": \"counter\", \"cpu\": 1}],"
        " \"traffic\": {\"gen_cpu\": 0, \"sink_cpu\": [0, 1], \"gen_spin_us\": 0,"
        "   \"gen_batch\": 4, \"sink_idle\": \"busy\", \"clocks_synced\": true}}",
        "{\"name\": \"q\", \"nfs\": [{\"name\": \"c\", \"type\": \"counter\"}],"
        " \"traffic\": {\"gen_spin_us\": -1}}",
        /* the reservation's scope keys and the uniprocessor mode's */
        "{\"name\": \"r\", \"scheduler\": {\"reserve_cores\": 1, \"reserve_scope\": \"cgroup\","
        "   \"reserve_cgroup\": \"/system.slice\", \"reserve_irqs\": true},"
        " \"nfs\": [{\"name\": \"c\", \"type\": \"counter\"}]}",
        "{\"name\": \"u\", \"scheduler\": {\"mode\": \"uniprocessor\", \"uniprocessor_cpu\": 1,"
        "   \"uniprocessor_traffic\": true},"
        " \"nfs\": [{\"name\": \"c\", \"type\": \"counter\"}, {\"name\": \"d\", \"type\": \"counter\"}],"
        " \"traffic\": {}}",
        "{\"name\": \"v\", \"scheduler\": {\"mode\": \"uniprocessor\"},"
        " \"nfs\": [{\"name\": \"c\", \"type\": \"counter\"}]}",
        /* fused mode with an NF that opts out: "fuse" written only when false */
        "{\"name\": \"fz\", \"scheduler\": {\"mode\": \"fused\"},"
        " \"nfs\": [{\"name\": \"c\", \"type\": \"counter\", \"cpu\": 1},"
        "  {\"name\": \"d\", \"type\": \"counter\", \"cpu\": 1, \"fuse\": false}]}",
        /* fifo without rt_priority means priority 1, chain-wide too */
        "{\"name\": \"f\", \"scheduler\": {\"policy\": \"fifo\"},"
        " \"nfs\": [{\"name\": \"c\", \"type\": \"counter\"}]}",
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        struct scc_diags *d = scc_diags_new();
        struct scc_spec_opts o = opts();
        struct scc_chain *a = scc_spec_load_string(specs[i], &o, d);
        if (!a)
            scc_diags_print(d, stderr);
        ck_assert_ptr_nonnull(a);
        struct json_object *ja = scc_chain_to_json(a);
        char *sa = strdup(json_object_to_json_string(ja));
        struct scc_chain *b = scc_spec_load_string(sa, &o, d);
        if (!b)
            scc_diags_print(d, stderr);
        ck_assert_ptr_nonnull(b);
        struct json_object *jb = scc_chain_to_json(b);
        ck_assert_str_eq(sa, json_object_to_json_string(jb));
        for (int k = 0; k < a->nnfs; k++)
            ck_assert_str_eq(a->nfs[k].pipeline, b->nfs[k].pipeline);
        free(sa);
        json_object_put(ja);
        json_object_put(jb);
        scc_chain_free(a);
        scc_chain_free(b);
        scc_diags_free(d);
    }
}
END_TEST

START_TEST(missing_file_is_a_clear_error)
{
    struct scc_diags *d = scc_diags_new();
    ck_assert_ptr_null(scc_spec_load_file("/nonexistent/chain.json", NULL, d));
    ck_assert_int_eq(scc_diags_count(d), 1);
    ck_assert_ptr_nonnull(strstr(scc_diags_msg(d, 0), "No such file"));
    scc_diags_free(d);
}
END_TEST

/* /dev/zero used to spin forever: NULs appended nothing, so the size cap
 * was never reached (REVIEW 3.2). Now it stops at the first NUL. */
START_TEST(endless_nul_file_is_refused)
{
    struct scc_diags *d = scc_diags_new();
    ck_assert_ptr_null(scc_spec_load_file("/dev/zero", NULL, d));
    ck_assert_int_eq(scc_diags_count(d), 1);
    ck_assert_msg(strstr(scc_diags_msg(d, 0), "NUL byte at line 1, column 1"), "%s",
                  scc_diags_msg(d, 0));
    scc_diags_free(d);
}
END_TEST

/* One problem, one message: a firewall without rules used to be reported
 * for the field and again for the pipeline built from it. */
START_TEST(one_problem_one_message)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    ck_assert_ptr_null(scc_spec_load_string(
        "{\"name\": \"f\", \"nfs\": [{\"name\": \"fw\", \"type\": \"firewall\"}]}", &o, d));
    if (scc_diags_count(d) != 1)
        scc_diags_print(d, stderr);
    ck_assert_int_eq(scc_diags_count(d), 1);
    ck_assert_str_eq(scc_diags_path(d, 0), "nfs[0].config.rules");
    scc_diags_free(d);
}
END_TEST

/* The NAT element takes a single port; the spec used to refuse it. */
START_TEST(nat_single_port)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    struct scc_chain *ch = scc_spec_load_string(
        "{\"name\": \"n\", \"nfs\": [{\"name\": \"nat\", \"type\": \"nat\", \"config\": "
        "{\"pool\": \"203.0.113.1\", \"ports\": \"5000\"}}]}", &o, d);
    if (!ch)
        scc_diags_print(d, stderr);
    ck_assert_ptr_nonnull(ch);
    ck_assert_uint_eq(ch->nfs[0].nat_port_lo, 5000);
    ck_assert_uint_eq(ch->nfs[0].nat_port_hi, 5000);
    scc_chain_free(ch);
    scc_diags_free(d);
}
END_TEST

/* rt_priority without a policy in the same object applies to the policy it
 * inherits (docs/chain-spec.md), and is an error only where that is not rr/fifo. */
START_TEST(rt_priority_inherits_policy)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    struct scc_chain *ch = scc_spec_load_string(
        "{\"name\": \"s\", \"scheduler\": {\"policy\": \"rr\"}, \"nfs\": [{\"name\": \"a\", "
        "\"type\": \"counter\", \"sched\": {\"rt_priority\": 20}}]}", &o, d);
    if (!ch)
        scc_diags_print(d, stderr);
    ck_assert_ptr_nonnull(ch);
    ck_assert_int_eq(ch->nfs[0].sched.policy, SCC_POLICY_RR);
    ck_assert_int_eq(ch->nfs[0].sched.rt_priority, 20);
    scc_chain_free(ch);
    scc_diags_free(d);
}
END_TEST

START_TEST(traffic_placement_keys)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    struct scc_chain *ch = scc_spec_load_string(
        "{\"name\": \"p\", \"io\": {\"batch\": 16}, \"nfs\": [{\"name\": \"c\", "
        "\"type\": \"counter\", \"cpu\": 1}], \"traffic\": {\"gen_cpu\": \"0\", "
        "\"sink_cpu\": [1], \"gen_spin_us\": 50, \"sink_batch\": 64, \"sink_idle\": "
        "\"busy\", \"clocks_synced\": true}}", &o, d);
    if (!ch)
        scc_diags_print(d, stderr);
    ck_assert_ptr_nonnull(ch);
    const struct scc_traffic_spec *t = &ch->traffic;
    ck_assert(scc_cpuset_isset(&t->gen_cpus, 0));
    ck_assert_int_eq(scc_cpuset_count(&t->gen_cpus), 1);
    ck_assert(scc_cpuset_isset(&t->sink_cpus, 1));
    ck_assert_int_eq(t->gen_spin_us, 50);
    ck_assert_uint_eq(t->gen_batch, 0); /* absent: io.batch */
    ck_assert_uint_eq(t->sink_batch, 64);
    ck_assert_int_eq(t->sink_idle, SCC_IDLE_BUSY);
    ck_assert(t->clocks_synced);
    /* normalised: the batch that applies is written out */
    struct json_object *j = scc_chain_to_json(ch), *tr, *v;
    ck_assert(json_object_object_get_ex(j, "traffic", &tr));
    ck_assert(json_object_object_get_ex(tr, "gen_batch", &v));
    ck_assert_int_eq(json_object_get_int(v), 16);
    ck_assert(json_object_object_get_ex(tr, "gen_cpu", &v));
    ck_assert_str_eq(json_object_get_string(v), "0");
    json_object_put(j);
    scc_chain_free(ch);
    scc_diags_free(d);
}
END_TEST

/* io.uring_spin_us: default 0 and then not written; a value is kept and
 * written back (bad values: tests/specs/bad/19[123]-uring-spin-*). */
START_TEST(uring_spin_key)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    struct scc_chain *ch = scc_spec_load_string(
        "{\"name\": \"s\", \"io\": {\"transport\": \"uring\", \"uring_sqpoll\": true, "
        "\"uring_sqpoll_cpu\": 0, \"uring_spin_us\": 150}, \"nfs\": [{\"name\": \"c\", "
        "\"type\": \"counter\", \"cpu\": 1}]}", &o, d);
    if (!ch)
        scc_diags_print(d, stderr);
    ck_assert_ptr_nonnull(ch);
    ck_assert_uint_eq(ch->io.uring_spin_us, 150);
    struct json_object *j = scc_chain_to_json(ch), *io, *v;
    ck_assert(json_object_object_get_ex(j, "io", &io));
    ck_assert(json_object_object_get_ex(io, "uring_spin_us", &v));
    ck_assert_int_eq(json_object_get_int(v), 150);
    json_object_put(j);
    scc_chain_free(ch);
    ch = scc_spec_load_string("{\"name\": \"s\", \"io\": {\"transport\": \"uring\", "
                              "\"uring_sqpoll\": true}, \"nfs\": [{\"name\": \"c\", "
                              "\"type\": \"counter\"}]}", &o, d);
    ck_assert_ptr_nonnull(ch);
    ck_assert_uint_eq(ch->io.uring_spin_us, 0);
    j = scc_chain_to_json(ch);
    ck_assert(json_object_object_get_ex(j, "io", &io));
    ck_assert(!json_object_object_get_ex(io, "uring_spin_us", &v));
    json_object_put(j);
    scc_chain_free(ch);
    scc_diags_free(d);
}
END_TEST

/* "fuse": default true, false kept and written back only then; outside
 * the fused mode it changes nothing, and says so with a warning. */
START_TEST(fuse_key)
{
    struct scc_spec_opts o = opts();
    struct scc_diags *d = scc_diags_new();
    struct scc_chain *ch = scc_spec_load_string(
        "{\"name\": \"f\", \"scheduler\": {\"mode\": \"fused\"}, \"nfs\": ["
        "{\"name\": \"a\", \"type\": \"counter\", \"cpu\": 1},"
        "{\"name\": \"b\", \"type\": \"counter\", \"cpu\": 1, \"fuse\": false}]}", &o, d);
    ck_assert_ptr_nonnull(ch);
    ck_assert_uint_eq(scc_diags_nwarnings(d), 0);
    ck_assert_int_eq(ch->sched.mode, SCC_SCHED_FUSED);
    ck_assert(ch->nfs[0].fuse);
    ck_assert(!ch->nfs[1].fuse);
    struct json_object *j = scc_chain_to_json(ch), *nfs, *v;
    ck_assert(json_object_object_get_ex(j, "nfs", &nfs));
    ck_assert(!json_object_object_get_ex(json_object_array_get_idx(nfs, 0), "fuse", &v));
    ck_assert(json_object_object_get_ex(json_object_array_get_idx(nfs, 1), "fuse", &v));
    ck_assert(!json_object_get_boolean(v));
    json_object_put(j);
    scc_chain_free(ch);
    scc_diags_free(d);

    d = scc_diags_new();
    ch = scc_spec_load_string("{\"name\": \"f\", \"nfs\": [{\"name\": \"a\", \"type\": "
                              "\"counter\", \"fuse\": false}]}", &o, d);
    ck_assert_ptr_nonnull(ch);
    ck_assert_uint_eq(scc_diags_nwarnings(d), 1);
    ck_assert_str_eq(scc_diags_warning_path(d, 0), "nfs[0].fuse");
    ck_assert_ptr_nonnull(strstr(scc_diags_warning_msg(d, 0), "only meaningful with scheduler.mode"));
    scc_chain_free(ch);
    scc_diags_free(d);
}
END_TEST

/* A busy-polling NF that shares a core is a warning (the chain loads), with
 * the measured reason; every other combination is silent. */
static struct scc_chain *load_warn(const char *json, struct scc_diags *d)
{
    struct scc_spec_opts o = opts();
    struct scc_chain *ch = scc_spec_load_string(json, &o, d);
    if (!ch)
        scc_diags_print(d, stderr);
    ck_assert_ptr_nonnull(ch);
    ck_assert_uint_eq(scc_diags_count(d), 0);
    return ch;
}

START_TEST(busy_nf_sharing_a_core_warns)
{
    static const struct {
        const char *json, *path, *with;
    } warns[] = {
        {"{\"name\": \"w\", \"io\": {\"idle\": \"busy\"}, \"nfs\": [{\"name\": \"a\", "
         "\"type\": \"counter\", \"cpu\": 1}, {\"name\": \"b\", \"type\": \"counter\", "
         "\"cpu\": \"0-1\"}]}", "nfs[0].cpu", "nfs[1] 'b'"},
        {"{\"name\": \"w\", \"io\": {\"idle\": \"busy\"}, \"nfs\": [{\"name\": \"a\", "
         "\"type\": \"counter\", \"cpu\": 1}], \"traffic\": {\"gen_cpu\": 1}}",
         "nfs[0].cpu", "traffic.gen_cpu"},
        {"{\"name\": \"w\", \"io\": {\"idle\": \"busy\"}, \"nfs\": [{\"name\": \"a\", "
         "\"type\": \"counter\", \"cpu\": 1}], \"traffic\": {\"sink_cpu\": 1}}",
         "nfs[0].cpu", "traffic.sink_cpu"},
        {"{\"name\": \"w\", \"io\": {\"idle\": \"busy\"}, \"nfs\": [{\"name\": \"a\", "
         "\"type\": \"counter\"}]}", "nfs[0].cpu", "not pinned"},
    };
    for (size_t i = 0; i < sizeof(warns) / sizeof(warns[0]); i++) {
        struct scc_diags *d = scc_diags_new();
        struct scc_chain *ch = load_warn(warns[i].json, d);
        ck_assert_msg(scc_diags_nwarnings(d) >= 1, "case %zu: no warning", i);
        ck_assert_str_eq(scc_diags_warning_path(d, 0), warns[i].path);
        ck_assert_msg(strstr(scc_diags_warning_msg(d, 0), warns[i].with), "case %zu: %s", i,
                      scc_diags_warning_msg(d, 0));
        ck_assert_ptr_nonnull(strstr(scc_diags_warning_msg(d, 0), "p50 6-12 ms"));
        scc_chain_free(ch);
        scc_diags_free(d);
    }
    static const char *const quiet[] = {
        /* busy, each NF and the tools on cores of their own */
        "{\"name\": \"q\", \"io\": {\"idle\": \"busy\"}, \"nfs\": [{\"name\": \"a\", "
        "\"type\": \"counter\", \"cpu\": 1}], \"traffic\": {\"gen_cpu\": 0, \"sink_cpu\": 0}}",
        /* sharing, but blocking */
        "{\"name\": \"q\", \"nfs\": [{\"name\": \"a\", \"type\": \"counter\", \"cpu\": 1}, "
        "{\"name\": \"b\", \"type\": \"counter\", \"cpu\": 1}], \"traffic\": {\"gen_cpu\": 1}}",
    };
    for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
        struct scc_diags *d = scc_diags_new();
        struct scc_chain *ch = load_warn(quiet[i], d);
        ck_assert_msg(scc_diags_nwarnings(d) == 0, "quiet case %zu warned: %s", i,
                      scc_diags_warning_msg(d, 0));
        scc_chain_free(ch);
        scc_diags_free(d);
    }
}
END_TEST

/* The field tables and docs/chain-spec.md agree: every row of every table
 * (top level, io, hosts, nfs[i], each typed NF's config, routes, scheduler,
 * profiler, traffic) has a row in the docs table under its section's
 * heading, before the next heading. */
static struct scc_chain *load_ok(const char *json)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    struct scc_chain *ch = scc_spec_load_string(json, &o, d);
    if (!ch)
        scc_diags_print(d, stderr);
    ck_assert_ptr_nonnull(ch);
    scc_diags_free(d);
    return ch;
}

START_TEST(scheduler_modes_and_reservation_keys)
{
    /* uniprocessor: every NF on the named core; traffic placement untouched */
    struct scc_chain *ch = load_ok(
        "{\"name\": \"u\", \"scheduler\": {\"mode\": \"uniprocessor\", \"uniprocessor_cpu\": 1},"
        " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\"}, {\"name\": \"b\", \"type\": \"counter\","
        "  \"cpu\": 1}], \"traffic\": {}}");
    ck_assert_int_eq(ch->sched.uniprocessor_cpu, 1);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(scc_cpuset_count(&ch->nfs[i].cpus), 1);
        ck_assert(scc_cpuset_isset(&ch->nfs[i].cpus, 1));
    }
    ck_assert_int_eq(scc_cpuset_count(&ch->traffic.gen_cpus), 0);
    scc_chain_free(ch);
    /* default core: the first NF's; uniprocessor_traffic puts gen and sink there */
    ch = load_ok("{\"name\": \"u\", \"scheduler\": {\"mode\": \"uniprocessor\","
                 " \"uniprocessor_traffic\": true},"
                 " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\", \"cpu\": 1},"
                 "  {\"name\": \"b\", \"type\": \"counter\"}], \"traffic\": {}}");
    ck_assert_int_eq(ch->sched.uniprocessor_cpu, 1);
    ck_assert(scc_cpuset_isset(&ch->nfs[1].cpus, 1));
    ck_assert(scc_cpuset_isset(&ch->traffic.gen_cpus, 1));
    ck_assert(scc_cpuset_isset(&ch->traffic.sink_cpus, 1));
    ck_assert_int_eq(scc_cpuset_count(&ch->traffic.sink_cpus), 1);
    scc_chain_free(ch);
    /* unpinned first NF: the first online core */
    ch = load_ok("{\"name\": \"u\", \"scheduler\": {\"mode\": \"uniprocessor\"},"
                 " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\"}]}");
    ck_assert_int_eq(ch->sched.uniprocessor_cpu, 0);
    ck_assert(scc_cpuset_isset(&ch->nfs[0].cpus, 0));
    scc_chain_free(ch);
    /* other modes: no uniprocessor core */
    ch = load_ok("{\"name\": \"p\", \"nfs\": [{\"name\": \"a\", \"type\": \"counter\"}]}");
    ck_assert_int_eq(ch->sched.uniprocessor_cpu, -1);
    ck_assert_int_eq(ch->sched.nreserve_pids, 0);
    ck_assert(!ch->sched.reserve_irqs);
    scc_chain_free(ch);
    /* chain-order runs under any policy (batch here) */
    ch = load_ok("{\"name\": \"c\", \"scheduler\": {\"mode\": \"chain-order\", \"policy\": \"batch\"},"
                 " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\", \"cpu\": 1},"
                 "  {\"name\": \"b\", \"type\": \"counter\", \"cpu\": 1}]}");
    ck_assert_int_eq(ch->sched.mode, SCC_SCHED_CHAIN_ORDER);
    scc_chain_free(ch);
    /* reservation keys */
    ch = load_ok("{\"name\": \"r\", \"scheduler\": {\"reserve_cores\": 1,"
                 " \"reserve_pids\": [100, 200], \"reserve_irqs\": true},"
                 " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\"}]}");
    ck_assert_int_eq(ch->sched.nreserve_pids, 2);
    ck_assert_int_eq(ch->sched.reserve_pids[1], 200);
    ck_assert(ch->sched.reserve_irqs);
    scc_chain_free(ch);
    ch = load_ok("{\"name\": \"r\", \"scheduler\": {\"reserve_cores\": 1,"
                 " \"reserve_scope\": \"cgroup\", \"reserve_cgroup\": \"system.slice\"},"
                 " \"nfs\": [{\"name\": \"a\", \"type\": \"counter\"}]}");
    ck_assert_str_eq(ch->sched.reserve_cgroup, "system.slice");
    scc_chain_free(ch);
}
END_TEST

/* profiler.events: groups, software, tracepoint and hardware-table names
 * load; an unknown name is an error at its JSON path that lists the valid
 * names (and suggests the nearest). */
START_TEST(profiler_events_are_validated)
{
    struct scc_chain *ch = load_ok(
        "{\"name\": \"e\", \"nfs\": [{\"name\": \"c\", \"type\": \"counter\"}],"
        " \"profiler\": {\"events\": [\"memory\", \"tlb\", \"sched\", \"syscalls\","
        "   \"context-switches\", \"syscalls:sys_enter_recvmmsg\", \"MEM_LOAD_RETIRED:L1_HIT\","
        "   \"amd64_fam19h_zen3::LS_DISPATCH:LD_DISPATCH\"]}}");
    ck_assert_int_eq(ch->profiler.nevents, 8);
    scc_chain_free(ch);

    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    ch = scc_spec_load_string(
        "{\"name\": \"e\", \"nfs\": [{\"name\": \"c\", \"type\": \"counter\"}],"
        " \"profiler\": {\"events\": [\"sched\", \"memroy\", \"syscalls:sys_enter_bogus\"]}}",
        &o, d);
    ck_assert_ptr_null(ch);
    ck_assert_uint_eq(scc_diags_count(d), 2);
    ck_assert_str_eq(scc_diags_path(d, 0), "profiler.events[1]");
    const char *m = scc_diags_msg(d, 0);
    ck_assert_msg(strstr(m, "'memroy'") && strstr(m, "did you mean 'memory'") &&
                      strstr(m, "default, memory, tlb, sched, syscalls") &&
                      strstr(m, "context-switches") && strstr(m, "--list-events"),
                  "%s", m);
    ck_assert_str_eq(scc_diags_path(d, 1), "profiler.events[2]");
    ck_assert_msg(strstr(scc_diags_msg(d, 1), "syscalls:sys_enter_{recvmmsg,"), "%s",
                  scc_diags_msg(d, 1));
    scc_diags_free(d);
}
END_TEST

START_TEST(field_table_matches_docs)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/docs/chain-spec.md", srcdir());
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof(doc) - 1, f);
    fclose(f);
    doc[n] = '\0';
    size_t rows = 0;
    for (size_t i = 0; i < SCC_SEC_COUNT; i++) {
        const struct scc_field_section *sec = scc_spec_sections[i];
        ck_assert_msg(sec && sec->doc, "section %zu has no docs heading", i);
        char head[80];
        snprintf(head, sizeof(head), "\n%s\n", sec->doc);
        const char *start = strstr(doc, head);
        ck_assert_msg(start != NULL, "docs: no heading %s", sec->doc);
        const char *end = strstr(start + strlen(head), "\n#");
        for (size_t k = 0; k < sec->nfields; k++) {
            if (sec->fields[k].type == SCC_FIELD_INLINE)
                continue; /* its own section's rows are checked */
            char row[64];
            snprintf(row, sizeof(row), "\n| `%s` |", sec->fields[k].key);
            const char *at = strstr(start, row);
            ck_assert_msg(at && (!end || at < end), "docs: %s: %s has no row under %s",
                          sec->key, sec->fields[k].key, sec->doc);
            rows++;
        }
    }
    ck_assert_uint_ge(rows, 50); /* every section took part */
}
END_TEST

/* profiler.calibration names a file the profiler reads: a FIFO (which
 * used to block the run on open), a device such as /dev/zero or a
 * directory passed access(R_OK) and is refused now, at validation. */
START_TEST(calibration_must_be_a_regular_file)
{
    char fifo[] = "/tmp/scc-ut-calib-fifo.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(fifo));
    char path[64];
    snprintf(path, sizeof(path), "%s/f", fifo);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    const char *bad[][2] = {{path, "a FIFO"}, {"/dev/zero", "a character device"},
                            {"/tmp", "a directory"}};
    for (size_t i = 0; i < 3; i++) {
        char json[512];
        snprintf(json, sizeof(json),
                 "{\"name\": \"e\", \"nfs\": [{\"name\": \"c\", \"type\": \"counter\"}],"
                 " \"profiler\": {\"calibration\": \"%s\"}}", bad[i][0]);
        struct scc_diags *d = scc_diags_new();
        struct scc_spec_opts o = opts();
        ck_assert_ptr_null(scc_spec_load_string(json, &o, d));
        ck_assert_uint_eq(scc_diags_count(d), 1);
        ck_assert_str_eq(scc_diags_path(d, 0), "profiler.calibration");
        ck_assert_msg(strstr(scc_diags_msg(d, 0), bad[i][1]), "%s", scc_diags_msg(d, 0));
        scc_diags_free(d);
    }
    unlink(path);
    rmdir(fifo);
}
END_TEST

/* nf_user: every NF's user unless an NF names its own; a user that does
 * not exist is refused where it was written, with the fix. */
START_TEST(nf_user_inherits_and_is_checked)
{
    struct scc_chain *ch = load_ok(
        "{\"name\": \"u\", \"nf_user\": \"nobody\", \"nfs\": ["
        "{\"name\": \"a\", \"type\": \"counter\"},"
        "{\"name\": \"b\", \"type\": \"counter\", \"user\": \"root\"}]}");
    ck_assert_str_eq(ch->nf_user, "nobody");
    ck_assert_str_eq(ch->nfs[0].user, "nobody");
    ck_assert_str_eq(ch->nfs[1].user, "root");
    scc_chain_free(ch);
    ch = load_ok("{\"name\": \"u\", \"nfs\": [{\"name\": \"a\", \"type\": \"counter\"}]}");
    ck_assert_str_eq(ch->nfs[0].user, ""); /* default: no switch */
    scc_chain_free(ch);

    struct scc_diags *d = scc_diags_new();
    struct scc_spec_opts o = opts();
    ck_assert_ptr_null(scc_spec_load_string(
        "{\"name\": \"u\", \"nf_user\": \"no-such-user-scc\", \"nfs\": ["
        "{\"name\": \"a\", \"type\": \"counter\"},"
        "{\"name\": \"b\", \"type\": \"counter\", \"user\": \"nobody-else-scc\"},"
        "{\"name\": \"c\", \"type\": \"counter\", \"user\": \"$(touch x)\"}]}", &o, d));
    ck_assert_uint_eq(scc_diags_count(d), 3); /* once each, not again per inheriting NF */
    ck_assert_str_eq(scc_diags_path(d, 0), "nf_user");
    ck_assert_msg(strstr(scc_diags_msg(d, 0), "no user named 'no-such-user-scc'") &&
                  strstr(scc_diags_msg(d, 0), "e.g. \"nobody\""), "%s", scc_diags_msg(d, 0));
    ck_assert_str_eq(scc_diags_path(d, 1), "nfs[1].user");
    ck_assert_str_eq(scc_diags_path(d, 2), "nfs[2].user"); /* not a name at all */
    scc_diags_free(d);
}
END_TEST

int main(void)
{
    scc_cpuset_parse("0-1", &online);
    Suite *s = suite_create("spec");
    TCase *tc = tcase_create("spec");
    tcase_add_test(tc, bad_specs_report_path_and_hint);
    tcase_add_test(tc, good_specs_and_configs_validate);
    tcase_add_test(tc, defaults_are_filled_in);
    tcase_add_test(tc, scheduler_defaults_inherit_and_override);
    tcase_add_test(tc, every_problem_is_reported_at_once);
    tcase_add_test(tc, typed_nfs_expand_to_pipelines);
    tcase_add_test(tc, normalised_json_round_trips);
    tcase_add_test(tc, fuse_key);
    tcase_add_test(tc, missing_file_is_a_clear_error);
    tcase_add_test(tc, one_problem_one_message);
    tcase_add_test(tc, nat_single_port);
    tcase_add_test(tc, rt_priority_inherits_policy);
    tcase_add_test(tc, traffic_placement_keys);
    tcase_add_test(tc, busy_nf_sharing_a_core_warns);
    tcase_add_test(tc, scheduler_modes_and_reservation_keys);
    tcase_add_test(tc, field_table_matches_docs);
    tcase_add_test(tc, profiler_events_are_validated);
    tcase_add_test(tc, nf_user_inherits_and_is_checked);
    tcase_add_test(tc, uring_spin_key);
    suite_add_tcase(s, tc);
    TCase *tz = tcase_create("endless");
    tcase_set_timeout(tz, 10);
    tcase_add_test(tz, endless_nul_file_is_refused);
    tcase_add_test(tz, calibration_must_be_a_regular_file);
    suite_add_tcase(s, tz);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
