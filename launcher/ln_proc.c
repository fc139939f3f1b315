/*
 * ln_proc — the supervisor of a run's processes (see ln_proc.h).
 *
 * Signals are blocked and taken synchronously through a signalfd, so no
 * handler ever runs in the middle of set-up or teardown; children are
 * reaped in two steps (waitid WNOWAIT, exit hooks, waitpid) so a hook can
 * still read the dead process's /proc figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "launcher/ln_exec.h"
#include "launcher/ln_proc.h"

struct child {
    pid_t pid;
    int stage;           /* index into plan->stages */
    bool exited;
    int status;
    int restarts;
};

#define LN_MAX_HOOKS 4
#define LN_MAX_RESTARTS 5

struct ln_proc {
    struct ln_proc_cfg cfg;
    struct ln_state *state;
    struct child kids[LN_MAX_STAGES];
    int nkids;
    bool stop;             /* SIGINT/SIGTERM seen */
    int failed_stage;      /* stage of an NF (or traffic tool) that died, or -1 */
    struct ln_hooks hooks[LN_MAX_HOOKS];
    int nhooks;
    int sigfd;             /* signalfd for SIGINT/SIGTERM/SIGCHLD, -1 before */
    int notify_fd;         /* read end of the sink's window FIFO, -1 when none */
    bool sink_window_open, sink_window_closed;
};

/* ---- argv ---------------------------------------------------------------- */

const char *ln_argv_fmt(struct ln_argv *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *at = b->store + b->used;
    int n = vsnprintf(at, sizeof(b->store) - b->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(b->store) - b->used)
        return "";
    b->used += (size_t)n + 1;
    return at;
}

void ln_argv_add(struct ln_argv *b, const char *s)
{
    if (b->n < 63)
        b->argv[b->n++] = s;
    b->argv[b->n] = NULL;
}

/* ---- life cycle ------------------------------------------------------------ */

struct ln_proc *ln_proc_new(const struct ln_proc_cfg *cfg)
{
    struct ln_proc *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->cfg = *cfg;
    p->failed_stage = -1;
    p->sigfd = -1;
    p->notify_fd = -1;
    return p;
}

void ln_proc_free(struct ln_proc *p)
{
    if (!p)
        return;
    if (p->notify_fd >= 0)
        close(p->notify_fd);
    if (p->sigfd >= 0)
        close(p->sigfd);
    free(p);
}

int ln_proc_add_hooks(struct ln_proc *p, const struct ln_hooks *h)
{
    if (p->nhooks == LN_MAX_HOOKS)
        return -ENOSPC;
    p->hooks[p->nhooks++] = *h;
    return 0;
}

int ln_proc_take_signals(struct ln_proc *p)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    p->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return p->sigfd < 0 ? -errno : 0;
}

void ln_proc_set_state(struct ln_proc *p, struct ln_state *state)
{
    p->state = state;
}

bool ln_proc_stopping(const struct ln_proc *p)
{
    return p->stop;
}

int ln_proc_failed_stage(const struct ln_proc *p)
{
    return p->failed_stage;
}

bool ln_proc_window_closed(const struct ln_proc *p)
{
    return p->sink_window_closed;
}

/* ---- run hooks (ln_hooks.h) --------------------------------------------- */

static int hooks_nf_started(struct ln_proc *p, int nf, pid_t pid, int incarnation)
{
    for (int i = 0; i < p->nhooks; i++)
        if (p->hooks[i].nf_started && p->hooks[i].nf_started(p->hooks[i].ctx, nf, pid, incarnation))
            return -1;
    return 0;
}

static void hooks_nf_exited(struct ln_proc *p, int nf, pid_t pid, int status)
{
    for (int i = 0; i < p->nhooks; i++)
        if (p->hooks[i].nf_exited)
            p->hooks[i].nf_exited(p->hooks[i].ctx, nf, pid, status);
}

void ln_proc_window(struct ln_proc *p, enum ln_window w, bool open)
{
    for (int i = 0; i < p->nhooks; i++) {
        if (open && p->hooks[i].window_open)
            p->hooks[i].window_open(p->hooks[i].ctx, w);
        if (!open && p->hooks[i].window_close)
            p->hooks[i].window_close(p->hooks[i].ctx, w);
    }
}

/* ---- spawning ------------------------------------------------------------ */

int ln_proc_spawn(struct ln_proc *p, int s, const struct ln_argv *b)
{
    char line[2048];
    ln_argv_format(b->argv, line, sizeof(line));
    if (ln_dry_run) {
        printf("  %s\n", line);
        return 0;
    }
    const struct ln_plan *plan = p->cfg.plan;
    const struct ln_stage *st = &plan->stages[s];
    struct ln_spawn_opts o = {.new_pgrp = true};
    if (st->nf >= 0)
        o.cpus = &p->cfg.chain->nfs[st->nf].cpus;
    else
        o.cpus = s == 0 ? &p->cfg.placement->gen : &p->cfg.placement->sink;
    char errpath[600];
    snprintf(errpath, sizeof(errpath), "%s/%s.%s.log", ln_state_dir(), plan->state_name,
             st->name);
    if (ln_state_add(p->state, "file %s", errpath) < 0)
        return -1;
    if (st->nf >= 0) { /* an NF killed by a signal cannot remove its stats page */
        char shm[160];
        snprintf(shm, sizeof(shm), "/dev/shm/scc-nf-%s", p->cfg.stats_name[st->nf]);
        if (ln_state_add(p->state, "file %s", shm) < 0)
            return -1;
    }
    o.stderr_path = errpath;
    char outpath[600];
    if (st->nf < 0) { /* gen/sink summaries: the launcher prints its own report */
        snprintf(outpath, sizeof(outpath), "%s/%s.%s.out", ln_state_dir(), plan->state_name,
                 st->name);
        if (ln_state_add(p->state, "file %s", outpath) < 0)
            return -1;
        o.stdout_path = outpath;
    }
    pid_t pid = ln_spawn(b->argv, &o);
    if (pid < 0) {
        scc_err("cannot start %s: %s", st->name, strerror((int)-pid));
        return -1;
    }
    /* journal right away; the start time names this exact process */
    unsigned long long start = 0;
    for (int i = 0; i < 50 && !(start = ln_proc_starttime(pid)); i++)
        ln_sleep_ms(1);
    if (ln_state_add(p->state, "pid %d %llu %s", (int)pid, start, st->name) < 0) {
        /* unjournaled, `scc cleanup` could not find it: don't run it */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        scc_err("cannot journal %s (pid %d); stopped it", st->name, (int)pid);
        return -1;
    }
    struct child *k = NULL;
    for (int i = 0; i < p->nkids; i++)
        if (p->kids[i].stage == s)
            k = &p->kids[i];
    if (!k)
        k = &p->kids[p->nkids++];
    int restarts = k->restarts;
    *k = (struct child){.pid = pid, .stage = s, .restarts = restarts};
    scc_dbg("started %s: pid %d: %s", st->name, (int)pid, line);
    if (st->nf >= 0 && hooks_nf_started(p, st->nf, pid, restarts) < 0)
        return -1;
    return 0;
}

void ln_proc_log_tail(const struct ln_proc *p, int stage)
{
    const struct ln_stage *st = &p->cfg.plan->stages[stage];
    char path[600], line[512];
    snprintf(path, sizeof(path), "%s/%s.%s.log", ln_state_dir(), p->cfg.plan->state_name,
             st->name);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        fprintf(stderr, "  %s: %s", st->name, line);
    fclose(f);
}

/* ---- reaping ------------------------------------------------------------- */

static struct child *child_by_pid(struct ln_proc *p, pid_t pid)
{
    for (int i = 0; i < p->nkids; i++)
        if (p->kids[i].pid == pid && !p->kids[i].exited)
            return &p->kids[i];
    return NULL;
}

/* Take the next exited child without reaping it (so hooks can still read
 * its /proc figures), call the exit hooks, then reap it. Returns its pid
 * (0: none) and its wait status in *status. */
static pid_t reap_one(struct ln_proc *p, int *status)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
        return 0;
    pid_t pid = si.si_pid;
    struct child *k = child_by_pid(p, pid);
    if (k && p->cfg.plan->stages[k->stage].nf >= 0) {
        int ws = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : si.si_status & 0x7f;
        hooks_nf_exited(p, p->cfg.plan->stages[k->stage].nf, pid, ws);
    }
    if (waitpid(pid, status, 0) < 0)
        *status = 0;
    return pid;
}

bool ln_proc_reap(struct ln_proc *p)
{
    int st;
    pid_t pid;
    bool fatal = false;
    while ((pid = reap_one(p, &st)) > 0) {
        struct child *k = child_by_pid(p, pid);
        if (!k)
            continue;
        k->exited = true;
        k->status = st;
        const struct ln_stage *s = &p->cfg.plan->stages[k->stage];
        if (p->stop)
            continue; /* we are stopping it */
        if (s->nf < 0) {
            /* a traffic tool killed mid-run (its exit status is its own
             * verdict, read from its results): the run's figures would be
             * partial, so it stops and fails, saying why */
            if (!WIFSIGNALED(st))
                continue;
            scc_err("the %s (pid %d) was killed by signal %d (%s); its results are lost",
                    k->stage == 0 ? "generator" : "sink", (int)pid, WTERMSIG(st),
                    strsignal(WTERMSIG(st)));
            ln_proc_log_tail(p, k->stage);
            p->failed_stage = k->stage;
            fatal = true;
            continue;
        }
        char how[64];
        if (WIFSIGNALED(st))
            snprintf(how, sizeof(how), "was killed by signal %d (%s)", WTERMSIG(st),
                     strsignal(WTERMSIG(st)));
        else
            snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(st));
        scc_err("NF %s (pid %d) %s", s->name, (int)pid, how);
        ln_proc_log_tail(p, k->stage);
        const struct scc_nf_spec *nf = &p->cfg.chain->nfs[s->nf];
        if (nf->restart == SCC_RESTART_ON_FAILURE && k->restarts < LN_MAX_RESTARTS) {
            k->restarts++;
            scc_warn("restarting NF %s (restart %d of %d)", s->name, k->restarts,
                     LN_MAX_RESTARTS);
            struct ln_argv b;
            memset(&b, 0, sizeof(b));
            p->cfg.nf_argv(p->cfg.ctx, k->stage, &b);
            if (ln_proc_spawn(p, k->stage, &b) == 0)
                continue;
        }
        p->failed_stage = k->stage;
        fatal = true;
    }
    return fatal;
}

bool ln_proc_alive(const struct ln_proc *p, int stage)
{
    for (int i = 0; i < p->nkids; i++)
        if (p->kids[i].stage == stage)
            return !p->kids[i].exited;
    return false;
}

void ln_proc_stop_all(struct ln_proc *p)
{
    for (int i = 0; i < p->nkids; i++)
        if (!p->kids[i].exited)
            kill(p->kids[i].pid, SIGTERM);
    for (int t = 0; t < 300; t++) {
        bool any = false;
        int st;
        pid_t pid;
        while ((pid = reap_one(p, &st)) > 0) {
            struct child *k = child_by_pid(p, pid);
            if (k) {
                k->exited = true;
                k->status = st;
            }
        }
        for (int i = 0; i < p->nkids; i++)
            any |= !p->kids[i].exited;
        if (!any)
            return;
        ln_sleep_ms(10);
    }
    for (int i = 0; i < p->nkids; i++)
        if (!p->kids[i].exited) {
            scc_warn("%s (pid %d) ignores SIGTERM; killing it",
                     p->cfg.plan->stages[p->kids[i].stage].name, (int)p->kids[i].pid);
            kill(p->kids[i].pid, SIGKILL);
            waitpid(p->kids[i].pid, NULL, 0);
            p->kids[i].exited = true;
        }
}

/* ---- events ---------------------------------------------------------------- */

int ln_proc_open_window_fifo(struct ln_proc *p, const char *path)
{
    if (ln_state_add(p->state, "file %s", path) < 0)
        return -1;
    unlink(path);
    if (mkfifo(path, 0600) < 0 ||
        (p->notify_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        scc_err("cannot make the window FIFO %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The sink's window notifications: "window-open" / "window-close" lines. */
void ln_proc_poll_window(struct ln_proc *p)
{
    if (p->notify_fd < 0)
        return;
    char buf[256];
    ssize_t n;
    while ((n = read(p->notify_fd, buf, sizeof(buf) - 1)) > 0) {
        buf[n] = '\0';
        if (strstr(buf, "window-open") && !p->sink_window_open) {
            p->sink_window_open = true;
            ln_proc_window(p, LN_WIN_MEASURE, true);
            scc_dbg("measurement window opened (the sink's warm-up is over)");
        }
        if (strstr(buf, "window-close"))
            p->sink_window_closed = true;
    }
    if (n == 0) { /* the sink closed its end; a FIFO then polls as HUP forever */
        close(p->notify_fd);
        p->notify_fd = -1;
    }
}

void ln_proc_wait(struct ln_proc *p, int ms)
{
    struct pollfd fds[2] = {{.fd = p->sigfd, .events = POLLIN},
                            {.fd = p->notify_fd, .events = POLLIN}};
    int n = poll(fds, p->notify_fd >= 0 ? 2 : 1, ms);
    if (n <= 0)
        return;
    if (fds[0].revents & POLLIN) {
        struct signalfd_siginfo si;
        while (read(p->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            int sig = (int)si.ssi_signo;
            if (sig == SIGINT || sig == SIGTERM) {
                if (!p->stop)
                    scc_info("%s: stopping the chain",
                             sig == SIGINT ? "interrupted" : "terminated");
                p->stop = true;
            }
        }
    }
    if (p->notify_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)))
        ln_proc_poll_window(p);
}
