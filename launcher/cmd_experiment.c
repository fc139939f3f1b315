/*
 * cmd_experiment — `scc experiment NAME` (the paper's evaluations re-run
 * on this machine: chain-length, batch-sweep, profiler-accuracy,
 * colocation) and `scc tune CHAIN.json`
 * (the same sweep engine on the user's own chain: which batch size,
 * scheduling, chain-order, fusion or placement is fastest at the user's
 * rate, and why). The sweeps are exp_engine.c; the specs exp_calc.c; the
 * page exp_html.c. docs/experiments.md is the user's guide.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/scc_cmds.h"
#include "common/scc_util.h"
#include "launcher/cmd_common.h"
#include "launcher/exp.h"
#include "launcher/scc_spec.h"

struct opts {
    bool quick, profile;
    const char *out;
    long reps;     /* 0: the experiment's default */
    long rate;     /* 0: the experiment's default */
    double dur;    /* 0: the experiment's default */
    const char *goal;
    const char *best;
};

static void on_sigint(int sig)
{
    (void)sig;
    exp_stop_requested = 1;
}

static int ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

static void exp_usage(FILE *f)
{
    fprintf(f, "usage: scc experiment NAME [--quick] [--out DIR] [--reps N] [--rate PPS] "
               "[--duration S] [--runtime]\n"
               "       scc tune CHAIN.json [--rate PPS] [--goal p50|p99|iqr|throughput] "
               "[--quick] [--reps N] [--duration S] [--out DIR] [-o BEST.json]\n\n"
               "experiments:\n"
               "  chain-length  1..8 routers on one core under default, batch+slice, I/O batching,\n"
               "                chain-order and fused (paper Fig. 9/10, Tables 5 and 8)\n"
               "  batch-sweep   one router, batch 1..256, frame sizes, transports (paper Fig. 8,\n"
               "                Table 7)\n"
               "  profiler-accuracy  the model's per-packet cost next to the sink's percentiles and\n"
               "                the NFs' phase timings, 1..8 routers, batch 1 and 32\n"
               "  colocation    1, 2, 4, 8 independent gen -> router -> sink bundles at once, the\n"
               "                routers on one shared core: aggregate throughput, per-bundle\n"
               "                latency and fairness per scheduling configuration\n\n"
               "  --quick       the smallest sweep that shows the effect (CI: under 30 s)\n"
               "  --out DIR     where NAME.json and NAME.html go (default: .)\n"
               "  --reps N      repetitions of each point (default 3; --quick 1)\n"
               "  --rate PPS    the generator's rate\n"
               "  --duration S  seconds of traffic per run\n"
               "  --runtime     do not profile (no model, no SchedContention/RunTime)\n"
               "Needs root and 2 cores (traffic on 0, NFs on 1). docs/experiments.md\n");
}

/* Returns 0, 1 (--help printed), 2 (usage error); *pos = first positional. */
static int parse(int argc, char **argv, struct opts *o, const char **pos)
{
    *pos = NULL;
    o->profile = true;
    o->out = ".";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            exp_usage(stdout);
            return 1;
        } else if (!strcmp(a, "--quick")) {
            o->quick = true;
        } else if (!strcmp(a, "--runtime")) {
            o->profile = false;
        } else if (!strcmp(a, "--out") && more) {
            o->out = argv[++i];
        } else if (!strcmp(a, "-o") && more) {
            o->best = argv[++i];
        } else if (!strcmp(a, "--goal") && more) {
            o->goal = argv[++i];
            if (strcmp(o->goal, "p50") && strcmp(o->goal, "p99") && strcmp(o->goal, "iqr") &&
                strcmp(o->goal, "throughput")) {
                fprintf(stderr, "scc %s: --goal '%s': use p50, p99, iqr or throughput\n",
                        argv[0], o->goal);
                return 2;
            }
        } else if (!strcmp(a, "--reps") && more) {
            if (scc_parse_long(argv[++i], 1, EXP_MAX_REPS, &o->reps)) {
                fprintf(stderr, "scc %s: --reps '%s': a whole number 1..%d\n", argv[0], argv[i],
                        EXP_MAX_REPS);
                return 2;
            }
        } else if (!strcmp(a, "--rate") && more) {
            if (scc_parse_long(argv[++i], 1, 100000000, &o->rate)) {
                fprintf(stderr, "scc %s: --rate '%s': packets per second, 1..100000000\n",
                        argv[0], argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--duration") && more) {
            if (scc_parse_double(argv[++i], 0.5, 3600, &o->dur)) {
                fprintf(stderr, "scc %s: --duration '%s': seconds, 0.5..3600\n", argv[0], argv[i]);
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "scc %s: unknown option or missing value '%s' (see --help)\n",
                    argv[0], a);
            return 2;
        } else if (!*pos) {
            *pos = a;
        } else {
            fprintf(stderr, "scc %s: one %s only (see --help)\n", argv[0],
                    strcmp(argv[0], "tune") ? "experiment" : "chain");
            return 2;
        }
    }
    return 0;
}

static void fmt(char *b, size_t n, bool have, double v, const char *f)
{
    if (!have || isnan(v))
        snprintf(b, n, "-");
    else
        snprintf(b, n, f, v);
}

/* The medians as a text table on stdout. */
static void print_table(const struct exp_sweep *s)
{
    const char *group = "";
    for (size_t i = 0; i < exp_sweep_npoints(s); i++) {
        const struct exp_point *p = exp_sweep_point(s, i);
        const struct exp_fig *m = &p->med;
        if (strcmp(group, p->group)) {
            group = p->group;
            printf("\n%s\n%-36s %4s %8s %8s %8s %9s %8s %9s %7s %7s %7s %8s %9s\n", group,
                   "point", "ok", "p25 us", "p50 us", "p75 us", "p99 us", "IQR us",
                   "dropped", "kpps", "sc/pkt", "cs/pkt", "wait/run", "model ns");
        }
        char b[12][24];
        fmt(b[0], 24, m->have_lat, m->p25 / 1e3, "%.1f");
        fmt(b[1], 24, m->have_lat, m->p50 / 1e3, "%.1f");
        fmt(b[2], 24, m->have_lat, m->p75 / 1e3, "%.1f");
        fmt(b[3], 24, m->have_lat, m->p99 / 1e3, "%.1f");
        fmt(b[4], 24, m->have_lat, m->iqr / 1e3, "%.1f");
        fmt(b[5], 24, m->ok, m->dropped, "%.0f");
        fmt(b[6], 24, m->ok, m->pps / 1e3, "%.1f");
        fmt(b[7], 24, m->have_sched, m->syscalls_pp, "%.2f");
        fmt(b[8], 24, m->have_sched, m->cs_pp, "%.2f");
        fmt(b[9], 24, m->have_sched, m->wait_over_run, "%.3f");
        fmt(b[10], 24, m->have_model, m->model_ns, "%.0f");
        char ok[16];
        snprintf(ok, sizeof(ok), "%zu/%zu", p->nok, p->nrep);
        printf("%-36s %4s %8s %8s %8s %9s %8s %9s %7s %7s %7s %8s %9s\n", p->label, ok,
               b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10]);
    }
    double cv;
    size_t n, pt;
    if (exp_sweep_noise(s, &cv, &n, &pt))
        printf("\nmachine noise: CV of the baseline's median latency %.1f%% over %zu "
               "repetitions (%s, %s): smaller differences are not real\n",
               100 * cv, n, exp_sweep_point(s, pt)->group, exp_sweep_point(s, pt)->label);
}

/* DIR/NAME.json and DIR/NAME.html. Returns 0 or 1. */
static int write_outputs(const char *dir, const char *name, const char *title,
                         const struct exp_sweep *s, struct json_object *extra)
{
    char path[4096];
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "scc experiment: mkdir %s: %s\n", dir, strerror(errno));
        return 1;
    }
    struct json_object *o = exp_sweep_json(s, extra);
    snprintf(path, sizeof(path), "%s/%s.json", dir, name);
    if (!o || json_object_to_file_ext(path, o, JSON_C_TO_STRING_PRETTY) < 0) {
        fprintf(stderr, "scc experiment: writing %s: %s\n", path, strerror(errno));
        json_object_put(o);
        return 1;
    }
    json_object_put(o);
    printf("wrote %s\n", path);
    snprintf(path, sizeof(path), "%s/%s.html", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || exp_write_html(f, title, s, extra) < 0 || fclose(f) != 0) {
        fprintf(stderr, "scc experiment: writing %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("wrote %s\n", path);
    return 0;
}

static void add_note(struct json_object *extra, const char *text)
{
    struct json_object *notes;
    if (!json_object_object_get_ex(extra, "notes", &notes)) {
        notes = json_object_new_array();
        json_object_object_add(extra, "notes", notes);
    }
    json_object_array_add(notes, json_object_new_string(text));
}

static int finish(struct exp_sweep *s, int rc, const struct opts *o, const char *name,
                  const char *title, struct json_object *extra)
{
    if (rc == -EINTR) {
        fprintf(stderr, "scc experiment: interrupted; nothing written\n");
        return 1;
    }
    print_table(s);
    int w = write_outputs(o->out, name, title, s, extra);
    if (rc < 0)
        fprintf(stderr, "scc %s: some runs failed (their rows say why)\n", name);
    return w ? 1 : rc < 0 ? 1 : 0;
}

static int chain_length(const struct opts *o)
{
    int last = ncpus() - 1;
    struct exp_traffic t = {.rate_pps = o->rate ? o->rate : o->quick ? 10000 : 15000,
                            .size = 64,
                            .duration_s = o->dur ? o->dur : o->quick ? 1 : 2.5,
                            .gen_cpu = 0,
                            .sink_cpu = 0};
    t.warmup_s = t.duration_s >= 2 ? 0.5 : 0.3;
    int reps = (int)(o->reps ? o->reps : o->quick ? 1 : 3);
    struct exp_sweep *s = exp_sweep_new("chain-length", reps, o->profile);
    if (!s) {
        fprintf(stderr, "scc experiment: %s\n", strerror(errno));
        return 1;
    }
    const struct exp_conf *confs;
    size_t nconf = exp_chain_length_confs(o->quick, &confs);
    static const int quick_len[] = {1, 4};
    static const int full_len[] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int *len = o->quick ? quick_len : full_len;
    size_t nlen = o->quick ? 2 : 8;
    const char *ics[] = {"b2b", "bridge"};
    size_t nic = o->quick ? 1 : 2;
    int idx = 0;
    for (size_t ic = 0; ic < nic; ic++)
        for (size_t c = 0; c < nconf; c++)
            for (size_t l = 0; l < nlen; l++) {
                char name[33], group[64];
                snprintf(name, sizeof(name), "x%dc%d", (int)(getpid() % 100000), idx++);
                struct json_object *sp = exp_spec_routers(name, len[l], last, ics[ic], "raw", &t);
                if (!sp || exp_conf_apply(sp, &confs[c], last) < 0) {
                    json_object_put(sp);
                    exp_sweep_free(s);
                    fprintf(stderr, "scc experiment: out of memory\n");
                    return 1;
                }
                snprintf(group, sizeof(group), "%s, %ld pps, 64 B", ics[ic], t.rate_pps);
                char what[24];
                snprintf(what, sizeof(what), "%d router%s", len[l], len[l] == 1 ? "" : "s");
                exp_sweep_add(s, group, confs[c].name, len[l], what, sp);
            }
    /* the baseline: the default configuration, one router */
    exp_sweep_set_noise(s, 0, reps < 3 ? 3 : reps);
    printf("chain-length: routers on core %d, gen + sink on core 0, %ld pps, %.1f s per run, "
           "%d repetition(s), %zu points\n",
           last, t.rate_pps, t.duration_s, reps, exp_sweep_npoints(s));
    fflush(stdout);
    int rc = exp_sweep_run(s, stdout);
    struct json_object *extra = json_object_new_object();
    struct json_object *fits = json_object_new_array();
    for (size_t i = 0; i < exp_sweep_npoints(s); i++) {
        const struct exp_point *p = exp_sweep_point(s, i);
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(exp_sweep_point(s, j)->group, p->group) ||
                    strcmp(exp_sweep_point(s, j)->conf, p->conf);
        if (!first)
            continue;
        double x[16], y[16];
        size_t n = 0;
        for (size_t j = i; j < exp_sweep_npoints(s) && n < 16; j++) {
            const struct exp_point *q = exp_sweep_point(s, j);
            if (!strcmp(q->group, p->group) && !strcmp(q->conf, p->conf) && q->med.have_lat) {
                x[n] = q->x;
                y[n++] = q->med.p50;
            }
        }
        struct exp_fit fit;
        if (exp_linfit(x, y, n, &fit) < 0)
            continue;
        struct json_object *fo = json_object_new_object();
        json_object_object_add(fo, "group", json_object_new_string(p->group));
        json_object_object_add(fo, "config", json_object_new_string(p->conf));
        json_object_object_add(fo, "slope_ns", json_object_new_double(fit.slope));
        json_object_object_add(fo, "intercept_ns", json_object_new_double(fit.intercept));
        json_object_object_add(fo, "r2", json_object_new_double(fit.r2));
        json_object_object_add(fo, "n", json_object_new_int((int)fit.n));
        json_object_array_add(fits, fo);
        printf("fit %s, %s: median = %.2f us per NF x length + %.2f us (r2 %.3f, %zu points)\n",
               p->group, p->conf, fit.slope / 1e3, fit.intercept / 1e3, fit.r2, fit.n);
    }
    json_object_object_add(extra, "fits", fits);
    if (last == 0)
        add_note(extra, "one online core: the NFs share it with the generator and the sink");
    add_note(extra, "Paper (Katsikas et al., JSS 2017, Fig. 9/10): SCC's scheduling gave ~4x "
                    "lower median and up to 40x lower IQR for chains on one core; "
                    "docs/experiments.md compares.");
    int r = finish(s, rc, o, "chain-length", "SCC experiment: chain length", extra);
    json_object_put(extra);
    exp_sweep_free(s);
    return r;
}

/* One trial of the zero-loss search: did `spec` at `rate` lose nothing? */
static int lossless(struct json_object *spec, long rate, bool *ok)
{
    struct json_object *tr, *cp = NULL;
    if (json_object_deep_copy(spec, &cp, NULL) < 0)
        return -ENOMEM;
    if (json_object_object_get_ex(cp, "traffic", &tr))
        json_object_object_add(tr, "rate_pps", json_object_new_int64(rate));
    struct exp_sweep *s = exp_sweep_new("zero-loss", 1, false);
    if (!s) {
        json_object_put(cp);
        return -errno;
    }
    exp_sweep_add(s, "search", "trial", (double)rate, NULL, cp);
    int rc = exp_sweep_run(s, NULL);
    const struct exp_fig *f = &exp_sweep_point(s, 0)->med;
    /* lossless at the rate asked: a generator that could not send it
     * (its core full) loses nothing but proves nothing about the rate */
    *ok = rc == 0 && f->ok && f->sent > 0 && f->dropped == 0 && f->received == f->sent &&
          f->pps >= 0.95 * (double)rate;
    exp_sweep_free(s);
    return rc == -EINTR ? rc : 0;
}

static int probe_one(const void *arg, long rate, bool *ok)
{
    return lossless((struct json_object *)arg, rate, ok);
}

static int batch_sweep(const struct opts *o)
{
    int last = ncpus() - 1;
    struct exp_traffic t = {.rate_pps = o->rate ? o->rate : o->quick ? 10000 : 20000,
                            .duration_s = o->dur ? o->dur : o->quick ? 1 : 2.5,
                            .gen_cpu = 0,
                            .sink_cpu = 0};
    t.warmup_s = t.duration_s >= 2 ? 0.5 : 0.3;
    int reps = (int)(o->reps ? o->reps : o->quick ? 1 : 3);
    struct exp_sweep *s = exp_sweep_new("batch-sweep", reps, o->profile);
    if (!s) {
        fprintf(stderr, "scc experiment: %s\n", strerror(errno));
        return 1;
    }
    static const int qsizes[] = {64, 1500}, fsizes[] = {64, 128, 256, 1500};
    static const int qbatch[] = {1, 32}, fbatch[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    const char *trans[] = {"raw", "uring", "xdp"};
    size_t ns = o->quick ? 2 : 4, nb = o->quick ? 2 : 9, nt = o->quick ? 1 : 3;
    int idx = 0;
    for (size_t ti = 0; ti < nt; ti++)
        for (size_t si = 0; si < ns; si++)
            for (size_t bi = 0; bi < nb; bi++) {
                char name[33], group[64], conf[32];
                snprintf(name, sizeof(name), "x%db%d", (int)(getpid() % 100000), idx++);
                t.size = o->quick ? qsizes[si] : fsizes[si];
                int b = o->quick ? qbatch[bi] : fbatch[bi];
                struct json_object *sp = exp_spec_routers(name, 1, last, "b2b", trans[ti], &t);
                struct exp_conf c = {.name = "", .batch = b, .slice_ms = -1};
                if (!sp || exp_conf_apply(sp, &c, last) < 0) {
                    json_object_put(sp);
                    exp_sweep_free(s);
                    return 1;
                }
                snprintf(group, sizeof(group), "%s, %d B, %ld pps", trans[ti], t.size, t.rate_pps);
                snprintf(conf, sizeof(conf), "batch %d", b);
                exp_sweep_add(s, group, conf, b, NULL, sp);
            }
    exp_sweep_set_noise(s, 0, reps < 3 ? 3 : reps);
    printf("batch-sweep: one router on core %d, gen + sink on core 0, %ld pps, %.1f s per run, "
           "%d repetition(s), %zu points\n",
           last, t.rate_pps, t.duration_s, reps, exp_sweep_npoints(s));
    fflush(stdout);
    int rc = exp_sweep_run(s, stdout);
    struct json_object *extra = json_object_new_object();
    if (rc == -EIO) {
        /* a transport this kernel or build cannot run (uring, xdp) fails
         * every one of its points: say so once, it is not a failed sweep */
        bool other = false;
        for (size_t ti = 0; ti < nt; ti++) {
            size_t nfail = 0, npt = 0;
            const char *why = "";
            for (size_t i = ti * ns * nb; i < (ti + 1) * ns * nb; i++) {
                const struct exp_point *p = exp_sweep_point(s, i);
                npt++;
                nfail += p->nok == 0;
                if (p->nok == 0 && p->nrep)
                    why = p->rep[0].err;
            }
            if (nfail == npt && ti > 0) {
                char note[512];
                snprintf(note, sizeof(note), "transport %s unavailable here: %.400s", trans[ti],
                         why);
                printf("%s\n", note);
                add_note(extra, note);
            } else if (nfail) {
                other = true;
            } else {
                for (size_t i = ti * ns * nb; i < (ti + 1) * ns * nb; i++)
                    other |= exp_sweep_point(s, i)->nok < exp_sweep_point(s, i)->nrep;
            }
        }
        if (!other)
            rc = 0;
    }
    if (!o->quick && rc != -EINTR) {
        /* the zero-loss rate per transport at 64 B, batch 1 and 32: a short
         * bisection (6 trials of 1 s) between 1000 pps and 4x the sweep's rate */
        struct json_object *zl = json_object_new_array();
        for (size_t i = 0; i < exp_sweep_npoints(s); i++) {
            const struct exp_point *p = exp_sweep_point(s, i);
            struct json_object *tr, *sz;
            if ((p->x != 1 && p->x != 32) || !json_object_object_get_ex(p->spec, "traffic", &tr) ||
                !json_object_object_get_ex(tr, "size", &sz) || json_object_get_int(sz) != 64 ||
                !p->med.ok)
                continue;
            struct json_object *cp = NULL;
            json_object_deep_copy(p->spec, &cp, NULL);
            json_object_object_add(cp, "mode", json_object_new_string("runtime"));
            json_object_object_get_ex(cp, "traffic", &tr);
            json_object_object_add(tr, "duration_s", json_object_new_double(1.3));
            json_object_object_add(tr, "warmup_s", json_object_new_double(0.3));
            bool ceil;
            long zr = exp_zero_loss_search(1000, 4 * t.rate_pps, 6, &ceil, probe_one, cp);
            json_object_put(cp);
            struct json_object *zo = json_object_new_object();
            json_object_object_add(zo, "group", json_object_new_string(p->group));
            json_object_object_add(zo, "config", json_object_new_string(p->conf));
            /* null: no probe was lossless; unknown how far below */
            json_object_object_add(zo, "zero_loss_pps", zr ? json_object_new_int64(zr) : NULL);
            json_object_object_add(zo, "at_ceiling", json_object_new_boolean(ceil));
            json_object_array_add(zl, zo);
            char note[256];
            if (ceil)
                snprintf(note, sizeof(note), "zero-loss rate, %s, %s: at least %ld pps (lossless "
                         "at the search's ceiling, 4x --rate)", p->group, p->conf, zr);
            else if (zr)
                snprintf(note, sizeof(note), "zero-loss rate, %s, %s: about %ld pps (bisection, "
                         "6 trials)", p->group, p->conf, zr);
            else
                snprintf(note, sizeof(note), "zero-loss rate, %s, %s: no probe was lossless",
                         p->group, p->conf);
            printf("%s\n", note);
            add_note(extra, note);
        }
        json_object_object_add(extra, "zero_loss", zl);
    }
    add_note(extra, "Paper (Fig. 8, Table 7): batching I/O cut a user-space router's latency 2-3x. "
                    "Here a system call costs ~0.12 us while the kernel path costs ~2.7 us per "
                    "packet: batching buys throughput, not latency (docs/experiments.md).");
    int r = finish(s, rc, o, "batch-sweep", "SCC experiment: batch sweep", extra);
    json_object_put(extra);
    exp_sweep_free(s);
    return r;
}


/* profiler-accuracy: the model's per-packet cost next to the sink's
 * percentiles and the NFs' own phase timings, per point of a small sweep
 * (the paper: the model falls within the measured percentiles). */
static int profiler_accuracy(const struct opts *o)
{
    int last = ncpus() - 1;
    struct exp_traffic t = {.rate_pps = o->rate ? o->rate : 10000,
                            .size = 64,
                            .duration_s = o->dur ? o->dur : o->quick ? 1 : 2.5,
                            .gen_cpu = 0,
                            .sink_cpu = 0};
    t.warmup_s = t.duration_s >= 2 ? 0.5 : 0.3;
    int reps = (int)(o->reps ? o->reps : o->quick ? 1 : 3);
    struct exp_sweep *s = exp_sweep_new("profiler-accuracy", reps, true);
    if (!s) {
        fprintf(stderr, "scc experiment: %s\n", strerror(errno));
        return 1;
    }
    static const int qlen[] = {1, 2}, flen[] = {1, 2, 4, 8};
    static const int batches[] = {1, 32};
    size_t nl = o->quick ? 2 : 4;
    int idx = 0;
    for (size_t bi = 0; bi < 2; bi++)
        for (size_t l = 0; l < nl; l++) {
            char name[33], group[64], conf[32];
            int n = o->quick ? qlen[l] : flen[l];
            snprintf(name, sizeof(name), "x%da%d", (int)(getpid() % 100000), idx++);
            struct json_object *sp = exp_spec_routers(name, n, last, "b2b", "raw", &t);
            struct exp_conf c = {.name = "", .batch = batches[bi], .slice_ms = -1};
            if (!sp || exp_conf_apply(sp, &c, last) < 0) {
                json_object_put(sp);
                exp_sweep_free(s);
                return 1;
            }
            snprintf(group, sizeof(group), "b2b, %ld pps, 64 B", t.rate_pps);
            snprintf(conf, sizeof(conf), "batch %d", batches[bi]);
            char what[24];
            snprintf(what, sizeof(what), "%d router%s", n, n == 1 ? "" : "s");
            exp_sweep_add(s, group, conf, n, what, sp);
        }
    exp_sweep_set_noise(s, 0, reps < 3 ? 3 : reps);
    printf("profiler-accuracy: routers on core %d, gen + sink on core 0, %ld pps, %.1f s per "
           "run, %d repetition(s), %zu points, profiled\n",
           last, t.rate_pps, t.duration_s, reps, exp_sweep_npoints(s));
    fflush(stdout);
    int rc = exp_sweep_run(s, stdout);
    struct json_object *extra = json_object_new_object(), *acc = json_object_new_array();
    size_t within = 0, judged = 0;
    for (size_t i = 0; rc != -EINTR && i < exp_sweep_npoints(s); i++) {
        const struct exp_point *p = exp_sweep_point(s, i);
        const struct exp_fig *m = &p->med;
        if (!m->have_model || !m->have_lat)
            continue;
        /* judged on the medians: within = p1 <= model <= p99 */
        const char *v = m->model_ns < m->p1 ? "below" : m->model_ns > m->p99 ? "above" : "within";
        judged++;
        within += !strcmp(v, "within");
        struct json_object *a = json_object_new_object();
        json_object_object_add(a, "config", json_object_new_string(p->conf));
        json_object_object_add(a, "x", json_object_new_double(p->x));
        json_object_object_add(a, "model_ns", json_object_new_double(m->model_ns));
        json_object_object_add(a, "p1_ns", json_object_new_double(m->p1));
        json_object_object_add(a, "p50_ns", json_object_new_double(m->p50));
        json_object_object_add(a, "p99_ns", json_object_new_double(m->p99));
        json_object_object_add(a, "model_vs_sink", json_object_new_string(v));
        json_object_object_add(a, "phase_cpu_ns",
                               m->have_phase ? json_object_new_double(m->phase_cpu_ns) : NULL);
        json_object_array_add(acc, a);
        char note[256];
        char ph[64] = "phase timings not available";
        if (m->have_phase)
            snprintf(ph, sizeof(ph), "the NFs' own phase timings %.1f us (model/phases %.2f)",
                     m->phase_cpu_ns / 1e3, m->model_ns / m->phase_cpu_ns);
        snprintf(note, sizeof(note), "%s, %g routers: model %.1f us per packet, %s the sink's "
                 "p1-p99 (%.1f-%.1f us, median %.1f); %s", p->conf, p->x, m->model_ns / 1e3, v,
                 m->p1 / 1e3, m->p99 / 1e3, m->p50 / 1e3, ph);
        printf("%s\n", note);
        add_note(extra, note);
    }
    json_object_object_add(extra, "accuracy", acc);
    char sum[200];
    snprintf(sum, sizeof(sum), "The model fell within the sink's p1-p99 at %zu of %zu points "
             "(the paper: within). It counts CPU work only (docs/profiler.md); the sink's "
             "latency also holds queueing, wake-ups and the wire.", within, judged);
    printf("%s\n", sum);
    json_object_object_add(extra, "verdict", json_object_new_string(sum));
    int r = finish(s, rc, o, "profiler-accuracy", "SCC experiment: profiler accuracy", extra);
    json_object_put(extra);
    exp_sweep_free(s);
    return r;
}

/* n bundles, the routers on core nf_cpu, bundle b's traffic tools on
 * core b % tool_cores (cores 0..tool_cores-1). Writes specs[0..n); 0 or
 * -ENOMEM (every spec written so far put). */
static int bundle_specs(const char *prefix, size_t n, int nf_cpu, int tool_cores,
                        const struct exp_traffic *t0, const struct exp_conf *c,
                        struct json_object **specs)
{
    for (size_t b = 0; b < n; b++) {
        char name[48]; /* at most 32 used: prefix "x<pid>k<idx>" and "b<bundle>" */
        struct exp_traffic t = *t0;
        t.gen_cpu = t.sink_cpu = (int)(b % (size_t)tool_cores);
        /* a name per bundle: its own namespaces, interfaces, state file */
        snprintf(name, sizeof(name), "%sb%zu", prefix, b);
        specs[b] = exp_spec_routers(name, 1, nf_cpu, "b2b", "raw", &t);
        if (!specs[b] || exp_conf_apply(specs[b], c, nf_cpu) < 0) {
            for (size_t k = 0; k <= b; k++)
                json_object_put(specs[k]);
            return -ENOMEM;
        }
    }
    return 0;
}

/* One trial of colocation's zero-loss search: n bundles at `rate` each. */
static int lossless_bundles(struct json_object *const *specs, size_t n, long rate, bool *ok)
{
    struct json_object *cp[EXP_MAX_BUNDLES];
    for (size_t b = 0; b < n; b++) {
        struct json_object *tr;
        cp[b] = NULL;
        if (json_object_deep_copy(specs[b], &cp[b], NULL) < 0) {
            for (size_t k = 0; k < b; k++)
                json_object_put(cp[k]);
            return -ENOMEM;
        }
        json_object_object_add(cp[b], "mode", json_object_new_string("runtime"));
        json_object_object_get_ex(cp[b], "traffic", &tr);
        json_object_object_add(tr, "rate_pps", json_object_new_int64(rate));
        json_object_object_add(tr, "duration_s", json_object_new_double(1.5));
        json_object_object_add(tr, "warmup_s", json_object_new_double(0.3));
    }
    struct exp_sweep *s = exp_sweep_new("zero-loss", 1, false);
    if (!s) {
        for (size_t k = 0; k < n; k++)
            json_object_put(cp[k]);
        return -errno;
    }
    exp_sweep_add_bundles(s, "search", "trial", (double)rate, NULL, cp, n);
    int rc = exp_sweep_run(s, NULL);
    const struct exp_fig *f = &exp_sweep_point(s, 0)->med;
    *ok = rc == 0 && f->ok && f->sent > 0 && f->dropped == 0 && f->received == f->sent &&
          f->pps >= 0.95 * (double)rate * (double)n; /* as lossless() */
    exp_sweep_free(s);
    return rc == -EINTR ? rc : 0;
}

static int probe_bundles(const void *arg, long rate, bool *ok)
{
    const struct exp_point *p = arg;
    return lossless_bundles(p->bspec, p->nbundle, rate, ok);
}

/* colocation: N independent generator -> router -> sink bundles, every
 * router on one shared core, every traffic tool on the other(s), all N
 * `scc run`s at once at a fixed rate per bundle; the aggregate throughput
 * and loss, the bundles' latency and its spread (fairness) against N, per
 * scheduling configuration. */
static int colocation(const struct opts *o)
{
    int last = ncpus() - 1, tool_cores = last > 0 ? last : 1;
    struct exp_traffic t = {.rate_pps = o->rate ? o->rate : o->quick ? 2000 : 5000,
                            .size = 64,
                            .duration_s = o->dur ? o->dur : o->quick ? 1 : 3};
    /* N set-ups at once finish at different moments: a longer warm-up
     * lets the last bundle's traffic start before the first's window opens */
    t.warmup_s = t.duration_s >= 2 ? 1 : 0.3;
    int reps = (int)(o->reps ? o->reps : o->quick ? 1 : 3);
    struct exp_sweep *s = exp_sweep_new("colocation", reps, false);
    if (!s) {
        fprintf(stderr, "scc experiment: %s\n", strerror(errno));
        return 1;
    }
    const struct exp_conf *confs;
    size_t nconf = exp_colocation_confs(o->quick, &confs);
    static const size_t qn[] = {1, 2}, fn[] = {1, 2, 4, 8};
    const size_t *ns = o->quick ? qn : fn;
    size_t nn = o->quick ? 2 : 4;
    char group[64];
    snprintf(group, sizeof(group), "b2b, %ld pps per bundle, 64 B", t.rate_pps);
    int idx = 0;
    for (size_t c = 0; c < nconf; c++)
        for (size_t k = 0; k < nn; k++) {
            struct json_object *specs[EXP_MAX_BUNDLES];
            char prefix[24], what[24];
            snprintf(prefix, sizeof(prefix), "x%dk%d", (int)(getpid() % 100000), idx++);
            snprintf(what, sizeof(what), "%zu bundle%s", ns[k], ns[k] == 1 ? "" : "s");
            if (bundle_specs(prefix, ns[k], last, tool_cores, &t, &confs[c], specs) < 0 ||
                exp_sweep_add_bundles(s, group, confs[c].name, (double)ns[k], what, specs,
                                      ns[k]) < 0) {
                exp_sweep_free(s);
                fprintf(stderr, "scc experiment: out of memory\n");
                return 1;
            }
        }
    exp_sweep_set_noise(s, 0, reps < 2 ? 2 : reps);
    printf("colocation: 1..%zu bundles (gen -> router -> sink, each its own chain and scc run, "
           "all at once), every router on core %d, traffic tools on core%s 0%s, %ld pps per "
           "bundle, %.1f s per run, %d repetition(s), %zu points\n",
           ns[nn - 1], last, tool_cores > 1 ? "s" : "", tool_cores > 1 ? "..n-2" : "",
           t.rate_pps, t.duration_s, reps, exp_sweep_npoints(s));
    fflush(stdout);
    int rc = exp_sweep_run(s, stdout);
    struct json_object *extra = json_object_new_object();
    for (size_t i = 0; rc != -EINTR && i < exp_sweep_npoints(s); i++) {
        const struct exp_point *p = exp_sweep_point(s, i);
        const struct exp_fig *m = &p->med;
        if (!m->ok || !m->have_fair)
            continue;
        char note[300];
        snprintf(note, sizeof(note), "%s: %.1f kpps in all (%.2f%% lost), the bundles' median "
                 "latency %.1f / %.1f / %.1f us (min / median / max), worst p99 %.1f us%s",
                 p->label, m->pps / 1e3, 100 * m->loss, m->b_p50_min / 1e3, m->b_p50_med / 1e3,
                 m->b_p50_max / 1e3, m->b_p99_max / 1e3,
                 m->end_spread_s > 0.5 * t.duration_s ? " (the bundles ended far apart: their "
                 "windows overlapped little)" : "");
        printf("%s\n", note);
        add_note(extra, note);
    }
    if (!o->quick && rc != -EINTR) {
        /* the aggregate zero-loss rate with the most bundles, per
         * configuration: a bisection of 5 trials on the per-bundle rate
         * between 500 pps and 4x the sweep's */
        struct json_object *zl = json_object_new_array();
        for (size_t i = 0; i < exp_sweep_npoints(s) && !exp_stop_requested; i++) {
            const struct exp_point *p = exp_sweep_point(s, i);
            if (p->nbundle != ns[nn - 1] || !p->med.ok)
                continue;
            bool ceil;
            long lo = exp_zero_loss_search(500, 4 * t.rate_pps, 5, &ceil, probe_bundles, p);
            bool any = lo > 0;
            struct json_object *zo = json_object_new_object();
            json_object_object_add(zo, "config", json_object_new_string(p->conf));
            json_object_object_add(zo, "bundles", json_object_new_int((int)p->nbundle));
            /* none of the trials lossless: below 500 pps per bundle, unknown */
            json_object_object_add(zo, "zero_loss_pps_per_bundle",
                                   any ? json_object_new_int64(lo) : NULL);
            json_object_object_add(zo, "zero_loss_pps_total",
                                   any ? json_object_new_int64(lo * (long)p->nbundle) : NULL);
            json_object_object_add(zo, "at_ceiling", json_object_new_boolean(ceil));
            json_object_array_add(zl, zo);
            char note[200];
            if (ceil)
                snprintf(note, sizeof(note), "zero-loss rate, %s: at least %ld pps in all (%ld "
                         "per bundle: lossless at the search's ceiling, 4x --rate)", p->label,
                         lo * (long)p->nbundle, lo);
            else if (any)
                snprintf(note, sizeof(note), "zero-loss rate, %s: about %ld pps in all (%ld per "
                         "bundle; bisection, 5 trials)", p->label, lo * (long)p->nbundle, lo);
            else
                snprintf(note, sizeof(note), "zero-loss rate, %s: no probe was lossless",
                         p->label);
            printf("%s\n", note);
            add_note(extra, note);
        }
        json_object_object_add(extra, "zero_loss", zl);
    }
    if (last == 0)
        add_note(extra, "one online core: the routers share it with every generator and sink");
    add_note(extra, "Left out: chain-order (it orders the NFs of one chain; independent bundles "
                    "have no order between them), fusion (one NF per bundle), rr/fifo (on a "
                    "shared core one busy real-time NF starves the others: no fairness left to "
                    "measure). docs/experiments.md explains the expectation.");
    int r = finish(s, rc, o, "colocation", "SCC experiment: colocation", extra);
    json_object_put(extra);
    exp_sweep_free(s);
    return r;
}

int cmd_experiment(int argc, char **argv)
{
    struct opts o = {0};
    const char *name;
    int p = parse(argc, argv, &o, &name);
    if (p)
        return p == 1 ? 0 : 2;
    if (!name) {
        exp_usage(stderr);
        return 2;
    }
    signal(SIGINT, on_sigint);
    if (!strcmp(name, "chain-length"))
        return chain_length(&o);
    if (!strcmp(name, "batch-sweep"))
        return batch_sweep(&o);
    if (!strcmp(name, "profiler-accuracy"))
        return profiler_accuracy(&o);
    if (!strcmp(name, "colocation"))
        return colocation(&o);
    fprintf(stderr, "scc experiment: '%s' is not an experiment: chain-length, batch-sweep, "
                    "profiler-accuracy, colocation\n", name);
    return 2;
}

/* What `scc validate -q PATH` checks, in this process (the spec library,
 * as cmd_validate.c): 0 when the spec validates. Its problems (with their
 * JSON paths) and warnings go to stderr, as `scc validate` prints them. */
static int validate(const char *path)
{
    int status;
    struct scc_chain *ch = cmd_load_chain("tune", path, &status);
    if (!ch)
        return status == 2 ? -EINVAL : -ENOMEM;
    scc_chain_free(ch);
    return 0;
}

static double goal_of(const struct exp_fig *m, const char *goal)
{
    if (!strcmp(goal, "throughput"))
        return m->ok ? -m->pps : NAN; /* lower is better everywhere */
    if (!m->have_lat)
        return NAN;
    return !strcmp(goal, "p50") ? m->p50 : !strcmp(goal, "iqr") ? m->iqr : m->p99;
}

int cmd_tune(int argc, char **argv)
{
    struct opts o = {0};
    const char *path;
    int p = parse(argc, argv, &o, &path);
    if (p)
        return p == 1 ? 0 : 2;
    if (!path) {
        exp_usage(stderr);
        return 2;
    }
    const char *goal = o.goal ? o.goal : "p99";
    struct json_object *orig = json_object_from_file(path), *tr, *v;
    if (!orig || !json_object_is_type(orig, json_type_object)) {
        fprintf(stderr, "scc tune: %s: not a chain spec (%s); check it with `scc validate %s`\n",
                path, json_util_get_last_err(), path);
        json_object_put(orig);
        return 2;
    }
    if (validate(path) < 0) {
        fprintf(stderr, "scc tune: %s does not validate: run `scc validate %s` and fix what it "
                        "says\n", path, path);
        json_object_put(orig);
        return 2;
    }
    if (json_object_object_get_ex(orig, "endpoints", &v)) {
        fprintf(stderr, "scc tune: %s: endpoints: tune drives the chain with the built-in "
                        "generator; remove `endpoints` (a `traffic` block is added)\n", path);
        json_object_put(orig);
        return 2;
    }
    size_t nnf = 0;
    if (json_object_object_get_ex(orig, "nfs", &v))
        nnf = json_object_array_length(v);
    long rate = o.rate;
    if (!rate && json_object_object_get_ex(orig, "traffic", &tr) &&
        json_object_object_get_ex(tr, "rate_pps", &v))
        rate = json_object_get_int64(v);
    if (!rate)
        rate = 10000;
    double dur = o.dur ? o.dur : o.quick ? 1 : 3;
    int reps = (int)(o.reps ? o.reps : o.quick ? 1 : 3);
    int last = ncpus() - 1;
    struct exp_conf confs[16];
    size_t nconf = exp_tune_confs(o.quick, ncpus(), nnf, confs, 16);
    struct exp_sweep *s = exp_sweep_new("tune", reps, o.profile);
    if (!s) {
        fprintf(stderr, "scc tune: %s\n", strerror(errno));
        json_object_put(orig);
        return 1;
    }
    char group[96];
    const char *cname = "chain";
    if (json_object_object_get_ex(orig, "name", &v))
        cname = json_object_get_string(v);
    snprintf(group, sizeof(group), "%s at %ld pps", cname, rate);
    for (size_t c = 0; c < nconf; c++) {
        struct json_object *sp = NULL;
        json_object_deep_copy(orig, &sp, NULL);
        exp_conf_apply(sp, &confs[c], last);
        char name[33];
        snprintf(name, sizeof(name), "x%dt%zu", (int)(getpid() % 100000), c);
        json_object_object_add(sp, "name", json_object_new_string(name));
        if (!json_object_object_get_ex(sp, "traffic", &tr)) {
            tr = json_object_new_object();
            json_object_object_add(sp, "traffic", tr);
        }
        json_object_object_add(tr, "rate_pps", json_object_new_int64(rate));
        json_object_object_add(tr, "duration_s", json_object_new_double(dur));
        json_object_object_add(tr, "warmup_s", json_object_new_double(dur >= 2 ? 0.5 : 0.3));
        json_object_object_del(tr, "count");
        exp_sweep_add(s, group, confs[c].name, (double)c, NULL, sp);
    }
    exp_sweep_set_noise(s, 0, reps < 2 ? 2 : reps);
    signal(SIGINT, on_sigint);
    printf("tune: %s, %zu configurations at %ld pps, %.1f s per run, %d repetition(s), goal "
           "%s\n", path, nconf, rate, dur, reps, goal);
    fflush(stdout);
    int rc = exp_sweep_run(s, stdout);
    if (rc == -EINTR) {
        fprintf(stderr, "scc tune: interrupted; nothing written\n");
        exp_sweep_free(s);
        json_object_put(orig);
        return 1;
    }
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < exp_sweep_npoints(s); i++) {
        double g = goal_of(&exp_sweep_point(s, i)->med, goal);
        const struct exp_fig *m = &exp_sweep_point(s, i)->med;
        /* a configuration that loses packets the given one does not cannot win */
        const struct exp_fig *g0 = &exp_sweep_point(s, 0)->med;
        if (isnan(g) || (m->dropped > g0->dropped && m->dropped > 0.001 * m->sent))
            continue;
        if (best == SIZE_MAX || g < goal_of(&exp_sweep_point(s, best)->med, goal))
            best = i;
    }
    struct json_object *extra = json_object_new_object();
    char verdict[1024] = "";
    int ret = 0;
    if (best == SIZE_MAX) {
        snprintf(verdict, sizeof(verdict), "No configuration measured %s; see the table.", goal);
        ret = 1;
    } else {
        const struct exp_point *w = exp_sweep_point(s, best), *g0 = exp_sweep_point(s, 0);
        const struct exp_fig *a = &w->med, *b = &g0->med;
        bool tp = !strcmp(goal, "throughput");
        double gw = tp ? a->pps : goal_of(a, goal), gb = tp ? b->pps : goal_of(b, goal);
        const char *unit = tp ? "kpps" : "us";
        double x = tp ? (gb > 0 ? gw / gb : NAN) : (gw > 0 ? gb / gw : NAN);
        int k = snprintf(verdict, sizeof(verdict),
                         "Best for %s: '%s' (%s %.1f %s vs %.1f %s as given: %.2fx %s)", goal,
                         w->conf, goal, gw / 1e3, unit, gb / 1e3, unit, x,
                         tp ? "the throughput" : "lower");
        if (a->have_sched && b->have_sched && k > 0 && (size_t)k < sizeof(verdict))
            k += snprintf(verdict + k, sizeof(verdict) - (size_t)k,
                          ": per packet its NFs made %.2f context switches (vs %.2f) and %.2f "
                          "system calls (vs %.2f), spent %.0f ns on a CPU (vs %.0f) and waited "
                          "%.3f of their run time on a run queue (vs %.3f)",
                          a->cs_pp, b->cs_pp, a->syscalls_pp, b->syscalls_pp, a->cpu_pp,
                          b->cpu_pp, a->wait_over_run, b->wait_over_run);
        if (a->have_model && b->have_model && k > 0 && (size_t)k < sizeof(verdict))
            k += snprintf(verdict + k, sizeof(verdict) - (size_t)k,
                          "; the model's per-packet cost is %.0f ns vs %.0f ns", a->model_ns,
                          b->model_ns);
        if (k > 0 && (size_t)k < sizeof(verdict))
            snprintf(verdict + k, sizeof(verdict) - (size_t)k, ".");
        /* the winning spec: the user's chain with the winner's changes,
         * none of the measurement's (name, rate, duration) */
        char out[4096];
        if (o.best)
            snprintf(out, sizeof(out), "%s", o.best);
        else
            snprintf(out, sizeof(out), "%s/tuned-%s.json", o.out, cname);
        struct json_object *bs = NULL;
        json_object_deep_copy(orig, &bs, NULL);
        exp_conf_apply(bs, &confs[best], last);
        if (json_object_to_file_ext(out, bs, JSON_C_TO_STRING_PRETTY) < 0) {
            fprintf(stderr, "scc tune: writing %s: %s\n", out, strerror(errno));
            ret = 1;
        } else if (validate(out) < 0) {
            fprintf(stderr, "scc tune: the winning spec %s does not validate (a bug: please "
                            "report it with the file)\n", out);
            ret = 1;
        } else {
            printf("wrote %s (validates)\n", out);
            json_object_object_add(extra, "best_spec", json_object_get(bs));
            json_object_object_add(extra, "best_config", json_object_new_string(w->conf));
        }
        json_object_put(bs);
    }
    json_object_object_add(extra, "goal", json_object_new_string(goal));
    json_object_object_add(extra, "verdict", json_object_new_string(verdict));
    print_table(s);
    printf("\n%s\n", verdict);
    char title[160];
    snprintf(title, sizeof(title), "scc tune: %s", cname);
    char base[128];
    snprintf(base, sizeof(base), "tune-%s", cname);
    if (write_outputs(o.out, base, title, s, extra))
        ret = 1;
    if (rc < 0)
        fprintf(stderr, "scc tune: some runs failed (their rows say why)\n");
    json_object_put(extra);
    exp_sweep_free(s);
    json_object_put(orig);
    return ret;
}
