/*
 * `scc run` — deploy a chain, drive traffic through it, report, and always
 * put the machine back.
 *
 * Order of a run: plan; take the state file (refusing over a stale one);
 * build the topology; start every NF (pinned before exec) and wait until
 * each reports ready; start sink, then generator; wait for them (or for
 * SIGINT/SIGTERM/--duration in runtime mode without traffic); read every
 * NF's counters; stop children; undo the state in reverse order. The
 * processes themselves (spawn, reap, restart, stop, signals, the run
 * hooks) are the supervisor's, ln_proc.c; the command line is cmd_run.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/traffic/tr_result.h"
#include "common/scc_log.h"
#include "launcher/ln_endpoints.h"
#include "launcher/ln_exec.h"
#include "launcher/ln_nfctl.h"
#include "launcher/ln_proc.h"
#include "launcher/ln_prof.h"
#include "launcher/ln_report.h"
#include "launcher/ln_run.h"
#include "launcher/ln_sampler.h"
#include "launcher/ln_sched.h"
#include "launcher/ln_state.h"
#include "launcher/ln_topo.h"
#include "launcher/ln_traffic.h"
#include "launcher/scc_spec.h"
#include "nfs/nf_ring.h"

struct run {
    struct scc_chain *chain;
    struct ln_plan plan;
    struct ln_state *state;
    struct ln_proc *proc;
    char gen_json[512], sink_json[512];
    char self[4096];
    char *nf_exe;
    const char *json_out;
    double duration;       /* runtime mode without traffic: 0 = until signalled */
    bool traffic;
    char stats_name[SCC_MAX_NFS][LN_STATS_NAME];
    struct ln_sampler *sampler;
    struct ln_sched *sched;  /* policies, rr time slice, reservation, chain order */
    struct ln_prof *prof;    /* profile mode: the profiler's counters; NULL otherwise */
    struct ln_placement placement;
    char notify_path[600];   /* the sink's window FIFO, "" when none */
    const char *latency_off; /* why one-way latency is not measured, or NULL */
};

/* argv for a stage's process, wrapped in `ip netns exec NS` when needed. */
static void argv_netns(struct ln_argv *b, const struct ln_stage *st)
{
    if (st->netns[0]) {
        ln_argv_add(b, "ip");
        ln_argv_add(b, "netns");
        ln_argv_add(b, "exec");
        ln_argv_add(b, st->netns);
    }
}

static void nf_argv(void *ctx, int s, struct ln_argv *b)
{
    struct run *r = ctx;
    /* Everything the NF needs, as flags: scc-nf never reads the chain spec
     * (it must not depend on the launcher). The endpoints carry the UDP
     * port, so io.udp_port needs no flag of its own. */
    const struct ln_stage *st = &r->plan.stages[s];
    const struct scc_chain *ch = r->chain;
    memset(b, 0, sizeof(*b));
    argv_netns(b, st);
    ln_argv_add(b, r->nf_exe ? r->nf_exe : "scc-nf");
    ln_argv_add(b, "--name");
    ln_argv_add(b, r->stats_name[st->nf]);
    if (st->nfused > 1) { /* a fused group: one --stage per NF, in chain order */
        for (int k = st->nf; k < st->nf + st->nfused; k++) {
            ln_argv_add(b, "--stage");
            ln_argv_add(b, ln_argv_fmt(b, "%s=%s", ch->nfs[k].name, ch->nfs[k].pipeline));
        }
    } else {
        ln_argv_add(b, "--pipeline");
        ln_argv_add(b, ch->nfs[st->nf].pipeline);
    }
    ln_argv_add(b, "--batch");
    ln_argv_add(b, ln_argv_fmt(b, "%u", ch->io.batch));
    ln_argv_add(b, "--idle");
    ln_argv_add(b, scc_idle_names[ch->io.idle]);
    /* profile mode: the NF times its own receive / pipeline / send phases,
     * the measured breakdown the profiler's model is held against */
    if (ch->mode == SCC_MODE_PROFILE)
        ln_argv_add(b, "--phase-timing");
    ln_argv_add(b, "--vni");
    ln_argv_add(b, ln_argv_fmt(b, "%u", (unsigned)ch->io.vni));
    /* uring / xdp: the endpoints keep their wire format (raw:IF, udp:IP) */
    if (ch->io.transport == SCC_TRANSPORT_URING || ch->io.transport == SCC_TRANSPORT_XDP) {
        ln_argv_add(b, "--transport");
        ln_argv_add(b, scc_transport_names[ch->io.transport]);
    }
    if (ch->io.uring_sqpoll)
        ln_argv_add(b, "--uring-sqpoll");
    if (ch->io.uring_sqpoll && scc_cpuset_count(&ch->io.uring_sqpoll_cpus)) {
        ln_argv_add(b, "--uring-sqpoll-cpu");
        ln_argv_add(b, ln_argv_fmt(b, "%d", scc_cpuset_first(&ch->io.uring_sqpoll_cpus)));
    }
    if (ch->io.uring_sqpoll && ch->io.uring_spin_us) {
        ln_argv_add(b, "--uring-spin-us");
        ln_argv_add(b, ln_argv_fmt(b, "%u", ch->io.uring_spin_us));
    }
    ln_argv_add(b, "--in");
    ln_argv_add(b, st->in_ep);
    ln_argv_add(b, "--out");
    ln_argv_add(b, st->out_ep);
    if (ch->nfs[st->nf].user[0]) { /* least privilege: docs/security.md */
        ln_argv_add(b, "--user");
        ln_argv_add(b, ch->nfs[st->nf].user);
    }
    if (ln_sched_nf_yields(ch, &r->plan, st->nf)) /* chain-order: hand the core on */
        ln_argv_add(b, "--yield");
    unsigned ri, rn;
    int rcore;
    if (ln_sched_nf_ring(ch, &r->plan, st->nf, &ri, &rn, &rcore)) { /* chain-order token */
        char path[512];
        ln_sched_ring_path(&r->plan, rcore, path, sizeof(path));
        ln_argv_add(b, "--ring");
        ln_argv_add(b, ln_argv_fmt(b, "%u/%u:%s", ri, rn, path));
    }
    if (st->set_dst_mac) {
        char m[20];
        scc_mac_format(st->dst_mac, m, sizeof(m));
        ln_argv_add(b, "--dst-mac");
        ln_argv_add(b, ln_argv_fmt(b, "%s", m));
    }
    /* replies only come back from endpoints: without them (generator to
     * sink) the NF keeps its one-way loop, one receive call per batch */
    enum scc_reverse rv = ch->nfs[st->nf].reverse;
    if (r->plan.endpoints && (rv == SCC_REVERSE_PIPELINE || rv == SCC_REVERSE_STRAIGHT)) {
        ln_argv_add(b, "--reverse");
        ln_argv_add(b, rv == SCC_REVERSE_PIPELINE ? "pipeline" : "straight");
        if (st->set_rev_dst_mac) {
            char m[20];
            scc_mac_format(st->rev_dst_mac, m, sizeof(m));
            ln_argv_add(b, "--rev-dst-mac");
            ln_argv_add(b, ln_argv_fmt(b, "%s", m));
        }
    }
}

static void traffic_argv(struct run *r, bool gen, struct ln_argv *b)
{
    const struct scc_chain *ch = r->chain;
    const struct ln_plan *p = &r->plan;
    const struct ln_stage *st = &p->stages[gen ? 0 : p->nstages - 1];
    memset(b, 0, sizeof(*b));
    argv_netns(b, st);
    ln_argv_add(b, r->self);
    ln_argv_add(b, "-q");
    ln_argv_add(b, gen ? "gen" : "sink");
    struct ln_traffic_argv ta = {b->argv, &b->n, 63, b->store + b->used,
                                 sizeof(b->store) - b->used};
    ln_traffic_args(ch, st, &r->placement, gen, gen ? r->gen_json : r->sink_json,
                    gen || !r->notify_path[0] ? NULL : r->notify_path, r->latency_off, &ta);
    b->argv[b->n] = NULL;
}

static int teardown(struct run *r)
{
    if (!r->state)
        return 0;
    ln_proc_stop_all(r->proc);
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

/* xdp: the NF attaches libxdp's program to its interfaces and cannot
 * detach it (docs/io.md); journal them before it starts, so that
 * teardown and `scc cleanup` detach what is left on one that survives. */
static int xdp_journal(struct run *r, int s)
{
    const struct ln_stage *st = &r->plan.stages[s];
    const char *eps[2] = {st->in_ep, st->out_ep};
    for (int k = 0; k < 2; k++) {
        if (strncmp(eps[k], "raw:", 4) != 0 || (k == 1 && !strcmp(eps[0], eps[1])))
            continue;
        if (!ln_dry_run && ln_state_add_xdp(r->state, eps[k] + 4, st->netns) < 0) {
            scc_err("state file: cannot journal the XDP program on %s", eps[k] + 4);
            return -1;
        }
    }
    return 0;
}

/* chain_order "token": one ring segment per core, made (all zero: the
 * token starts with the ring's first NF) and journaled before its NFs
 * start; the NFs map it and the run's undo removes it. */
static int make_ring(struct run *r, int s)
{
    unsigned ri, rn;
    int core;
    if (!ln_sched_nf_ring(r->chain, &r->plan, r->plan.stages[s].nf, &ri, &rn, &core) || ri != 0)
        return 0;
    char path[512];
    ln_sched_ring_path(&r->plan, core, path, sizeof(path));
    if (ln_dry_run) {
        printf("  create %s (%u-NF token ring on core %d)\n", path, rn, core);
        return 0;
    }
    if (ln_state_add(r->state, "file %s", path) < 0)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || ftruncate(fd, NF_RING_SEG_SIZE) < 0) {
        scc_err("token ring for core %d: %s: %s", core, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int start_nfs(struct run *r)
{
    ln_test_step(); /* test only: topology and chain-wide scheduling done */
    for (int s = 1; s < r->plan.nstages - 1; s++)
        if (r->plan.stages[s].local && make_ring(r, s) < 0)
            return -1;
    for (int s = 1; s < r->plan.nstages - 1; s++) {
        if (!r->plan.stages[s].local || ln_stage_member(&r->plan, s))
            continue; /* a fused member runs in its head's process */
        struct ln_argv b;
        nf_argv(r, s, &b);
        if (r->chain->io.transport == SCC_TRANSPORT_XDP && xdp_journal(r, s) < 0)
            return -1;
        if (ln_proc_spawn(r->proc, s, &b) < 0)
            return -1;
        ln_test_step();
    }
    if (ln_dry_run)
        return 0;
    /* every NF must publish "ready" (its sockets are open) before traffic starts */
    uint64_t deadline = scc_now_ns() + 10ull * 1000000000ull;
    for (int s = 1; s < r->plan.nstages - 1; s++) {
        if (!r->plan.stages[s].local || ln_stage_member(&r->plan, s))
            continue;
        const char *name = r->stats_name[r->plan.stages[s].nf];
        for (;;) {
            if (ln_proc_reap(r->proc))
                return -1;
            if (ln_nf_ready(name))
                break;
            if (ln_proc_stopping(r->proc))
                return -1;
            if (scc_now_ns() > deadline) {
                scc_err("NF %s did not report ready within 10 s", r->plan.stages[s].name);
                ln_proc_log_tail(r->proc, s);
                return -1;
            }
            ln_proc_wait(r->proc, 10);
        }
    }
    return 0;
}

/* Wait for the supervisor's events up to ms, and in the profiler's
 * interval mode no longer than its interval, then let it sample. */
static void wait_tick(struct run *r, int ms)
{
    /* the profiler's next deadline (rescan, interval) is absolute: wake
     * for it, rounded up so it is never early */
    uint64_t d = r->prof ? ln_prof_deadline(r->prof) : 0, now = scc_now_ns();
    int left = !d ? ms : d <= now ? 0 : (int)((d - now + 999999) / 1000000);
    ln_proc_wait(r->proc, left < ms ? left : ms);
    if (r->prof && ln_prof_tick(r->prof) < 0)
        scc_warn("profiler: out of memory for an interval");
}

/* After the generator stopped: wait until the NFs' receive counters stand
 * still (frames in flight have reached the sink or a counter), at most 1 s. */
static void drain(struct run *r)
{
    uint64_t last = ln_sampler_rx_now(r->sampler), until = scc_now_ns() + 1000000000ull;
    int still = 0;
    while (still < 3 && scc_now_ns() < until && !ln_proc_stopping(r->proc)) {
        ln_proc_wait(r->proc, 10);
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
    return ln_proc_open_window_fifo(r->proc, r->notify_path);
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
    struct ln_argv b;
    if (have_sink) {
        if (ln_dry_run)
            snprintf(r->notify_path, sizeof(r->notify_path), "%s/%s.window", ln_state_dir(),
                     p->state_name);
        else if (make_notify(r) < 0)
            return -1;
        traffic_argv(r, false, &b);
        if (ln_proc_spawn(r->proc, p->nstages - 1, &b) < 0)
            return -1;
        if (!ln_dry_run) { /* the sink's socket must be open before the first packet */
            char ready[600];
            snprintf(ready, sizeof(ready), "%s.ready", r->sink_json);
            if (ln_state_add(r->state, "file %s", ready) < 0)
                return -1;
            uint64_t until = scc_now_ns() + 5000000000ull;
            while (access(ready, F_OK) != 0) {
                if (ln_proc_stopping(r->proc) || ln_proc_reap(r->proc) || !ln_proc_alive(r->proc, p->nstages - 1) || scc_now_ns() > until) {
                    scc_err("the sink did not start listening");
                    ln_proc_log_tail(r->proc, p->nstages - 1);
                    return -1;
                }
                ln_proc_wait(r->proc, 5);
            }
        }
    }
    if (!ln_dry_run)
        ln_proc_window(r->proc, LN_WIN_RUN, true);
    if (have_gen) {
        traffic_argv(r, true, &b);
        if (ln_proc_spawn(r->proc, 0, &b) < 0)
            return -1;
    }
    if (ln_dry_run)
        return 0;
    if (!have_gen && !have_sink) {
        scc_info("this host runs only NFs of the chain; Ctrl-C to stop");
        while (!ln_proc_stopping(r->proc) && !ln_proc_reap(r->proc))
            ln_proc_wait(r->proc, 200);
        ln_proc_window(r->proc, LN_WIN_RUN, false);
        return ln_proc_failed_stage(r->proc) >= 0 ? -1 : 0;
    }
    /* count-based runs last count/rate seconds, not duration_s */
    double secs = traffic_seconds(&r->chain->traffic);
    double limit = secs + 30;
    uint64_t deadline = scc_now_ns() + (uint64_t)(limit * 1e9);
    /* no progress line under the profiler's interval lines (it would
     * share their terminal line) */
    bool tty = isatty(STDERR_FILENO) && !(r->prof && r->chain->profiler.interval_ms);
    uint64_t t0 = scc_now_ns();
    bool gen_done = false;
    while (!ln_proc_stopping(r->proc)) {
        if (ln_proc_reap(r->proc))
            return -1;
        bool gen_running = have_gen && ln_proc_alive(r->proc, 0);
        bool sink_running = have_sink && ln_proc_alive(r->proc, p->nstages - 1);
        if (have_gen && !gen_running && !gen_done) {
            /* the generator sent its last frame: the window ends once the
             * chain has drained, not when the sink's idle timeout fires */
            gen_done = true;
            drain(r);
            ln_proc_window(r->proc, LN_WIN_MEASURE, false);
        }
        if (!have_gen && ln_proc_window_closed(r->proc))
            ln_proc_window(r->proc, LN_WIN_MEASURE, false);
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
        wait_tick(r, 100);
    }
    if (tty)
        fprintf(stderr, "\r%40s\r", "");
    ln_proc_poll_window(r->proc);
    ln_proc_window(r->proc, LN_WIN_MEASURE, false);
    ln_proc_window(r->proc, LN_WIN_RUN, false);
    return ln_proc_stopping(r->proc) ? -1 : 0;
}

static int stay_up(struct run *r)
{
    uint64_t end = r->duration > 0 ? scc_now_ns() + (uint64_t)(r->duration * 1e9) : 0;
    scc_info("chain %s is up (%d NFs)%s", r->chain->name, r->chain->nnfs,
             end ? "" : "; Ctrl-C to stop");
    if (r->plan.endpoints)
        ln_endpoints_print(&r->plan, stdout);
    /* without traffic the whole stay is the window */
    ln_proc_window(r->proc, LN_WIN_RUN, true);
    ln_proc_window(r->proc, LN_WIN_MEASURE, true);
    int rc = 0;
    while (!ln_proc_stopping(r->proc)) {
        if (ln_proc_reap(r->proc)) {
            rc = -1;
            break;
        }
        if (end && scc_now_ns() >= end)
            break;
        wait_tick(r, 200);
    }
    ln_proc_window(r->proc, LN_WIN_MEASURE, false);
    ln_proc_window(r->proc, LN_WIN_RUN, false);
    return rc;
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
        .sched = r->sched ? ln_sched_json(r->sched) : NULL,
    };
    struct ln_prof_figs pf = {
        .fig = in.window,
        .window_s = in.window_s,
        .sink = in.sink,
        .sink_reason = serr,
    };
    /* the model twice (cheap): its JSON goes into the run file that
     * ln_report writes, its table after the report's own text */
    if (r->prof && r->json_out && ln_prof_report(r->prof, &pf, NULL, &in.profile) < 0)
        scc_warn("profile: could not build the run file's profile section");
    int rc = ln_report(&in, stdout, r->json_out, err, sizeof(err));
    json_object_put(in.sched);
    json_object_put(in.profile);
    if (r->prof && ln_prof_report(r->prof, &pf, stdout, NULL) < 0)
        scc_err("profile: cannot write the profile table");
    if (rc < 0) {
        scc_err("%s", err);
        return -1;
    }
    return 0;
}

static enum prof_calib_policy_row policy_row(const struct scc_sched_params *sp)
{
    switch (sp->policy) {
    case SCC_POLICY_BATCH: return PROF_CALIB_CS_BATCH;
    case SCC_POLICY_RR: return PROF_CALIB_CS_RR;
    case SCC_POLICY_FIFO: return PROF_CALIB_CS_FIFO;
    default: return sp->nice < 0 ? PROF_CALIB_CS_OTHER_NICE : PROF_CALIB_CS_OTHER;
    }
}

/* The profiler for a chain: one target per NF (those of other hosts are
 * never started here and report no packets). */
static struct ln_prof *new_prof(const struct scc_chain *ch, const struct ln_plan *plan,
                                char (*stats_name)[LN_STATS_NAME], char *err, size_t len)
{
    struct ln_prof_target tg[SCC_MAX_NFS];
    for (int i = 0; i < ch->nnfs; i++)
        tg[i] = (struct ln_prof_target){.name = ch->nfs[i].name,
                                        .cpu = scc_cpuset_first(&ch->nfs[i].cpus),
                                        .policy = policy_row(&ch->nfs[i].sched),
                                        .stats_name = stats_name[i][0] ? stats_name[i] : NULL};
    /* fused groups: which NF's process runs each NF */
    for (int s = 1; s < plan->nstages - 1; s++) {
        const struct ln_stage *st = &plan->stages[s];
        if (st->nf < 0 || st->group < 1 || st->group >= plan->nstages - 1)
            continue;
        const struct ln_stage *hd = &plan->stages[st->group];
        if (hd->nf >= 0 && hd->nfused > 1)
            tg[st->nf].fused_head = hd->nf + 1;
    }
    struct ln_prof_cfg cfg = {.n = ch->nnfs,
                              .targets = tg,
                              .events = ch->profiler.events,
                              .nevents = ch->profiler.nevents,
                              .interval_ms = ch->profiler.interval_ms,
                              .interval_out = stdout,
                              .calibration = ch->profiler.calibration};
    err[0] = '\0';
    return ln_prof_new(&cfg, err, len);
}

int ln_run(struct scc_chain *ch, const struct ln_run_opts *o)
{
    struct run r = {.chain = ch, .json_out = o->json_out, .duration = o->duration};
    struct ln_proc_cfg pc = {.chain = ch,
                             .plan = &r.plan,
                             .placement = &r.placement,
                             .stats_name = (const char (*)[LN_STATS_NAME])r.stats_name,
                             .nf_argv = nf_argv,
                             .ctx = &r};
    if (!(r.proc = ln_proc_new(&pc))) {
        fprintf(stderr, "scc run: out of memory\n");
        return 1;
    }
    /* endpoints replace the generator and sink (the spec refuses both) */
    r.traffic = ch->traffic.present && !o->no_traffic && !ch->endpoints.present;

    char err[256];
    int rc = 2;
    if (ln_plan_build(ch, o->host, &r.plan, err, sizeof(err)) < 0) {
        fprintf(stderr, "scc run: %s\n", err);
        goto out;
    }
    /* a fused member's counters are a row of its head's page */
    for (int s = 1; s < r.plan.nstages - 1; s++)
        ln_nf_stats_name(r.plan.state_name, r.plan.stages[r.plan.stages[s].group].name,
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
    if (!(r.sched = ln_sched_new(ch, &r.plan))) {
        fprintf(stderr, "scc run: out of memory\n");
        rc = 1;
        goto out;
    }
    if (ln_sched_check(r.sched, r.traffic ? &r.placement : NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "scc run: %s\n", err);
        goto out;
    }
    if (ln_self_exe(r.self, sizeof(r.self)) < 0)
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
        ln_endpoints_setup(&r.plan);
        ln_sched_before_nfs(r.sched);
        start_nfs(&r);
        ln_sched_reserve(r.sched, stdout);
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

    int e = ln_proc_take_signals(r.proc);
    if (e < 0) {
        fprintf(stderr, "scc run: signalfd: %s\n", strerror(-e));
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
        for (int s = 1; s < r.plan.nstages - 1; s++) /* fused groups: a row per NF */
            if (r.plan.stages[s].nfused > 1)
                ln_sampler_set_group(r.sampler, r.plan.stages[s].nf, r.plan.stages[s].nfused);
        /* scheduling first: an NF runs under its policy before it is sampled */
        struct ln_hooks h = ln_sched_hooks(r.sched);
        ln_proc_add_hooks(r.proc, &h);
        h = ln_sampler_hooks(r.sampler);
        ln_proc_add_hooks(r.proc, &h);
        if (ch->mode == SCC_MODE_PROFILE) {
            if (!(r.prof = new_prof(ch, &r.plan, r.stats_name, err, sizeof(err)))) {
                fprintf(stderr, "scc run: profiler: %s\n",
                        errno == ENOMEM ? "out of memory" : err);
                rc = errno == ENOMEM ? 1 : 2;
                goto out;
            }
            /* after the sampler: its window edges are taken first, and the
             * profiler's open/read cost falls outside them */
            h = ln_prof_hooks(r.prof);
            ln_proc_add_hooks(r.proc, &h);
        }
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
        char path[600], who[200];
        snprintf(path, sizeof(path), "%s/%s.state", ln_state_dir(), r.plan.state_name);
        ln_state_owner_describe(path, who, sizeof(who));
        fprintf(stderr, "scc run: chain '%s' is %s; not starting it twice (see %s)\n",
                r.plan.state_name, who, path);
        rc = 1;
        goto out;
    }
    if (src < 0) {
        fprintf(stderr, "scc run: cannot create the state file in %s: %s\n", ln_state_dir(),
                strerror(-src));
        rc = 1;
        goto out;
    }
    ln_proc_set_state(r.proc, r.state);
    ln_sched_set_state(r.sched, r.state);
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
    if (ln_topo_create(&r.plan, r.state) < 0 || ln_endpoints_setup(&r.plan) < 0 ||
        ln_sched_before_nfs(r.sched) < 0 || start_nfs(&r) < 0 ||
        ln_sched_reserve(r.sched, stdout) < 0 || ln_state_mark_running(r.state) < 0)
        goto teardown;
    /* the kernel's view of every NF, before traffic */
    ln_sched_print(r.sched, stdout);
    fflush(stdout);
    int drc = r.traffic ? drive(&r) : stay_up(&r);
    if (drc == 0 || (ln_proc_stopping(r.proc) && ln_proc_failed_stage(r.proc) < 0)) {
        rc = drc == 0 ? 0 : 130;
        if (report(&r) < 0 && rc == 0)
            rc = 1;
    }

teardown:
    if (teardown(&r) < 0 && rc == 0)
        rc = 1;
out:
    ln_proc_free(r.proc);
    ln_sampler_free(r.sampler);
    ln_prof_free(r.prof);
    ln_sched_free(r.sched);
    free(r.nf_exe);
    return rc;
}

