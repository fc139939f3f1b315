/*
 * ln_sampler — see ln_sampler.h.
 */
#include "launcher/ln_sampler.h"

#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"
#include "profiler/prof_counter.h"

#include <linux/perf_event.h>

struct nf_slot {
    const char *stats;       /* NULL: not on this host */
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
    for (int i = 0; i < nnf; i++)
        s->nf[i].stats = names[i];
    return s;
}

/* ln_nf_sample plus the NF's task-clock counter. */
static void sample(struct nf_slot *n, pid_t pid, struct ln_nf_sample *out)
{
    ln_nf_sample(n->stats, pid, out);
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

static int on_started(void *ctx, int i, pid_t pid, int incarnation)
{
    struct ln_sampler *s = ctx;
    if (i < 0 || i >= s->nnf)
        return 0;
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
     * stats page its last published counters */
    sample(&s->nf[i], pid, &s->scratch);
    end_share(s, i, &s->scratch);
    s->nf[i].pid = 0;
    prof_counter_close(s->nf[i].tc);
    s->nf[i].tc = NULL;
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
        if (!s->nf[i].stats || !s->nf[i].pid)
            continue;
        ln_nf_sample(s->nf[i].stats, 0, &x);
        rx += x.c.rx;
    }
    return rx;
}
