/*
 * nf_io_xdp — the xdp engine of nf_io: raw Ethernet frames on one interface
 * through an AF_XDP socket (libxdp), instead of an AF_PACKET socket.
 *
 * One UMEM per handle, allocated at open, shared by RX and TX: RX_FRAMES
 * frames start in the fill ring, TX_FRAMES more are the handle's transmit
 * pool. libxdp attaches its default redirect program to the interface
 * (native driver mode where the driver has it, else generic/SKB mode) and
 * puts the socket in the program's XSKMAP for queue 0; the socket binds with
 * XDP_USE_NEED_WAKEUP, so the data path makes a system call only when the
 * kernel asks for one (a recvfrom to refill, a sendto to transmit). Whether
 * the kernel gave zero copy (XDP_ZEROCOPY: real NICs with driver support) or
 * copy mode (veth, generic mode) is read back with XDP_OPTIONS and reported
 * by nf_io_engine_desc() ("xdp-native-copy", "xdp-generic-copy",
 * "xdp-native-zerocopy").
 *
 * Receive: packets point into the UMEM (no copy); their frames go back to
 * the fill ring at the start of the next nf_io_recv (the nf_io contract).
 * Send: each packet is copied into a free TX frame (a descriptor move only
 * when the packet already lives in this UMEM would need RX and TX on one
 * socket, which a two-interface NF does not have); completed frames come
 * back from the completion ring. A full TX ring or no free frame drops the
 * rest of the request (tx_drop_again).
 *
 * Teardown: xsk_socket__delete removes the socket from the map and libxdp
 * detaches the program when no other socket uses it. A killed process
 * leaves the program attached: `ip link set dev IF xdp off` (and xdpgeneric
 * off) removes it (docs/io.md).
 */
#include "nfs/nf_io_int.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "common/scc_log.h"
#include "common/scc_util.h"

#define FRAME 2048u
#define RX_FRAMES 2048u
#define TX_FRAMES 1024u

struct xdpe {
    struct xsk_umem *umem;
    struct xsk_socket *xsk;
    struct xsk_ring_prod fq, tx;
    struct xsk_ring_cons cq, rx;
    uint8_t *area;
    uint64_t *free_tx;  /* stack of free TX frame addresses */
    unsigned nfree;
    uint64_t *held;     /* RX frames handed out by the last recv */
    unsigned nheld;
    int fd;
    char desc[32];
};

int nf_io_xdp_fd(const struct nf_io *io)
{
    const struct xdpe *x = io->eng;
    return x ? x->fd : -1;
}

const char *nf_io_xdp_mode(const struct nf_io *io)
{
    const struct xdpe *x = io->eng;
    return x ? x->desc : "xdp";
}

/* Frames the caller is done with go back to the fill ring. */
static void refill(struct xdpe *x)
{
    if (!x->nheld)
        return;
    uint32_t idx;
    unsigned n = xsk_ring_prod__reserve(&x->fq, x->nheld, &idx);
    for (unsigned i = 0; i < n; i++)
        *xsk_ring_prod__fill_addr(&x->fq, idx + i) = x->held[i];
    xsk_ring_prod__submit(&x->fq, n);
    /* the fill ring holds every RX frame, so n == nheld; keep any rest */
    memmove(x->held, x->held + n, (x->nheld - n) * sizeof(*x->held));
    x->nheld -= n;
}

static void reclaim_tx(struct xdpe *x)
{
    uint32_t idx;
    unsigned n = xsk_ring_cons__peek(&x->cq, TX_FRAMES, &idx);
    for (unsigned i = 0; i < n; i++)
        x->free_tx[x->nfree++] = *xsk_ring_cons__comp_addr(&x->cq, idx + i);
    if (n)
        xsk_ring_cons__release(&x->cq, n);
}

int nf_io_xdp_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms)
{
    struct xdpe *x = io->eng;
    out->n = 0;
    unsigned want = io->batch < out->cap ? io->batch : out->cap;
    if (want == 0)
        return 0;
    refill(x);
    uint32_t idx;
    unsigned n = xsk_ring_cons__peek(&x->rx, want, &idx);
    if (n == 0) {
        if (xsk_ring_prod__needs_wakeup(&x->fq)) {
            io->st.rx_empty_calls++;
            recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
        }
        if (timeout_ms != 0 && io->opts.idle == NF_IO_BLOCK) {
            struct pollfd p = {.fd = x->fd, .events = POLLIN};
            int r = poll(&p, 1, timeout_ms);
            if (r > 0)
                io->st.rx_calls++;
            else
                io->st.rx_empty_calls++;
        } else if (timeout_ms != 0) {
            uint64_t end = timeout_ms < 0 ? UINT64_MAX
                                          : scc_now_ns() + (uint64_t)timeout_ms * 1000000u;
            for (unsigned spin = 1; !xsk_ring_cons__peek(&x->rx, 0, &idx) &&
                                    (n = xsk_ring_cons__peek(&x->rx, want, &idx)) == 0; spin++)
                if ((spin & 63) == 0 && scc_now_ns() >= end)
                    break;
            if (n) {
                /* the loop's peek took them */
                goto take;
            }
        }
        n = xsk_ring_cons__peek(&x->rx, want, &idx);
        if (n == 0)
            return 0;
    }
take:;
    uint64_t ts = io->opts.timestamp ? scc_now_ns() : 0;
    uint32_t k = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i);
        uint64_t addr = xsk_umem__extract_addr(d->addr);
        x->held[x->nheld++] = addr & ~(uint64_t)(FRAME - 1);
        if (d->len > NF_FRAME_MAX) {
            io->st.rx_truncated++;
            continue;
        }
        struct nf_pkt *p = &io->rx_pkts[k];
        p->data = xsk_umem__get_data(x->area, xsk_umem__add_offset_to_addr(d->addr));
        p->len = d->len;
        /* room after the frame in its UMEM chunk */
        p->cap = (uint32_t)(FRAME - (xsk_umem__add_offset_to_addr(d->addr) & (FRAME - 1)));
        if (p->cap > NF_FRAME_MAX)
            p->cap = NF_FRAME_MAX;
        p->ts_ns = ts;
        p->anno = p->anno2 = 0;
        out->pkts[k++] = p;
        io->st.rx_bytes += d->len;
    }
    xsk_ring_cons__release(&x->rx, n);
    io->st.rx_pkts += k;
    out->n = k;
    return (int)k;
}

static void kick_tx(struct nf_io *io, struct xdpe *x)
{
    if (!xsk_ring_prod__needs_wakeup(&x->tx))
        return;
    io->st.tx_calls++;
    if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
        errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN)
        io->st.tx_drop_other++;
}

int nf_io_xdp_send(struct nf_io *io, struct nf_pkt *const *pkts, unsigned n)
{
    struct xdpe *x = io->eng;
    int sent = 0;
    for (unsigned base = 0; base < n;) {
        unsigned chunk = n - base < io->batch ? n - base : io->batch;
        reclaim_tx(x);
        if (x->nfree < chunk) {
            kick_tx(io, x); /* copy mode completes during the kick */
            reclaim_tx(x);
        }
        uint32_t idx;
        unsigned room = chunk < x->nfree ? chunk : x->nfree;
        room = xsk_ring_prod__reserve(&x->tx, room, &idx);
        if (room == 0) {
            io->st.tx_drop_again += n - base;
            return sent;
        }
        for (unsigned i = 0; i < room; i++) {
            const struct nf_pkt *p = pkts[base + i];
            uint32_t len = p->len > FRAME ? FRAME : p->len;
            uint64_t a = x->free_tx[--x->nfree];
            memcpy(xsk_umem__get_data(x->area, a), p->data, len);
            struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx, idx + i);
            d->addr = a;
            d->len = len;
            io->st.tx_bytes += len;
        }
        xsk_ring_prod__submit(&x->tx, room);
        kick_tx(io, x);
        io->st.tx_pkts += room;
        sent += (int)room;
        base += room;
    }
    return sent;
}

void nf_io_xdp_close(struct nf_io *io)
{
    struct xdpe *x = io->eng;
    if (!x)
        return;
    if (io->opts.xdp_leave_prog) {
        /* no bpf()/netlink here: close the socket (and with it the UMEM
         * registration and rings, which the kernel frees); libxdp's small
         * bookkeeping structs go with the process */
        if (x->fd >= 0)
            close(x->fd);
        x->area = NULL; /* still mapped into the closed socket's UMEM until it is freed */
    } else {
        if (x->xsk)
            xsk_socket__delete(x->xsk); /* detaches libxdp's program when last */
        if (x->umem)
            xsk_umem__delete(x->umem);
    }
    free(x->area);
    free(x->free_tx);
    free(x->held);
    free(x);
    io->eng = NULL;
}

/* libbpf and libxdp print through these: to scc_log at debug level (their
 * "no bpffs, falling back to a single program" notes are not errors). */
static int lib_print(const char *fmt, va_list ap)
{
    if (scc_log_get_level() < SCC_LOG_DEBUG)
        return 0;
    char buf[256];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    buf[strcspn(buf, "\n")] = '\0';
    scc_dbg("%s", buf);
    return 0;
}
static int bpf_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
    (void)l;
    return lib_print(fmt, ap);
}
static int xdp_print(enum libxdp_print_level l, const char *fmt, va_list ap)
{
    (void)l;
    return lib_print(fmt, ap);
}

static int try_create(struct nf_io *io, struct xdpe *x, uint32_t xdp_flags)
{
    struct xsk_socket_config sc = {.rx_size = RX_FRAMES, .tx_size = TX_FRAMES,
                                   .libxdp_flags = 0, .xdp_flags = xdp_flags,
                                   .bind_flags = XDP_USE_NEED_WAKEUP};
    return xsk_socket__create(&x->xsk, io->opts.ifname, 0, x->umem, &x->rx, &x->tx, &sc);
}

int nf_io_xdp_open(struct nf_io *io, char *err, size_t errlen)
{
    const char *ifn = io->opts.ifname;
    if (!ifn[0]) {
        scc_errf(err, errlen, "xdp transport needs an interface name");
        return -EINVAL;
    }
    struct xdpe *x = calloc(1, sizeof(*x));
    if (!x) {
        scc_errf(err, errlen, "calloc: %s: xdp engine", strerror(errno));
        return -ENOMEM;
    }
    io->eng = x;
    x->fd = -1;
    libbpf_set_print(bpf_print);
    libxdp_set_print(xdp_print);
    size_t len = (size_t)(RX_FRAMES + TX_FRAMES) * FRAME;
    x->area = aligned_alloc((size_t)sysconf(_SC_PAGESIZE), len);
    x->free_tx = calloc(TX_FRAMES, sizeof(*x->free_tx));
    x->held = calloc(RX_FRAMES, sizeof(*x->held));
    if (!x->area || !x->free_tx || !x->held) {
        scc_errf(err, errlen, "allocating the UMEM (%zu bytes): %s", len, strerror(ENOMEM));
        return -ENOMEM;
    }
    struct xsk_umem_config uc = {.fill_size = RX_FRAMES, .comp_size = TX_FRAMES,
                                 .frame_size = FRAME, .frame_headroom = 0, .flags = 0};
    int r = xsk_umem__create(&x->umem, x->area, len, &x->fq, &x->cq, &uc);
    if (r < 0) {
        scc_errf(err, errlen, "xsk_umem__create: %s: %s%s", strerror(-r), ifn,
                 r == -EPERM ? " (needs CAP_NET_RAW and CAP_BPF/CAP_SYS_ADMIN)" : "");
        x->umem = NULL;
        return r;
    }
    /* native (driver) mode first: veth has it, and it is the fast path
     * where a real driver supports it; generic (SKB) mode works on every
     * interface */
    const char *mode = "native";
    r = try_create(io, x, XDP_FLAGS_DRV_MODE);
    if (r < 0) {
        x->xsk = NULL;
        mode = "generic";
        r = try_create(io, x, XDP_FLAGS_SKB_MODE);
    }
    if (r < 0) {
        x->xsk = NULL;
        scc_errf(err, errlen, "xsk_socket__create: %s: %s queue 0%s", strerror(-r), ifn,
                 r == -EBUSY ? " (another XDP program is attached: ip link set dev IF xdp off)"
                 : r == -EPERM ? " (needs CAP_NET_ADMIN, CAP_BPF)" : "");
        return r;
    }
    x->fd = xsk_socket__fd(x->xsk);
    struct xdp_options xo = {0};
    socklen_t ol = sizeof(xo);
    bool zc = getsockopt(x->fd, SOL_XDP, XDP_OPTIONS, &xo, &ol) == 0 &&
              (xo.flags & XDP_OPTIONS_ZEROCOPY);
    snprintf(x->desc, sizeof(x->desc), "xdp-%s-%s", mode, zc ? "zerocopy" : "copy");
    /* every RX frame starts in the fill ring; TX frames in the free pool */
    for (unsigned i = 0; i < RX_FRAMES; i++)
        x->held[x->nheld++] = (uint64_t)i * FRAME;
    refill(x);
    for (unsigned i = 0; i < TX_FRAMES; i++)
        x->free_tx[x->nfree++] = (uint64_t)(RX_FRAMES + i) * FRAME;
    scc_info("%s: AF_XDP socket on queue 0, %s mode, %s", ifn, mode,
             zc ? "zero copy (XDP_ZEROCOPY)" : "copy mode (XDP_COPY)");
    return 0;
}

/* XDP_STATISTICS: frames the kernel dropped for this socket (no room in
 * the RX ring, no frame in the fill ring, invalid). 0 or -errno. */
int nf_io_xdp_kernel_drops(struct nf_io *io, uint64_t *drops)
{
    struct xdpe *x = io->eng;
    struct xdp_statistics s;
    socklen_t l = sizeof(s);
    if (!x || getsockopt(x->fd, SOL_XDP, XDP_STATISTICS, &s, &l) < 0)
        return -errno;
    *drops = s.rx_dropped + s.rx_ring_full + s.rx_fill_ring_empty_descs + s.rx_invalid_descs;
    return 0;
}
