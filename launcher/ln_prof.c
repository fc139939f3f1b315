/*
 * ln_prof — see ln_prof.h.
 */
#include "launcher/ln_prof.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
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
#define SCC_IV_MAX_TARGETS 64 /* packets_now's targets (scc profile -p's PIDs) */

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
    /* threads attached by a rescan while the window was open: counted
     * from their attach; their CPU time before it (schedstat at attach)
     * and the longest time from their start to their attach */
    int late_threads;
    double late_cpu_ns, late_lag_max_ns;
    /* interval mode: the previous deadline's cumulative figures */
    char stats_name[LN_STATS_NAME]; /* "" = no stats page */
    int stage;                      /* its row of the page; -1: the whole page */
    struct prof_count iv_prev[MAX_EV];
    bool iv_proc_ok, iv_stats_ok;
    struct prof_proc_sample iv_proc;
    pid_t iv_pid;                   /* the process iv_proc and iv_rx came from */
    uint64_t iv_rx, iv_rxcalls, iv_txcalls;
};

/* One NF (or the chain) over one interval: per-packet figures, NAN where
 * unknown (no packets, no source). */
struct ivl_fig {
    bool have_packets;
    uint64_t packets;
    double term[PROF_NTERMS];
    double total;
    unsigned lacking;
    double run, wait, cs, calls, nfcalls;
    double cpu;    /* CPUs busy: task-clock (every thread) / interval, else schedstat's */
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
    /* task-list rescans and interval mode's deadlines (absolute) */
    uint64_t next_scan, next_tick, last_tick;
    FILE *iv_out;
    int (*packets_now)(void *ctx, uint64_t *rx);
    void *packets_ctx;
    char packets_reason[160];
    bool iv_header;
    unsigned iv_lost;          /* intervals not recorded (out of memory) */
    size_t nivl, capivl;
    uint64_t *ivl_t, *ivl_dt;  /* [interval]: end since window open, length */
    struct ivl_fig *ivl_fig;   /* [interval][n + 1]: the targets, then the chain */
    double *ivl_ev;            /* [interval][n][MAX_EV]: counter deltas, NAN unknown */
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
        p->tg[i].stats_name = NULL; /* kept in t[i] */
        const char *sn = cfg->targets[i].stats_name;
        snprintf(p->t[i].stats_name, sizeof(p->t[i].stats_name), "%s", sn ? sn : "");
        int head = cfg->targets[i].fused_head - 1;
        p->t[i].stage = head >= 0 ? i - head : -1;
    }
    for (int i = 0; i < ne; i++)
        if (!(p->events[i] = strdup(cfg->nevents > 0 ? cfg->events[i] : "default")))
            goto nomem;
    p->nevents = ne;
    p->interval_ms = cfg->interval_ms;
    p->iv_out = cfg->interval_out;
    p->packets_now = cfg->packets_now;
    p->packets_ctx = cfg->packets_ctx;
    snprintf(p->packets_reason, sizeof(p->packets_reason), "%s",
             cfg->packets_reason ? cfg->packets_reason : "no packet source for an interval");
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
    free(p->ivl_t);
    free(p->ivl_dt);
    free(p->ivl_fig);
    free(p->ivl_ev);
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

/* What thread tid of pid did before a rescan attached it: its CPU time
 * (/proc/PID/task/TID/schedstat: ns, exact) and the time since it
 * started (/proc/PID/task/TID/stat starttime: clock ticks since boot, so
 * 10 ms resolution at USER_HZ 100). false when unreadable. */
static bool thread_before(pid_t pid, pid_t tid, double *cpu_ns, double *age_ns)
{
    char path[96], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
    FILE *f = fopen(path, "re");
    unsigned long long run = 0, start = 0;
    bool ok = f && fscanf(f, "%llu", &run) == 1;
    if (f)
        fclose(f);
    if (!ok)
        return false;
    *cpu_ns = (double)run;
    *age_ns = 0;
    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    if (!(f = fopen(path, "re")))
        return true;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* fields restart after the comm's last ')': starttime is field 22 */
    const char *c = strrchr(buf, ')');
    long hz = sysconf(_SC_CLK_TCK);
    struct timespec now;
    if (c && hz > 0 && clock_gettime(CLOCK_BOOTTIME, &now) == 0 &&
        sscanf(c + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
                      "%*d %*d %llu",
               &start) == 1) {
        double age = (double)now.tv_sec * 1e9 + (double)now.tv_nsec - (double)start * 1e9 / (double)hz;
        *age_ns = age > 0 ? age : 0;
    }
    return true;
}

/* Open the counters of one thread; with the window open its baseline is
 * read at once. late: found by a rescan inside the window (a thread
 * started since the last scan): what it did before is measured. */
static int open_thread(struct ln_prof *p, struct target *t, pid_t tid, bool late)
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
    double cpu_before = 0, age = 0;
    bool before = late && p->open && thread_before(t->pid, tid, &cpu_before, &age);
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
    if (before && avail > 0) {
        t->late_threads++;
        t->late_cpu_ns += cpu_before;
        if (age > t->late_lag_max_ns)
            t->late_lag_max_ns = age;
    }
    return avail == -ESRCH ? -ESRCH : 0;
}

/* Open every thread of t's process not yet counted (/proc/PID/task). */
static void scan_threads(struct ln_prof *p, struct target *t, bool late)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)t->pid);
    DIR *d = opendir(path);
    if (!d) {
        open_thread(p, t, t->pid, false);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
            open_thread(p, t, (pid_t)atoi(de->d_name), late);
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
    scan_threads(p, t, false);
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

/* ---- interval mode --------------------------------------------------------- */

/* The first deadline of a grid origin + k x period after now: a late
 * caller never shifts the grid (no drift), it only skips missed points. */
static uint64_t grid_next(uint64_t origin, uint64_t period, uint64_t now)
{
    return now < origin ? origin + period : origin + ((now - origin) / period + 1) * period;
}

static uint64_t scan_period_ns(const struct ln_prof *p)
{
    unsigned ms = p->interval_ms && p->interval_ms < LN_PROF_RESCAN_MS ? p->interval_ms
                                                                       : LN_PROF_RESCAN_MS;
    return (uint64_t)ms * 1000000ull;
}

/* Target t's counts since the window opened, as of the threads' last
 * reads: the shares already added plus every live thread's count since its
 * baseline. Returns how many events out holds (MAX_EV entries). */
static size_t cum_events(const struct target *t, struct prof_group_event *out)
{
    size_t n = t->nacc;
    memcpy(out, t->acc, n * sizeof(*out));
    for (size_t k = 0; k < t->nthr; k++) {
        const struct thr *th = &t->thr[k];
        if (!th->have_base)
            continue;
        size_t ne = prof_group_nevents(th->g);
        if (ne > MAX_EV)
            ne = MAX_EV;
        for (; n < ne; n++) { /* the first share: names from this thread */
            const struct prof_group_event *x = prof_group_event(th->g, n);
            memset(&out[n], 0, sizeof(out[n]));
            snprintf(out[n].name, sizeof(out[n].name), "%s", x->name);
            out[n].src = x->src;
            out[n].def = x->def;
            out[n].group = -1;
        }
        for (size_t e = 0; e < ne; e++) {
            struct prof_group_event x = *prof_group_event(th->g, e);
            if (x.available)
                x.count = prof_count_delta(&th->base[e], &x.count);
            prof_group_event_merge(&out[e], &x);
        }
    }
    return n;
}

/* b - a of two cumulative sums of one event (summed over threads, each
 * already scaled: the values subtract, like the times). */
static struct prof_count count_diff(const struct prof_count *a, const struct prof_count *b)
{
    struct prof_count d = {0};
    d.raw = b->raw >= a->raw ? b->raw - a->raw : 0;
    d.enabled_ns = b->enabled_ns >= a->enabled_ns ? b->enabled_ns - a->enabled_ns : 0;
    d.running_ns = b->running_ns >= a->running_ns ? b->running_ns - a->running_ns : 0;
    d.counted = d.running_ns > 0;
    d.scaled = d.counted && d.running_ns < d.enabled_ns;
    d.value = d.counted && b->value > a->value ? b->value - a->value : 0;
    return d;
}

/* What target i's model input needs besides the counts: its identity,
 * policy and hardware table (the report and every interval alike). */
static void fill_common(const struct ln_prof *p, int i, struct prof_nf_input *x)
{
    const struct target *t = &p->t[i];
    x->name = p->tg[i].name;
    x->cpu = p->tg[i].cpu;
    x->fused_head = p->tg[i].fused_head;
    x->policy = t->policy_seen[0] ? t->row : p->tg[i].policy;
    x->policy_seen = t->policy_seen[0] ? t->policy_seen : "as configured (not started here)";
    x->table = p->cpu_table && p->table.nevents ? &p->table : NULL;
    x->hw_reason = p->hw_reason;
}

/* The stats page of target t now (its stage's row for a fused member). */
static bool stats_now(const struct target *t, struct ln_nf_sample *s)
{
    if (!t->stats_name[0])
        return false;
    if (t->stage >= 0)
        ln_nf_sample_stage(t->stats_name, 0, t->stage, s);
    else
        ln_nf_sample(t->stats_name, 0, s);
    return s->have_stats;
}

/* Every target's edge figures (/proc, stats page, packets) at an interval
 * boundary; with in != NULL, the deltas since the previous one go into
 * in[i] (packets, proc, the NF's calls) and have[i] says whether packets
 * are known. */
static void iv_edges(struct ln_prof *p, struct prof_nf_input *in, bool *have)
{
    uint64_t ext[SCC_IV_MAX_TARGETS];
    bool ext_ok = p->packets_now && p->n <= SCC_IV_MAX_TARGETS &&
                  p->packets_now(p->packets_ctx, ext) == 0;
    for (int i = 0; i < p->n; i++) {
        struct target *t = &p->t[i];
        /* a fused member has no process of its own: its row of the stats
         * page is its head's process's, and so is /proc (kept on the head) */
        int head = p->tg[i].fused_head - 1;
        bool member = head >= 0 && head < p->n && head != i;
        pid_t pid = member ? p->t[head].pid : t->pid;
        bool same = pid && pid == t->iv_pid;
        struct prof_proc_sample ps;
        bool proc = pid && !member && prof_proc_sample(pid, &ps) == 0;
        if (in && proc && same && t->iv_proc_ok) {
            memset(&in[i].proc, 0, sizeof(in[i].proc));
            in[i].have_proc = prof_proc_accumulate(&in[i].proc, &t->iv_proc, &ps) == 0;
        }
        if (in && !in[i].have_proc)
            in[i].proc_reason = !pid     ? "no live process"
                                : member ? "a fused member: its group's /proc is on the head"
                                : !same  ? "the process changed in the interval (a restart)"
                                         : "/proc was not readable at both edges of the interval";
        t->iv_proc_ok = proc;
        if (proc)
            t->iv_proc = ps;
        /* packets: the stats page, else the caller's source */
        struct ln_nf_sample s;
        bool st = pid && stats_now(t, &s);
        uint64_t rx = st ? s.c.rx : ext_ok ? ext[i] : 0;
        bool rx_ok = st || (!t->stats_name[0] && ext_ok);
        if (in && rx_ok && t->iv_stats_ok && (same || !st) && rx >= t->iv_rx) {
            in[i].packets = rx - t->iv_rx;
            have[i] = true;
            if (st && s.c.recvmmsg_calls >= t->iv_rxcalls && s.c.sendmmsg_calls >= t->iv_txcalls) {
                in[i].have_nf_calls = true;
                in[i].nf_recvmmsg = s.c.recvmmsg_calls - t->iv_rxcalls;
                in[i].nf_sendmmsg = s.c.sendmmsg_calls - t->iv_txcalls;
            }
        }
        t->iv_stats_ok = rx_ok;
        t->iv_rx = rx;
        t->iv_rxcalls = st ? s.c.recvmmsg_calls : 0;
        t->iv_txcalls = st ? s.c.sendmmsg_calls : 0;
        t->iv_pid = pid;
    }
}

static int iv_grow(struct ln_prof *p)
{
    if (p->nivl < p->capivl)
        return 0;
    size_t cap = p->capivl ? p->capivl * 2 : 64, n = (size_t)p->n;
    uint64_t *a = realloc(p->ivl_t, cap * sizeof(*a));
    if (!a)
        return -ENOMEM;
    p->ivl_t = a;
    if (!(a = realloc(p->ivl_dt, cap * sizeof(*a))))
        return -ENOMEM;
    p->ivl_dt = a;
    struct ivl_fig *f = realloc(p->ivl_fig, cap * (n + 1) * sizeof(*f));
    if (!f)
        return -ENOMEM;
    p->ivl_fig = f;
    double *v = realloc(p->ivl_ev, cap * n * MAX_EV * sizeof(*v));
    if (!v)
        return -ENOMEM;
    p->ivl_ev = v;
    p->capivl = cap;
    return 0;
}

static double fig_v(const struct prof_figure *f)
{
    return f->available ? f->v : NAN;
}

static void iv_fig(struct ivl_fig *o, const struct prof_nf_result *r, bool have_packets)
{
    memset(o, 0, sizeof(*o));
    o->have_packets = have_packets;
    o->packets = r->packets;
    bool pk = have_packets && r->packets > 0;
    for (int k = 0; k < PROF_NTERMS; k++)
        o->term[k] = pk && r->term[k].available ? r->term[k].ns_per_pkt : NAN;
    o->lacking = r->lacking;
    o->total = pk && r->lacking != (1u << PROF_NTERMS) - 1 ? r->total_ns_per_pkt : NAN;
    o->run = pk ? fig_v(&r->run_ns_per_pkt) : NAN;
    o->wait = pk ? fig_v(&r->wait_ns_per_pkt) : NAN;
    o->cs = pk ? fig_v(&r->switches_per_pkt) : NAN;
    o->calls = pk ? fig_v(&r->syscalls_per_pkt) : NAN;
    o->nfcalls = pk ? fig_v(&r->nf_syscalls_per_pkt) : NAN;
    o->cpu = NAN;
}

static void iv_num(FILE *out, int w, const char *fmt, double v)
{
    if (isnan(v))
        fprintf(out, " %*s", w, "-");
    else
        fprintf(out, fmt, w, v);
}

/* One line per NF (and the chain) for interval k, like `perf stat -I`. */
static void iv_print(struct ln_prof *p, size_t k)
{
    FILE *out = p->iv_out;
    if (!p->iv_header) {
        fprintf(out, "# interval mode: every %u ms, per packet over each interval (- = unknown: "
                     "no packets, or no source)\n"
                     "#   time_s  %-16s %6s %9s %11s %11s %8s %9s %12s  %s\n",
                p->interval_ms, "nf", "cpus", "packets", "run_ns", "wait_ns", "cs", "calls",
                "model_ns", "model lacks");
        for (int i = 0; i < p->n; i++)
            if (!p->t[i].stats_name[0] && !p->packets_now) {
                fprintf(out, "# packets: %s\n", p->packets_reason);
                break;
            }
        p->iv_header = true;
    }
    int rows = p->n > 1 ? p->n + 1 : p->n;
    for (int i = 0; i < rows; i++) {
        const struct ivl_fig *f = &p->ivl_fig[k * (size_t)(p->n + 1) + (size_t)i];
        char lack[128];
        prof_model_lacking_str(f->lacking, lack, sizeof(lack));
        fprintf(out, "%10.3f  %-16.16s", (double)p->ivl_t[k] / 1e9, i < p->n ? p->tg[i].name : "chain");
        iv_num(out, 6, " %*.2f", f->cpu);
        if (f->have_packets)
            fprintf(out, " %9llu", (unsigned long long)f->packets);
        else
            fprintf(out, " %9s", "-");
        iv_num(out, 11, " %*.1f", f->run);
        iv_num(out, 11, " %*.1f", f->wait);
        iv_num(out, 8, " %*.3f", f->cs);
        iv_num(out, 9, " %*.3f", isnan(f->calls) ? f->nfcalls : f->calls);
        iv_num(out, 12, " %*.1f", f->total);
        fprintf(out, "  %s\n", isnan(f->total) ? "" : lack[0] ? lack : "none");
    }
    fflush(out);
}

/* Read every counter (without stopping it) and turn the deltas since the
 * previous deadline into interval k's figures. */
static int iv_sample(struct ln_prof *p, uint64_t now)
{
    if (iv_grow(p) < 0)
        return -ENOMEM;
    size_t n = (size_t)p->n, k = p->nivl;
    struct prof_nf_input *in = calloc(n, sizeof(*in));
    struct prof_group_event *ev = malloc(n * MAX_EV * sizeof(*ev));
    bool *have = calloc(n, sizeof(*have));
    double *cpu = calloc(n, sizeof(*cpu));
    if (!in || !ev || !have || !cpu) {
        free(cpu);
        free(in);
        free(ev);
        free(have);
        return -ENOMEM;
    }
    uint64_t t0 = scc_now_ns(), dt = now - p->last_tick;
    for (size_t i = 0; i < n; i++) {
        struct target *t = &p->t[i];
        int live = 0;
        for (size_t h = 0; h < t->nthr; h++)
            if (t->thr[h].have_base) {
                prof_group_read(t->thr[h].g);
                live++;
            }
        struct prof_group_event *e = ev + i * MAX_EV;
        size_t ne = cum_events(t, e);
        double *row = p->ivl_ev + (k * n + i) * MAX_EV;
        for (size_t x = 0; x < MAX_EV; x++) {
            if (x >= ne) {
                row[x] = NAN;
                continue;
            }
            struct prof_count c = e[x].count;
            e[x].count = count_diff(&t->iv_prev[x], &c);
            t->iv_prev[x] = c;
            row[x] = e[x].available && e[x].count.counted ? e[x].count.value : NAN;
        }
        cpu[i] = NAN;
        for (size_t x = 0; x < ne; x++)
            if (!strcmp(e[x].name, "task-clock") && !isnan(row[x]) && dt)
                cpu[i] = row[x] / (double)dt;
        fill_common(p, (int)i, &in[i]);
        in[i].events = e;
        in[i].nevents = ne;
        in[i].thread_ns = (double)dt * (live > 0 ? live : 1);
        in[i].phase_reason = "interval mode reports no phases";
    }
    iv_edges(p, in, have);
    p->read_ns += scc_now_ns() - t0;
    /* fused groups, as in the window's report: a member makes no system
     * call of its own (the page's send side on the last stage goes back
     * to the head, where the tracepoints count it) and runs under its
     * head's policy */
    for (size_t i = 0; i < n; i++) {
        int head = p->tg[i].fused_head - 1;
        if (head < 0 || head >= (int)n || head == (int)i)
            continue;
        if (in[i].have_nf_calls && in[head].have_nf_calls)
            in[head].nf_sendmmsg += in[i].nf_sendmmsg;
        in[i].nf_recvmmsg = in[i].nf_sendmmsg = 0;
        in[i].policy = in[head].policy;
        in[i].policy_seen = in[head].policy_seen;
    }
    for (size_t i = 0; i < n; i++)
        if (!have[i])
            in[i].packets = 0;
    struct prof_model *m = prof_model_new(in, n, p->have_cal ? &p->cal : NULL);
    int rc = m ? 0 : -errno;
    if (m) {
        bool all = true;
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            struct ivl_fig *f = &p->ivl_fig[k * (n + 1) + i];
            iv_fig(f, prof_model_nf(m, i), have[i]);
            all &= have[i];
            if (isnan(cpu[i]) && in[i].have_proc && dt)
                cpu[i] = (double)in[i].proc.run_ns / (double)dt;
            f->cpu = cpu[i];
            sum += cpu[i];
        }
        iv_fig(&p->ivl_fig[k * (n + 1) + n], prof_model_chain(m), all);
        p->ivl_fig[k * (n + 1) + n].cpu = sum;
        p->ivl_t[k] = now - p->t_open;
        p->ivl_dt[k] = dt;
        p->nivl++;
        if (p->iv_out)
            iv_print(p, k);
    }
    p->last_tick = now;
    prof_model_free(m);
    free(cpu);
    free(in);
    free(ev);
    free(have);
    return rc;
}

int ln_prof_tick(struct ln_prof *p)
{
    if (!p->open)
        return 0;
    uint64_t now = scc_now_ns();
    bool tick = p->interval_ms && now >= p->next_tick;
    if (now >= p->next_scan || tick) {
        /* threads started since the last scan: counted from now on */
        for (int i = 0; i < p->n; i++)
            if (p->t[i].pid)
                scan_threads(p, &p->t[i], true);
        p->next_scan = grid_next(p->t_open, scan_period_ns(p), now);
    }
    if (!tick)
        return 0;
    p->next_tick = grid_next(p->t_open, (uint64_t)p->interval_ms * 1000000ull, now);
    int r = iv_sample(p, now);
    p->iv_lost += r < 0;
    return r;
}

uint64_t ln_prof_deadline(const struct ln_prof *p)
{
    if (!p->open)
        return 0;
    return p->interval_ms && p->next_tick < p->next_scan ? p->next_tick : p->next_scan;
}

static void on_open(void *ctx, enum ln_window w)
{
    struct ln_prof *p = ctx;
    if (w != LN_WIN_MEASURE || p->open)
        return;
    p->open = true;
    p->t_open = scc_now_ns();
    p->cpu_open = cpu_now();
    pcm_start(p);
    for (int i = 0; i < p->n; i++) {
        struct target *t = &p->t[i];
        memset(t->iv_prev, 0, sizeof(t->iv_prev));
        if (!t->pid)
            continue;
        scan_threads(p, t, false); /* threads started since the process did */
        read_policy(p, i);  /* what it runs under in the window */
        for (size_t k = 0; k < t->nthr; k++)
            read_base(p, &t->thr[k]);
        cpu_base(t, false);
    }
    if (p->interval_ms)
        iv_edges(p, NULL, NULL);
    /* the grid starts after the baselines: an interval holds what the
     * counters counted since they were read */
    p->last_tick = scc_now_ns();
    p->next_tick = p->t_open + (uint64_t)p->interval_ms * 1000000ull;
    p->next_scan = p->t_open + scan_period_ns(p);
}

static void on_close(void *ctx, enum ln_window w)
{
    struct ln_prof *p = ctx;
    if (w != LN_WIN_MEASURE || !p->open)
        return;
    /* the last, partial interval: the intervals add up to the window */
    uint64_t now = scc_now_ns();
    if (p->interval_ms && now > p->last_tick + 1000000ull && iv_sample(p, now) < 0)
        p->iv_lost++;
    p->next_scan = p->next_tick = 0;
    for (int i = 0; i < p->n; i++)
        if (p->t[i].pid)
            add_share(p, &p->t[i]);
    p->open = false;
    p->t_close = scc_now_ns();
    p->cpu_close = cpu_now();
    pcm_finish(p, true);
}

static struct json_object *jnum(double v)
{
    return isnan(v) ? NULL : json_object_new_double(v);
}

static struct json_object *iv_fig_json(const struct ivl_fig *f, const char *name)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "packets",
                           f->have_packets ? json_object_new_int64((int64_t)f->packets) : NULL);
    json_object_object_add(o, "cpus", jnum(f->cpu));
    json_object_object_add(o, "run_ns_per_packet", jnum(f->run));
    json_object_object_add(o, "wait_ns_per_packet", jnum(f->wait));
    json_object_object_add(o, "switches_per_packet", jnum(f->cs));
    json_object_object_add(o, "syscalls_per_packet", jnum(f->calls));
    json_object_object_add(o, "nf_syscalls_per_packet", jnum(f->nfcalls));
    struct json_object *terms = json_object_new_object();
    for (int k = 0; k < PROF_NTERMS; k++)
        json_object_object_add(terms, prof_term_names[k], jnum(f->term[k]));
    json_object_object_add(o, "terms", terms);
    json_object_object_add(o, "total_ns_per_packet", jnum(f->total));
    struct json_object *lack = json_object_new_array();
    for (int k = 0; k < PROF_NTERMS; k++)
        if (f->lacking & (1u << k))
            json_object_array_add(lack, json_object_new_string(prof_term_names[k]));
    json_object_object_add(o, "lacking", lack);
    return o;
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

static struct json_object *intervals_json(const struct ln_prof *p)
{
    struct json_object *a = json_object_new_array();
    size_t n = (size_t)p->n;
    for (size_t k = 0; k < p->nivl; k++) {
        struct json_object *iv = json_object_new_object(), *nfs = json_object_new_array();
        json_object_object_add(iv, "t_s", json_object_new_double((double)p->ivl_t[k] / 1e9));
        json_object_object_add(iv, "dt_s", json_object_new_double((double)p->ivl_dt[k] / 1e9));
        for (size_t i = 0; i < n; i++) {
            struct json_object *nf = iv_fig_json(&p->ivl_fig[k * (n + 1) + i], p->tg[i].name);
            struct json_object *c = json_object_new_object();
            for (size_t e = 0; e < MAX_EV; e++) {
                const char *name = event_name(p, (int)i, e);
                if (!name)
                    break;
                json_object_object_add(c, name, jnum(p->ivl_ev[(k * n + i) * MAX_EV + e]));
            }
            json_object_object_add(nf, "counters", c);
            json_object_array_add(nfs, nf);
        }
        json_object_object_add(iv, "nfs", nfs);
        json_object_object_add(iv, "chain", iv_fig_json(&p->ivl_fig[k * (n + 1) + n], "chain"));
        json_object_array_add(a, iv);
    }
    return a;
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

/* Threads that started inside the window: attached by a rescan, counted
 * from then; what they did before is lost (their CPU time then, and the
 * longest start-to-attach time). */
static struct json_object *late_json(const struct target *t)
{
    struct json_object *o = json_object_new_object();
    put(o, "count", json_object_new_int(t->late_threads));
    put(o, "cpu_ns_before_attach", json_object_new_double(t->late_cpu_ns));
    put(o, "max_lag_ms", json_object_new_double(t->late_lag_max_ns / 1e6));
    return o;
}

static void late_text(const struct ln_prof *p, FILE *out)
{
    for (int i = 0; i < p->n; i++) {
        const struct target *t = &p->t[i];
        if (!t->late_threads)
            continue;
        fprintf(out, "  %s: %d thread%s started in the window, counted from their attach (at "
                     "most %.0f ms after start, rescans every %llu ms); not counted: their "
                     "%.2f ms of CPU before it\n",
                p->tg[i].name, t->late_threads, t->late_threads == 1 ? "" : "s",
                t->late_lag_max_ns / 1e6, (unsigned long long)(scan_period_ns(p) / 1000000ull),
                t->late_cpu_ns / 1e6);
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
        fill_common(p, i, x);
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
        late_text(p, out);
        fprintf(out, "  profiler overhead: %u counters; opening %.2f ms (at process start, "
                     "outside the window), reading %.3f ms; launcher CPU in the window %.2f ms "
                     "(%.3f ms per second)\n",
                p->opened_counters, p->open_ns / 1e6, p->read_ns / 1e6, launcher_cpu / 1e6,
                window_s > 0 ? launcher_cpu / 1e6 / window_s : 0.0);
        if (p->iv_lost)
            fprintf(out, "  interval mode: %u intervals not recorded (out of memory)\n", p->iv_lost);
        if (ferror(out))
            rc = -EIO;
    }
    if (json) {
        struct json_object *o = json_object_new_object();
        put(o, "version", json_object_new_int(2));
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
            put(r, "late_threads", late_json(&p->t[i]));
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
        put(ov, "launcher_cpu_ms_per_s",
            json_object_new_double(window_s > 0 ? launcher_cpu / 1e6 / window_s : 0.0));
        put(o, "overhead", ov);
        put(o, "intervals", p->interval_ms ? intervals_json(p) : NULL);
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
