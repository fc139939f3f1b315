/*
 * Endpoints without touching the network: the spec's `endpoints` block and
 * per-NF `reverse` (defaults per type, every refusal with its path and
 * reason, the normalised chain loading back the same), and the plan's
 * endpoint stages, interfaces and neighbour MACs over b2b and bridge (a
 * reply port per NF, replies steered to the previous stage's reply port).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "launcher/ln_topo.h"
#include "launcher/scc_spec.h"
#include "nfs/nf_stats.h"
#include "nfs/nf_types.h"

static struct scc_cpuset online;

static struct scc_chain *load(const char *json, struct scc_diags *d)
{
    struct scc_spec_opts o = {.sz = sizeof(o), .online = &online};
    return scc_spec_load_string(json, &o, d);
}

static struct scc_chain *load_ok(const char *json)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_chain *ch = load(json, d);
    if (!ch)
        scc_diags_print(d, stderr);
    scc_diags_free(d);
    ck_assert_ptr_nonnull(ch);
    return ch;
}

/* Loading json fails with an error at path whose text has `has`. */
static void refused(const char *json, const char *path, const char *has)
{
    struct scc_diags *d = scc_diags_new();
    struct scc_chain *ch = load(json, d);
    ck_assert_ptr_null(ch);
    bool found = false;
    for (size_t i = 0; i < scc_diags_count(d); i++)
        found |= !strcmp(scc_diags_path(d, i), path) && strstr(scc_diags_msg(d, i), has);
    if (!found)
        scc_diags_print(d, stderr);
    ck_assert_msg(found, "no error at %s saying '%s'", path, has);
    scc_diags_free(d);
}

#define NFS3 "\"nfs\": [{\"name\": \"fw\", \"type\": \"firewall\", \"config\": {\"rules\": " \
             "[\"allow all\"]}}, {\"name\": \"nat\", \"type\": \"nat\", \"config\": {\"pool\": " \
             "\"10.201.9.1\"}}, {\"name\": \"rt\", \"type\": \"router\", \"config\": {\"routes\": " \
             "[{\"prefix\": \"0.0.0.0/0\"}]}}, {\"name\": \"l2\", \"type\": \"l2fwd\"}, " \
             "{\"name\": \"c\", \"type\": \"counter\"}, {\"name\": \"p\", \"pipeline\": " \
             "\"FromIO -> ToIO\"}]"

START_TEST(reverse_defaults_per_type)
{
    struct scc_chain *ch = load_ok("{\"name\": \"x\", " NFS3 "}");
    const enum scc_reverse want[] = {SCC_REVERSE_PIPELINE, SCC_REVERSE_PIPELINE,
                                     SCC_REVERSE_PIPELINE, SCC_REVERSE_STRAIGHT,
                                     SCC_REVERSE_PIPELINE, SCC_REVERSE_STRAIGHT};
    ck_assert_int_eq(ch->nnfs, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(ch->nfs[i].reverse == want[i], "nfs[%d] (%s): reverse %s", i,
                      ch->nfs[i].name, scc_reverse_names[ch->nfs[i].reverse]);
    ck_assert(!ch->endpoints.present);
    /* the normalised chain says the resolved value and loads back the same */
    struct json_object *o = scc_chain_to_json(ch);
    const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    ck_assert_ptr_nonnull(strstr(txt, "\"reverse\":\"straight\""));
    ck_assert_ptr_null(strstr(txt, "\"endpoints\""));
    struct scc_chain *again = load_ok(txt);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(again->nfs[i].reverse, ch->nfs[i].reverse);
    json_object_put(o);
    scc_chain_free(again);
    scc_chain_free(ch);
    /* given explicitly: kept */
    ch = load_ok("{\"name\": \"x\", \"nfs\": [{\"name\": \"n\", \"type\": \"nat\", \"reverse\": "
                 "\"none\", \"config\": {\"pool\": \"10.0.0.1\"}}]}");
    ck_assert_int_eq(ch->nfs[0].reverse, SCC_REVERSE_NONE);
    scc_chain_free(ch);
    refused("{\"name\": \"x\", \"nfs\": [{\"name\": \"n\", \"type\": \"counter\", \"reverse\": "
            "\"back\"}]}", "nfs[0].reverse", "");
    ck_assert_int_eq(nf_type_default_reverse(NF_TYPE_FIREWALL), NF_REVERSE_PIPELINE);
    ck_assert_int_eq(nf_type_default_reverse(NF_TYPE_L2FWD), NF_REVERSE_STRAIGHT);
    ck_assert_int_eq(nf_type_default_reverse(NF_TYPE_NAT), NF_REVERSE_PIPELINE);
}
END_TEST

START_TEST(endpoints_block_defaults_and_round_trip)
{
    struct scc_chain *ch = load_ok("{\"name\": \"x\", " NFS3 ", \"endpoints\": {}}");
    ck_assert(ch->endpoints.present);
    ck_assert_uint_eq(ch->endpoints.ingress, 0x0ac90101u);
    ck_assert_uint_eq(ch->endpoints.egress, 0x0ac90201u);
    ck_assert_uint_eq(ch->endpoints.prefix_len, 24);
    ck_assert_uint_eq(scc_endpoint_gateway(ch->endpoints.ingress, 24), 0x0ac901feu);
    struct json_object *o = scc_chain_to_json(ch);
    struct scc_chain *again = load_ok(json_object_to_json_string(o));
    ck_assert(again->endpoints.present);
    ck_assert_uint_eq(again->endpoints.egress, ch->endpoints.egress);
    json_object_put(o);
    scc_chain_free(again);
    scc_chain_free(ch);
    ch = load_ok("{\"name\": \"x\", " NFS3 ", \"endpoints\": {\"ingress\": \"192.168.5.9\", "
                 "\"egress\": \"192.168.7.1\", \"prefix_len\": 23}}");
    ck_assert_uint_eq(scc_endpoint_gateway(ch->endpoints.egress, 23), 0xc0a807feu);
    scc_chain_free(ch);
}
END_TEST

/* A router's ICMP source: config.addr given (kept, written back), checked
 * (no loopback), and with endpoints defaulted per position so each hop
 * answers from its own address (docs/endpoints.md). */
#define RT(n, extra) "{\"name\": \"" n "\", \"type\": \"router\", \"config\": {\"routes\": " \
                     "[{\"prefix\": \"0.0.0.0/0\"}]" extra "}}"
START_TEST(router_addr_given_checked_and_defaulted)
{
    struct scc_chain *ch = load_ok("{\"name\": \"x\", \"nfs\": [" RT("a", ", \"addr\": \"192.0.2.7\"")
                                   "]}");
    ck_assert_uint_eq(ch->nfs[0].router_addr, 0xc0000207u);
    ck_assert_ptr_nonnull(strstr(ch->nfs[0].pipeline, "ttl[1] -> ICMPError(SRC 192.0.2.7, TYPE "
                                                      "timeexceeded, CODE 0) -> ToIO(1)"));
    struct json_object *o = scc_chain_to_json(ch);
    struct scc_chain *again = load_ok(json_object_to_json_string(o));
    ck_assert_str_eq(again->nfs[0].pipeline, ch->nfs[0].pipeline);
    json_object_put(o);
    scc_chain_free(again);
    scc_chain_free(ch);

    refused("{\"name\": \"x\", \"nfs\": [" RT("a", ", \"addr\": \"127.0.0.1\"") "]}",
            "nfs[0].config.addr", "cannot be the source");
    refused("{\"name\": \"x\", \"nfs\": [" RT("a", ", \"addr\": \"10.1\"") "]}",
            "nfs[0].config.addr", "is not an IPv4 address");

    /* no address, no endpoints: expired TTLs are dropped and counted */
    ch = load_ok("{\"name\": \"x\", \"nfs\": [" RT("a", "") ", " RT("b", "") ", "
                 RT("c", ", \"addr\": \"192.0.2.7\"") "], \"endpoints\": {}}");
    ck_assert_ptr_null(strstr(ch->nfs[0].pipeline, "ICMPError"));
    /* with endpoints: gateway .254 minus the position; a given one stays */
    ck_assert_int_eq(scc_spec_endpoint_defaults(ch), 0);
    ck_assert_ptr_nonnull(strstr(ch->nfs[0].pipeline, "ICMPError(SRC 10.201.1.254,"));
    ck_assert_ptr_nonnull(strstr(ch->nfs[1].pipeline, "ICMPError(SRC 10.201.1.253,"));
    ck_assert_ptr_nonnull(strstr(ch->nfs[2].pipeline, "ICMPError(SRC 192.0.2.7,"));
    scc_chain_free(ch);
    /* a /30 has no room below the gateway (.2 is the ingress): the gateway */
    ch = load_ok("{\"name\": \"x\", \"nfs\": [" RT("a", "") ", " RT("b", "") "], "
                 "\"endpoints\": {\"ingress\": \"10.9.0.1\", \"egress\": \"10.9.1.1\", "
                 "\"prefix_len\": 30}}");
    ck_assert_int_eq(scc_spec_endpoint_defaults(ch), 0);
    ck_assert_ptr_nonnull(strstr(ch->nfs[0].pipeline, "ICMPError(SRC 10.9.0.2,"));
    ck_assert_ptr_nonnull(strstr(ch->nfs[1].pipeline, "ICMPError(SRC 10.9.0.2,"));
    scc_chain_free(ch);
}
END_TEST

START_TEST(endpoints_refusals_name_the_reason)
{
    refused("{\"name\": \"x\", \"interconnect\": \"udp\", \"io\": {\"transport\": \"udp\"}, " NFS3
            ", \"endpoints\": {}}", "endpoints", "one way");
    refused("{\"name\": \"x\", \"scheduler\": {\"mode\": \"fused\"}, " NFS3 ", \"endpoints\": {}}",
            "endpoints", "fused");
    refused("{\"name\": \"x\", " NFS3 ", \"traffic\": {}, \"endpoints\": {}}", "endpoints",
            "traffic");
    refused("{\"name\": \"x\", \"mode\": \"profile\", " NFS3 ", \"endpoints\": {}}", "endpoints",
            "runtime");
    refused("{\"name\": \"x\", " NFS3 ", \"endpoints\": {\"egress\": \"10.201.1.7\"}}",
            "endpoints.egress", "subnet");
    refused("{\"name\": \"x\", " NFS3 ", \"endpoints\": {\"ingress\": \"10.201.1.254\"}}",
            "endpoints.ingress", "gateway");
    refused("{\"name\": \"x\", " NFS3 ", \"endpoints\": {\"ingress\": \"10.201.1.0\"}}",
            "endpoints.ingress", "network or broadcast");
    refused("{\"name\": \"x\", " NFS3 ", \"endpoints\": {\"prefix_len\": 31}}",
            "endpoints.prefix_len", "");
    refused("{\"name\": \"x\", " NFS3 ", \"endpoints\": {\"ingres\": \"10.0.0.1\"}}",
            "endpoints.ingres", "");
}
END_TEST

START_TEST(b2b_plan_endpoints_name_each_other)
{
    struct scc_chain *ch = load_ok("{\"name\": \"x\", " NFS3 ", \"endpoints\": {}}");
    struct ln_plan p;
    char err[128];
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    ck_assert(p.endpoints);
    ck_assert_str_eq(p.stages[0].name, "ingress");
    ck_assert_str_eq(p.stages[p.nstages - 1].name, "egress");
    ck_assert_str_eq(p.stages[0].netns, "scc-x.ingress");
    ck_assert_str_eq(p.stages[p.nstages - 1].netns, "scc-x.egress");
    ck_assert_str_eq(p.ep_if[0], p.links[0].a);
    ck_assert_str_eq(p.ep_if[1], p.links[p.nlinks - 1].b);
    /* the NFs keep the frames' MACs: each gateway is the other end */
    ck_assert_mem_eq(p.ep_gw_mac[0], p.ep_mac[1], 6);
    ck_assert_mem_eq(p.ep_gw_mac[1], p.ep_mac[0], 6);
    for (int s = 1; s < p.nstages - 1; s++)
        ck_assert(!p.stages[s].set_rev_dst_mac && !p.stages[s].set_dst_mac);
    scc_chain_free(ch);
    /* an NF called like an endpoint stage cannot share its namespace */
    ch = load_ok("{\"name\": \"x\", \"nfs\": [{\"name\": \"egress\", \"type\": \"counter\"}], "
                 "\"endpoints\": {}}");
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "egress"));
    scc_chain_free(ch);
}
END_TEST

START_TEST(bridge_plan_gives_each_nf_a_reply_port)
{
    struct scc_chain *ch =
        load_ok("{\"name\": \"x\", \"interconnect\": \"bridge\", " NFS3 ", \"endpoints\": {}}");
    struct ln_plan p;
    char err[128];
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    int n = p.nstages, nnf = n - 2;
    ck_assert_int_eq(p.nlinks, n + nnf); /* a port per stage, a reply port per NF */
    for (int s = 1; s <= nnf; s++) {
        const struct ln_stage *st = &p.stages[s];
        ck_assert_str_ne(st->in_if, st->out_if); /* two sockets: directions by socket */
        ck_assert(st->set_dst_mac && st->set_rev_dst_mac);
        /* forward: the next stage's in port; replies: the previous stage's reply port */
        ck_assert_mem_eq(st->dst_mac, p.stages[s + 1].mac, 6);
        ck_assert_mem_eq(st->rev_dst_mac, s == 1 ? p.stages[0].mac : p.stages[s - 1].rev_mac, 6);
        bool on_bridge = false;
        for (int l = 0; l < p.nlinks; l++)
            on_bridge |= !strcmp(p.links[l].a, st->out_if) && p.links[l].b_on_bridge &&
                         !memcmp(p.links[l].a_mac, st->rev_mac, 6);
        ck_assert_msg(on_bridge, "stage %d: reply port %s not on the bridge", s, st->out_if);
        ck_assert_int_le(strlen(st->out_if), 15);
    }
    ck_assert_mem_eq(p.ep_gw_mac[0], p.stages[1].mac, 6);
    ck_assert_mem_eq(p.ep_gw_mac[1], p.stages[nnf].rev_mac, 6);
    ck_assert_mem_eq(p.ep_mac[1], p.stages[n - 1].mac, 6);
    scc_chain_free(ch);
    /* without endpoints the bridge plan is as before: one port per stage */
    ch = load_ok("{\"name\": \"x\", \"interconnect\": \"bridge\", " NFS3 "}");
    ck_assert_int_eq(ln_plan_build(ch, NULL, &p, err, sizeof(err)), 0);
    ck_assert(!p.endpoints);
    ck_assert_int_eq(p.nlinks, p.nstages);
    ck_assert_str_eq(p.stages[0].name, "gen");
    scc_chain_free(ch);
}
END_TEST

/* The reverse block sits after the elements on the page: a reader copies
 * it too (it once copied the header and the elements only). */
START_TEST(stats_reader_sees_the_reverse_block)
{
    char name[32], err[256];
    snprintf(name, sizeof(name), "eptest%d", (int)getpid());
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    struct nf_stats_page *pg = nf_stats_page(w);
    nf_stats_begin(w);
    pg->rev.mode = NF_STATS_REV_STRAIGHT;
    pg->rev.rx_pkts = 42;
    pg->rev.tx_bytes = 4242;
    nf_stats_end(w);
    struct nf_stats_page *out = calloc(1, sizeof(*out));
    int rc = nf_stats_read(name, out, err, sizeof(err));
    nf_stats_destroy(w); /* first: a failed assertion must not leave the page */
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(out->rev.mode, NF_STATS_REV_STRAIGHT);
    ck_assert_uint_eq(out->rev.rx_pkts, 42);
    ck_assert_uint_eq(out->rev.tx_bytes, 4242);
    free(out);
}
END_TEST

int main(void)
{
    scc_cpuset_parse("0-1", &online);
    Suite *s = suite_create("endpoints");
    TCase *tc = tcase_create("endpoints");
    tcase_add_test(tc, reverse_defaults_per_type);
    tcase_add_test(tc, endpoints_block_defaults_and_round_trip);
    tcase_add_test(tc, endpoints_refusals_name_the_reason);
    tcase_add_test(tc, router_addr_given_checked_and_defaulted);
    tcase_add_test(tc, b2b_plan_endpoints_name_each_other);
    tcase_add_test(tc, bridge_plan_gives_each_nf_a_reply_port);
    tcase_add_test(tc, stats_reader_sees_the_reverse_block);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
