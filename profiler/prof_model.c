/*
 * prof_model — Table 3 terms and Table 5 ratios from one window's counters
 * (see prof_model.h). Where each term's events and cost come from:
 *
 *   L_D1..L_DM  hardware table entries of that term (prof_events), scaled
 *               by enabled/running; on AMD L_D1 = L1D accesses − the
 *               table's L1D fills. Cost: calibration memory.levels[k].
 *   L_T1, L_T2  table entries (STLB hits, page walks). Cost: tlb.stlb_hit,
 *               tlb.walk (or dtlb.miss from an older calibration: its
 *               spread chase misses the DTLB and the STLB, page tables in
 *               cache — the same thing, said in the caveat).
 *   L_TM        no vendor's per-thread event splits walks by where the
 *               page tables were: unavailable unless a table feeds it.
 *   L_CS        the context-switches software event (kernel mode counted),
 *               else voluntary + involuntary from /proc/PID/status. Cost:
 *               ctxsw[policy].sw, the NF's own policy.
 *   L_SC        the syscalls:sys_enter_* tracepoints; recvmmsg and
 *               sendmmsg at their calibrated cost, the others at the
 *               getppid cost (a lower bound, said in the caveat). When
 *               no tracepoint was counted (unavailable, or not selected:
 *               the default for NFs the launcher started), the NF's own
 *               recvmmsg and sendmmsg counts (its stats page), said in the
 *               caveat.
 *
 * SchedContention/RunTime is the on-CPU time lost to being preempted:
 * involuntary switches × L_CS over run time. Wait/RunTime is schedstat's
 * run-queue wait over its run time.
 */
#include "profiler/prof_model.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const prof_model_policy_names[PROF_CALIB_NPOLICIES] = {"other", "batch", "rr", "fifo",
                                                                  "other nice -19"};

struct prof_model {
    size_t n;
    struct prof_nf_result *nf;
    struct prof_nf_result chain;
};

static void why(char *dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(char *dst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, PROF_MODEL_REASON_MAX, fmt, ap);
    va_end(ap);
}

static const struct prof_group_event *find(const struct prof_nf_input *in, const char *name)
{
    for (size_t i = 0; i < in->nevents; i++)
        if (strcmp(in->events[i].name, name) == 0)
            return &in->events[i];
    return NULL;
}

/* Add one counted event's scaled value into t; false (reason set) when it
 * cannot be used. */
static bool use_event(const struct prof_nf_input *in, const char *name, double sign,
                      struct prof_term_val *t, double *sum)
{
    const struct prof_group_event *e = find(in, name);
    if (!e) {
        why(t->reason, "%s: not recorded", name);
        return false;
    }
    if (!e->available) {
        why(t->reason, "%s: %s", name, e->reason);
        return false;
    }
    if (!e->count.counted) {
        why(t->reason, "%s: not counted (its group never got the PMU's counters in the window)",
            name);
        return false;
    }
    *sum += sign * e->count.value;
    t->scaled |= e->count.scaled;
    double r = e->count.enabled_ns ? (double)e->count.running_ns / (double)e->count.enabled_ns : 1;
    if (r < t->counted_ratio)
        t->counted_ratio = r;
    if (e->user_only && !t->reason[0])
        why(t->reason, "%s counted in user mode only", name);
    return true;
}

/* Events of a hardware term; false with the reason when unavailable. */
static bool hw_events(const struct prof_nf_input *in, enum prof_term k, struct prof_term_val *t)
{
    const struct prof_event_table *tb = in->table;
    if (!tb) {
        why(t->reason, "hardware events: %s",
            in->hw_reason ? in->hw_reason : "no event table for this CPU");
        return false;
    }
    bool any = false, accesses = false;
    double sum = 0;
    for (size_t i = 0; i < tb->nevents; i++) {
        const struct prof_event_def *d = &tb->events[i];
        if (d->use == PROF_EV_INFO || d->term != k)
            continue;
        any = true;
        accesses |= d->use == PROF_EV_ACCESSES;
        if (!use_event(in, d->name, 1, t, &sum))
            return false;
    }
    if (!any) {
        if (k == PROF_TERM_TM)
            why(t->reason,
                "no %s event says where a page walk's loads were served: every walk is in L_T2",
                tb->vendor);
        else
            why(t->reason, "the %s table has no event for %s", tb->id, prof_term_names[k]);
        return false;
    }
    if (accesses) /* L1D hits = accesses − fills into L1D */
        for (size_t i = 0; i < tb->nevents; i++)
            if (tb->events[i].l1_miss && !use_event(in, tb->events[i].name, -1, t, &sum))
                return false;
    t->events = sum < 0 ? 0 : sum; /* Zen: dispatch vs fill skew can cross 0 on tiny counts */
    return true;
}

static bool stat_cost(const struct prof_calib_stat *s, const char *what, struct prof_term_val *t)
{
    if (!s->available) {
        why(t->reason, "calibration %s: %s", what, s->reason[0] ? s->reason : "not measured");
        return false;
    }
    t->cost_ns = s->ns;
    return true;
}

static bool cost_of(const struct prof_calib *cal, const struct prof_nf_input *in, enum prof_term k,
                    struct prof_term_val *t)
{
    if (!cal) {
        why(t->reason, "no calibration (run scc bench calibrate and name the file in "
                       "profiler.calibration)");
        return false;
    }
    switch (k) {
    case PROF_TERM_D1:
    case PROF_TERM_D2:
    case PROF_TERM_D3:
    case PROF_TERM_DM: {
        if (!(cal->have & PROF_CALIB_HAVE_MEMORY)) {
            why(t->reason, "the calibration has no memory section (scc bench calibrate)");
            return false;
        }
        enum prof_calib_level l = (enum prof_calib_level)(k - PROF_TERM_D1);
        char what[48];
        snprintf(what, sizeof(what), "memory.levels[%s]", prof_calib_level_names[l]);
        return stat_cost(&cal->levels[l].stat, what, t);
    }
    case PROF_TERM_T1:
        return stat_cost(&cal->tlb[PROF_CALIB_TLB_STLB_HIT], "tlb.stlb_hit", t);
    case PROF_TERM_T2:
        if (!cal->tlb[PROF_CALIB_TLB_WALK].available && cal->dtlb_miss.available) {
            t->cost_ns = cal->dtlb_miss.ns;
            if (!t->reason[0])
                why(t->reason, "cost from dtlb.miss (the calibration has no tlb.walk)");
            return true;
        }
        return stat_cost(&cal->tlb[PROF_CALIB_TLB_WALK], "tlb.walk", t);
    case PROF_TERM_TM:
        return stat_cost(&cal->tlb[PROF_CALIB_TLB_WALK_DRAM], "tlb.walk_dram", t);
    case PROF_TERM_CS: {
        if (!(cal->have & PROF_CALIB_HAVE_CTXSW)) {
            why(t->reason, "the calibration has no ctxsw section (scc bench calibrate)");
            return false;
        }
        const struct prof_calib_ctxsw_row *row = &cal->ctxsw[in->policy];
        char what[64];
        snprintf(what, sizeof(what), "ctxsw[%s]", prof_model_policy_names[in->policy]);
        return stat_cost(&row->sw, what, t);
    }
    default:
        return false;
    }
}

static void cs_term(const struct prof_nf_input *in, const struct prof_calib *cal,
                    struct prof_term_val *t)
{
    double sum = 0;
    char ev_reason[PROF_MODEL_REASON_MAX] = "";
    if (!use_event(in, "context-switches", 1, t, &sum)) {
        snprintf(ev_reason, sizeof(ev_reason), "%s", t->reason);
        t->reason[0] = '\0';
        if (!in->have_proc) {
            why(t->reason, "%s; /proc: %s", ev_reason,
                in->proc_reason ? in->proc_reason : "not sampled");
            return;
        }
        sum = (double)(in->proc.vol_cs + in->proc.invol_cs);
        why(t->reason, "from /proc/PID/status (%.400s)", ev_reason);
    }
    t->events = sum;
    if (!cost_of(cal, in, PROF_TERM_CS, t))
        return;
    t->available = true;
}

/* L_SC from the NF's own recvmmsg/sendmmsg counts: what the NF says it
 * called when no tracepoint could count it (tracefs, permissions). Only
 * the data path's two calls: a lower bound, said in the caveat. */
static void nf_calls_term(const struct prof_nf_input *in, const struct prof_calib *cal,
                          const char *tp_reason, struct prof_term_val *t, double *calls_out,
                          bool *calls_known)
{
    double rc = (double)in->nf_recvmmsg, sc = (double)in->nf_sendmmsg;
    *calls_known = true;
    *calls_out = rc + sc;
    t->events = rc + sc;
    if (!cal) {
        cost_of(NULL, in, PROF_TERM_SC, t);
        return;
    }
    const struct prof_calib_stat *cr = &cal->sc_recvmmsg, *cs = &cal->sc_sendmmsg;
    bool have = cal->have & PROF_CALIB_HAVE_SYSCALL;
    if (!have || (rc > 0 && !cr->available) || (sc > 0 && !cs->available)) {
        why(t->reason, "calibration %s", !have ? "has no syscall section"
                                         : rc > 0 && !cr->available
                                             ? "syscall.recvmmsg_empty unavailable"
                                             : "syscall.sendmmsg_64B unavailable");
        return;
    }
    t->available = true;
    t->cost_ns = t->events > 0 ? (rc * (rc > 0 ? cr->ns : 0) + sc * (sc > 0 ? cs->ns : 0)) /
                                     t->events
                               : 0;
    if (tp_reason)
        why(t->reason, "from the NF's own counts (its stats page: recvmmsg and sendmmsg only); "
                       "tracepoints unavailable: %.300s",
            tp_reason);
    else
        why(t->reason, "from the NF's own counts (its stats page: recvmmsg and sendmmsg only); "
                       "add the syscalls group to profiler.events for the tracepoints");
}

static void sc_term(const struct prof_nf_input *in, const struct prof_calib *cal,
                    struct prof_term_val *t, double *calls_out, bool *calls_known)
{
    double calls = 0, ns = 0, other = 0;
    bool any = false, recorded = false, cost_ok = true;
    char missing[160] = "", first_reason[PROF_MODEL_REASON_MAX] = "",
         cost_reason[PROF_CALIB_REASON_MAX + 32] = "";
    for (const char *const *sc = prof_group_syscalls; *sc; sc++) {
        char name[64];
        snprintf(name, sizeof(name), "syscalls:sys_enter_%s", *sc);
        struct prof_term_val tmp = {.counted_ratio = 1};
        double v = 0;
        recorded |= find(in, name) != NULL;
        if (!use_event(in, name, 1, &tmp, &v)) {
            if (!first_reason[0])
                snprintf(first_reason, sizeof(first_reason), "%s", tmp.reason);
            size_t l = strlen(missing);
            snprintf(missing + l, sizeof(missing) - l, "%s%s", l ? " " : "", *sc);
            continue;
        }
        any = true;
        calls += v;
        const struct prof_calib_stat *c = NULL;
        const char *what = "syscall.getppid";
        if (cal && (cal->have & PROF_CALIB_HAVE_SYSCALL)) {
            if (strcmp(*sc, "recvmmsg") == 0) {
                c = &cal->sc_recvmmsg;
                what = "syscall.recvmmsg_empty";
            } else if (strcmp(*sc, "sendmmsg") == 0) {
                c = &cal->sc_sendmmsg;
                what = "syscall.sendmmsg_64B";
            } else {
                c = &cal->sc_getppid;
                other += v;
            }
        }
        if (v > 0 && (!c || !c->available)) {
            cost_ok = false;
            if (!cost_reason[0])
                snprintf(cost_reason, sizeof(cost_reason), "%s: %s", what,
                         c ? c->reason : "no syscall section");
        } else if (c) {
            ns += v * c->ns;
        }
    }
    /* no tracepoint recorded at all: not selected (profiler.events), as
     * for NFs the launcher started by default (ln_prof_cfg.default_syscalls) */
    if (!any && in->have_nf_calls) {
        nf_calls_term(in, cal, recorded ? first_reason : NULL, t, calls_out, calls_known);
        return;
    }
    *calls_known = any;
    *calls_out = calls;
    if (!any) {
        if (recorded)
            why(t->reason, "%s", first_reason);
        else
            why(t->reason, "no tracepoint selected: add the syscalls group to profiler.events");
        return;
    }
    t->events = calls;
    if (!cal) {
        cost_of(NULL, in, PROF_TERM_SC, t);
        return;
    }
    if (!cost_ok) {
        why(t->reason, "calibration %s", cost_reason);
        return;
    }
    t->available = true;
    t->cost_ns = calls > 0 ? ns / calls : 0;
    if (missing[0])
        why(t->reason, "not counted: %s (%.300s)", missing, first_reason);
    else if (other > 0)
        why(t->reason, "%.0f calls other than recvmmsg/sendmmsg at the getppid cost (a lower "
                       "bound)",
            other);
}

static void figure(struct prof_figure *f, bool ok, double v, const char *reason)
{
    f->available = ok;
    f->v = ok ? v : 0;
    if (!ok)
        why(f->reason, "%s", reason);
}

static void compute_nf(const struct prof_nf_input *in, const struct prof_calib *cal,
                       struct prof_nf_result *r)
{
    snprintf(r->name, sizeof(r->name), "%s", in->name);
    r->cpu = in->cpu;
    r->fused_head = in->fused_head;
    r->packets = in->packets;
    r->counted_ratio = 1;
    double pk = (double)in->packets;
    double calls = 0;
    bool calls_known = false;
    for (int k = 0; k < PROF_NTERMS; k++) {
        struct prof_term_val *t = &r->term[k];
        memset(t, 0, sizeof(*t));
        t->counted_ratio = 1;
        if (k == PROF_TERM_CS) {
            cs_term(in, cal, t);
        } else if (k == PROF_TERM_SC) {
            sc_term(in, cal, t, &calls, &calls_known);
        } else if (hw_events(in, (enum prof_term)k, t) && cost_of(cal, in, (enum prof_term)k, t)) {
            t->available = true;
        }
        if (t->available && in->packets == 0) {
            t->available = false;
            why(t->reason, "no packets in the window");
        }
        if (t->available) {
            t->events_per_pkt = t->events / pk;
            t->ns_per_pkt = t->events_per_pkt * t->cost_ns;
            r->total_ns_per_pkt += t->ns_per_pkt;
        } else {
            r->lacking |= 1u << k;
        }
        if (k <= PROF_TERM_TM && t->counted_ratio < r->counted_ratio)
            r->counted_ratio = t->counted_ratio;
    }

    const char *no_pk = "no packets in the window";
    const char *no_proc = in->proc_reason ? in->proc_reason : "/proc not sampled";
    bool proc = in->have_proc && in->packets > 0;
    const char *pr = in->packets == 0 ? no_pk : no_proc;
    const struct prof_proc_sample *p = &in->proc;
    figure(&r->run_ns_per_pkt, proc, (double)p->run_ns / pk, pr);
    figure(&r->wait_ns_per_pkt, proc, (double)p->wait_ns / pk, pr);
    double blocked = in->thread_ns - (double)p->run_ns - (double)p->wait_ns;
    figure(&r->blocked_ns_per_pkt, proc && in->thread_ns > 0, (blocked > 0 ? blocked : 0) / pk,
           proc ? "the window length is not known" : pr);
    bool cpu = in->have_cputime && in->packets > 0;
    const char *cr = in->packets == 0 ? no_pk : "no user/system split (/proc/PID/stat)";
    figure(&r->user_ns_per_pkt, cpu, in->user_ns / pk, cr);
    figure(&r->sys_ns_per_pkt, cpu, in->sys_ns / pk, cr);
    bool run = in->have_proc && p->run_ns > 0;
    figure(&r->wait_over_run, run, (double)p->wait_ns / (double)p->run_ns,
           in->have_proc ? "no run time in the window" : no_proc);
    bool cs_cost =
        cal && (cal->have & PROF_CALIB_HAVE_CTXSW) && cal->ctxsw[in->policy].sw.available;
    figure(&r->contention_over_run, run && cs_cost,
           cs_cost ? (double)p->invol_cs * cal->ctxsw[in->policy].sw.ns / (double)p->run_ns : 0,
           !run ? r->wait_over_run.reason : "no context-switch cost in the calibration");
    const struct prof_term_val *cs = &r->term[PROF_TERM_CS];
    bool have_sw = cs->events > 0 || cs->available || in->have_proc;
    figure(&r->switches_per_pkt, have_sw && in->packets > 0,
           (cs->events > 0 || cs->available ? cs->events : (double)(p->vol_cs + p->invol_cs)) / pk,
           in->packets == 0 ? no_pk : cs->reason);
    figure(&r->invol_per_pkt, proc, (double)p->invol_cs / pk, pr);
    figure(&r->syscalls_per_pkt, calls_known && in->packets > 0, calls / pk,
           in->packets == 0 ? no_pk : r->term[PROF_TERM_SC].reason);

    snprintf(r->cs_policy, sizeof(r->cs_policy), "%s", prof_model_policy_names[in->policy]);
    snprintf(r->policy_seen, sizeof(r->policy_seen), "%s", in->policy_seen ? in->policy_seen : "");
    figure(&r->nf_syscalls_per_pkt, in->have_nf_calls && in->packets > 0,
           (double)(in->nf_recvmmsg + in->nf_sendmmsg) / pk,
           in->packets == 0 ? no_pk : "the NF's stats page was not read at both edges");
    bool ph = in->have_phases && in->packets > 0;
    const char *phr = in->packets == 0 ? no_pk
                      : in->phase_reason ? in->phase_reason
                                         : "the NF ran without --phase-timing";
    figure(&r->phase_rx_per_pkt, ph, in->phase_rx_ns / pk, phr);
    figure(&r->phase_pipe_per_pkt, ph, in->phase_pipe_ns / pk, phr);
    figure(&r->phase_tx_per_pkt, ph, in->phase_tx_ns / pk, phr);
    r->phase_rx_waits = ph && in->phase_rx_waits;
    figure(&r->measured_cpu_per_pkt, ph,
           ((r->phase_rx_waits ? 0 : in->phase_rx_ns) + in->phase_pipe_ns + in->phase_tx_ns) / pk,
           phr);
}

static void sum_figure(struct prof_figure *dst, const struct prof_figure *src, const char *nf)
{
    if (!dst->available)
        return;
    if (!src->available) {
        dst->available = false;
        dst->v = 0;
        why(dst->reason, "%s: %s", nf, src->reason);
        return;
    }
    dst->v += src->v;
}

static void compute_chain(struct prof_model *m, const struct prof_nf_input *in,
                          const struct prof_calib *cal)
{
    struct prof_nf_result *c = &m->chain;
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "chain");
    c->cpu = -1;
    c->packets = m->nf[0].packets;
    c->counted_ratio = 1;
    for (int k = 0; k < PROF_NTERMS; k++) {
        c->term[k].available = true;
        c->term[k].counted_ratio = 1;
    }
    struct prof_figure *figs[] = {&c->run_ns_per_pkt,      &c->wait_ns_per_pkt,
                                  &c->blocked_ns_per_pkt,  &c->user_ns_per_pkt,
                                  &c->sys_ns_per_pkt,      &c->switches_per_pkt,
                                  &c->invol_per_pkt,       &c->syscalls_per_pkt,
                                  &c->nf_syscalls_per_pkt, &c->phase_rx_per_pkt,
                                  &c->phase_pipe_per_pkt,  &c->phase_tx_per_pkt,
                                  &c->measured_cpu_per_pkt};
    for (size_t f = 0; f < sizeof(figs) / sizeof(figs[0]); f++)
        figs[f]->available = true;
    double run = 0, wait = 0, contention = 0;
    bool ratios = true, cont = true;
    char ratio_reason[PROF_MODEL_REASON_MAX] = "", cont_reason[PROF_MODEL_REASON_MAX] = "";
    for (size_t i = 0; i < m->n; i++) {
        const struct prof_nf_result *r = &m->nf[i];
        for (int k = 0; k < PROF_NTERMS; k++) {
            struct prof_term_val *t = &c->term[k];
            const struct prof_term_val *s = &r->term[k];
            if (!t->available)
                continue;
            if (!s->available) {
                memset(t, 0, sizeof(*t));
                why(t->reason, "%s: %s", r->name, s->reason);
                continue;
            }
            t->events += s->events;
            t->events_per_pkt += s->events_per_pkt;
            t->ns_per_pkt += s->ns_per_pkt;
            t->scaled |= s->scaled;
            if (s->counted_ratio < t->counted_ratio)
                t->counted_ratio = s->counted_ratio;
        }
        if (r->counted_ratio < c->counted_ratio)
            c->counted_ratio = r->counted_ratio;
        const struct prof_figure *src[] = {&r->run_ns_per_pkt,      &r->wait_ns_per_pkt,
                                           &r->blocked_ns_per_pkt,  &r->user_ns_per_pkt,
                                           &r->sys_ns_per_pkt,      &r->switches_per_pkt,
                                           &r->invol_per_pkt,       &r->syscalls_per_pkt,
                                           &r->nf_syscalls_per_pkt, &r->phase_rx_per_pkt,
                                           &r->phase_pipe_per_pkt,  &r->phase_tx_per_pkt,
                                           &r->measured_cpu_per_pkt};
        c->phase_rx_waits |= r->phase_rx_waits;
        for (size_t f = 0; f < sizeof(figs) / sizeof(figs[0]); f++)
            sum_figure(figs[f], src[f], r->name);
        if (ratios && !r->wait_over_run.available) {
            ratios = false;
            why(ratio_reason, "%s: %s", r->name, r->wait_over_run.reason);
        }
        if (cont && !r->contention_over_run.available) {
            cont = false;
            why(cont_reason, "%s: %s", r->name, r->contention_over_run.reason);
        }
        run += (double)in[i].proc.run_ns;
        wait += (double)in[i].proc.wait_ns;
        if (r->contention_over_run.available)
            contention += r->contention_over_run.v * (double)in[i].proc.run_ns;
    }
    (void)cal;
    for (int k = 0; k < PROF_NTERMS; k++) {
        struct prof_term_val *t = &c->term[k];
        if (t->available) {
            t->cost_ns = t->events_per_pkt > 0 ? t->ns_per_pkt / t->events_per_pkt : 0;
            c->total_ns_per_pkt += t->ns_per_pkt;
        } else {
            c->lacking |= 1u << k;
        }
    }
    figure(&c->wait_over_run, ratios && run > 0, wait / run, ratio_reason);
    figure(&c->contention_over_run, cont && run > 0, contention / run, cont_reason);
}

struct prof_model *prof_model_new(const struct prof_nf_input *nfs, size_t n,
                                  const struct prof_calib *cal)
{
    if (n == 0) {
        errno = EINVAL;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!nfs[i].name || !nfs[i].name[0]) {
            errno = EINVAL;
            return NULL;
        }
    struct prof_model *m = calloc(1, sizeof(*m));
    if (!m)
        goto err;
    m->nf = calloc(n, sizeof(*m->nf));
    if (!m->nf)
        goto err;
    m->n = n;
    for (size_t i = 0; i < n; i++)
        compute_nf(&nfs[i], cal, &m->nf[i]);
    compute_chain(m, nfs, cal);
    return m;
err:
    prof_model_free(m);
    errno = ENOMEM;
    return NULL;
}

void prof_model_free(struct prof_model *m)
{
    if (!m)
        return;
    free(m->nf);
    free(m);
}

size_t prof_model_nnfs(const struct prof_model *m)
{
    return m->n;
}

const struct prof_nf_result *prof_model_nf(const struct prof_model *m, size_t i)
{
    return i < m->n ? &m->nf[i] : NULL;
}

const struct prof_nf_result *prof_model_chain(const struct prof_model *m)
{
    return &m->chain;
}

void prof_model_lacking_str(unsigned lacking, char *buf, size_t len)
{
    size_t o = 0;
    if (len)
        buf[0] = '\0';
    for (int k = 0; k < PROF_NTERMS && o < len; k++)
        if (lacking & (1u << k))
            o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", prof_term_names[k]);
}
