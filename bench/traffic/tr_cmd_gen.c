/*
 * `scc gen` — rate-controlled Ethernet/IPv4/UDP traffic over nf_io.
 *
 * Each burst gets a due time from tr_pace (open loop: constant or Poisson),
 * the generator sleeps/spins until then, stamps every frame of the burst
 * with the actual send time and the scheduled one (tr_pkt), and hands the
 * burst to nf_io_send (sendmmsg, --batch frames per call). Only frames the
 * kernel accepted count as sent; sequence numbers of refused frames are
 * taken back so the sink does not report the generator's own drops as
 * network loss. How far each burst left behind its due time is kept in a
 * histogram, and a run that could not hold the rate says so.
 *
 * --search runs an RFC 2544 section 26.1-style throughput search in one
 * process: a receiver thread with its own nf_io handle and tr_sink counts
 * what comes back, and a binary search on the rate finds the highest rate
 * whose loss stays within --loss-tolerance. Docs: docs/traffic.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bench/traffic/tr_cli.h"
#include "bench/traffic/tr_dist.h"
#include "bench/traffic/tr_hist.h"
#include "bench/traffic/tr_pace.h"
#include "bench/traffic/tr_pkt.h"
#include "bench/traffic/tr_sink.h"
#include "bench/traffic/tr_sys.h"
#include "common/scc_log.h"
#include "common/scc_util.h"
#include "common/scc_cmds.h"
#include "nfs/nf_io.h"

#define FRAME_STRIDE 1536u  /* >= TR_MAX_FRAME, cache-line multiple */
#define MAX_FLOWS 55536u    /* source ports 10000 + flow stay <= 65535 */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: scc gen [OPTIONS]\n\n"
            "Send paced Ethernet/IPv4/UDP test traffic that `scc sink` measures.\n\n"
            "where to send:\n"
            "  --transport raw|udp   udp (default): VXLAN-in-UDP to --dst; raw: AF_PACKET on --if\n"
            "  --if IFNAME           interface for raw\n"
            "  --dst [ADDR:]PORT     udp: where to send (default 127.0.0.1:4789)\n"
            "  --bind [ADDR:]PORT    udp: local address (default 0.0.0.0:0)\n"
            "  --vni N               udp: VXLAN network identifier (default 1)\n"
            "  --batch N             frames per sendmmsg, 1..1024 (default 32)\n"
            "  --idle block|busy     block: wait up to 2 ms for socket space before dropping\n"
            "  --sndbuf BYTES        socket send buffer (default: kernel's)\n"
            "what to send:\n"
            "  --rate PPS|max        frames per second, >= 1 (default 10000); max = unpaced\n"
            "  --pacing const|poisson  burst spacing (default const)\n"
            "  --burst N             frames per due time, 1..1024 (default: due times ~50 us\n"
            "                        apart, at most --batch; --rate max: --batch)\n"
            "  --size SPEC           64..1518 (incl. FCS), imix, datacenter, or S:W,S:W...\n"
            "  --flows N             distinct 5-tuples, 1..55536 (default 1)\n"
            "  --duration SEC        how long (default 5 unless --count)\n"
            "  --count N             how many frames the kernel must accept\n"
            "  --src-ip A  --dst-ip A   (default 10.0.0.1 (+flow %% 254) -> 10.0.1.2)\n"
            "  --src-port P --dst-port P (default 10000 (+flow) -> 9000)\n"
            "  --src-mac M --dst-mac M  (default 02:00:00:00:00:01 -> 02:00:00:00:00:02)\n"
            "  --ttl N               IPv4 TTL, 1..255 (default 64)\n"
            "  --seed N              PRNG seed for sizes and Poisson gaps (default 1)\n"
            "  --spin-us N           spin this long before a due time instead of sleeping\n"
            "                        (default 50; 0 = sleep only)\n"
            "throughput search (RFC 2544 style, receiver in this process):\n"
            "  --search              binary-search the highest rate <= --rate within tolerance\n"
            "                        (--rate max: probe the generator's own limit first)\n"
            "  --rx-listen [ADDR:]PORT  udp: where the traffic comes back\n"
            "  --rx-if IFNAME        raw: the interface it comes back on\n"
            "  --trial SEC           length of one trial (default 2)\n"
            "  --loss-tolerance PCT  accepted loss per trial (default 0)\n"
            "  --resolution PCT      stop when the bracket is this narrow (default 1)\n"
            "  --max-trials N        at most N trials (default 12)\n"
            "  --rx-cpu N            pin the receiver thread to CPU N (default: as the process)\n"
            "output:\n"
            "  --json FILE           write the scc-gen/1 JSON report (- = stdout)\n"
            "  -h, --help            this text\n\n"
            "exit status: 0 ok, 1 runtime error or nothing sent, 2 usage.\n"
            "docs: docs/traffic.md\n");
}

struct gen_cfg {
    struct nf_io_opts io;
    struct tr_pkt_cfg pkt;
    struct tr_dist dist;
    double rate;                /* 0 = max */
    enum tr_pace_mode pacing;
    unsigned burst;             /* 0 = batch */
    unsigned flows;
    double duration_s;
    uint64_t count;
    uint64_t seed;
    double spin_us;
    const char *json;
    /* search */
    bool search;
    struct nf_io_opts rx;
    bool rx_given;
    double trial_s, loss_tol_pct, resolution_pct;
    unsigned max_trials;
    int rx_cpu;                 /* pin the search receiver here; -1 = not */
};

struct gen_result {
    uint64_t sent, bytes, bursts, late_bursts;
    double elapsed_s, achieved_pps, gbps;
    bool kept_up;
    struct nf_io_stats io;      /* deltas over this run */
};

struct gen {
    const struct gen_cfg *c;
    struct nf_io *io;
    uint8_t *frames;
    struct nf_pkt *pkts;
    struct nf_pkt **ptrs;
    uint32_t *fseq, *pflow;
    struct tr_hist *lag;
    uint64_t rng;
};

static void io_delta(const struct nf_io_stats *a, const struct nf_io_stats *b,
                     struct nf_io_stats *d)
{
    d->tx_pkts = b->tx_pkts - a->tx_pkts;
    d->tx_bytes = b->tx_bytes - a->tx_bytes;
    d->tx_calls = b->tx_calls - a->tx_calls;
    d->tx_drop_again = b->tx_drop_again - a->tx_drop_again;
    d->tx_drop_nobufs = b->tx_drop_nobufs - a->tx_drop_nobufs;
    d->tx_drop_other = b->tx_drop_other - a->tx_drop_other;
    d->tx_err_refused = b->tx_err_refused - a->tx_err_refused;
}

/* One paced run: until duration or count, or tr_stop. */
static void gen_run(struct gen *g, double rate, double duration_s, uint64_t count, bool progress,
                    struct gen_result *res)
{
    const struct gen_cfg *c = g->c;
    const unsigned burst = c->burst;
    const uint64_t spin_ns = (uint64_t)(c->spin_us * 1e3);
    memset(res, 0, sizeof(*res));
    memset(g->fseq, 0, c->flows * sizeof(*g->fseq));
    tr_hist_reset(g->lag);
    struct nf_io_stats s0 = *nf_io_get_stats(g->io);

    struct tr_pace pace;
    uint64_t start = scc_now_ns();
    if (rate > 0)
        tr_pace_init(&pace, c->pacing, rate, burst, start, c->seed);
    const double interval_ns = rate > 0 ? tr_pace_interval_ns(&pace) : 0;
    const uint64_t end = duration_s > 0 ? start + (uint64_t)(duration_s * 1e9) : UINT64_MAX;
    uint64_t pkt_idx = 0, last_due = start, next_progress = start + 1000000000u;
    bool printed = false;

    while (!tr_stop) {
        uint64_t due = rate > 0 ? tr_pace_next(&pace) : scc_now_ns();
        if (due >= end)
            break;
        unsigned n = burst;
        if (count) {
            if (res->sent >= count)
                break;
            if (count - res->sent < n)
                n = (unsigned)(count - res->sent);
        }
        if (rate > 0)
            while (tr_pace_wait_until(due, spin_ns) < 0 && !tr_stop)
                ;
        if (tr_stop)
            break;
        uint64_t now = scc_now_ns();
        if (now >= end)
            break; /* behind schedule at the end: the rest is not sent */
        uint64_t lag = now > due ? now - due : 0;
        tr_hist_record(g->lag, lag);
        if (rate > 0 && (double)lag > interval_ns)
            res->late_bursts++;
        for (unsigned i = 0; i < n; i++) {
            uint32_t flow = (uint32_t)((pkt_idx + i) % c->flows);
            struct tr_pkt_meta m = {.flow = flow, .seq = g->fseq[flow]++, .tx_ns = now,
                                    .sched_ns = due, .ip_id = (uint16_t)(pkt_idx + i)};
            unsigned len = tr_dist_sample(&c->dist, &g->rng) - TR_FCS_LEN;
            tr_pkt_build(g->pkts[i].data, FRAME_STRIDE, &c->pkt, &m, len);
            g->pkts[i].len = len;
            g->pflow[i] = flow;
        }
        uint64_t other0 = nf_io_get_stats(g->io)->tx_drop_other;
        int sent = nf_io_send(g->io, g->ptrs, n);
        if (sent < 0)
            sent = 0;
        if ((unsigned)sent < n && nf_io_get_stats(g->io)->tx_drop_other == other0) {
            /* Refused frames were a suffix (EAGAIN/ENOBUFS): take their
             * sequence numbers back so the sink sees no gap for them. */
            for (unsigned i = n; i-- > (unsigned)sent;)
                g->fseq[g->pflow[i]]--;
            pkt_idx += (unsigned)sent;
        } else {
            pkt_idx += n;
        }
        res->sent += (unsigned)sent;
        res->bursts++;
        last_due = due;
        if (progress && now >= next_progress) {
            double el = (double)(now - start) / 1e9;
            fprintf(stdout, "\r  %.0f s  sent %" PRIu64 "  %.0f pps  lag p99 %.1f us   ", el,
                    res->sent, (double)res->sent / el,
                    (double)tr_hist_percentile(g->lag, 99) / 1e3);
            fflush(stdout);
            next_progress += 1000000000u;
            printed = true;
        }
    }
    if (printed)
        fprintf(stdout, "\n");
    uint64_t fin = scc_now_ns();
    /* The window a paced run covers is its schedule: up to one interval
     * past the last due time (or the real end, if that is later). */
    uint64_t win_end = fin;
    if (rate > 0 && res->bursts && last_due + (uint64_t)interval_ns > win_end)
        win_end = last_due + (uint64_t)interval_ns;
    res->elapsed_s = (double)(win_end - start) / 1e9;
    io_delta(&s0, nf_io_get_stats(g->io), &res->io);
    res->bytes = res->io.tx_bytes;
    res->achieved_pps = res->elapsed_s > 0 ? (double)res->sent / res->elapsed_s : 0;
    res->gbps = res->elapsed_s > 0 ? (double)res->bytes * 8 / res->elapsed_s / 1e9 : 0;
    res->kept_up = rate <= 0 || res->achieved_pps >= 0.99 * rate;
}

/* ---- --search: receiver thread ---------------------------------------- */

struct rx_thread {
    struct nf_io *io;
    struct tr_sink *sink;
    atomic_int run;
    _Atomic uint64_t last_rx_ns;
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
            scc_err("recvmmsg: %s: search receiver", strerror(-n));
            break;
        }
        for (int i = 0; i < n; i++)
            tr_sink_account(t->sink, pk[i]->data, pk[i]->len, pk[i]->ts_ns);
        if (n > 0)
            atomic_store(&t->last_rx_ns, scc_now_ns());
    }
    return NULL;
}

struct trial {
    double rate;
    struct gen_result g;
    uint64_t received;
    double loss_pct;
    bool pass;
    uint64_t p50_ns, p99_ns;
};

static int run_trial(struct gen *g, struct rx_thread *t, double rate, struct trial *tr)
{
    const struct gen_cfg *c = g->c;
    /* Anything still queued from the previous trial is not this trial's. */
    struct nf_pkt *pk[NF_BATCH_MAX];
    struct nf_batch b = {.cap = nf_io_batch(t->io), .pkts = pk};
    while (nf_io_recv(t->io, &b, 0) > 0)
        ;
    tr_sink_reset(t->sink);
    atomic_store(&t->run, 1);
    atomic_store(&t->last_rx_ns, scc_now_ns());
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (c->rx_cpu >= 0) {
        /* The receiver on a core of its own: sharing the sender's core
         * would make the path look slower than it is. */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(c->rx_cpu, &set);
        pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
    }
    int e = pthread_create(&t->tid, &attr, rx_main, t);
    pthread_attr_destroy(&attr);
    if (e) {
        fprintf(stderr, "scc gen: pthread_create: %s: search receiver\n", strerror(e));
        return -e;
    }
    gen_run(g, rate, c->trial_s, 0, false, &tr->g);
    /* Drain: wait until 100 ms pass with nothing arriving (2 s at most). */
    uint64_t sent_end = scc_now_ns();
    while (!tr_stop) {
        uint64_t now = scc_now_ns();
        if (now - atomic_load(&t->last_rx_ns) > 100000000u || now - sent_end > 2000000000u)
            break;
        usleep(10000);
    }
    atomic_store(&t->run, 0);
    pthread_join(t->tid, NULL);
    struct tr_sink_counts n;
    tr_sink_counts(t->sink, &n);
    tr->rate = rate;
    tr->received = n.rx;
    uint64_t lost = tr->g.sent > n.rx ? tr->g.sent - n.rx : 0;
    tr->loss_pct = tr->g.sent ? 100.0 * (double)lost / (double)tr->g.sent : 100.0;
    tr->pass = tr->g.sent > 0 && tr->loss_pct <= c->loss_tol_pct && tr->g.kept_up;
    tr->p50_ns = tr_hist_percentile(tr_sink_lat_send(t->sink), 50);
    tr->p99_ns = tr_hist_percentile(tr_sink_lat_send(t->sink), 99);
    return 0;
}

/* ---- reporting ---------------------------------------------------------- */

static json_object *u64j(uint64_t v)
{
    return json_object_new_int64((int64_t)v);
}

static json_object *result_json(const struct gen_result *r)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "sent", u64j(r->sent));
    json_object_object_add(o, "bytes", u64j(r->bytes));
    json_object_object_add(o, "elapsed_s", json_object_new_double(r->elapsed_s));
    json_object_object_add(o, "achieved_pps", json_object_new_double(r->achieved_pps));
    json_object_object_add(o, "gbps", json_object_new_double(r->gbps));
    json_object_object_add(o, "kept_up", json_object_new_boolean(r->kept_up));
    json_object_object_add(o, "bursts", u64j(r->bursts));
    json_object_object_add(o, "late_bursts", u64j(r->late_bursts));
    json_object *io = json_object_new_object();
    json_object_object_add(io, "tx_calls", u64j(r->io.tx_calls));
    json_object_object_add(io, "tx_drop_again", u64j(r->io.tx_drop_again));
    json_object_object_add(io, "tx_drop_nobufs", u64j(r->io.tx_drop_nobufs));
    json_object_object_add(io, "tx_drop_other", u64j(r->io.tx_drop_other));
    json_object_object_add(io, "tx_err_refused", u64j(r->io.tx_err_refused));
    json_object_object_add(o, "io", io);
    return o;
}

static void print_result(FILE *out, const struct gen_cfg *c, const struct gen_result *r,
                         double rate, const struct tr_hist *lag)
{
    fprintf(out, "  sent         %" PRIu64 " frames, %" PRIu64 " bytes in %.3f s: %.0f pps, %.4f Gb/s\n",
            r->sent, r->bytes, r->elapsed_s, r->achieved_pps, r->gbps);
    if (rate > 0)
        fprintf(out, "  target       %.0f pps (%s, burst %u): achieved %.2f %%\n", rate,
                c->pacing == TR_PACE_CONST ? "const" : "poisson", c->burst,
                100.0 * r->achieved_pps / rate);
    fprintf(out, "  syscalls     %" PRIu64 " sendmmsg (%.1f frames each)\n", r->io.tx_calls,
            r->io.tx_calls ? (double)r->sent / (double)r->io.tx_calls : 0.0);
    fprintf(out, "  refused      EAGAIN %" PRIu64 "  ENOBUFS %" PRIu64 "  other %" PRIu64 "\n",
            r->io.tx_drop_again, r->io.tx_drop_nobufs, r->io.tx_drop_other);
    if (r->io.tx_err_refused)
        fprintf(out, "  note         %" PRIu64 " ICMP port-unreachable reports: is the receiver "
                     "listening?\n",
                r->io.tx_err_refused);
    if (rate > 0 && lag) {
        fprintf(out, "  schedule lag p50 %.1f us  p99 %.1f us  max %.1f us  late bursts %" PRIu64 "/%" PRIu64 "\n",
                (double)tr_hist_percentile(lag, 50) / 1e3, (double)tr_hist_percentile(lag, 99) / 1e3,
                (double)tr_hist_max(lag) / 1e3, r->late_bursts, r->bursts);
    }
}

/* ---- options ------------------------------------------------------------ */

static int parse_args(int argc, char **argv, struct gen_cfg *c)
{
    enum { O_DST, O_BIND, O_SNDBUF, O_RATE,
           O_PACING, O_BURST, O_SIZE, O_FLOWS, O_DURATION, O_COUNT, O_SRC_IP, O_DST_IP,
           O_SRC_PORT, O_DST_PORT, O_SRC_MAC, O_DST_MAC, O_TTL, O_SEED, O_SPIN, O_SEARCH,
           O_RX_LISTEN, O_RX_IF, O_TRIAL, O_LOSS_TOL, O_RESOLUTION, O_MAX_TRIALS, O_JSON,
           O_RX_CPU };
    static const struct option opts[] = {
        TR_IO_LONGOPTS,
        {"dst", required_argument, NULL, O_DST},
        {"bind", required_argument, NULL, O_BIND},
        {"sndbuf", required_argument, NULL, O_SNDBUF},
        {"rate", required_argument, NULL, O_RATE},
        {"pacing", required_argument, NULL, O_PACING},
        {"burst", required_argument, NULL, O_BURST},
        {"size", required_argument, NULL, O_SIZE},
        {"flows", required_argument, NULL, O_FLOWS},
        {"duration", required_argument, NULL, O_DURATION},
        {"count", required_argument, NULL, O_COUNT},
        {"src-ip", required_argument, NULL, O_SRC_IP},
        {"dst-ip", required_argument, NULL, O_DST_IP},
        {"src-port", required_argument, NULL, O_SRC_PORT},
        {"dst-port", required_argument, NULL, O_DST_PORT},
        {"src-mac", required_argument, NULL, O_SRC_MAC},
        {"dst-mac", required_argument, NULL, O_DST_MAC},
        {"ttl", required_argument, NULL, O_TTL},
        {"seed", required_argument, NULL, O_SEED},
        {"spin-us", required_argument, NULL, O_SPIN},
        {"search", no_argument, NULL, O_SEARCH},
        {"rx-listen", required_argument, NULL, O_RX_LISTEN},
        {"rx-if", required_argument, NULL, O_RX_IF},
        {"trial", required_argument, NULL, O_TRIAL},
        {"loss-tolerance", required_argument, NULL, O_LOSS_TOL},
        {"resolution", required_argument, NULL, O_RESOLUTION},
        {"max-trials", required_argument, NULL, O_MAX_TRIALS},
        {"rx-cpu", required_argument, NULL, O_RX_CPU},
        {"json", required_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int opt;
    long v;
    uint32_t ip;
    char err[160];
    bool size_given = false;
    int li = -1;
    while ((opt = getopt_long(argc, argv, ":h", opts, &li)) != -1) {
        const char *a = optarg;
        const char *bad = NULL;
        switch (opt) {
        case 'h':
            usage(stdout);
            return 1;
        case TR_O_TRANSPORT:
        case TR_O_IF:
        case TR_O_VNI:
        case TR_O_BATCH:
        case TR_O_IDLE:
            tr_io_option(opt, a, &c->io, &bad);
            break;
        case O_DST:
            if (tr_parse_endpoint(a, 0x7f000001u, &c->io.remote) < 0 || !c->io.remote.sin_port)
                bad = "[ADDR:]PORT with a port in 1..65535";
            break;
        case O_BIND:
            if (tr_parse_endpoint(a, 0, &c->io.local) < 0)
                bad = "[ADDR:]PORT";
            break;
        case O_SNDBUF:
            if (scc_parse_long(a, 1024, 1 << 30, &v) < 0)
                bad = "a byte count in 1024..1073741824";
            else
                c->io.sndbuf = (int)v;
            break;
        case O_RATE:
            if (!strcmp(a, "max"))
                c->rate = 0;
            else if (scc_parse_double(a, 1, 1e9, &c->rate) < 0)
                bad = "frames per second in 1..1000000000, or max";
            break;
        case O_PACING:
            if (!strcmp(a, "const"))
                c->pacing = TR_PACE_CONST;
            else if (!strcmp(a, "poisson"))
                c->pacing = TR_PACE_POISSON;
            else
                bad = "const or poisson";
            break;
        case O_BURST:
            if (scc_parse_long(a, 1, NF_BATCH_MAX, &v) < 0)
                bad = "a burst size in 1..1024";
            else
                c->burst = (unsigned)v;
            break;
        case O_SIZE:
            if (tr_dist_parse(a, &c->dist, err, sizeof(err)) < 0) {
                fprintf(stderr, "scc gen: --size '%s': %s\n", a, err);
                return -1;
            }
            size_given = true;
            break;
        case O_FLOWS:
            if (scc_parse_long(a, 1, MAX_FLOWS, &v) < 0)
                bad = "a flow count in 1..55536";
            else
                c->flows = (unsigned)v;
            break;
        case O_DURATION:
            if (scc_parse_double(a, 0.001, 1e6, &c->duration_s) < 0)
                bad = "seconds in 0.001..1000000";
            break;
        case O_COUNT:
            if (scc_parse_u64(a, &c->count) < 0 || c->count == 0)
                bad = "a frame count >= 1";
            break;
        case O_SRC_IP:
        case O_DST_IP:
            if (scc_ipv4_parse(a, &ip) < 0)
                bad = "a dotted-quad IPv4 address";
            else if (opt == O_SRC_IP)
                c->pkt.src_ip = ip;
            else
                c->pkt.dst_ip = ip;
            break;
        case O_SRC_PORT:
        case O_DST_PORT:
            if (scc_parse_long(a, 1, 65535, &v) < 0)
                bad = "a port in 1..65535";
            else if (opt == O_SRC_PORT)
                c->pkt.src_port = (uint16_t)v;
            else
                c->pkt.dst_port = (uint16_t)v;
            break;
        case O_SRC_MAC:
        case O_DST_MAC:
            if (scc_mac_parse(a, opt == O_SRC_MAC ? c->pkt.src_mac : c->pkt.dst_mac) < 0)
                bad = "a MAC address like 02:00:00:00:00:01";
            break;
        case O_TTL:
            if (scc_parse_long(a, 1, 255, &v) < 0)
                bad = "a TTL in 1..255";
            else
                c->pkt.ttl = (uint8_t)v;
            break;
        case O_SEED:
            if (scc_parse_u64(a, &c->seed) < 0)
                bad = "a non-negative integer";
            break;
        case O_SPIN:
            if (scc_parse_double(a, 0, 1e6, &c->spin_us) < 0)
                bad = "microseconds in 0..1000000";
            break;
        case O_SEARCH:
            c->search = true;
            break;
        case O_RX_LISTEN:
            if (tr_parse_endpoint(a, 0, &c->rx.local) < 0)
                bad = "[ADDR:]PORT";
            else {
                c->rx.transport = NF_IO_UDP;
                c->rx_given = true;
            }
            break;
        case O_RX_IF:
            if (!*a || scc_strlcpy(c->rx.ifname, a, sizeof(c->rx.ifname)) >= sizeof(c->rx.ifname))
                bad = "an interface name of at most 15 characters";
            else {
                c->rx.transport = NF_IO_RAW;
                c->rx_given = true;
            }
            break;
        case O_TRIAL:
            if (scc_parse_double(a, 0.05, 3600, &c->trial_s) < 0)
                bad = "seconds in 0.05..3600";
            break;
        case O_LOSS_TOL:
            if (scc_parse_double(a, 0, 100, &c->loss_tol_pct) < 0)
                bad = "a percentage in 0..100";
            break;
        case O_RESOLUTION:
            if (scc_parse_double(a, 0.01, 50, &c->resolution_pct) < 0)
                bad = "a percentage in 0.01..50";
            break;
        case O_MAX_TRIALS:
            if (scc_parse_long(a, 1, 100, &v) < 0)
                bad = "a number of trials in 1..100";
            else
                c->max_trials = (unsigned)v;
            break;
        case O_JSON:
            c->json = a;
            break;
        case O_RX_CPU:
            if (scc_parse_long(a, 0, SCC_MAX_CPUS - 1, &v) < 0)
                bad = "a CPU number";
            else
                c->rx_cpu = (int)v;
            break;
        default:
            tr_bad_option("gen", argc, argv, opt);
            return -1;
        }
        if (bad) {
            fprintf(stderr, "scc gen: --%s '%s': expected %s\n", li >= 0 ? opts[li].name : "?", a,
                    bad);
            return -1;
        }
        li = -1;
    }
    if (tr_io_options_done("gen", &c->io, argc, argv) < 0)
        return -1;
    /* the search's receive side uses the same VXLAN network and batch */
    c->rx.vni = c->io.vni;
    c->rx.batch = c->io.batch;
    if (!size_given)
        tr_dist_parse("64", &c->dist, err, sizeof(err));
    if (c->burst == 0) {
        /* Default: as many frames per due time as keep due times about
         * 50 µs apart (a sleep's resolution), never more than a batch, so
         * low rates are paced frame by frame and high rates use sendmmsg
         * fully. Unpaced (max): a whole batch. */
        double b = c->rate > 0 ? ceil(c->rate * 50e-6) : c->io.batch;
        c->burst = b < 1 ? 1 : b > c->io.batch ? c->io.batch : (unsigned)b;
    }
    if ((uint32_t)c->pkt.src_port + c->flows - 1 > 65535u) {
        fprintf(stderr, "scc gen: --src-port %u with --flows %u passes port 65535\n",
                c->pkt.src_port, c->flows);
        return -1;
    }
    if (c->duration_s == 0 && c->count == 0)
        c->duration_s = c->search ? 0 : 5;
    if (c->search) {
        if (!c->rx_given) {
            fprintf(stderr, "scc gen: --search needs the receive side: --rx-listen or --rx-if\n");
            return -1;
        }
    }
    return 0;
}

static int do_search(struct gen *g, json_object *jo, FILE *out)
{
    const struct gen_cfg *c = g->c;
    char err[256];
    struct rx_thread t = {0};
    struct nf_io_opts rxo = c->rx;
    rxo.timestamp = 1;
    /* The search measures the path, not our receiver: give it room to ride
     * out a scheduling stall (8 MiB; root may exceed rmem_max). */
    rxo.rcvbuf = 8 << 20;
    t.io = nf_io_open(&rxo, err, sizeof(err));
    if (!t.io) {
        fprintf(stderr, "scc gen: search receiver: %s\n", err);
        return 1;
    }
    struct tr_sink_opts so = {0};
    t.sink = tr_sink_create(&so);
    if (!t.sink) {
        nf_io_close(t.io);
        fprintf(stderr, "scc gen: out of memory\n");
        return 1;
    }
    const bool probe = c->rate <= 0;
    if (out) {
        if (probe)
            fprintf(out, "scc gen --search: first an unpaced probe");
        else
            fprintf(out, "scc gen --search: up to %.0f pps", c->rate);
        fprintf(out, ", trials of %.3g s, loss tolerance %.3g %%, resolution %.3g %%\n",
                c->trial_s, c->loss_tol_pct, c->resolution_pct);
        fprintf(out, "  %5s %12s %12s %12s %10s %9s %9s  %s\n", "trial", "target pps",
                "sent pps", "received", "loss %", "p50 us", "p99 us", "result");
    }
    json_object *arr = json_object_new_array();
    /* The bracket: lo passed (0: nothing yet), hi failed or cannot be
     * held. Without --rate the first trial is unpaced: the rate it sent is
     * the most any paced trial can hold (hi), and the rate that came back
     * is a first guess at the answer. From a guess, steps grow (doubling
     * from twice the resolution) until the answer is bracketed, so the
     * search reaches its resolution in a few trials wherever the guess
     * lands; then it halves the bracket. */
    double lo = 0, hi = c->rate, best = 0, rate = c->rate;
    bool hi_failed = !probe, resolved = false;
    double step = 2 * c->resolution_pct / 100;
    int rc = 0;
    unsigned k = 0;
    for (; k < c->max_trials && !tr_stop; k++) {
        struct trial tr;
        if (run_trial(g, &t, rate, &tr) < 0) {
            rc = 1;
            break;
        }
        const bool is_probe = probe && k == 0;
        const char *why = tr.pass ? "pass" : !tr.g.kept_up ? "fail (generator could not keep up)"
                                                            : "fail (loss)";
        if (out) {
            char target[32] = "max";
            if (!is_probe)
                snprintf(target, sizeof(target), "%.0f", rate);
            fprintf(out, "  %5u %12s %12.0f %12" PRIu64 " %10.4f %9.1f %9.1f  %s%s\n", k + 1,
                    target, tr.g.achieved_pps, tr.received, tr.loss_pct,
                    (double)tr.p50_ns / 1e3, (double)tr.p99_ns / 1e3, why,
                    is_probe ? " (probe)" : "");
        }
        json_object *e = result_json(&tr.g);
        json_object_object_add(e, "target_pps", is_probe ? NULL : json_object_new_double(rate));
        json_object_object_add(e, "received", u64j(tr.received));
        json_object_object_add(e, "loss_pct", json_object_new_double(tr.loss_pct));
        json_object_object_add(e, "p50_ns", u64j(tr.p50_ns));
        json_object_object_add(e, "p99_ns", u64j(tr.p99_ns));
        json_object_object_add(e, "pass", json_object_new_boolean(tr.pass));
        json_object_array_add(arr, e);
        if (is_probe) {
            hi = tr.g.achieved_pps;
            if (tr.pass || hi < 1) {
                best = lo = hi; /* the generator's own limit passes */
                resolved = tr.pass;
                break;
            }
            double back = tr.g.elapsed_s > 0 ? (double)tr.received / tr.g.elapsed_s : 0;
            rate = back >= 1 && back < hi ? back : hi / 2;
            continue;
        }
        if (tr.pass) {
            best = lo = rate;
        } else {
            hi = rate;
            hi_failed = true;
        }
        if (tr.pass && !probe && rate >= c->rate)
            break; /* the upper bound itself passes */
        if (hi - lo <= c->resolution_pct / 100.0 * hi) {
            resolved = true;
            break;
        }
        if (probe && tr.pass && !hi_failed && lo * (1 + step) < hi) {
            rate = lo * (1 + step); /* climb from the guess */
            step *= 2;
        } else if (probe && !tr.pass && lo == 0) {
            rate = hi / (1 + step); /* descend from the guess */
            step *= 2;
        } else {
            rate = (lo + hi) / 2;
        }
        if (rate < 1)
            break;
    }
    if (out) {
        fprintf(out, "  throughput   %.0f pps", best);
        if (best == 0)
            fprintf(out, " (no trial passed)");
        else if (!probe && best >= c->rate)
            fprintf(out, " (the upper bound passed; raise --rate)");
        else if (probe && best >= hi)
            fprintf(out, " (the generator's own limit passed)");
        else if (resolved)
            fprintf(out, " (within %.3g %%: the next %.0f pps failed)", c->resolution_pct, hi);
        else
            fprintf(out, " (NOT resolved after %u trials: between %.0f and %.0f; raise "
                         "--max-trials)", k < c->max_trials ? k + 1 : k, lo, hi);
        fprintf(out, "\n");
    }
    json_object *s = json_object_new_object();
    json_object_object_add(s, "loss_tolerance_pct", json_object_new_double(c->loss_tol_pct));
    json_object_object_add(s, "resolution_pct", json_object_new_double(c->resolution_pct));
    json_object_object_add(s, "trial_s", json_object_new_double(c->trial_s));
    json_object_object_add(s, "throughput_pps", json_object_new_double(best));
    json_object_object_add(s, "probe", json_object_new_boolean(probe));
    json_object_object_add(s, "resolved", json_object_new_boolean(resolved));
    json_object_object_add(s, "lower_pps", json_object_new_double(lo));
    json_object_object_add(s, "upper_pps", json_object_new_double(hi));
    json_object_object_add(s, "trials", arr);
    json_object_object_add(jo, "search", s);
    tr_sink_destroy(t.sink);
    nf_io_close(t.io);
    return rc;
}

static void add_cfg_json(json_object *o, const struct gen_cfg *c)
{
    char buf[64];
    json_object_object_add(o, "schema", json_object_new_string("scc-gen/1"));
    json_object_object_add(o, "transport",
                           json_object_new_string(c->io.transport == NF_IO_UDP ? "udp" : "raw"));
    if (c->io.transport == NF_IO_UDP)
        tr_format_endpoint(&c->io.remote, buf, sizeof(buf));
    else
        scc_strlcpy(buf, c->io.ifname, sizeof(buf));
    json_object_object_add(o, "endpoint", json_object_new_string(buf));
    json_object_object_add(o, "vni", u64j(c->io.vni));
    json_object_object_add(o, "batch", u64j(c->io.batch));
    json_object_object_add(o, "burst", u64j(c->burst));
    json_object_object_add(o, "rate_pps", c->rate > 0 ? json_object_new_double(c->rate) : NULL);
    json_object_object_add(o, "pacing", json_object_new_string(c->rate <= 0 ? "none"
                                                               : c->pacing == TR_PACE_CONST
                                                                   ? "const"
                                                                   : "poisson"));
    json_object_object_add(o, "size", json_object_new_string(c->dist.name));
    json_object_object_add(o, "size_mean", json_object_new_double(tr_dist_mean(&c->dist)));
    json_object_object_add(o, "flows", u64j(c->flows));
    json_object_object_add(o, "duration_s", c->duration_s > 0 ? json_object_new_double(c->duration_s)
                                                               : NULL);
    json_object_object_add(o, "count", c->count ? u64j(c->count) : NULL);
    json_object_object_add(o, "seed", u64j(c->seed));
    scc_ipv4_format(c->pkt.src_ip, buf, sizeof(buf));
    json_object_object_add(o, "src_ip", json_object_new_string(buf));
    scc_ipv4_format(c->pkt.dst_ip, buf, sizeof(buf));
    json_object_object_add(o, "dst_ip", json_object_new_string(buf));
    json_object_object_add(o, "src_port", u64j(c->pkt.src_port));
    json_object_object_add(o, "dst_port", u64j(c->pkt.dst_port));
    scc_mac_format(c->pkt.src_mac, buf, sizeof(buf));
    json_object_object_add(o, "src_mac", json_object_new_string(buf));
    scc_mac_format(c->pkt.dst_mac, buf, sizeof(buf));
    json_object_object_add(o, "dst_mac", json_object_new_string(buf));
    json_object_object_add(o, "ttl", u64j(c->pkt.ttl));
}

int cmd_gen(int argc, char **argv)
{
    struct gen_cfg c = {
        .io = {.sz = sizeof(struct nf_io_opts), .transport = NF_IO_UDP, .batch = 32,
               .idle = NF_IO_BLOCK, .vni = 1, .connect_remote = 1},
        .rx = {.sz = sizeof(struct nf_io_opts), .transport = NF_IO_UDP, .batch = 32,
               .idle = NF_IO_BLOCK, .vni = 1},
        .rate = 10000,
        .flows = 1,
        .seed = 1,
        .spin_us = 50,
        .trial_s = 2,
        .resolution_pct = 1,
        .max_trials = 12,
        .rx_cpu = -1,
    };
    c.io.local.sin_family = AF_INET;
    c.io.remote.sin_family = AF_INET;
    c.io.remote.sin_addr.s_addr = htonl(0x7f000001u);
    c.io.remote.sin_port = htons(NF_VXLAN_PORT);
    tr_pkt_cfg_default(&c.pkt);
    int r = parse_args(argc, argv, &c);
    if (r)
        return r > 0 ? 0 : 2;

    /* Timer slack (50 µs by default) would make every sleep overshoot. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    char err[256];
    struct gen g = {.c = &c, .rng = tr_rng_seed(c.seed)};
    int rc = 1;
    g.io = nf_io_open(&c.io, err, sizeof(err));
    if (!g.io) {
        fprintf(stderr, "scc gen: %s\n", err);
        return 1;
    }
    g.frames = aligned_alloc(64, (size_t)c.burst * FRAME_STRIDE);
    g.pkts = calloc(c.burst, sizeof(*g.pkts));
    g.ptrs = calloc(c.burst, sizeof(*g.ptrs));
    g.pflow = calloc(c.burst, sizeof(*g.pflow));
    g.fseq = calloc(c.flows, sizeof(*g.fseq));
    g.lag = tr_hist_create();
    if (!g.frames || !g.pkts || !g.ptrs || !g.pflow || !g.fseq || !g.lag) {
        fprintf(stderr, "scc gen: out of memory\n");
        goto out;
    }
    for (unsigned i = 0; i < c.burst; i++) {
        g.pkts[i] = (struct nf_pkt){.data = g.frames + (size_t)i * FRAME_STRIDE,
                                    .cap = FRAME_STRIDE};
        g.ptrs[i] = &g.pkts[i];
    }
    tr_install_signals();
    /* -q: errors only, so no summary, no table, no progress line. */
    const bool quiet = scc_log_get_level() < SCC_LOG_WARN;
    FILE *out = quiet ? NULL : c.json && !strcmp(c.json, "-") ? stderr : stdout;
    json_object *jo = json_object_new_object();
    add_cfg_json(jo, &c);
    if (c.search) {
        rc = do_search(&g, jo, out);
    } else {
        uint64_t txd0 = 0, txd1 = 0;
        bool have_txd = c.io.transport == NF_IO_RAW &&
                        tr_sys_if_stat(c.io.ifname, "tx_dropped", &txd0) == 0;
        struct gen_result res;
        gen_run(&g, c.rate, c.duration_s, c.count, out == stdout && isatty(STDOUT_FILENO), &res);
        have_txd = have_txd && tr_sys_if_stat(c.io.ifname, "tx_dropped", &txd1) == 0;
        char where[64];
        if (c.io.transport == NF_IO_UDP)
            tr_format_endpoint(&c.io.remote, where, sizeof(where));
        else
            scc_strlcpy(where, c.io.ifname, sizeof(where));
        if (out) {
            fprintf(out, "scc gen: %s %s, batch %u, size %s, %u flow%s%s\n",
                    c.io.transport == NF_IO_UDP ? "udp" : "raw", where, c.io.batch, c.dist.name,
                    c.flows, c.flows == 1 ? "" : "s", tr_stop ? ", stopped by signal" : "");
            print_result(out, &c, &res, c.rate, g.lag);
            if (have_txd)
                fprintf(out, "  %s tx_dropped +%" PRIu64 "\n", c.io.ifname, txd1 - txd0);
        }
        if (!res.kept_up)
            scc_warn("gen: could not keep up: %.0f pps of %.0f asked (%.1f %%); schedule lag "
                     "p99 %.1f us. Try a larger --batch/--burst, or a lower --rate.",
                     res.achieved_pps, c.rate, 100.0 * res.achieved_pps / c.rate,
                     (double)tr_hist_percentile(g.lag, 99) / 1e3);
        json_object *rj = result_json(&res);
        json_object_object_foreach(rj, key, val)
            json_object_object_add(jo, key, json_object_get(val));
        json_object_put(rj);
        json_object_object_add(jo, "schedule_lag_ns", tr_hist_json(g.lag));
        json_object *kj = json_object_new_object();
        json_object_object_add(kj, "if_tx_dropped", have_txd ? u64j(txd1 - txd0) : NULL);
        json_object_object_add(jo, "kernel", kj);
        rc = res.sent > 0 ? 0 : 1;
        if (!res.sent)
            fprintf(stderr, "scc gen: the kernel accepted no frames\n");
    }
    if (c.json && tr_json_write(jo, c.json, err, sizeof(err)) < 0) {
        fprintf(stderr, "scc gen: %s\n", err);
        rc = 1;
    }
    json_object_put(jo);
out:
    tr_hist_destroy(g.lag);
    free(g.fseq);
    free(g.pflow);
    free(g.ptrs);
    free(g.pkts);
    free(g.frames);
    nf_io_close(g.io);
    return rc;
}
