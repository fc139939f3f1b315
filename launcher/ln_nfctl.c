/*
 * ln_nfctl — see ln_nfctl.h. The NF's own counters come from its stats
 * page (nfs/nf_stats.h); the kernel's view of the process from /proc
 * (schedstat: CPU and run-queue wait time; status: context switches). Traffic results come from the JSON files `scc gen` and
 * `scc sink` write (docs/traffic.md).
 */
#include "launcher/ln_nfctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "nfs/nf_stats.h"

static void ln_nf_read_stats(const char *stats_name, struct ln_nf_sample *o);

const char *ln_nf_stats_name(const char *state_name, const char *nf_name)
{
    /* "<chain>.<nf>" so `scc stats` names read naturally; stats pages allow
     * 32 characters, so longer pairs fall back to a hash of the pair */
    static char buf[2 * SCC_NAME_MAX + 8];
    snprintf(buf, sizeof(buf), "%s.%s", state_name, nf_name);
    if (strlen(buf) > 32) {
        uint32_t h = 2166136261u;
        for (const char *c = buf; *c; c++)
            h = (h ^ (uint8_t)*c) * 16777619u;
        char nf[20];
        scc_strlcpy(nf, nf_name, sizeof(nf));
        snprintf(buf, sizeof(buf), "%08x.%s", h, nf);
    }
    return buf;
}

bool ln_nf_ready(const char *stats_name)
{
    struct nf_stats_page pg;
    char err[128];
    return nf_stats_read(stats_name, &pg, err, sizeof(err)) == 0 && pg.ready;
}

static void ln_nf_read_stats(const char *stats_name, struct ln_nf_sample *o)
{
    struct nf_stats_page *pg = malloc(sizeof(*pg));
    char err[128];
    if (!pg || nf_stats_read(stats_name, pg, err, sizeof(err)) < 0) {
        free(pg);
        return;
    }
    o->have_stats = true;
    o->rx = pg->rx_pkts;
    o->tx = pg->tx_pkts;
    o->rx_bytes = pg->rx_bytes;
    o->tx_bytes = pg->tx_bytes;
    o->batches = pg->batches;
    o->rx_calls = pg->rx_calls;
    o->tx_calls = pg->tx_calls;
    o->drops = pg->drops + pg->tx_drops + pg->rx_bad_encap + pg->rx_truncated;
    o->kernel_drops = pg->rx_kernel_drops;
    struct { const char *what; uint64_t n; } io[] = {
        {"I/O: send refused by the kernel", pg->tx_drops},
        {"I/O: bad VXLAN encapsulation", pg->rx_bad_encap},
        {"I/O: frame truncated", pg->rx_truncated},
    };
    for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++)
        if (io[i].n && o->ndrops < LN_MAX_ELEM_DROPS) {
            scc_strlcpy(o->drop_name[o->ndrops], io[i].what, sizeof(o->drop_name[0]));
            o->drop_count[o->ndrops++] = io[i].n;
        }
    for (uint32_t e = 0; e < pg->nelems && e < NF_STATS_MAX_ELEMS; e++) {
        const struct nf_stats_elem *el = &pg->elems[e];
        for (uint32_t r = 0; r < el->nreasons && r < NF_STATS_MAX_REASONS; r++) {
            if (!el->drops[r] || o->ndrops >= LN_MAX_ELEM_DROPS)
                continue;
            snprintf(o->drop_name[o->ndrops], sizeof(o->drop_name[0]), "%.30s: %.30s",
                     el->name, el->reason[r]);
            o->drop_count[o->ndrops++] = el->drops[r];
        }
    }
    free(pg);
}

static void read_proc(pid_t pid, struct ln_nf_sample *o)
{
    char path[64], buf[4096];
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    if (!(f = fopen(path, "re")))
        return;
    unsigned long long run = 0, wait = 0, slices = 0;
    int n = fscanf(f, "%llu %llu %llu", &run, &wait, &slices);
    fclose(f);
    if (n != 3)
        return;
    o->run_ns = run;
    o->wait_ns = wait;
    o->slices = slices;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "re"))) {
        while (fgets(buf, sizeof(buf), f)) {
            unsigned long long v;
            if (sscanf(buf, "voluntary_ctxt_switches: %llu", &v) == 1)
                o->vol_cs = v;
            else if (sscanf(buf, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
                o->invol_cs = v;
        }
        fclose(f);
    }
    o->have_proc = true;
}

void ln_nf_sample(const char *stats_name, pid_t pid, struct ln_nf_sample *o)
{
    memset(o, 0, sizeof(*o));
    if (pid > 0)
        read_proc(pid, o);
    ln_nf_read_stats(stats_name, o);
}

/* ---- report ---------------------------------------------------------- */

static struct json_object *jpath(struct json_object *o, const char *path)
{
    char buf[128];
    scc_strlcpy(buf, path, sizeof(buf));
    for (char *tok = strtok(buf, "."); tok && o; tok = strtok(NULL, ".")) {
        struct json_object *next = NULL;
        if (!json_object_object_get_ex(o, tok, &next))
            return NULL;
        o = next;
    }
    return o;
}

static uint64_t ju64(struct json_object *o, const char *path)
{
    struct json_object *v = jpath(o, path);
    return v ? (uint64_t)json_object_get_int64(v) : 0;
}

static double jdbl(struct json_object *o, const char *path)
{
    struct json_object *v = jpath(o, path);
    return v ? json_object_get_double(v) : 0.0;
}

/* ---- scc gen / scc sink arguments ------------------------------------- */

struct argfill {
    const char **argv;
    int *argc, max;
    char *store;
    size_t len, used;
};

static void af_add(struct argfill *a, const char *s)
{
    if (*a->argc < a->max)
        a->argv[(*a->argc)++] = s;
}

static const char *af_fmt(struct argfill *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *af_fmt(struct argfill *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *at = a->store + a->used;
    int n = vsnprintf(at, a->len - a->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= a->len - a->used)
        return "";
    a->used += (size_t)n + 1;
    return at;
}

void ln_traffic_args(const struct scc_chain *ch, const struct ln_stage *st, bool gen,
                     const char *json_path, const char **argv, int *argc, int max, char *store,
                     size_t storelen)
{
    struct argfill a = {argv, argc, max, store, storelen, 0};
    const struct scc_traffic_spec *t = &ch->traffic;
    const char *ep = gen ? st->out_ep : st->in_ep; /* raw:IF or udp:IP:PORT */
    bool udp = strncmp(ep, "udp:", 4) == 0;
    af_add(&a, "--transport");
    af_add(&a, udp ? "udp" : "raw");
    if (udp) {
        af_add(&a, gen ? "--dst" : "--listen");
        af_add(&a, ep + 4);
        af_add(&a, "--vni");
        af_add(&a, af_fmt(&a, "%u", ch->io.vni));
    } else {
        af_add(&a, "--if");
        af_add(&a, ep + 4);
    }
    af_add(&a, "--batch");
    af_add(&a, af_fmt(&a, "%u", ch->io.batch));
    af_add(&a, "--json");
    af_add(&a, json_path);
    if (gen) {
        af_add(&a, "--rate");
        af_add(&a, af_fmt(&a, "%" PRIu64, t->rate_pps));
        af_add(&a, "--size");
        af_add(&a, t->dist == SCC_DIST_FIXED ? af_fmt(&a, "%u", t->size)
                                             : scc_size_dist_names[t->dist]);
        af_add(&a, "--flows");
        af_add(&a, af_fmt(&a, "%u", t->flows));
        if (t->count) {
            af_add(&a, "--count");
            af_add(&a, af_fmt(&a, "%" PRIu64, t->count));
        } else {
            af_add(&a, "--duration");
            af_add(&a, af_fmt(&a, "%g", t->duration_s));
        }
        if (st->set_dst_mac) {
            char m[20];
            scc_mac_format(st->dst_mac, m, sizeof(m));
            af_add(&a, "--dst-mac");
            af_add(&a, af_fmt(&a, "%s", m));
        }
    } else {
        af_add(&a, "--warmup");
        af_add(&a, af_fmt(&a, "%g", t->warmup_s));
        af_add(&a, "--idle-timeout");
        af_add(&a, "1");
        af_add(&a, "--timeout");
        af_add(&a, "10");
        af_add(&a, "--ready");
        af_add(&a, af_fmt(&a, "%s.ready", json_path));
    }
}

/* ---- report ------------------------------------------------------------ */

static struct json_object *load_json(const char *path)
{
    if (!path || access(path, R_OK) != 0)
        return NULL;
    return json_object_from_file(path);
}

int ln_report(const struct scc_chain *ch, const struct ln_plan *plan, const char *gen_json,
              const char *sink_json, const struct ln_nf_sample *before,
              const struct ln_nf_sample *after, const char *json_out)
{
    struct json_object *gen = load_json(gen_json), *sink = load_json(sink_json);
    struct json_object *root = json_object_new_object();
    json_object_object_add(root, "schema", json_object_new_string("scc-run/1"));
    json_object_object_add(root, "chain", json_object_new_string(ch->name));
    json_object_object_add(root, "mode", json_object_new_string(scc_mode_names[ch->mode]));
    json_object_object_add(root, "interconnect",
                           json_object_new_string(scc_link_names[ch->interconnect]));
    json_object_object_add(root, "transport",
                           json_object_new_string(scc_transport_names[ch->io.transport]));
    json_object_object_add(root, "batch", json_object_new_int64(ch->io.batch));

    uint64_t sent = ju64(gen, "sent");
    uint64_t received = ju64(sink, "rx_pkts") + ju64(sink, "warmup_discarded");
    uint64_t nf_drops = 0, nf_kdrops = 0;
    FILE *o = stdout;
    bool traffic = gen || sink;

    fprintf(o, "\nchain %s: %d NF%s, %s interconnect, %s transport, batch %u\n", ch->name,
            ch->nnfs, ch->nnfs == 1 ? "" : "s", scc_link_names[ch->interconnect],
            scc_transport_names[ch->io.transport], ch->io.batch);
    if (traffic) {
        struct json_object *t = json_object_new_object();
        json_object_object_add(t, "sent", json_object_new_int64((int64_t)sent));
        json_object_object_add(t, "received", json_object_new_int64((int64_t)received));
        if (gen)
            json_object_object_add(t, "generator", json_object_get(gen));
        if (sink)
            json_object_object_add(t, "sink", json_object_get(sink));
        json_object_object_add(root, "traffic", t);
        fprintf(o, "traffic: sent %" PRIu64 " frames (%.0f pps asked, %.0f pps achieved), "
                   "received %" PRIu64 "\n", sent, jdbl(gen, "rate_pps"),
                jdbl(gen, "achieved_pps"), received);
        if (sink && received == 0) {
            fprintf(o, "  sink: received nothing (see the drops below)\n");
        } else if (sink) {
            fprintf(o, "  sink: %.0f pps, %.4f Gb/s; lost %" PRIu64 ", reordered %" PRIu64
                       ", duplicates %" PRIu64 "\n",
                    jdbl(sink, "pps"), jdbl(sink, "gbps"), ju64(sink, "lost"),
                    ju64(sink, "reordered"), ju64(sink, "duplicates"));
            static const char *const pct[] = {"min", "p1", "p25", "p50", "p75", "p99",
                                               "p99.9", "max"};
            fprintf(o, "  latency (us):");
            for (size_t i = 0; i < sizeof(pct) / sizeof(pct[0]); i++) {
                /* "p99.9" contains a dot, so not through jpath() */
                struct json_object *h = jpath(sink, "latency_ns.from_send"), *v = NULL;
                if (h)
                    json_object_object_get_ex(h, pct[i], &v);
                fprintf(o, " %s %.1f", pct[i], v ? json_object_get_double(v) / 1e3 : 0.0);
            }
            fprintf(o, "\n");
        } else {
            fprintf(o, "  sink: no results (it failed or was stopped; see above)\n");
        }
    }

    fprintf(o, "\n  %-10s %10s %10s %9s %8s %8s %8s %10s %9s %9s\n", "nf", "rx", "tx", "drops",
            "batches", "rx-calls", "tx-calls", "cpu-ns/pkt", "vol-cs", "invol-cs");
    struct json_object *nfs = json_object_new_array();
    for (int s = 1; s < plan->nstages - 1; s++) {
        const struct ln_stage *st = &plan->stages[s];
        if (!st->local)
            continue;
        const struct ln_nf_sample *a = &after[st->nf], *b = &before[st->nf];
        nf_drops += a->drops;
        nf_kdrops += a->kernel_drops;
        /* CPU time from schedstat (ns resolution), not utime/stime (10 ms ticks) */
        uint64_t cpu_ns = a->have_proc && b->have_proc ? a->run_ns - b->run_ns : 0;
        uint64_t pkts = a->rx - b->rx;
        double cpu_pp = pkts ? (double)cpu_ns / (double)pkts : 0;
        fprintf(o, "  %-10s %10" PRIu64 " %10" PRIu64 " %9" PRIu64 " %8" PRIu64 " %8" PRIu64
                   " %8" PRIu64 " %10.0f %9" PRIu64 " %9" PRIu64 "%s\n",
                st->name, a->rx, a->tx, a->drops, a->batches, a->rx_calls, a->tx_calls, cpu_pp,
                a->vol_cs - b->vol_cs, a->invol_cs - b->invol_cs,
                a->have_stats ? "" : "  (stats page unreadable)");
        for (int k = 0; k < a->ndrops; k++)
            fprintf(o, "  %-10s   dropped %" PRIu64 " at %s\n", "", a->drop_count[k],
                    a->drop_name[k]);
        if (a->kernel_drops)
            fprintf(o, "  %-10s   %" PRIu64 " dropped by the kernel before it read them "
                       "(receive queue full)\n", "", a->kernel_drops);
        struct json_object *n = json_object_new_object();
        json_object_object_add(n, "name", json_object_new_string(st->name));
        char cpu[64] = "";
        scc_cpuset_format(&ch->nfs[st->nf].cpus, cpu, sizeof(cpu));
        json_object_object_add(n, "cpu", json_object_new_string(cpu));
        json_object_object_add(n, "stats_available", json_object_new_boolean(a->have_stats));
#define ADD(k, v) json_object_object_add(n, k, json_object_new_int64((int64_t)(v)))
        ADD("rx", a->rx);
        ADD("tx", a->tx);
        ADD("rx_bytes", a->rx_bytes);
        ADD("tx_bytes", a->tx_bytes);
        ADD("batches", a->batches);
        ADD("rx_syscalls", a->rx_calls);
        ADD("tx_syscalls", a->tx_calls);
        ADD("drops", a->drops);
        ADD("rx_kernel_drops", a->kernel_drops);
        struct json_object *dr = json_object_new_object();
        for (int k = 0; k < a->ndrops; k++)
            json_object_object_add(dr, a->drop_name[k],
                                   json_object_new_int64((int64_t)a->drop_count[k]));
        json_object_object_add(n, "drop_reasons", dr);
        struct json_object *sc = json_object_new_object();
        if (a->have_proc && b->have_proc) {
            json_object_object_add(sc, "run_ns", json_object_new_int64((int64_t)(a->run_ns - b->run_ns)));
            json_object_object_add(sc, "wait_ns", json_object_new_int64((int64_t)(a->wait_ns - b->wait_ns)));
            json_object_object_add(sc, "slices", json_object_new_int64((int64_t)(a->slices - b->slices)));
            json_object_object_add(sc, "voluntary_switches",
                                   json_object_new_int64((int64_t)(a->vol_cs - b->vol_cs)));
            json_object_object_add(sc, "involuntary_switches",
                                   json_object_new_int64((int64_t)(a->invol_cs - b->invol_cs)));
            json_object_object_add(sc, "cpu_ns", json_object_new_int64((int64_t)cpu_ns));
            json_object_object_add(sc, "cpu_ns_per_packet", json_object_new_double(cpu_pp));
            double run = (double)(a->run_ns - b->run_ns);
            json_object_object_add(sc, "wait_per_run",
                                   json_object_new_double(run > 0 ? (double)(a->wait_ns - b->wait_ns) / run : 0));
        }
        json_object_object_add(n, "sched", sc);
#undef ADD
        json_object_array_add(nfs, n);
    }
    json_object_object_add(root, "nfs", nfs);

    if (traffic) {
        /* refused sends never count as sent (the generator takes their sequence
         * numbers back), so kernel drops are the receive queues' of every NF
         * and of the sink, and the sink interface's */
        uint64_t kdrops = nf_kdrops + ju64(sink, "kernel.socket_drops") +
                          ju64(sink, "kernel.if_rx_dropped");
        uint64_t dropped = nf_drops + kdrops;
        int64_t unacc = (int64_t)sent - (int64_t)received - (int64_t)dropped;
        struct json_object *acc = json_object_new_object();
        json_object_object_add(acc, "sent", json_object_new_int64((int64_t)sent));
        json_object_object_add(acc, "received", json_object_new_int64((int64_t)received));
        json_object_object_add(acc, "dropped", json_object_new_int64((int64_t)dropped));
        json_object_object_add(acc, "dropped_in_nfs", json_object_new_int64((int64_t)nf_drops));
        json_object_object_add(acc, "dropped_in_kernel", json_object_new_int64((int64_t)kdrops));
        json_object_object_add(acc, "unaccounted", json_object_new_int64(unacc));
        json_object_object_add(root, "accounting", acc);
        fprintf(o, "\naccounting: sent %" PRIu64 " = received %" PRIu64 " + dropped in NFs %" PRIu64
                   " + dropped by the kernel %" PRIu64 " + unaccounted %" PRId64 "\n",
                sent, received, nf_drops, kdrops, unacc);
    }
    int rc = 0;
    if (json_out) {
        if (json_object_to_file_ext(json_out, root, JSON_C_TO_STRING_PRETTY |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE) < 0) {
            scc_err("cannot write %s: %s", json_out, json_util_get_last_err());
            rc = -1;
        } else {
            fprintf(o, "results: %s\n", json_out);
        }
    }
    json_object_put(root);
    json_object_put(gen);
    json_object_put(sink);
    return rc;
}
