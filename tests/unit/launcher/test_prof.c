/*
 * ln_prof on the run hooks, with processes this test starts: counts cover
 * the measurement window only; an incarnation that exits inside the window
 * is read before it is reaped and the next one's share is added (restarts
 * add up); an unavailable source says why and is null in the run file,
 * never 0; without a calibration every term says so while the /proc-based
 * figures stay real. Syscall tracepoints need root (the profiler mounts a
 * private tracefs when the host has none): without root they must be
 * unavailable with a reason.
 */
#include <check.h>
#include <fcntl.h>
#include <sched.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/ln_prof.h"

/* A child that waits for a byte, makes `writes` write(2) calls, then
 * either exits or waits for a second byte. */
struct kid {
    pid_t pid;
    int go;
};

static struct kid spawn(int writes, bool linger)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) { /* no ck_* here: Check writes its mark points (counted!) */
        close(p[1]);
        char b;
        if (read(p[0], &b, 1) != 1)
            _exit(1);
        int fd = open("/dev/null", O_WRONLY);
        for (int i = 0; i < writes; i++)
            if (write(fd, "x", 1) != 1)
                _exit(2);
        if (linger && read(p[0], &b, 1) < 0)
            _exit(3);
        _exit(0);
    }
    ck_assert_int_ge(pid, 0);
    close(p[0]);
    return (struct kid){pid, p[1]};
}

static void go(struct kid *k)
{
    ck_assert_int_eq(write(k->go, "g", 1), 1);
}

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    ck_assert_msg(json_object_object_get_ex(o, k, &v), "no key %s", k);
    return v;
}

static json_object *counter(json_object *nf, const char *name)
{
    json_object *a = get(nf, "counters");
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *c = json_object_array_get_idx(a, i);
        if (!strcmp(json_object_get_string(get(c, "name")), name))
            return c;
    }
    ck_abort_msg("no counter %s", name);
    return NULL;
}

START_TEST(restarts_add_up_over_the_window)
{
    const struct ln_prof_target tg[1] = {{.name = "nf", .cpu = -1, .policy = PROF_CALIB_CS_OTHER}};
    char *ev[] = {"sched", "syscalls"};
    char err[256];
    struct ln_prof_cfg cfg = {.n = 1, .targets = tg, .events = ev, .nevents = 2,
                              .calibration = "/nonexistent/calibration.json"};
    struct ln_prof *p = ln_prof_new(&cfg, err, sizeof(err));
    ck_assert_msg(p != NULL, "%s", err);
    struct ln_hooks h = ln_prof_hooks(p);

    /* incarnation 0: 300 writes before the window (not counted), then
     * the window opens and a second child ... */
    struct kid a = spawn(300, false);
    ck_assert_int_eq(h.nf_started(h.ctx, 0, a.pid, 0), 0);
    go(&a);
    siginfo_t si;
    ck_assert_int_eq(waitid(P_PID, (id_t)a.pid, &si, WEXITED | WNOWAIT), 0);
    h.nf_exited(h.ctx, 0, a.pid, 0); /* outside the window: nothing added */
    waitpid(a.pid, NULL, 0);

    struct kid b = spawn(1000, false);
    ck_assert_int_eq(h.nf_started(h.ctx, 0, b.pid, 1), 0);
    h.window_open(h.ctx, LN_WIN_MEASURE);
    go(&b);
    ck_assert_int_eq(waitid(P_PID, (id_t)b.pid, &si, WEXITED | WNOWAIT), 0);
    h.nf_exited(h.ctx, 0, b.pid, 0); /* read before the reap */
    waitpid(b.pid, NULL, 0);

    struct kid c = spawn(500, true); /* restarted inside the window */
    ck_assert_int_eq(h.nf_started(h.ctx, 0, c.pid, 2), 0);
    go(&c);
    usleep(200000);
    h.window_close(h.ctx, LN_WIN_MEASURE);
    go(&c); /* after the window: its exit is not counted */
    waitpid(c.pid, NULL, 0);

    uint64_t packets[1] = {1500};
    struct ln_prof_figs f = {.packets = packets, .window_s = 0.3, .sink_reason = "no sink"};
    json_object *j = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_int_eq(ln_prof_report(p, &f, out, &j), 0);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(buf, "Per-packet latency model"));
    ck_assert_ptr_nonnull(strstr(buf, "calibration: none"));

    json_object *nf = json_object_array_get_idx(get(j, "nfs"), 0);
    ck_assert_int_eq(json_object_get_int(get(nf, "shares")), 2);
    json_object *w = counter(nf, "syscalls:sys_enter_write");
    if (geteuid() == 0) {
        ck_assert_msg(json_object_get_boolean(get(w, "available")), "%s",
                      json_object_to_json_string(w));
        ck_assert_int_eq((int)json_object_get_double(get(w, "value")), 1500);
    } else {
        ck_assert(!json_object_get_boolean(get(w, "available")));
        ck_assert(json_object_get_type(get(w, "value")) == json_type_null);
        ck_assert_str_ne(json_object_get_string(get(w, "reason")), "");
    }
    /* no calibration: every term unavailable, null, with the reason */
    json_object *t = get(get(nf, "terms"), "L_SC");
    ck_assert(!json_object_get_boolean(get(t, "available")));
    ck_assert(json_object_get_type(get(t, "ns_per_packet")) == json_type_null);
    ck_assert_ptr_nonnull(strstr(json_object_get_string(get(t, "reason")), "calibration"));
    json_object *cal = get(j, "calibration");
    ck_assert(!json_object_get_boolean(get(cal, "available")));
    /* the hardware: whatever this machine has, never a silent 0 */
    json_object *m = get(j, "machine");
    if (!json_object_get_boolean(get(m, "pmu_available")))
        ck_assert_str_ne(json_object_get_string(get(m, "pmu_reason")), "");
    json_object_put(j);
    free(buf);
    ln_prof_free(p);
}
END_TEST

/* L_CS is costed with the policy the process runs under, read back from
 * the kernel (here SCHED_BATCH while the target was configured "other");
 * the NF's own stats-page figures (system calls, phase timing) go into
 * the run file and the text, and L_SC falls back to the NF's counts where
 * the tracepoints are unavailable. */
START_TEST(policy_read_back_and_the_nfs_own_figures)
{
    const struct ln_prof_target tg[1] = {{.name = "nf", .cpu = -1, .policy = PROF_CALIB_CS_OTHER}};
    char *ev[] = {"sched", "syscalls"};
    char err[256], cal[512];
    const char *src = getenv("SCC_SOURCE_DIR");
    snprintf(cal, sizeof(cal), "%s/tests/fixtures/profiler/calibration.json", src ? src : ".");
    struct ln_prof_cfg cfg = {.n = 1, .targets = tg, .events = ev, .nevents = 2,
                              .calibration = cal};
    struct ln_prof *p = ln_prof_new(&cfg, err, sizeof(err));
    ck_assert_msg(p != NULL, "%s", err);
    struct ln_hooks h = ln_prof_hooks(p);
    struct kid k = spawn(100, true);
    struct sched_param sp = {.sched_priority = 0};
    ck_assert_int_eq(sched_setscheduler(k.pid, SCHED_BATCH, &sp), 0);
    ck_assert_int_eq(h.nf_started(h.ctx, 0, k.pid, 0), 0);
    h.window_open(h.ctx, LN_WIN_MEASURE);
    go(&k);
    usleep(100000);
    h.window_close(h.ctx, LN_WIN_MEASURE);
    go(&k);
    waitpid(k.pid, NULL, 0);

    /* the stats page's figures over the window, as the sampler gives them */
    struct ln_nf_figures fig[1];
    memset(fig, 0, sizeof(fig));
    fig[0].shares = 1;
    fig[0].stats_ok = true;
    fig[0].c.rx = 100;
    fig[0].c.recvmmsg_calls = 30;
    fig[0].c.sendmmsg_calls = 20;
    fig[0].c.phase = 1;
    fig[0].c.phase_rx_ns = 50000;   /* 500 ns/pkt */
    fig[0].c.phase_pipe_ns = 80000; /* 800 */
    fig[0].c.phase_tx_ns = 120000;  /* 1200 */
    struct ln_prof_figs f = {.fig = fig, .window_s = 0.1, .sink_reason = "no sink"};
    json_object *j = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_int_eq(ln_prof_report(p, &f, out, &j), 0);
    fclose(out);

    json_object *nf = json_object_array_get_idx(get(j, "nfs"), 0);
    ck_assert_str_eq(json_object_get_string(get(nf, "cs_policy")), "batch");
    ck_assert_msg(!strncmp(json_object_get_string(get(nf, "policy_seen")), "batch nice 0 (read back",
                           23),
                  "%s", json_object_get_string(get(nf, "policy_seen")));
    json_object *cs = get(get(nf, "terms"), "L_CS");
    if (json_object_get_boolean(get(cs, "available"))) { /* ctxsw[batch] 1500 ns, not other's 2000 */
        ck_assert_double_eq(json_object_get_double(get(cs, "cost_ns")), 1500);
        ck_assert_ptr_nonnull(strstr(buf, "[cost of ctxsw batch]"));
    }
    if (getenv("SCC_TEST_SHOW"))
        fputs(buf, stderr);

    json_object *ph = get(nf, "phases");
    ck_assert_double_eq(json_object_get_double(get(ph, "rx_ns_per_packet")), 500);
    ck_assert_double_eq(json_object_get_double(get(ph, "pipeline_ns_per_packet")), 800);
    ck_assert_double_eq(json_object_get_double(get(ph, "tx_ns_per_packet")), 1200);
    ck_assert_double_eq(json_object_get_double(get(ph, "cpu_ns_per_packet")), 2500);
    ck_assert(!json_object_get_boolean(get(ph, "rx_includes_wait")));
    ck_assert_ptr_nonnull(strstr(buf, "measured by the NF (--phase-timing)"));
    ck_assert_ptr_nonnull(strstr(buf, "measured CPU per packet (the NFs' phase sums) 2500 ns"));

    json_object *own = get(nf, "nf_syscalls");
    ck_assert_int_eq(json_object_get_int(get(own, "recvmmsg")), 30);
    ck_assert_int_eq(json_object_get_int(get(own, "sendmmsg")), 20);
    json_object *sc = get(get(nf, "terms"), "L_SC");
    if (json_object_get_type(get(own, "tracepoint_recvmmsg")) == json_type_null) {
        /* no tracepoints here: L_SC from the NF's 50 calls = 0.5/pkt (30 × 400 + 20 × 1000) */
        ck_assert(json_object_get_boolean(get(sc, "available")));
        ck_assert_double_eq(json_object_get_double(get(sc, "ns_per_packet")), 320);
        ck_assert_ptr_nonnull(strstr(json_object_get_string(get(sc, "reason")), "own counts"));
    } else {
        /* this test process makes no recvmmsg: the tracepoint counts 0 */
        ck_assert_double_eq(json_object_get_double(get(own, "tracepoint_recvmmsg")), 0);
    }
    json_object_put(j);
    free(buf);
    ln_prof_free(p);
}
END_TEST

/* One profiled target over a short window with the "default" events, its
 * stats page giving 30 recvmmsg + 20 sendmmsg for 100 packets; the run
 * file's profile section into *j. */
static json_object *default_events_run(bool default_syscalls)
{
    const struct ln_prof_target tg[1] = {{.name = "nf", .cpu = -1, .policy = PROF_CALIB_CS_OTHER}};
    char err[256], cal[512];
    const char *src = getenv("SCC_SOURCE_DIR");
    snprintf(cal, sizeof(cal), "%s/tests/fixtures/profiler/calibration.json", src ? src : ".");
    struct ln_prof_cfg cfg = {.n = 1, .targets = tg, .calibration = cal,
                              .default_syscalls = default_syscalls};
    struct ln_prof *p = ln_prof_new(&cfg, err, sizeof(err));
    ck_assert_msg(p != NULL, "%s", err);
    struct ln_hooks h = ln_prof_hooks(p);
    struct kid k = spawn(10, true);
    ck_assert_int_eq(h.nf_started(h.ctx, 0, k.pid, 0), 0);
    h.window_open(h.ctx, LN_WIN_MEASURE);
    go(&k);
    usleep(20000);
    h.window_close(h.ctx, LN_WIN_MEASURE);
    go(&k);
    waitpid(k.pid, NULL, 0);
    struct ln_nf_figures fig[1];
    memset(fig, 0, sizeof(fig));
    fig[0].shares = 1;
    fig[0].stats_ok = true;
    fig[0].c.rx = 100;
    fig[0].c.recvmmsg_calls = 30;
    fig[0].c.sendmmsg_calls = 20;
    struct ln_prof_figs f = {.fig = fig, .window_s = 0.02, .sink_reason = "no sink"};
    json_object *j = NULL;
    ck_assert_int_eq(ln_prof_report(p, &f, NULL, &j), 0);
    ln_prof_free(p);
    return j;
}

static bool has_tracepoints(json_object *nf)
{
    json_object *c = get(nf, "counters");
    for (size_t i = 0; i < json_object_array_length(c); i++)
        if (!strncmp(json_object_get_string(get(json_object_array_get_idx(c, i), "name")),
                     "syscalls:", 9))
            return true;
    return false;
}

/* The system-call tracepoints cost a busy NF throughput (every system
 * call of a traced task takes the kernel's slow path), so for NFs the
 * launcher started (ln_run: default_syscalls false) "default" leaves them
 * out and L_SC comes from the NF's own counts, saying how to add them;
 * `scc profile -p` (default_syscalls true) keeps them by default. */
START_TEST(default_events_leave_tracepoints_to_the_syscalls_group)
{
    json_object *j = default_events_run(false);
    json_object *nf = json_object_array_get_idx(get(j, "nfs"), 0);
    ck_assert(!has_tracepoints(nf));
    ck_assert(json_object_array_length(get(nf, "counters")) > 0); /* the software events */
    json_object *sc = get(get(nf, "terms"), "L_SC");
    /* 50 calls / 100 packets: 30 × 400 + 20 × 1000 over 100 packets = 320 ns */
    ck_assert(json_object_get_boolean(get(sc, "available")));
    ck_assert_double_eq(json_object_get_double(get(sc, "ns_per_packet")), 320);
    const char *why = json_object_get_string(get(sc, "reason"));
    ck_assert_msg(strstr(why, "own counts") && strstr(why, "add the syscalls group"), "%s", why);
    json_object_put(j);

    j = default_events_run(true);
    ck_assert(has_tracepoints(json_object_array_get_idx(get(j, "nfs"), 0)));
    json_object_put(j);
}
END_TEST

/* Intel PCM over the window, with a stand-in for the pcm binary
 * (SCC_PCM_BIN): started at window open with -csv=FILE, stopped with
 * SIGINT at close, its CSV (here the hand-written fixture in pcm's
 * documented layout) parsed into the run file and the text, for the NFs'
 * cores only. Without it (this host: not Intel) the source says why. */
START_TEST(pcm_runs_over_the_window)
{
    const char *src = getenv("SCC_SOURCE_DIR");
    char dir[] = "/tmp/scc-test-pcm.XXXXXX", bin[128], fixture[512], err[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(bin, sizeof(bin), "%s/pcm", dir);
    snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/profiler/pcm.csv", src ? src : ".");
    FILE *f = fopen(bin, "w");
    ck_assert_ptr_nonnull(f);
    /* writes its CSV when interrupted, as pcm does on SIGINT */
    fprintf(f, "#!/bin/sh\nfor a; do case $a in -csv=*) out=${a#-csv=};; esac; done\n"
               "trap 'cat \"%s\" > \"$out\"; exit 0' INT\n"
               "while :; do sleep 0.05; done\n",
            fixture);
    fclose(f);
    ck_assert_int_eq(chmod(bin, 0755), 0);
    setenv("SCC_PCM_BIN", bin, 1);

    const struct ln_prof_target tg[2] = {{.name = "fw", .cpu = 0}, {.name = "rt", .cpu = 0}};
    char *ev[] = {"sched"};
    struct ln_prof_cfg cfg = {.n = 2, .targets = tg, .events = ev, .nevents = 1,
                              .calibration = "/nonexistent/calibration.json"};
    struct ln_prof *p = ln_prof_new(&cfg, err, sizeof(err));
    ck_assert_msg(p != NULL, "%s", err);
    unsetenv("SCC_PCM_BIN");
    struct ln_hooks h = ln_prof_hooks(p);
    h.window_open(h.ctx, LN_WIN_MEASURE);
    usleep(300000); /* the shell's trap must be in place before the SIGINT */
    h.window_close(h.ctx, LN_WIN_MEASURE);
    uint64_t packets[2] = {10, 10};
    struct ln_prof_figs fg = {.packets = packets, .window_s = 0.3, .sink_reason = "no sink"};
    json_object *j = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_int_eq(ln_prof_report(p, &fg, out, &j), 0);
    fclose(out);
    json_object *pc = get(j, "pcm");
    ck_assert_msg(json_object_get_boolean(get(pc, "available")), "%s",
                  json_object_to_json_string(pc));
    ck_assert_int_eq(json_object_get_int(get(pc, "intervals")), 2);
    ck_assert_double_eq_tol(json_object_get_double(get(pc, "memory_read_gb")), 2.0, 1e-9);
    json_object *cores = get(pc, "cores");
    ck_assert_uint_eq(json_object_array_length(cores), 1); /* the NFs' core only */
    json_object *c0 = json_object_array_get_idx(cores, 0);
    ck_assert_int_eq(json_object_get_int(get(c0, "core")), 0);
    ck_assert_str_eq(json_object_get_string(get(c0, "nfs")), "fw, rt");
    ck_assert_double_eq_tol(json_object_get_double(get(c0, "l3_hit_ratio")), 0.45, 1e-9);
    ck_assert_ptr_nonnull(strstr(buf, "    core 0 (fw, rt): L2 hit 85.0%, L3 hit 45.0%"));
    ck_assert_ptr_nonnull(strstr(buf, "memory read 2.000 GB, written 0.750 GB"));
    json_object_put(j);
    free(buf);
    ln_prof_free(p);
    /* the CSV was removed; only the stand-in is left, ours to remove */
    ck_assert_int_eq(unlink(bin), 0);
    ck_assert_int_eq(rmdir(dir), 0);

    /* without SCC_PCM_BIN on a host that cannot run pcm: unavailable, with the reason */
    p = ln_prof_new(&cfg, err, sizeof(err));
    ck_assert_ptr_nonnull(p);
    j = NULL;
    ck_assert_int_eq(ln_prof_report(p, &fg, NULL, &j), 0);
    pc = get(j, "pcm");
    if (!json_object_get_boolean(get(pc, "available")))
        ck_assert_str_ne(json_object_get_string(get(pc, "reason")), "");
    json_object_put(j);
    ln_prof_free(p);
}
END_TEST

/* Chain fusion: three NFs in one process. Inside the group a hop is a
 * function call, so the members make no system calls; the process's
 * receive (counted on the first NF's stage) and send (on the last NF's)
 * are the head's, and the chain counts each once. The process's user/system
 * split is the group's: no NF gets it. Unfused, the same counts stay where
 * the NFs made them. */
static double nf_fig(json_object *j, int i, const char *k)
{
    json_object *n = i < 0 ? get(j, "chain") : json_object_array_get_idx(get(j, "nfs"), (size_t)i);
    json_object *f = get(get(n, "figures"), k);
    ck_assert_msg(json_object_get_boolean(get(f, "available")), "%s: %s", k,
                  json_object_to_json_string(f));
    return json_object_get_double(get(f, "value"));
}

START_TEST(fused_group_counts_the_process_once)
{
    char err[512];
    for (int fused = 0; fused < 2; fused++) {
        struct ln_prof_target tg[3] = {{.name = "fw", .cpu = 1}, {.name = "rt", .cpu = 1},
                                       {.name = "l2", .cpu = 1}};
        for (int i = 0; fused && i < 3; i++)
            tg[i].fused_head = 1; /* all three run in fw's process */
        char *ev[] = {"sched"};
        struct ln_prof_cfg cfg = {.n = 3, .targets = tg, .events = ev, .nevents = 1,
                                  .calibration = "/nonexistent/calibration.json"};
        struct ln_prof *p = ln_prof_new(&cfg, err, sizeof(err));
        ck_assert_msg(p != NULL, "%s", err);
        struct ln_hooks h = ln_prof_hooks(p);
        h.window_open(h.ctx, LN_WIN_MEASURE);
        h.window_close(h.ctx, LN_WIN_MEASURE);
        struct ln_nf_figures fg[3];
        memset(fg, 0, sizeof(fg));
        for (int i = 0; i < 3; i++) {
            fg[i].shares = 1;
            fg[i].stats_ok = true;
            fg[i].c.rx = fg[i].c.tx = 100;
        }
        /* as the sampler reports a fused group: receive on the first stage,
         * send on the last; unfused, each NF made both */
        fg[0].c.recvmmsg_calls = 100;
        fg[2].c.sendmmsg_calls = 100;
        if (!fused) {
            fg[0].c.sendmmsg_calls = fg[1].c.recvmmsg_calls = fg[1].c.sendmmsg_calls = 100;
            fg[2].c.recvmmsg_calls = 100;
        }
        struct ln_prof_figs f = {.fig = fg, .window_s = 1.0, .sink_reason = "no sink"};
        json_object *j = NULL;
        ck_assert_int_eq(ln_prof_report(p, &f, NULL, &j), 0);
        if (fused) {
            ck_assert_double_eq_tol(nf_fig(j, 0, "nf_syscalls_per_packet"), 2.0, 1e-9);
            ck_assert_double_eq_tol(nf_fig(j, 1, "nf_syscalls_per_packet"), 0.0, 1e-9);
            ck_assert_double_eq_tol(nf_fig(j, 2, "nf_syscalls_per_packet"), 0.0, 1e-9);
            ck_assert_double_eq_tol(nf_fig(j, -1, "nf_syscalls_per_packet"), 2.0, 1e-9);
            for (int i = 0; i < 3; i++) {
                json_object *u = get(get(json_object_array_get_idx(get(j, "nfs"), (size_t)i),
                                         "figures"),
                                     "user_ns_per_packet");
                ck_assert(!json_object_get_boolean(get(u, "available")));
            }
        } else {
            for (int i = 0; i < 3; i++)
                ck_assert_double_eq_tol(nf_fig(j, i, "nf_syscalls_per_packet"), 2.0, 1e-9);
            ck_assert_double_eq_tol(nf_fig(j, -1, "nf_syscalls_per_packet"), 6.0, 1e-9);
        }
        json_object_put(j);
        ln_prof_free(p);
    }
}
END_TEST

START_TEST(unknown_event_is_refused)
{
    const struct ln_prof_target tg[1] = {{.name = "nf", .cpu = -1}};
    char *ev[] = {"memory", "cache-missess"};
    char err[512] = "";
    struct ln_prof_cfg cfg = {.n = 1, .targets = tg, .events = ev, .nevents = 2};
    ck_assert_ptr_null(ln_prof_new(&cfg, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "profiler.events[1]"));
    ck_assert(ln_prof_event_valid("syscalls:sys_enter_sendmmsg"));
    ck_assert(ln_prof_event_valid("MEM_LOAD_RETIRED:L3_MISS"));
    ck_assert(!ln_prof_event_valid("syscalls:sys_enter_bogus"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ln_prof");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, restarts_add_up_over_the_window);
    tcase_add_test(tc, unknown_event_is_refused);
    tcase_add_test(tc, policy_read_back_and_the_nfs_own_figures);
    tcase_add_test(tc, default_events_leave_tracepoints_to_the_syscalls_group);
    tcase_add_test(tc, pcm_runs_over_the_window);
    tcase_add_test(tc, fused_group_counts_the_process_once);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? 1 : 0;
}
