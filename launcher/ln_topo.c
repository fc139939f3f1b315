/*
 * ln_topo — see ln_topo.h. Netlink work goes through iproute2's `ip` and
 * `bridge`, run with argv arrays (ln_exec). Before anything is created,
 * every name the plan needs (namespaces, root-namespace interfaces,
 * loopback UDP ports) is checked and a taken one refuses the run; then each
 * object is journaled as an intent, created, and confirmed (ln_state.h), so
 * undo never deletes an object this run did not create.
 */
#include "launcher/ln_topo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "launcher/ln_exec.h"

static uint32_t fnv1a(const char *a, const char *b)
{
    uint32_t h = scc_fnv1a(SCC_FNV1A_INIT, a, strlen(a));
    h = scc_fnv1a(h, "/", 1);
    return b ? scc_fnv1a(h, b, strlen(b)) : h;
}

/* 02:5c:TT:TT:SS:KK — locally administered, tag, stage, kind */
static void make_mac(uint8_t mac[6], uint32_t tag, int stage, int kind)
{
    mac[0] = 0x02;
    mac[1] = 0x5c;
    mac[2] = (uint8_t)(tag >> 8);
    mac[3] = (uint8_t)tag;
    mac[4] = (uint8_t)stage;
    mac[5] = (uint8_t)kind;
}

static const char *stage_host(const struct scc_chain *ch, int s)
{
    if (s == 0)
        return ch->nfs[0].host;
    if (s == ch->nnfs + 1)
        return ch->nfs[ch->nnfs - 1].host;
    return ch->nfs[s - 1].host;
}

/* A namespace name: "scc-" CHAIN "." WHAT. Chain, NF and host names are
 * [A-Za-z0-9][A-Za-z0-9_-]* (scc_spec.c), so '.' cannot occur in them and
 * the name splits back into chain and stage one way only: chain "x" with
 * NF "y-z" is scc-x.y-z, chain "x-y" with NF "z" is scc-x-y.z. */
static void ns_name(char out[LN_NS_MAX], const char *chain, const char *what)
{
    snprintf(out, LN_NS_MAX, "scc-%s.%s", chain, what);
}

/* Each stage that owns a namespace owns it alone: an NF called "gen",
 * "sink" or "sw" would land in the launcher's own namespace. */
static int add_ns(struct ln_plan *p, const char *ns, const char *who, char *err, size_t errlen)
{
    if (!ns[0])
        return 0;
    for (int i = 0; i < p->nns; i++)
        if (strcmp(p->netns[i], ns) == 0) {
            snprintf(err, errlen, "NF name '%s' is taken by the launcher's own stage of that "
                                  "name (namespace %s); rename the NF", who, ns);
            return -EINVAL;
        }
    snprintf(p->netns[p->nns++], LN_NS_MAX, "%s", ns);
    return 0;
}

static bool same_sched(const struct scc_sched_params *a, const struct scc_sched_params *b)
{
    return a->policy == b->policy && a->nice == b->nice && a->rt_priority == b->rt_priority &&
           a->slice_ms == b->slice_ms;
}

void ln_fuse_why_not(const struct scc_chain *ch, int a, int b, int ngroup, char *why, size_t len)
{
    const struct scc_nf_spec *x = &ch->nfs[a], *y = &ch->nfs[b];
    char cx[32] = "none", cy[32] = "none";
    if (scc_cpuset_count(&x->cpus))
        scc_cpuset_format(&x->cpus, cx, sizeof(cx));
    if (scc_cpuset_count(&y->cpus))
        scc_cpuset_format(&y->cpus, cy, sizeof(cy));
    why[0] = '\0';
    if (!x->fuse || !y->fuse)
        snprintf(why, len, "\"fuse\": false on %s", !y->fuse ? y->name : x->name);
    else if (strcmp(x->host, y->host) != 0)
        snprintf(why, len, "different hosts (%s, %s)", y->host, x->host);
    else if (scc_cpuset_count(&x->cpus) != 1 || scc_cpuset_count(&y->cpus) != 1)
        snprintf(why, len, "not both pinned to one core (cpu %s, %s)", cy, cx);
    else if (scc_cpuset_first(&x->cpus) != scc_cpuset_first(&y->cpus))
        snprintf(why, len, "different cores (%s, %s)", cy, cx);
    else if (x->env != y->env)
        snprintf(why, len, "different env (%s, %s)", scc_env_names[y->env],
                 scc_env_names[x->env]);
    else if (!same_sched(&x->sched, &y->sched))
        snprintf(why, len, "different scheduling (policy %s, %s)",
                 scc_policy_names[y->sched.policy], scc_policy_names[x->sched.policy]);
    else if (strcmp(x->user, y->user) != 0) /* one process runs as one user */
        snprintf(why, len, "different users (%s, %s)", y->user[0] ? y->user : "root",
                 x->user[0] ? x->user : "root");
    else if (x->restart != y->restart)
        snprintf(why, len, "different restart policies (%s, %s)",
                 scc_restart_names[y->restart], scc_restart_names[x->restart]);
    else if (ngroup >= LN_MAX_GROUP)
        snprintf(why, len, "the group has %d NFs, the most one scc-nf runs", LN_MAX_GROUP);
}

/* The stage after s's group (skipping fused members). */
static int next_stage(const struct ln_plan *p, int s)
{
    int n = s + 1;
    while (n < p->nstages - 1 && ln_stage_member(p, n))
        n++;
    return n;
}

/* Fused mode: NF stages join their predecessor's group when
 * ln_fuse_why_not finds nothing against it. */
static void plan_groups(const struct scc_chain *ch, struct ln_plan *p)
{
    for (int s = 0; s < p->nstages; s++) {
        p->stages[s].group = s;
        p->stages[s].nfused = p->stages[s].nf >= 0 ? 1 : 0;
    }
    p->fused_mode = ch->sched.mode == SCC_SCHED_FUSED;
    if (!p->fused_mode)
        return;
    for (int s = 2; s < p->nstages - 1; s++) {
        struct ln_stage *head = &p->stages[p->stages[s - 1].group];
        ln_fuse_why_not(ch, p->stages[s - 1].nf, p->stages[s].nf, head->nfused, p->nofuse[s],
                        LN_WHY_MAX);
        if (p->nofuse[s][0])
            continue;
        p->stages[s].group = p->stages[s - 1].group;
        p->stages[s].nfused = 0;
        head->nfused++;
    }
}

int ln_plan_build(const struct scc_chain *ch, const char *host, struct ln_plan *p, char *err,
                  size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->chain = ch;
    bool multi = ch->nhosts > 0;
    if (host && *host && !multi) {
        snprintf(err, errlen, "--host %s: the chain defines no hosts", host);
        return -EINVAL;
    }
    if (multi) {
        bool known = false;
        for (int i = 0; host && i < ch->nhosts; i++)
            known |= strcmp(ch->hosts[i].name, host) == 0;
        if (!known) {
            snprintf(err, errlen, "the chain is split across %d hosts; say which one this is "
                                  "with --host NAME", ch->nhosts);
            return -EINVAL;
        }
    }
    /* 32 bits of tag in interface names (IFNAMSIZ leaves room for 8 hex
     * digits): only root-namespace interfaces of native stages can meet
     * another chain's, and a chance collision is refused at creation */
    uint32_t tag = fnv1a(ch->name, multi ? host : NULL);
    snprintf(p->tag, sizeof(p->tag), "%08x", tag);
    if (multi)
        snprintf(p->state_name, sizeof(p->state_name), "%s-%s", ch->name, host);
    else
        scc_strlcpy(p->state_name, ch->name, sizeof(p->state_name));

    int n = ch->nnfs + 2;
    p->nstages = n;
    bool udp = ch->interconnect == SCC_LINK_UDP;
    bool all_native = true;
    for (int i = 0; i < ch->nnfs; i++)
        all_native &= ch->nfs[i].env == SCC_ENV_NATIVE;
    /* a chain across hosts runs each host's stages in that host's namespace */
    bool loopback = udp && (all_native || multi);

    /* endpoints: the chain's ends are the user's namespaces (the spec
     * refuses them with udp, hosts and fused mode) */
    p->endpoints = ch->endpoints.present && !udp && !multi;
    const char *first = p->endpoints ? "ingress" : "gen", *last = p->endpoints ? "egress" : "sink";
    for (int s = 0; s < n; s++) {
        struct ln_stage *st = &p->stages[s];
        st->nf = (s == 0 || s == n - 1) ? -1 : s - 1;
        snprintf(st->name, sizeof(st->name), "%s",
                 s == 0 ? first : s == n - 1 ? last : ch->nfs[s - 1].name);
    }
    plan_groups(ch, p);
    for (int s = 0; s < n; s++) {
        struct ln_stage *st = &p->stages[s];
        st->local = !multi || strcmp(stage_host(ch, s), host) == 0;
        make_mac(st->mac, tag, s, 1);
        if (ln_stage_member(p, s)) {
            /* runs inside its head's process, in its namespace: owns nothing */
            scc_strlcpy(st->netns, p->stages[st->group].netns, sizeof(st->netns));
            continue;
        }
        bool own_ns = st->nf < 0 ? !loopback : (!multi && ch->nfs[st->nf].env == SCC_ENV_NETNS);
        if (own_ns)
            ns_name(st->netns, ch->name, st->name);
        if (st->local && add_ns(p, st->netns, st->name, err, errlen) < 0)
            return -EINVAL;
    }

    if (!udp && ch->interconnect == SCC_LINK_B2B) {
        for (int h = 0; h + 1 < n; h++) {
            if (ln_stage_member(p, h + 1))
                continue; /* a hop inside a fused group: a function call */
            struct ln_link *l = &p->links[p->nlinks++];
            /* the hop out of a group leaves from its head's namespace */
            struct ln_stage *a = &p->stages[p->stages[h].group], *b = &p->stages[h + 1];
            snprintf(l->a, sizeof(l->a), "s%08xh%ua", (unsigned)tag, (unsigned)h & 0xff);
            snprintf(l->b, sizeof(l->b), "s%08xh%ub", (unsigned)tag, (unsigned)h & 0xff);
            scc_strlcpy(l->a_ns, a->netns, sizeof(l->a_ns));
            scc_strlcpy(l->b_ns, b->netns, sizeof(l->b_ns));
            make_mac(l->a_mac, tag, h, 2);
            memcpy(l->b_mac, b->mac, 6);
            scc_strlcpy(a->out_if, l->a, sizeof(a->out_if));
            scc_strlcpy(b->in_if, l->b, sizeof(b->in_if));
        }
        if (p->endpoints) { /* the NFs keep the frames' MACs: each end names the other */
            const struct ln_link *l0 = &p->links[0], *ln = &p->links[p->nlinks - 1];
            scc_strlcpy(p->ep_if[0], l0->a, LN_IF_MAX);
            scc_strlcpy(p->ep_if[1], ln->b, LN_IF_MAX);
            memcpy(p->ep_mac[0], l0->a_mac, 6);
            memcpy(p->ep_mac[1], ln->b_mac, 6);
            memcpy(p->ep_gw_mac[0], ln->b_mac, 6);
            memcpy(p->ep_gw_mac[1], l0->a_mac, 6);
        }
    } else if (!loopback) {
        /* bridge (raw) or udp over a bridge: one port per stage */
        p->has_switch = true;
        ns_name(p->sw_ns, ch->name, "sw");
        if (add_ns(p, p->sw_ns, "sw", err, errlen) < 0)
            return -EINVAL;
        for (int s = 0; s < n; s++) {
            if (ln_stage_member(p, s))
                continue; /* no bridge port: it has no process */
            struct ln_link *l = &p->links[p->nlinks++];
            struct ln_stage *st = &p->stages[s];
            int nx = next_stage(p, s);
            snprintf(l->a, sizeof(l->a), "s%08xp%u", (unsigned)tag, (unsigned)s & 0xff);
            snprintf(l->b, sizeof(l->b), "s%08xq%u", (unsigned)tag, (unsigned)s & 0xff);
            scc_strlcpy(l->a_ns, st->netns, sizeof(l->a_ns));
            scc_strlcpy(l->b_ns, p->sw_ns, sizeof(l->b_ns));
            memcpy(l->a_mac, st->mac, 6);
            make_mac(l->b_mac, tag, s, 3);
            l->b_on_bridge = true;
            if (udp) {
                st->addr = (198u << 24) | (18u << 16) | (uint32_t)(s + 1);
                l->a_addr = st->addr;
            }
            if (s > 0)
                scc_strlcpy(st->in_if, l->a, sizeof(st->in_if));
            if (s < n - 1) {
                scc_strlcpy(st->out_if, l->a, sizeof(st->out_if));
                if (!udp) {
                    st->set_dst_mac = true;
                    make_mac(st->dst_mac, tag, nx, 1);
                }
            }
            if (!p->endpoints || st->nf < 0)
                continue;
            /* endpoints: the NF's reply port, its out side; replies it
             * sends go to the previous stage's reply port (the ingress
             * endpoint's only port) */
            struct ln_link *r = &p->links[p->nlinks++];
            snprintf(r->a, sizeof(r->a), "s%08xr%u", (unsigned)tag, (unsigned)s & 0xff);
            snprintf(r->b, sizeof(r->b), "s%08xt%u", (unsigned)tag, (unsigned)s & 0xff);
            scc_strlcpy(r->a_ns, st->netns, sizeof(r->a_ns));
            scc_strlcpy(r->b_ns, p->sw_ns, sizeof(r->b_ns));
            make_mac(st->rev_mac, tag, s, 5);
            memcpy(r->a_mac, st->rev_mac, 6);
            make_mac(r->b_mac, tag, s, 6);
            r->b_on_bridge = true;
            scc_strlcpy(st->out_if, r->a, sizeof(st->out_if));
            st->set_rev_dst_mac = true;
            if (s == 1)
                memcpy(st->rev_dst_mac, p->stages[0].mac, 6);
            else
                memcpy(st->rev_dst_mac, p->stages[s - 1].rev_mac, 6);
        }
        if (p->endpoints) {
            /* the bridge steers by MAC: each endpoint's gateway is its
             * neighbouring NF's port (in port of the first, reply port of
             * the last) */
            snprintf(p->ep_if[0], LN_IF_MAX, "%s", p->stages[0].out_if);
            snprintf(p->ep_if[1], LN_IF_MAX, "%s", p->stages[n - 1].in_if);
            memcpy(p->ep_mac[0], p->stages[0].mac, 6);
            memcpy(p->ep_mac[1], p->stages[n - 1].mac, 6);
            memcpy(p->ep_gw_mac[0], p->stages[1].mac, 6);
            memcpy(p->ep_gw_mac[1], p->stages[n - 2].rev_mac, 6);
        }
    }

    /* endpoints (a fused member has none: its head's out is the group's) */
    for (int s = 0; s < n; s++) {
        struct ln_stage *st = &p->stages[s];
        char a[20];
        if (ln_stage_member(p, s))
            continue;
        int nx = next_stage(p, s);
        if (!udp) {
            if (st->in_if[0])
                snprintf(st->in_ep, sizeof(st->in_ep), "raw:%s", st->in_if);
            if (st->out_if[0])
                snprintf(st->out_ep, sizeof(st->out_ep), "raw:%s", st->out_if);
            continue;
        }
        unsigned port = ch->io.udp_port;
        if (loopback) {
            bool prev_remote = s > 0 && !p->stages[s - 1].local;
            if (s > 0)
                snprintf(st->in_ep, sizeof(st->in_ep), "udp:%s:%u",
                         prev_remote ? "0.0.0.0" : "127.0.0.1", port + (unsigned)s);
            if (s < n - 1) {
                const char *to = "127.0.0.1";
                if (multi && strcmp(stage_host(ch, nx), stage_host(ch, s)) != 0) {
                    for (int k = 0; k < ch->nhosts; k++)
                        if (strcmp(ch->hosts[k].name, stage_host(ch, nx)) == 0)
                            scc_ipv4_format(ch->hosts[k].address, a, sizeof(a));
                    to = a;
                }
                snprintf(st->out_ep, sizeof(st->out_ep), "udp:%s:%u", to, port + (unsigned)nx);
            }
        } else {
            if (s > 0) {
                scc_ipv4_format(st->addr, a, sizeof(a));
                snprintf(st->in_ep, sizeof(st->in_ep), "udp:%s:%u", a, port);
            }
            if (s < n - 1) {
                scc_ipv4_format(p->stages[nx].addr, a, sizeof(a));
                snprintf(st->out_ep, sizeof(st->out_ep), "udp:%s:%u", a, port);
            }
        }
    }
    return 0;
}

void ln_group_describe(const struct ln_plan *p, int head, char *buf, size_t len)
{
    const struct ln_stage *h = &p->stages[head];
    const struct scc_chain *ch = p->chain;
    size_t k = 0;
    buf[0] = '\0';
    for (int s = head; s < head + h->nfused && k < len; s++)
        k += (size_t)snprintf(buf + k, len - k, "%s%s", s > head ? "+" : "", p->stages[s].name);
    if (k >= len)
        return;
    int hops = h->nfused - 1;
    char core[32] = "any core";
    if (scc_cpuset_count(&ch->nfs[h->nf].cpus) == 1)
        snprintf(core, sizeof(core), "core %d", scc_cpuset_first(&ch->nfs[h->nf].cpus));
    /* what each hop between two separate NFs would have had */
    bool ns = ch->nfs[h->nf].env == SCC_ENV_NETNS && ch->nhosts == 0;
    bool udp = ch->interconnect == SCC_LINK_UDP;
    char what[96];
    if (udp && !p->has_switch)
        snprintf(what, sizeof(what), "%d VXLAN endpoint%s", hops, hops == 1 ? "" : "s");
    else if (udp)
        snprintf(what, sizeof(what), "%d VXLAN endpoint%s, %d bridge port%s", hops,
                 hops == 1 ? "" : "s", hops, hops == 1 ? "" : "s");
    else if (ch->interconnect == SCC_LINK_BRIDGE)
        snprintf(what, sizeof(what), "%d bridge port%s", hops, hops == 1 ? "" : "s");
    else
        snprintf(what, sizeof(what), "%d veth pair%s", hops, hops == 1 ? "" : "s");
    char nss[32] = "";
    if (ns)
        snprintf(nss, sizeof(nss), ", %d namespace%s", hops, hops == 1 ? "" : "s");
    snprintf(buf + k, len - k, " in one process on %s (saved %d hop%s: %s%s)", core, hops,
             hops == 1 ? "" : "s", what, nss);
}

void ln_plan_print(const struct ln_plan *p, void *stdio_file)
{
    FILE *f = stdio_file;
    const struct scc_chain *ch = p->chain;
    fprintf(f, "chain %s: %d NF%s, %s interconnect, %s transport, batch %u, state %s/%s.state\n",
            ch->name, ch->nnfs, ch->nnfs == 1 ? "" : "s", scc_link_names[ch->interconnect],
            scc_transport_names[ch->io.transport], ch->io.batch, ln_state_dir(), p->state_name);
    fprintf(f, "  %-3s %-10s %-22s %-6s %-17s %-24s %-24s\n", "#", "stage", "namespace", "cpu",
            "mac", "in", "out");
    for (int s = 0; s < p->nstages; s++) {
        const struct ln_stage *st = &p->stages[s];
        char mac[20], cpu[32] = "-";
        scc_mac_format(st->mac, mac, sizeof(mac));
        if (st->nf >= 0 && scc_cpuset_count(&ch->nfs[st->nf].cpus))
            scc_cpuset_format(&ch->nfs[st->nf].cpus, cpu, sizeof(cpu));
        char nsd[LN_NS_MAX + 16];
        if (ln_stage_member(p, s))
            snprintf(nsd, sizeof(nsd), "(in %s)", p->stages[st->group].name);
        else
            snprintf(nsd, sizeof(nsd), "%s", st->netns[0] ? st->netns : "(root)");
        fprintf(f, "  %-3d %-10s %-22s %-6s %-17s %-24s %-24s%s\n", s, st->name, nsd, cpu, mac,
                st->in_ep[0] ? st->in_ep : "-", st->out_ep[0] ? st->out_ep : "-",
                st->local ? "" : "  [other host]");
    }
    if (!p->fused_mode)
        return;
    int groups = 0;
    for (int s = 1; s < p->nstages - 1; s++)
        if (p->stages[s].nfused > 1) {
            char g[256];
            ln_group_describe(p, s, g, sizeof(g));
            fprintf(f, "fused: %s\n", g);
            groups++;
        }
    if (!groups)
        fprintf(f, "fused: no group (no two neighbouring NFs can share a process)\n");
    for (int s = 2; s < p->nstages - 1; s++)
        if (p->nofuse[s][0])
            fprintf(f, "not fused: %s with %s: %s\n", p->stages[s].name, p->stages[s - 1].name,
                    p->nofuse[s]);
}

#define RUN(...)                                                                                \
    do {                                                                                        \
        const char *argv_[] = {__VA_ARGS__, NULL};                                              \
        if (ln_run_tool(argv_, false) != 0)                                                     \
            return -1;                                                                          \
    } while (0)

static int journal_fail(int rc)
{
    scc_err("cannot write the state file: %s", strerror(-rc));
    return -1;
}

/* Test only (tests/integration/test_residue.sh): with SCC_TEST_STOP_AFTER_STEP=N
 * in the environment the launcher SIGKILLs itself at its N-th set-up step, so
 * a test can crash it deterministically between any two steps and check that
 * `scc cleanup` restores the machine. Steps: after each intent is journaled
 * (the object not created yet), after each creating command (created, not yet
 * confirmed), after the chain-wide scheduling and after each NF started. Unset
 * (always, outside tests) it costs one getenv per step. */
void ln_test_step(void)
{
    static long step;
    const char *n = getenv("SCC_TEST_STOP_AFTER_STEP");
    if (!n || ln_dry_run)
        return;
    if (++step == strtol(n, NULL, 10))
        raise(SIGKILL);
}

/* intent before the creating command, confirmation after it succeeded */
#define INTENT(st, ...)                                                                         \
    do {                                                                                        \
        int rc_;                                                                                \
        if ((st) && (rc_ = ln_state_intent((st), __VA_ARGS__)) < 0)                             \
            return journal_fail(rc_);                                                           \
        ln_test_step();                                                                         \
    } while (0)

#define CONFIRM(st)                                                                             \
    do {                                                                                        \
        int rc_;                                                                                \
        ln_test_step();                                                                         \
        if ((st) && (rc_ = ln_state_confirm(st)) < 0)                                           \
            return journal_fail(rc_);                                                           \
    } while (0)

/* `ip [-n NS] ARGS...` */
static int ip_in(const char *ns, const char *const *args)
{
    const char *argv[24];
    int k = 0;
    argv[k++] = "ip";
    if (ns && ns[0]) {
        argv[k++] = "-n";
        argv[k++] = ns;
    }
    for (int i = 0; args[i] && k < 23; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    return ln_run_tool(argv, false) == 0 ? 0 : -1;
}

#define IP(ns, ...)                                                                             \
    do {                                                                                        \
        const char *args_[] = {__VA_ARGS__, NULL};                                              \
        if (ip_in((ns), args_) < 0)                                                             \
            return -1;                                                                          \
    } while (0)

static int link_up(const char *ns, const char *ifname)
{
    /* no IPv6 link-local address and no multicast: no router/neighbour
     * solicitations or IGMP/MLD reports mixed into the measured traffic */
    IP(ns, "link", "set", "dev", ifname, "addrgenmode", "none", "multicast", "off");
    IP(ns, "link", "set", "dev", ifname, "up");
    return 0;
}

/* Is this end of the link created on this host? (a hop to another host
 * has its other end there) */
static bool end_local(const struct ln_plan *p, const char *ifname)
{
    for (int s = 0; s < p->nstages; s++)
        if (!p->stages[s].local &&
            (!strcmp(p->stages[s].in_if, ifname) || !strcmp(p->stages[s].out_if, ifname)))
            return false;
    return true;
}

static bool netns_taken(const char *name)
{
    char path[LN_NS_MAX + 16];
    snprintf(path, sizeof(path), "/run/netns/%s", name);
    return access(path, F_OK) == 0;
}

/* A UDP port this run's NFs will bind in the launcher's namespace is free
 * now (two chains with the same io.udp_port over loopback would share
 * ports: the second's NFs could not bind). */
static bool udp_port_taken(const char *ep)
{
    char addr[64];
    unsigned port;
    if (sscanf(ep, "udp:%63[^:]:%u", addr, &port) != 2 || port == 0 || port > 65535)
        return false;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
        return false;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool taken = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno == EADDRINUSE;
    close(fd);
    return taken;
}

/* Every name the plan needs must be free; all conflicts are reported, and
 * nothing has been created when this fails. */
static int check_names_free(const struct ln_plan *p)
{
    int taken = 0;
    for (int i = 0; i < p->nns; i++)
        if (netns_taken(p->netns[i])) {
            scc_err("network namespace %s exists and was not created by this run; remove it "
                    "(ip netns del %s) or rename the chain", p->netns[i], p->netns[i]);
            taken++;
        }
    for (int i = 0; i < p->nlinks; i++) {
        const struct ln_link *l = &p->links[i];
        const char *ends[2][2] = {{l->a, l->a_ns}, {l->b, l->b_ns}};
        for (int e = 0; e < 2; e++)
            if (!ends[e][1][0] && end_local(p, ends[e][0]) && if_nametoindex(ends[e][0])) {
                scc_err("interface %s exists in the root namespace and was not created by "
                        "this run; remove it (ip link del %s) or rename the chain",
                        ends[e][0], ends[e][0]);
                taken++;
            }
    }
    for (int s = 1; s < p->nstages; s++) {
        const struct ln_stage *st = &p->stages[s];
        if (st->local && !st->netns[0] && udp_port_taken(st->in_ep)) {
            scc_err("%s: UDP port %s is in use (another chain with the same io.udp_port "
                    "running?); give this chain another io.udp_port", st->name,
                    strrchr(st->in_ep, ':') + 1);
            taken++;
        }
    }
    return taken ? -1 : 0;
}

int ln_topo_create(const struct ln_plan *p, struct ln_state *st)
{
    if (!ln_dry_run && check_names_free(p) < 0)
        return -1;
    for (int i = 0; i < p->nns; i++) {
        INTENT(st, "netns %s %llu", p->netns[i], ln_state_birth_clock());
        RUN("ip", "netns", "add", p->netns[i]);
        CONFIRM(st);
        IP(p->netns[i], "link", "set", "dev", "lo", "up");
    }
    if (p->has_switch) {
        uint8_t mac[6];
        char m[20];
        make_mac(mac, (uint32_t)strtoul(p->tag, NULL, 16), 0, 4);
        scc_mac_format(mac, m, sizeof(m));
        INTENT(st, "link br0 %s %s", p->sw_ns, m);
        IP(p->sw_ns, "link", "add", "br0", "address", m, "type", "bridge", "stp_state", "0",
           "forward_delay", "0", "mcast_snooping", "0");
        CONFIRM(st);
        IP(p->sw_ns, "link", "set", "dev", "br0", "addrgenmode", "none", "multicast", "off");
        IP(p->sw_ns, "link", "set", "dev", "br0", "up");
    }
    for (int i = 0; i < p->nlinks; i++) {
        const struct ln_link *l = &p->links[i];
        if (!end_local(p, l->a) || !end_local(p, l->b))
            continue;
        /* the addresses go into the creating request: a link of this name
         * with this address is the one we made (cleanup's proof after a
         * crash between creation and confirmation) */
        char ma[20], mb[20];
        scc_mac_format(l->a_mac, ma, sizeof(ma));
        scc_mac_format(l->b_mac, mb, sizeof(mb));
        INTENT(st, "link %s %s %s", l->a, l->a_ns[0] ? l->a_ns : "-", ma);
        /* io.queues: both ends with that many TX and RX queues (a frame
         * leaves on the TX queue its flow hashes to and arrives on the
         * peer's RX queue of the same index; an xdp NF has a socket on
         * each) */
        char nq[12];
        unsigned queues = p->chain->io.queues;
        snprintf(nq, sizeof(nq), "%u", queues);
        const char *argv[32];
        int k = 0;
        argv[k++] = "ip";
        argv[k++] = "link";
        argv[k++] = "add";
        argv[k++] = l->a;
        if (l->a_ns[0]) {
            argv[k++] = "netns";
            argv[k++] = l->a_ns;
        }
        argv[k++] = "address";
        argv[k++] = ma;
        if (queues > 1) {
            argv[k++] = "numtxqueues";
            argv[k++] = nq;
            argv[k++] = "numrxqueues";
            argv[k++] = nq;
        }
        argv[k++] = "type";
        argv[k++] = "veth";
        argv[k++] = "peer";
        argv[k++] = "name";
        argv[k++] = l->b;
        if (l->b_ns[0]) {
            argv[k++] = "netns";
            argv[k++] = l->b_ns;
        }
        argv[k++] = "address";
        argv[k++] = mb;
        if (queues > 1) {
            argv[k++] = "numtxqueues";
            argv[k++] = nq;
            argv[k++] = "numrxqueues";
            argv[k++] = nq;
        }
        argv[k] = NULL;
        if (ln_run_tool(argv, false) != 0)
            return -1;
        CONFIRM(st);
        if (link_up(l->a_ns, l->a) < 0 || link_up(l->b_ns, l->b) < 0)
            return -1;
        if (l->a_addr) {
            char a[32], cidr[40];
            scc_ipv4_format(l->a_addr, a, sizeof(a));
            snprintf(cidr, sizeof(cidr), "%s/24", a);
            IP(l->a_ns, "addr", "add", cidr, "dev", l->a);
        }
        if (l->b_on_bridge) {
            IP(l->b_ns, "link", "set", "dev", l->b, "master", "br0");
            /* learning off + a static entry per stage: frames go exactly where the
             * chain says, whatever source MACs the NFs forward */
            const char *bl[] = {"bridge", "-n", l->b_ns, "link", "set", "dev", l->b,
                                "learning", "off", NULL};
            if (ln_run_tool(bl, false) != 0)
                return -1;
            const char *fdb[] = {"bridge", "-n", l->b_ns, "fdb", "add", ma, "dev", l->b,
                                 "master", "static", NULL};
            if (ln_run_tool(fdb, false) != 0)
                return -1;
        }
    }
    return 0;
}
