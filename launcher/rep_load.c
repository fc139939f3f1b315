/*
 * rep_load — a saved run file read back (see rep.h). The launcher's
 * figures come from the top level (nfs[], traffic, scheduler); the
 * profiler's model comes from "profile" and is read back into struct
 * prof_nf_result, field by field as launcher/ln_prof.c writes it, so
 * that prof_text renders a saved run with the same code as a live one.
 *
 * A field that is missing or null is "not measured" (the renderers say
 * so); a field of the wrong type is an error naming its JSON path: a file
 * that is not what it claims is refused rather than half-shown.
 */
#include "launcher/rep.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "profiler/prof_events.h"

struct ld {
    const char *name;
    char *err;
    size_t errlen;
    int failed;
};

static void fail(struct ld *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct ld *l, const char *fmt, ...)
{
    if (l->failed++)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(l->err, l->errlen, "%s: %s", l->name, msg);
}

static struct json_object *get(struct json_object *o, const char *k)
{
    struct json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object))
        json_object_object_get_ex(o, k, &v);
    return v;
}

/* A number at o.k: false when absent or null; a wrong type fails. */
static bool num(struct ld *l, struct json_object *o, const char *path, const char *k, double *v)
{
    struct json_object *x = get(o, k);
    if (!x)
        return false;
    if (!json_object_is_type(x, json_type_double) && !json_object_is_type(x, json_type_int)) {
        fail(l, "%s.%s: expected a number, found %s", path, k,
             json_type_to_name(json_object_get_type(x)));
        return false;
    }
    *v = json_object_get_double(x);
    return true;
}

static bool u64(struct ld *l, struct json_object *o, const char *path, const char *k, uint64_t *v)
{
    double d;
    if (!num(l, o, path, k, &d))
        return false;
    if (d < 0) {
        fail(l, "%s.%s: %g is negative: a count cannot be", path, k, d);
        return false;
    }
    struct json_object *x = get(o, k);
    *v = json_object_is_type(x, json_type_int) ? (uint64_t)json_object_get_int64(x) : (uint64_t)d;
    return true;
}

static bool boolean(struct ld *l, struct json_object *o, const char *path, const char *k, bool *v)
{
    struct json_object *x = get(o, k);
    if (!x)
        return false;
    if (!json_object_is_type(x, json_type_boolean)) {
        fail(l, "%s.%s: expected true or false", path, k);
        return false;
    }
    *v = json_object_get_boolean(x);
    return true;
}

/* A string at o.k copied into buf ("" when absent or null). */
static bool str(struct ld *l, struct json_object *o, const char *path, const char *k, char *buf,
                size_t len)
{
    buf[0] = '\0';
    struct json_object *x = get(o, k);
    if (!x)
        return false;
    if (!json_object_is_type(x, json_type_string)) {
        fail(l, "%s.%s: expected a string", path, k);
        return false;
    }
    snprintf(buf, len, "%s", json_object_get_string(x)); /* a long text is cut */
    return true;
}

/* A name: cut short it could match another NF's, so a name longer than
 * scc ever writes is refused rather than guessed. */
static bool ident(struct ld *l, struct json_object *o, const char *path, const char *k, char *buf,
                 size_t len)
{
    if (!str(l, o, path, k, buf, len))
        return false;
    if (strlen(json_object_get_string(get(o, k))) >= len) {
        fail(l, "%s.%s: longer than %zu characters (scc never writes such a name)", path, k,
             len - 1);
        return false;
    }
    return true;
}

static struct json_object *array(struct ld *l, struct json_object *o, const char *path,
                                 const char *k)
{
    struct json_object *x = get(o, k);
    if (x && !json_object_is_type(x, json_type_array)) {
        fail(l, "%s.%s: expected an array", path, k);
        return NULL;
    }
    return x;
}

static void figure(struct ld *l, struct json_object *figs, const char *path, const char *k,
                   struct prof_figure *f)
{
    struct json_object *x = get(figs, k);
    char p[160];
    snprintf(p, sizeof(p), "%s.%s", path, k);
    f->available = false;
    f->v = 0;
    if (!x) {
        snprintf(f->reason, sizeof(f->reason), "not in this run file");
        return;
    }
    bool av = false;
    boolean(l, x, p, "available", &av);
    f->available = av && num(l, x, p, "value", &f->v);
    if (!f->available && !str(l, x, p, "reason", f->reason, sizeof(f->reason)))
        snprintf(f->reason, sizeof(f->reason), "not measured (no reason recorded)");
}

/* One profile result (profile.nfs[i] or profile.chain) into r. */
static void result(struct ld *l, struct json_object *o, const char *path, struct prof_nf_result *r)
{
    memset(r, 0, sizeof(*r));
    str(l, o, path, "name", r->name, sizeof(r->name)); /* prof_model keeps 31 */
    double d;
    r->cpu = num(l, o, path, "cpu", &d) ? (int)d : -1;
    u64(l, o, path, "packets", &r->packets);
    struct json_object *terms = get(o, "terms");
    char tp[160];
    for (int k = 0; k < PROF_NTERMS; k++) {
        struct prof_term_val *t = &r->term[k];
        struct json_object *x = get(terms, prof_term_names[k]);
        snprintf(tp, sizeof(tp), "%s.terms.%s", path, prof_term_names[k]);
        t->counted_ratio = 1;
        if (!x) {
            snprintf(t->reason, sizeof(t->reason), "not in this run file");
            r->lacking |= 1u << k;
            continue;
        }
        boolean(l, x, tp, "available", &t->available);
        if (t->available && !num(l, x, tp, "ns_per_packet", &t->ns_per_pkt)) {
            fail(l, "%s: available but no ns_per_packet", tp);
            t->available = false;
        }
        num(l, x, tp, "events", &t->events);
        num(l, x, tp, "events_per_packet", &t->events_per_pkt);
        num(l, x, tp, "cost_ns", &t->cost_ns);
        boolean(l, x, tp, "scaled", &t->scaled);
        str(l, x, tp, "reason", t->reason, sizeof(t->reason));
        if (!t->available) {
            r->lacking |= 1u << k;
            if (!t->reason[0])
                snprintf(t->reason, sizeof(t->reason), "unavailable (no reason recorded)");
        }
    }
    num(l, o, path, "total_ns_per_packet", &r->total_ns_per_pkt);
    r->counted_ratio = 1;
    num(l, o, path, "counted_ratio", &r->counted_ratio);
    struct json_object *f = get(o, "figures");
    char fp[160];
    snprintf(fp, sizeof(fp), "%s.figures", path);
    figure(l, f, fp, "run_ns_per_packet", &r->run_ns_per_pkt);
    figure(l, f, fp, "wait_ns_per_packet", &r->wait_ns_per_pkt);
    figure(l, f, fp, "blocked_ns_per_packet", &r->blocked_ns_per_pkt);
    figure(l, f, fp, "user_ns_per_packet", &r->user_ns_per_pkt);
    figure(l, f, fp, "sys_ns_per_packet", &r->sys_ns_per_pkt);
    figure(l, f, fp, "wait_over_run", &r->wait_over_run);
    figure(l, f, fp, "contention_over_run", &r->contention_over_run);
    figure(l, f, fp, "switches_per_packet", &r->switches_per_pkt);
    figure(l, f, fp, "involuntary_switches_per_packet", &r->invol_per_pkt);
    figure(l, f, fp, "syscalls_per_packet", &r->syscalls_per_pkt);
    figure(l, f, fp, "nf_syscalls_per_packet", &r->nf_syscalls_per_pkt);
    figure(l, f, fp, "measured_cpu_ns_per_packet", &r->measured_cpu_per_pkt);
    str(l, o, path, "cs_policy", r->cs_policy, sizeof(r->cs_policy));
    str(l, o, path, "policy_seen", r->policy_seen, sizeof(r->policy_seen));
    struct json_object *ph = get(o, "phases");
    if (ph && r->measured_cpu_per_pkt.available) {
        snprintf(fp, sizeof(fp), "%s.phases", path);
        r->phase_rx_per_pkt.available = num(l, ph, fp, "rx_ns_per_packet", &r->phase_rx_per_pkt.v);
        r->phase_pipe_per_pkt.available =
            num(l, ph, fp, "pipeline_ns_per_packet", &r->phase_pipe_per_pkt.v);
        r->phase_tx_per_pkt.available = num(l, ph, fp, "tx_ns_per_packet", &r->phase_tx_per_pkt.v);
        boolean(l, ph, fp, "rx_includes_wait", &r->phase_rx_waits);
    }
}

/* The run file keeps each term's "scaled" flag but not the share of the
 * window its counters ran: it is derived here as the smallest
 * running/enabled of the NF's hardware counters that feed the term (per
 * the event table the run used, machine.event_table), as prof_model
 * computes it. Without the table, the NF's overall share is used. */
static void term_ratios(struct rep_run *run, struct json_object *nfo, struct prof_nf_result *r)
{
    const struct prof_event_table *tab = NULL;
    size_t nt;
    const struct prof_event_table *all = prof_events_tables(&nt);
    for (size_t i = 0; i < nt; i++)
        if (!strcmp(all[i].id, run->event_table))
            tab = &all[i];
    struct json_object *ctr = get(nfo, "counters");
    for (int k = 0; k < PROF_NTERMS; k++) {
        struct prof_term_val *t = &r->term[k];
        if (!t->available || !t->scaled)
            continue;
        t->counted_ratio = r->counted_ratio;
        if (!tab || !ctr || !json_object_is_type(ctr, json_type_array))
            continue;
        double min = 2;
        for (size_t e = 0; e < tab->nevents; e++) {
            const struct prof_event_def *d = &tab->events[e];
            bool feeds = d->use != PROF_EV_INFO &&
                         ((int)d->term == k || (k == PROF_TERM_D1 && d->l1_miss));
            for (size_t c = 0; feeds && c < json_object_array_length(ctr); c++) {
                struct json_object *x = json_object_array_get_idx(ctr, c);
                struct json_object *nm = get(x, "name"), *en = get(x, "enabled_ns"),
                                   *ru = get(x, "running_ns");
                if (!nm || strcmp(json_object_get_string(nm), d->name) || !en || !ru)
                    continue;
                double ev = json_object_get_double(en), rv = json_object_get_double(ru);
                if (ev > 0 && rv / ev < min)
                    min = rv / ev;
            }
        }
        if (min <= 1) {
            t->counted_ratio = min;
            run->term_ratio_derived = true;
        }
    }
}

static void chain_ratios(struct rep_run *run)
{
    for (int k = 0; k < PROF_NTERMS; k++) {
        struct prof_term_val *t = &run->chain_res.term[k];
        if (!t->scaled)
            continue;
        t->counted_ratio = 1;
        for (size_t i = 0; i < run->nres; i++)
            if (run->res[i].term[k].scaled && run->res[i].term[k].counted_ratio < t->counted_ratio)
                t->counted_ratio = run->res[i].term[k].counted_ratio;
    }
}

static void profile(struct ld *l, struct rep_run *run, struct json_object *p)
{
    struct json_object *m = get(p, "machine"), *c = get(p, "calibration"), *s = get(p, "sink");
    str(l, m, "profile.machine", "cpu_model", run->cpu_model, sizeof(run->cpu_model));
    str(l, m, "profile.machine", "kernel", run->kernel, sizeof(run->kernel));
    boolean(l, m, "profile.machine", "pmu_available", &run->pmu_available);
    str(l, m, "profile.machine", "pmu_reason", run->pmu_reason, sizeof(run->pmu_reason));
    str(l, m, "profile.machine", "event_table", run->event_table, sizeof(run->event_table));
    str(l, m, "profile.machine", "vendor_limits", run->vendor_limits, sizeof(run->vendor_limits));
    boolean(l, c, "profile.calibration", "available", &run->cal_available);
    str(l, c, "profile.calibration", "path", run->cal_path, sizeof(run->cal_path));
    str(l, c, "profile.calibration", "created", run->cal_created, sizeof(run->cal_created));
    str(l, c, "profile.calibration", "cpu_model", run->cal_cpu, sizeof(run->cal_cpu));
    str(l, c, "profile.calibration", "reason", run->cal_reason, sizeof(run->cal_reason));
    str(l, s, "profile.sink", "model_vs_sink", run->model_vs_sink, sizeof(run->model_vs_sink));
    str(l, s, "profile.sink", "note", run->sink_note, sizeof(run->sink_note));
    struct json_object *nfs = array(l, p, "profile", "nfs");
    size_t n = nfs ? json_object_array_length(nfs) : 0;
    if (!n || !get(p, "chain")) {
        fail(l, "profile: no nfs or no chain: the profile section is incomplete");
        return;
    }
    run->res = calloc(n, sizeof(*run->res));
    if (!run->res) {
        fail(l, "out of memory");
        return;
    }
    run->nres = n;
    char path[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "profile.nfs[%zu]", i);
        struct json_object *o = json_object_array_get_idx(nfs, i);
        result(l, o, path, &run->res[i]);
        if (!run->res[i].name[0])
            fail(l, "%s.name: missing", path);
        const struct rep_nf *nf = rep_run_nf(run, run->res[i].name);
        run->res[i].fused_head = nf ? nf->fused_head : 0;
        term_ratios(run, o, &run->res[i]);
    }
    result(l, get(p, "chain"), "profile.chain", &run->chain_res);
    chain_ratios(run);
    run->have_profile = true;
}

/* "other nice 0", "fifo prio 50" from scheduler.nfs[] */
static void policies(struct ld *l, struct rep_run *run, struct json_object *sched)
{
    struct json_object *a = array(l, sched, "scheduler", "nfs");
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        struct json_object *o = json_object_array_get_idx(a, i);
        char path[48], nm[REP_NAME_MAX], pol[16];
        snprintf(path, sizeof(path), "scheduler.nfs[%zu]", i);
        ident(l, o, path, "name", nm, sizeof(nm));
        str(l, o, path, "policy", pol, sizeof(pol));
        struct rep_nf *nf = (struct rep_nf *)rep_run_nf(run, nm);
        if (!nf || !pol[0])
            continue;
        double v;
        if (num(l, o, path, "rt_priority", &v))
            snprintf(nf->policy, sizeof(nf->policy), "%s prio %.0f", pol, v);
        else if (num(l, o, path, "nice", &v))
            snprintf(nf->policy, sizeof(nf->policy), "%s nice %.0f", pol, v);
        else
            snprintf(nf->policy, sizeof(nf->policy), "%s", pol);
    }
}

static void nfs(struct ld *l, struct rep_run *run, struct json_object *a)
{
    size_t n = json_object_array_length(a);
    run->nf = calloc(n ? n : 1, sizeof(*run->nf));
    if (!run->nf) {
        fail(l, "out of memory");
        return;
    }
    run->n = n;
    char path[48];
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(a, i);
        struct rep_nf *nf = &run->nf[i];
        snprintf(path, sizeof(path), "nfs[%zu]", i);
        if (!ident(l, o, path, "name", nf->name, sizeof(nf->name)))
            fail(l, "%s.name: missing", path);
        if (!str(l, o, path, "cpu", nf->cpu, sizeof(nf->cpu)))
            snprintf(nf->cpu, sizeof(nf->cpu), "any");
        boolean(l, o, path, "stats_available", &nf->have_stats);
        if (nf->have_stats) {
            u64(l, o, path, "rx", &nf->rx);
            u64(l, o, path, "tx", &nf->tx);
            u64(l, o, path, "drops", &nf->drops);
            u64(l, o, path, "batches", &nf->batches);
            u64(l, o, path, "rx_syscalls", &nf->rx_calls);
            u64(l, o, path, "tx_syscalls", &nf->tx_calls);
        }
        struct json_object *s = get(o, "sched");
        char sp[64];
        snprintf(sp, sizeof(sp), "%s.sched", path);
        nf->have_sched = s && u64(l, s, sp, "run_ns", &nf->run_ns);
        if (nf->have_sched) {
            u64(l, s, sp, "wait_ns", &nf->wait_ns);
            u64(l, s, sp, "voluntary_switches", &nf->vol_cs);
            u64(l, s, sp, "involuntary_switches", &nf->invol_cs);
            nf->have_cpu_pp = num(l, s, sp, "cpu_ns_per_packet", &nf->cpu_ns_per_pkt);
            nf->have_wait_per_run = num(l, s, sp, "wait_per_run", &nf->wait_per_run);
        }
    }
    /* fused groups: every member points at the group's first NF */
    for (size_t i = 0; i < n; i++) {
        struct json_object *g = get(json_object_array_get_idx(a, i), "fused_group");
        if (!g || !json_object_is_type(g, json_type_array) || !json_object_array_length(g))
            continue;
        const struct rep_nf *head =
            rep_run_nf(run, json_object_get_string(json_object_array_get_idx(g, 0)));
        if (head)
            run->nf[i].fused_head = (int)(head - run->nf) + 1;
    }
}

static void traffic(struct ld *l, struct rep_run *run, struct json_object *t)
{
    run->have_traffic = true;
    run->have_sent = u64(l, t, "traffic", "sent", &run->sent);
    run->have_received = u64(l, t, "traffic", "received", &run->received);
    struct json_object *s = get(t, "sink");
    snprintf(run->lat.reason, sizeof(run->lat.reason), "no sink results");
    if (!s)
        return;
    run->have_sink = true;
    num(l, s, "traffic.sink", "pps", &run->pps);
    num(l, s, "traffic.sink", "gbps", &run->gbps);
    u64(l, s, "traffic.sink", "lost", &run->lost);
    u64(l, s, "traffic.sink", "reordered", &run->reordered);
    struct json_object *lat = get(s, "latency_ns");
    struct rep_latency *L = &run->lat;
    if (!lat) {
        if (!str(l, s, "traffic.sink", "latency_unavailable", L->reason, sizeof(L->reason)))
            snprintf(L->reason, sizeof(L->reason), "the sink measured no latency");
        return;
    }
    const char *p = "traffic.sink.latency_ns";
    /* every percentile is read (each may fail on its type), then all must be there */
    static const char *const keys[] = {"p1", "p25", "p50", "p75", "p99"};
    double *vals[] = {&L->p1, &L->p25, &L->p50, &L->p75, &L->p99};
    L->have = true;
    for (size_t i = 0; i < 5; i++)
        if (!num(l, lat, p, keys[i], vals[i]))
            L->have = false;
    num(l, lat, p, "min", &L->min);
    num(l, lat, p, "max", &L->max);
    num(l, lat, p, "p99.9", &L->p999);
    if (!L->have)
        snprintf(L->reason, sizeof(L->reason), "the run file's percentiles are incomplete");
    else
        L->reason[0] = '\0';
}

struct rep_run *rep_run_load_string(const char *json, const char *name, char *err, size_t errlen)
{
    struct ld l = {name, err, errlen, 0};
    struct json_tokener *tok = json_tokener_new();
    if (!tok) {
        errno = ENOMEM;
        return NULL;
    }
    struct json_object *root = json_tokener_parse_ex(tok, json, (int)strlen(json));
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t at = tok->char_offset;
    json_tokener_free(tok);
    if (!root || je != json_tokener_success) {
        json_object_put(root);
        fail(&l, "not JSON (%s at byte %zu): give a file `scc run --json` wrote",
             json_tokener_error_desc(je), at);
        errno = EINVAL;
        return NULL;
    }
    struct rep_run *run = calloc(1, sizeof(*run));
    if (!run) {
        json_object_put(root);
        errno = ENOMEM;
        return NULL;
    }
    run->root = root;
    snprintf(run->path, sizeof(run->path), "%s", name);
    int e = EINVAL;
    if (!json_object_is_type(root, json_type_object)) {
        fail(&l, "not a run file: the top level is not an object");
        goto err;
    }
    if (!str(&l, root, "", "schema", run->schema, sizeof(run->schema)) || l.failed) {
        l.failed = 0;
        fail(&l, "schema: missing: not a run file (`scc run --json FILE` writes one)");
        goto err;
    }
    if (!strcmp(run->schema, "scc-run/1")) {
        e = ENOTSUP;
        fail(&l, "schema scc-run/1 (an older scc) is not read: its sink, NF and accounting "
                 "fields differ from scc-run/2 and carry no profile; re-run the chain with this "
                 "scc (`scc run CHAIN --json FILE`) to get a scc-run/2 file");
        goto err;
    }
    if (strcmp(run->schema, "scc-run/2")) {
        e = ENOTSUP;
        fail(&l, "schema '%s' is not one scc report reads (it reads scc-run/2)", run->schema);
        goto err;
    }
    ident(&l, root, "", "chain", run->chain, sizeof(run->chain));
    str(&l, root, "", "mode", run->mode, sizeof(run->mode));
    str(&l, root, "", "interconnect", run->interconnect, sizeof(run->interconnect));
    str(&l, root, "", "transport", run->transport, sizeof(run->transport));
    double d;
    run->batch = num(&l, root, "", "batch", &d) ? (long)d : 0;
    struct json_object *w = get(root, "window");
    num(&l, w, "window", "seconds", &run->window_s);
    str(&l, w, "window", "kind", run->window_kind, sizeof(run->window_kind));
    struct json_object *a = array(&l, root, "", "nfs");
    if (!a) {
        fail(&l, "nfs: missing: not a run file of `scc run`");
        goto err;
    }
    nfs(&l, run, a);
    policies(&l, run, get(root, "scheduler"));
    if (get(root, "traffic"))
        traffic(&l, run, get(root, "traffic"));
    else
        snprintf(run->lat.reason, sizeof(run->lat.reason), "the run drove no traffic");
    if (get(root, "profile"))
        profile(&l, run, get(root, "profile"));
    if (l.failed)
        goto err;
    return run;
err:
    rep_run_free(run);
    errno = e;
    return NULL;
}

struct rep_run *rep_run_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        errno = e;
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr) {
        int e = buf ? EIO : ENOMEM;
        snprintf(err, errlen, "%s: cannot read: %s", path, buf ? "read error" : "out of memory");
        free(buf);
        errno = e;
        return NULL;
    }
    buf[len] = '\0';
    struct rep_run *r = rep_run_load_string(buf, path, err, errlen);
    int e = errno;
    free(buf);
    errno = e;
    return r;
}

void rep_run_free(struct rep_run *r)
{
    if (!r)
        return;
    json_object_put(r->root);
    free(r->nf);
    free(r->res);
    free(r);
}

const struct rep_nf *rep_run_nf(const struct rep_run *r, const char *name)
{
    for (size_t i = 0; name && i < r->n; i++)
        if (!strcmp(r->nf[i].name, name))
            return &r->nf[i];
    return NULL;
}

const struct prof_nf_result *rep_run_result(const struct rep_run *r, const char *name)
{
    for (size_t i = 0; name && i < r->nres; i++)
        if (!strcmp(r->res[i].name, name))
            return &r->res[i];
    return NULL;
}
