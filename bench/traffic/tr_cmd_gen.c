/*
 * `scc gen` — the command line of the traffic generator: options, the
 * human summary and the scc-gen/1 JSON report. The pacing engine is
 * tr_gen, the RFC 2544-style throughput search (--search) is tr_search;
 * this file only configures them and reports. Docs: docs/traffic.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bench/traffic/tr_cli.h"
#include "bench/traffic/tr_dist.h"
#include "bench/traffic/tr_gen.h"
#include "bench/traffic/tr_hist.h"
#include "bench/traffic/tr_pace.h"
#include "bench/traffic/tr_pkt.h"
#include "bench/traffic/tr_search.h"
#include "bench/traffic/tr_sys.h"
#include "common/scc_log.h"
#include "common/scc_util.h"
#include "common/scc_cmds.h"
#include "nfs/nf_io.h"


static void usage(FILE *f)
{
    fprintf(f,
            "usage: scc gen [OPTIONS]\n\n"
            "Send paced Ethernet/IPv4/UDP test traffic that `scc sink` measures.\n\n"
            "where to send:\n"
            "  --transport raw|udp|uring|xdp\n"
            "                        udp (default): VXLAN-in-UDP to --dst; raw: AF_PACKET on\n"
            "                        --if; uring: either through an io_uring (raw with --if);\n"
            "                        xdp: AF_XDP on --if (docs/io.md)\n"
            "  --uring-sqpoll        uring: a kernel thread submits (no system calls when busy)\n"
            "  --sqpoll-cpu N        pin that thread to CPU N (default: this process's CPUs)\n"
            "  --xdp-queues N        xdp: sockets on RX queues 0..N-1 (default: every RX queue)\n"
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

static json_object *u64j(uint64_t v)
{
    return json_object_new_int64((int64_t)v);
}

static void print_result(FILE *out, const struct gen_cfg *c, const struct tr_gen_stats *r,
                         double rate, const struct tr_hist *lag)
{
    fprintf(out, "  sent         %" PRIu64 " frames, %" PRIu64 " bytes in %.3f s: %.0f pps, %.4f Gb/s\n",
            r->sent, r->bytes, r->elapsed_s, r->achieved_pps, r->gbps);
    if (rate > 0)
        fprintf(out, "  target       %.0f pps (%s, burst %u): achieved %.2f %%\n", rate,
                c->pacing == TR_PACE_CONST ? "const" : "poisson", c->burst,
                100.0 * r->achieved_pps / rate);
    const char *call = c->io.engine == NF_IO_URING ? "io_uring_enter"
                       : c->io.engine == NF_IO_XDP ? "sendto (AF_XDP wake-ups)" : "sendmmsg";
    fprintf(out, "  syscalls     %" PRIu64 " %s (%.1f frames each)\n", r->io.tx_calls, call,
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
        case TR_O_SQPOLL:
        case TR_O_SQCPU:
        case TR_O_XDPQ:
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
            if (scc_parse_long(a, 1, TR_GEN_MAX_FLOWS, &v) < 0)
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
        if (bad)
            return tr_bad_value("gen", li >= 0 ? opts[li].name : "?", a, bad);
        li = -1;
    }
    if (tr_io_options_done("gen", &c->io, argc, argv) < 0)
        return -1;
    /* the search's receive side uses the same VXLAN network, batch and
     * transport (xdp only where it receives raw frames) */
    c->rx.vni = c->io.vni;
    c->rx.batch = c->io.batch;
    c->rx.engine = c->io.engine == NF_IO_XDP && c->rx.transport != NF_IO_RAW ? NF_IO_SOCKETS
                                                                              : c->io.engine;
    c->rx.uring_sqpoll = c->rx.engine == NF_IO_URING && c->io.uring_sqpoll;
    c->rx.uring_sqpoll_pin = c->rx.uring_sqpoll && c->io.uring_sqpoll_pin;
    c->rx.uring_sqpoll_cpu = c->io.uring_sqpoll_cpu;
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

/* One row of the search table per trial, as it ends. */
static void print_trial(void *ctx, unsigned k, const struct tr_search_trial *tr)
{
    FILE *out = ctx;
    const char *why = tr->pass ? "pass" : !tr->g.kept_up ? "fail (generator could not keep up)"
                                                          : "fail (loss)";
    char target[32] = "max";
    if (!tr->probe)
        snprintf(target, sizeof(target), "%.0f", tr->rate);
    fprintf(out, "  %5u %12s %12.0f %12" PRIu64 " %10.4f %9.1f %9.1f  %s%s\n", k, target,
            tr->g.achieved_pps, tr->received, tr->loss_pct, (double)tr->p50_ns / 1e3,
            (double)tr->p99_ns / 1e3, why, tr->probe ? " (probe)" : "");
}

/* The progress line on a terminal, about once a second. */
static void print_progress(void *ctx, double elapsed_s, uint64_t sent, uint64_t lag_p99_ns)
{
    FILE *out = ctx;
    fprintf(out, "\r  %.0f s  sent %" PRIu64 "  %.0f pps  lag p99 %.1f us   ", elapsed_s, sent,
            (double)sent / elapsed_s, (double)lag_p99_ns / 1e3);
    fflush(out);
}

static int do_search(struct tr_gen *g, const struct gen_cfg *c, json_object *jo, FILE *out)
{
    const struct tr_search_opts so = {
        .rx = c->rx,
        .rate = c->rate,
        .trial_s = c->trial_s,
        .loss_tol_pct = c->loss_tol_pct,
        .resolution_pct = c->resolution_pct,
        .max_trials = c->max_trials,
        .rx_cpu = c->rx_cpu,
        .stop = &tr_stop,
    };
    if (out) {
        if (c->rate <= 0)
            fprintf(out, "scc gen --search: first an unpaced probe");
        else
            fprintf(out, "scc gen --search: up to %.0f pps", c->rate);
        fprintf(out, ", trials of %.3g s, loss tolerance %.3g %%, resolution %.3g %%\n",
                c->trial_s, c->loss_tol_pct, c->resolution_pct);
        fprintf(out, "  %5s %12s %12s %12s %10s %9s %9s  %s\n", "trial", "target pps",
                "sent pps", "received", "loss %", "p50 us", "p99 us", "result");
    }
    static struct tr_search_result r; /* 100 trials: too big for the stack */
    char err[256];
    int rc = tr_search_run(g, &so, out ? print_trial : NULL, out, &r, err, sizeof(err));
    if (rc < 0)
        fprintf(stderr, "scc gen: %s\n", err);
    if (out) {
        fprintf(out, "  throughput   %.0f pps", r.throughput_pps);
        if (r.throughput_pps == 0)
            fprintf(out, " (no trial passed)");
        else if (!r.probe && r.throughput_pps >= c->rate)
            fprintf(out, " (the upper bound passed; raise --rate)");
        else if (r.probe && r.throughput_pps >= r.upper_pps)
            fprintf(out, " (the generator's own limit passed)");
        else if (r.resolved)
            fprintf(out, " (within %.3g %%: %.0f pps failed)", c->resolution_pct, r.upper_pps);
        else
            fprintf(out, " (NOT resolved after %u trials: between %.0f and %.0f; raise "
                         "--max-trials)", r.ntrials, r.lower_pps, r.upper_pps);
        fprintf(out, "\n");
    }
    json_object *arr = json_object_new_array();
    for (unsigned k = 0; k < r.ntrials; k++) {
        const struct tr_search_trial *tr = &r.trials[k];
        json_object *e = tr_gen_stats_json(&tr->g);
        json_object_object_add(e, "target_pps", tr->probe ? NULL : json_object_new_double(tr->rate));
        json_object_object_add(e, "received", u64j(tr->received));
        json_object_object_add(e, "loss_pct", json_object_new_double(tr->loss_pct));
        json_object_object_add(e, "p50_ns", u64j(tr->p50_ns));
        json_object_object_add(e, "p99_ns", u64j(tr->p99_ns));
        json_object_object_add(e, "pass", json_object_new_boolean(tr->pass));
        json_object_array_add(arr, e);
    }
    json_object *sj = json_object_new_object();
    json_object_object_add(sj, "loss_tolerance_pct", json_object_new_double(c->loss_tol_pct));
    json_object_object_add(sj, "resolution_pct", json_object_new_double(c->resolution_pct));
    json_object_object_add(sj, "trial_s", json_object_new_double(c->trial_s));
    json_object_object_add(sj, "throughput_pps", json_object_new_double(r.throughput_pps));
    json_object_object_add(sj, "probe", json_object_new_boolean(r.probe));
    json_object_object_add(sj, "resolved", json_object_new_boolean(r.resolved));
    json_object_object_add(sj, "lower_pps", json_object_new_double(r.lower_pps));
    json_object_object_add(sj, "upper_pps", json_object_new_double(r.upper_pps));
    json_object_object_add(sj, "trials", arr);
    json_object_object_add(jo, "search", sj);
    return rc < 0 ? 1 : 0;
}

static void add_cfg_json(json_object *o, const struct gen_cfg *c)
{
    char buf[64];
    tr_io_json_add(o, "scc-gen/1", &c->io, true);
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
    struct nf_io *io = nf_io_open(&c.io, err, sizeof(err));
    if (!io) {
        fprintf(stderr, "scc gen: %s\n", err);
        return 1;
    }
    const struct tr_gen_opts go = {.pkt = c.pkt, .dist = c.dist, .pacing = c.pacing,
                                   .burst = c.burst, .flows = c.flows, .seed = c.seed,
                                   .spin_us = c.spin_us, .stop = &tr_stop};
    struct tr_gen *g = tr_gen_create(&go, io);
    if (!g) {
        fprintf(stderr, "scc gen: out of memory\n");
        nf_io_close(io);
        return 1;
    }
    int rc = 1;
    tr_install_signals();
    /* -q: errors only, so no summary, no table, no progress line. */
    const bool quiet = scc_log_get_level() < SCC_LOG_WARN;
    FILE *out = quiet ? NULL : c.json && !strcmp(c.json, "-") ? stderr : stdout;
    json_object *jo = json_object_new_object();
    add_cfg_json(jo, &c);
    if (c.search) {
        rc = do_search(g, &c, jo, out);
    } else {
        uint64_t txd0 = 0, txd1 = 0;
        bool have_txd = c.io.transport == NF_IO_RAW &&
                        tr_sys_if_stat(c.io.ifname, "tx_dropped", &txd0) == 0;
        struct tr_gen_stats res;
        const bool progress = out == stdout && isatty(STDOUT_FILENO);
        tr_gen_run(g, c.rate, c.duration_s, c.count, progress ? print_progress : NULL, out, &res);
        if (progress && res.elapsed_s >= 1)
            fprintf(out, "\n");
        have_txd = have_txd && tr_sys_if_stat(c.io.ifname, "tx_dropped", &txd1) == 0;
        char where[64];
        tr_io_where(&c.io, true, where, sizeof(where));
        if (out) {
            fprintf(out, "scc gen: %s %s, batch %u, size %s, %u flow%s%s\n",
                    tr_io_name(&c.io), where, c.io.batch, c.dist.name,
                    c.flows, c.flows == 1 ? "" : "s", tr_stop ? ", stopped by signal" : "");
            print_result(out, &c, &res, c.rate, tr_gen_lag(g));
            if (have_txd)
                fprintf(out, "  %s tx_dropped +%" PRIu64 "\n", c.io.ifname, txd1 - txd0);
        }
        if (!res.kept_up)
            scc_warn("gen: could not keep up: %.0f pps of %.0f asked (%.1f %%); schedule lag "
                     "p99 %.1f us. Try a larger --batch/--burst, or a lower --rate.",
                     res.achieved_pps, c.rate, 100.0 * res.achieved_pps / c.rate,
                     (double)tr_hist_percentile(tr_gen_lag(g), 99) / 1e3);
        json_object *rj = tr_gen_stats_json(&res);
        json_object_object_foreach(rj, key, val)
            json_object_object_add(jo, key, json_object_get(val));
        json_object_put(rj);
        json_object_object_add(jo, "schedule_lag_ns", tr_hist_json(tr_gen_lag(g)));
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
    tr_gen_destroy(g);
    nf_io_close(io);
    return rc;
}
