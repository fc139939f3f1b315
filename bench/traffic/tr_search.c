/*
 * tr_search — the throughput search (see tr_search.h): a receiver thread
 * per trial, and the rate decisions in tr_search_next().
 */
#include "bench/traffic/tr_search.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/traffic/tr_sink.h"
#include "common/scc_util.h"

struct rx_thread {
    struct nf_io *io;
    struct tr_sink *sink;
    atomic_int run;
    _Atomic uint64_t last_rx_ns;
    int err;                    /* -errno of a failed receive, read after join */
    pthread_t tid;
};

static void *rx_main(void *arg)
{
    struct rx_thread *t = arg;
    unsigned cap = nf_io_batch(t->io);
    struct nf_pkt *pk[NF_BATCH_MAX];
    struct nf_batch b = {.cap = cap, .pkts = pk};
    while (atomic_load(&t->run)) {
        int n = nf_io_recv(t->io, &b, 10);
        if (n < 0) {
            t->err = n;
            break;
        }
        for (int i = 0; i < n; i++)
            tr_sink_account(t->sink, pk[i]->data, pk[i]->len, pk[i]->ts_ns);
        if (n > 0)
            atomic_store(&t->last_rx_ns, scc_now_ns());
    }
    return NULL;
}

static bool stopped(const struct tr_search_opts *o)
{
    return o->stop && *o->stop;
}

static int run_trial(struct tr_gen *g, const struct tr_search_opts *o, struct rx_thread *t,
                     double rate, struct tr_search_trial *tr, char *err, size_t errlen)
{
    /* Anything still queued from the previous trial is not this trial's. */
    struct nf_pkt *pk[NF_BATCH_MAX];
    struct nf_batch b = {.cap = nf_io_batch(t->io), .pkts = pk};
    while (nf_io_recv(t->io, &b, 0) > 0)
        ;
    tr_sink_reset(t->sink);
    t->err = 0;
    atomic_store(&t->run, 1);
    atomic_store(&t->last_rx_ns, scc_now_ns());
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (o->rx_cpu >= 0) {
        /* The receiver on a core of its own: sharing the sender's core
         * would make the path look slower than it is. */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o->rx_cpu, &set);
        pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
    }
    int e = pthread_create(&t->tid, &attr, rx_main, t);
    pthread_attr_destroy(&attr);
    if (e) {
        snprintf(err, errlen, "pthread_create: %s: search receiver%s", strerror(e),
                 o->rx_cpu >= 0 ? " (is the --rx-cpu CPU online and allowed?)" : "");
        return -e;
    }
    tr_gen_run(g, rate, o->trial_s, 0, NULL, NULL, &tr->g);
    /* Drain: wait until 100 ms pass with nothing arriving (2 s at most). */
    uint64_t sent_end = scc_now_ns();
    while (!stopped(o)) {
        uint64_t now = scc_now_ns();
        if (now - atomic_load(&t->last_rx_ns) > 100000000u || now - sent_end > 2000000000u)
            break;
        usleep(10000);
    }
    atomic_store(&t->run, 0);
    pthread_join(t->tid, NULL);
    if (t->err) {
        snprintf(err, errlen, "recvmmsg: %s: search receiver", strerror(-t->err));
        return t->err;
    }
    struct tr_sink_counts n;
    tr_sink_counts(t->sink, &n);
    tr->probe = rate <= 0;
    tr->rate = rate;
    tr->received = n.rx;
    uint64_t lost = tr->g.sent > n.rx ? tr->g.sent - n.rx : 0;
    tr->loss_pct = tr->g.sent ? 100.0 * (double)lost / (double)tr->g.sent : 100.0;
    tr->pass = tr->g.sent > 0 && tr->loss_pct <= o->loss_tol_pct && tr->g.kept_up;
    tr->p50_ns = tr_hist_percentile(tr_sink_lat_send(t->sink), 50);
    tr->p99_ns = tr_hist_percentile(tr_sink_lat_send(t->sink), 99);
    return 0;
}

void tr_search_begin(struct tr_search_state *s, double rate, double resolution_pct)
{
    memset(s, 0, sizeof(*s));
    s->probe = rate <= 0;
    s->bound = s->probe ? 0 : rate;
    s->hi = s->bound;
    s->rate = s->bound;
    s->hi_failed = !s->probe;
    s->resolution = resolution_pct / 100.0;
    s->step = 2 * s->resolution;
}

bool tr_search_next(struct tr_search_state *s, const struct tr_search_trial *t)
{
    s->trials++;
    if (s->probe && s->trials == 1) {
        s->hi = t->g.achieved_pps;
        if (t->pass || s->hi < 1) {
            s->best = s->lo = s->hi; /* the generator's own limit passes */
            s->resolved = t->pass;
            return false;
        }
        double back = t->g.elapsed_s > 0 ? (double)t->received / t->g.elapsed_s : 0;
        s->rate = back >= 1 && back < s->hi ? back : s->hi / 2;
        return true;
    }
    if (t->pass) {
        s->best = s->lo = s->rate;
    } else {
        s->hi = s->rate;
        s->hi_failed = true;
    }
    if (t->pass && !s->probe && s->rate >= s->bound)
        return false; /* the upper bound itself passes */
    if (s->hi - s->lo <= s->resolution * s->hi) {
        s->resolved = true;
        return false;
    }
    if (s->probe && t->pass && !s->hi_failed && s->lo * (1 + s->step) < s->hi) {
        s->rate = s->lo * (1 + s->step); /* climb from the guess */
        s->step *= 2;
    } else if (s->probe && !t->pass && s->lo == 0) {
        s->rate = s->hi / (1 + s->step); /* descend from the guess */
        s->step *= 2;
    } else {
        s->rate = (s->lo + s->hi) / 2;
    }
    return s->rate >= 1;
}

int tr_search_run(struct tr_gen *g, const struct tr_search_opts *o, tr_search_trial_fn on_trial,
                  void *ctx, struct tr_search_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (o->max_trials < 1 || o->max_trials > TR_SEARCH_MAX_TRIALS || !(o->trial_s > 0) ||
        !(o->resolution_pct > 0)) {
        snprintf(err, errlen, "search options out of range");
        return -EINVAL;
    }
    struct rx_thread t = {0};
    struct nf_io_opts rxo = o->rx;
    rxo.timestamp = 1;
    /* The search measures the path, not our receiver: give it room to ride
     * out a scheduling stall (8 MiB; root may exceed rmem_max). */
    rxo.rcvbuf = 8 << 20;
    char ioerr[200];
    t.io = nf_io_open(&rxo, ioerr, sizeof(ioerr));
    if (!t.io) {
        int e = errno ? errno : EIO;
        snprintf(err, errlen, "search receiver: %s", ioerr);
        return -e;
    }
    struct tr_sink_opts so = {0};
    t.sink = tr_sink_create(&so);
    if (!t.sink) {
        nf_io_close(t.io);
        snprintf(err, errlen, "search receiver: out of memory");
        return -ENOMEM;
    }
    struct tr_search_state st;
    tr_search_begin(&st, o->rate, o->resolution_pct);
    int rc = 0;
    while (out->ntrials < o->max_trials && !stopped(o)) {
        struct tr_search_trial *tr = &out->trials[out->ntrials];
        rc = run_trial(g, o, &t, st.rate, tr, err, errlen);
        if (rc < 0)
            break;
        out->ntrials++;
        if (on_trial)
            on_trial(ctx, out->ntrials, tr);
        if (!tr_search_next(&st, tr))
            break;
    }
    out->probe = st.probe;
    out->resolved = st.resolved;
    out->throughput_pps = st.best;
    out->lower_pps = st.lo;
    out->upper_pps = st.hi;
    tr_sink_destroy(t.sink);
    nf_io_close(t.io);
    return rc;
}
