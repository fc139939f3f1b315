/*
 * ln_sampler — see ln_sampler.h.
 */
#include "launcher/ln_sampler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"
#include "profiler/prof_counter.h"

#include <linux/perf_event.h>

struct nf_slot {
    const char *stats;       /* NULL: not on this host */
    int stage;               /* fused: its stage on the group's page; -1 not fused */
    int head, nfused;        /* fused: the group's first NF and (on it) its size */
    pid_t pid;               /* 0: no live process */
    struct prof_counter *tc; /* perf task-clock of pid, NULL when unavailable */
    bool have_start[LN_NWINDOWS];
    struct ln_nf_sample start[LN_NWINDOWS];
};

struct ln_sampler {
    int nnf;
    struct nf_slot *nf;
    struct ln_nf_figures *fig[LN_NWINDOWS];
    bool open[LN_NWINDOWS], opened[LN_NWINDOWS];
    uint64_t t_open[LN_NWINDOWS], t_close[LN_NWINDOWS];
    struct ln_nf_sample scratch;
};

struct ln_sampler *ln_sampler_new(int nnf, const char *const *names)
{
    struct ln_sampler *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->nnf = nnf;
    s->nf = calloc((size_t)nnf + 1, sizeof(*s->nf));
    for (int w = 0; w < LN_NWINDOWS; w++)
        s->fig[w] = calloc((size_t)nnf + 1, sizeof(struct ln_nf_figures));
    if (!s->nf || !s->fig[0] || !s->fig[1]) {
        ln_sampler_free(s);
        return NULL;
    }
    for (int i = 0; i < nnf; i++) {
        s->nf[i].stats = names[i];
        s->nf[i].stage = -1;
        s->nf[i].head = i;
        s->nf[i].nfused = 1;
    }
    return s;
}

int ln_sampler_set_group(struct ln_sampler *s, int head, int n)
{
    if (head < 0 || n < 1 || head + n > s->nnf)
        return -EINVAL;
    for (int k = 0; k < n; k++) {
        struct nf_slot *m = &s->nf[head + k];
        m->stage = n > 1 ? k : -1;
        m->head = head;
        m->nfused = k ? 0 : n;
        m->stats = s->nf[head].stats;
    }
    return 0;
}

/* ln_nf_sample plus the NF's task-clock counter. A fused member other
 * than the first reads no process figures: they are the group's, on its
 * first NF (split by split_cpu). */
static void sample(struct nf_slot *n, pid_t pid, struct ln_nf_sample *out)
{
    ln_nf_sample_stage(n->stats, n->stage > 0 ? 0 : pid, n->stage, out);
    struct prof_count c;
    if (n->tc && prof_counter_read(n->tc, &c) == 0 && c.counted) {
        out->have_task_clock = true;
        out->task_clock_ns = (uint64_t)c.value;
    }
}

void ln_sampler_free(struct ln_sampler *s)
{
    if (!s)
        return;
    for (int i = 0; s->nf && i < s->nnf; i++)
        prof_counter_close(s->nf[i].tc);
    free(s->nf);
    for (int w = 0; w < LN_NWINDOWS; w++)
        free(s->fig[w]);
    free(s);
}

/* Close the share of NF i's current process in every open window. */
static void end_share(struct ln_sampler *s, int i, const struct ln_nf_sample *end)
{
    for (int w = 0; w < LN_NWINDOWS; w++)
        if (s->open[w] && s->nf[i].have_start[w]) {
            ln_nf_figures_add(&s->fig[w][i], &s->nf[i].start[w], end);
            s->nf[i].have_start[w] = false;
        }
}

static void member_started(struct ln_sampler *s, int i, pid_t pid)
{
    s->nf[i].pid = pid;
    for (int w = 0; w < LN_NWINDOWS; w++)
        if (s->open[w]) {
            ln_nf_sample_zero(&s->nf[i].start[w]);
            s->nf[i].start[w].proc.valid = false; /* no process figures of its own */
            s->nf[i].start[w].have_task_clock = false;
            s->nf[i].have_start[w] = true;
        }
}

static int on_started(void *ctx, int i, pid_t pid, int incarnation)
{
    struct ln_sampler *s = ctx;
    if (i < 0 || i >= s->nnf)
        return 0;
    /* a fused group's process runs its members too */
    for (int k = 1; k < s->nf[i].nfused; k++)
        member_started(s, i + k, pid);
    s->nf[i].pid = pid;
    /* task-clock as perf counts it, next to schedstat's run time
     * (docs/launcher.md "Which CPU time"); counting from now, so a
     * process started inside a window starts from zero in it */
    prof_counter_close(s->nf[i].tc);
    s->nf[i].tc = prof_counter_open(pid, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
    for (int w = 0; w < LN_NWINDOWS; w++)
        if (s->open[w]) {
            ln_nf_sample_zero(&s->nf[i].start[w]);
            s->nf[i].have_start[w] = true;
        }
    (void)incarnation;
    return 0;
}

static void on_exited(void *ctx, int i, pid_t pid, int status)
{
    struct ln_sampler *s = ctx;
    (void)status;
    if (i < 0 || i >= s->nnf || s->nf[i].pid != pid)
        return;
    /* not reaped yet: /proc/PID still holds its final figures, and its
     * stats page its last published counters (a fused group: every
     * member's row of it) */
    for (int k = s->nf[i].nfused - 1; k >= 0; k--) {
        sample(&s->nf[i + k], pid, &s->scratch);
        end_share(s, i + k, &s->scratch);
        s->nf[i + k].pid = 0;
    }
    prof_counter_close(s->nf[i].tc);
    s->nf[i].tc = NULL;
}

/* A fused group's process figures over window w, once every share is in:
 * with phase timing on every member, run time and task clock are split
 * by the members' pipeline ns; else the first NF keeps the group's CPU
 * and says so (cpu_group), and the others have none. Never a made-up
 * split. */
static void split_cpu(struct ln_sampler *s, enum ln_window w)
{
    for (int h = 0; h < s->nnf; h++) {
        int n = s->nf[h].nfused;
        if (n < 2)
            continue;
        struct ln_nf_figures *f = &s->fig[w][h];
        uint64_t sum = 0;
        bool split = true;
        for (int k = 0; k < n; k++) {
            const struct ln_nf_figures *m = &s->fig[w][h + k];
            split &= m->shares > 0 && m->stats_ok && m->c.phase == 1;
            sum += m->c.phase_pipe_ns;
        }
        split &= sum > 0 && f->proc_ok;
        if (!split) {
            f->cpu_group = true;
            for (int k = 1; k < n; k++)
                s->fig[w][h + k].cpu_group = true;
            continue;
        }
        struct prof_proc_sample whole = f->proc;
        uint64_t tc = f->task_clock_ns;
        bool tc_ok = f->task_clock_ok;
        for (int k = 0; k < n; k++) {
            struct ln_nf_figures *m = &s->fig[w][h + k];
            double share = (double)m->c.phase_pipe_ns / (double)sum;
            if (k > 0) {
                memset(&m->proc, 0, sizeof(m->proc));
                m->proc.valid = true;
            }
            m->proc_ok = true;
            m->proc.run_ns = (uint64_t)((double)whole.run_ns * share + 0.5);
            m->task_clock_ok = tc_ok;
            m->task_clock_ns = tc_ok ? (uint64_t)((double)tc * share + 0.5) : 0;
            m->cpu_split = true;
        }
    }
}

static void on_open(void *ctx, enum ln_window w)
{
    struct ln_sampler *s = ctx;
    if (s->open[w])
        return;
    s->open[w] = s->opened[w] = true;
    s->t_open[w] = scc_now_ns();
    for (int i = 0; i < s->nnf; i++) {
        if (!s->nf[i].stats || !s->nf[i].pid)
            continue;
        sample(&s->nf[i], s->nf[i].pid, &s->nf[i].start[w]);
        s->nf[i].have_start[w] = true;
    }
}

static void on_close(void *ctx, enum ln_window w)
{
    struct ln_sampler *s = ctx;
    if (!s->open[w])
        return;
    for (int i = 0; i < s->nnf; i++) {
        if (!s->nf[i].have_start[w])
            continue;
        sample(&s->nf[i], s->nf[i].pid, &s->scratch);
        ln_nf_figures_add(&s->fig[w][i], &s->nf[i].start[w], &s->scratch);
        s->nf[i].have_start[w] = false;
    }
    split_cpu(s, w);
    s->open[w] = false;
    s->t_close[w] = scc_now_ns();
}

struct ln_hooks ln_sampler_hooks(struct ln_sampler *s)
{
    return (struct ln_hooks){.ctx = s, .nf_started = on_started, .nf_exited = on_exited,
                             .window_open = on_open, .window_close = on_close};
}

const struct ln_nf_figures *ln_sampler_figures(const struct ln_sampler *s, enum ln_window w)
{
    return s->fig[w];
}

bool ln_sampler_opened(const struct ln_sampler *s, enum ln_window w)
{
    return s->opened[w];
}

bool ln_sampler_is_open(const struct ln_sampler *s, enum ln_window w)
{
    return s->open[w];
}

double ln_sampler_seconds(const struct ln_sampler *s, enum ln_window w)
{
    if (!s->opened[w])
        return 0;
    uint64_t end = s->open[w] ? scc_now_ns() : s->t_close[w];
    return (double)(end - s->t_open[w]) / 1e9;
}

uint64_t ln_sampler_rx_now(const struct ln_sampler *s)
{
    uint64_t rx = 0;
    struct ln_nf_sample x;
    for (int i = 0; i < s->nnf; i++) {
        if (!s->nf[i].stats || !s->nf[i].pid || s->nf[i].stage > 0)
            continue; /* a fused group: once, its first stage */
        ln_nf_sample_stage(s->nf[i].stats, 0, s->nf[i].stage, &x);
        rx += x.c.rx;
    }
    return rx;
}
