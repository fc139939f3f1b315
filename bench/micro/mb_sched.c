/*
 * mb_sched — context-switch cost per scheduling policy and cross-core
 * wake-up cost, lat_ctx style.
 *
 * Context switch: two processes pinned to one core pass a one-byte token
 * over two pipes. A round trip is two switches plus four pipe syscalls; the
 * same four syscalls in one process are the overhead, measured in the same
 * process under the same policy and subtracted (mb_ctxsw_per_switch).
 *
 * Only the benchmark's own children change scheduling: the command forks a
 * "runner" which pins itself, sets the policy (and nice) through the
 * scheduler library (scheduler/sched_policy.h) and then forks its
 * partner, which inherits policy, nice and affinity across fork(2). Results
 * come back to the command over a pipe. Real-time runs are kept short (each
 * repetition ~50 ms, with sleeps between) because of RT throttling
 * (sched_rt_runtime_us 950000 per 1 s period).
 *
 * Wake-up: the same token passing with the partner pinned to another core,
 * blocking in read(2) (the waker pays the remote wake-up: IPI, and on a VM
 * the halted vCPU's exit and re-entry) or spinning on a shared cache line.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/micro/mb_bench.h"
#include "common/scc_log.h"
#include "common/scc_util.h"
#include "scheduler/sched_policy.h"

#define MAX_REPS 32

struct run_result {
    int err;                 /* 0 ok, else errno of the failing step */
    char msg[PROF_CALIB_REASON_MAX]; /* "the failing call: strerror" */
    unsigned reps;
    double rt[MAX_REPS];     /* ns per round trip */
    double base[MAX_REPS];   /* ns per overhead round (one process) */
};

struct run_spec {
    int policy;      /* SCHED_OTHER, ... */
    int nice;
    int rt_priority;
    int cpu;         /* runner's core */
    int cpu2;        /* partner's core (== cpu for ctxsw) */
    unsigned reps;
    bool quick;
    bool spin;       /* wakeup: shared-line spinning instead of pipes */
};

static void fail(struct run_result *r, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct run_result *r, int e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
    r->err = e ? e : EIO;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static void nap_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* One pipe round trip: token out on a, back on b. */
static inline int pipe_round(int a_w, int b_r)
{
    char t = 't';
    if (write(a_w, &t, 1) != 1 || read(b_r, &t, 1) != 1)
        return -1;
    return 0;
}

static void pipe_partner(int a_r, int b_w)
{
    char t;
    while (read(a_r, &t, 1) == 1)
        if (write(b_w, &t, 1) != 1)
            break;
    _exit(0);
}

/* Spinning ping-pong over two cache lines in a shared mapping. */
struct spin_page {
    _Alignas(64) _Atomic uint64_t ping;
    _Alignas(64) _Atomic uint64_t pong;
};
#define SPIN_STOP UINT64_MAX

static void spin_partner(struct spin_page *sp)
{
    uint64_t last = 0;
    uint64_t t0 = scc_now_ns();
    for (unsigned long spins = 0;; spins++) {
        uint64_t v = atomic_load_explicit(&sp->ping, memory_order_acquire);
        if (v == SPIN_STOP)
            _exit(0);
        if (v != last) {
            last = v;
            atomic_store_explicit(&sp->pong, v, memory_order_release);
            t0 = scc_now_ns();
        } else if ((spins & 0xfffff) == 0 && scc_now_ns() - t0 > 5000000000ull) {
            _exit(1); /* the runner went away */
        }
    }
}

static int spin_rounds(struct spin_page *sp, uint64_t *seq, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t v = ++*seq;
        atomic_store_explicit(&sp->ping, v, memory_order_release);
        uint64_t t0 = 0;
        for (unsigned long k = 0; atomic_load_explicit(&sp->pong, memory_order_acquire) != v;
             k++) {
            if ((k & 0xfffff) == 0) {
                uint64_t now = scc_now_ns();
                if (!t0)
                    t0 = now;
                else if (now - t0 > 2000000000ull)
                    return -1;
            }
        }
    }
    return 0;
}

/* Runner body (in its own process): set up scheduling, measure, report. */
static void runner(const struct run_spec *s, struct run_result *r)
{
    int e = mb_pin(s->cpu);
    if (e < 0)
        return fail(r, -e, "sched_setaffinity(cpu %d): %s", s->cpu, strerror(-e));
    /* policy, nice and priority in one call; the message carries the
     * failing call and the advice (CAP_SYS_NICE / RLIMIT_RTPRIO) */
    struct sched_policy_req req = {.policy = s->policy, .nice = s->nice,
                                   .rt_priority = s->rt_priority};
    e = sched_policy_apply(0, &req, r->msg, sizeof(r->msg));
    if (e < 0) {
        r->err = -e;
        return;
    }
    unsigned reps = s->reps > MAX_REPS ? MAX_REPS : s->reps;
    /* Target time per timed repetition; RT runs stay far below the 950 ms
     * throttling budget. */
    uint64_t target = s->quick ? 15000000ull : 50000000ull;

    if (s->spin) {
        struct spin_page *pg = mmap(NULL, sizeof(*pg), PROT_READ | PROT_WRITE,
                                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (pg == MAP_FAILED)
            return fail(r, errno, "mmap(MAP_SHARED): %s", strerror(errno));
        pid_t pid = fork();
        if (pid < 0) {
            int er = errno;
            munmap(pg, sizeof(*pg));
            return fail(r, er, "fork: %s", strerror(er));
        }
        if (pid == 0) {
            if (mb_pin(s->cpu2) < 0)
                _exit(1);
            spin_partner(pg);
        }
        uint64_t seq = 0;
        int bad = spin_rounds(pg, &seq, 2000); /* warm-up + partner start */
        uint64_t t0 = scc_now_ns();
        bad |= spin_rounds(pg, &seq, 1000);
        double est = (double)(scc_now_ns() - t0) / 1000.0;
        unsigned n = (unsigned)((double)target / (est > 10 ? est : 10));
        if (n < 1000)
            n = 1000;
        for (unsigned k = 0; k < reps && !bad; k++) {
            t0 = scc_now_ns();
            bad = spin_rounds(pg, &seq, n);
            r->rt[k] = (double)(scc_now_ns() - t0) / n;
            r->base[k] = 0;
            r->reps = k + 1;
        }
        atomic_store(&pg->ping, SPIN_STOP);
        waitpid(pid, NULL, 0);
        munmap(pg, sizeof(*pg));
        if (bad)
            fail(r, ETIMEDOUT, "spinning partner on cpu %d stopped answering", s->cpu2);
        return;
    }

    int a[2], b[2];
    if (pipe(a) < 0)
        return fail(r, errno, "pipe: %s", strerror(errno));
    if (pipe(b) < 0) {
        int er = errno;
        close(a[0]);
        close(a[1]);
        return fail(r, er, "pipe: %s", strerror(er));
    }
    /* Overhead: the same four syscalls per round, no other process. */
    for (unsigned i = 0; i < 1000; i++) {
        char t = 0;
        if (write(a[1], &t, 1) != 1 || read(a[0], &t, 1) != 1 || write(b[1], &t, 1) != 1 ||
            read(b[0], &t, 1) != 1)
            break;
    }
    unsigned nbase = 20000;
    for (unsigned k = 0; k < reps; k++) {
        uint64_t t0 = scc_now_ns();
        for (unsigned i = 0; i < nbase; i++) {
            char t = 0;
            if (write(a[1], &t, 1) != 1 || read(a[0], &t, 1) != 1 || write(b[1], &t, 1) != 1 ||
                read(b[0], &t, 1) != 1)
                break;
        }
        r->base[k] = (double)(scc_now_ns() - t0) / nbase;
        if (s->policy == SCHED_FIFO || s->policy == SCHED_RR)
            nap_ms(5);
    }

    pid_t pid = fork();
    if (pid < 0) {
        fail(r, errno, "fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        close(a[1]);
        close(b[0]);
        if (s->cpu2 != s->cpu && mb_pin(s->cpu2) < 0)
            _exit(1);
        pipe_partner(a[0], b[1]);
    }
    close(a[0]);
    close(b[1]);
    a[0] = b[1] = -1;
    int bad = 0;
    for (unsigned i = 0; i < 500 && !bad; i++) /* warm-up */
        bad = pipe_round(a[1], b[0]);
    uint64_t t0 = scc_now_ns();
    for (unsigned i = 0; i < 200 && !bad; i++)
        bad = pipe_round(a[1], b[0]);
    double est = (double)(scc_now_ns() - t0) / 200.0;
    unsigned n = (unsigned)((double)target / (est > 100 ? est : 100));
    if (n < 200)
        n = 200;
    for (unsigned k = 0; k < reps && !bad; k++) {
        t0 = scc_now_ns();
        for (unsigned i = 0; i < n && !bad; i++)
            bad = pipe_round(a[1], b[0]);
        r->rt[k] = (double)(scc_now_ns() - t0) / n;
        r->reps = k + 1;
        if (s->policy == SCHED_FIFO || s->policy == SCHED_RR)
            nap_ms(5);
    }
    if (bad)
        fail(r, errno, "token pipe to the partner process: %s", strerror(errno));
    close(a[1]); /* partner sees EOF and exits */
    a[1] = -1;
    waitpid(pid, NULL, 0);
out:
    for (int i = 0; i < 2; i++) {
        if (a[i] >= 0)
            close(a[i]);
        if (b[i] >= 0)
            close(b[i]);
    }
}

/* Fork the runner, collect its result (bounded wait), reap it. */
static int run_in_child(const struct run_spec *s, struct run_result *out)
{
    memset(out, 0, sizeof(*out));
    int p[2];
    if (pipe(p) < 0)
        return -errno;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return -e;
    }
    if (pid == 0) {
        close(p[0]);
        struct run_result r;
        memset(&r, 0, sizeof(r));
        runner(s, &r);
        _exit(write_all(p[1], &r, sizeof(r)) < 0 ? 1 : 0);
    }
    close(p[1]);
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    int pr;
    do
        pr = poll(&pfd, 1, 30000);
    while (pr < 0 && errno == EINTR);
    int rc = 0;
    if (pr <= 0) {
        kill(pid, SIGKILL);
        fail(out, ETIMEDOUT, "benchmark process gave no answer within 30 s");
    } else if (read_all(p[0], out, sizeof(*out)) < 0) {
        fail(out, EIO, "benchmark process died before reporting");
    }
    close(p[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return rc;
}

static double median_of(const double *v, unsigned n)
{
    double t[MAX_REPS];
    memcpy(t, v, n * sizeof(*v));
    struct prof_calib_stat s;
    mb_stat_from(&s, t, n);
    return s.ns;
}

/* Per-switch (or one-way) figures from raw round trips minus overhead. */
static void derive(const struct run_result *r, struct prof_calib_stat *st, double *rt_med,
                   double *base_med)
{
    if (r->err) {
        mb_stat_unavailable(st, "%s", r->msg);
        return;
    }
    double base = median_of(r->base, r->reps);
    *rt_med = median_of(r->rt, r->reps);
    *base_med = base;
    double v[MAX_REPS];
    unsigned n = 0;
    for (unsigned k = 0; k < r->reps; k++)
        if (mb_ctxsw_per_switch(r->rt[k], base, &v[n]) == 0)
            n++;
    if (n == 0) {
        mb_stat_unavailable(st,
                            "overhead (%.0f ns) >= round trip (%.0f ns): noise swamped the switch",
                            base, *rt_med);
        return;
    }
    mb_stat_from(st, v, n);
}

int mb_run_ctxsw(const struct mb_opts *o, struct prof_calib *c)
{
    static const struct {
        const char *name;
        int policy;
        int nice;
        int prio;
    } rows[PROF_CALIB_NPOLICIES] = {
        [PROF_CALIB_CS_OTHER] = {"other", SCHED_OTHER, 0, 0},
        [PROF_CALIB_CS_BATCH] = {"batch", SCHED_BATCH, 0, 0},
        [PROF_CALIB_CS_RR] = {"rr", SCHED_RR, 0, 1},
        [PROF_CALIB_CS_FIFO] = {"fifo", SCHED_FIFO, 0, 1},
        [PROF_CALIB_CS_OTHER_NICE] = {"other", SCHED_OTHER, -19, 0},
    };
    for (int i = 0; i < PROF_CALIB_NPOLICIES; i++) {
        struct prof_calib_ctxsw_row *row = &c->ctxsw[i];
        memset(row, 0, sizeof(*row));
        scc_strlcpy(row->policy, rows[i].name, sizeof(row->policy));
        row->nice = rows[i].nice;
        row->rt_priority = rows[i].prio;
        mb_progress(o, "ctxsw: %s%s", rows[i].name, rows[i].nice ? " nice -19" : "");
        struct run_spec s = {.policy = rows[i].policy, .nice = rows[i].nice,
                             .rt_priority = rows[i].prio, .cpu = o->cpu, .cpu2 = o->cpu,
                             .reps = o->reps, .quick = o->quick};
        struct run_result r;
        int e = run_in_child(&s, &r);
        if (e < 0) {
            mb_stat_unavailable(&row->sw, "fork: %s", strerror(-e));
            continue;
        }
        derive(&r, &row->sw, &row->roundtrip_ns, &row->overhead_ns);
    }
    c->have |= PROF_CALIB_HAVE_CTXSW;
    return 0;
}

int mb_run_wakeup(const struct mb_opts *o, struct prof_calib *c)
{
    int cpu2 = o->cpu2;
    struct scc_cpuset on;
    if (cpu2 < 0 && scc_cpuset_online(&on) == 0)
        for (int i = 0; i < SCC_MAX_CPUS; i++)
            if (i != o->cpu && scc_cpuset_isset(&on, i)) {
                cpu2 = i;
                break;
            }
    c->wakeup_cpus[0] = o->cpu;
    c->wakeup_cpus[1] = cpu2;
    c->have |= PROF_CALIB_HAVE_WAKEUP;
    if (cpu2 < 0 || cpu2 == o->cpu) {
        mb_stat_unavailable(&c->wakeup_block, "needs two online cores (online: %s)",
                            c->online_cpus[0] ? c->online_cpus : "?");
        c->wakeup_spin = c->wakeup_block;
        return 0;
    }
    for (int spin = 0; spin < 2; spin++) {
        mb_progress(o, "wakeup: cpu %d -> cpu %d, %s", o->cpu, cpu2,
                    spin ? "spinning" : "blocking");
        struct run_spec s = {.policy = SCHED_OTHER, .cpu = o->cpu, .cpu2 = cpu2,
                             .reps = o->reps, .quick = o->quick, .spin = spin};
        struct run_result r;
        struct prof_calib_stat *st = spin ? &c->wakeup_spin : &c->wakeup_block;
        int e = run_in_child(&s, &r);
        if (e < 0) {
            mb_stat_unavailable(st, "fork: %s", strerror(-e));
            continue;
        }
        double rt, base;
        /* One-way cost: half a round trip, less the syscalls (0 when spinning). */
        derive(&r, st, &rt, &base);
    }
    return 0;
}
