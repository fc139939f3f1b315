/*
 * ln_nfctl — see ln_nfctl.h. The NF's own counters come from its stats
 * page (nfs/nf_stats.h); the kernel's view of the process from /proc.
 */
#include "launcher/ln_nfctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"
#include "nfs/nf_stats.h"

const char *ln_nf_stats_name(const char *state_name, const char *nf_name, char *buf)
{
    /* "<chain>.<nf>" so `scc stats` names read naturally (names cannot
     * contain '.'); stats pages allow 32 characters, so longer pairs fall
     * back to a hash of the pair */
    char full[2 * 40 + 8];
    snprintf(full, sizeof(full), "%s.%s", state_name, nf_name);
    if (strlen(full) <= 32) {
        scc_strlcpy(buf, full, LN_STATS_NAME);
        return buf;
    }
    uint32_t h = scc_fnv1a(SCC_FNV1A_INIT, full, strlen(full));
    char nf[20];
    scc_strlcpy(nf, nf_name, sizeof(nf));
    snprintf(buf, LN_STATS_NAME, "%08x.%s", h, nf);
    return buf;
}

bool ln_nf_ready(const char *stats_name)
{
    struct nf_stats_page *pg = malloc(sizeof(*pg));
    char err[128];
    bool ok = pg && nf_stats_read(stats_name, pg, err, sizeof(err)) == 0 && pg->ready;
    free(pg);
    return ok;
}

static void add_drop(struct ln_nf_counters *c, const char *name, uint64_t n)
{
    if (!n || c->ndrops >= LN_MAX_ELEM_DROPS)
        return;
    scc_strlcpy(c->drop_name[c->ndrops], name, LN_DROP_NAME);
    c->drop_count[c->ndrops++] = n;
}

/* One stage of a multi-stage page (see ln_nf_sample_stage). */
static void read_stage(const struct nf_stats_page *pg, unsigned k, struct ln_nf_counters *c)
{
    const struct nf_stats_stage *st = &pg->stages[k];
    bool first = k == 0, last = k + 1 == pg->nstages;
    c->rx = st->rx_pkts;
    c->tx = st->tx_pkts;
    c->batches = pg->batches; /* the group's receive rounds */
    c->drops = st->drops;
    c->phase = (pg->phase_flags & NF_STATS_PHASE_ON) ? 1 : 0;
    c->phase_pipe_ns = st->pipe_ns;
    if (first) {
        c->rx_bytes = pg->rx_bytes;
        c->rx_calls = pg->rx_calls;
        c->recvmmsg_calls = pg->recvmmsg_calls;
        c->rx_empty_calls = pg->rx_empty_calls;
        c->ring_calls = pg->ring_calls;
        c->kernel_drops = pg->rx_kernel_drops;
        c->drops += pg->rx_bad_encap + pg->rx_truncated;
        c->phase_rx_waits = pg->phase_flags & NF_STATS_PHASE_RX_WAITS;
        c->phase_rx_ns = pg->phase_rx_ns;
        add_drop(c, "I/O: bad VXLAN encapsulation", pg->rx_bad_encap);
        add_drop(c, "I/O: frame truncated", pg->rx_truncated);
    }
    if (last) {
        c->tx_bytes = pg->tx_bytes;
        c->tx_calls = pg->tx_calls;
        c->sendmmsg_calls = pg->sendmmsg_calls;
        c->drops += pg->tx_drops;
        c->phase_tx_ns = pg->phase_tx_ns;
        add_drop(c, "I/O: send refused by the kernel", pg->tx_drops);
    }
    size_t plen = strnlen(st->name, NF_STATS_NAME);
    for (uint32_t e = st->first_elem; e < st->first_elem + st->nelems && e < NF_STATS_MAX_ELEMS;
         e++) {
        const struct nf_stats_elem *el = &pg->elems[e];
        /* "STAGE/name" -> "name": the drop reads as it would unfused */
        const char *en = el->name;
        if (!strncmp(en, st->name, plen) && en[plen] == '/')
            en += plen + 1;
        for (uint32_t r = 0; r < el->nreasons && r < NF_STATS_MAX_REASONS; r++) {
            char name[LN_DROP_NAME];
            snprintf(name, sizeof(name), "%.*s: %.*s", NF_STATS_NAME, en, NF_STATS_REASON,
                     el->reason[r]);
            add_drop(c, name, el->drops[r]);
        }
    }
}

static void read_stats(const char *stats_name, int stage, struct ln_nf_sample *o)
{
    struct nf_stats_page *pg = malloc(sizeof(*pg));
    char err[128];
    if (!pg || nf_stats_read(stats_name, pg, err, sizeof(err)) < 0) {
        free(pg);
        return;
    }
    struct ln_nf_counters *c = &o->c;
    unsigned ns = pg->nstages;
    if (stage >= 0 && (unsigned)stage >= ns) { /* not the group this launcher started */
        free(pg);
        return;
    }
    o->have_stats = true;
    if (stage >= 0 && ns > 1) {
        read_stage(pg, (unsigned)stage, c);
        free(pg);
        return;
    }
    c->rx = pg->rx_pkts;
    c->tx = pg->tx_pkts;
    c->rx_bytes = pg->rx_bytes;
    c->tx_bytes = pg->tx_bytes;
    c->rev_mode = (int)pg->rev.mode;
    c->rev_rx = pg->rev.rx_pkts;
    c->rev_tx = pg->rev.tx_pkts;
    c->rev_rx_bytes = pg->rev.rx_bytes;
    c->rev_tx_bytes = pg->rev.tx_bytes;
    c->rev_drops = pg->rev.drops + pg->rev.tx_drops;
    c->rev_kernel_drops = pg->rev.rx_kernel_drops;
    c->batches = pg->batches;
    c->rx_calls = pg->rx_calls;
    c->tx_calls = pg->tx_calls;
    c->drops = pg->drops + pg->tx_drops + pg->rx_bad_encap + pg->rx_truncated;
    c->kernel_drops = pg->rx_kernel_drops;
    c->recvmmsg_calls = pg->recvmmsg_calls;
    c->sendmmsg_calls = pg->sendmmsg_calls;
    c->rx_empty_calls = pg->rx_empty_calls;
    c->ring_calls = pg->ring_calls;
    c->phase = (pg->phase_flags & NF_STATS_PHASE_ON) ? 1 : 0;
    c->phase_rx_waits = pg->phase_flags & NF_STATS_PHASE_RX_WAITS;
    c->phase_rx_ns = pg->phase_rx_ns;
    c->phase_pipe_ns = pg->phase_pipe_ns;
    c->phase_tx_ns = pg->phase_tx_ns;
    add_drop(c, "I/O: send refused by the kernel", pg->tx_drops);
    add_drop(c, "I/O: bad VXLAN encapsulation", pg->rx_bad_encap);
    add_drop(c, "I/O: frame truncated", pg->rx_truncated);
    for (uint32_t e = 0; e < pg->nelems && e < NF_STATS_MAX_ELEMS; e++) {
        const struct nf_stats_elem *el = &pg->elems[e];
        for (uint32_t r = 0; r < el->nreasons && r < NF_STATS_MAX_REASONS; r++) {
            char name[LN_DROP_NAME];
            snprintf(name, sizeof(name), "%.*s: %.*s", NF_STATS_NAME, el->name,
                     NF_STATS_REASON, el->reason[r]);
            add_drop(c, name, el->drops[r]);
        }
    }
    free(pg);
}

void ln_nf_sample(const char *stats_name, pid_t pid, struct ln_nf_sample *o)
{
    ln_nf_sample_stage(stats_name, pid, -1, o);
}

void ln_nf_sample_stage(const char *stats_name, pid_t pid, int stage, struct ln_nf_sample *o)
{
    memset(o, 0, sizeof(*o));
    if (pid > 0)
        prof_proc_sample(pid, &o->proc);
    read_stats(stats_name, stage, o);
}

void ln_nf_sample_zero(struct ln_nf_sample *o)
{
    memset(o, 0, sizeof(*o));
    o->proc.valid = true;
    o->have_task_clock = true;
    o->have_stats = true;
    o->c.phase = -1; /* whichever the process runs with, its sums start at 0 */
}

static uint64_t drop_of(const struct ln_nf_counters *c, const char *name)
{
    for (int i = 0; i < c->ndrops; i++)
        if (!strcmp(c->drop_name[i], name))
            return c->drop_count[i];
    return 0;
}

static bool counters_add(struct ln_nf_counters *acc, const struct ln_nf_counters *s,
                         const struct ln_nf_counters *e)
{
    if (e->rx < s->rx || e->tx < s->tx || e->rx_bytes < s->rx_bytes ||
        e->tx_bytes < s->tx_bytes || e->batches < s->batches || e->rx_calls < s->rx_calls ||
        e->tx_calls < s->tx_calls || e->drops < s->drops || e->kernel_drops < s->kernel_drops ||
        e->recvmmsg_calls < s->recvmmsg_calls || e->sendmmsg_calls < s->sendmmsg_calls ||
        e->rx_empty_calls < s->rx_empty_calls || e->ring_calls < s->ring_calls ||
        e->phase_rx_ns < s->phase_rx_ns ||
        e->rev_rx < s->rev_rx || e->rev_tx < s->rev_tx || e->rev_rx_bytes < s->rev_rx_bytes ||
        e->rev_tx_bytes < s->rev_tx_bytes || e->rev_drops < s->rev_drops ||
        e->rev_kernel_drops < s->rev_kernel_drops ||
        e->phase_pipe_ns < s->phase_pipe_ns || e->phase_tx_ns < s->phase_tx_ns)
        return false; /* not one process's page: refuse to subtract */
    acc->rx += e->rx - s->rx;
    acc->tx += e->tx - s->tx;
    acc->rx_bytes += e->rx_bytes - s->rx_bytes;
    acc->tx_bytes += e->tx_bytes - s->tx_bytes;
    acc->batches += e->batches - s->batches;
    acc->rx_calls += e->rx_calls - s->rx_calls;
    acc->tx_calls += e->tx_calls - s->tx_calls;
    acc->drops += e->drops - s->drops;
    acc->kernel_drops += e->kernel_drops - s->kernel_drops;
    acc->recvmmsg_calls += e->recvmmsg_calls - s->recvmmsg_calls;
    acc->sendmmsg_calls += e->sendmmsg_calls - s->sendmmsg_calls;
    acc->rx_empty_calls += e->rx_empty_calls - s->rx_empty_calls;
    acc->ring_calls += e->ring_calls - s->ring_calls;
    /* a page publishes its reverse mode with its first reply: the end's */
    if (e->rev_mode)
        acc->rev_mode = e->rev_mode;
    acc->rev_rx += e->rev_rx - s->rev_rx;
    acc->rev_tx += e->rev_tx - s->rev_tx;
    acc->rev_rx_bytes += e->rev_rx_bytes - s->rev_rx_bytes;
    acc->rev_tx_bytes += e->rev_tx_bytes - s->rev_tx_bytes;
    acc->rev_drops += e->rev_drops - s->rev_drops;
    acc->rev_kernel_drops += e->rev_kernel_drops - s->rev_kernel_drops;
    /* phase sums count only when timing ran over the whole share */
    if (e->phase == 1 && s->phase != 0) {
        acc->phase_rx_ns += e->phase_rx_ns - s->phase_rx_ns;
        acc->phase_pipe_ns += e->phase_pipe_ns - s->phase_pipe_ns;
        acc->phase_tx_ns += e->phase_tx_ns - s->phase_tx_ns;
        acc->phase_rx_waits |= e->phase_rx_waits;
    } else {
        acc->phase = 0;
    }
    for (int i = 0; i < e->ndrops; i++) {
        uint64_t before = drop_of(s, e->drop_name[i]);
        uint64_t d = e->drop_count[i] >= before ? e->drop_count[i] - before : 0;
        if (!d)
            continue;
        int k = 0;
        while (k < acc->ndrops && strcmp(acc->drop_name[k], e->drop_name[i]))
            k++;
        if (k == acc->ndrops) {
            if (acc->ndrops >= LN_MAX_ELEM_DROPS)
                continue;
            scc_strlcpy(acc->drop_name[k], e->drop_name[i], LN_DROP_NAME);
            acc->drop_count[k] = 0;
            acc->ndrops++;
        }
        acc->drop_count[k] += d;
    }
    return true;
}

void ln_nf_figures_add(struct ln_nf_figures *fig, const struct ln_nf_sample *s,
                       const struct ln_nf_sample *e)
{
    if (fig->shares++ == 0) {
        fig->proc_ok = true;
        fig->task_clock_ok = true;
        fig->stats_ok = true;
        fig->c.phase = 1; /* until a share without phase timing */
    }
    if (fig->task_clock_ok && s->have_task_clock && e->have_task_clock &&
        e->task_clock_ns >= s->task_clock_ns)
        fig->task_clock_ns += e->task_clock_ns - s->task_clock_ns;
    else
        fig->task_clock_ok = false;
    if (fig->proc_ok && prof_proc_accumulate(&fig->proc, &s->proc, &e->proc) < 0)
        fig->proc_ok = false;
    if (fig->stats_ok && !(s->have_stats && e->have_stats && counters_add(&fig->c, &s->c, &e->c)))
        fig->stats_ok = false;
    if (!fig->stats_ok)
        fig->c.phase = 0;
}
