/*
 * ln_prof — see ln_prof.h.
 */
#include "launcher/ln_prof.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_util.h"
#include "profiler/prof_events.h"
#include "profiler/prof_group.h"
#include "profiler/prof_model.h"
#include "profiler/prof_pcm.h"
#include "profiler/prof_proc.h"
#include "profiler/prof_text.h"
#include "scheduler/sched_policy.h"
#include "scheduler/sched_view.h"

#define MAX_EV 96

struct thr {
    pid_t tid;
    struct prof_group *g;
    bool have_base;
    struct prof_count base[MAX_EV];
};

struct target {
    pid_t pid;               /* 0: no live process */
    struct thr *thr;
    size_t nthr, cap;
    int threads_max;         /* most threads counted at once in the window */
    /* the window's counts, summed over threads and incarnations */
    struct prof_group_event acc[MAX_EV];
    size_t nacc;
    bool counted;            /* some share was added */
    /* /proc/PID/stat user/system split */
    bool have_cpu0, cpu_ok, cpu_bad;
    uint64_t user0, sys0;
    double user_ns, sys_ns;
    int shares;
    /* the policy the process runs under, read back (ln_prof_policy_row) */
    enum prof_calib_policy_row row;
    char policy_seen[96];
};

struct ln_prof {
    int n;
    struct ln_prof_target *tg;
    struct target *t;
    char **events;
    int nevents;
    unsigned interval_ms;
    /* selection */
    bool sel_sw, sel_tp;
    bool default_syscalls; /* "default" holds the tracepoints (scc profile -p) */
    char pmu[64];
    const struct prof_event_table *cpu_table; /* this CPU's, unfiltered */
    struct prof_event_table table;            /* the selected entries */
    struct prof_event_def *defs;
    char hw_reason[400];
    char tracefs_note[256];
    /* calibration */
    bool have_cal;
    struct prof_calib cal;
    char cal_path[512];
    bool spec_cal;           /* the path came from the spec, not the default */
    char cal_reason[900];
    /* window and overhead */
    bool open;
    uint64_t t_open, t_close;
    uint64_t cpu_open, cpu_close;
    uint64_t open_ns, read_ns;
    unsigned opened_counters;
    /* Intel PCM over the window (prof_pcm): probed at creation, run from
     * window open to close, its CSV parsed then */
    bool pcm_ok;             /* probe passed */
    char pcm_bin[256];
    char pcm_reason[600];    /* why unavailable ("" when pcm_have) */
    pid_t pcm_pid;
    char pcm_csv[64];
    bool pcm_have;           /* a parsed result */
    struct prof_pcm_result *pcm;
    /* interval mode: cumulative counts since window open, every interval */
    uint64_t next_tick;
    size_t nsamples, capsamples;
    uint64_t *sample_t;       /* ns since window open */
    double *samples;          /* [sample][target][MAX_EV]; < 0 = unknown */
};

static uint64_t cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- event names and groups ---------------------------------------- */

static const char *const groups[] = {"default", "memory", "tlb", "sched", "syscalls", NULL};
static const char *const sw_names[] = {"context-switches", "cpu-migrations", "task-clock",
                                       "page-faults", NULL};

const char *ln_prof_event_groups(void)
{
    return "groups default, memory, tlb, sched, syscalls; software events context-switches, "
           "cpu-migrations, task-clock, page-faults; tracepoints syscalls:sys_enter_{recvmmsg,"
           "sendmmsg,recvfrom,sendto,recvmsg,sendmsg,read,write,poll,ppoll,epoll_wait}; "
           "hardware events as `scc profile --list-events` prints them "
           "(e.g. MEM_LOAD_RETIRED:L1_HIT, optionally PMU::NAME)";
}

static bool in_list(const char *const *l, const char *name)
{
    for (; *l; l++)
        if (!strcmp(*l, name))
            return true;
    return false;
}

static bool is_tracepoint(const char *name)
{
    const char *pre = "syscalls:sys_enter_";
    return !strncmp(name, pre, strlen(pre)) && in_list(prof_group_syscalls, name + strlen(pre));
}

static bool is_hw_name(const char *name)
{
    const char *n = strstr(name, "::");
    n = n ? n + 2 : name;
    size_t nt;
    const struct prof_event_table *t = prof_events_tables(&nt);
    for (size_t i = 0; i < nt; i++)
        for (size_t k = 0; k < t[i].nevents; k++)
            if (!strcmp(t[i].events[k].name, n))
                return true;
    return false;
}

size_t ln_prof_event_names(const char **out, size_t max)
{
    size_t n = 0;
    for (const char *const *g = groups; *g && n < max; g++)
        out[n++] = *g;
    for (const char *const *g = sw_names; *g && n < max; g++)
        out[n++] = *g;
    static char tp[16][48]; /* the tracepoint names, built once (constant) */
    for (size_t k = 0; prof_group_syscalls[k] && k < 16 && n < max; k++) {
        snprintf(tp[k], sizeof(tp[k]), "syscalls:sys_enter_%s", prof_group_syscalls[k]);
        out[n++] = tp[k];
    }
    size_t nt;
    const struct prof_event_table *t = prof_events_tables(&nt);
    for (size_t i = 0; i < nt; i++)
        for (size_t k = 0; k < t[i].nevents && n < max; k++)
            out[n++] = t[i].events[k].name;
    return n;
}

bool ln_prof_event_valid(const char *name)
{
    return in_list(groups, name) || in_list(sw_names, name) || is_tracepoint(name) ||
           is_hw_name(name);
}

static bool term_is_memory(enum prof_term k)
{
    return k <= PROF_TERM_DM;
}

static bool term_is_tlb(enum prof_term k)
{
    return k >= PROF_TERM_T1 && k <= PROF_TERM_TM;
}

/* Choose the events: hardware entries of this CPU's table by group or
 * name, software and tracepoints by group (a single software or
 * tracepoint name selects its whole group: they cost one fd each and
 * never multiplex). */
static int select_events(struct ln_prof *p, char *err, size_t errlen)
{
    bool all = false, mem = false, tlb = false;
    for (int i = 0; i < p->nevents; i++) {
        const char *e = p->events[i];
        if (!ln_prof_event_valid(e)) {
            snprintf(err, errlen, "profiler.events[%d]: unknown event or group '%s' (valid: %s)",
                     i, e, ln_prof_event_groups());
            return -EINVAL;
        }
        all |= !strcmp(e, "default");
        mem |= !strcmp(e, "memory");
        tlb |= !strcmp(e, "tlb");
        p->sel_sw |= !strcmp(e, "sched") || in_list(sw_names, e);
        p->sel_tp |= !strcmp(e, "syscalls") || is_tracepoint(e);
    }
    if (all) {
        mem = tlb = p->sel_sw = true;
        p->sel_tp |= p->default_syscalls; /* ln_prof_cfg.default_syscalls: why */
    }

    char ierr[256];
    if (prof_events_init(ierr, sizeof(ierr)) < 0) {
        snprintf(p->hw_reason, sizeof(p->hw_reason), "libpfm4: %s", ierr);
        return 0;
    }
    int r = prof_events_detect(p->pmu, sizeof(p->pmu), &p->cpu_table);
    if (r < 0) {
        snprintf(p->hw_reason, sizeof(p->hw_reason),
                 r == -ENOENT ? "no event table for this CPU (libpfm4 PMU '%s'); "
                                "`scc profile --list-events` shows the tables"
                              : "libpfm4 could not detect the CPU's PMU%s",
                 r == -ENOENT ? (p->pmu[0] ? p->pmu : "none") : "");
        p->cpu_table = NULL;
        return 0;
    }
    const struct prof_event_table *t = p->cpu_table;
    p->defs = calloc(t->nevents + 1, sizeof(*p->defs));
    if (!p->defs)
        return -ENOMEM;
    size_t n = 0;
    for (size_t k = 0; k < t->nevents; k++) {
        const struct prof_event_def *d = &t->events[k];
        bool named = false;
        for (int i = 0; i < p->nevents; i++) {
            const char *x = strstr(p->events[i], "::");
            named |= !strcmp(x ? x + 2 : p->events[i], d->name);
        }
        if (named || (mem && term_is_memory(d->term)) || (tlb && term_is_tlb(d->term)))
            p->defs[n++] = *d;
    }
    p->table = *t;
    p->table.events = p->defs;
    p->table.nevents = n;
    if (n == 0)
        snprintf(p->hw_reason, sizeof(p->hw_reason),
                 "profiler.events selects no hardware event of this CPU's table (%s)", t->id);
    return 0;
}

/* ---- calibration ----------------------------------------------------- */

static void load_calibration(struct ln_prof *p, const char *path)
{
    const char *use = path ? path : LN_PROF_DEFAULT_CALIBRATION;
    p->spec_cal = path != NULL;
    snprintf(p->cal_path, sizeof(p->cal_path), "%s", use);
    prof_calib_init(&p->cal);
    if (!path && access(use, R_OK) != 0) {
        snprintf(p->cal_reason, sizeof(p->cal_reason),
                 "no calibration: run `scc bench calibrate -o %s` (or set "
                 "profiler.calibration)",
                 LN_PROF_DEFAULT_CALIBRATION);
        return;
    }
    char err[300];
    if (prof_calib_load(use, &p->cal, err, sizeof(err)) < 0) {
        snprintf(p->cal_reason, sizeof(p->cal_reason), "calibration %s: %s", use, err);
        return;
    }
    p->have_cal = true;
}

/* ---- lifecycle ---------------------------------------------------------- */

struct ln_prof *ln_prof_new(const struct ln_prof_cfg *cfg, char *err, size_t errlen)
{
    struct ln_prof *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->n = cfg->n;
    p->tg = calloc((size_t)cfg->n + 1, sizeof(*p->tg));
    p->t = calloc((size_t)cfg->n + 1, sizeof(*p->t));
    int ne = cfg->nevents > 0 ? cfg->nevents : 1;
    p->events = calloc((size_t)ne + 1, sizeof(char *));
    if (!p->tg || !p->t || !p->events)
        goto nomem;
    for (int i = 0; i < cfg->n; i++) {
        p->tg[i] = cfg->targets[i];
        p->tg[i].name = strdup(cfg->targets[i].name ? cfg->targets[i].name : "?");
        if (!p->tg[i].name)
            goto nomem;
    }
    for (int i = 0; i < ne; i++)
        if (!(p->events[i] = strdup(cfg->nevents > 0 ? cfg->events[i] : "default")))
            goto nomem;
    p->nevents = ne;
    p->interval_ms = cfg->interval_ms;
    p->default_syscalls = cfg->default_syscalls;
    int r = select_events(p, err, errlen);
    if (r < 0) {
        ln_prof_free(p);
        errno = -r;
        return NULL;
    }
    if (p->sel_tp && prof_group_resolve_tracefs(p->tracefs_note, sizeof(p->tracefs_note)) < 0 &&
        !p->tracefs_note[0])
        snprintf(p->tracefs_note, sizeof(p->tracefs_note), "tracefs could not be read");
    load_calibration(p, cfg->calibration);
    p->pcm_ok = prof_pcm_probe(p->pcm_bin, sizeof(p->pcm_bin), p->pcm_reason,
                               sizeof(p->pcm_reason)) == 0;
    return p;
nomem:
    ln_prof_free(p);
    errno = ENOMEM;
    return NULL;
}

static void drop_threads(struct target *t)
{
    for (size_t k = 0; k < t->nthr; k++)
        prof_group_free(t->thr[k].g);
    t->nthr = 0;
}

/* ---- Intel PCM ------------------------------------------------------------ */

/* Start `pcm 0.2 -csv=FILE` for the window. Its failures are reported as
 * the source's reason, never the run's. */
static void pcm_start(struct ln_prof *p)
{
    if (!p->pcm_ok || p->pcm_pid > 0)
        return;
    snprintf(p->pcm_csv, sizeof(p->pcm_csv), "/tmp/scc-pcm-XXXXXX");
    int fd = mkstemp(p->pcm_csv);
    if (fd < 0) {
        snprintf(p->pcm_reason, sizeof(p->pcm_reason), "mkstemp %s: %s", p->pcm_csv,
                 strerror(errno));
        p->pcm_csv[0] = '\0';
        return;
    }
    close(fd);
    char arg[96];
    snprintf(arg, sizeof(arg), "-csv=%s", p->pcm_csv);
    pid_t pid = fork();
    if (pid == 0) {
        /* the launcher blocks its signals for its signalfd: pcm must see
         * SIGINT (it writes its last row and exits on it); it dies with us */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(nul, 2);
        }
        execl(p->pcm_bin, p->pcm_bin, "0.2", arg, (char *)NULL);
        _exit(127);
    }
    if (pid < 0) {
        snprintf(p->pcm_reason, sizeof(p->pcm_reason), "fork for pcm: %s", strerror(errno));
        unlink(p->pcm_csv);
        p->pcm_csv[0] = '\0';
        return;
    }
    p->pcm_pid = pid;
}

/* Stop pcm (SIGINT, then SIGKILL after 3 s) and, when parse, read its CSV. */
static void pcm_finish(struct ln_prof *p, bool parse)
{
    if (p->pcm_pid <= 0)
        return;
    kill(p->pcm_pid, SIGINT);
    int st = 0;
    pid_t r = 0;
    for (int k = 0; k < 300 && (r = waitpid(p->pcm_pid, &st, WNOHANG)) == 0; k++)
        usleep(10000);
    if (r == 0) {
        kill(p->pcm_pid, SIGKILL);
        r = waitpid(p->pcm_pid, &st, 0);
    }
    /* r < 0 (ECHILD): the launcher's reaper took it; the CSV still says */
    p->pcm_pid = 0;
    if (parse) {
        char err[300];
        if (!p->pcm && !(p->pcm = calloc(1, sizeof(*p->pcm)))) {
            snprintf(p->pcm_reason, sizeof(p->pcm_reason), "out of memory");
        } else if (prof_pcm_parse_file(p->pcm_csv, p->pcm, err, sizeof(err)) == 0) {
            p->pcm_have = true;
            p->pcm_reason[0] = '\0';
        } else if (r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127) {
            snprintf(p->pcm_reason, sizeof(p->pcm_reason), "could not execute %s", p->pcm_bin);
        } else {
            snprintf(p->pcm_reason, sizeof(p->pcm_reason), "%s ran but %s", p->pcm_bin, err);
        }
    }
    unlink(p->pcm_csv);
    p->pcm_csv[0] = '\0';
}

static void pcm_stop(struct ln_prof *p)
{
    pcm_finish(p, false);
}

void ln_prof_free(struct ln_prof *p)
{
    if (!p)
        return;
    for (int i = 0; p->t && i < p->n; i++) {
        drop_threads(&p->t[i]);
        free(p->t[i].thr);
    }
    for (int i = 0; p->tg && i < p->n; i++)
        free((char *)p->tg[i].name);
    for (int i = 0; p->events && i < p->nevents; i++)
        free(p->events[i]);
    free(p->events);
    free(p->tg);
    free(p->t);
    free(p->defs);
    free(p->sample_t);
    free(p->samples);
    pcm_stop(p);
    free(p->pcm);
    prof_calib_free(&p->cal);
    free(p);
}

/* ---- counting ------------------------------------------------------------ */

static void read_base(struct ln_prof *p, struct thr *th)
{
    uint64_t t0 = scc_now_ns();
    prof_group_read(th->g);
    size_t n = prof_group_nevents(th->g);
    for (size_t k = 0; k < n && k < MAX_EV; k++)
        th->base[k] = prof_group_event(th->g, k)->count;
    th->have_base = true;
    p->read_ns += scc_now_ns() - t0;
}

/* Open the counters of one thread; with the window open its baseline is
 * read at once. */
static int open_thread(struct ln_prof *p, struct target *t, pid_t tid)
{
    for (size_t k = 0; k < t->nthr; k++)
        if (t->thr[k].tid == tid)
            return 0;
    if (t->nthr == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4;
        struct thr *x = realloc(t->thr, cap * sizeof(*x));
        if (!x)
            return -ENOMEM;
        t->thr = x;
        t->cap = cap;
    }
    uint64_t t0 = scc_now_ns();
    struct thr *th = &t->thr[t->nthr];
    memset(th, 0, sizeof(*th));
    th->tid = tid;
    th->g = prof_group_new(tid, p->cpu_table ? prof_events_pmu_counters(p->pmu) : 4);
    if (!th->g)
        return -ENOMEM;
    if ((p->table.nevents && prof_group_add_hardware(th->g, p->pmu, &p->table) < 0) ||
        (p->sel_sw && prof_group_add_software(th->g) < 0) ||
        (p->sel_tp && prof_group_add_syscalls(th->g) < 0)) {
        prof_group_free(th->g);
        return -ENOMEM;
    }
    int avail = prof_group_open(th->g);
    p->opened_counters += avail > 0 ? (unsigned)avail : 0;
    t->nthr++;
    p->open_ns += scc_now_ns() - t0;
    if (p->open)
        read_base(p, th);
    return avail == -ESRCH ? -ESRCH : 0;
}

/* Open every thread of t's process not yet counted (/proc/PID/task). */
static void scan_threads(struct ln_prof *p, struct target *t)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)t->pid);
    DIR *d = opendir(path);
    if (!d) {
        open_thread(p, t, t->pid);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
            open_thread(p, t, (pid_t)atoi(de->d_name));
    closedir(d);
}

/* Add the counts since the baseline of every thread of t to its sum. */
static void add_share(struct ln_prof *p, struct target *t)
{
    int live = 0;
    for (size_t k = 0; k < t->nthr; k++) {
        struct thr *th = &t->thr[k];
        if (!th->have_base)
            continue;
        uint64_t t0 = scc_now_ns();
        prof_group_read(th->g);
        p->read_ns += scc_now_ns() - t0;
        size_t n = prof_group_nevents(th->g);
        if (n > MAX_EV)
            n = MAX_EV;
        if (!t->nacc) {
            for (size_t e = 0; e < n; e++) {
                memset(&t->acc[e], 0, sizeof(t->acc[e]));
                snprintf(t->acc[e].name, sizeof(t->acc[e].name), "%s",
                         prof_group_event(th->g, e)->name);
                t->acc[e].src = prof_group_event(th->g, e)->src;
                t->acc[e].def = prof_group_event(th->g, e)->def;
                t->acc[e].group = -1;
            }
            t->nacc = n;
        }
        for (size_t e = 0; e < n && e < t->nacc; e++) {
            struct prof_group_event x = *prof_group_event(th->g, e);
            if (x.available)
                x.count = prof_count_delta(&th->base[e], &x.count);
            prof_group_event_merge(&t->acc[e], &x);
        }
        th->have_base = false;
        live++;
        t->counted = true;
    }
    if (live > t->threads_max)
        t->threads_max = live;
    if (t->have_cpu0) {
        uint64_t u, s;
        if (prof_proc_cputime(t->pid, &u, &s) == 0 && u >= t->user0 && s >= t->sys0) {
            t->user_ns += (double)(u - t->user0);
            t->sys_ns += (double)(s - t->sys0);
            t->cpu_ok = true;
        } else {
            t->cpu_bad = true;
        }
        t->have_cpu0 = false;
    }
    t->shares++;
}

static void cpu_base(struct target *t, bool zero)
{
    t->have_cpu0 = zero ? true : prof_proc_cputime(t->pid, &t->user0, &t->sys0) == 0;
    if (zero)
        t->user0 = t->sys0 = 0;
    if (!t->have_cpu0)
        t->cpu_bad = true;
}

enum prof_calib_policy_row ln_prof_policy_row(const struct sched_view *v, char *seen, size_t len)
{
    enum prof_calib_policy_row row = PROF_CALIB_CS_OTHER;
    const char *note = "";
    switch (v->policy) {
    case SCHED_BATCH: row = PROF_CALIB_CS_BATCH; break;
    case SCHED_RR: row = PROF_CALIB_CS_RR; break;
    case SCHED_FIFO: row = PROF_CALIB_CS_FIFO; break;
    case SCHED_IDLE: note = "; no calibrated idle row: other's cost"; break;
    default:
        /* the calibration measures nice 0 and nice -19 only: a raised
         * priority costs like the second */
        if (v->nice < 0)
            row = PROF_CALIB_CS_OTHER_NICE;
        break;
    }
    bool rt = v->policy == SCHED_RR || v->policy == SCHED_FIFO;
    snprintf(seen, len, "%s %s %d (read back with sched_getattr%s)", sched_policy_name(v->policy),
             rt ? "priority" : "nice", rt ? v->rt_priority : v->nice, note);
    return row;
}

/* The policy target i's process runs under now: the kernel's view, not the
 * spec's request (a restart, chain-order or a failed sched_setattr can
 * make them differ); the configured row when it cannot be read. */
static void read_policy(struct ln_prof *p, int i)
{
    struct target *t = &p->t[i];
    struct sched_view v;
    int r = t->pid ? sched_view_read(t->pid, &v) : -ESRCH;
    if (r == 0) {
        t->row = ln_prof_policy_row(&v, t->policy_seen, sizeof(t->policy_seen));
        return;
    }
    t->row = p->tg[i].policy;
    snprintf(t->policy_seen, sizeof(t->policy_seen), "%s as configured (read back failed: %s)",
             prof_model_policy_names[t->row], strerror(-r));
}

int ln_prof_attach(struct ln_prof *p, int i, pid_t pid)
{
    if (i < 0 || i >= p->n)
        return -EINVAL;
    struct target *t = &p->t[i];
    drop_threads(t);
    t->pid = pid;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return -ESRCH;
    scan_threads(p, t);
    read_policy(p, i);
    if (p->open)
        cpu_base(t, true);
    return 0;
}

static int on_started(void *ctx, int i, pid_t pid, int incarnation)
{
    (void)incarnation;
    /* a counter that cannot be opened is reported unavailable, never a
     * reason to stop the run */
    ln_prof_attach(ctx, i, pid);
    return 0;
}

static void on_exited(void *ctx, int i, pid_t pid, int status)
{
    struct ln_prof *p = ctx;
    (void)status;
    if (i < 0 || i >= p->n || p->t[i].pid != pid)
        return;
    /* not reaped yet: its counters and /proc/PID/stat hold the final figures */
    if (p->open)
        add_share(p, &p->t[i]);
    drop_threads(&p->t[i]);
    p->t[i].pid = 0;
}

static void on_open(void *ctx, enum ln_window w)
{
    struct ln_prof *p = ctx;
    if (w != LN_WIN_MEASURE || p->open)
        return;
    p->open = true;
    p->t_open = scc_now_ns();
    p->cpu_open = cpu_now();
    p->next_tick = p->t_open + (uint64_t)p->interval_ms * 1000000ull;
    pcm_start(p);
    for (int i = 0; i < p->n; i++) {
        struct target *t = &p->t[i];
        if (!t->pid)
            continue;
        scan_threads(p, t); /* threads started since the process did */
        read_policy(p, i);  /* what it runs under in the window */
        for (size_t k = 0; k < t->nthr; k++)
            read_base(p, &t->thr[k]);
        cpu_base(t, false);
    }
}

static void on_close(void *ctx, enum ln_window w)
{
    struct ln_prof *p = ctx;
    if (w != LN_WIN_MEASURE || !p->open)
        return;
    for (int i = 0; i < p->n; i++)
        if (p->t[i].pid)
            add_share(p, &p->t[i]);
    p->open = false;
    p->t_close = scc_now_ns();
    p->cpu_close = cpu_now();
    pcm_finish(p, true);
}

/* Event e of target t now: the shares already added plus every counted
 * thread's count since its baseline; < 0 when no thread has it. */
static double count_now(struct ln_prof *p, struct target *t, size_t e)
{
    bool known = e < t->nacc && t->acc[e].available;
    double v = known ? t->acc[e].count.value : 0;
    for (size_t k = 0; k < t->nthr; k++) {
        struct thr *th = &t->thr[k];
        if (!th->have_base || e >= prof_group_nevents(th->g))
            continue;
        const struct prof_group_event *x = prof_group_event(th->g, e);
        if (!x->available)
            continue;
        struct prof_count d = prof_count_delta(&th->base[e], &x->count);
        v += d.counted ? d.value : 0;
        known = true;
    }
    (void)p;
    return known ? v : -1;
}

int ln_prof_tick(struct ln_prof *p)
{
    if (!p->interval_ms || !p->open)
        return 0;
    uint64_t now = scc_now_ns();
    if (now < p->next_tick)
        return 0;
    p->next_tick += (uint64_t)p->interval_ms * 1000000ull;
    if (p->next_tick <= now) /* late (a slow loop): keep the grid, skip the missed */
        p->next_tick = now + (uint64_t)p->interval_ms * 1000000ull;
    if (p->nsamples == p->capsamples) {
        size_t cap = p->capsamples ? p->capsamples * 2 : 64;
        uint64_t *ts = realloc(p->sample_t, cap * sizeof(*ts));
        if (!ts)
            return -ENOMEM;
        p->sample_t = ts;
        double *v = realloc(p->samples, cap * (size_t)p->n * MAX_EV * sizeof(*v));
        if (!v)
            return -ENOMEM;
        p->samples = v;
        p->capsamples = cap;
    }
    double *row = p->samples + p->nsamples * (size_t)p->n * MAX_EV;
    uint64_t t0 = scc_now_ns();
    for (int i = 0; i < p->n; i++) {
        struct target *t = &p->t[i];
        for (size_t k = 0; k < t->nthr; k++)
            if (t->thr[k].have_base)
                prof_group_read(t->thr[k].g);
        for (size_t e = 0; e < MAX_EV; e++)
            row[(size_t)i * MAX_EV + e] = count_now(p, t, e);
    }
    p->read_ns += scc_now_ns() - t0;
    p->sample_t[p->nsamples++] = now - p->t_open;
    return 0;
}

/* The names of target i's events (from its sum, or a live thread). */
static const char *event_name(const struct ln_prof *p, int i, size_t e)
{
    const struct target *t = &p->t[i];
    if (e < t->nacc)
        return t->acc[e].name;
    for (size_t k = 0; k < t->nthr; k++)
        if (e < prof_group_nevents(t->thr[k].g))
            return prof_group_event(t->thr[k].g, e)->name;
    return NULL;
}

static struct json_object *series_json(const struct ln_prof *p)
{
    struct json_object *s = json_object_new_object();
    json_object_object_add(s, "interval_ms", json_object_new_int((int)p->interval_ms));
    struct json_object *ts = json_object_new_array();
    for (size_t k = 0; k < p->nsamples; k++)
        json_object_array_add(ts, json_object_new_int64((int64_t)p->sample_t[k]));
    json_object_object_add(s, "t_ns", ts);
    struct json_object *nfs = json_object_new_array();
    for (int i = 0; i < p->n; i++) {
        struct json_object *nf = json_object_new_object(), *c = json_object_new_object();
        json_object_object_add(nf, "name", json_object_new_string(p->tg[i].name));
        for (size_t e = 0; e < MAX_EV; e++) {
            const char *name = event_name(p, i, e);
            if (!name)
                break;
            struct json_object *a = json_object_new_array();
            for (size_t k = 0; k < p->nsamples; k++) {
                double v = p->samples[(k * (size_t)p->n + (size_t)i) * MAX_EV + e];
                json_object_array_add(a, v < 0 ? NULL : json_object_new_double(v));
            }
            json_object_object_add(c, name, a);
        }
        json_object_object_add(nf, "counters", c);
        json_object_array_add(nfs, nf);
    }
    json_object_object_add(s, "nfs", nfs);
    return s;
}

struct ln_hooks ln_prof_hooks(struct ln_prof *p)
{
    return (struct ln_hooks){.ctx = p, .nf_started = on_started, .nf_exited = on_exited,
                             .window_open = on_open, .window_close = on_close};
}

/* ---- the report ------------------------------------------------------------ */

static void put(struct json_object *o, const char *k, struct json_object *v)
{
    json_object_object_add(o, k, v);
}

static struct json_object *jstr(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static struct json_object *ju64(uint64_t v)
{
    return json_object_new_int64((int64_t)v);
}

static const char *src_name(enum prof_src s)
{
    return s == PROF_SRC_HARDWARE ? "hardware" : s == PROF_SRC_SOFTWARE ? "software" : "tracepoint";
}

static struct json_object *counters_json(const struct target *t)
{
    struct json_object *a = json_object_new_array();
    for (size_t e = 0; e < t->nacc; e++) {
        const struct prof_group_event *x = &t->acc[e];
        struct json_object *c = json_object_new_object();
        put(c, "name", jstr(x->name));
        put(c, "source", jstr(src_name(x->src)));
        put(c, "available", json_object_new_boolean(x->available));
        put(c, "reason", x->available ? NULL : jstr(x->reason));
        put(c, "user_only", json_object_new_boolean(x->user_only));
        bool v = x->available && x->count.counted;
        put(c, "counted", json_object_new_boolean(v));
        put(c, "value", v ? json_object_new_double(x->count.value) : NULL);
        put(c, "raw", x->available ? ju64(x->count.raw) : NULL);
        put(c, "enabled_ns", x->available ? ju64(x->count.enabled_ns) : NULL);
        put(c, "running_ns", x->available ? ju64(x->count.running_ns) : NULL);
        put(c, "scaled", json_object_new_boolean(x->available && x->count.scaled));
        json_object_array_add(a, c);
    }
    return a;
}

static struct json_object *figure_json(const struct prof_figure *f)
{
    struct json_object *o = json_object_new_object();
    put(o, "available", json_object_new_boolean(f->available));
    put(o, "value", f->available ? json_object_new_double(f->v) : NULL);
    put(o, "reason", f->available ? NULL : jstr(f->reason));
    return o;
}

static struct json_object *result_json(const struct prof_nf_result *r)
{
    struct json_object *o = json_object_new_object();
    put(o, "name", jstr(r->name));
    put(o, "cpu", r->cpu >= 0 ? json_object_new_int(r->cpu) : NULL);
    put(o, "packets", ju64(r->packets));
    struct json_object *terms = json_object_new_object();
    for (int k = 0; k < PROF_NTERMS; k++) {
        const struct prof_term_val *t = &r->term[k];
        struct json_object *x = json_object_new_object();
        put(x, "available", json_object_new_boolean(t->available));
        put(x, "events", t->available ? json_object_new_double(t->events) : NULL);
        put(x, "events_per_packet", t->available ? json_object_new_double(t->events_per_pkt) : NULL);
        put(x, "cost_ns", t->available ? json_object_new_double(t->cost_ns) : NULL);
        put(x, "ns_per_packet", t->available ? json_object_new_double(t->ns_per_pkt) : NULL);
        put(x, "scaled", json_object_new_boolean(t->scaled));
        put(x, "reason", t->reason[0] ? jstr(t->reason) : NULL);
        put(terms, prof_term_names[k], x);
    }
    put(o, "terms", terms);
    put(o, "total_ns_per_packet", json_object_new_double(r->total_ns_per_pkt));
    struct json_object *lack = json_object_new_array();
    for (int k = 0; k < PROF_NTERMS; k++)
        if (r->lacking & (1u << k))
            json_object_array_add(lack, jstr(prof_term_names[k]));
    put(o, "lacking", lack);
    put(o, "counted_ratio", json_object_new_double(r->counted_ratio));
    struct json_object *f = json_object_new_object();
    put(f, "run_ns_per_packet", figure_json(&r->run_ns_per_pkt));
    put(f, "wait_ns_per_packet", figure_json(&r->wait_ns_per_pkt));
    put(f, "blocked_ns_per_packet", figure_json(&r->blocked_ns_per_pkt));
    put(f, "user_ns_per_packet", figure_json(&r->user_ns_per_pkt));
    put(f, "sys_ns_per_packet", figure_json(&r->sys_ns_per_pkt));
    put(f, "wait_over_run", figure_json(&r->wait_over_run));
    put(f, "contention_over_run", figure_json(&r->contention_over_run));
    put(f, "switches_per_packet", figure_json(&r->switches_per_pkt));
    put(f, "involuntary_switches_per_packet", figure_json(&r->invol_per_pkt));
    put(f, "syscalls_per_packet", figure_json(&r->syscalls_per_pkt));
    put(f, "nf_syscalls_per_packet", figure_json(&r->nf_syscalls_per_pkt));
    put(f, "measured_cpu_ns_per_packet", figure_json(&r->measured_cpu_per_pkt));
    put(o, "figures", f);
    put(o, "cs_policy", r->cs_policy[0] ? jstr(r->cs_policy) : NULL); /* null: the chain */
    put(o, "policy_seen", r->policy_seen[0] ? jstr(r->policy_seen) : NULL);
    struct json_object *ph = NULL;
    if (r->measured_cpu_per_pkt.available) {
        ph = json_object_new_object();
        put(ph, "rx_ns_per_packet", json_object_new_double(r->phase_rx_per_pkt.v));
        put(ph, "pipeline_ns_per_packet", json_object_new_double(r->phase_pipe_per_pkt.v));
        put(ph, "tx_ns_per_packet", json_object_new_double(r->phase_tx_per_pkt.v));
        put(ph, "rx_includes_wait", json_object_new_boolean(r->phase_rx_waits));
        put(ph, "cpu_ns_per_packet", json_object_new_double(r->measured_cpu_per_pkt.v));
    }
    put(o, "phases", ph);
    put(o, "phases_reason", ph ? NULL : jstr(r->measured_cpu_per_pkt.reason));
    return o;
}

/* Tracepoint e's window count of target t; < 0 when not counted. */
static double tp_count(const struct target *t, const char *name)
{
    for (size_t e = 0; e < t->nacc; e++)
        if (!strcmp(t->acc[e].name, name))
            return t->acc[e].available && t->acc[e].count.counted ? t->acc[e].count.value : -1;
    return -1;
}

/* The NF's own recvmmsg/sendmmsg counts next to the tracepoints' (a
 * cross-check: both count the same calls of the same processes over the
 * same window); null when the NF's stats page was not read. */
static struct json_object *nf_calls_json(const struct target *t, const struct ln_nf_figures *fg)
{
    if (!fg || !fg->shares || !fg->stats_ok)
        return NULL;
    struct json_object *o = json_object_new_object();
    const char *names[2] = {"recvmmsg", "sendmmsg"};
    uint64_t own[2] = {fg->c.recvmmsg_calls, fg->c.sendmmsg_calls};
    for (int k = 0; k < 2; k++) {
        char tp[64], key[48];
        snprintf(tp, sizeof(tp), "syscalls:sys_enter_%s", names[k]);
        double v = tp_count(t, tp);
        put(o, names[k], ju64(own[k]));
        snprintf(key, sizeof(key), "tracepoint_%s", names[k]);
        put(o, key, v >= 0 ? json_object_new_double(v) : NULL);
    }
    return o;
}

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10))
            continue;
        char *c = strchr(line, ':');
        if (c) {
            c += 1 + (c[1] == ' ');
            c[strcspn(c, "\n")] = '\0';
            snprintf(buf, len, "%s", c);
        }
        break;
    }
    fclose(f);
}

static bool any_hw_available(const struct ln_prof *p)
{
    for (int i = 0; i < p->n; i++)
        for (size_t e = 0; e < p->t[i].nacc; e++)
            if (p->t[i].acc[e].src == PROF_SRC_HARDWARE && p->t[i].acc[e].available)
                return true;
    return false;
}

/* The first hardware counter's reason: why the PMU is unavailable. */
static const char *hw_unavailable_reason(const struct ln_prof *p)
{
    if (!p->cpu_table || !p->table.nevents)
        return p->hw_reason;
    for (int i = 0; i < p->n; i++)
        for (size_t e = 0; e < p->t[i].nacc; e++)
            if (p->t[i].acc[e].src == PROF_SRC_HARDWARE && !p->t[i].acc[e].available)
                return p->t[i].acc[e].reason;
    return "no hardware counter was opened";
}

static struct json_object *machine_json(const struct ln_prof *p)
{
    struct json_object *m = json_object_new_object();
    char model[256];
    cpu_model(model, sizeof(model));
    put(m, "cpu_model", jstr(model));
    struct utsname u;
    char k[400] = "unknown";
    if (uname(&u) == 0)
        snprintf(k, sizeof(k), "%s %s", u.release, u.version);
    put(m, "kernel", jstr(k));
    put(m, "libpfm4_pmu", p->pmu[0] ? jstr(p->pmu) : NULL);
    put(m, "event_table", p->cpu_table ? jstr(p->cpu_table->id) : NULL);
    bool hw = any_hw_available(p);
    put(m, "pmu_available", json_object_new_boolean(hw));
    put(m, "pmu_reason", hw ? NULL : jstr(hw_unavailable_reason(p)));
    put(m, "vendor_limits", p->cpu_table ? jstr(p->cpu_table->limits) : NULL);
    long par = -1;
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    if (f) {
        if (fscanf(f, "%ld", &par) != 1)
            par = -1;
        fclose(f);
    }
    put(m, "perf_event_paranoid", par >= -1 && f ? json_object_new_int((int)par) : NULL);
    put(m, "tracefs", p->tracefs_note[0] ? jstr(p->tracefs_note) : jstr("mounted"));
    return m;
}

static struct json_object *calibration_json(const struct ln_prof *p)
{
    struct json_object *c = json_object_new_object();
    put(c, "path", jstr(p->cal_path));
    put(c, "available", json_object_new_boolean(p->have_cal));
    put(c, "reason", p->have_cal ? NULL : jstr(p->cal_reason));
    put(c, "schema", p->have_cal ? jstr(p->cal.schema) : NULL);
    put(c, "created", p->have_cal ? jstr(p->cal.created) : NULL);
    put(c, "cpu_model", p->have_cal ? jstr(p->cal.cpu_model) : NULL);
    put(c, "quick", p->have_cal ? json_object_new_boolean(p->cal.quick) : NULL);
    return c;
}

/* Is core c one the report shows PCM figures for (an NF's core, or every
 * core when no NF is pinned)? */
static bool pcm_core_shown(const struct ln_prof *p, int c)
{
    bool pinned = false;
    for (int i = 0; i < p->n; i++) {
        pinned |= p->tg[i].cpu >= 0;
        if (p->tg[i].cpu == c)
            return true;
    }
    return !pinned;
}

/* "fw, l2": the NFs pinned to core c */
static void nfs_on_core(const struct ln_prof *p, int c, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < p->n && o < len; i++)
        if (p->tg[i].cpu == c)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", p->tg[i].name);
}

static struct json_object *pcm_json(const struct ln_prof *p)
{
    struct json_object *o = json_object_new_object();
    put(o, "available", json_object_new_boolean(p->pcm_have));
    put(o, "reason", p->pcm_have ? NULL : jstr(p->pcm_reason));
    put(o, "binary", p->pcm_bin[0] ? jstr(p->pcm_bin) : NULL);
    if (!p->pcm_have) {
        put(o, "intervals", NULL);
        put(o, "memory_read_gb", NULL);
        put(o, "memory_write_gb", NULL);
        put(o, "cores", json_object_new_array());
        return o;
    }
    const struct prof_pcm_result *r = p->pcm;
    put(o, "intervals", json_object_new_int((int)r->rows));
    put(o, "memory_read_gb", r->have_traffic ? json_object_new_double(r->read_gb) : NULL);
    put(o, "memory_write_gb", r->have_traffic ? json_object_new_double(r->write_gb) : NULL);
    struct json_object *cores = json_object_new_array();
    for (size_t i = 0; i < r->ncores; i++) {
        const struct prof_pcm_core *c = &r->core[i];
        if (!pcm_core_shown(p, c->core))
            continue;
        struct json_object *x = json_object_new_object();
        char names[256];
        nfs_on_core(p, c->core, names, sizeof(names));
        put(x, "core", json_object_new_int(c->core));
        put(x, "socket", json_object_new_int(c->socket));
        put(x, "nfs", jstr(names));
        put(x, "l2_hit_ratio", c->have_l2hit ? json_object_new_double(c->l2hit) : NULL);
        put(x, "l3_hit_ratio", c->have_l3hit ? json_object_new_double(c->l3hit) : NULL);
        json_object_array_add(cores, x);
    }
    put(o, "cores", cores);
    return o;
}

static void pcm_text(const struct ln_prof *p, FILE *out)
{
    if (!p->pcm_have) {
        fprintf(out, "  Intel PCM: unavailable — %s\n", p->pcm_reason);
        return;
    }
    const struct prof_pcm_result *r = p->pcm;
    fprintf(out, "  Intel PCM (system-wide per core: every task on the core, %zu intervals)",
            r->rows);
    if (r->have_traffic)
        fprintf(out, ": memory read %.3f GB, written %.3f GB", r->read_gb, r->write_gb);
    fputc('\n', out);
    for (size_t i = 0; i < r->ncores; i++) {
        const struct prof_pcm_core *c = &r->core[i];
        if (!pcm_core_shown(p, c->core))
            continue;
        char names[256], l2[32] = "n/a", l3[32] = "n/a";
        nfs_on_core(p, c->core, names, sizeof(names));
        if (c->have_l2hit)
            snprintf(l2, sizeof(l2), "%.1f%%", 100 * c->l2hit);
        if (c->have_l3hit)
            snprintf(l3, sizeof(l3), "%.1f%%", 100 * c->l3hit);
        fprintf(out, "    core %d%s%s%s: L2 hit %s, L3 hit %s\n", c->core, names[0] ? " (" : "",
                names, names[0] ? ")" : "", l2, l3);
    }
}

/* Where the model's chain total stands against the sink's percentiles. */
static const char *compare_sink(const struct prof_nf_result *ch, const struct tr_sink_result *s,
                                char *why, size_t len)
{
    if (!s || !s->have_latency) {
        snprintf(why, len, "the sink measured no latency");
        return NULL;
    }
    double t = ch->total_ns_per_pkt;
    if (ch->lacking == (1u << PROF_NTERMS) - 1) {
        snprintf(why, len, "the model has no available term");
        return NULL;
    }
    char lack[128];
    prof_model_lacking_str(ch->lacking, lack, sizeof(lack));
    const char *where = t < (double)s->lat.p1 ? "below" : t > (double)s->lat.p99 ? "above" : "within";
    if (ch->lacking)
        snprintf(why, len, "the total lacks %s%s", lack,
                 !strcmp(where, "below") ? ", and it is CPU work only: the sink's one-way latency "
                                           "also holds queueing, wake-ups and the wire"
                                         : "");
    else if (strcmp(where, "within"))
        snprintf(why, len, "%s",
                 !strcmp(where, "below")
                     ? "the model counts CPU work per packet; the sink's latency also holds "
                       "queueing between stages, wake-ups and batching delay"
                     : "per-packet work exceeds the measured latency: check the calibration");
    else
        why[0] = '\0';
    return where;
}

int ln_prof_report(struct ln_prof *p, const struct ln_prof_figs *f, FILE *out,
                   struct json_object **json)
{
    struct prof_nf_input *in = calloc((size_t)p->n + 1, sizeof(*in));
    if (!in)
        return -ENOMEM;
    if (!p->pcm_have && !p->pcm_reason[0])
        snprintf(p->pcm_reason, sizeof(p->pcm_reason),
                 "pcm did not run: the measurement window never closed");
    double window_s = f->window_s;
    for (int i = 0; i < p->n; i++) {
        const struct target *t = &p->t[i];
        const struct ln_nf_figures *fg = f->fig ? &f->fig[i] : NULL;
        struct prof_nf_input *x = &in[i];
        x->name = p->tg[i].name;
        x->cpu = p->tg[i].cpu;
        x->fused_head = p->tg[i].fused_head;
        x->policy = t->policy_seen[0] ? t->row : p->tg[i].policy;
        x->policy_seen = t->policy_seen[0] ? t->policy_seen : "as configured (not started here)";
        /* the NF's own figures: its stats page over the same window */
        bool stats = fg && fg->shares && fg->stats_ok;
        x->have_nf_calls = stats;
        if (stats) {
            x->nf_recvmmsg = fg->c.recvmmsg_calls;
            x->nf_sendmmsg = fg->c.sendmmsg_calls;
        }
        x->have_phases = stats && fg->c.phase == 1;
        if (x->have_phases) {
            x->phase_rx_waits = fg->c.phase_rx_waits;
            x->phase_rx_ns = (double)fg->c.phase_rx_ns;
            x->phase_pipe_ns = (double)fg->c.phase_pipe_ns;
            x->phase_tx_ns = (double)fg->c.phase_tx_ns;
        }
        x->phase_reason = !fg || !fg->shares ? "no stats page: not an scc-nf, or not sampled"
                          : !fg->stats_ok   ? "no stats page over the window (not an scc-nf of "
                                              "this run, or its page was unreadable at an edge)"
                                            : "a process of the window ran without --phase-timing";
        if (f->packets)
            x->packets = f->packets[i];
        else if (fg && fg->shares && fg->stats_ok)
            x->packets = fg->c.rx;
        int threads = t->threads_max > 0 ? t->threads_max : 1;
        x->thread_ns = window_s * 1e9 * threads;
        x->have_proc = fg && fg->shares && fg->proc_ok;
        if (x->have_proc)
            x->proc = fg->proc;
        x->proc_reason = fg && fg->shares ? "/proc was not readable at both edges of the window"
                                          : "the process was not sampled in the window";
        x->have_cputime = t->cpu_ok && !t->cpu_bad;
        x->user_ns = t->user_ns;
        x->sys_ns = t->sys_ns;
        /* fused NFs (one process for several): inside the group a hop is a
         * function call, so a member makes no system calls of its own; the
         * process's receive and send calls belong to the group's head,
         * where the tracepoints count them too (the sampler puts the send
         * side on the group's last NF: fold it back, or the chain would
         * count it twice). The process's user/system split is the group's,
         * not one NF's: left out. */
        int head = p->tg[i].fused_head - 1;
        if (head >= 0 && head < p->n) {
            x->have_cputime = false;
            if (head != i) {
                x->have_nf_calls = stats;
                x->nf_recvmmsg = x->nf_sendmmsg = 0;
                x->policy = in[head].policy;
                x->policy_seen = in[head].policy_seen;
            } else if (stats && f->fig) {
                for (int k = 0; k < p->n; k++)
                    if (k != i && p->tg[k].fused_head == i + 1 && f->fig[k].shares &&
                        f->fig[k].stats_ok)
                        x->nf_sendmmsg += f->fig[k].c.sendmmsg_calls;
            }
        }
        x->table = p->cpu_table && p->table.nevents ? &p->table : NULL;
        x->hw_reason = p->hw_reason;
        x->events = t->acc;
        x->nevents = t->nacc;
    }
    struct prof_model *m = prof_model_new(in, (size_t)p->n, p->have_cal ? &p->cal : NULL);
    free(in);
    if (!m)
        return -errno;
    const struct prof_nf_result *ch = prof_model_chain(m);
    char why[600];
    const char *where = compare_sink(ch, f->sink, why, sizeof(why));
    uint64_t launcher_cpu = p->cpu_close > p->cpu_open ? p->cpu_close - p->cpu_open : 0;
    int rc = 0;
    if (out) {
        fprintf(out, "\nprofile (measurement window, %.2f s)\n", window_s);
        if (!p->have_cal)
            fprintf(out, "  calibration: none — %s\n", p->cal_reason);
        else
            fprintf(out, "  calibration: %s (%s, %s)\n", p->cal_path, p->cal.created,
                    p->cal.cpu_model);
        if (!any_hw_available(p))
            fprintf(out, "  hardware counters: unavailable — %s\n", hw_unavailable_reason(p));
        if (p->tracefs_note[0])
            fprintf(out, "  tracepoints: %s\n", p->tracefs_note);
        pcm_text(p, out);
        if (prof_text_write(out, m) < 0)
            rc = -EIO;
        if (where)
            fprintf(out, "  model total %.0f ns/packet vs sink latency p1 %.0f / p50 %.0f / p99 %.0f "
                         "ns: %s%s%s\n",
                    ch->total_ns_per_pkt, (double)f->sink->lat.p1, (double)f->sink->lat.p50,
                    (double)f->sink->lat.p99, where, why[0] ? " — " : "", why);
        else
            fprintf(out, "  model total vs sink latency: not compared (%s)\n", why);
        /* the NFs' own measurement, same window: the model's CPU work per
         * packet against what the NFs timed */
        if (ch->measured_cpu_per_pkt.available)
            fprintf(out, "  measured CPU per packet (the NFs' phase sums%s) %.0f ns vs model total "
                         "%.0f ns%s\n",
                    ch->phase_rx_waits ? ", receive left out where it includes waiting" : "",
                    ch->measured_cpu_per_pkt.v, ch->total_ns_per_pkt,
                    ch->lacking ? " (the model lacks terms: see above)" : "");
        else
            fprintf(out, "  measured CPU per packet: unavailable (%s)\n",
                    ch->measured_cpu_per_pkt.reason);
        fprintf(out, "  profiler overhead: %u counters; opening %.2f ms (at process start, "
                     "outside the window), reading %.3f ms; launcher CPU in the window %.2f ms\n",
                p->opened_counters, p->open_ns / 1e6, p->read_ns / 1e6, launcher_cpu / 1e6);
        if (ferror(out))
            rc = -EIO;
    }
    if (json) {
        struct json_object *o = json_object_new_object();
        put(o, "version", json_object_new_int(1));
        struct json_object *spec = json_object_new_object();
        struct json_object *ev = json_object_new_array();
        for (int i = 0; i < p->nevents; i++)
            json_object_array_add(ev, jstr(p->events[i]));
        put(spec, "events", ev);
        put(spec, "interval_ms", json_object_new_int((int)p->interval_ms));
        put(spec, "calibration", p->spec_cal ? jstr(p->cal_path) : NULL);
        put(o, "spec", spec);
        put(o, "machine", machine_json(p));
        put(o, "calibration", calibration_json(p));
        put(o, "pcm", pcm_json(p));
        put(o, "window_s", json_object_new_double(window_s));
        struct json_object *nfs = json_object_new_array();
        for (size_t i = 0; i < prof_model_nnfs(m); i++) {
            struct json_object *r = result_json(prof_model_nf(m, i));
            put(r, "threads", json_object_new_int(p->t[i].threads_max));
            put(r, "shares", json_object_new_int(p->t[i].shares));
            put(r, "counters", counters_json(&p->t[i]));
            put(r, "nf_syscalls", nf_calls_json(&p->t[i], f->fig ? &f->fig[i] : NULL));
            json_object_array_add(nfs, r);
        }
        put(o, "nfs", nfs);
        put(o, "chain", result_json(ch));
        struct json_object *sk = json_object_new_object();
        const struct tr_sink_result *s = f->sink;
        bool lat = s && s->have_latency;
        struct json_object *pc = NULL;
        if (lat) {
            pc = json_object_new_object();
            put(pc, "p1", ju64(s->lat.p1));
            put(pc, "p25", ju64(s->lat.p25));
            put(pc, "p50", ju64(s->lat.p50));
            put(pc, "p75", ju64(s->lat.p75));
            put(pc, "p99", ju64(s->lat.p99));
        }
        put(sk, "latency_ns", pc);
        put(sk, "reason", lat ? NULL
                              : jstr(!s ? (f->sink_reason ? f->sink_reason : "no sink")
                                        : s->latency_off[0] ? s->latency_off : "no sample"));
        put(sk, "model_vs_sink", where ? jstr(where) : NULL);
        put(sk, "note", why[0] ? jstr(why) : NULL);
        put(o, "sink", sk);
        struct json_object *ov = json_object_new_object();
        put(ov, "counters", json_object_new_int((int)p->opened_counters));
        put(ov, "open_ns", ju64(p->open_ns));
        put(ov, "read_ns", ju64(p->read_ns));
        put(ov, "launcher_cpu_ns", ju64(launcher_cpu));
        put(o, "overhead", ov);
        put(o, "series", p->interval_ms ? series_json(p) : NULL);
        *json = o;
    }
    prof_model_free(m);
    return rc;
}

int ln_prof_list_events(FILE *out)
{
    char err[256], pmu[64] = "";
    const struct prof_event_table *mine = NULL;
    if (prof_events_init(err, sizeof(err)) == 0)
        prof_events_detect(pmu, sizeof(pmu), &mine);
    size_t nt;
    const struct prof_event_table *t = prof_events_tables(&nt);
    fprintf(out, "this CPU: libpfm4 PMU %s%s\n\n", pmu[0] ? pmu : "(none detected)",
            mine ? "" : " — no table: hardware terms will be unavailable");
    for (size_t i = 0; i < nt; i++) {
        fprintf(out, "%s hardware table %s (%s; libpfm4 PMUs:", &t[i] == mine ? "*" : " ",
                t[i].id, t[i].vendor);
        for (const char *const *pm = t[i].pmus; *pm; pm++)
            fprintf(out, " %s", *pm);
        fprintf(out, ")%s\n", &t[i] == mine ? "  <- this CPU" : "");
        for (size_t k = 0; k < t[i].nevents; k++) {
            const struct prof_event_def *d = &t[i].events[k];
            fprintf(out, "    %-52s %-5s %s\n", d->name,
                    d->use == PROF_EV_INFO ? "info" : prof_term_names[d->term], d->what);
        }
        fprintf(out, "    cannot give: %s\n\n", t[i].limits);
    }
    fprintf(out, "software events (group sched):\n");
    for (const char *const *s = sw_names; *s; s++)
        fprintf(out, "    %s\n", *s);
    fprintf(out, "\ntracepoints (group syscalls):\n");
    for (const char *const *s = prof_group_syscalls; *s; s++)
        fprintf(out, "    syscalls:sys_enter_%s\n", *s);
    fprintf(out, "\ngroups for profiler.events: default (memory, tlb, sched; and syscalls for "
                 "`scc profile -p`), memory (L_D*), tlb (L_T*), sched, syscalls\n");
    return ferror(out) ? -EIO : 0;
}
