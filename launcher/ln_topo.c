/*
 * ln_topo — see ln_topo.h. Netlink work goes through iproute2's `ip` and
 * `bridge`, run with argv arrays (ln_exec); every object is journaled in
 * the state file before the command that creates it runs, so a crash
 * between the two leaves at worst a record cleanup finds nothing for.
 */
#include "launcher/ln_topo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/scc_log.h"
#include "launcher/ln_exec.h"

static uint32_t fnv1a(const char *a, const char *b)
{
    uint32_t h = 2166136261u;
    for (const char *s = a; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    h = (h ^ '/') * 16777619u;
    for (const char *s = b ? b : ""; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
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

static void add_ns(struct ln_plan *p, const char *ns)
{
    if (!ns[0])
        return;
    for (int i = 0; i < p->nns; i++)
        if (strcmp(p->netns[i], ns) == 0)
            return;
    snprintf(p->netns[p->nns++], LN_NS_MAX, "%s", ns);
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
    uint32_t tag = fnv1a(ch->name, multi ? host : NULL) & 0xffff;
    snprintf(p->tag, sizeof(p->tag), "%04x", tag);
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

    for (int s = 0; s < n; s++) {
        struct ln_stage *st = &p->stages[s];
        st->nf = (s == 0 || s == n - 1) ? -1 : s - 1;
        snprintf(st->name, sizeof(st->name), "%s",
                 s == 0 ? "gen" : s == n - 1 ? "sink" : ch->nfs[s - 1].name);
        st->local = !multi || strcmp(stage_host(ch, s), host) == 0;
        bool own_ns = st->nf < 0 ? !loopback : (!multi && ch->nfs[st->nf].env == SCC_ENV_NETNS);
        if (own_ns)
            snprintf(st->netns, sizeof(st->netns), "scc-%s-%s", ch->name, st->name);
        make_mac(st->mac, tag, s, 1);
        if (st->local)
            add_ns(p, st->netns);
    }

    if (!udp && ch->interconnect == SCC_LINK_B2B) {
        for (int h = 0; h + 1 < n; h++) {
            struct ln_link *l = &p->links[p->nlinks++];
            struct ln_stage *a = &p->stages[h], *b = &p->stages[h + 1];
            snprintf(l->a, sizeof(l->a), "s%04xh%ua", (unsigned)tag, (unsigned)h & 0xff);
            snprintf(l->b, sizeof(l->b), "s%04xh%ub", (unsigned)tag, (unsigned)h & 0xff);
            scc_strlcpy(l->a_ns, a->netns, sizeof(l->a_ns));
            scc_strlcpy(l->b_ns, b->netns, sizeof(l->b_ns));
            make_mac(l->a_mac, tag, h, 2);
            memcpy(l->b_mac, b->mac, 6);
            scc_strlcpy(a->out_if, l->a, sizeof(a->out_if));
            scc_strlcpy(b->in_if, l->b, sizeof(b->in_if));
        }
    } else if (!loopback) {
        /* bridge (raw) or udp over a bridge: one port per stage */
        p->has_switch = true;
        snprintf(p->sw_ns, sizeof(p->sw_ns), "scc-%s-sw", ch->name);
        add_ns(p, p->sw_ns);
        for (int s = 0; s < n; s++) {
            struct ln_link *l = &p->links[p->nlinks++];
            struct ln_stage *st = &p->stages[s];
            snprintf(l->a, sizeof(l->a), "s%04xp%u", (unsigned)tag, (unsigned)s & 0xff);
            snprintf(l->b, sizeof(l->b), "s%04xq%u", (unsigned)tag, (unsigned)s & 0xff);
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
                    make_mac(st->dst_mac, tag, s + 1, 1);
                }
            }
        }
    }

    /* endpoints */
    for (int s = 0; s < n; s++) {
        struct ln_stage *st = &p->stages[s];
        char a[20];
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
                if (multi && strcmp(stage_host(ch, s + 1), stage_host(ch, s)) != 0) {
                    for (int k = 0; k < ch->nhosts; k++)
                        if (strcmp(ch->hosts[k].name, stage_host(ch, s + 1)) == 0)
                            scc_ipv4_format(ch->hosts[k].address, a, sizeof(a));
                    to = a;
                }
                snprintf(st->out_ep, sizeof(st->out_ep), "udp:%s:%u", to, port + (unsigned)s + 1);
            }
        } else {
            if (s > 0) {
                scc_ipv4_format(st->addr, a, sizeof(a));
                snprintf(st->in_ep, sizeof(st->in_ep), "udp:%s:%u", a, port);
            }
            if (s < n - 1) {
                scc_ipv4_format(p->stages[s + 1].addr, a, sizeof(a));
                snprintf(st->out_ep, sizeof(st->out_ep), "udp:%s:%u", a, port);
            }
        }
    }
    return 0;
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
        fprintf(f, "  %-3d %-10s %-22s %-6s %-17s %-24s %-24s%s\n", s, st->name,
                st->netns[0] ? st->netns : "(root)", cpu, mac, st->in_ep[0] ? st->in_ep : "-",
                st->out_ep[0] ? st->out_ep : "-", st->local ? "" : "  [other host]");
    }
}

#define RUN(...)                                                                                \
    do {                                                                                        \
        const char *argv_[] = {__VA_ARGS__, NULL};                                              \
        if (ln_run_tool(argv_, false) != 0)                                                     \
            return -1;                                                                          \
    } while (0)

#define JOURNAL(st, ...)                                                                        \
    do {                                                                                        \
        if ((st) && ln_state_add((st), __VA_ARGS__) < 0) {                                     \
            scc_err("cannot write the state file: %s", strerror(errno));                        \
            return -1;                                                                          \
        }                                                                                       \
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

static int link_up(const char *ns, const char *ifname, const uint8_t mac[6])
{
    char m[20];
    scc_mac_format(mac, m, sizeof(m));
    /* no IPv6 link-local address and no multicast: no router/neighbour
     * solicitations or IGMP/MLD reports mixed into the measured traffic */
    IP(ns, "link", "set", "dev", ifname, "address", m, "addrgenmode", "none", "multicast", "off");
    IP(ns, "link", "set", "dev", ifname, "up");
    return 0;
}

int ln_topo_create(const struct ln_plan *p, struct ln_state *st)
{
    for (int i = 0; i < p->nns; i++) {
        JOURNAL(st, "netns %s", p->netns[i]);
        RUN("ip", "netns", "add", p->netns[i]);
        IP(p->netns[i], "link", "set", "dev", "lo", "up");
    }
    if (p->has_switch) {
        JOURNAL(st, "link br0 %s", p->sw_ns);
        IP(p->sw_ns, "link", "add", "br0", "type", "bridge", "stp_state", "0",
           "forward_delay", "0", "mcast_snooping", "0");
        IP(p->sw_ns, "link", "set", "dev", "br0", "addrgenmode", "none", "multicast", "off");
        IP(p->sw_ns, "link", "set", "dev", "br0", "up");
    }
    for (int i = 0; i < p->nlinks; i++) {
        const struct ln_link *l = &p->links[i];
        bool a_local = true, b_local = true;
        for (int s = 0; s < p->nstages; s++) {
            if (!p->stages[s].local && (!strcmp(p->stages[s].in_if, l->a) ||
                                        !strcmp(p->stages[s].out_if, l->a)))
                a_local = false;
            if (!p->stages[s].local && (!strcmp(p->stages[s].in_if, l->b) ||
                                        !strcmp(p->stages[s].out_if, l->b)))
                b_local = false;
        }
        if (!a_local || !b_local)
            continue;
        JOURNAL(st, "link %s %s", l->a, l->a_ns[0] ? l->a_ns : "-");
        const char *argv[20];
        int k = 0;
        argv[k++] = "ip";
        argv[k++] = "link";
        argv[k++] = "add";
        argv[k++] = l->a;
        if (l->a_ns[0]) {
            argv[k++] = "netns";
            argv[k++] = l->a_ns;
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
        argv[k] = NULL;
        if (ln_run_tool(argv, false) != 0)
            return -1;
        if (link_up(l->a_ns, l->a, l->a_mac) < 0 || link_up(l->b_ns, l->b, l->b_mac) < 0)
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
            char m[20];
            scc_mac_format(l->a_mac, m, sizeof(m));
            const char *fdb[] = {"bridge", "-n", l->b_ns, "fdb", "add", m, "dev", l->b,
                                 "master", "static", NULL};
            if (ln_run_tool(fdb, false) != 0)
                return -1;
        }
    }
    return 0;
}
