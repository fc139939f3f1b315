/*
 * scc-nf — runs one network function: a pipeline of elements between an
 * input and an output endpoint, in SCC's three rounds per loop: receive a
 * batch (recvmmsg), push it through the element graph, send what comes out
 * (sendmmsg). Its counters are published live in a shared-memory page
 * (nf_stats.h) that `scc stats NAME` and the launcher read.
 *
 * Life cycle: parse options -> build the pipeline -> open the sockets ->
 * create the stats page -> drop capabilities -> seccomp -> ready=1 -> loop
 * until SIGTERM/SIGINT (the handler only sets a flag) -> remove the page.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "common/scc_util.h"
#include "nfs/nf_element.h"
#include "nfs/nf_io.h"
#include "nfs/nf_pipeline.h"
#include "nfs/nf_sandbox.h"
#include "nfs/nf_stats.h"

/* The stats page: the packet and call counters after every batch that
 * carried packets (memory stores inside the seqlock, no system call), so a
 * reader sampling the edges of a measurement window sees the counts of that
 * moment, not of up to 50 ms before; everything, the kernel's drop counter
 * (a getsockopt) included, on time only: every PUBLISH_NS, and once at
 * exit. In busy idle an empty spin costs one recvmmsg (~0.3 us); reading the
 * clock on each would add a few percent, so busy idle reads it only every
 * BUSY_CLOCK_SPINS empty spins (~20 us), which bounds how late a publish
 * can be by far less than PUBLISH_NS. */
#define PUBLISH_NS 50000000ull
#define BUSY_CLOCK_SPINS 64
#define IDLE_POLL_MS 100

/* Every reason an element can count has a slot on the stats page. */
_Static_assert(NF_STATS_MAX_REASONS >= NF_MAX_DROP_REASONS,
               "the stats page has fewer drop-reason slots than an element has counters");

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: scc-nf --pipeline STR --in EP --out EP [options]\n\n"
        "Runs one network function: receive a batch, push it through the element\n"
        "pipeline, send the result; counters live in /dev/shm/scc-nf-NAME\n"
        "(read them with `scc stats NAME`).\n\n"
        "endpoints:\n"
        "  raw:IFNAME          AF_PACKET socket on IFNAME (whole Ethernet frames)\n"
        "  udp:IP[:PORT]       VXLAN (RFC 7348) in UDP; for --in the local address to\n"
        "                      bind, for --out the peer to send to (default port 4789)\n\n"
        "options:\n"
        "  --pipeline STR      element pipeline, e.g. 'FromIO -> Counter -> ToIO'\n"
        "  --name NAME         stats page name (default nf<PID>)\n"
        "  --in EP, --out EP   input and output endpoints (required)\n"
        "  --batch N           packets per receive/send call, 1..1024 (default 32)\n"
        "  --idle block|busy   wait in poll() (default) or spin when idle\n"
        "  --vni N             VXLAN network identifier for udp endpoints (default 1)\n"
        "  --no-seccomp        do not install the seccomp filter (debugging)\n"
        "  --dst-mac MAC       write MAC as the destination of every frame sent (how\n"
        "                      `scc run` steers frames through a bridge)\n"
        "  --yield             sched_yield() after each batch sent (chain-order\n"
        "                      scheduling: the next stage on this core runs next)\n"
        "  --phase-timing      time the receive, pipeline and send phases of every\n"
        "                      batch (CLOCK_MONOTONIC, ~3 clock reads per batch) into\n"
        "                      the stats page (profile mode); off: one branch\n"
        "  -v, -q              more / fewer messages\n"
        "  -h, --help          this text\n"
        "docs: docs/elements.md (pipelines), docs/io.md (endpoints)\n");
}

struct ep {
    enum nf_io_transport transport;
    char ifname[IF_NAMESIZE];
    struct sockaddr_in addr;
    bool port_given;
};

static int parse_ep(const char *s, struct ep *ep, char *err, size_t errlen)
{
    memset(ep, 0, sizeof(*ep));
    if (strncmp(s, "raw:", 4) == 0) {
        ep->transport = NF_IO_RAW;
        if (!s[4] || strlen(s + 4) >= IF_NAMESIZE) {
            snprintf(err, errlen, "'%s': expected raw:IFNAME (1..%d characters)", s,
                     IF_NAMESIZE - 1);
            return -EINVAL;
        }
        scc_strlcpy(ep->ifname, s + 4, sizeof(ep->ifname));
        return 0;
    }
    if (strncmp(s, "udp:", 4) == 0) {
        char buf[64];
        ep->transport = NF_IO_UDP;
        scc_strlcpy(buf, s + 4, sizeof(buf));
        char *colon = strchr(buf, ':');
        long port = 0;
        if (colon) {
            *colon = '\0';
            if (scc_parse_long(colon + 1, 1, 65535, &port) < 0) {
                snprintf(err, errlen, "'%s': port '%s' is not in 1..65535", s, colon + 1);
                return -EINVAL;
            }
            ep->port_given = true;
        }
        uint32_t a;
        if (scc_ipv4_parse(buf, &a) < 0) {
            snprintf(err, errlen, "'%s': '%s' is not an IPv4 address (expected udp:IP[:PORT])",
                     s, buf);
            return -EINVAL;
        }
        ep->addr.sin_family = AF_INET;
        ep->addr.sin_addr.s_addr = htonl(a);
        ep->addr.sin_port = htons((uint16_t)port);
        return 0;
    }
    snprintf(err, errlen, "'%s': expected raw:IFNAME or udp:IP[:PORT]", s);
    return -EINVAL;
}

static struct nf_io *open_ep(const struct ep *ep, bool input, unsigned batch,
                             enum nf_io_idle idle, uint32_t vni, const char *txt)
{
    /* 4 MiB socket buffers: the kernel default (~200 KiB, a few hundred
     * small frames) overflows during one scheduling hiccup of the NF */
    struct nf_io_opts o = {.sz = sizeof(o), .transport = ep->transport, .batch = batch,
                           .idle = idle, .vni = vni, .rcvbuf = input ? 4 << 20 : 0,
                           .sndbuf = input ? 0 : 4 << 20};
    if (ep->transport == NF_IO_RAW) {
        scc_strlcpy(o.ifname, ep->ifname, sizeof(o.ifname));
    } else {
        struct sockaddr_in a = ep->addr;
        if (!ep->port_given)
            a.sin_port = htons(NF_VXLAN_PORT);
        if (input) {
            o.local = a;
        } else {
            o.remote = a;
            o.local.sin_family = AF_INET;
        }
    }
    char err[256] = "";
    struct nf_io *io = nf_io_open(&o, err, sizeof(err));
    if (!io)
        scc_err("%s endpoint %s: %s", input ? "input" : "output", txt, err);
    return io;
}

/* --phase-timing: ns summed per phase over the batches that carried
 * packets (Redis latency.h style: with it off, the loop pays one
 * predictable branch per phase and these stay 0). */
struct phase_sums {
    bool on;
    uint64_t rx_ns, pipe_ns, tx_ns;
};

/* Copy every counter into the page under the seqlock. */
static void publish(struct nf_stats_writer *w, struct nf_pipeline *p, struct nf_io *in,
                    struct nf_io *out, uint64_t batches, uint64_t now, bool kernel,
                    const struct phase_sums *ph)
{
    struct nf_stats_page *pg = nf_stats_page(w);
    const struct nf_io_stats *si = nf_io_get_stats(in), *so = nf_io_get_stats(out);
    nf_stats_begin(w);
    pg->update_ns = now;
    pg->rx_pkts = si->rx_pkts;
    pg->rx_bytes = si->rx_bytes;
    pg->rx_calls = si->rx_calls;
    pg->rx_empty_calls = si->rx_empty_calls;
    pg->rx_bad_encap = si->rx_bad_encap;
    pg->rx_truncated = si->rx_truncated;
    pg->tx_pkts = so->tx_pkts;
    pg->tx_bytes = so->tx_bytes;
    pg->tx_calls = so->tx_calls;
    pg->tx_drops = so->tx_drop_again + so->tx_drop_nobufs + so->tx_drop_other;
    pg->batches = batches;
    pg->recvmmsg_calls = si->rx_calls + si->rx_empty_calls; /* nf_io counts every call */
    pg->sendmmsg_calls = so->tx_calls;
    pg->phase_rx_ns = ph->rx_ns;
    pg->phase_pipe_ns = ph->pipe_ns;
    pg->phase_tx_ns = ph->tx_ns;
    pg->drops = nf_pipeline_drops(p);
    uint64_t kd;
    if (kernel && nf_io_kernel_drops(in, &kd) == 0) /* a getsockopt, every PUBLISH_NS */
        pg->rx_kernel_drops = kd;
    for (unsigned i = 0; i < pg->nelems; i++) {
        const struct nf_element *e = nf_pipeline_element(p, (int)i);
        struct nf_stats_elem *se = &pg->elems[i];
        se->in_pkts = e->in_pkts;
        se->out_pkts = e->out_pkts;
        se->bytes = e->bytes;
        for (unsigned r = 0; r < se->nreasons; r++)
            se->drops[r] = e->drops[r];
    }
    nf_stats_end(w);
}

static void describe(struct nf_stats_writer *w, struct nf_pipeline *p, unsigned batch,
                     const char *in, const char *out)
{
    struct nf_stats_page *pg = nf_stats_page(w);
    nf_stats_begin(w);
    pg->batch = batch;
    scc_strlcpy(pg->transport_in, in, sizeof(pg->transport_in));
    scc_strlcpy(pg->transport_out, out, sizeof(pg->transport_out));
    int n = nf_pipeline_nelements(p);
    if (n > NF_STATS_MAX_ELEMS) {
        scc_warn("%d elements; the stats page shows the first %d", n, NF_STATS_MAX_ELEMS);
        n = NF_STATS_MAX_ELEMS;
    }
    pg->nelems = (uint32_t)n;
    for (int i = 0; i < n; i++) {
        const struct nf_element *e = nf_pipeline_element(p, i);
        struct nf_stats_elem *se = &pg->elems[i];
        scc_strlcpy(se->name, e->name, sizeof(se->name));
        scc_strlcpy(se->cls, e->ops->cls, sizeof(se->cls));
        /* publish() indexes drops[] by nreasons: clamp it to both limits */
        int nr = e->ops->ndrop_reasons;
        nr = nr < 0 ? 0 : nr > NF_STATS_MAX_REASONS ? NF_STATS_MAX_REASONS : nr;
        nr = nr > NF_MAX_DROP_REASONS ? NF_MAX_DROP_REASONS : nr;
        se->nreasons = (uint32_t)nr;
        for (int r = 0; r < nr; r++)
            scc_strlcpy(se->reason[r], e->ops->drop_reasons[r], sizeof(se->reason[r]));
    }
    nf_stats_end(w);
}

enum { O_PIPELINE = 256, O_NAME, O_IN, O_OUT, O_BATCH, O_IDLE, O_VNI,
       O_NOSECCOMP, O_DSTMAC, O_YIELD, O_PHASE };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pipeline", required_argument, NULL, O_PIPELINE},
        {"name", required_argument, NULL, O_NAME},
        {"in", required_argument, NULL, O_IN},
        {"out", required_argument, NULL, O_OUT},
        {"batch", required_argument, NULL, O_BATCH},
        {"idle", required_argument, NULL, O_IDLE},
        {"vni", required_argument, NULL, O_VNI},
        {"no-seccomp", no_argument, NULL, O_NOSECCOMP},
        {"dst-mac", required_argument, NULL, O_DSTMAC},
        {"yield", no_argument, NULL, O_YIELD},
        {"phase-timing", no_argument, NULL, O_PHASE},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    scc_log_set_prog("scc-nf");
    const char *pipeline = NULL, *name = NULL;
    const char *in_s = NULL, *out_s = NULL;
    long batch = -1, vni = -1;
    int idle = -1;
    bool seccomp = true, set_dst = false, yield = false, phase_timing = false;
    uint8_t dst_mac[6];
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        switch (c) {
        case O_PIPELINE: pipeline = optarg; break;
        case O_NAME: name = optarg; break;
        case O_IN: in_s = optarg; break;
        case O_OUT: out_s = optarg; break;
        case O_NOSECCOMP: seccomp = false; break;
        case O_YIELD: yield = true; break;
        case O_PHASE: phase_timing = true; break;
        case O_DSTMAC:
            if (scc_mac_parse(optarg, dst_mac) < 0) {
                fprintf(stderr, "scc-nf: --dst-mac '%s': expected a MAC like 02:00:00:00:00:01\n",
                        optarg);
                return 2;
            }
            set_dst = true;
            break;
        case O_BATCH:
            if (scc_parse_long(optarg, 1, NF_BATCH_MAX, &batch) < 0) {
                fprintf(stderr, "scc-nf: --batch '%s': expected 1..%u\n", optarg, NF_BATCH_MAX);
                return 2;
            }
            break;
        case O_VNI:
            if (scc_parse_long(optarg, 0, 0xffffff, &vni) < 0) {
                fprintf(stderr, "scc-nf: --vni '%s': expected 0..16777215\n", optarg);
                return 2;
            }
            break;
        case O_IDLE:
            if (!strcmp(optarg, "block"))
                idle = NF_IO_BLOCK;
            else if (!strcmp(optarg, "busy"))
                idle = NF_IO_BUSY;
            else {
                fprintf(stderr, "scc-nf: --idle '%s': expected block or busy\n", optarg);
                return 2;
            }
            break;
        case 'v':
            scc_log_set_level(scc_log_get_level() < SCC_LOG_DEBUG ? scc_log_get_level() + 1
                                                                  : SCC_LOG_DEBUG);
            break;
        case 'q': scc_log_set_level(SCC_LOG_ERROR); break;
        case 'h': usage(stdout); return 0;
        default:
            /* getopt_long sets optopt to the option's value when its
             * argument is missing, and to 0 for an unknown long option */
            if (optopt >= O_PIPELINE)
                fprintf(stderr, "scc-nf: option '%s' needs a value\n", argv[optind - 1]);
            else if (optopt == 0)
                fprintf(stderr, "scc-nf: unknown option '%s'\n", argv[optind - 1]);
            else
                fprintf(stderr, "scc-nf: unknown option '-%c'\n", optopt);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "scc-nf: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!pipeline) {
        fprintf(stderr, "scc-nf: --pipeline is required\n");
        usage(stderr);
        return 2;
    }
    if (!in_s || !out_s) {
        fprintf(stderr, "scc-nf: --in and --out are required\n");
        return 2;
    }

    int status = 1;
    struct nf_pipeline *pipe = NULL;
    struct nf_io *in = NULL, *out = NULL;
    struct nf_stats_writer *w = NULL;
    struct nf_pkt **slots = NULL;
    char err[512] = "", defname[32];
    struct ep ein, eout;

    if (parse_ep(in_s, &ein, err, sizeof(err)) < 0 || parse_ep(out_s, &eout, err, sizeof(err)) < 0) {
        fprintf(stderr, "scc-nf: %s\n", err);
        return 2;
    }
    if (batch < 0)
        batch = 32;
    if (idle < 0)
        idle = NF_IO_BLOCK;
    if (vni < 0)
        vni = 1;
    if (!name) {
        snprintf(defname, sizeof(defname), "nf%d", (int)getpid());
        name = defname;
    }

    struct nf_pipeline_opts po = {.sz = sizeof(po), .batch = (unsigned)batch, .noutputs = 1};
    int rc = nf_pipeline_build(pipeline, &po, &pipe, err, sizeof(err));
    if (rc < 0) {
        scc_err("pipeline: %s", err);
        status = 2;
        goto out;
    }
    slots = calloc((size_t)batch, sizeof(*slots));
    if (!slots) {
        scc_err("out of memory");
        goto out;
    }
    in = open_ep(&ein, true, (unsigned)batch, (enum nf_io_idle)idle, (uint32_t)vni, in_s);
    if (!in)
        goto out;
    /* one raw socket serves both directions when both name one interface */
    bool shared = ein.transport == NF_IO_RAW && eout.transport == NF_IO_RAW &&
                  strcmp(ein.ifname, eout.ifname) == 0;
    if (!shared) {
        out = open_ep(&eout, false, (unsigned)batch, (enum nf_io_idle)idle, (uint32_t)vni,
                      out_s);
        if (!out)
            goto out;
    }
    struct nf_io *tx = shared ? in : out;
    w = nf_stats_create(name, err, sizeof(err));
    if (!w) {
        scc_err("stats page: %s", err);
        goto out;
    }
    describe(w, pipe, (unsigned)batch, in_s, out_s);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: a waiting recvmmsg returns EINTR at once */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) {
        scc_err("sigaction: %s", strerror(errno));
        goto out;
    }
    /* block idle waits in recvmmsg bounded by SO_RCVTIMEO: set it now, the
     * seccomp filter does not allow setsockopt */
    rc = nf_io_set_rx_timeout(in, idle == NF_IO_BUSY ? 0 : IDLE_POLL_MS);
    if (rc < 0) {
        scc_err("setsockopt(SO_RCVTIMEO): %s: %s", strerror(-rc), in_s);
        goto out;
    }
    if (nf_sandbox_drop_caps(err, sizeof(err)) < 0) {
        scc_err("dropping capabilities: %s", err);
        goto out;
    }
    if (seccomp) {
        if (nf_sandbox_seccomp(nf_stats_dirfd(w), err, sizeof(err)) < 0) {
            scc_err("%s (use --no-seccomp to run without the filter)", err);
            goto out;
        }
    } else {
        scc_warn("running without the seccomp filter (--no-seccomp)");
    }

    struct nf_batch b = {.n = 0, .cap = (uint32_t)batch, .pkts = slots};
    uint64_t batches = 0, last = 0, now = scc_now_ns();
    unsigned spins = 0, clock_every = idle == NF_IO_BUSY ? BUSY_CLOCK_SPINS : 1;
    struct nf_stats_page *pg = nf_stats_page(w);
    struct phase_sums ph = {.on = phase_timing};
    nf_stats_begin(w);
    pg->state = 1;
    pg->ready = 1;
    if (phase_timing)
        pg->phase_flags = NF_STATS_PHASE_ON | (idle == NF_IO_BLOCK ? NF_STATS_PHASE_RX_WAITS : 0);
    nf_stats_end(w);
    scc_info("%s: running (pid %d, batch %ld, %s idle, %s -> %s)", name, (int)getpid(), batch,
             idle == NF_IO_BUSY ? "busy" : "block", in_s, out_s);
    status = 0;
    while (!stop_flag) {
        uint64_t t_rx = ph.on ? scc_now_ns() : 0, t_tx = 0;
        int n = nf_io_recv(in, &b, idle == NF_IO_BUSY ? 0 : IDLE_POLL_MS);
        if (n > 0 || ++spins >= clock_every) {
            now = scc_now_ns();
            spins = 0;
        }
        if (n < 0 && n != -EINTR && n != -EAGAIN) {
            scc_err("receive on %s: %s", in_s, strerror(-n));
            status = 1;
            break;
        }
        if (n > 0) {
            batches++;
            if (ph.on)
                ph.rx_ns += now - t_rx; /* now: read just after the receive returned */
            nf_pipeline_run(pipe, 0, &b, now);
            if (ph.on) {
                t_tx = scc_now_ns();
                ph.pipe_ns += t_tx - now;
            }
            struct nf_batch *ob = nf_pipeline_output(pipe, 0);
            if (ob->n) {
                /* --dst-mac: the launcher steers frames through a bridge by the
                 * next stage's MAC, whatever the pipeline did to the header */
                if (set_dst)
                    for (uint32_t i = 0; i < ob->n; i++)
                        if (ob->pkts[i]->len >= 6)
                            memcpy(ob->pkts[i]->data, dst_mac, 6);
                int s = nf_io_send(tx, ob->pkts, ob->n);
                if (s < 0) {
                    scc_err("send on %s: %s", out_s, strerror(-s));
                    status = 1;
                    break;
                }
            }
            nf_pipeline_clear_outputs(pipe);
            if (ph.on)
                ph.tx_ns += scc_now_ns() - t_tx; /* before any yield: not our time */
            /* chain order: this stage's batch is on its way to the next
             * stage, which our send just woke on this core; hand it the CPU
             * now instead of reading our next batch first */
            if (yield)
                sched_yield();
        }
        if (now - last >= PUBLISH_NS) {
            publish(w, pipe, in, tx, batches, now, true, &ph);
            last = now;
        } else if (n > 0) {
            publish(w, pipe, in, tx, batches, now, false, &ph);
        }
    }
    publish(w, pipe, in, tx, batches, scc_now_ns(), true, &ph);
    scc_info("%s: stopping after %llu batches", name, (unsigned long long)batches);
out:
    nf_stats_destroy(w);
    nf_io_close(out);
    nf_io_close(in);
    nf_pipeline_destroy(pipe);
    free(slots);
    return status;
}
