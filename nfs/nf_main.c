/*
 * scc-nf — runs one network function: a pipeline of elements between an
 * input and an output endpoint, in SCC's three rounds per loop: receive a
 * batch (recvmmsg), push it through the element graph, send what comes out
 * (sendmmsg). Its counters are published live in a shared-memory page
 * (nf_stats.h) that `scc stats NAME` and the launcher read.
 *
 * A fused group (`--stage NAME=PIPELINE`, repeated in chain order) runs
 * several NFs in this one process: each stage is its own pipeline, and the
 * batch one stage's ToIO collected is the batch handed to the next stage's
 * FromIO, by a function call (no copy, no system call). Only the first
 * stage's input and the last stage's output are sockets; every stage keeps
 * its own row on the stats page, so the NFs are still counted one by one.
 *
 * Both directions (--reverse, how `scc run --endpoints` starts NFs): frames
 * that arrive on the out side are replies; they go back out of the in
 * side, through the same pipeline (its state shared: the NAT maps replies
 * back, the router routes them) or straight, unchanged. Each direction
 * is received and sent in batches; the loop takes what each side has
 * without waiting and sleeps in one poll() on both when neither has
 * anything. A one-way NF (no --reverse) keeps its one blocking receive
 * per batch and never reads its out side.
 *
 * Two outputs per pipeline: ToIO(0) is the direction being forwarded,
 * ToIO(1) leads back toward the packet's sender (a router's ICMP Time
 * Exceeded): in the forward direction it leaves on the in side, in the
 * reverse direction on the out side. In a fused group every stage's
 * ToIO(1) leaves on the group's in side (the stages before it forward one
 * way only, and the sender is beyond them).
 *
 * Life cycle: parse options -> build the pipeline -> open the sockets ->
 * create the stats page -> drop capabilities -> seccomp -> ready=1 -> loop
 * until SIGTERM/SIGINT (the handler only sets a flag) -> remove the page.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
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
#include "nfs/nf_ring.h"
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
        "usage: scc-nf --pipeline STR --in EP --out EP [options]\n"
        "       scc-nf --stage NAME=STR [--stage NAME=STR ...] --in EP --out EP [options]\n\n"
        "Runs one network function: receive a batch, push it through the element\n"
        "pipeline, send the result; counters live in /dev/shm/scc-nf-NAME\n"
        "(read them with `scc stats NAME`).\n\n"
        "endpoints:\n"
        "  raw:IFNAME          AF_PACKET socket on IFNAME (whole Ethernet frames)\n"
        "  udp:IP[:PORT]       VXLAN (RFC 7348) in UDP; for --in the local address to\n"
        "                      bind, for --out the peer to send to (default port 4789)\n\n"
        "options:\n"
        "  --pipeline STR      element pipeline, e.g. 'FromIO -> Counter -> ToIO'\n"
        "  --stage NAME=STR    one NF of a fused group, in chain order (repeat, up to %d):\n"
        "                      its output batch is the next stage's input (a function\n"
        "                      call, no socket); --in feeds the first, --out sends the\n"
        "                      last's; counters per stage on the stats page\n"
        "  --name NAME         stats page name (default nf<PID>)\n"
        "  --in EP, --out EP   input and output endpoints (required)\n"
        "  --batch N           packets per receive/send call, 1..1024 (default 32)\n"
        "  --idle block|busy   wait in poll() (default) or spin when idle\n"
        "  --vni N             VXLAN network identifier for udp endpoints (default 1)\n"
        "  --transport sockets|uring|xdp\n"
        "                      how the endpoints move frames: recvmmsg/sendmmsg (default),\n"
        "                      an io_uring, or AF_XDP (raw endpoints only); docs/io.md\n"
        "  --uring-sqpoll      uring: a kernel thread submits (no system calls when busy)\n"
        "  --uring-sqpoll-cpu N  pin that thread to CPU N (default: the NF's own CPUs)\n"
        "  --xdp-queues N      xdp: AF_XDP sockets on RX queues 0..N-1 of each interface,\n"
        "                      1..64 (default: every RX queue it has)\n"
        "  --uring-spin-us N   block idle, that thread pinned elsewhere: peek N us (0..%d)\n"
        "                      for frames and sends before waiting in the kernel (default 0)\n"
        "  --no-seccomp        do not install the seccomp filter (debugging)\n"
        "  --user NAME         become user NAME (and its group) once the sockets are\n"
        "                      open, before the seccomp filter (needs root)\n"
        "  --dst-mac MAC       write MAC as the destination of every frame sent (how\n"
        "                      `scc run` steers frames through a bridge)\n"
        "  --reverse MODE      also forward the return path: frames received on the\n"
        "                      out side go back out of the in side, 'pipeline'\n"
        "                      (through this NF's pipeline, its state shared) or\n"
        "                      'straight' (unchanged); default: one-way (raw only)\n"
        "  --rev-dst-mac MAC   write MAC as the destination of every reply sent\n"
        "  --yield             sched_yield() after each batch sent (chain-order\n"
        "                      scheduling: the next stage on this core runs next)\n"
        "  --ring I/N:PATH     chain-order token: member I (0-based) of the N NFs that\n"
        "                      share a core, ring segment PATH (made by the launcher);\n"
        "                      runs only while holding the token (docs/scheduler.md)\n"
        "  --phase-timing      time the receive, pipeline and send phases of every\n"
        "                      batch (CLOCK_MONOTONIC, ~3 clock reads per batch) into\n"
        "                      the stats page (profile mode); off: one branch\n"
        "  -v, -q              more / fewer messages\n"
        "  -h, --help          this text\n"
        "docs: docs/elements.md (pipelines), docs/io.md (endpoints), docs/fusion.md\n",
        NF_STATS_MAX_STAGES, NF_IO_URING_SPIN_MAX_US);
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

/* --transport and --uring-sqpoll: every endpoint of the process uses them */
static enum nf_io_engine io_engine = NF_IO_SOCKETS;
static bool io_sqpoll;
static long io_sqpoll_cpu = -1; /* --uring-sqpoll-cpu; -1 = not pinned */
static long io_xdp_queues;      /* --xdp-queues; 0 = every RX queue */
static long io_spin_us = -1;    /* --uring-spin-us; -1 = the engine's default */

static struct nf_io *open_ep(const struct ep *ep, bool input, bool both, unsigned batch,
                             enum nf_io_idle idle, uint32_t vni, const char *txt,
                             const struct nf_io *share)
{
    /* 4 MiB socket buffers: the kernel default (~200 KiB, a few hundred
     * small frames) overflows during one scheduling hiccup of the NF;
     * both: the side also carries the other direction (--reverse) */
    struct nf_io_opts o = {.sz = sizeof(o), .transport = ep->transport, .batch = batch,
                           .idle = idle, .vni = vni, .rcvbuf = input || both ? 4 << 20 : 0,
                           .sndbuf = !input || both ? 4 << 20 : 0, .engine = io_engine,
                           .uring_sqpoll = io_sqpoll, .uring_share = share,
                           .uring_sqpoll_pin = io_sqpoll_cpu >= 0,
                           .uring_sqpoll_cpu = (int)io_sqpoll_cpu,
                           .uring_spin_set = io_spin_us >= 0,
                           .uring_spin_us = (int)io_spin_us,
                           .xdp_share = share, /* forwarding as a descriptor move */
                           /* after the capability drop and under seccomp the
                            * NF could not detach an XDP program: the owner
                            * of the interface does (docs/io.md) */
                           .xdp_leave_prog = 1,
                           .xdp_queues = (unsigned)io_xdp_queues};
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

/* One NF of the process: the whole NF (--pipeline) or a stage of a fused
 * group (--stage). */
struct stage {
    const char *name;          /* NF name (a --stage's NAME) */
    const char *text;          /* its pipeline */
    struct nf_pipeline *pipe;
    uint64_t rx, tx, pipe_ns;  /* packets in and out, ns in its pipeline (phase timing) */
};

/* Copy every counter into the page under the seqlock. */
/* The return path's own counters (--reverse). */
struct rev_sums {
    unsigned mode;            /* NF_STATS_REV_* */
    uint64_t batches, drops;  /* receive rounds with packets; element drops in them */
};

static void publish(struct nf_stats_writer *w, const struct stage *sg, int nsg, struct nf_io *in,
                    struct nf_io *out, uint64_t batches, uint64_t now, bool kernel,
                    const struct phase_sums *ph, const struct rev_sums *rv, uint64_t ring_calls)
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
    pg->ring_calls = ring_calls;
    pg->phase_rx_ns = ph->rx_ns;
    pg->phase_pipe_ns = ph->pipe_ns;
    pg->phase_tx_ns = ph->tx_ns;
    uint64_t kd;
    if (kernel && nf_io_kernel_drops(in, &kd) == 0) /* a getsockopt, every PUBLISH_NS */
        pg->rx_kernel_drops = kd;
    if (rv->mode != NF_STATS_REV_NONE && in != out) {
        /* replies: received on the out handle, sent on the in handle; the
         * call counts above cover both sides' system calls */
        pg->rev.mode = rv->mode;
        pg->rev.rx_pkts = so->rx_pkts;
        pg->rev.rx_bytes = so->rx_bytes;
        pg->rev.tx_pkts = si->tx_pkts;
        pg->rev.tx_bytes = si->tx_bytes;
        pg->rev.tx_drops = si->tx_drop_again + si->tx_drop_nobufs + si->tx_drop_other;
        pg->rev.batches = rv->batches;
        pg->rev.drops = rv->drops;
        pg->recvmmsg_calls += so->rx_calls + so->rx_empty_calls;
        pg->sendmmsg_calls += si->tx_calls;
        if (kernel && nf_io_kernel_drops(out, &kd) == 0)
            pg->rev.rx_kernel_drops = kd;
    }
    pg->drops = 0;
    for (int k = 0; k < nsg && k < (int)pg->nstages; k++) {
        struct nf_stats_stage *ss = &pg->stages[k];
        ss->rx_pkts = sg[k].rx;
        ss->tx_pkts = sg[k].tx;
        ss->pipe_ns = sg[k].pipe_ns;
        ss->drops = nf_pipeline_drops(sg[k].pipe);
        pg->drops += ss->drops;
        /* describe() laid the stage's elements out from first_elem on */
        for (uint32_t i = 0; i < ss->nelems; i++) {
            const struct nf_element *e = nf_pipeline_element(sg[k].pipe, (int)i);
            struct nf_stats_elem *se = &pg->elems[ss->first_elem + i];
            se->in_pkts = e->in_pkts;
            se->out_pkts = e->out_pkts;
            se->bytes = e->bytes;
            for (unsigned r = 0; r < se->nreasons; r++)
                se->drops[r] = e->drops[r];
        }
    }
    nf_stats_end(w);
}

/* Lay out the page: the stages, then every stage's elements in order;
 * with several stages an element's name is "STAGE/name", so two routers'
 * "rt" stay apart. */
static void describe(struct nf_stats_writer *w, const struct stage *sg, int nsg, unsigned batch,
                     const char *in, const char *out)
{
    struct nf_stats_page *pg = nf_stats_page(w);
    nf_stats_begin(w);
    pg->batch = batch;
    scc_strlcpy(pg->transport_in, in, sizeof(pg->transport_in));
    scc_strlcpy(pg->transport_out, out, sizeof(pg->transport_out));
    int total = 0, shown = 0;
    pg->nstages = (uint32_t)nsg; /* main() refuses more than NF_STATS_MAX_STAGES */
    for (int k = 0; k < nsg; k++) {
        struct nf_stats_stage *ss = &pg->stages[k];
        scc_strlcpy(ss->name, sg[k].name, sizeof(ss->name));
        int n = nf_pipeline_nelements(sg[k].pipe);
        total += n;
        if (shown + n > NF_STATS_MAX_ELEMS)
            n = NF_STATS_MAX_ELEMS - shown;
        ss->first_elem = (uint32_t)shown;
        ss->nelems = (uint32_t)n;
        for (int i = 0; i < n; i++) {
            const struct nf_element *e = nf_pipeline_element(sg[k].pipe, i);
            struct nf_stats_elem *se = &pg->elems[shown + i];
            if (nsg > 1) { /* cut to the page's 48 bytes, as a plain name is */
                char full[2 * NF_STATS_NAME + 2];
                snprintf(full, sizeof(full), "%s/%s", sg[k].name, e->name);
                scc_strlcpy(se->name, full, sizeof(se->name));
            } else {
                scc_strlcpy(se->name, e->name, sizeof(se->name));
            }
            scc_strlcpy(se->cls, e->ops->cls, sizeof(se->cls));
            /* publish() indexes drops[] by nreasons: clamp it to both limits */
            int nr = e->ops->ndrop_reasons;
            nr = nr < 0 ? 0 : nr > NF_STATS_MAX_REASONS ? NF_STATS_MAX_REASONS : nr;
            nr = nr > NF_MAX_DROP_REASONS ? NF_MAX_DROP_REASONS : nr;
            se->nreasons = (uint32_t)nr;
            for (int r = 0; r < nr; r++)
                scc_strlcpy(se->reason[r], e->ops->drop_reasons[r], sizeof(se->reason[r]));
        }
        shown += n;
    }
    pg->nelems = (uint32_t)shown;
    nf_stats_end(w);
    if (total > shown)
        scc_warn("%d elements; the stats page shows the first %d", total, shown);
}

enum { O_PIPELINE = 256, O_STAGE, O_NAME, O_IN, O_OUT, O_BATCH, O_IDLE, O_VNI,
       O_NOSECCOMP, O_DSTMAC, O_YIELD, O_PHASE, O_USER, O_TRANSPORT, O_SQPOLL, O_SQCPU, O_REVERSE,
       O_REVDSTMAC, O_RING, O_XDPQ, O_SPINUS };

/* Write mac as the destination of every frame in pkts (the launcher's
 * steering through a bridge). */
static void write_dst(struct nf_pkt *const *pkts, uint32_t n, const uint8_t mac[6])
{
    for (uint32_t i = 0; i < n; i++)
        if (pkts[i]->len >= 6)
            memcpy(pkts[i]->data, mac, 6);
}

/* Send what pipe's ToIO(1) collected (messages back to the packets'
 * senders, e.g. ICMP errors) on io, steered by dst_mac when the launcher
 * gave one. Returns 0 or -errno. */
static int send_back(struct nf_pipeline *pipe, struct nf_io *io, const uint8_t *dst_mac)
{
    struct nf_batch *bb = nf_pipeline_output(pipe, 1);
    if (!bb || !bb->n)
        return 0;
    if (dst_mac)
        write_dst(bb->pkts, bb->n, dst_mac);
    int s = nf_io_send(io, bb->pkts, bb->n);
    return s < 0 ? s : 0;
}

/* One reverse round: take what the out side has (never waiting), push it
 * through the pipeline or not, send it back on the in side (and what the
 * pipeline sends back toward the replies' sender, its ToIO(1), on the out
 * side). Returns the packets received, or -errno. */
static int reverse_round(struct nf_io *out, struct nf_io *in, struct nf_batch *rb,
                         struct nf_pipeline *pipe, struct rev_sums *rv, uint64_t now,
                         const uint8_t *dst_mac, const uint8_t *fwd_dst_mac)
{
    int n = nf_io_recv(out, rb, 0);
    if (n <= 0)
        return n == -EINTR || n == -EAGAIN ? 0 : n;
    rv->batches++;
    struct nf_pkt *const *pk = rb->pkts;
    uint32_t cnt = rb->n;
    struct nf_batch *ob = NULL;
    if (rv->mode == NF_STATS_REV_PIPELINE) {
        uint64_t d0 = nf_pipeline_drops(pipe);
        nf_pipeline_run_dir(pipe, 0, rb, now, NF_DIR_RETURN);
        rv->drops += nf_pipeline_drops(pipe) - d0;
        ob = nf_pipeline_output(pipe, 0);
        pk = ob->pkts;
        cnt = ob->n;
    }
    int s = 0;
    if (cnt) {
        if (dst_mac)
            write_dst(pk, cnt, dst_mac);
        s = nf_io_send(in, pk, cnt);
    }
    if (ob && s >= 0)
        s = send_back(pipe, out, fwd_dst_mac);
    if (ob)
        nf_pipeline_clear_outputs(pipe);
    return s < 0 ? s : n;
}

/* xdp: how frames left (descriptor move or copy) and where the UMEM's
 * frames are after the run; a count that does not add up, or a frame the
 * kernel handed back twice, is a bug in the transport (logged as an
 * error). other: a second UMEM (the output did not share the input's). */
static void xdp_report(const char *name, struct nf_io *in, struct nf_io *other, struct nf_io *tx)
{
    struct nf_io *ios[2] = {in, other};
    const struct nf_io_stats *so = nf_io_get_stats(tx);
    scc_info("%s: xdp: %llu frames sent by descriptor move, %llu copied", name,
             (unsigned long long)so->tx_moved, (unsigned long long)so->tx_copied);
    for (int i = 0; i < 2 && ios[i]; i++) {
        struct nf_io_frames f;
        if (nf_io_frames(ios[i], 1, &f) < 0)
            continue;
        char line[160];
        snprintf(line, sizeof(line),
                 "%s: xdp: UMEM of %u frames (%u socket%s): fill %u + held %u + tx %u + free %u, "
                 "%llu used twice",
                 name, f.total, f.sockets, f.sockets == 1 ? "" : "s", f.fill, f.held, f.tx,
                 f.free, (unsigned long long)f.errors);
        if (f.consistent && !f.errors && f.tx == 0)
            scc_info("%s: accounted for", line);
        else
            scc_err("%s: frame accounting broken (%s)", line,
                    !f.consistent ? "the states do not add up" : f.errors ? "frames used twice"
                                                                          : "frames stuck on TX");
    }
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pipeline", required_argument, NULL, O_PIPELINE},
        {"stage", required_argument, NULL, O_STAGE},
        {"name", required_argument, NULL, O_NAME},
        {"in", required_argument, NULL, O_IN},
        {"out", required_argument, NULL, O_OUT},
        {"batch", required_argument, NULL, O_BATCH},
        {"idle", required_argument, NULL, O_IDLE},
        {"vni", required_argument, NULL, O_VNI},
        {"no-seccomp", no_argument, NULL, O_NOSECCOMP},
        {"dst-mac", required_argument, NULL, O_DSTMAC},
        {"yield", no_argument, NULL, O_YIELD},
        {"ring", required_argument, NULL, O_RING},
        {"phase-timing", no_argument, NULL, O_PHASE},
        {"user", required_argument, NULL, O_USER},
        {"transport", required_argument, NULL, O_TRANSPORT},
        {"uring-sqpoll", no_argument, NULL, O_SQPOLL},
        {"uring-sqpoll-cpu", required_argument, NULL, O_SQCPU},
        {"xdp-queues", required_argument, NULL, O_XDPQ},
        {"uring-spin-us", required_argument, NULL, O_SPINUS},
        {"reverse", required_argument, NULL, O_REVERSE},
        {"rev-dst-mac", required_argument, NULL, O_REVDSTMAC},
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
    const char *user = NULL;
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    bool seccomp = true, set_dst = false, yield = false, phase_timing = false;
    uint8_t dst_mac[6], rev_dst_mac[6];
    bool set_rev_dst = false;
    const char *ring_path = NULL;
    long ring_idx = -1, ring_n = -1;
    struct nf_ring *ring = NULL;
    unsigned rev_mode = NF_STATS_REV_NONE;
    struct stage sg[NF_STATS_MAX_STAGES];
    char *stage_args[NF_STATS_MAX_STAGES]; /* NAME=STR copies, split at '=' */
    int nsg = 0;
    memset(sg, 0, sizeof(sg));
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        switch (c) {
        case O_PIPELINE: pipeline = optarg; break;
        case O_STAGE: {
            const char *eq = strchr(optarg, '=');
            char nm[NF_STATS_NAME];
            size_t nl = eq ? (size_t)(eq - optarg) : 0;
            if (nsg >= NF_STATS_MAX_STAGES) {
                fprintf(stderr, "scc-nf: more than %d --stage options\n", NF_STATS_MAX_STAGES);
                goto usage_fail;
            }
            if (!eq || nl == 0 || nl > 32 || !eq[1]) {
                fprintf(stderr, "scc-nf: --stage '%s': expected NAME=PIPELINE\n", optarg);
                goto usage_fail;
            }
            memcpy(nm, optarg, nl);
            nm[nl] = '\0';
            /* the name prefixes element names on the stats page as "NAME/" */
            if (nf_stats_name_ok(nm) < 0) {
                fprintf(stderr, "scc-nf: --stage '%s': name '%s': use 1..32 of A-Z a-z 0-9 _ - .\n",
                        optarg, nm);
                goto usage_fail;
            }
            for (int k = 0; k < nsg; k++)
                if (!strcmp(sg[k].name, nm)) {
                    fprintf(stderr, "scc-nf: --stage '%s': stage name '%s' given twice\n",
                            optarg, nm);
                    goto usage_fail;
                }
            stage_args[nsg] = strdup(optarg);
            if (!stage_args[nsg]) {
                fprintf(stderr, "scc-nf: out of memory\n");
                goto usage_fail;
            }
            stage_args[nsg][nl] = '\0';
            sg[nsg].name = stage_args[nsg];
            sg[nsg].text = stage_args[nsg] + nl + 1;
            nsg++;
            break;
        }
        case O_NAME: name = optarg; break;
        case O_IN: in_s = optarg; break;
        case O_OUT: out_s = optarg; break;
        case O_NOSECCOMP: seccomp = false; break;
        case O_USER: user = optarg; break;
        case O_YIELD: yield = true; break;
        case O_RING: {
            /* I/N:PATH, the path last: it may hold any character */
            char num[16];
            const char *colon = strchr(optarg, ':');
            size_t nl = colon ? (size_t)(colon - optarg) : 0;
            char *slash = NULL;
            if (colon && nl < sizeof(num)) {
                memcpy(num, optarg, nl);
                num[nl] = '\0';
                slash = strchr(num, '/');
            }
            if (slash)
                *slash = '\0';
            if (!slash || !colon[1] || scc_parse_long(slash + 1, 2, NF_RING_MAX, &ring_n) < 0 ||
                scc_parse_long(num, 0, ring_n - 1, &ring_idx) < 0) {
                fprintf(stderr, "scc-nf: --ring '%s': expected I/N:PATH with N in 2..%d and "
                                "I in 0..N-1\n", optarg, NF_RING_MAX);
                goto usage_fail;
            }
            ring_path = colon + 1;
            break;
        }
        case O_PHASE: phase_timing = true; break;
        case O_SQPOLL: io_sqpoll = true; break;
        case O_SQCPU:
            if (scc_parse_long(optarg, 0, CPU_SETSIZE - 1, &io_sqpoll_cpu) < 0) {
                fprintf(stderr, "scc-nf: --uring-sqpoll-cpu '%s': expected a CPU number\n",
                        optarg);
                goto usage_fail;
            }
            break;
        case O_XDPQ:
            if (scc_parse_long(optarg, 1, NF_IO_XDP_MAX_QUEUES, &io_xdp_queues) < 0) {
                fprintf(stderr, "scc-nf: --xdp-queues '%s': expected 1..%u\n", optarg,
                        NF_IO_XDP_MAX_QUEUES);
                goto usage_fail;
            }
            break;
        case O_SPINUS:
            if (scc_parse_long(optarg, 0, NF_IO_URING_SPIN_MAX_US, &io_spin_us) < 0) {
                fprintf(stderr, "scc-nf: --uring-spin-us '%s': expected microseconds, 0..%d\n",
                        optarg, NF_IO_URING_SPIN_MAX_US);
                goto usage_fail;
            }
            break;
        case O_TRANSPORT:
            if (!strcmp(optarg, "sockets"))
                io_engine = NF_IO_SOCKETS;
            else if (!strcmp(optarg, "uring"))
                io_engine = NF_IO_URING;
            else if (!strcmp(optarg, "xdp"))
                io_engine = NF_IO_XDP;
            else {
                fprintf(stderr, "scc-nf: --transport '%s': expected sockets, uring or xdp\n",
                        optarg);
                goto usage_fail;
            }
            if (!nf_io_engine_available(io_engine)) {
                fprintf(stderr, "scc-nf: --transport %s: not in this build (scc-nf was built "
                                "without %s)\n", optarg,
                        io_engine == NF_IO_URING ? "liburing" : "libxdp");
                goto usage_fail;
            }
            break;
        case O_DSTMAC:
            if (scc_mac_parse(optarg, dst_mac) < 0) {
                fprintf(stderr, "scc-nf: --dst-mac '%s': expected a MAC like 02:00:00:00:00:01\n",
                        optarg);
                goto usage_fail;
            }
            set_dst = true;
            break;
        case O_REVERSE:
            if (!strcmp(optarg, "pipeline"))
                rev_mode = NF_STATS_REV_PIPELINE;
            else if (!strcmp(optarg, "straight"))
                rev_mode = NF_STATS_REV_STRAIGHT;
            else if (!strcmp(optarg, "none"))
                rev_mode = NF_STATS_REV_NONE;
            else {
                fprintf(stderr, "scc-nf: --reverse '%s': expected pipeline, straight or none\n",
                        optarg);
                goto usage_fail;
            }
            break;
        case O_REVDSTMAC:
            if (scc_mac_parse(optarg, rev_dst_mac) < 0) {
                fprintf(stderr, "scc-nf: --rev-dst-mac '%s': expected a MAC like "
                                "02:00:00:00:00:01\n", optarg);
                goto usage_fail;
            }
            set_rev_dst = true;
            break;
        case O_BATCH:
            if (scc_parse_long(optarg, 1, NF_BATCH_MAX, &batch) < 0) {
                fprintf(stderr, "scc-nf: --batch '%s': expected 1..%u\n", optarg, NF_BATCH_MAX);
                goto usage_fail;
            }
            break;
        case O_VNI:
            if (scc_parse_long(optarg, 0, 0xffffff, &vni) < 0) {
                fprintf(stderr, "scc-nf: --vni '%s': expected 0..16777215\n", optarg);
                goto usage_fail;
            }
            break;
        case O_IDLE:
            if (!strcmp(optarg, "block"))
                idle = NF_IO_BLOCK;
            else if (!strcmp(optarg, "busy"))
                idle = NF_IO_BUSY;
            else {
                fprintf(stderr, "scc-nf: --idle '%s': expected block or busy\n", optarg);
                goto usage_fail;
            }
            break;
        case 'v':
            scc_log_set_level(scc_log_get_level() < SCC_LOG_DEBUG ? scc_log_get_level() + 1
                                                                  : SCC_LOG_DEBUG);
            break;
        case 'q': scc_log_set_level(SCC_LOG_ERROR); break;
        case 'h':
            usage(stdout);
            for (int k = 0; k < nsg; k++)
                free(stage_args[k]);
            return 0;
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
            goto usage_fail;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "scc-nf: unexpected argument '%s'\n", argv[optind]);
        goto usage_fail;
    }
    char uerr[256];
    if (user && nf_sandbox_lookup_user(user, &uid, &gid, uerr, sizeof(uerr)) < 0) {
        fprintf(stderr, "scc-nf: --user: %s\n", uerr);
        goto usage_fail;
    }
    if (pipeline && nsg) {
        fprintf(stderr, "scc-nf: --pipeline and --stage exclude each other (a plain NF is a "
                        "one-stage group)\n");
        goto usage_fail;
    }
    if (!pipeline && !nsg) {
        fprintf(stderr, "scc-nf: --pipeline (or --stage) is required\n");
        usage(stderr);
        goto usage_fail;
    }
    if (!in_s || !out_s) {
        fprintf(stderr, "scc-nf: --in and --out are required\n");
        goto usage_fail;
    }
    if (io_sqpoll && io_engine != NF_IO_URING) {
        fprintf(stderr, "scc-nf: --uring-sqpoll needs --transport uring\n");
        goto usage_fail;
    }
    /* the ring's one-way turn: a turn takes the forward direction only, and
     * frames must move through sockets the loop can read without waiting */
    if (ring_path && (rev_mode != NF_STATS_REV_NONE || yield || io_engine != NF_IO_SOCKETS ||
                      idle == NF_IO_BUSY)) {
        fprintf(stderr, "scc-nf: --ring runs one-way NFs on the sockets transport with block "
                        "idle, without --yield (got%s%s%s%s)\n",
                rev_mode != NF_STATS_REV_NONE ? " --reverse" : "", yield ? " --yield" : "",
                io_engine != NF_IO_SOCKETS ? " another --transport" : "",
                idle == NF_IO_BUSY ? " --idle busy" : "");
        goto usage_fail;
    }
    if (io_xdp_queues && io_engine != NF_IO_XDP) {
        fprintf(stderr, "scc-nf: --xdp-queues needs --transport xdp\n");
        goto usage_fail;
    }
    if (io_sqpoll_cpu >= 0 && !io_sqpoll) {
        fprintf(stderr, "scc-nf: --uring-sqpoll-cpu needs --uring-sqpoll\n");
        goto usage_fail;
    }
    if (io_spin_us >= 0 && !io_sqpoll) {
        fprintf(stderr, "scc-nf: --uring-spin-us needs --uring-sqpoll (it peeks for what the "
                        "SQPOLL thread completes)\n");
        goto usage_fail;
    }
    if (rev_mode != NF_STATS_REV_NONE && nsg > 1) {
        fprintf(stderr, "scc-nf: --reverse is not supported in a fused group (--stage): "
                        "its stages run one way\n");
        goto usage_fail;
    }

    int status = 1;
    struct nf_io *in = NULL, *out = NULL;
    struct nf_stats_writer *w = NULL;
    struct nf_pkt **slots = NULL;
    char err[512] = "", defname[32];
    struct ep ein, eout;

    if (parse_ep(in_s, &ein, err, sizeof(err)) < 0 || parse_ep(out_s, &eout, err, sizeof(err)) < 0) {
        fprintf(stderr, "scc-nf: %s\n", err);
        status = 2;
        goto out;
    }
    /* replies need a socket per side that both receives and sends: a udp
     * --in knows no address to answer to, and one raw interface for both
     * sides cannot tell the directions apart */
    if (rev_mode != NF_STATS_REV_NONE &&
        (ein.transport != NF_IO_RAW || eout.transport != NF_IO_RAW ||
         !strcmp(ein.ifname, eout.ifname))) {
        fprintf(stderr, "scc-nf: --reverse needs raw endpoints on two different interfaces "
                        "(got --in %s --out %s)\n", in_s, out_s);
        status = 2;
        goto out;
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

    if (pipeline) { /* a plain NF: one stage, named after the NF */
        sg[0].name = name;
        sg[0].text = pipeline;
        nsg = 1;
    }
    /* ToIO(0) forward, ToIO(1) back toward the sender (see the top) */
    struct nf_pipeline_opts po = {.sz = sizeof(po), .batch = (unsigned)batch, .noutputs = 2};
    int rc = 0;
    for (int k = 0; k < nsg; k++) {
        rc = nf_pipeline_build(sg[k].text, &po, &sg[k].pipe, err, sizeof(err));
        if (rc < 0) {
            if (pipeline)
                scc_err("pipeline: %s", err);
            else
                scc_err("stage %s: pipeline: %s", sg[k].name, err);
            status = 2;
            goto out;
        }
    }
    /* ToIO(1) sends out of the in side: a udp input has no peer to send to */
    bool back = false;
    for (int k = 0; k < nsg; k++)
        back = back || nf_pipeline_noutputs(sg[k].pipe) > 1;
    if (back && ein.transport != NF_IO_RAW) {
        scc_err("ToIO(1) sends back out of the input side, which needs a raw input (got --in "
                "%s: a udp input has no address to send to)", in_s);
        status = 2;
        goto out;
    }
    slots = calloc((size_t)batch * 2, sizeof(*slots)); /* the second half: replies */
    if (!slots) {
        scc_err("out of memory");
        goto out;
    }
    bool both = rev_mode != NF_STATS_REV_NONE;
    in = open_ep(&ein, true, both, (unsigned)batch, (enum nf_io_idle)idle, (uint32_t)vni, in_s,
                 NULL);
    if (!in)
        goto out;
    /* one raw socket serves both directions when both name one interface */
    bool shared = ein.transport == NF_IO_RAW && eout.transport == NF_IO_RAW &&
                  strcmp(ein.ifname, eout.ifname) == 0;
    if (!shared) {
        out = open_ep(&eout, false, both, (unsigned)batch, (enum nf_io_idle)idle, (uint32_t)vni,
                      out_s, in);
        if (!out)
            goto out;
    }
    struct nf_io *tx = shared ? in : out;
    w = nf_stats_create(name, err, sizeof(err));
    if (!w) {
        scc_err("stats page: %s", err);
        goto out;
    }
    /* the stats page names the endpoints and, beyond plain sockets, how
     * frames move (for xdp: native/generic mode, zero copy or copy) */
    char in_d[64], out_d[64];
    snprintf(in_d, sizeof(in_d), "%s%s%s", in_s, io_engine ? " over " : "",
             io_engine ? nf_io_engine_desc(in) : "");
    snprintf(out_d, sizeof(out_d), "%s%s%s", out_s, io_engine ? " over " : "",
             io_engine ? nf_io_engine_desc(tx) : "");
    describe(w, sg, nsg, (unsigned)batch, in_d, out_d);

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
    /* the ring segment is mapped before the privileges go (it is root's) */
    if (ring_path) {
        ring = nf_ring_open(ring_path, (unsigned)ring_idx, (unsigned)ring_n, err, sizeof(err));
        if (!ring) {
            scc_err("--ring: %s", err);
            goto out;
        }
    }
    /* the sockets and the stats page are open: from here on, no privilege */
    if (nf_sandbox_drop_privs(uid, gid, err, sizeof(err)) < 0) {
        scc_err("dropping privileges%s%s: %s", user ? " to user " : "", user ? user : "", err);
        goto out;
    }
    if (seccomp) {
        nf_sandbox_set_io_engine(io_engine);
        if (nf_sandbox_seccomp(nf_stats_dirfd(w), err, sizeof(err)) < 0) {
            scc_err("%s (use --no-seccomp to run without the filter)", err);
            goto out;
        }
    } else {
        scc_warn("running without the seccomp filter (--no-seccomp)");
    }

    struct nf_batch b = {.n = 0, .cap = (uint32_t)batch, .pkts = slots};
    struct nf_batch rb = {.n = 0, .cap = (uint32_t)batch, .pkts = slots + batch};
    struct rev_sums rv = {.mode = rev_mode};
    /* only a two-way NF polls; a one-way one may have no out handle of its
     * own (one raw interface for both sides, as over a bridge) */
    struct pollfd pfd[2] = {{.fd = nf_io_fd(in), .events = POLLIN},
                            {.fd = rev_mode ? nf_io_fd(out) : -1, .events = POLLIN}};
    uint64_t batches = 0, last = 0, now = scc_now_ns(), ring_polls = 0;
    unsigned spins = 0, clock_every = idle == NF_IO_BUSY ? BUSY_CLOCK_SPINS : 1;
    struct nf_stats_page *pg = nf_stats_page(w);
    struct phase_sums ph = {.on = phase_timing};
    nf_stats_begin(w);
    pg->state = 1;
    pg->ready = 1;
    if (phase_timing)
        pg->phase_flags = NF_STATS_PHASE_ON | (idle == NF_IO_BLOCK ? NF_STATS_PHASE_RX_WAITS : 0);
    nf_stats_end(w);
    scc_info("%s: running (pid %d, batch %ld, %s idle, %s -> %s over %s, %d stage%s%s)", name,
             (int)getpid(), batch, idle == NF_IO_BUSY ? "busy" : "block", in_s, out_s,
             nf_io_engine_desc(in), nsg, nsg == 1 ? "" : "s",
             rev_mode == NF_STATS_REV_PIPELINE   ? ", replies through the pipeline"
             : rev_mode == NF_STATS_REV_STRAIGHT ? ", replies straight back"
                                                 : "");
    status = 0;
    while (!stop_flag) {
        /* chain-order token: run only while holding it; then never wait in
         * the receive (the others wait on us), except as the ring's first
         * member after a whole round without frames: then sleep on the
         * socket, holding the token (nf_ring.h) */
        int rx_wait = idle == NF_IO_BUSY || rev_mode ? 0 : IDLE_POLL_MS;
        if (ring) {
            if (nf_ring_wait(ring, &stop_flag) != 1)
                continue;
            int ms;
            rx_wait = 0;
            if (nf_ring_should_block(ring, &ms)) {
                pfd[0].revents = 0;
                ring_polls++;
                poll(pfd, 1, ms); /* EINTR: the loop checks stop_flag */
            }
        }
        uint64_t t_rx = ph.on ? scc_now_ns() : 0, t_tx = 0;
        /* two directions: neither receive waits; a poll() on both sides
         * sleeps only when neither had anything (block idle) */
        int n = nf_io_recv(in, &b, rx_wait);
        int r = 0;
        if (rev_mode) {
            r = reverse_round(out, in, &rb, sg[0].pipe, &rv, now,
                              set_rev_dst ? rev_dst_mac : NULL, set_dst ? dst_mac : NULL);
            if (r < 0) {
                scc_err("reverse path (%s -> %s): %s", out_s, in_s, strerror(-r));
                status = 1;
                break;
            }
            if (n == 0 && r == 0 && idle == NF_IO_BLOCK) {
                pfd[0].revents = pfd[1].revents = 0;
                poll(pfd, 2, IDLE_POLL_MS); /* EINTR: the loop checks stop_flag */
            }
            if (r > 0 && n <= 0)
                now = scc_now_ns();
        }
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
            /* stage k's output batch is stage k+1's input: the hop of an
             * unfused chain, as a function call */
            struct nf_batch *ib = &b, *ob = NULL;
            uint64_t t0 = now;
            for (int k = 0; k < nsg; k++) {
                sg[k].rx += ib->n;
                nf_pipeline_run(sg[k].pipe, 0, ib, now);
                if (back) { /* ToIO(1): back toward the sender, on the in side */
                    int s = send_back(sg[k].pipe, in, set_rev_dst ? rev_dst_mac : NULL);
                    if (s < 0) {
                        scc_err("send on %s: %s", in_s, strerror(-s));
                        status = 1;
                        stop_flag = 1;
                    }
                    nf_pipeline_output(sg[k].pipe, 1)->n = 0; /* sent or not: taken */
                }
                ob = nf_pipeline_output(sg[k].pipe, 0);
                sg[k].tx += ob->n;
                if (ph.on) { /* one clock read per stage, only in profile mode */
                    uint64_t t1 = scc_now_ns();
                    sg[k].pipe_ns += t1 - t0;
                    t0 = t1;
                }
                if (k > 0) /* ib was stage k-1's output: stage k has taken its packets */
                    nf_pipeline_clear_outputs(sg[k - 1].pipe);
                if (!ob->n)
                    break; /* nothing left for the later stages */
                ib = ob;
            }
            if (ph.on) {
                t_tx = t0;
                ph.pipe_ns += t_tx - now;
            }
            if (ob->n) {
                /* --dst-mac: the launcher steers frames through a bridge by the
                 * next stage's MAC, whatever the pipeline did to the header */
                if (set_dst)
                    write_dst(ob->pkts, ob->n, dst_mac);
                int s = nf_io_send(tx, ob->pkts, ob->n);
                if (s < 0) {
                    scc_err("send on %s: %s", out_s, strerror(-s));
                    status = 1;
                    break;
                }
            }
            nf_pipeline_clear_outputs(sg[nsg - 1].pipe);
            if (ph.on)
                ph.tx_ns += scc_now_ns() - t_tx; /* before any yield: not our time */
            /* chain order: this stage's batch is on its way to the next
             * stage, which our send just woke on this core; hand it the CPU
             * now instead of reading our next batch first */
            if (yield)
                sched_yield();
        }
        /* the turn is over: the next stage's frames are in its socket */
        if (ring)
            nf_ring_pass(ring, n > 0);
        if (now - last >= PUBLISH_NS) {
            publish(w, sg, nsg, in, tx, batches, now, true, &ph, &rv,
                    nf_ring_syscalls(ring) + ring_polls);
            last = now;
        } else if (n > 0 || r > 0) {
            publish(w, sg, nsg, in, tx, batches, now, false, &ph, &rv,
                    nf_ring_syscalls(ring) + ring_polls);
        }
    }
    publish(w, sg, nsg, in, tx, batches, scc_now_ns(), true, &ph, &rv,
            nf_ring_syscalls(ring) + ring_polls);
    scc_info("%s: stopping after %llu batches", name, (unsigned long long)batches);
    if (ring)
        scc_info("%s: token ring: %llu system calls (futex, liveness), %llu idle polls, "
                 "%llu takeovers from a dead holder", name,
                 (unsigned long long)nf_ring_syscalls(ring), (unsigned long long)ring_polls,
                 (unsigned long long)nf_ring_takeovers(ring));
    if (io_engine == NF_IO_XDP)
        xdp_report(name, in, out && !strstr(nf_io_engine_desc(out), "+shared") ? out : NULL, tx);
out:
    nf_ring_close(ring);
    nf_stats_destroy(w);
    nf_io_close(out);
    nf_io_close(in);
    for (int k = 0; k < nsg; k++)
        nf_pipeline_destroy(sg[k].pipe);
    if (!pipeline)
        for (int k = 0; k < nsg; k++)
            free(stage_args[k]);
    free(slots);
    return status;
usage_fail:
    for (int k = 0; k < nsg; k++)
        free(stage_args[k]);
    return 2;
}
