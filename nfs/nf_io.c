/*
 * nf_io — batched packet I/O over ordinary kernel sockets (see nf_io.h).
 *
 * This is the only place an NF, the traffic generator or the sink touches a
 * socket. One handle owns one non-blocking socket and, allocated once at
 * open, `batch` receive buffers of NF_FRAME_MAX bytes plus the mmsghdr and
 * iovec arrays that recvmmsg/sendmmsg read, so the packet path never
 * allocates. Two transports sit behind one small static interface (the
 * Redis ae_epoll/ae_select shape): what differs is how the socket is opened
 * and how one message slot maps to a frame.
 *
 *   raw  AF_PACKET/SOCK_RAW bound to one interface. A slot is one iovec over
 *        the frame. PACKET_IGNORE_OUTGOING keeps a socket from reading back
 *        its own transmissions (a forwarder on one interface would otherwise
 *        loop).
 *   udp  a UDP socket; every datagram is an 8-byte VXLAN header (RFC 7348
 *        section 5: flags with the I bit 0x08, 24 reserved bits, 24-bit VNI,
 *        8 reserved bits) followed by the whole Ethernet frame. A slot is two
 *        iovecs, header then frame, on both send and receive, so a frame is
 *        never copied to add or strip the header.
 *
 * Receiving never waits to fill a batch. In block idle mode the socket is
 * blocking and one recvmmsg with MSG_WAITFORONE sleeps until the first
 * datagram (SO_RCVTIMEO bounds the wait) and takes what else is queued: one
 * system call per wake-up (it was recvmmsg(MSG_DONTWAIT) -> poll -> recvmmsg,
 * three). In busy mode a non-blocking recvmmsg is simply repeated.
 */
#include "nfs/nf_io.h"
#include "nfs/nf_io_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "common/scc_util.h"

#define VXLAN_HLEN NF_VXLAN_HLEN
#define VXLAN_FLAG_I 0x08u
#define ETH_HLEN_MIN 14u

/* Poll once this long for send space in block mode before dropping the
 * rest of a batch: long enough to ride out a softirq run, short enough that
 * a stuck peer cannot stall the NF loop. */
#define TX_POLL_MS 2

/* Block idle opens a blocking socket: its receive is one recvmmsg that
 * sleeps in the kernel (MSG_WAITFORONE), not recvmmsg + poll + recvmmsg.
 * Every send passes MSG_DONTWAIT, so sends never block either way. */
static int sock_flags(const struct nf_io *io)
{
    return SOCK_CLOEXEC | (io->opts.idle == NF_IO_BLOCK ? 0 : SOCK_NONBLOCK);
}

/* Socket buffer sizes: root may exceed net.core.{r,w}mem_max with the
 * *BUFFORCE variants; everyone else gets the clamped ordinary option. */
static int set_bufs(struct nf_io *io, char *err, size_t errlen)
{
    static const struct {
        int force, plain;
        const char *name;
    } opt[2] = {{SO_RCVBUFFORCE, SO_RCVBUF, "SO_RCVBUF"}, {SO_SNDBUFFORCE, SO_SNDBUF, "SO_SNDBUF"}};
    int val[2] = {io->opts.rcvbuf, io->opts.sndbuf};
    for (int k = 0; k < 2; k++) {
        if (val[k] <= 0)
            continue;
        if (setsockopt(io->fd, SOL_SOCKET, opt[k].force, &val[k], sizeof(val[k])) == 0)
            continue;
        if (setsockopt(io->fd, SOL_SOCKET, opt[k].plain, &val[k], sizeof(val[k])) < 0) {
            int e = errno;
            scc_errf(err, errlen, "setsockopt(%s, %d): %s: %s socket", opt[k].name, val[k],
                    strerror(e), io->ops->name);
            return -e;
        }
    }
    return 0;
}

/* ---- raw: AF_PACKET on one interface ---------------------------------- */

static int raw_open(struct nf_io *io, char *err, size_t errlen)
{
    const char *ifn = io->opts.ifname;
    if (!ifn[0]) {
        scc_errf(err, errlen, "raw transport needs an interface name");
        return -EINVAL;
    }
    unsigned idx = if_nametoindex(ifn);
    if (!idx) {
        int e = errno;
        scc_errf(err, errlen, "if_nametoindex: %s: %s", strerror(e), ifn);
        return -e;
    }
    io->ifindex = (int)idx;
    /* Protocol 0 at socket(): the socket receives nothing until bind() sets
     * ETH_P_ALL on the one interface, so no frame from another interface
     * can slip into the queue in between. */
    io->fd = socket(AF_PACKET, SOCK_RAW | sock_flags(io), 0);
    if (io->fd < 0) {
        int e = errno;
        scc_errf(err, errlen, "socket(AF_PACKET, SOCK_RAW): %s: %s%s", strerror(e), ifn,
                e == EPERM ? " (needs CAP_NET_RAW)" : "");
        return -e;
    }
    int one = 1;
    if (setsockopt(io->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
        int e = errno;
        scc_errf(err, errlen, "setsockopt(PACKET_IGNORE_OUTGOING): %s: %s", strerror(e), ifn);
        return -e;
    }
    int r = set_bufs(io, err, errlen);
    if (r < 0)
        return r;
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = io->ifindex,
    };
    if (bind(io->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        int e = errno;
        scc_errf(err, errlen, "bind(AF_PACKET): %s: %s", strerror(e), ifn);
        return -e;
    }
    /* Frames addressed to other MACs: veth delivers them anyway, a real NIC
     * filters them unless promiscuous. The membership is reference-counted
     * and dropped with the socket, so nothing is left behind. */
    struct packet_mreq mr = {.mr_ifindex = io->ifindex, .mr_type = PACKET_MR_PROMISC};
    if (setsockopt(io->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
        scc_warn("setsockopt(PACKET_ADD_MEMBERSHIP, PROMISC): %s: %s", strerror(errno), ifn);
    return 0;
}

static void raw_rx_slot_init(struct nf_io *io, unsigned i)
{
    struct iovec *iov = &io->rx_iov[i];
    iov->iov_base = io->rx_buf + (size_t)i * NF_FRAME_MAX;
    iov->iov_len = NF_FRAME_MAX;
    io->rx_msgs[i].msg_hdr.msg_iov = iov;
    io->rx_msgs[i].msg_hdr.msg_iovlen = 1;
}

static long raw_rx_frame(struct nf_io *io, unsigned i, unsigned msg_len)
{
    (void)io;
    (void)i;
    return msg_len;
}

static void raw_tx_slot(struct nf_io *io, unsigned i, const struct nf_pkt *p)
{
    struct iovec *iov = &io->tx_iov[i];
    iov->iov_base = p->data;
    iov->iov_len = p->len;
    struct msghdr *h = &io->tx_msgs[i].msg_hdr;
    h->msg_iov = iov;
    h->msg_iovlen = 1;
}

static const struct nf_io_ops raw_ops = {
    .name = "raw",
    .iov_per_slot = 1,
    .open_sock = raw_open,
    .rx_slot_init = raw_rx_slot_init,
    .rx_frame = raw_rx_frame,
    .tx_slot = raw_tx_slot,
};

/* ---- udp: Ethernet frames in VXLAN in UDP ------------------------------ */

static int udp_open(struct nf_io *io, char *err, size_t errlen)
{
    char a[INET_ADDRSTRLEN];
    if (io->opts.vni > 0xffffffu) {
        scc_errf(err, errlen, "VXLAN VNI %u does not fit in 24 bits", io->opts.vni);
        return -EINVAL;
    }
    struct sockaddr_in *l = &io->opts.local;
    l->sin_family = AF_INET;
    if (io->opts.remote.sin_port)
        io->opts.remote.sin_family = AF_INET;
    inet_ntop(AF_INET, &l->sin_addr, a, sizeof(a));
    io->fd = socket(AF_INET, SOCK_DGRAM | sock_flags(io), 0);
    if (io->fd < 0) {
        int e = errno;
        scc_errf(err, errlen, "socket(AF_INET, SOCK_DGRAM): %s: %s:%u", strerror(e), a,
                ntohs(l->sin_port));
        return -e;
    }
    int r = set_bufs(io, err, errlen);
    if (r < 0)
        return r;
    if (bind(io->fd, (struct sockaddr *)l, sizeof(*l)) < 0) {
        int e = errno;
        scc_errf(err, errlen, "bind: %s: %s:%u", strerror(e), a, ntohs(l->sin_port));
        return -e;
    }
    if (io->opts.connect_remote && io->opts.remote.sin_port &&
        connect(io->fd, (struct sockaddr *)&io->opts.remote, sizeof(io->opts.remote)) < 0) {
        int e = errno;
        inet_ntop(AF_INET, &io->opts.remote.sin_addr, a, sizeof(a));
        scc_errf(err, errlen, "connect: %s: %s:%u", strerror(e), a, ntohs(io->opts.remote.sin_port));
        return -e;
    }
    uint32_t vni = io->opts.vni;
    memset(io->vxlan_tx, 0, sizeof(io->vxlan_tx));
    io->vxlan_tx[0] = VXLAN_FLAG_I;
    io->vxlan_tx[4] = (uint8_t)(vni >> 16);
    io->vxlan_tx[5] = (uint8_t)(vni >> 8);
    io->vxlan_tx[6] = (uint8_t)vni;
    return 0;
}

static void udp_rx_slot_init(struct nf_io *io, unsigned i)
{
    struct iovec *iov = &io->rx_iov[2 * i];
    iov[0].iov_base = io->rx_hdr[i];
    iov[0].iov_len = VXLAN_HLEN;
    iov[1].iov_base = io->rx_buf + (size_t)i * NF_FRAME_MAX;
    iov[1].iov_len = NF_FRAME_MAX;
    io->rx_msgs[i].msg_hdr.msg_iov = iov;
    io->rx_msgs[i].msg_hdr.msg_iovlen = 2;
}

/* RFC 7348 section 5: the I flag must be set; the other flag bits and the
 * reserved fields "MUST be ignored on receipt". */
long nf_io_vxlan_check(struct nf_io *io, const uint8_t *h, unsigned msg_len)
{
    if (msg_len < VXLAN_HLEN + ETH_HLEN_MIN || !(h[0] & VXLAN_FLAG_I)) {
        io->st.rx_bad_encap++;
        return -1;
    }
    uint32_t vni = (uint32_t)h[4] << 16 | (uint32_t)h[5] << 8 | h[6];
    if (vni != io->opts.vni) {
        io->st.rx_bad_encap++;
        return -1;
    }
    return (long)(msg_len - VXLAN_HLEN);
}

static long udp_rx_frame(struct nf_io *io, unsigned i, unsigned msg_len)
{
    return nf_io_vxlan_check(io, io->rx_hdr[i], msg_len);
}

static void udp_tx_slot(struct nf_io *io, unsigned i, const struct nf_pkt *p)
{
    struct iovec *iov = &io->tx_iov[2 * i];
    iov[0].iov_base = io->vxlan_tx;
    iov[0].iov_len = VXLAN_HLEN;
    iov[1].iov_base = p->data;
    iov[1].iov_len = p->len;
    struct msghdr *h = &io->tx_msgs[i].msg_hdr;
    h->msg_iov = iov;
    h->msg_iovlen = 2;
    if (!io->opts.connect_remote) {
        h->msg_name = &io->opts.remote;
        h->msg_namelen = sizeof(io->opts.remote);
    }
}

static const struct nf_io_ops udp_ops = {
    .name = "udp",
    .iov_per_slot = 2,
    .open_sock = udp_open,
    .rx_slot_init = udp_rx_slot_init,
    .rx_frame = udp_rx_frame,
    .tx_slot = udp_tx_slot,
};

/* ---- the common handle ------------------------------------------------- */

struct nf_io *nf_io_open(const struct nf_io_opts *opts, char *err, size_t errlen)
{
    scc_errf(err, errlen, "%s", "");
    if (!opts || opts->sz == 0) {
        scc_errf(err, errlen, "nf_io_open: options missing or opts.sz not set");
        errno = EINVAL;
        return NULL;
    }
    struct nf_io *io = calloc(1, sizeof(*io));
    if (!io) {
        scc_errf(err, errlen, "calloc: %s: nf_io handle", strerror(errno));
        return NULL;
    }
    io->fd = -1;
    io->rcvtimeo_ms = -1;
    /* An older caller's smaller struct: the fields it lacks stay zero. */
    memcpy(&io->opts, opts, opts->sz < sizeof(io->opts) ? opts->sz : sizeof(io->opts));
    io->opts.sz = sizeof(io->opts);
    int r;
    if (io->opts.transport == NF_IO_RAW) {
        io->ops = &raw_ops;
    } else if (io->opts.transport == NF_IO_UDP) {
        io->ops = &udp_ops;
    } else {
        scc_errf(err, errlen, "unknown transport %d", (int)io->opts.transport);
        r = -EINVAL;
        goto err;
    }
    if (io->opts.batch < 1 || io->opts.batch > NF_BATCH_MAX) {
        scc_errf(err, errlen, "batch %u out of range 1..%u", io->opts.batch, NF_BATCH_MAX);
        r = -EINVAL;
        goto err;
    }
    if (io->opts.idle != NF_IO_BLOCK && io->opts.idle != NF_IO_BUSY) {
        scc_errf(err, errlen, "unknown idle mode %d", (int)io->opts.idle);
        r = -EINVAL;
        goto err;
    }
    if (io->opts.engine > NF_IO_XDP) {
        scc_errf(err, errlen, "unknown engine %d", (int)io->opts.engine);
        r = -EINVAL;
        goto err;
    }
    if (!nf_io_engine_available(io->opts.engine)) {
        scc_errf(err, errlen, "the %s transport is not in this build (scc was built without %s)",
                 io->opts.engine == NF_IO_URING ? "uring" : "xdp",
                 io->opts.engine == NF_IO_URING ? "liburing" : "libxdp");
        r = -EOPNOTSUPP;
        goto err;
    }
    if (io->opts.uring_sqpoll && io->opts.engine != NF_IO_URING) {
        scc_errf(err, errlen, "uring_sqpoll needs the uring transport");
        r = -EINVAL;
        goto err;
    }
    if (io->opts.uring_sqpoll_pin && !io->opts.uring_sqpoll) {
        scc_errf(err, errlen, "uring_sqpoll_cpu needs uring_sqpoll (it pins the SQPOLL thread)");
        r = -EINVAL;
        goto err;
    }
    if (io->opts.uring_spin_set && !io->opts.uring_sqpoll) {
        scc_errf(err, errlen, "uring_spin_us needs uring_sqpoll (it peeks for what the SQPOLL "
                              "thread completes)");
        r = -EINVAL;
        goto err;
    }
    if (io->opts.uring_spin_set &&
        (io->opts.uring_spin_us < 0 || io->opts.uring_spin_us > NF_IO_URING_SPIN_MAX_US)) {
        scc_errf(err, errlen, "uring_spin_us %d out of range 0..%d", io->opts.uring_spin_us,
                 NF_IO_URING_SPIN_MAX_US);
        r = -EINVAL;
        goto err;
    }
    if (io->opts.engine == NF_IO_XDP && io->opts.transport != NF_IO_RAW) {
        scc_errf(err, errlen, "the xdp transport moves raw frames on an interface; VXLAN-in-UDP "
                              "needs the udp or uring transport");
        r = -EINVAL;
        goto err;
    }
    io->batch = io->opts.batch;
    size_t b = io->batch, ips = io->ops->iov_per_slot;
    io->rx_buf = aligned_alloc(64, b * NF_FRAME_MAX);
    io->rx_hdr = calloc(b, sizeof(*io->rx_hdr));
    io->rx_pkts = calloc(b, sizeof(*io->rx_pkts));
    io->rx_msgs = calloc(b, sizeof(*io->rx_msgs));
    io->tx_msgs = calloc(b, sizeof(*io->tx_msgs));
    io->rx_iov = calloc(b * ips, sizeof(*io->rx_iov));
    io->tx_iov = calloc(b * ips, sizeof(*io->tx_iov));
    if (!io->rx_buf || !io->rx_hdr || !io->rx_pkts || !io->rx_msgs || !io->tx_msgs ||
        !io->rx_iov || !io->tx_iov) {
        scc_errf(err, errlen, "allocating %zu packet buffers: %s", b, strerror(ENOMEM));
        r = -ENOMEM;
        goto err;
    }
    if (io->opts.engine == NF_IO_XDP) {
        /* AF_XDP has its own socket: no AF_PACKET socket beside it */
        r = nf_io_xdp_open(io, err, errlen);
        if (r < 0)
            goto err;
        return io;
    }
    r = io->ops->open_sock(io, err, errlen);
    if (r < 0)
        goto err;
    for (unsigned i = 0; i < io->batch; i++)
        io->ops->rx_slot_init(io, i);
    if (io->opts.engine == NF_IO_URING) {
        r = nf_io_uring_open(io, err, errlen);
        if (r < 0)
            goto err;
    }
    return io;
err:
    nf_io_close(io);
    errno = -r;
    return NULL;
}

void nf_io_close(struct nf_io *io)
{
    if (!io)
        return;
    if (io->opts.engine == NF_IO_URING)
        nf_io_uring_close(io);
    else if (io->opts.engine == NF_IO_XDP)
        nf_io_xdp_close(io);
    if (io->fd >= 0)
        close(io->fd);
    free(io->rx_buf);
    free(io->rx_hdr);
    free(io->rx_pkts);
    free(io->rx_msgs);
    free(io->tx_msgs);
    free(io->rx_iov);
    free(io->tx_iov);
    free(io);
}

/* Count one receive call: rx_calls are the calls that returned packets,
 * rx_empty_calls the ones that returned none (timeout, EAGAIN, a signal),
 * so packets per call is not diluted by idle time. */
static int rx_count(struct nf_io *io, int r)
{
    if (r > 0) {
        io->st.rx_calls++;
        return r;
    }
    io->st.rx_empty_calls++;
    if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    return -errno;
}

/* One recvmmsg that does not wait. Returns messages, 0 when none, -errno. */
static int rx_once(struct nf_io *io, unsigned n)
{
    return rx_count(io, recvmmsg(io->fd, io->rx_msgs, n, MSG_DONTWAIT, NULL));
}

int nf_io_set_rx_timeout(struct nf_io *io, int timeout_ms)
{
    /* the engines bound their waits themselves (io_uring_enter's timeout,
     * poll) */
    if (io->opts.engine != NF_IO_SOCKETS)
        return 0;
    if (io->opts.idle != NF_IO_BLOCK || timeout_ms == 0)
        return 0; /* busy spins, and 0 never waits: no socket option involved */
    if (timeout_ms < 0)
        timeout_ms = -1;
    if (timeout_ms == io->rcvtimeo_ms)
        return 0;
    /* recvmmsg's own timeout argument is only checked between datagrams
     * (recvmmsg(2) BUGS); SO_RCVTIMEO bounds the wait for the first. */
    struct timeval tv = {0, 0}; /* 0 = wait without limit */
    if (timeout_ms > 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
    }
    if (setsockopt(io->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
        return -errno;
    io->rcvtimeo_ms = timeout_ms;
    return 0;
}

int nf_io_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms)
{
    if (io->opts.engine == NF_IO_URING)
        return nf_io_uring_recv(io, out, timeout_ms);
    if (io->opts.engine == NF_IO_XDP)
        return nf_io_xdp_recv(io, out, timeout_ms);
    out->n = 0;
    unsigned n = io->batch < out->cap ? io->batch : out->cap;
    if (n == 0)
        return 0;
    int r;
    if (timeout_ms == 0) {
        r = rx_once(io, n);
    } else if (io->opts.idle == NF_IO_BLOCK) {
        /* One system call per wake-up: sleep in the kernel until the first
         * datagram (or the timeout, or a signal: scc-nf's handlers have no
         * SA_RESTART, so SIGTERM ends the wait with EINTR), then take what
         * else is queued without waiting (MSG_WAITFORONE). */
        int e = nf_io_set_rx_timeout(io, timeout_ms);
        if (e < 0)
            return e;
        r = rx_count(io, recvmmsg(io->fd, io->rx_msgs, n, MSG_WAITFORONE, NULL));
    } else {
        /* Busy: spin on the non-blocking call; read the clock only
         * every 64 empty tries since it costs about as much. */
        uint64_t end = timeout_ms < 0 ? UINT64_MAX
                                      : scc_now_ns() + (uint64_t)timeout_ms * 1000000u;
        r = rx_once(io, n);
        for (unsigned spin = 1; r == 0; spin++) {
            r = rx_once(io, n);
            if (r == 0 && (spin & 63) == 0 && scc_now_ns() >= end)
                break;
        }
    }
    if (r <= 0)
        return r;
    uint64_t ts = io->opts.timestamp ? scc_now_ns() : 0;
    uint32_t k = 0;
    for (int i = 0; i < r; i++) {
        struct mmsghdr *m = &io->rx_msgs[i];
        int flags = m->msg_hdr.msg_flags;
        unsigned len = m->msg_len;
        m->msg_hdr.msg_flags = 0;
        if (flags & MSG_TRUNC) {
            io->st.rx_truncated++;
            continue;
        }
        long fl = io->ops->rx_frame(io, (unsigned)i, len);
        if (fl < 0)
            continue;
        struct nf_pkt *p = &io->rx_pkts[i];
        p->data = io->rx_buf + (size_t)i * NF_FRAME_MAX;
        p->len = (uint32_t)fl;
        p->cap = NF_FRAME_MAX;
        p->ts_ns = ts;
        p->anno = p->anno2 = 0;
        out->pkts[k++] = p;
        io->st.rx_bytes += (uint64_t)fl;
    }
    io->st.rx_pkts += k;
    out->n = k;
    return (int)k;
}

int nf_io_send(struct nf_io *io, struct nf_pkt *const *pkts, unsigned n)
{
    if (io->ops == &udp_ops && io->opts.remote.sin_port == 0)
        return -EDESTADDRREQ;
    if (io->opts.engine == NF_IO_URING)
        return nf_io_uring_send(io, pkts, n);
    if (io->opts.engine == NF_IO_XDP)
        return nf_io_xdp_send(io, pkts, n);
    int sent = 0;
    int polled = io->opts.idle == NF_IO_BUSY;
    /* At most `batch` messages per sendmmsg: that is how many slots exist. */
    for (unsigned base = 0; base < n;) {
        unsigned chunk = n - base < io->batch ? n - base : io->batch;
        for (unsigned i = 0; i < chunk; i++)
            io->ops->tx_slot(io, i, pkts[base + i]);
        unsigned off = 0, refused_at = UINT_MAX;
        while (off < chunk) {
            io->st.tx_calls++;
            int r = sendmmsg(io->fd, io->tx_msgs + off, chunk - off, MSG_DONTWAIT);
            if (r > 0) {
                for (int i = 0; i < r; i++)
                    io->st.tx_bytes += pkts[base + off + (unsigned)i]->len;
                io->st.tx_pkts += (uint64_t)r;
                sent += r;
                off += (unsigned)r;
                continue;
            }
            int e = r < 0 ? errno : EAGAIN;
            if (e == EINTR)
                continue;
            /* A connected UDP socket reports an ICMP port unreachable met
             * by an EARLIER datagram as this call's error; the datagram at
             * hand was not sent. Retry it once: the error is consumed. */
            if (e == ECONNREFUSED && io->opts.connect_remote && off != refused_at) {
                io->st.tx_err_refused++;
                refused_at = off;
                continue;
            }
            if ((e == EAGAIN || e == EWOULDBLOCK) && !polled) {
                polled = 1;
                struct pollfd pfd = {.fd = io->fd, .events = POLLOUT};
                if (poll(&pfd, 1, TX_POLL_MS) > 0)
                    continue;
            }
            if (e == EAGAIN || e == EWOULDBLOCK) {
                /* Drop the rest of the whole request, not just this chunk:
                 * a full socket will not drain in the next microsecond. */
                io->st.tx_drop_again += n - base - off;
                return sent;
            }
            if (e == ENOBUFS) {
                io->st.tx_drop_nobufs += n - base - off;
                return sent;
            }
            io->st.tx_drop_other++;
            if (io->st.tx_drop_other == 1)
                scc_warn("sendmmsg: %s: %s transport (first such drop; counted from now on)",
                         strerror(e), io->ops->name);
            off++;
        }
        base += chunk;
    }
    return sent;
}

int nf_io_fd(const struct nf_io *io)
{
    return io->opts.engine == NF_IO_XDP ? nf_io_xdp_fd(io) : io->fd;
}

enum nf_io_engine nf_io_get_engine(const struct nf_io *io)
{
    return io->opts.engine;
}

const char *nf_io_engine_desc(const struct nf_io *io)
{
    switch (io->opts.engine) {
    case NF_IO_URING: return io->opts.uring_sqpoll ? "uring+sqpoll" : "uring";
    case NF_IO_XDP: return nf_io_xdp_mode(io);
    default: return "sockets";
    }
}

int nf_io_engine_available(enum nf_io_engine e)
{
    switch (e) {
    case NF_IO_SOCKETS: return 1;
#ifdef SCC_HAVE_URING
    case NF_IO_URING: return 1;
#endif
#ifdef SCC_HAVE_XDP
    case NF_IO_XDP: return 1;
#endif
    default: return 0;
    }
}

/* Engines this build lacks: nf_io_open refuses them before any of these
 * is reached. */
#ifndef SCC_HAVE_URING
int nf_io_uring_open(struct nf_io *io, char *err, size_t errlen)
{
    (void)io;
    scc_errf(err, errlen, "uring: not in this build");
    return -EOPNOTSUPP;
}
void nf_io_uring_close(struct nf_io *io) { (void)io; }
int nf_io_uring_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms)
{
    (void)io, (void)timeout_ms;
    out->n = 0;
    return -EOPNOTSUPP;
}
int nf_io_uring_send(struct nf_io *io, struct nf_pkt *const *pkts, unsigned n)
{
    (void)io, (void)pkts, (void)n;
    return -EOPNOTSUPP;
}
#endif
#ifndef SCC_HAVE_XDP
int nf_io_xdp_open(struct nf_io *io, char *err, size_t errlen)
{
    (void)io;
    scc_errf(err, errlen, "xdp: not in this build");
    return -EOPNOTSUPP;
}
void nf_io_xdp_close(struct nf_io *io) { (void)io; }
int nf_io_xdp_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms)
{
    (void)io, (void)timeout_ms;
    out->n = 0;
    return -EOPNOTSUPP;
}
int nf_io_xdp_send(struct nf_io *io, struct nf_pkt *const *pkts, unsigned n)
{
    (void)io, (void)pkts, (void)n;
    return -EOPNOTSUPP;
}
const char *nf_io_xdp_mode(const struct nf_io *io)
{
    (void)io;
    return "xdp";
}
int nf_io_xdp_fd(const struct nf_io *io)
{
    return io->fd;
}
int nf_io_xdp_kernel_drops(struct nf_io *io, uint64_t *drops)
{
    (void)io, (void)drops;
    return -EOPNOTSUPP;
}
int nf_io_xdp_frames(struct nf_io *io, int drain, struct nf_io_frames *out)
{
    (void)io, (void)drain, (void)out;
    return -EOPNOTSUPP;
}
int nf_io_xdp_tx_bufs(struct nf_io *io, struct nf_pkt **pkts, unsigned n)
{
    (void)io, (void)pkts, (void)n;
    return -EOPNOTSUPP;
}
#endif

int nf_io_frames(struct nf_io *io, int drain, struct nf_io_frames *out)
{
    if (io->opts.engine != NF_IO_XDP)
        return -EOPNOTSUPP;
    return nf_io_xdp_frames(io, drain, out);
}

int nf_io_tx_bufs(struct nf_io *io, struct nf_pkt **pkts, unsigned n)
{
    if (io->opts.engine != NF_IO_XDP)
        return -EOPNOTSUPP;
    return nf_io_xdp_tx_bufs(io, pkts, n);
}

unsigned nf_io_batch(const struct nf_io *io)
{
    return io->batch;
}

const struct nf_io_stats *nf_io_get_stats(const struct nf_io *io)
{
    return &io->st;
}

enum nf_io_transport nf_io_get_transport(const struct nf_io *io)
{
    return io->opts.transport;
}

int nf_io_local_addr(const struct nf_io *io, struct sockaddr_in *out)
{
    if (io->ops != &udp_ops)
        return -EAFNOSUPPORT;
    socklen_t len = sizeof(*out);
    if (getsockname(io->fd, (struct sockaddr *)out, &len) < 0)
        return -errno;
    return 0;
}

int nf_io_kernel_drops(struct nf_io *io, uint64_t *drops)
{
    if (io->opts.engine == NF_IO_XDP)
        return nf_io_xdp_kernel_drops(io, drops);
    if (io->ops == &raw_ops) {
        struct tpacket_stats ts;
        socklen_t len = sizeof(ts);
        if (getsockopt(io->fd, SOL_PACKET, PACKET_STATISTICS, &ts, &len) < 0)
            return -errno;
        io->kdrops_acc += ts.tp_drops;
        *drops = io->kdrops_acc;
        return 0;
    }
    uint32_t mem[SK_MEMINFO_VARS];
    socklen_t len = sizeof(mem);
    if (getsockopt(io->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0)
        return -errno;
    if (len <= SK_MEMINFO_DROPS * sizeof(uint32_t))
        return -EOPNOTSUPP;
    *drops = mem[SK_MEMINFO_DROPS];
    return 0;
}
