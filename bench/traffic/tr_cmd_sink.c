/*
 * `scc sink` — receive the generator's frames and report throughput, loss,
 * duplicates, reordering and one-way latency (same host, same clock).
 *
 * The loop is nf_io_recv (recvmmsg, one receive timestamp per batch) and
 * tr_sink_account per frame. It ends by itself: after --count frames, after
 * --duration seconds, after --idle-timeout seconds of silence once traffic
 * has been seen, or after --timeout seconds with no traffic at all (exit 1,
 * "no traffic"). Kernel loss counters are read before and after so the
 * report can say where frames were lost.
 *
 * The measurement window is the post-warm-up stretch in which frames are
 * counted: it opens when the first frame after the warm-up is counted and
 * closes when the loop stops. Every figure of the report covers it, and
 * --notify tells another process (the launcher) when it opens and closes,
 * so that process can measure over the same window. Docs: docs/traffic.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/traffic/tr_cli.h"
#include "bench/traffic/tr_sink.h"
#include "bench/traffic/tr_sys.h"
#include "common/scc_log.h"
#include "common/scc_util.h"
#include "common/scc_cmds.h"
#include "nfs/nf_io.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: scc sink [OPTIONS]\n\n"
            "Receive `scc gen` traffic; report rate, loss, reordering and latency.\n\n"
            "where to listen:\n"
            "  --transport raw|udp|uring|xdp\n"
            "                        udp (default): VXLAN-in-UDP; raw: AF_PACKET on --if;\n"
            "                        uring: either through an io_uring (raw with --if);\n"
            "                        xdp: AF_XDP on --if (docs/io.md)\n"
            "  --uring-sqpoll        uring: a kernel thread submits (no system calls when busy)\n"
            "  --sqpoll-cpu N        pin that thread to CPU N (default: this process's CPUs)\n"
            "  --xdp-queues N        xdp: sockets on RX queues 0..N-1 (default: every RX queue)\n"
            "  --if IFNAME           interface for raw\n"
            "  --listen [ADDR:]PORT  udp: address to bind (default 0.0.0.0:4789)\n"
            "  --vni N               udp: VXLAN network identifier (default 1)\n"
            "  --batch N             frames per recvmmsg, 1..1024 (default 32)\n"
            "  --idle block|busy     wait in poll (default) or spin\n"
            "  --rcvbuf BYTES        socket receive buffer (default: kernel's)\n"
            "when to stop (whichever comes first):\n"
            "  --count N             after N frames of ours (warm-up included)\n"
            "  --duration SEC        after SEC seconds from start\n"
            "  --idle-timeout SEC    after SEC of silence once traffic was seen (default 1)\n"
            "  --timeout SEC         give up if nothing arrives for SEC (default 10): exit 1\n"
            "measuring:\n"
            "  --warmup SEC          discard frames in the first SEC after the first (default 0)\n"
            "  --series              keep a per-second time series (JSON and text)\n"
            "  --no-latency REASON   the sender's clock is not comparable with ours (another\n"
            "                        host, no PTP): report no one-way latency, say REASON\n"
            "  --digest              a digest of every frame of ours (headers but the UDP\n"
            "                        checksum, flow, sequence, length; order-free) in the\n"
            "                        JSON: compares what two chains delivered\n"
            "output:\n"
            "  --json FILE           write the scc-sink/1 JSON report (- = stdout)\n"
            "  --ready FILE          create FILE once the socket is open\n"
            "  --notify PATH         write \"window-open\" / \"window-close\" lines to PATH (a FIFO\n"
            "                        or a file) when the measurement window opens and closes\n"
            "  -h, --help            this text\n\n"
            "exit status: 0 traffic received, 1 no traffic or a runtime error, 2 usage.\n"
            "docs: docs/traffic.md\n");
}

struct sink_cfg {
    struct nf_io_opts io;
    uint64_t count;
    double duration_s, idle_s, timeout_s, warmup_s;
    bool series;
    bool digest;
    const char *json, *ready, *notify;
    const char *no_latency;     /* reason, or NULL: latency measured */
};

/* When the window opened and closed (CLOCK_MONOTONIC ns; 0 = never). */
struct window {
    uint64_t open_ns, close_ns;
};

struct kern {
    int have_udp, have_if, have_sock;
    uint64_t rcvbuf, inerr, if_rx_dropped, sock_drops;
};

static void read_kern(struct nf_io *io, const struct sink_cfg *c, struct kern *k)
{
    k->have_udp = tr_sys_udp_errors(&k->rcvbuf, &k->inerr) == 0;
    k->have_if = c->io.transport == NF_IO_RAW &&
                 tr_sys_if_stat(c->io.ifname, "rx_dropped", &k->if_rx_dropped) == 0;
    k->have_sock = nf_io_kernel_drops(io, &k->sock_drops) == 0;
}

static json_object *u64j(uint64_t v)
{
    return json_object_new_int64((int64_t)v);
}

static const char *const exit_names[] = {"count", "duration", "idle", "signal", "no-traffic",
                                         "error"};
enum sink_exit { EX_COUNT, EX_DURATION, EX_IDLE, EX_SIGNAL, EX_NOTRAFFIC, EX_ERROR };

static json_object *ns_or_null(uint64_t v, bool have)
{
    return have ? u64j(v) : NULL;
}

static void print_summary(const struct sink_cfg *c, struct nf_io *io, struct tr_sink *s,
                          const struct tr_sink_counts *n, const struct kern *k0,
                          const struct kern *k1, uint64_t sock, const char *where, double dur,
                          double pps, double gbps, enum sink_exit ex, FILE *out)
{
    const struct nf_io_stats *st = nf_io_get_stats(io);
    fprintf(out, "scc sink: %s %s, batch %u, stopped by %s\n",
            tr_io_name(&c->io), where, c->io.batch, exit_names[ex]);
    fprintf(out, "  received     %" PRIu64 " frames, %" PRIu64 " bytes in %.3f s: %.0f pps, %.4f Gb/s\n",
            n->rx, n->rx_bytes, dur, pps, gbps);
    fprintf(out, "  lost         %" PRIu64 " (sequence gaps)  duplicates %" PRIu64
                 "  reordered %" PRIu64 "  flows %" PRIu64 "\n",
            n->lost, n->duplicates, n->reordered, n->flows);
    fprintf(out, "  not ours     %" PRIu64 "  warm-up discarded %" PRIu64
                 "  bad encapsulation %" PRIu64 "  truncated %" PRIu64 "  bad checksum %" PRIu64 "\n",
            n->foreign, n->warmup, st->rx_bad_encap, st->rx_truncated, n->bad_checksum);
    fprintf(out, "  kernel drops socket queue %s%" PRIu64, k1->have_sock ? "" : "n/a ", sock);
    if (k0->have_udp && k1->have_udp)
        fprintf(out, "  Udp RcvbufErrors +%" PRIu64 " InErrors +%" PRIu64,
                k1->rcvbuf - k0->rcvbuf, k1->inerr - k0->inerr);
    if (k0->have_if && k1->have_if)
        fprintf(out, "  %s rx_dropped +%" PRIu64, c->io.ifname,
                k1->if_rx_dropped - k0->if_rx_dropped);
    fprintf(out, "\n");
    if (n->lost && sock)
        fprintf(out, "  (the socket queue overflowed: raise --rcvbuf or the receiver's CPU share)\n");
    if (c->no_latency) {
        fprintf(out, "  latency      not measured: %s\n", c->no_latency);
    } else if (n->rx) {
        tr_hist_header(out, "latency (us)");
        tr_hist_print(out, "from send", tr_sink_lat_send(s));
        tr_hist_print(out, "from schedule", tr_sink_lat_sched(s));
    }
    if (n->latency_negative)
        fprintf(out, "  clock        %" PRIu64 " frames received before their send time "
                     "(excluded from latency: are the clocks comparable?)\n",
                n->latency_negative);
    unsigned ns;
    const struct tr_sink_second *ser = tr_sink_series(s, &ns);
    if (c->series && ns) {
        fprintf(out, "  %6s %12s %12s %10s %10s %14s\n", "second", "frames", "Gb/s", "p50 us",
                "p99 us", "p99 sched us");
        for (unsigned i = 0; i < ns; i++)
            fprintf(out, "  %6u %12" PRIu64 " %12.4f %10.1f %10.1f %14.1f\n", ser[i].t, ser[i].rx,
                    (double)ser[i].rx_bytes * 8 / 1e9, (double)ser[i].p50_ns / 1e3,
                    (double)ser[i].p99_ns / 1e3, (double)ser[i].p99_sched_ns / 1e3);
    }
}

/* The summary goes to out (NULL: none, for -q); the JSON, when json is
 * not NULL, to *json. */
static void report(const struct sink_cfg *c, struct nf_io *io, struct tr_sink *s,
                   const struct kern *k0, const struct kern *k1, const struct window *w,
                   enum sink_exit ex, FILE *out, json_object **json)
{
    struct tr_sink_counts n;
    tr_sink_counts(s, &n);
    const struct nf_io_stats *st = nf_io_get_stats(io);
    double dur = n.rx > 1 ? (double)(n.last_ns - n.first_ns) / 1e9 : 0;
    double pps = dur > 0 ? (double)(n.rx - 1) / dur : 0;
    double gbps = dur > 0 ? (double)n.rx_bytes * 8 / dur / 1e9 : 0;
    char where[64];
    tr_io_where(&c->io, false, where, sizeof(where));
    uint64_t sock = k1->have_sock ? k1->sock_drops - (k0->have_sock ? k0->sock_drops : 0) : 0;
    if (out)
        print_summary(c, io, s, &n, k0, k1, sock, where, dur, pps, gbps, ex, out);
    if (!json)
        return;

    json_object *o = json_object_new_object();
    tr_io_json_add(o, "scc-sink/1", &c->io, false);
    json_object_object_add(o, "stopped_by", json_object_new_string(exit_names[ex]));
    json_object_object_add(o, "duration_s", json_object_new_double(dur));
    json_object_object_add(o, "rx_pkts", u64j(n.rx));
    json_object_object_add(o, "rx_bytes", u64j(n.rx_bytes));
    json_object_object_add(o, "pps", json_object_new_double(pps));
    json_object_object_add(o, "gbps", json_object_new_double(gbps));
    json_object_object_add(o, "lost", u64j(n.lost));
    json_object_object_add(o, "duplicates", u64j(n.duplicates));
    json_object_object_add(o, "reordered", u64j(n.reordered));
    json_object_object_add(o, "flows", u64j(n.flows));
    json_object_object_add(o, "foreign", u64j(n.foreign));
    json_object_object_add(o, "warmup_discarded", u64j(n.warmup));
    json_object_object_add(o, "latency_negative", u64j(n.latency_negative));
    json_object_object_add(o, "bad_checksum", u64j(n.bad_checksum));
    if (c->digest) { /* a string: 64 bits survive every JSON reader */
        char d[20];
        snprintf(d, sizeof(d), "%016llx", (unsigned long long)n.digest);
        json_object_object_add(o, "frames_digest", json_object_new_string(d));
        json_object_object_add(o, "frames_digested", u64j(n.digest_frames));
    }
    /* The window every figure above covers (CLOCK_MONOTONIC ns). */
    const bool opened = w->open_ns && n.rx;
    json_object *wj = json_object_new_object();
    json_object_object_add(wj, "open_ns", ns_or_null(w->open_ns, opened));
    json_object_object_add(wj, "close_ns", ns_or_null(w->close_ns, opened));
    json_object_object_add(wj, "first_rx_ns", ns_or_null(n.first_ns, opened));
    json_object_object_add(wj, "last_rx_ns", ns_or_null(n.last_ns, opened));
    json_object_object_add(o, "window", wj);
    json_object *io_o = json_object_new_object();
    json_object_object_add(io_o, "rx_calls", u64j(st->rx_calls));
    json_object_object_add(io_o, "rx_frames", u64j(st->rx_pkts));
    json_object_object_add(io_o, "rx_bad_encap", u64j(st->rx_bad_encap));
    json_object_object_add(io_o, "rx_truncated", u64j(st->rx_truncated));
    json_object_object_add(o, "io", io_o);
    json_object *kj = json_object_new_object();
    json_object_object_add(kj, "socket_drops", k1->have_sock ? u64j(sock) : NULL);
    json_object_object_add(kj, "udp_rcvbuf_errors",
                           k0->have_udp && k1->have_udp ? u64j(k1->rcvbuf - k0->rcvbuf) : NULL);
    json_object_object_add(kj, "udp_in_errors",
                           k0->have_udp && k1->have_udp ? u64j(k1->inerr - k0->inerr) : NULL);
    json_object_object_add(kj, "if_rx_dropped",
                           k0->have_if && k1->have_if
                               ? u64j(k1->if_rx_dropped - k0->if_rx_dropped)
                               : NULL);
    json_object_object_add(o, "kernel", kj);
    json_object_object_add(o, "latency_off",
                           c->no_latency ? json_object_new_string(c->no_latency) : NULL);
    json_object *lat = NULL;
    if (!c->no_latency) {
        lat = json_object_new_object();
        json_object_object_add(lat, "from_send", tr_hist_json(tr_sink_lat_send(s)));
        json_object_object_add(lat, "from_schedule", tr_hist_json(tr_sink_lat_sched(s)));
    }
    json_object_object_add(o, "latency_ns", lat);
    unsigned ns;
    const struct tr_sink_second *ser = tr_sink_series(s, &ns);
    json_object *arr = json_object_new_array();
    for (unsigned i = 0; i < ns; i++) {
        const bool l = !c->no_latency;
        json_object *e = json_object_new_object();
        json_object_object_add(e, "t", u64j(ser[i].t));
        json_object_object_add(e, "rx_pkts", u64j(ser[i].rx));
        json_object_object_add(e, "rx_bytes", u64j(ser[i].rx_bytes));
        json_object_object_add(e, "p50_ns", ns_or_null(ser[i].p50_ns, l));
        json_object_object_add(e, "p99_ns", ns_or_null(ser[i].p99_ns, l));
        json_object_object_add(e, "p99_sched_ns", ns_or_null(ser[i].p99_sched_ns, l));
        json_object_array_add(arr, e);
    }
    json_object_object_add(o, "series", arr);
    *json = o;
}

/* --notify: open once, without blocking. PATH may be a FIFO the launcher
 * holds open for reading (ENXIO: nobody reads, so nobody is told), or a
 * file, created if missing. -1 when there is nothing to write to. */
static int notify_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_CREAT | O_APPEND, 0600);
    if (fd < 0) {
        if (errno != ENXIO)
            scc_warn("open: %s: %s (--notify)", strerror(errno), path);
        return -1;
    }
    /* A reader that goes away must not kill the sink with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    return fd;
}

/* One line, never blocking the receive path: a full pipe or a vanished
 * reader loses the line, nothing else. */
static void notify(int fd, const char *line)
{
    if (fd < 0)
        return;
    ssize_t r = write(fd, line, strlen(line));
    (void)r;
}

static int parse_args(int argc, char **argv, struct sink_cfg *c)
{
    enum { O_LISTEN, O_RCVBUF, O_COUNT,
           O_DURATION, O_IDLE_TO, O_TIMEOUT, O_WARMUP, O_SERIES, O_JSON, O_READY,
           O_NOTIFY, O_NO_LATENCY, O_DIGEST };
    static const struct option opts[] = {
        TR_IO_LONGOPTS,
        {"listen", required_argument, NULL, O_LISTEN},
        {"rcvbuf", required_argument, NULL, O_RCVBUF},
        {"count", required_argument, NULL, O_COUNT},
        {"duration", required_argument, NULL, O_DURATION},
        {"idle-timeout", required_argument, NULL, O_IDLE_TO},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"warmup", required_argument, NULL, O_WARMUP},
        {"series", no_argument, NULL, O_SERIES},
        {"json", required_argument, NULL, O_JSON},
        {"ready", required_argument, NULL, O_READY},
        {"notify", required_argument, NULL, O_NOTIFY},
        {"no-latency", required_argument, NULL, O_NO_LATENCY},
        {"digest", no_argument, NULL, O_DIGEST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int opt;
    long v;
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
        case TR_O_SQPOLL:
        case TR_O_SQCPU:
        case TR_O_XDPQ:
            tr_io_option(opt, a, &c->io, &bad);
            break;
        case O_LISTEN:
            if (tr_parse_endpoint(a, 0, &c->io.local) < 0)
                bad = "[ADDR:]PORT, e.g. 127.0.0.1:4789";
            break;
        case O_RCVBUF:
            if (scc_parse_long(a, 1024, 1 << 30, &v) < 0)
                bad = "a byte count in 1024..1073741824";
            else
                c->io.rcvbuf = (int)v;
            break;
        case O_COUNT:
            if (scc_parse_u64(a, &c->count) < 0 || c->count == 0)
                bad = "a frame count >= 1";
            break;
        case O_DURATION:
            if (scc_parse_double(a, 0.001, 1e6, &c->duration_s) < 0)
                bad = "seconds in 0.001..1000000";
            break;
        case O_IDLE_TO:
            if (scc_parse_double(a, 0.001, 1e6, &c->idle_s) < 0)
                bad = "seconds in 0.001..1000000";
            break;
        case O_TIMEOUT:
            if (scc_parse_double(a, 0.001, 1e6, &c->timeout_s) < 0)
                bad = "seconds in 0.001..1000000";
            break;
        case O_WARMUP:
            if (scc_parse_double(a, 0, 1e6, &c->warmup_s) < 0)
                bad = "seconds in 0..1000000";
            break;
        case O_SERIES:
            c->series = true;
            break;
        case O_DIGEST:
            c->digest = true;
            break;
        case O_JSON:
            c->json = a;
            break;
        case O_READY:
            c->ready = a;
            break;
        case O_NOTIFY:
            c->notify = a;
            break;
        case O_NO_LATENCY:
            if (!*a || strlen(a) > 100)
                bad = "a reason of 1..100 characters, e.g. \"gen on another host\"";
            else
                c->no_latency = a;
            break;
        default:
            tr_bad_option("sink", argc, argv, opt);
            return -1;
        }
        if (bad)
            return tr_bad_value("sink", li >= 0 ? opts[li].name : "?", a, bad);
        li = -1;
    }
    return tr_io_options_done("sink", &c->io, argc, argv);
}

int cmd_sink(int argc, char **argv)
{
    struct sink_cfg c = {
        .io = {.sz = sizeof(struct nf_io_opts), .transport = NF_IO_UDP, .batch = 32,
               .idle = NF_IO_BLOCK, .vni = 1, .timestamp = 1},
        .idle_s = 1,
        .timeout_s = 10,
    };
    c.io.local.sin_family = AF_INET;
    c.io.local.sin_port = htons(NF_VXLAN_PORT);
    int r = parse_args(argc, argv, &c);
    if (r)
        return r > 0 ? 0 : 2;

    char err[256];
    struct nf_io *io = nf_io_open(&c.io, err, sizeof(err));
    if (!io) {
        fprintf(stderr, "scc sink: %s\n", err);
        return 1;
    }
    struct tr_sink_opts so = {.warmup_ns = (uint64_t)(c.warmup_s * 1e9), .series = c.series,
                              .no_latency = c.no_latency != NULL, .digest = c.digest};
    struct tr_sink *s = tr_sink_create(&so);
    struct nf_pkt **pk = calloc(c.io.batch, sizeof(*pk));
    if (!s || !pk) {
        fprintf(stderr, "scc sink: out of memory\n");
        nf_io_close(io);
        tr_sink_destroy(s);
        free(pk);
        return 1;
    }
    struct kern k0, k1;
    read_kern(io, &c, &k0);
    tr_install_signals();
    int nfd = c.notify ? notify_open(c.notify) : -1;
    if (c.ready) {
        FILE *f = fopen(c.ready, "we");
        if (!f || fclose(f) != 0)
            scc_warn("fopen: %s: %s (--ready)", strerror(errno), c.ready);
    }

    /* -q: errors only, so no summary and no progress line. */
    const bool quiet = scc_log_get_level() < SCC_LOG_WARN;
    const bool tty = !quiet && isatty(STDOUT_FILENO);
    struct window w = {0};
    const uint64_t start = scc_now_ns();
    const uint64_t idle_ns = (uint64_t)(c.idle_s * 1e9), timeout_ns = (uint64_t)(c.timeout_s * 1e9);
    const uint64_t end = c.duration_s > 0 ? start + (uint64_t)(c.duration_s * 1e9) : UINT64_MAX;
    uint64_t ours = 0, last_rx = 0, next_progress = start + 1000000000u;
    enum sink_exit ex = EX_ERROR;
    struct nf_batch b = {.cap = c.io.batch, .pkts = pk};
    for (;;) {
        if (tr_stop) {
            ex = EX_SIGNAL;
            break;
        }
        int n = nf_io_recv(io, &b, 50);
        if (n < 0) {
            fprintf(stderr, "scc sink: recvmmsg: %s\n", strerror(-n));
            ex = EX_ERROR;
            break;
        }
        for (int i = 0; i < n; i++)
            if (tr_sink_account(s, pk[i]->data, pk[i]->len, pk[i]->ts_ns))
                ours++;
        uint64_t now = scc_now_ns();
        if (n > 0)
            last_rx = now;
        if (!w.open_ns && n > 0 && tr_sink_counting(s)) {
            w.open_ns = now;
            notify(nfd, "window-open\n");
        }
        if (c.count && ours >= c.count) {
            ex = EX_COUNT;
            break;
        }
        if (now >= end) {
            ex = EX_DURATION;
            break;
        }
        if (ours && now - last_rx >= idle_ns) {
            ex = EX_IDLE;
            break;
        }
        if (!ours && now - start >= timeout_ns) {
            ex = EX_NOTRAFFIC;
            break;
        }
        if (tty && now >= next_progress) {
            struct tr_sink_counts n1;
            tr_sink_counts(s, &n1);
            const struct tr_hist *h = tr_sink_lat_send(s);
            fprintf(stdout, "\r  %.0f s  rx %" PRIu64 "  lost %" PRIu64 "  p50 %.1f us  p99 %.1f us   ",
                    (double)(now - start) / 1e9, n1.rx, n1.lost,
                    (double)tr_hist_percentile(h, 50) / 1e3, (double)tr_hist_percentile(h, 99) / 1e3);
            fflush(stdout);
            next_progress += 1000000000u;
        }
    }
    /* At the duration limit, frames already queued in the socket were
     * delivered in time: count them rather than leave them as "lost". */
    if (ex == EX_DURATION) {
        int n;
        while ((n = nf_io_recv(io, &b, 0)) > 0)
            for (int i = 0; i < n; i++)
                if (tr_sink_account(s, pk[i]->data, pk[i]->len, pk[i]->ts_ns))
                    ours++;
    }
    if (!w.open_ns && tr_sink_counting(s)) { /* the first counted frames were in the drain */
        w.open_ns = scc_now_ns();
        notify(nfd, "window-open\n");
    }
    /* Counting stops here: the window closes. */
    w.close_ns = scc_now_ns();
    if (w.open_ns)
        notify(nfd, "window-close\n");
    if (nfd >= 0)
        close(nfd);
    if (tty && next_progress > start + 1000000000u)
        fprintf(stdout, "\n");
    tr_sink_finish(s);
    read_kern(io, &c, &k1);
    json_object *j = NULL;
    /* With --json - the JSON owns stdout; the summary moves to stderr. */
    FILE *out = quiet ? NULL : c.json && !strcmp(c.json, "-") ? stderr : stdout;
    report(&c, io, s, &k0, &k1, &w, ex, out, c.json ? &j : NULL);
    int rc = ex == EX_ERROR ? 1 : 0;
    if (ex == EX_NOTRAFFIC || ours == 0) {
        fprintf(stderr, "scc sink: no traffic of ours arrived within %.3g s\n", c.timeout_s);
        rc = 1;
    }
    if (j) {
        if (tr_json_write(j, c.json, err, sizeof(err)) < 0) {
            fprintf(stderr, "scc sink: %s\n", err);
            rc = 1;
        }
        json_object_put(j);
    }
    free(pk);
    tr_sink_destroy(s);
    nf_io_close(io);
    return rc;
}
