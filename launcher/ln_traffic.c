/*
 * ln_traffic — see ln_traffic.h.
 */
#include "launcher/ln_traffic.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* NFs of this host pinned to cpu (an unpinned NF may run anywhere). */
static int nfs_on(const struct scc_chain *ch, const struct ln_plan *plan, int cpu)
{
    int n = 0;
    for (int s = 1; s < plan->nstages - 1; s++) {
        const struct ln_stage *st = &plan->stages[s];
        if (!st->local)
            continue;
        const struct scc_cpuset *c = &ch->nfs[st->nf].cpus;
        if (!scc_cpuset_count(c) || scc_cpuset_isset(c, cpu))
            n++;
    }
    return n;
}

static bool subset(const struct scc_cpuset *a, const struct scc_cpuset *of)
{
    for (size_t i = 0; i < SCC_ARRAY_SIZE(a->bits); i++)
        if (a->bits[i] & ~of->bits[i])
            return false;
    return true;
}

static bool overlaps(const struct scc_cpuset *a, const struct scc_cpuset *b)
{
    for (size_t i = 0; i < SCC_ARRAY_SIZE(a->bits); i++)
        if (a->bits[i] & b->bits[i])
            return true;
    return false;
}

static void one(struct scc_cpuset *s, int cpu)
{
    scc_cpuset_zero(s);
    scc_cpuset_set(s, cpu);
}

int ln_place_traffic(const struct scc_chain *ch, const struct ln_plan *plan,
                     const struct scc_cpuset *online, struct ln_placement *pl, char *err,
                     size_t errlen)
{
    const struct scc_traffic_spec *t = &ch->traffic;
    memset(pl, 0, sizeof(*pl));
    int free_cpu[2] = {-1, -1}, nfree = 0, least = -1, least_n = 1 << 30;
    for (int c = 0; c < SCC_MAX_CPUS; c++) {
        if (!scc_cpuset_isset(online, c))
            continue;
        int n = nfs_on(ch, plan, c);
        if (n == 0 && nfree < 2)
            free_cpu[nfree++] = c;
        if (n < least_n) {
            least_n = n;
            least = c;
        }
    }
    if (least < 0) {
        snprintf(err, errlen, "no online CPU");
        return -EINVAL;
    }
    if (scc_cpuset_count(&t->gen_cpus)) {
        if (!subset(&t->gen_cpus, online)) {
            snprintf(err, errlen, "traffic.gen_cpu names a core that is not online");
            return -EINVAL;
        }
        pl->gen = t->gen_cpus;
    } else {
        pl->gen_auto = true;
        one(&pl->gen, nfree ? free_cpu[0] : least);
    }
    if (scc_cpuset_count(&t->sink_cpus)) {
        if (!subset(&t->sink_cpus, online)) {
            snprintf(err, errlen, "traffic.sink_cpu names a core that is not online");
            return -EINVAL;
        }
        pl->sink = t->sink_cpus;
    } else {
        pl->sink_auto = true;
        const struct scc_cpuset *last = NULL;
        for (int s = plan->nstages - 2; s >= 1 && !last; s--)
            if (plan->stages[s].local)
                last = &ch->nfs[plan->stages[s].nf].cpus;
        if (nfree >= 2 && pl->gen_auto)
            one(&pl->sink, free_cpu[1]);
        else if (nfree >= 1 && pl->gen_auto)
            one(&pl->sink, free_cpu[0]); /* beside the generator, which then sleeps */
        else if (last && scc_cpuset_count(last))
            one(&pl->sink, scc_cpuset_first(last));
        else if (!last && nfree >= 1 && !scc_cpuset_isset(&pl->gen, free_cpu[nfree - 1]))
            one(&pl->sink, free_cpu[nfree - 1]);
        else
            one(&pl->sink, least);
    }
    pl->gen_shares = overlaps(&pl->gen, &pl->sink);
    for (int c = 0; c < SCC_MAX_CPUS; c++) {
        if (scc_cpuset_isset(&pl->gen, c) && nfs_on(ch, plan, c))
            pl->gen_shares = true;
        if (scc_cpuset_isset(&pl->sink, c) && nfs_on(ch, plan, c))
            pl->sink_shares_nf = true;
    }
    if (t->gen_spin_us >= 0)
        pl->gen_spin_us = t->gen_spin_us;
    else
        pl->gen_spin_us = pl->gen_shares ? 0 : LN_GEN_SPIN_US;
    return 0;
}

void ln_placement_format(const struct scc_chain *ch, const struct ln_plan *plan,
                         const struct ln_placement *pl, char *buf, size_t len)
{
    size_t at = 0;
    char c[64];
#define PUT(...)                                                                               \
    do {                                                                                       \
        if (at < len) {                                                                        \
            int n_ = snprintf(buf + at, len - at, __VA_ARGS__);                                \
            at += n_ > 0 ? (size_t)n_ : 0;                                                     \
        }                                                                                      \
    } while (0)
    buf[0] = '\0';
    if (plan->stages[0].local) {
        scc_cpuset_format(&pl->gen, c, sizeof(c));
        PUT("gen cpu %s (%s%s)", c, pl->gen_spin_us ? "spins" : "sleeps",
            pl->gen_shares ? ", shares its core" : "");
    }
    for (int s = 1; s < plan->nstages - 1; s++) {
        const struct ln_stage *st = &plan->stages[s];
        if (!st->local)
            continue;
        const struct scc_cpuset *cs = &ch->nfs[st->nf].cpus;
        if (scc_cpuset_count(cs))
            scc_cpuset_format(cs, c, sizeof(c));
        else
            snprintf(c, sizeof(c), "any");
        PUT("%s%s cpu %s", at ? ", " : "", st->name, c);
    }
    if (plan->stages[plan->nstages - 1].local) {
        scc_cpuset_format(&pl->sink, c, sizeof(c));
        PUT("%ssink cpu %s", at ? ", " : "", c);
    }
#undef PUT
}

static void add(struct ln_traffic_argv *a, const char *s)
{
    if (*a->argc < a->max)
        a->argv[(*a->argc)++] = s;
}

static const char *fmt(struct ln_traffic_argv *a, const char *f, ...)
    __attribute__((format(printf, 2, 3)));

static const char *fmt(struct ln_traffic_argv *a, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(a->store, a->storelen, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= a->storelen)
        return "";
    const char *at = a->store;
    a->store += n + 1;
    a->storelen -= (size_t)n + 1;
    return at;
}

void ln_traffic_args(const struct scc_chain *ch, const struct ln_stage *st,
                     const struct ln_placement *pl, bool gen, const char *json_path,
                     const char *notify_path, const char *no_latency,
                     struct ln_traffic_argv *a)
{
    const struct scc_traffic_spec *t = &ch->traffic;
    const char *ep = gen ? st->out_ep : st->in_ep; /* raw:IF or udp:IP:PORT */
    bool udp = strncmp(ep, "udp:", 4) == 0;
    /* the measuring side uses the chain's transport too (uring, xdp), so
     * it is not the bottleneck; the endpoint gives the wire format */
    bool eng = ch->io.transport == SCC_TRANSPORT_URING || ch->io.transport == SCC_TRANSPORT_XDP;
    add(a, "--transport");
    add(a, eng ? scc_transport_names[ch->io.transport] : udp ? "udp" : "raw");
    /* no --uring-sqpoll: a second spinning kernel thread per instrument
     * would take the NFs' cores on a small host */
    if (udp) {
        add(a, gen ? "--dst" : "--listen");
        add(a, ep + 4);
        add(a, "--vni");
        add(a, fmt(a, "%u", ch->io.vni));
    } else {
        add(a, "--if");
        add(a, ep + 4);
    }
    unsigned batch = gen ? t->gen_batch : t->sink_batch;
    add(a, "--batch");
    add(a, fmt(a, "%u", batch ? batch : ch->io.batch));
    add(a, "--json");
    add(a, json_path);
    if (gen) {
        add(a, "--rate");
        add(a, fmt(a, "%" PRIu64, t->rate_pps));
        add(a, "--size");
        add(a, t->dist == SCC_DIST_FIXED ? fmt(a, "%u", t->size) : scc_size_dist_names[t->dist]);
        add(a, "--flows");
        add(a, fmt(a, "%u", t->flows));
        if (t->count) {
            add(a, "--count");
            add(a, fmt(a, "%" PRIu64, t->count));
        } else {
            add(a, "--duration");
            add(a, fmt(a, "%g", t->duration_s));
        }
        add(a, "--spin-us");
        add(a, fmt(a, "%d", pl->gen_spin_us));
        if (st->set_dst_mac) {
            char m[20];
            scc_mac_format(st->dst_mac, m, sizeof(m));
            add(a, "--dst-mac");
            add(a, fmt(a, "%s", m));
        }
    } else {
        add(a, "--idle");
        add(a, scc_idle_names[t->sink_idle]);
        add(a, "--warmup");
        add(a, fmt(a, "%g", t->warmup_s));
        add(a, "--idle-timeout");
        add(a, "1");
        add(a, "--timeout");
        add(a, "10");
        add(a, "--ready");
        add(a, fmt(a, "%s.ready", json_path));
        if (notify_path) {
            add(a, "--notify");
            add(a, notify_path);
        }
        if (no_latency) {
            add(a, "--no-latency");
            add(a, no_latency);
        }
    }
}
