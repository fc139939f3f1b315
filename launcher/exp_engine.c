/*
 * exp_engine — the sweep engine of `scc experiment` and `scc tune`. Each
 * point is a chain spec written to a temporary directory and run as
 * `scc -q run SPEC --json RUN` by the launcher's own binary
 * (/proc/self/exe, exec with argv, never a shell), so every point goes
 * through exactly what a user's `scc run` does: validation, topology,
 * scheduling, the sink's window, the accounting, the profiler. The run
 * file is read back with the report module's loader (rep_run_load) and
 * kept whole in the sweep's JSON, so every figure can be recomputed from
 * the run it came from.
 *
 * Repetitions are interleaved (every point once, then every point again):
 * a noisy moment on a shared machine then hits every configuration alike
 * instead of ruining one.
 */
#include "launcher/exp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_util.h"
#include "launcher/rep.h"

struct exp_sweep {
    char name[64];
    char dir[64];
    int reps;
    bool profile;
    size_t n, cap;
    struct exp_point **pt;
    size_t noise_point;
    int noise_reps;
    struct json_object **runs; /* [point * EXP_MAX_REPS + rep]: the run files as read */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct exp_sweep *exp_sweep_new(const char *name, int reps, bool profile)
{
    struct exp_sweep *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->reps = reps < 1 ? 1 : reps > EXP_MAX_REPS ? EXP_MAX_REPS : reps;
    s->profile = profile;
    s->noise_point = SIZE_MAX;
    snprintf(s->dir, sizeof(s->dir), "/tmp/scc-exp.XXXXXX");
    if (!mkdtemp(s->dir))
        goto err;
    return s;
err:;
    int e = errno;
    free(s);
    errno = e;
    return NULL;
}

void exp_sweep_free(struct exp_sweep *s)
{
    if (!s)
        return;
    DIR *d = opendir(s->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
        rmdir(s->dir);
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->pt[i]->nbundle)
            for (size_t b = 0; b < s->pt[i]->nbundle; b++)
                json_object_put(s->pt[i]->bspec[b]);
        else
            json_object_put(s->pt[i]->spec);
        free(s->pt[i]->bfig);
        for (size_t r = 0; r < EXP_MAX_REPS; r++)
            json_object_put(s->runs[i * EXP_MAX_REPS + r]);
        free(s->pt[i]);
    }
    free(s->pt);
    free(s->runs);
    free(s);
}

int exp_sweep_add(struct exp_sweep *s, const char *group, const char *conf, double x,
                  const char *what, struct json_object *spec)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct exp_point **p = realloc(s->pt, cap * sizeof(*p));
        if (!p)
            goto nomem;
        s->pt = p;
        struct json_object **r = realloc(s->runs, cap * EXP_MAX_REPS * sizeof(*r));
        if (!r)
            goto nomem;
        memset(r + s->cap * EXP_MAX_REPS, 0, (cap - s->cap) * EXP_MAX_REPS * sizeof(*r));
        s->runs = r;
        s->cap = cap;
    }
    struct exp_point *p = calloc(1, sizeof(*p));
    if (!p)
        goto nomem;
    snprintf(p->group, sizeof(p->group), "%s", group);
    snprintf(p->conf, sizeof(p->conf), "%s", conf);
    if (what && *what)
        snprintf(p->label, sizeof(p->label), "%s, %s", conf, what);
    else
        snprintf(p->label, sizeof(p->label), "%s", conf);
    p->x = x;
    p->spec = spec;
    s->pt[s->n++] = p;
    return 0;
nomem:
    json_object_put(spec);
    return -ENOMEM;
}

int exp_sweep_add_bundles(struct exp_sweep *s, const char *group, const char *conf, double x,
                          const char *what, struct json_object **specs, size_t n)
{
    struct exp_fig *bf = NULL;
    if (n == 0 || n > EXP_MAX_BUNDLES)
        goto fail;
    bf = calloc(EXP_MAX_REPS * n, sizeof(*bf));
    if (!bf)
        goto fail;
    int rc = exp_sweep_add(s, group, conf, x, what, specs[0]);
    if (rc < 0) {
        specs[0] = NULL; /* put by exp_sweep_add */
        goto fail;
    }
    struct exp_point *p = s->pt[s->n - 1];
    p->nbundle = n;
    p->bfig = bf;
    memcpy(p->bspec, specs, n * sizeof(*specs));
    return 0;
fail:
    free(bf);
    for (size_t b = 0; b < n && b < EXP_MAX_BUNDLES; b++)
        json_object_put(specs[b]);
    return n == 0 || n > EXP_MAX_BUNDLES ? -EINVAL : -ENOMEM;
}

void exp_sweep_set_noise(struct exp_sweep *s, size_t point, int noise_reps)
{
    s->noise_point = point;
    s->noise_reps = noise_reps > EXP_MAX_REPS ? EXP_MAX_REPS : noise_reps;
}

size_t exp_sweep_npoints(const struct exp_sweep *s)
{
    return s->n;
}

const struct exp_point *exp_sweep_point(const struct exp_sweep *s, size_t i)
{
    return i < s->n ? s->pt[i] : NULL;
}

static int reps_of(const struct exp_sweep *s, size_t i)
{
    return i == s->noise_point && s->noise_reps > s->reps ? s->noise_reps : s->reps;
}

/* The figures of one run file. */
static void read_run(const char *path, struct exp_fig *f, struct json_object **keep)
{
    char err[512];
    struct rep_run *r = rep_run_load(path, err, sizeof(err));
    if (!r) {
        scc_strlcpy(f->err, err, sizeof(f->err));
        return;
    }
    f->ok = true;
    if (r->lat.have) {
        f->have_lat = true;
        f->p1 = r->lat.p1;
        f->p25 = r->lat.p25;
        f->p50 = r->lat.p50;
        f->p75 = r->lat.p75;
        f->p99 = r->lat.p99;
        f->iqr = r->lat.p75 - r->lat.p25;
    }
    f->sent = (double)r->sent;
    f->received = (double)r->received;
    f->pps = r->pps;
    struct json_object *acc, *v;
    if (json_object_object_get_ex(r->root, "accounting", &acc) &&
        json_object_is_type(acc, json_type_object)) {
        if (json_object_object_get_ex(acc, "dropped", &v) && v)
            f->dropped = json_object_get_double(v);
        if (json_object_object_get_ex(acc, "unaccounted", &v) && v) {
            f->have_unacc = true;
            f->unaccounted = json_object_get_double(v);
        }
    }
    /* per packet = per frame that entered the chain in the window (the
     * first NF's rx), so every ratio comes from this one run */
    double calls = 0, cs = 0, run = 0, wait = 0;
    bool all = r->n > 0 && r->nf[0].have_stats && r->nf[0].rx > 0;
    for (size_t i = 0; all && i < r->n; i++) {
        const struct rep_nf *n = &r->nf[i];
        if (n->have_stats)
            calls += (double)(n->rx_calls + n->tx_calls);
        if (n->have_sched) {
            cs += (double)(n->vol_cs + n->invol_cs);
            run += (double)n->run_ns;
            wait += (double)n->wait_ns;
        } else if (!(n->fused_head && n->fused_head != (int)i + 1)) {
            all = false; /* an NF with its own process but no schedstat */
        }
    }
    if (all && run > 0) {
        double pk = (double)r->nf[0].rx;
        f->have_sched = true;
        f->nf_rx = pk;
        f->calls_tot = calls;
        f->cs_tot = cs;
        f->run_ns_tot = run;
        f->wait_ns_tot = wait;
        f->syscalls_pp = calls / pk;
        f->cs_pp = cs / pk;
        f->cpu_pp = run / pk;
        f->wait_over_run = wait / run;
    }
    if (r->have_profile && r->chain_res.total_ns_per_pkt > 0) {
        f->have_model = true;
        f->model_ns = r->chain_res.total_ns_per_pkt;
        f->contention_over_run =
            r->chain_res.contention_over_run.available ? r->chain_res.contention_over_run.v : NAN;
        scc_strlcpy(f->model_vs_sink, r->model_vs_sink, sizeof(f->model_vs_sink));
    }
    if (r->have_profile && r->chain_res.measured_cpu_per_pkt.available) {
        f->have_phase = true;
        f->phase_cpu_ns = r->chain_res.measured_cpu_per_pkt.v;
    }
    *keep = json_object_get(r->root);
    rep_run_free(r);
}

/* `scc -q run SPEC --json OUT`, its output in LOG. Returns the exit status,
 * 128 + signal, or -errno when it could not start. */
static int run_child(const char *spec, const char *out, const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        char *argv[] = {"scc", "-q", "run", (char *)spec, "--json", (char *)out, NULL};
        /* the binary we are, the very file: /proc/self/exe still execs it
         * when a rebuild has replaced the path (readlink would then say
         * "... (deleted)"), so every point runs the same build */
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* After a run that failed: `scc -q cleanup CHAIN` (its output appended to
 * LOG). A run that exited on its own has undone its journal already and
 * this finds nothing; one killed outright (SIGKILL, a crash) left its
 * NFs, tools and namespaces behind, and its journal says what they are. */
static void cleanup_after(struct json_object *spec, const char *log)
{
    struct json_object *v;
    if (!json_object_object_get_ex(spec, "name", &v) || !json_object_is_type(v, json_type_string))
        return;
    pid_t pid = fork();
    if (pid < 0)
        return;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        char *argv[] = {"scc", "-q", "cleanup", (char *)json_object_get_string(v), NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
}

/* n `scc run`s at once (colocation's bundles), started back to back so
 * that their windows overlap. When one fails the others get SIGTERM: each
 * stops its traffic and NFs and undoes its own journal, as on Ctrl-C, so
 * no bundle is left running. rc[i] as run_child's; end[i] the monotonic
 * time bundle i ended; *first the bundle that failed first (SIZE_MAX: none). */
static void run_bundles(char (*spec)[192], char (*out)[192], char (*log)[192], size_t n, int *rc,
                        double *end, size_t *first)
{
    pid_t pid[EXP_MAX_BUNDLES];
    size_t running = 0;
    *first = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        rc[i] = 0;
        end[i] = now_s();
        pid[i] = -1;
        if (*first != SIZE_MAX)
            break;
        pid_t c = fork();
        if (c < 0) {
            rc[i] = -errno;
            *first = i;
            break;
        }
        if (c == 0) {
            int fd = open(log[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
            char *argv[] = {"scc", "-q", "run", spec[i], "--json", out[i], NULL};
            execv("/proc/self/exe", argv); /* the same build, as run_child */
            _exit(127);
        }
        pid[i] = c;
        running++;
    }
    bool stopping = *first != SIZE_MAX;
    for (size_t i = 0; stopping && i < n; i++)
        if (pid[i] > 0)
            kill(pid[i], SIGTERM);
    while (running) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: nothing of ours is left */
        }
        size_t i = 0;
        while (i < n && pid[i] != w)
            i++;
        if (i == n)
            continue;
        pid[i] = -1;
        running--;
        end[i] = now_s();
        rc[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (rc[i] != 0 && !stopping) {
            /* a bundle failed: the measurement of N bundles is void, and
             * the others must not run on alone */
            stopping = true;
            *first = i;
            for (size_t j = 0; j < n; j++)
                if (pid[j] > 0)
                    kill(pid[j], SIGTERM);
        }
    }
}

/* The last line of a run's log: why it failed, in its own words. */
static void last_line(const char *log, char *buf, size_t len)
{
    FILE *f = fopen(log, "r");
    char line[512];
    buf[0] = 0;
    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        if (line[0] != '\n' && line[0] != ' ')
            scc_strlcpy(buf, line, len);
    fclose(f);
    size_t k = strlen(buf);
    if (k && buf[k - 1] == '\n')
        buf[k - 1] = 0;
}

static void summarise(struct exp_point *p)
{
    double v[EXP_MAX_REPS];
    struct exp_fig *m = &p->med;
    memset(m, 0, sizeof(*m));
    p->nok = 0;
    for (size_t r = 0; r < p->nrep; r++)
        p->nok += p->rep[r].ok;
    m->ok = p->nok > 0;
#define MED(field, cond)                                                                      \
    do {                                                                                      \
        size_t k = 0;                                                                         \
        for (size_t r = 0; r < p->nrep; r++)                                                  \
            if (p->rep[r].ok && p->rep[r].cond)                                               \
                v[k++] = p->rep[r].field;                                                     \
        m->field = k ? exp_median(v, k) : NAN;                                                \
    } while (0)
    MED(p1, have_lat);
    MED(p25, have_lat);
    MED(p50, have_lat);
    MED(p75, have_lat);
    MED(p99, have_lat);
    MED(iqr, have_lat);
    MED(sent, ok);
    MED(received, ok);
    MED(dropped, ok);
    MED(pps, ok);
    MED(unaccounted, have_unacc);
    MED(syscalls_pp, have_sched);
    MED(cs_pp, have_sched);
    MED(cpu_pp, have_sched);
    MED(wait_over_run, have_sched);
    MED(model_ns, have_model);
    MED(contention_over_run, have_model);
    MED(wall_s, ok);
    MED(phase_cpu_ns, have_phase);
    MED(loss, ok);
    MED(end_spread_s, ok);
    MED(b_p50_min, have_fair);
    MED(b_p50_med, have_fair);
    MED(b_p50_max, have_fair);
    MED(b_p99_max, have_fair);
#undef MED
    m->nbundle = p->nbundle;
    m->have_fair = !isnan(m->b_p50_med);
    m->have_phase = !isnan(m->phase_cpu_ns);
    m->have_lat = !isnan(m->p50);
    m->have_sched = !isnan(m->cs_pp);
    m->have_model = !isnan(m->model_ns);
    m->have_unacc = !isnan(m->unaccounted);
    p->p50_lo = INFINITY;
    p->p50_hi = -INFINITY;
    for (size_t r = 0; r < p->nrep; r++)
        if (p->rep[r].ok && p->rep[r].have_lat) {
            p->p50_lo = fmin(p->p50_lo, p->rep[r].p50);
            p->p50_hi = fmax(p->p50_hi, p->rep[r].p50);
        }
}

volatile sig_atomic_t exp_stop_requested;

/* One repetition of a point of bundles: all of them at once, each read
 * back, then aggregated into the repetition's figures. */
static void run_point_bundles(struct exp_sweep *s, size_t i, int rep, double t0)
{
    struct exp_point *p = s->pt[i];
    char spec[EXP_MAX_BUNDLES][192], out[EXP_MAX_BUNDLES][192], log[EXP_MAX_BUNDLES][192];
    int rc[EXP_MAX_BUNDLES];
    double end[EXP_MAX_BUNDLES];
    size_t first;
    for (size_t b = 0; b < p->nbundle; b++) {
        snprintf(spec[b], sizeof(spec[b]), "%s/p%zu-b%zu.spec.json", s->dir, i, b);
        snprintf(out[b], sizeof(out[b]), "%s/p%zu-r%d-b%zu.run.json", s->dir, i, rep, b);
        snprintf(log[b], sizeof(log[b]), "%s/p%zu-r%d-b%zu.log", s->dir, i, rep, b);
    }
    run_bundles(spec, out, log, p->nbundle, rc, end, &first);
    struct exp_fig *bf = &p->bfig[(size_t)rep * p->nbundle];
    struct json_object *runs = json_object_new_array();
    double lo = INFINITY, hi = -INFINITY;
    for (size_t b = 0; b < p->nbundle; b++) {
        struct exp_fig *f = &bf[b];
        struct json_object *run = NULL;
        memset(f, 0, sizeof(*f));
        f->wall_s = end[b] - t0;
        lo = fmin(lo, end[b]);
        hi = fmax(hi, end[b]);
        if (rc[b] != 0) {
            char why[200];
            last_line(log[b], why, sizeof(why));
            cleanup_after(p->bspec[b], log[b]);
            if (first != SIZE_MAX && b != first)
                snprintf(f->err, sizeof(f->err), "stopped (bundle %zu failed); exited %d: %s",
                         first + 1, rc[b], why);
            else if (rc[b] > 128)
                snprintf(f->err, sizeof(f->err), "scc run was killed by signal %d (%s); last "
                         "said: %s", rc[b] - 128, strsignal(rc[b] - 128), why);
            else
                snprintf(f->err, sizeof(f->err), "scc run exited %d: %s", rc[b], why);
        } else if (first != SIZE_MAX) {
            snprintf(f->err, sizeof(f->err), "finished, but bundle %zu failed", first + 1);
        } else {
            read_run(out[b], f, &run);
        }
        json_object_array_add(runs, run);
    }
    struct exp_fig *f = &p->rep[rep];
    exp_bundles_aggregate(bf, p->nbundle, f);
    if (first != SIZE_MAX)
        snprintf(f->err, sizeof(f->err), "bundle %zu: %.200s", first + 1, bf[first].err);
    f->end_spread_s = hi - lo;
    f->wall_s = hi - t0;
    s->runs[i * EXP_MAX_REPS + (size_t)rep] = runs;
}

int exp_sweep_run(struct exp_sweep *s, FILE *progress)
{
    size_t total = 0, done = 0;
    int maxr = 0, failed = 0;
    for (size_t i = 0; i < s->n; i++) {
        total += (size_t)reps_of(s, i);
        maxr = reps_of(s, i) > maxr ? reps_of(s, i) : maxr;
        /* the profile mode gives the model and SchedContention/RunTime per point */
        struct exp_point *p = s->pt[i];
        for (size_t b = 0; b < p->nbundle; b++) {
            char path[128];
            if (s->profile)
                json_object_object_add(p->bspec[b], "mode", json_object_new_string("profile"));
            snprintf(path, sizeof(path), "%s/p%zu-b%zu.spec.json", s->dir, i, b);
            if (json_object_to_file_ext(path, p->bspec[b], JSON_C_TO_STRING_PRETTY) < 0)
                return -EIO;
        }
        if (p->nbundle)
            continue;
        if (s->profile)
            json_object_object_add(s->pt[i]->spec, "mode", json_object_new_string("profile"));
        char path[128];
        snprintf(path, sizeof(path), "%s/p%zu.spec.json", s->dir, i);
        if (json_object_to_file_ext(path, s->pt[i]->spec, JSON_C_TO_STRING_PRETTY) < 0)
            return -EIO;
    }
    double t0 = now_s();
    for (int rep = 0; rep < maxr; rep++) {
        for (size_t i = 0; i < s->n; i++) {
            if (rep >= reps_of(s, i))
                continue;
            if (exp_stop_requested)
                return -EINTR;
            struct exp_point *p = s->pt[i];
            char spec[128], out[128], log[128];
            snprintf(spec, sizeof(spec), "%s/p%zu.spec.json", s->dir, i);
            snprintf(out, sizeof(out), "%s/p%zu-r%d.run.json", s->dir, i, rep);
            snprintf(log, sizeof(log), "%s/p%zu-r%d.log", s->dir, i, rep);
            struct exp_fig *f = &p->rep[rep];
            memset(f, 0, sizeof(*f));
            double t = now_s();
            if (p->nbundle) {
                run_point_bundles(s, i, rep, t);
                failed += !f->ok;
            } else {
                int rc = run_child(spec, out, log);
                f->wall_s = now_s() - t;
                if (rc != 0) {
                    char why[200];
                    last_line(log, why, sizeof(why));
                    cleanup_after(p->spec, log);
                    snprintf(f->err, sizeof(f->err), "scc run exited %d: %s", rc, why);
                    failed++;
                } else {
                    read_run(out, f, &s->runs[i * EXP_MAX_REPS + (size_t)rep]);
                    failed += !f->ok;
                }
            }
            p->nrep = (size_t)rep + 1;
            done++;
            double el = now_s() - t0, left = el / (double)done * (double)(total - done);
            if (progress) {
                fprintf(progress, "[%3zu/%zu] %-18s %-28s rep %d: ", done, total, p->group,
                        p->label, rep + 1);
                if (!f->ok)
                    fprintf(progress, "FAILED (%s)", f->err);
                else if (f->have_fair)
                    fprintf(progress, "%.1f kpps in all, loss %.2f%%, bundles' p50 %.1f-%.1f us, "
                                      "worst p99 %.1f us", f->pps / 1e3, 100 * f->loss,
                            f->b_p50_min / 1e3, f->b_p50_max / 1e3, f->b_p99_max / 1e3);
                else if (f->have_lat)
                    fprintf(progress, "p50 %.1f us p99 %.1f us", f->p50 / 1e3, f->p99 / 1e3);
                else
                    fputs("no latency", progress);
                fprintf(progress, "  (%.1f s; about %.0f s left)\n", f->wall_s, left);
                fflush(progress);
            }
        }
    }
    for (size_t i = 0; i < s->n; i++)
        summarise(s->pt[i]);
    return failed ? -EIO : 0;
}

bool exp_sweep_noise(const struct exp_sweep *s, double *cv, size_t *n, size_t *point)
{
    if (s->noise_point >= s->n)
        return false;
    const struct exp_point *p = s->pt[s->noise_point];
    double v[EXP_MAX_REPS];
    size_t k = 0;
    for (size_t r = 0; r < p->nrep; r++)
        if (p->rep[r].ok && p->rep[r].have_lat)
            v[k++] = p->rep[r].p50;
    *n = k;
    *point = s->noise_point;
    return exp_cv(v, k, cv) == 0;
}

static void add_num(struct json_object *o, const char *k, bool have, double v)
{
    /* a figure the run could not measure is null, never 0 */
    json_object_object_add(o, k, have && !isnan(v) ? json_object_new_double(v) : NULL);
}

static struct json_object *fig_json(const struct exp_fig *f)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(f->ok));
    if (!f->ok && f->err[0])
        json_object_object_add(o, "error", json_object_new_string(f->err));
    struct json_object *lat = json_object_new_object();
    add_num(lat, "p1", f->have_lat, f->p1);
    add_num(lat, "p25", f->have_lat, f->p25);
    add_num(lat, "p50", f->have_lat, f->p50);
    add_num(lat, "p75", f->have_lat, f->p75);
    add_num(lat, "p99", f->have_lat, f->p99);
    add_num(lat, "iqr", f->have_lat, f->iqr);
    json_object_object_add(o, "latency_ns", lat);
    add_num(o, "sent", f->ok, f->sent);
    add_num(o, "received", f->ok, f->received);
    add_num(o, "dropped", f->ok, f->dropped);
    add_num(o, "unaccounted", f->have_unacc, f->unaccounted);
    add_num(o, "pps", f->ok, f->pps);
    add_num(o, "syscalls_per_pkt", f->have_sched, f->syscalls_pp);
    add_num(o, "ctx_switches_per_pkt", f->have_sched, f->cs_pp);
    add_num(o, "cpu_ns_per_pkt", f->have_sched, f->cpu_pp);
    add_num(o, "wait_over_run", f->have_sched, f->wait_over_run);
    add_num(o, "model_ns_per_pkt", f->have_model, f->model_ns);
    add_num(o, "contention_over_run", f->have_model, f->contention_over_run);
    add_num(o, "phase_cpu_ns_per_pkt", f->have_phase, f->phase_cpu_ns);
    if (f->model_vs_sink[0])
        json_object_object_add(o, "model_vs_sink", json_object_new_string(f->model_vs_sink));
    add_num(o, "wall_s", f->ok, f->wall_s);
    if (f->nbundle) {
        /* colocation: the aggregate over the bundles (exp_bundles_aggregate) */
        json_object_object_add(o, "bundles_n", json_object_new_int((int)f->nbundle));
        add_num(o, "loss", f->ok, f->loss);
        struct json_object *fair = json_object_new_object();
        add_num(fair, "min", f->have_fair, f->b_p50_min);
        add_num(fair, "median", f->have_fair, f->b_p50_med);
        add_num(fair, "max", f->have_fair, f->b_p50_max);
        json_object_object_add(o, "bundles_p50_ns", fair);
        add_num(o, "bundles_p99_max_ns", f->have_fair, f->b_p99_max);
        add_num(o, "end_spread_s", f->ok, f->end_spread_s);
    }
    return o;
}

struct json_object *exp_sweep_json(const struct exp_sweep *s, struct json_object *extra)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "schema", json_object_new_string("scc-experiment/1"));
    json_object_object_add(o, "experiment", json_object_new_string(s->name));
    json_object_object_add(o, "reps", json_object_new_int(s->reps));
    json_object_object_add(o, "profiled", json_object_new_boolean(s->profile));
    json_object_object_add(o, "online_cpus", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
    double la[3];
    if (getloadavg(la, 3) == 3)
        json_object_object_add(o, "load_average_after", json_object_new_double(la[0]));
    struct json_object *noise = json_object_new_object();
    double cv;
    size_t n, pt;
    bool have = exp_sweep_noise(s, &cv, &n, &pt);
    add_num(noise, "cv_p50", have, cv);
    if (s->noise_point < s->n) {
        json_object_object_add(noise, "point", json_object_new_int((int)s->noise_point));
        json_object_object_add(noise, "reps", json_object_new_int(have ? (int)n : 0));
    }
    json_object_object_add(o, "noise", noise);
    struct json_object *pts = json_object_new_array();
    for (size_t i = 0; i < s->n; i++) {
        const struct exp_point *p = s->pt[i];
        struct json_object *po = json_object_new_object();
        json_object_object_add(po, "group", json_object_new_string(p->group));
        json_object_object_add(po, "config", json_object_new_string(p->conf));
        json_object_object_add(po, "label", json_object_new_string(p->label));
        json_object_object_add(po, "x", json_object_new_double(p->x));
        if (p->nbundle) {
            struct json_object *sa = json_object_new_array();
            for (size_t b = 0; b < p->nbundle; b++)
                json_object_array_add(sa, json_object_get(p->bspec[b]));
            json_object_object_add(po, "specs", sa);
        } else {
            json_object_object_add(po, "spec", json_object_get(p->spec));
        }
        json_object_object_add(po, "median", fig_json(&p->med));
        struct json_object *sp = json_object_new_object();
        add_num(sp, "p50_min", p->nok > 0 && isfinite(p->p50_lo), p->p50_lo);
        add_num(sp, "p50_max", p->nok > 0 && isfinite(p->p50_hi), p->p50_hi);
        json_object_object_add(po, "spread_ns", sp);
        struct json_object *reps = json_object_new_array();
        for (size_t r = 0; r < p->nrep; r++) {
            struct json_object *ro = fig_json(&p->rep[r]);
            struct json_object *run = s->runs[i * EXP_MAX_REPS + r];
            if (p->nbundle) {
                /* each bundle's figures with the run file they came from */
                struct json_object *ba = json_object_new_array();
                for (size_t b = 0; b < p->nbundle; b++) {
                    struct json_object *bo = fig_json(&p->bfig[r * p->nbundle + b]);
                    struct json_object *br = run ? json_object_array_get_idx(run, b) : NULL;
                    json_object_object_add(bo, "run", br ? json_object_get(br) : NULL);
                    json_object_array_add(ba, bo);
                }
                json_object_object_add(ro, "bundles", ba);
            } else {
                json_object_object_add(ro, "run", run ? json_object_get(run) : NULL);
            }
            json_object_array_add(reps, ro);
        }
        json_object_object_add(po, "reps", reps);
        json_object_array_add(pts, po);
    }
    json_object_object_add(o, "points", pts);
    if (extra) {
        json_object_object_foreach(extra, k, v) json_object_object_add(o, k, json_object_get(v));
    }
    return o;
}
