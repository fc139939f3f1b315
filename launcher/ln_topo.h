/*
 * ln_topo — turn a chain spec into a concrete topology (the plan) and
 * build or print it.
 *
 * Stages: 0 = traffic generator, 1..N = the NFs in chain order, N+1 = sink.
 * Interconnects:
 *   b2b     a veth pair per hop (stage s out <-> stage s+1 in);
 *   bridge  every stage has one port on one Linux bridge (br0, in its own
 *           namespace scc-<chain>.sw); static FDB entries and each stage's
 *           output destination MAC make packets follow the chain;
 *   udp     VXLAN-in-UDP hops: over loopback when every stage runs in the
 *           root namespace, else over a bridge with addresses 198.18.0.S+1/24
 *           (RFC 2544's benchmarking range, inside our own namespaces).
 * Fusion (scheduler.mode "fused", docs/fusion.md): consecutive NFs that
 * can share a process form a group. Every NF keeps its stage (so every
 * reader of the plan still sees one row per NF), but only the group's
 * first stage (its head) runs a process, owns a namespace and has links:
 * its in-link is its own, its out-link the one the group's last NF would
 * have had. The other members have no namespace, no link, no bridge port
 * and no endpoint; the hops between them are function calls in scc-nf.
 * Endpoints (the spec's `endpoints` block, docs/endpoints.md): stages 0
 * and N+1 are the namespaces `ingress` and `egress` for the user's own
 * applications instead of the generator and sink (ln_endpoints.h gives
 * them addresses, routes and neighbours), and every NF forwards replies.
 * Over a bridge each NF then has a second port, for the return path: its
 * first port receives forward frames (addressed to its MAC), the second
 * replies (addressed to its second MAC), so an NF tells the directions
 * apart by socket as over b2b.
 * Names, MACs and addresses are derived deterministically from the chain
 * (and host) name, so `scc run --dry-run` shows exactly what a run creates.
 * Namespaces are scc-<chain>.<stage> ('.' cannot occur in chain or NF
 * names, so two chains never map to one name); interfaces are s<tag>...,
 * tag = 32 bits of FNV-1a over the chain (and host) name.
 */
#ifndef LN_TOPO_H
#define LN_TOPO_H

#include <stdbool.h>
#include <stdint.h>

#include "launcher/ln_state.h"
#include "launcher/scc_spec.h"

#define LN_MAX_STAGES (SCC_MAX_NFS + 2)
#define LN_NS_MAX 80
#define LN_IF_MAX 16
#define LN_EP_MAX 96

struct ln_stage {
    char name[SCC_NAME_MAX];  /* "gen", the NF's name, "sink" */
    int nf;                   /* index into chain->nfs, -1 for gen/sink */
    bool local;               /* runs on this host */
    char netns[LN_NS_MAX];    /* "" = root namespace */
    char in_if[LN_IF_MAX];    /* raw: receiving interface ("" for gen) */
    char out_if[LN_IF_MAX];   /* raw: sending interface ("" for sink) */
    uint8_t mac[6];           /* MAC of the receiving (bridge: only) interface */
    char in_ep[LN_EP_MAX];    /* scc-nf style endpoint: raw:IF or udp:IP:PORT */
    char out_ep[LN_EP_MAX];
    bool set_dst_mac;         /* bridge: write dst_mac on every frame sent */
    uint8_t dst_mac[6];
    bool set_rev_dst_mac;     /* bridge with endpoints: write rev_dst_mac on every reply */
    uint8_t rev_dst_mac[6];
    uint8_t rev_mac[6];       /* bridge with endpoints: MAC of the NF's reply port */
    uint32_t addr;            /* udp over bridge: this stage's address (host order) */
    int group;                /* stage whose process runs this one: itself, or the head
                                 of its fused group */
    int nfused;               /* a head: NFs its process runs (1 = not fused); 0 for
                                 members, gen and sink */
};

#define LN_WHY_MAX 96
#define LN_MAX_GROUP 16      /* NFs one scc-nf runs (NF_STATS_MAX_STAGES) */

struct ln_link {
    char a[LN_IF_MAX], a_ns[LN_NS_MAX];  /* veth end A and its namespace ("" = root) */
    char b[LN_IF_MAX], b_ns[LN_NS_MAX];
    uint8_t a_mac[6], b_mac[6];
    uint32_t a_addr;                      /* 0 = none */
    bool b_on_bridge;                     /* enslave b to br0 in the switch namespace */
};

struct ln_plan {
    const struct scc_chain *chain;
    char tag[12];                        /* 8 hex digits from the chain (+host) name */
    char state_name[2 * SCC_NAME_MAX + 2]; /* chain[-host]: state file name */
    int nstages;
    struct ln_stage stages[LN_MAX_STAGES];
    int nlinks;
    struct ln_link links[2 * LN_MAX_STAGES]; /* bridge with endpoints: two ports per NF */
    int nns;
    char netns[LN_MAX_STAGES + 1][LN_NS_MAX]; /* namespaces to create */
    bool has_switch;
    char sw_ns[LN_NS_MAX];
    bool fused_mode;                     /* scheduler.mode "fused" */
    /* endpoints: stage 0 is "ingress", stage N+1 "egress"; their
     * interfaces and the MAC each one's gateway neighbour entry names (the
     * far endpoint over b2b, where the NFs keep the frames' MACs; the
     * neighbouring NF's port over a bridge, which steers by MAC) */
    bool endpoints;
    char ep_if[2][LN_IF_MAX];
    uint8_t ep_mac[2][6];                /* the endpoint interfaces' own MACs */
    uint8_t ep_gw_mac[2][6];
    /* fused mode: why NF stage s was not fused with stage s-1 ("" when it
     * was, or for s = 1) */
    char nofuse[LN_MAX_STAGES][LN_WHY_MAX];
};

/* Is stage s a fused member (no process of its own)? */
static inline bool ln_stage_member(const struct ln_plan *p, int s)
{
    return p->stages[s].group != s;
}

/* Why NFs a and b (indexes into chain->nfs, b = a + 1) cannot share one
 * process; "" when they can. ngroup: NFs already in a's group. Compared:
 * both "fuse" not false, the same host, each pinned to exactly one core and
 * the same one, the same env (netns/native), the same scheduling (policy,
 * nice, priority, slice) and restart policy, the group below LN_MAX_GROUP.
 * Transport, batch, idle and VNI are chain-wide (io.*): always the same. */
void ln_fuse_why_not(const struct scc_chain *chain, int a, int b, int ngroup, char *why,
                     size_t len);

/* Compute the plan for `host` (NULL or "" = single host). Returns 0 or
 * -EINVAL with a message in err. */
int ln_plan_build(const struct scc_chain *chain, const char *host, struct ln_plan *plan,
                  char *err, size_t errlen);

/* "fw+rt+l2 in one process on core 1 (saved 2 hops: 2 veth pairs, 2
 * namespaces)" for the group whose head is stage head. */
void ln_group_describe(const struct ln_plan *plan, int head, char *buf, size_t len);

/* Print the plan (stages, interfaces, MACs, addresses; in fused mode the
 * groups and what was not fused, and why) for a person. */
void ln_plan_print(const struct ln_plan *plan, void *stdio_file);

/* Create namespaces, links, bridge and addresses. First every name the
 * plan needs is checked: a namespace or root-namespace interface that
 * exists already, or a loopback UDP port in use, refuses the run (each is
 * logged, naming the object and what to do) before anything is created.
 * Then each object is journaled in st as an intent, created, and
 * confirmed (ln_state.h). With ln_dry_run set, nothing is checked and the
 * commands go to the dry-run output (st may be NULL then). Returns 0 or
 * -1 (the error was logged). */
int ln_topo_create(const struct ln_plan *plan, struct ln_state *st);

/* Test only: one set-up step passed; with SCC_TEST_STOP_AFTER_STEP=N set the
 * launcher SIGKILLs itself at the N-th (a deterministic crash point for the
 * residue tests). Does nothing when the variable is unset or in a dry run. */
void ln_test_step(void);

#endif
