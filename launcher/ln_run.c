/*
 * `scc run` and `scc cleanup` — deploy a chain, drive traffic through it,
 * report, and always put the machine back.
 *
 * Order of a run: load + plan; take the state file (refusing over a stale
 * one); build the topology; start every NF (pinned before exec) and wait
 * until each reports ready; start sink, then generator; wait for them (or
 * for SIGINT/SIGTERM/--duration in runtime mode without traffic); read
 * every NF's counters; stop children; undo the state in reverse order.
 * Signals are blocked and taken synchronously with sigtimedwait(), so no
 * handler ever runs in the middle of set-up or teardown.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "bench/traffic/tr_result.h"
#include "launcher/ln_exec.h"
#include "launcher/ln_hooks.h"
#include "launcher/ln_nfctl.h"
#include "launcher/ln_report.h"
#include "launcher/ln_sampler.h"
#include "launcher/ln_state.h"
#include "launcher/ln_topo.h"
#include "common/scc_cmds.h"
#include "launcher/ln_traffic.h"
#include "launcher/scc_spec.h"

struct child {
    pid_t pid;
    int stage;           /* index into plan->stages */
    bool exited;
    int status;
    int restarts;
};

#define LN_MAX_HOOKS 4

struct run {
    struct scc_chain *chain;
    struct ln_plan plan;
    struct ln_state *state;
    char gen_json[512], sink_json[512];
    char self[4096];
    char *nf_exe;
    struct child kids[LN_MAX_STAGES];
    int nkids;
    const char *json_out;
    double duration;       /* runtime mode without traffic: 0 = until signalled */
    bool traffic;
    bool stop;             /* SIGINT/SIGTERM seen */
    int failed_nf;         /* stage of an NF that died, or -1 */
    char stats_name[SCC_MAX_NFS][LN_STATS_NAME];
    struct ln_hooks hooks[LN_MAX_HOOKS];
    int nhooks;
    struct ln_sampler *sampler;
    struct ln_placement placement;
    int sigfd;             /* signalfd for SIGINT/SIGTERM/SIGCHLD, -1 before */
    int notify_fd;         /* read end of the sink's window FIFO, -1 when none */
    char notify_path[600];
    bool sink_window_open, sink_window_closed;
    const char *latency_off; /* why one-way latency is not measured, or NULL */
};

/* ---- run hooks (ln_hooks.h) --------------------------------------------- */

static int hooks_nf_started(struct run *r, int nf, pid_t pid, int incarnation)
{
    for (int i = 0; i < r->nhooks; i++)
        if (r->hooks[i].nf_started && r->hooks[i].nf_started(r->hooks[i].ctx, nf, pid, incarnation))
            return -1;
    return 0;
}

static void hooks_nf_exited(struct run *r, int nf, pid_t pid, int status)
{
    for (int i = 0; i < r->nhooks; i++)
        if (r->hooks[i].nf_exited)
            r->hooks[i].nf_exited(r->hooks[i].ctx, nf, pid, status);
}

static void hooks_window(struct run *r, enum ln_window w, bool open)
{
    for (int i = 0; i < r->nhooks; i++) {
        if (open && r->hooks[i].window_open)
            r->hooks[i].window_open(r->hooks[i].ctx, w);
        if (!open && r->hooks[i].window_close)
            r->hooks[i].window_close(r->hooks[i].ctx, w);
    }
}

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: scc run [CHAIN.json] [options]\n\n"
            "Deploy a chain (the built-in default when no file is given): network\n"
            "namespaces and links, one scc-nf per NF pinned to its cores; drive traffic\n"
            "from `scc gen` through it into `scc sink` when the chain has a traffic block\n"
            "or --rate/--duration ask for it; print throughput, loss, latency and every\n"
            "NF's counters; remove everything it created. Ctrl-C stops it cleanly.\n\n"
            "  --mode profile|runtime  override the chain's mode\n"
            "  --duration S            traffic duration (or how long runtime mode stays up)\n"
            "  --rate PPS              traffic rate (packets per second)\n"
            "  --size B                frame size 64..1518\n"
            "  --no-traffic            deploy only; stay up until Ctrl-C or --duration\n"
            "  --json FILE             write the run's results (schema scc-run/2) to FILE\n"
            "  --host NAME             start only this host's part of a multi-host chain\n"
            "  --dry-run               print the plan and every command; change nothing\n"
            "  -h, --help              this text\n\n"
            "After a crash or kill -9, `scc cleanup` removes what a run left behind.\n");
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* argv for a stage's process, wrapped in `ip netns exec NS` when needed.
 * Strings live in buf (a scratch area owned by the caller). */
struct argvbuf {
    const char *argv[64];
    int n;
    char store[4096];
    size_t used;
};

static const char *ab_str(struct argvbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *ab_str(struct argvbuf *b, const char *fmt, ...)
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

static void ab_add(struct argvbuf *b, const char *s)
{
    if (b->n < 63)
        b->argv[b->n++] = s;
    b->argv[b->n] = NULL;
}

static void ab_netns(struct argvbuf *b, const struct ln_stage *st)
{
    if (st->netns[0]) {
        ab_add(b, "ip");
        ab_add(b, "netns");
        ab_add(b, "exec");
        ab_add(b, st->netns);
    }
}

static void nf_argv(struct run *r, int s, struct argvbuf *b)
{
    /* Everything the NF needs, as flags: scc-nf never reads the chain spec
     * (it must not depend on the launcher). The endpoints carry the UDP
     * port, so io.udp_port needs no flag of its own. */
    const struct ln_stage *st = &r->plan.stages[s];
    const struct scc_chain *ch = r->chain;
    memset(b, 0, sizeof(*b));
    ab_netns(b, st);
    ab_add(b, r->nf_exe ? r->nf_exe : "scc-nf");
    ab_add(b, "--name");
    ab_add(b, r->stats_name[st->nf]);
    ab_add(b, "--pipeline");
    ab_add(b, ch->nfs[st->nf].pipeline);
    ab_add(b, "--batch");
    ab_add(b, ab_str(b, "%u", ch->io.batch));
    ab_add(b, "--idle");
    ab_add(b, scc_idle_names[ch->io.idle]);
    ab_add(b, "--vni");
    ab_add(b, ab_str(b, "%u", (unsigned)ch->io.vni));
    ab_add(b, "--in");
    ab_add(b, st->in_ep);
    ab_add(b, "--out");
    ab_add(b, st->out_ep);
    if (st->set_dst_mac) {
        char m[20];
        scc_mac_format(st->dst_mac, m, sizeof(m));
        ab_add(b, "--dst-mac");
        ab_add(b, ab_str(b, "%s", m));
    }
}

static void traffic_argv(struct run *r, bool gen, struct argvbuf *b)
{
    const struct scc_chain *ch = r->chain;
    const struct ln_plan *p = &r->plan;
    const struct ln_stage *st = &p->stages[gen ? 0 : p->nstages - 1];
    memset(b, 0, sizeof(*b));
    ab_netns(b, st);
    ab_add(b, r->self);
    ab_add(b, "-q");
    ab_add(b, gen ? "gen" : "sink");
    struct ln_traffic_argv ta = {b->argv, &b->n, 63, b->store + b->used,
                                 sizeof(b->store) - b->used};
    ln_traffic_args(ch, st, &r->placement, gen, gen ? r->gen_json : r->sink_json,
                    gen || !r->notify_path[0] ? NULL : r->notify_path, r->latency_off, &ta);
    b->argv[b->n] = NULL;
}

static int spawn_stage(struct run *r, int s, struct argvbuf *b)
{
    char line[2048];
    ln_argv_format(b->argv, line, sizeof(line));
    if (ln_dry_run) {
        printf("  %s\n", line);
        return 0;
    }
    const struct ln_stage *st = &r->plan.stages[s];
    struct ln_spawn_opts o = {.new_pgrp = true};
    if (st->nf >= 0)
        o.cpus = &r->chain->nfs[st->nf].cpus;
    else
        o.cpus = s == 0 ? &r->placement.gen : &r->placement.sink;
    char errpath[600];
    snprintf(errpath, sizeof(errpath), "%s/%s.%s.log", ln_state_dir(), r->plan.state_name,
             st->name);
    if (ln_state_add(r->state, "file %s", errpath) < 0)
        return -1;
    if (st->nf >= 0) { /* an NF killed by a signal cannot remove its stats page */
        char shm[160];
        snprintf(shm, sizeof(shm), "/dev/shm/scc-nf-%s", r->stats_name[st->nf]);
        if (ln_state_add(r->state, "file %s", shm) < 0)
            return -1;
    }
    o.stderr_path = errpath;
    char outpath[600];
    if (st->nf < 0) { /* gen/sink summaries: the launcher prints its own report */
        snprintf(outpath, sizeof(outpath), "%s/%s.%s.out", ln_state_dir(), r->plan.state_name,
                 st->name);
        if (ln_state_add(r->state, "file %s", outpath) < 0)
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
        sleep_ms(1);
    if (ln_state_add(r->state, "pid %d %llu %s", (int)pid, start, st->name) < 0) {
        /* unjournaled, `scc cleanup` could not find it: don't run it */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        scc_err("cannot journal %s (pid %d); stopped it", st->name, (int)pid);
        return -1;
    }
    struct child *k = NULL;
    for (int i = 0; i < r->nkids; i++)
        if (r->kids[i].stage == s)
            k = &r->kids[i];
    if (!k)
        k = &r->kids[r->nkids++];
    int restarts = k->restarts;
    *k = (struct child){.pid = pid, .stage = s, .restarts = restarts};
    scc_dbg("started %s: pid %d: %s", st->name, (int)pid, line);
    if (st->nf >= 0 && hooks_nf_started(r, st->nf, pid, restarts) < 0)
        return -1;
    return 0;
}

static void print_log_tail(struct run *r, const struct ln_stage *st)
{
    char path[600], line[512];
    snprintf(path, sizeof(path), "%s/%s.%s.log", ln_state_dir(), r->plan.state_name, st->name);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        fprintf(stderr, "  %s: %s", st->name, line);
    fclose(f);
}

static struct child *child_by_pid(struct run *r, pid_t pid)
{
    for (int i = 0; i < r->nkids; i++)
        if (r->kids[i].pid == pid && !r->kids[i].exited)
            return &r->kids[i];
    return NULL;
}

/* Take the next exited child without reaping it (so hooks can still read
 * its /proc figures), call the exit hooks, then reap it. Returns its pid
 * (0: none) and its wait status in *status. */
static pid_t reap_one(struct run *r, int *status)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
        return 0;
    pid_t pid = si.si_pid;
    struct child *k = child_by_pid(r, pid);
    if (k && r->plan.stages[k->stage].nf >= 0) {
        int ws = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : si.si_status & 0x7f;
        hooks_nf_exited(r, r->plan.stages[k->stage].nf, pid, ws);
    }
    if (waitpid(pid, status, 0) < 0)
        *status = 0;
    return pid;
}

/* Reap children; returns true when an NF died and the run must stop. */
static bool reap(struct run *r)
{
    int st;
    pid_t pid;
    bool fatal = false;
    while ((pid = reap_one(r, &st)) > 0) {
        struct child *k = child_by_pid(r, pid);
        if (!k)
            continue;
        k->exited = true;
        k->status = st;
        const struct ln_stage *s = &r->plan.stages[k->stage];
        if (s->nf < 0)
            continue;
        if (r->stop)
            continue; /* we are stopping it */
        char how[64];
        if (WIFSIGNALED(st))
            snprintf(how, sizeof(how), "was killed by signal %d (%s)", WTERMSIG(st),
                     strsignal(WTERMSIG(st)));
        else
            snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(st));
        scc_err("NF %s (pid %d) %s", s->name, (int)pid, how);
        print_log_tail(r, s);
        const struct scc_nf_spec *nf = &r->chain->nfs[s->nf];
        if (nf->restart == SCC_RESTART_ON_FAILURE && k->restarts < 5) {
            k->restarts++;
            scc_warn("restarting NF %s (restart %d of 5)", s->name, k->restarts);
            struct argvbuf b;
            nf_argv(r, k->stage, &b);
            if (spawn_stage(r, k->stage, &b) == 0)
                continue;
        }
        r->failed_nf = k->stage;
        fatal = true;
    }
    return fatal;
}

/* The sink's window notifications: "window-open" / "window-close" lines. */
static void read_notify(struct run *r)
{
    char buf[256];
    ssize_t n;
    while ((n = read(r->notify_fd, buf, sizeof(buf) - 1)) > 0) {
        buf[n] = '\0';
        if (strstr(buf, "window-open") && !r->sink_window_open) {
            r->sink_window_open = true;
            hooks_window(r, LN_WIN_MEASURE, true);
            scc_dbg("measurement window opened (the sink's warm-up is over)");
        }
        if (strstr(buf, "window-close"))
            r->sink_window_closed = true;
    }
    if (n == 0) { /* the sink closed its end; a FIFO then polls as HUP forever */
        close(r->notify_fd);
        r->notify_fd = -1;
    }
}

/* Wait up to ms for a signal, a child's exit or a window notification. */
static void wait_event(struct run *r, int ms)
{
    struct pollfd p[2] = {{.fd = r->sigfd, .events = POLLIN}, {.fd = r->notify_fd, .events = POLLIN}};
    int n = poll(p, r->notify_fd >= 0 ? 2 : 1, ms);
    if (n <= 0)
        return;
    if (p[0].revents & POLLIN) {
        struct signalfd_siginfo si;
        while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            int sig = (int)si.ssi_signo;
            if (sig == SIGINT || sig == SIGTERM) {
                if (!r->stop)
                    scc_info("%s: stopping the chain",
                             sig == SIGINT ? "interrupted" : "terminated");
                r->stop = true;
            }
        }
    }
    if (r->notify_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
        read_notify(r);
}

static bool alive(struct run *r, int stage)
{
    for (int i = 0; i < r->nkids; i++)
        if (r->kids[i].stage == stage)
            return !r->kids[i].exited;
    return false;
}

static void stop_children(struct run *r)
{
    for (int i = 0; i < r->nkids; i++)
        if (!r->kids[i].exited)
            kill(r->kids[i].pid, SIGTERM);
    for (int t = 0; t < 300; t++) {
        bool any = false;
        int st;
        pid_t pid;
        while ((pid = reap_one(r, &st)) > 0) {
            struct child *k = child_by_pid(r, pid);
            if (k) {
                k->exited = true;
                k->status = st;
            }
        }
        for (int i = 0; i < r->nkids; i++)
            any |= !r->kids[i].exited;
        if (!any)
            return;
        sleep_ms(10);
    }
    for (int i = 0; i < r->nkids; i++)
        if (!r->kids[i].exited) {
            scc_warn("%s (pid %d) ignores SIGTERM; killing it",
                     r->plan.stages[r->kids[i].stage].name, (int)r->kids[i].pid);
            kill(r->kids[i].pid, SIGKILL);
            waitpid(r->kids[i].pid, NULL, 0);
            r->kids[i].exited = true;
        }
}

static int teardown(struct run *r)
{
    if (!r->state)
        return 0;
    stop_children(r);
    char path[512];
    snprintf(path, sizeof(path), "%s", ln_state_path(r->state));
    ln_state_close(r->state);
    r->state = NULL;
    int left = ln_state_undo(path, false);
    if (left != 0) {
        scc_err("%d thing%s could not be removed; see above, then run `scc cleanup %s`",
                left, left == 1 ? "" : "s", r->plan.state_name);
        return -1;
    }
    scc_dbg("everything the run created is removed");
    return 0;
}

static int start_nfs(struct run *r)
{
    for (int s = 1; s < r->plan.nstages - 1; s++) {
        if (!r->plan.stages[s].local)
            continue;
        struct argvbuf b;
        nf_argv(r, s, &b);
        if (spawn_stage(r, s, &b) < 0)
            return -1;
    }
    if (ln_dry_run)
        return 0;
    /* every NF must publish "ready" (its sockets are open) before traffic starts */
    uint64_t deadline = scc_now_ns() + 10ull * 1000000000ull;
    for (int s = 1; s < r->plan.nstages - 1; s++) {
        if (!r->plan.stages[s].local)
            continue;
        const char *name = r->stats_name[r->plan.stages[s].nf];
        for (;;) {
            if (reap(r))
                return -1;
            if (ln_nf_ready(name))
                break;
            if (r->stop)
                return -1;
            if (scc_now_ns() > deadline) {
                scc_err("NF %s did not report ready within 10 s", r->plan.stages[s].name);
                print_log_tail(r, &r->plan.stages[s]);
                return -1;
            }
            wait_event(r, 10);
        }
    }
    return 0;
}

/* After the generator stopped: wait until the NFs' receive counters stand
 * still (frames in flight have reached the sink or a counter), at most 1 s. */
static void drain(struct run *r)
{
    uint64_t last = ln_sampler_rx_now(r->sampler), until = scc_now_ns() + 1000000000ull;
    int still = 0;
    while (still < 3 && scc_now_ns() < until && !r->stop) {
        wait_event(r, 10);
        uint64_t now = ln_sampler_rx_now(r->sampler);
        still = now == last ? still + 1 : 0;
        last = now;
    }
}

/* The FIFO on which the sink says when its measurement window opens. */
static int make_notify(struct run *r)
{
    snprintf(r->notify_path, sizeof(r->notify_path), "%s/%s.window", ln_state_dir(),
             r->plan.state_name);
    if (ln_state_add(r->state, "file %s", r->notify_path) < 0)
        return -1;
    unlink(r->notify_path);
    if (mkfifo(r->notify_path, 0600) < 0 ||
        (r->notify_fd = open(r->notify_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        scc_err("cannot make the window FIFO %s: %s", r->notify_path, strerror(errno));
        return -1;
    }
    return 0;
}

static double traffic_seconds(const struct scc_traffic_spec *t)
{
    return t->count ? (double)t->count / (double)t->rate_pps : t->duration_s;
}

static int drive(struct run *r)
{
    const struct ln_plan *p = &r->plan;
    bool have_sink = p->stages[p->nstages - 1].local, have_gen = p->stages[0].local;
    snprintf(r->gen_json, sizeof(r->gen_json), "%s/%s.gen.json", ln_state_dir(), p->state_name);
    snprintf(r->sink_json, sizeof(r->sink_json), "%s/%s.sink.json", ln_state_dir(),
             p->state_name);
    if (!ln_dry_run && (ln_state_add(r->state, "file %s", r->gen_json) < 0 ||
                        ln_state_add(r->state, "file %s", r->sink_json) < 0))
        return -1;
    struct argvbuf b;
    if (have_sink) {
        if (ln_dry_run)
            snprintf(r->notify_path, sizeof(r->notify_path), "%s/%s.window", ln_state_dir(),
                     p->state_name);
        else if (make_notify(r) < 0)
            return -1;
        traffic_argv(r, false, &b);
        if (spawn_stage(r, p->nstages - 1, &b) < 0)
            return -1;
        if (!ln_dry_run) { /* the sink's socket must be open before the first packet */
            char ready[600];
            snprintf(ready, sizeof(ready), "%s.ready", r->sink_json);
            if (ln_state_add(r->state, "file %s", ready) < 0)
                return -1;
            uint64_t until = scc_now_ns() + 5000000000ull;
            while (access(ready, F_OK) != 0) {
                if (r->stop || reap(r) || !alive(r, p->nstages - 1) || scc_now_ns() > until) {
                    scc_err("the sink did not start listening");
                    print_log_tail(r, &p->stages[p->nstages - 1]);
                    return -1;
                }
                wait_event(r, 5);
            }
        }
    }
    if (!ln_dry_run)
        hooks_window(r, LN_WIN_RUN, true);
    if (have_gen) {
        traffic_argv(r, true, &b);
        if (spawn_stage(r, 0, &b) < 0)
            return -1;
    }
    if (ln_dry_run)
        return 0;
    if (!have_gen && !have_sink) {
        scc_info("this host runs only NFs of the chain; Ctrl-C to stop");
        while (!r->stop && !reap(r))
            wait_event(r, 200);
        hooks_window(r, LN_WIN_RUN, false);
        return r->failed_nf >= 0 ? -1 : 0;
    }
    /* count-based runs last count/rate seconds, not duration_s */
    double secs = traffic_seconds(&r->chain->traffic);
    double limit = secs + 30;
    uint64_t deadline = scc_now_ns() + (uint64_t)(limit * 1e9);
    bool tty = isatty(STDERR_FILENO);
    uint64_t t0 = scc_now_ns();
    bool gen_done = false;
    while (!r->stop) {
        if (reap(r))
            return -1;
        bool gen_running = have_gen && alive(r, 0);
        bool sink_running = have_sink && alive(r, p->nstages - 1);
        if (have_gen && !gen_running && !gen_done) {
            /* the generator sent its last frame: the window ends once the
             * chain has drained, not when the sink's idle timeout fires */
            gen_done = true;
            drain(r);
            hooks_window(r, LN_WIN_MEASURE, false);
        }
        if (!have_gen && r->sink_window_closed)
            hooks_window(r, LN_WIN_MEASURE, false);
        if (!gen_running && !sink_running)
            break;
        if (!gen_running && !have_sink)
            break;
        if (scc_now_ns() > deadline) {
            scc_err("traffic did not finish within %.0f s; stopping", limit);
            return -1;
        }
        if (tty)
            fprintf(stderr, "\r  traffic: %.1f / %.1f s ", (scc_now_ns() - t0) / 1e9, secs);
        wait_event(r, 100);
    }
    if (tty)
        fprintf(stderr, "\r%40s\r", "");
    if (r->notify_fd >= 0)
        read_notify(r);
    hooks_window(r, LN_WIN_MEASURE, false);
    hooks_window(r, LN_WIN_RUN, false);
    return r->stop ? -1 : 0;
}

static int stay_up(struct run *r)
{
    uint64_t end = r->duration > 0 ? scc_now_ns() + (uint64_t)(r->duration * 1e9) : 0;
    scc_info("chain %s is up (%d NFs)%s", r->chain->name, r->chain->nnfs,
             end ? "" : "; Ctrl-C to stop");
    /* without traffic the whole stay is the window */
    hooks_window(r, LN_WIN_RUN, true);
    hooks_window(r, LN_WIN_MEASURE, true);
    int rc = 0;
    while (!r->stop) {
        if (reap(r)) {
            rc = -1;
            break;
        }
        if (end && scc_now_ns() >= end)
            break;
        wait_event(r, 200);
    }
    hooks_window(r, LN_WIN_MEASURE, false);
    hooks_window(r, LN_WIN_RUN, false);
    return rc;
}

/* The scheduler (policies, priorities, slices, reservation, chain order)
 * is its own module and not part of this launcher yet: say so instead of
 * silently running a chain without what its spec asks for. */
static void warn_unapplied_sched(const struct scc_chain *ch)
{
    bool asks = ch->sched.rr_timeslice_ms || scc_cpuset_count(&ch->sched.reserve_cores) ||
                ch->sched.mode != SCC_SCHED_PINNED;
    for (int i = 0; i < ch->nnfs; i++) {
        const struct scc_sched_params *sp = &ch->nfs[i].sched;
        asks |= sp->policy != SCC_POLICY_OTHER || sp->nice || sp->slice_ms > 0;
    }
    if (asks)
        scc_warn("this chain's scheduler settings (policy, nice, rt_priority, slice_ms, "
                 "rr_timeslice_ms, reserve_cores, mode) are validated but not applied yet: "
                 "NFs run under SCHED_OTHER, pinned as their \"cpu\" says");
}

/* Likewise for the profiler: the spec's profiler block and profile mode are
 * validated, but no hardware or tracepoint counters are collected yet. */
static void warn_unapplied_profiler(const struct scc_chain *ch)
{
    bool block = ch->profiler.nevents != 1 || strcmp(ch->profiler.events[0], "default") ||
                 ch->profiler.interval_ms || ch->profiler.calibration;
    if (ch->mode == SCC_MODE_PROFILE || block)
        scc_warn("profile mode and the \"profiler\" block (events, interval, calibration) are "
                 "validated but not collected yet: the report has the NFs' own counters and "
                 "/proc scheduler figures only");
}

/* Which stages a time-stamp crosses, and whether their clocks compare. */
static const char *latency_off_reason(const struct scc_chain *ch, const struct ln_plan *p)
{
    const char *gh = ch->nnfs ? ch->nfs[0].host : "", *sh = ch->nnfs ? ch->nfs[ch->nnfs - 1].host : "";
    if (!strcmp(gh, sh) || ch->traffic.clocks_synced)
        return NULL;
    (void)p;
    /* the sink takes at most 100 characters */
    return "generator and sink on different hosts, clocks not known to be synchronised";
}

/* Load what the traffic tools wrote and print the report. */
static int report(struct run *r)
{
    const struct ln_plan *p = &r->plan;
    struct tr_gen_result gen;
    struct tr_sink_result sink;
    char gerr[300] = "", serr[300] = "", err[300];
    bool have_gen = false, have_sink = false;
    if (r->traffic && p->stages[0].local)
        have_gen = tr_result_load_gen(r->gen_json, &gen, gerr, sizeof(gerr)) == 0;
    else
        snprintf(gerr, sizeof(gerr), "the generator runs on another host");
    if (r->traffic && p->stages[p->nstages - 1].local)
        have_sink = tr_result_load_sink(r->sink_json, &sink, serr, sizeof(serr)) == 0;
    else
        snprintf(serr, sizeof(serr), "the sink runs on another host");
    if (r->traffic && p->stages[0].local && !have_gen)
        scc_err("generator results: %s", gerr);
    if (r->traffic && p->stages[p->nstages - 1].local && !have_sink)
        scc_err("sink results: %s", serr);
    bool measured = ln_sampler_opened(r->sampler, LN_WIN_MEASURE);
    enum ln_window w = measured ? LN_WIN_MEASURE : LN_WIN_RUN;
    struct ln_report_in in = {
        .chain = r->chain,
        .plan = p,
        .placement = r->traffic ? &r->placement : NULL,
        .traffic = r->traffic,
        .gen = have_gen ? &gen : NULL,
        .sink = have_sink ? &sink : NULL,
        .gen_err = gerr,
        .sink_err = serr,
        .latency_off = r->latency_off,
        .window = ln_sampler_figures(r->sampler, w),
        .run = ln_sampler_figures(r->sampler, LN_WIN_RUN),
        .window_kind = measured ? (r->traffic ? "sink" : "the whole time the chain was up")
                                : "the whole run (the sink counted no frame after warm-up)",
        .window_s = ln_sampler_seconds(r->sampler, w),
    };
    if (ln_report(&in, stdout, r->json_out, err, sizeof(err)) < 0) {
        scc_err("%s", err);
        return -1;
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mode", required_argument, NULL, 'm'},   {"duration", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 'r'},   {"size", required_argument, NULL, 's'},
        {"json", required_argument, NULL, 'j'},   {"host", required_argument, NULL, 'H'},
        {"dry-run", no_argument, NULL, 'n'},      {"no-traffic", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},         {0, 0, 0, 0},
    };
    const char *mode = NULL, *host = NULL, *dur = NULL, *rate = NULL, *size = NULL;
    struct run r = {.failed_nf = -1, .sigfd = -1, .notify_fd = -1};
    bool no_traffic = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': mode = optarg; break;
        case 'd': dur = optarg; break;
        case 'r': rate = optarg; break;
        case 's': size = optarg; break;
        case 'j': r.json_out = optarg; break;
        case 'H': host = optarg; break;
        case 'n': ln_dry_run = true; break;
        case 'T': no_traffic = true; break;
        case 'h': run_usage(stdout); return 0;
        default: run_usage(stderr); return 2;
        }
    }
    if (argc - optind > 1) {
        run_usage(stderr);
        return 2;
    }
    struct scc_diags *d = scc_diags_new();
    const char *what = optind < argc ? argv[optind] : "built-in default chain";
    r.chain = optind < argc ? scc_spec_load_file(argv[optind], NULL, d)
                            : scc_spec_load_string(scc_default_chain_json, NULL, d);
    if (!r.chain) {
        fprintf(stderr, "%s: %zu problem%s:\n", what, scc_diags_count(d),
                scc_diags_count(d) == 1 ? "" : "s");
        scc_diags_print(d, stderr);
        scc_diags_free(d);
        return 2;
    }
    scc_diags_free(d);
    struct scc_chain *ch = r.chain;
    int rc = 2;
    /* command-line overrides, checked like the spec's own fields */
    if (mode) {
        if (!strcmp(mode, "profile"))
            ch->mode = SCC_MODE_PROFILE;
        else if (!strcmp(mode, "runtime"))
            ch->mode = SCC_MODE_RUNTIME;
        else {
            fprintf(stderr, "scc run: --mode '%s': use profile or runtime\n", mode);
            goto out;
        }
    }
    double v;
    long lv;
    if (dur && scc_parse_double(dur, 0.001, 86400, &v) < 0) {
        fprintf(stderr, "scc run: --duration '%s': give seconds, 0.001..86400\n", dur);
        goto out;
    }
    if (dur) {
        ch->traffic.duration_s = v;
        r.duration = v;
        if (ch->traffic.warmup_s >= v)
            ch->traffic.warmup_s = v / 10;
    }
    if (rate) {
        if (scc_parse_long(rate, 1, 100000000, &lv) < 0) {
            fprintf(stderr, "scc run: --rate '%s': give packets per second, 1..100000000\n",
                    rate);
            goto out;
        }
        ch->traffic.rate_pps = (uint64_t)lv;
        ch->traffic.present = true;
    }
    if (size) {
        if (scc_parse_long(size, 64, 1518, &lv) < 0) {
            fprintf(stderr, "scc run: --size '%s': give a frame size, 64..1518\n", size);
            goto out;
        }
        ch->traffic.size = (unsigned)lv;
        ch->traffic.dist = SCC_DIST_FIXED;
    }
    /* profile mode measures the chain under traffic: the spec's, or the defaults */
    if (ch->mode == SCC_MODE_PROFILE)
        ch->traffic.present = true;
    warn_unapplied_sched(ch);
    warn_unapplied_profiler(ch);
    r.traffic = ch->traffic.present && !no_traffic;

    char err[256];
    if (ln_plan_build(ch, host, &r.plan, err, sizeof(err)) < 0) {
        fprintf(stderr, "scc run: %s\n", err);
        goto out;
    }
    for (int s = 1; s < r.plan.nstages - 1; s++)
        ln_nf_stats_name(r.plan.state_name, r.plan.stages[s].name,
                         r.stats_name[r.plan.stages[s].nf]);
    if (r.traffic) {
        struct scc_cpuset online;
        if (scc_cpuset_online(&online) < 0 ||
            ln_place_traffic(ch, &r.plan, &online, &r.placement, err, sizeof(err)) < 0) {
            fprintf(stderr, "scc run: traffic placement: %s\n", err);
            goto out;
        }
        r.latency_off = latency_off_reason(ch, &r.plan);
    }
    ssize_t n = readlink("/proc/self/exe", r.self, sizeof(r.self) - 1);
    if (n > 0)
        r.self[n] = '\0';
    else
        snprintf(r.self, sizeof(r.self), "scc");
    r.nf_exe = ln_sibling_exe("scc-nf");
    if (!r.nf_exe && !ln_dry_run) {
        fprintf(stderr, "scc run: scc-nf is not next to %s; build it (make build)\n", r.self);
        rc = 1;
        goto out;
    }

    if (ln_dry_run) {
        ln_set_dry_run_output(ln_dry_run_to_file, stdout);
        ln_plan_print(&r.plan, stdout);
        if (r.traffic) {
            char line[1024];
            ln_placement_format(ch, &r.plan, &r.placement, line, sizeof(line));
            printf("placement: %s\n", line);
        }
        printf("\nwould run, in order:\n");
        ln_topo_create(&r.plan, NULL);
        start_nfs(&r);
        if (r.traffic)
            drive(&r);
        printf("\nthen stop every process and remove everything above.\n");
        rc = 0;
        goto out;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "scc run: needs root (network namespaces, raw sockets, pinning)\n");
        rc = 1;
        goto out;
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    r.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (r.sigfd < 0) {
        fprintf(stderr, "scc run: signalfd: %s\n", strerror(errno));
        rc = 1;
        goto out;
    }
    {
        const char *names[SCC_MAX_NFS] = {0};
        for (int s = 1; s < r.plan.nstages - 1; s++)
            if (r.plan.stages[s].local)
                names[r.plan.stages[s].nf] = r.stats_name[r.plan.stages[s].nf];
        if (!(r.sampler = ln_sampler_new(ch->nnfs, names))) {
            fprintf(stderr, "scc run: out of memory\n");
            rc = 1;
            goto out;
        }
        r.hooks[r.nhooks++] = ln_sampler_hooks(r.sampler);
    }

    int src = ln_state_create(r.plan.state_name, &r.state);
    if (src == -ESTALE) {
        fprintf(stderr, "scc run: a previous run of '%s' ended without cleaning up "
                        "(%s/%s.state); run `scc cleanup %s` first\n",
                r.plan.state_name, ln_state_dir(), r.plan.state_name, r.plan.state_name);
        rc = 1;
        goto out;
    }
    if (src == -EBUSY) {
        fprintf(stderr, "scc run: chain '%s' is already running (see %s/%s.state)\n",
                r.plan.state_name, ln_state_dir(), r.plan.state_name);
        rc = 1;
        goto out;
    }
    if (src < 0) {
        fprintf(stderr, "scc run: cannot create the state file in %s: %s\n", ln_state_dir(),
                strerror(-src));
        rc = 1;
        goto out;
    }
    rc = 1;
    scc_info("deploying chain %s (%d NF%s, %s, %s, batch %u)", ch->name, ch->nnfs,
             ch->nnfs == 1 ? "" : "s", scc_link_names[ch->interconnect],
             scc_transport_names[ch->io.transport], ch->io.batch);
    if (r.traffic) {
        char line[1024];
        ln_placement_format(ch, &r.plan, &r.placement, line, sizeof(line));
        scc_info("placement: %s", line);
        if (r.placement.gen_spin_us && r.placement.gen_shares)
            scc_warn("the generator spins (traffic.gen_spin_us) on a core it shares: it takes "
                     "CPU time from what runs there, and latency measures that");
    }
    if (ln_topo_create(&r.plan, r.state) < 0 || start_nfs(&r) < 0)
        goto teardown;
    int drc = r.traffic ? drive(&r) : stay_up(&r);
    if (drc == 0 || (r.stop && r.failed_nf < 0)) {
        rc = drc == 0 ? 0 : 130;
        if (report(&r) < 0 && rc == 0)
            rc = 1;
    }

teardown:
    if (teardown(&r) < 0 && rc == 0)
        rc = 1;
out:
    if (r.notify_fd >= 0)
        close(r.notify_fd);
    if (r.sigfd >= 0)
        close(r.sigfd);
    ln_sampler_free(r.sampler);
    free(r.nf_exe);
    scc_chain_free(r.chain);
    return rc;
}

static void cleanup_usage(FILE *f)
{
    fprintf(f, "usage: scc cleanup [NAME...]\n\n"
               "Remove what runs left behind after a crash or kill -9: stop their\n"
               "processes, delete their namespaces and links, restore changed sysctls.\n"
               "NAME is a chain name (chain-host for multi-host runs); without one, every\n"
               "state in %s whose launcher is no longer running is cleaned. A state\n"
               "whose launcher is alive is left alone (stop that run with Ctrl-C).\n",
            ln_state_dir());
}

int cmd_cleanup(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            cleanup_usage(stdout);
            return 0;
        }
        cleanup_usage(stderr);
        return 2;
    }
    const char *dir = ln_state_dir();
    char paths[64][600];
    int n = 0;
    if (optind < argc) {
        for (int i = optind; i < argc && n < 64; i++) {
            if (strchr(argv[i], '/')) {
                fprintf(stderr, "scc cleanup: '%s' is a chain name, not a path\n", argv[i]);
                return 2;
            }
            snprintf(paths[n++], sizeof(paths[0]), "%s/%s.state", dir, argv[i]);
        }
    } else {
        DIR *dd = opendir(dir);
        if (dd) {
            struct dirent *e;
            while ((e = readdir(dd)) && n < 64) {
                size_t l = strlen(e->d_name);
                if (l > 6 && !strcmp(e->d_name + l - 6, ".state"))
                    snprintf(paths[n++], sizeof(paths[0]), "%s/%s", dir, e->d_name);
            }
            closedir(dd);
        }
    }
    int bad = 0, done = 0;
    for (int i = 0; i < n; i++) {
        if (access(paths[i], F_OK) != 0) {
            fprintf(stderr, "scc cleanup: no state at %s (nothing to clean)\n", paths[i]);
            continue;
        }
        if (ln_state_owner_alive(paths[i])) {
            fprintf(stderr, "scc cleanup: %s belongs to a running launcher; stop it with "
                            "Ctrl-C (or SIGTERM) instead\n", paths[i]);
            bad++;
            continue;
        }
        scc_info("cleaning up after %s", paths[i]);
        int left = ln_state_undo(paths[i], true);
        if (left != 0) {
            fprintf(stderr, "scc cleanup: %d thing%s in %s could not be undone (see above)\n",
                    left < 0 ? 1 : left, left == 1 ? "" : "s", paths[i]);
            bad++;
        } else {
            done++;
        }
    }
    if (n == 0 || (done == 0 && bad == 0))
        printf("scc cleanup: nothing to clean up\n");
    else if (done)
        printf("scc cleanup: cleaned %d stale run%s\n", done, done == 1 ? "" : "s");
    return bad ? 1 : 0;
}
