/*
 * ln_report — see ln_report.h. Layout of the text follows perf stat: one
 * row per NF, "-" where a figure is missing, and a closing accounting line
 * that must add up.
 */
#include "launcher/ln_report.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"

static struct json_object *ju64(uint64_t v)
{
    return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static void put(struct json_object *o, const char *k, struct json_object *v)
{
    json_object_object_add(o, k, v);
}

/* "%10" PRIu64 or "-" right-aligned in the same width. */
static const char *num(char *buf, size_t len, int width, bool ok, uint64_t v)
{
    if (ok)
        snprintf(buf, len, "%*" PRIu64, width, v);
    else
        snprintf(buf, len, "%*s", width, "-");
    return buf;
}

static struct json_object *lat_json(const struct tr_lat_summary *l)
{
    struct json_object *o = json_object_new_object();
    put(o, "count", ju64(l->count));
    put(o, "min", ju64(l->min));
    put(o, "p1", ju64(l->p1));
    put(o, "p25", ju64(l->p25));
    put(o, "p50", ju64(l->p50));
    put(o, "p75", ju64(l->p75));
    put(o, "p99", ju64(l->p99));
    put(o, "p99.9", ju64(l->p999));
    put(o, "max", ju64(l->max));
    put(o, "iqr", ju64(l->iqr));
    return o;
}

static struct json_object *placement_json(const struct ln_report_in *in)
{
    const struct ln_placement *pl = in->placement;
    struct json_object *o = json_object_new_object();
    char c[64];
    if (pl) {
        struct json_object *g = json_object_new_object();
        scc_cpuset_format(&pl->gen, c, sizeof(c));
        put(g, "cpu", json_object_new_string(c));
        put(g, "auto", json_object_new_boolean(pl->gen_auto));
        put(g, "spin_us", json_object_new_int(pl->gen_spin_us));
        put(g, "shares_core", json_object_new_boolean(pl->gen_shares));
        put(o, "gen", g);
        struct json_object *s = json_object_new_object();
        scc_cpuset_format(&pl->sink, c, sizeof(c));
        put(s, "cpu", json_object_new_string(c));
        put(s, "auto", json_object_new_boolean(pl->sink_auto));
        put(s, "shares_core_with_nf", json_object_new_boolean(pl->sink_shares_nf));
        put(o, "sink", s);
    }
    struct json_object *nfs = json_object_new_object();
    for (int s = 1; s < in->plan->nstages - 1; s++) {
        const struct ln_stage *st = &in->plan->stages[s];
        if (!st->local)
            continue;
        const struct scc_cpuset *cs = &in->chain->nfs[st->nf].cpus;
        if (scc_cpuset_count(cs))
            scc_cpuset_format(cs, c, sizeof(c));
        else
            snprintf(c, sizeof(c), "any");
        put(nfs, st->name, json_object_new_string(c));
    }
    put(o, "nfs", nfs);
    return o;
}

static void traffic_text(const struct ln_report_in *in, FILE *o, uint64_t sent, uint64_t received)
{
    const struct tr_gen_result *g = in->gen;
    const struct tr_sink_result *s = in->sink;
    if (g)
        fprintf(o, "traffic: sent %" PRIu64 " frames (%.0f pps asked, %.0f pps achieved)",
                sent, g->rate_pps, g->achieved_pps);
    else
        fprintf(o, "traffic: sent - (%s)", in->gen_err ? in->gen_err : "no generator here");
    if (s)
        fprintf(o, ", received %" PRIu64 "\n", received);
    else
        fprintf(o, ", received -\n");
    if (!s) {
        fprintf(o, "  sink: no results (%s)\n", in->sink_err ? in->sink_err : "no sink here");
        return;
    }
    if (received == 0) {
        fprintf(o, "  sink: received nothing (see the drops below)\n");
        return;
    }
    fprintf(o, "  sink: %.0f pps, %.4f Gb/s over %.2f s; lost %" PRIu64 ", reordered %" PRIu64
               ", duplicates %" PRIu64 "\n",
            s->pps, s->gbps, s->duration_s, s->lost, s->reordered, s->duplicates);
    if (s->have_latency) {
        const struct tr_lat_summary *l = &s->lat;
        fprintf(o, "  latency (us): min %.1f p1 %.1f p25 %.1f p50 %.1f p75 %.1f p99 %.1f "
                   "p99.9 %.1f max %.1f (IQR %.1f)\n",
                l->min / 1e3, l->p1 / 1e3, l->p25 / 1e3, l->p50 / 1e3, l->p75 / 1e3,
                l->p99 / 1e3, l->p999 / 1e3, l->max / 1e3, l->iqr / 1e3);
    } else {
        fprintf(o, "  latency: not measured (%s)\n",
                in->latency_off ? in->latency_off
                : s->latency_off[0] ? s->latency_off : "no sample");
    }
    if (s->latency_negative)
        fprintf(o, "  latency: %" PRIu64 " frames arrived before they were sent by the "
                   "sink's clock and were left out\n", s->latency_negative);
}

/* A fused NF (docs/fusion.md): its group, and whose CPU figures it holds. */
static void fused_json(const struct ln_plan *p, const struct ln_stage *st,
                       const struct ln_nf_figures *w, struct json_object *n)
{
    const struct ln_stage *h = &p->stages[st->group];
    if (h->nfused < 2)
        return;
    struct json_object *g = json_object_new_array(), *with = json_object_new_array();
    for (int k = st->group; k < st->group + h->nfused; k++) {
        json_object_array_add(g, json_object_new_string(p->stages[k].name));
        if (&p->stages[k] != st)
            json_object_array_add(with, json_object_new_string(p->stages[k].name));
    }
    put(n, "fused_group", g);
    if (w->cpu_group && st == h) { /* the process's CPU, not split: on the first NF */
        put(n, "cpu_shared_with", with);
    } else {
        json_object_put(with);
        put(n, "cpu_split", json_object_new_string(w->cpu_split ? "pipeline_ns" : "none"));
    }
}

static struct json_object *nf_json(const struct ln_report_in *in, const struct ln_stage *st,
                                   const struct ln_nf_figures *w, double *cpu_pp_out, bool *cpu_ok)
{
    struct json_object *n = json_object_new_object();
    char c[64];
    put(n, "name", json_object_new_string(st->name));
    const struct scc_cpuset *cs = &in->chain->nfs[st->nf].cpus;
    if (scc_cpuset_count(cs))
        scc_cpuset_format(cs, c, sizeof(c));
    else
        snprintf(c, sizeof(c), "any");
    put(n, "cpu", json_object_new_string(c));
    fused_json(in->plan, st, w, n);
    put(n, "processes", json_object_new_int(w->shares));
    put(n, "stats_available", json_object_new_boolean(w->shares && w->stats_ok));
    bool sok = w->shares && w->stats_ok;
#define C(k, v) put(n, k, sok ? ju64(v) : NULL)
    C("rx", w->c.rx);
    C("tx", w->c.tx);
    C("rx_bytes", w->c.rx_bytes);
    C("tx_bytes", w->c.tx_bytes);
    C("batches", w->c.batches);
    C("rx_syscalls", w->c.rx_calls);
    C("tx_syscalls", w->c.tx_calls);
    C("ring_syscalls", w->c.ring_calls); /* chain-order token: futex, liveness, idle poll */
    C("drops", w->c.drops);
    C("rx_kernel_drops", w->c.kernel_drops);
#undef C
    struct json_object *dr = NULL;
    if (sok) {
        dr = json_object_new_object();
        for (int k = 0; k < w->c.ndrops; k++)
            put(dr, w->c.drop_name[k], ju64(w->c.drop_count[k]));
    }
    put(n, "drop_reasons", dr);
    /* endpoints: the return path's own figures (rx/tx above are the
     * forward direction; drops above count both); null without endpoints
     * or when the page was unreadable */
    struct json_object *rv = NULL;
    if (sok && in->plan->endpoints) {
        static const char *const modes[] = {"none", "pipeline", "straight"};
        rv = json_object_new_object();
        put(rv, "mode", json_object_new_string(w->c.rev_mode >= 0 && w->c.rev_mode < 3
                                                   ? modes[w->c.rev_mode] : "unknown"));
        put(rv, "rx", ju64(w->c.rev_rx));
        put(rv, "tx", ju64(w->c.rev_tx));
        put(rv, "rx_bytes", ju64(w->c.rev_rx_bytes));
        put(rv, "tx_bytes", ju64(w->c.rev_tx_bytes));
        put(rv, "drops", ju64(w->c.rev_drops));
        put(rv, "rx_kernel_drops", ju64(w->c.rev_kernel_drops));
    }
    put(n, "reverse", rv);
    bool pok = w->shares && w->proc_ok;
    *cpu_ok = pok && sok && w->c.rx > 0;
    *cpu_pp_out = *cpu_ok ? (double)w->proc.run_ns / (double)w->c.rx : 0;
    struct json_object *sc = NULL;
    if (pok) {
        sc = json_object_new_object();
        put(sc, "run_ns", ju64(w->proc.run_ns));
        put(sc, "wait_ns", ju64(w->proc.wait_ns));
        put(sc, "slices", ju64(w->proc.slices));
        put(sc, "voluntary_switches", ju64(w->proc.vol_cs));
        put(sc, "involuntary_switches", ju64(w->proc.invol_cs));
        put(sc, "cpu_ns", ju64(w->proc.run_ns));
        put(sc, "cpu_ns_per_packet", *cpu_ok ? json_object_new_double(*cpu_pp_out) : NULL);
        bool tok = w->task_clock_ok && sok && w->c.rx > 0;
        put(sc, "task_clock_ns", w->task_clock_ok ? ju64(w->task_clock_ns) : NULL);
        put(sc, "task_clock_ns_per_packet",
            tok ? json_object_new_double((double)w->task_clock_ns / (double)w->c.rx) : NULL);
        put(sc, "wait_per_run", w->proc.run_ns
                                    ? json_object_new_double((double)w->proc.wait_ns /
                                                             (double)w->proc.run_ns)
                                    : NULL);
    }
    put(n, "sched", sc);
    /* scc-nf --phase-timing (profile mode): CPU per packet by phase, as the
     * NF measured it; null when it did not run over the whole window */
    struct json_object *ph = NULL;
    if (sok && w->c.phase == 1 && w->c.rx > 0) {
        double pkts = (double)w->c.rx;
        ph = json_object_new_object();
        put(ph, "rx_ns_per_packet", json_object_new_double((double)w->c.phase_rx_ns / pkts));
        put(ph, "pipeline_ns_per_packet",
            json_object_new_double((double)w->c.phase_pipe_ns / pkts));
        put(ph, "tx_ns_per_packet", json_object_new_double((double)w->c.phase_tx_ns / pkts));
        /* block idle: the receive that returned packets also slept first */
        put(ph, "rx_includes_wait", json_object_new_boolean(w->c.phase_rx_waits));
    }
    put(n, "phases", ph);
    return n;
}

int ln_report(const struct ln_report_in *in, FILE *o, const char *json_out, char *err,
              size_t errlen)
{
    const struct scc_chain *ch = in->chain;
    const struct ln_plan *plan = in->plan;
    struct json_object *root = json_object_new_object();
    put(root, "schema", json_object_new_string("scc-run/2"));
    put(root, "chain", json_object_new_string(ch->name));
    put(root, "mode", json_object_new_string(scc_mode_names[ch->mode]));
    put(root, "interconnect", json_object_new_string(scc_link_names[ch->interconnect]));
    put(root, "transport", json_object_new_string(scc_transport_names[ch->io.transport]));
    put(root, "batch", json_object_new_int64(ch->io.batch));
    put(root, "placement", placement_json(in));
    if (in->sched)
        put(root, "scheduler", json_object_get(in->sched));
    if (in->profile)
        put(root, "profile", json_object_get(in->profile));
    struct json_object *win = json_object_new_object();
    put(win, "kind", json_object_new_string(in->window_kind ? in->window_kind : "run"));
    put(win, "seconds", json_object_new_double(in->window_s));
    put(root, "window", win);

    fprintf(o, "\nchain %s: %d NF%s, %s interconnect, %s transport, batch %u\n", ch->name,
            ch->nnfs, ch->nnfs == 1 ? "" : "s", scc_link_names[ch->interconnect],
            scc_transport_names[ch->io.transport], ch->io.batch);
    if (in->placement) {
        char line[1024];
        ln_placement_format(ch, plan, in->placement, line, sizeof(line));
        fprintf(o, "placement: %s\n", line);
    }

    uint64_t sent = in->gen ? in->gen->sent : 0;
    uint64_t received = in->sink ? in->sink->rx_pkts + in->sink->warmup_discarded : 0;
    if (in->traffic) {
        struct json_object *t = json_object_new_object();
        put(t, "sent", in->gen ? ju64(sent) : NULL);
        put(t, "received", in->sink ? ju64(received) : NULL);
        if (in->gen) {
            struct json_object *g = json_object_new_object();
            put(g, "sent", ju64(in->gen->sent));
            put(g, "rate_pps", in->gen->have_rate ? json_object_new_double(in->gen->rate_pps) : NULL);
            put(g, "achieved_pps", json_object_new_double(in->gen->achieved_pps));
            put(g, "kept_up", json_object_new_boolean(in->gen->kept_up));
            put(t, "generator", g);
        } else {
            put(t, "generator", NULL);
            if (in->gen_err)
                put(t, "generator_error", json_object_new_string(in->gen_err));
        }
        if (in->sink) {
            const struct tr_sink_result *s = in->sink;
            struct json_object *k = json_object_new_object();
            put(k, "rx_pkts", ju64(s->rx_pkts));
            put(k, "warmup_discarded", ju64(s->warmup_discarded));
            put(k, "pps", json_object_new_double(s->pps));
            put(k, "gbps", json_object_new_double(s->gbps));
            put(k, "lost", ju64(s->lost));
            put(k, "reordered", ju64(s->reordered));
            put(k, "duplicates", ju64(s->duplicates));
            put(k, "latency_negative", ju64(s->latency_negative));
            put(k, "latency_ns", s->have_latency ? lat_json(&s->lat) : NULL);
            if (!s->have_latency)
                put(k, "latency_unavailable",
                    json_object_new_string(in->latency_off ? in->latency_off
                                           : s->latency_off[0] ? s->latency_off : "no sample"));
            put(t, "sink", k);
        } else {
            put(t, "sink", NULL);
            if (in->sink_err)
                put(t, "sink_error", json_object_new_string(in->sink_err));
        }
        put(root, "traffic", t);
        traffic_text(in, o, sent, received);
    }
    if (in->window_kind && strcmp(in->window_kind, "sink"))
        fprintf(o, "  NF figures below cover %s (%.2f s)\n", in->window_kind, in->window_s);

    fprintf(o, "\n  %-10s %10s %10s %9s %8s %8s %8s %10s %10s %9s %9s\n", "nf", "rx", "tx",
            "drops", "batches", "rx-calls", "tx-calls", "cpu-ns/pkt", "task-ns/pkt", "vol-cs",
            "invol-cs");
    struct json_object *nfs = json_object_new_array();
    uint64_t nf_drops = 0, nf_kdrops = 0;
    char missing[512] = "";
    for (int s = 1; s < plan->nstages - 1; s++) {
        const struct ln_stage *st = &plan->stages[s];
        if (!st->local)
            continue;
        const struct ln_nf_figures *w = &in->window[st->nf], *r = &in->run[st->nf];
        double cpu_pp;
        bool cpu_ok;
        struct json_object *n = nf_json(in, st, w, &cpu_pp, &cpu_ok);
        bool rok = r->shares && r->stats_ok;
        struct json_object *rj = NULL;
        if (rok) {
            rj = json_object_new_object();
            put(rj, "rx", ju64(r->c.rx));
            put(rj, "tx", ju64(r->c.tx));
            put(rj, "drops", ju64(r->c.drops));
            put(rj, "rx_kernel_drops", ju64(r->c.kernel_drops));
            nf_drops += r->c.drops;
            nf_kdrops += r->c.kernel_drops;
        } else {
            size_t l = strlen(missing);
            snprintf(missing + l, sizeof(missing) - l, "%s%s", l ? ", " : "", st->name);
        }
        put(n, "run", rj);
        json_object_array_add(nfs, n);

        bool sok = w->shares && w->stats_ok, pok = w->shares && w->proc_ok;
        char b[10][32];
        char cpu[32], tc[32];
        if (cpu_ok)
            snprintf(cpu, sizeof(cpu), "%10.0f", cpu_pp);
        else
            snprintf(cpu, sizeof(cpu), "%10s", "-");
        if (w->task_clock_ok && sok && w->c.rx)
            snprintf(tc, sizeof(tc), "%11.0f", (double)w->task_clock_ns / (double)w->c.rx);
        else
            snprintf(tc, sizeof(tc), "%11s", "-");
        fprintf(o, "  %-10s %s %s %s %s %s %s %s %s %s %s%s%s\n", st->name,
                num(b[0], 32, 10, sok, w->c.rx), num(b[1], 32, 10, sok, w->c.tx),
                num(b[2], 32, 9, sok, w->c.drops), num(b[3], 32, 8, sok, w->c.batches),
                num(b[4], 32, 8, sok, w->c.rx_calls), num(b[5], 32, 8, sok, w->c.tx_calls), cpu, tc,
                num(b[6], 32, 9, pok, w->proc.vol_cs), num(b[7], 32, 9, pok, w->proc.invol_cs),
                sok ? "" : "  (stats page unreadable)",
                w->shares > 1 ? "  (summed over restarts)" : "");
        if (sok && plan->endpoints) /* the return path (out -> in), same columns */
            fprintf(o, "  %-10s %s %s %s  (reverse, %s)\n", "  reverse",
                    num(b[0], 32, 10, true, w->c.rev_rx), num(b[1], 32, 10, true, w->c.rev_tx),
                    num(b[2], 32, 9, true, w->c.rev_drops),
                    w->c.rev_mode == 1   ? "through the pipeline"
                    : w->c.rev_mode == 2 ? "straight back"
                                         : "not forwarded");
        if (sok) {
            for (int k = 0; k < w->c.ndrops; k++)
                fprintf(o, "  %-10s   dropped %" PRIu64 " at %s\n", "", w->c.drop_count[k],
                        w->c.drop_name[k]);
            if (w->c.kernel_drops)
                fprintf(o, "  %-10s   %" PRIu64 " dropped by the kernel before it read them "
                           "(receive queue full)\n", "", w->c.kernel_drops);
        }
    }
    put(root, "nfs", nfs);
    struct json_object *groups = json_object_new_array();
    for (int s = 1; s < plan->nstages - 1; s++) {
        const struct ln_stage *st = &plan->stages[s];
        if (!st->local || st->nfused < 2)
            continue;
        char g[256];
        ln_group_describe(plan, s, g, sizeof(g));
        fprintf(o, "  fused: %s\n", g);
        if (in->window[st->nf].cpu_group)
            fprintf(o, "  %-10s   CPU figures on %s's row are the whole group's (no phase "
                       "timing to split them)\n", "", st->name);
        json_object_array_add(groups, json_object_new_string(g));
    }
    put(root, "fused", groups);

    if (in->traffic) {
        /* refused sends never count as sent (the generator takes their
         * sequence numbers back), so kernel drops are the receive queues'
         * of every NF and of the sink, and the sink interface's */
        const struct tr_sink_result *s = in->sink;
        uint64_t kdrops = nf_kdrops + (s && s->have_socket_drops ? s->socket_drops : 0) +
                          (s && s->have_if_rx_dropped ? s->if_rx_dropped : 0);
        uint64_t dropped = nf_drops + kdrops;
        bool complete = in->gen && in->sink && !missing[0];
        int64_t unacc = (int64_t)sent - (int64_t)received - (int64_t)dropped;
        struct json_object *acc = json_object_new_object();
        put(acc, "sent", in->gen ? ju64(sent) : NULL);
        put(acc, "received", in->sink ? ju64(received) : NULL);
        put(acc, "dropped", ju64(dropped));
        put(acc, "dropped_in_nfs", ju64(nf_drops));
        put(acc, "dropped_in_kernel", ju64(kdrops));
        put(acc, "unaccounted", complete ? json_object_new_int64(unacc) : NULL);
        put(acc, "complete", json_object_new_boolean(complete));
        if (missing[0])
            put(acc, "lacking_nfs", json_object_new_string(missing));
        put(root, "accounting", acc);
        if (complete)
            fprintf(o, "\naccounting (whole run): sent %" PRIu64 " = received %" PRIu64
                       " + dropped in NFs %" PRIu64 " + dropped by the kernel %" PRIu64
                       " + unaccounted %" PRId64 "\n",
                    sent, received, nf_drops, kdrops, unacc);
        else
            fprintf(o, "\naccounting (whole run): incomplete: %s%s%s%s; dropped in NFs %" PRIu64
                       " + by the kernel %" PRIu64 " of those counted\n",
                    missing[0] ? "no figures from " : "", missing,
                    missing[0] && (!in->gen || !in->sink) ? "; " : "",
                    !in->gen ? (in->gen_err ? in->gen_err : "no generator results")
                    : !in->sink ? (in->sink_err ? in->sink_err : "no sink results") : "",
                    nf_drops, kdrops);
    }
    int rc = 0;
    if (json_out) {
        /* temporary file + fsync + rename: a full or read-only directory
         * leaves no truncated results file that looks complete */
        const char *text = json_object_to_json_string_ext(
            root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t tlen = text ? strlen(text) : 0;
        char *buf = text ? malloc(tlen + 2) : NULL;
        if (!buf) {
            snprintf(err, errlen, "cannot write %s: out of memory", json_out);
            rc = -1;
        } else {
            memcpy(buf, text, tlen);
            buf[tlen] = '\n';
            if (scc_write_file_atomic(json_out, buf, tlen + 1, err, errlen) < 0)
                rc = -1;
            free(buf);
        }
        if (rc == 0) {
            fprintf(o, "results: %s\n", json_out);
        }
    }
    json_object_put(root);
    return rc;
}
