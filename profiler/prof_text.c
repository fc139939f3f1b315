/*
 * prof_text — the text table of the latency model (see prof_text.h).
 * Layout follows perf stat: numbers right-aligned in fixed columns, then
 * the name, then a comment; what could not be measured reads
 * <unavailable> with its reason, never 0.
 */
#include "profiler/prof_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What the table is rendered from: the model's results, wherever they
 * came from (a live prof_model, or a run file read back by `scc report`). */
struct view {
    const struct prof_nf_result *nf;
    size_t n;
    const struct prof_nf_result *chain;
};

struct cause {
    size_t nf;     /* NF index */
    int what;      /* -1: run-queue wait; else a term */
    double ns;     /* per packet */
    unsigned seq;  /* tie-break: report order */
};

static int by_ns(const void *a, const void *b)
{
    const struct cause *x = a, *y = b;
    if (x->ns != y->ns)
        return x->ns < y->ns ? 1 : -1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Whether NF i is a competitor of NF self for its core: on the same core
 * and in another process. NFs fused into self's process (the same
 * fused_head) are function calls of the same thread, not run-queue
 * competition: never named as such. */
static bool core_mate(const struct view *m, size_t self, size_t i)
{
    const struct prof_nf_result *r = &m->nf[self], *o = &m->nf[i];
    return i != self && o->cpu == r->cpu && !(r->fused_head && o->fused_head == r->fused_head);
}

/* "rt", "rt and nat", "rt, nat and fw": the NFs of the chain's other
 * processes on r's core. */
static void core_mates(const struct view *m, size_t self, char *buf, size_t len)
{
    size_t n = 0, total = 0;
    for (size_t i = 0; i < m->n; i++)
        total += core_mate(m, self, i);
    buf[0] = '\0';
    for (size_t i = 0, o = 0; i < m->n && o < len; i++) {
        if (!core_mate(m, self, i))
            continue;
        n++;
        const char *sep = n == 1 ? "" : n == total ? " and " : ", ";
        o += (size_t)snprintf(buf + o, len - o, "%s%s", sep, m->nf[i].name);
    }
}

static double time_per_pkt(const struct prof_nf_result *r)
{
    if (r->run_ns_per_pkt.available && r->wait_ns_per_pkt.available)
        return r->run_ns_per_pkt.v + r->wait_ns_per_pkt.v;
    return r->total_ns_per_pkt;
}

/* The causes as prof_text_causes; *measured = how many causes there were
 * before the PROF_TEXT_CAUSE_MIN_PCT cut (0: none measured at all). */
static size_t causes(const struct view *m, char out[3][PROF_TEXT_CAUSE_MAX],
                     size_t *measured)
{
    size_t n = m->n, nc = 0;
    *measured = 0;
    struct cause *c = calloc(n * (PROF_NTERMS + 1), sizeof(*c));
    if (!c)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const struct prof_nf_result *r = &m->nf[i];
        /* the order index is read before nc moves (one statement may not
         * both read and increment it: -Wunsequenced) */
        if (r->wait_ns_per_pkt.available && r->wait_ns_per_pkt.v > 0) {
            c[nc] = (struct cause){i, -1, r->wait_ns_per_pkt.v, (unsigned)nc};
            nc++;
        }
        for (int k = 0; k < PROF_NTERMS; k++)
            if (r->term[k].available && r->term[k].ns_per_pkt > 0) {
                c[nc] = (struct cause){i, k, r->term[k].ns_per_pkt, (unsigned)nc};
                nc++;
            }
    }
    qsort(c, nc, sizeof(*c), by_ns);
    *measured = nc;
    size_t w = 0;
    for (size_t j = 0; j < nc && w < 3; j++) {
        const struct prof_nf_result *r = &m->nf[c[j].nf];
        double t = time_per_pkt(r);
        double pct = t > 0 ? 100.0 * c[j].ns / t : 0;
        /* ranked by ns, but a cause is only worth a sentence when it is a
         * visible share of its NF's time: a small NF's 0.4% is noise */
        if (pct < PROF_TEXT_CAUSE_MIN_PCT)
            continue;
        char *line = out[w++];
        char why[160];
        if (c[j].what < 0) {
            char mates[128];
            core_mates(m, c[j].nf, mates, sizeof(mates));
            if (r->cpu < 0)
                snprintf(why, sizeof(why), "it is not pinned to a core");
            else if (mates[0])
                snprintf(why, sizeof(why), "it shares core %d with %s", r->cpu, mates);
            else if (r->fused_head)
                snprintf(why, sizeof(why),
                         "no other process of the chain is on core %d: other tasks are", r->cpu);
            else
                snprintf(why, sizeof(why),
                         "no other NF of the chain is on core %d: other tasks are", r->cpu);
            snprintf(line, PROF_TEXT_CAUSE_MAX,
                     "%s: %.0f%% of its time per packet is run-queue wait — %s", r->name, pct,
                     why);
        } else {
            const struct prof_term_val *tv = &r->term[c[j].what];
            snprintf(line, PROF_TEXT_CAUSE_MAX,
                     "%s: %.0f%% of its time per packet is %s (%s) — %.2f per packet at %.1f "
                     "ns each",
                     r->name, pct, prof_term_words[c[j].what], prof_term_names[c[j].what],
                     tv->events_per_pkt, tv->cost_ns);
        }
    }
    free(c);
    return w;
}

static struct view model_view(const struct prof_model *m)
{
    return (struct view){prof_model_nf(m, 0), prof_model_nnfs(m), prof_model_chain(m)};
}

size_t prof_text_causes(const struct prof_model *m, char out[3][PROF_TEXT_CAUSE_MAX])
{
    struct view v = model_view(m);
    size_t measured;
    return causes(&v, out, &measured);
}

size_t prof_text_causes_results(const struct prof_nf_result *nfs, size_t n,
                                char out[3][PROF_TEXT_CAUSE_MAX])
{
    struct view v = {nfs, n, NULL};
    size_t measured;
    return n ? causes(&v, out, &measured) : 0;
}

static void figure(FILE *f, const char *label, const struct prof_figure *x, const char *unit)
{
    if (x->available)
        fprintf(f, "  %-26s %14.3f%s%s\n", label, x->v, unit[0] ? " " : "", unit);
    else
        fprintf(f, "  %-26s %14s  # %s\n", label, "<unavailable>", x->reason);
}

static void block(FILE *f, const struct prof_nf_result *r, bool chain, size_t nnfs)
{
    if (chain)
        fprintf(f, "\nchain (%zu NFs, per packet: the sum over the NFs)\n\n", nnfs);
    else if (r->cpu >= 0)
        fprintf(f, "\n%s (core %d, %llu packets)\n\n", r->name, r->cpu,
                (unsigned long long)r->packets);
    else
        fprintf(f, "\n%s (not pinned, %llu packets)\n\n", r->name, (unsigned long long)r->packets);
    fprintf(f, "  %14s %12s %12s  term\n", "ns/pkt", "events/pkt", "ns/event");
    for (int k = 0; k < PROF_NTERMS; k++) {
        const struct prof_term_val *t = &r->term[k];
        if (t->available) {
            fprintf(f, "  %14.3f %12.4f %12.2f  %-5s %s", t->ns_per_pkt, t->events_per_pkt,
                    t->cost_ns, prof_term_names[k], prof_term_words[k]);
            if (t->scaled)
                fprintf(f, "  (scaled, counted %.1f%%)", 100.0 * t->counted_ratio);
            if (k == PROF_TERM_CS && !chain)
                fprintf(f, "  [cost of ctxsw %s]", r->cs_policy);
            if (t->reason[0])
                fprintf(f, "  # %s", t->reason);
            fputc('\n', f);
        } else {
            fprintf(f, "  %14s %12s %12s  %-5s %s  # %s\n", "<unavailable>", "", "",
                    prof_term_names[k], prof_term_words[k], t->reason);
        }
    }
    char lacks[64];
    prof_model_lacking_str(r->lacking, lacks, sizeof(lacks));
    fprintf(f, "  %14.3f %12s %12s  total", r->total_ns_per_pkt, "", "");
    if (r->lacking)
        fprintf(f, " (lacks %s: not in the sum)", lacks);
    fputc('\n', f);
    if (r->counted_ratio < 1)
        fprintf(f, "  hardware counters multiplexed: counted %.1f%% of the window, scaled by "
                   "enabled/running\n",
                100.0 * r->counted_ratio);
    fputc('\n', f);
    figure(f, "cpu time (run)", &r->run_ns_per_pkt, "ns/pkt");
    figure(f, "  user", &r->user_ns_per_pkt, "ns/pkt");
    figure(f, "  system", &r->sys_ns_per_pkt, "ns/pkt");
    figure(f, "run-queue wait", &r->wait_ns_per_pkt, "ns/pkt");
    figure(f, "blocked (waiting for I/O)", &r->blocked_ns_per_pkt, "ns/pkt");
    figure(f, "Wait/RunTime", &r->wait_over_run, "");
    figure(f, "SchedContention/RunTime", &r->contention_over_run, "");
    figure(f, "context switches", &r->switches_per_pkt, "/pkt");
    figure(f, "  involuntary", &r->invol_per_pkt, "/pkt");
    figure(f, "system calls", &r->syscalls_per_pkt, "/pkt");
    figure(f, "  the NF's own count", &r->nf_syscalls_per_pkt, "/pkt");
    if (!chain && r->policy_seen[0])
        fprintf(f, "  %-26s %14s  %s\n", "policy", "", r->policy_seen);
    /* what the NF measured itself, to hold the model against */
    if (!r->measured_cpu_per_pkt.available) {
        figure(f, "measured (phase timing)", &r->measured_cpu_per_pkt, "");
        return;
    }
    fprintf(f, "\n  measured by the NF%s (--phase-timing):\n", chain ? "s" : "");
    if (r->phase_rx_waits)
        fprintf(f, "  %-26s %14.3f ns/pkt  # receive includes waiting (block idle)%s\n",
                "receive", r->phase_rx_per_pkt.v, chain ? " in some NF" : "");
    else
        figure(f, "receive", &r->phase_rx_per_pkt, "ns/pkt");
    figure(f, "pipeline", &r->phase_pipe_per_pkt, "ns/pkt");
    figure(f, "send", &r->phase_tx_per_pkt, "ns/pkt");
    fprintf(f, "  %-26s %14.3f ns/pkt  # %s; the model's total: %.3f\n", "cpu (phase sum)",
            r->measured_cpu_per_pkt.v,
            r->phase_rx_waits ? "pipeline + send (receive holds waiting)"
                              : "receive + pipeline + send",
            r->total_ns_per_pkt);
}

static int write_view(FILE *f, const struct view *m)
{
    char cs[3][PROF_TEXT_CAUSE_MAX];
    size_t measured, nc = causes(m, cs, &measured);
    fprintf(f, "Per-packet latency model (Latency/Pkt = L_D1 + L_D2 + L_D3 + L_DM + L_T1 + L_T2 "
               "+ L_TM + L_CS + L_SC)\n\n");
    if (measured == 0)
        fprintf(f, "Biggest causes of latency: none measured (every term and the run-queue wait "
                   "are unavailable)\n");
    else if (nc == 0)
        fprintf(f, "Biggest causes of latency: none above %.0f%% of an NF's time per packet\n",
                PROF_TEXT_CAUSE_MIN_PCT);
    else
        fprintf(f, "Biggest causes of latency%s:\n",
                nc < 3 && measured > nc ? " (the others below the 1% cut)" : "");
    for (size_t i = 0; i < nc; i++)
        fprintf(f, "  %zu. %s\n", i + 1, cs[i]);
    for (size_t i = 0; i < m->n; i++)
        block(f, &m->nf[i], false, 0);
    block(f, m->chain, true, m->n);
    if (fflush(f) != 0 || ferror(f))
        return -EIO;
    return 0;
}

int prof_text_write(FILE *f, const struct prof_model *m)
{
    struct view v = model_view(m);
    return write_view(f, &v);
}

int prof_text_write_results(FILE *f, const struct prof_nf_result *nfs, size_t n,
                            const struct prof_nf_result *chain)
{
    if (!n || !nfs || !chain)
        return -EINVAL;
    struct view v = {nfs, n, chain};
    return write_view(f, &v);
}
