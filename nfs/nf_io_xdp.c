/*
 * nf_io_xdp — the xdp engine of nf_io: raw Ethernet frames on one interface
 * through an AF_XDP socket (libxdp), instead of an AF_PACKET socket.
 *
 * Frames live in a UMEM pool (struct xpool) of POOL_FRAMES 2 KiB frames,
 * allocated at open. libxdp attaches its default redirect program to the
 * interface (native driver mode where the driver has it, else generic/SKB
 * mode) and puts the socket in the program's XSKMAP for queue 0; the socket
 * binds with XDP_USE_NEED_WAKEUP, so the data path makes a system call only
 * when the kernel asks for one (a recvfrom to refill, a sendto to transmit).
 * Whether the kernel gave zero copy (XDP_ZEROCOPY: real NICs with driver
 * support) or copy mode (veth, generic mode) is read back with XDP_OPTIONS
 * and reported by nf_io_engine_desc() ("xdp-native-copy", ...).
 *
 * Sharing: a handle opened with opts.xdp_share (an NF's output handle,
 * naming its input) joins that handle's pool with xsk_socket__create_shared
 * instead of making its own: its socket gets its own fill and completion
 * rings but the same frames. Then forwarding is a descriptor move: a
 * received frame's descriptor goes onto the other socket's TX ring as it
 * is, and its frame returns to a fill ring after the TX completion. A
 * packet whose frame is not in the pool (an element's own buffer, another
 * pool, a frame already sent) is copied into a free frame; the descriptor
 * gets "+shared" in its description when the pool is shared.
 *
 * Frame ownership is tracked per frame (state[] and holder[]), with a count
 * per state kept at every hand-over:
 *   FREE  in the pool's free stack
 *   FILL  given to the kernel for receiving: a fill ring, the kernel, an RX
 *         ring not yet read
 *   HELD  handed to the caller by nf_io_recv (or nf_io_tx_bufs) on holder
 *   TX    given to the kernel for sending: a TX ring, the kernel, a
 *         completion ring not yet read
 * A descriptor the kernel hands back for a frame not in the state it must
 * be in (an RX frame that was not FILL, a completion that was not TX) is
 * counted in errors: that is a frame used twice. nf_io_frames() recounts
 * the states and checks them against the counts and the rings' own lists.
 *
 * Receive: packets point into the UMEM (no copy); at the next nf_io_recv
 * the frames the caller did not send go back to this socket's fill ring,
 * which is then topped up from the free stack. Send: a frame the caller
 * holds moves to the TX ring, anything else is copied; completed frames go
 * to the free stack (every socket's completion ring is drained, since a
 * frame sent on one socket is refilled on another). A full TX ring or no
 * free frame for a copy drops the rest of the request (tx_drop_again).
 *
 * Teardown: xsk_socket__delete removes the socket from the map and libxdp
 * detaches the program when no other socket uses it; the pool goes with its
 * last handle. A killed process leaves the program attached: `ip link set
 * dev IF xdp off` (and xdpgeneric off) removes it (docs/io.md).
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
#define POOL_FRAMES 4096u  /* 8 MiB: the first socket's fill ring, a joiner's, frames in flight */
#define RING 2048u         /* RX, fill and completion ring entries per socket */
#define TX_RING 1024u
#define FILL_FIRST 2048u   /* frames the pool's first socket keeps in its fill ring */
#define FILL_JOINER 1024u  /* and a socket that joins it (an NF's output: replies only) */
#define MAX_SOCKS 2u

enum { F_FREE, F_FILL, F_HELD, F_TX, F_NSTATES };

struct xdpe;

struct xpool {
    struct xsk_umem *umem;
    uint8_t *area;
    size_t len;
    uint8_t *state;             /* F_* per frame */
    uint8_t *holder;            /* F_HELD: the socket index that handed it out */
    uint32_t count[F_NSTATES];  /* frames per state, kept at every hand-over */
    uint64_t *free;             /* stack of free frame addresses */
    unsigned nfree;
    uint64_t errors;            /* descriptors for frames in the wrong state */
    struct xdpe *socks[MAX_SOCKS];
    unsigned nsocks;            /* sockets ever joined (slots are not reused) */
    unsigned refs;              /* open handles */
    bool leave_prog;
};

struct xdpe {
    struct xpool *pool;
    unsigned idx;               /* in pool->socks */
    struct xsk_socket *xsk;
    struct xsk_ring_prod fq, tx;
    struct xsk_ring_cons cq, rx;
    uint64_t *held;             /* frames handed out by the last recv / tx_bufs */
    unsigned nheld;
    unsigned nfill, fill_target; /* frames FILL on this socket, and how many it keeps */
    int fd;
    char desc[48];
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

static inline uint32_t frame_of(uint64_t addr)
{
    return (uint32_t)(addr / FRAME);
}

/* Move frame f from state `from` to `to`; a frame found in another state
 * is counted in errors (and still moved: the kernel has given it to us). */
static inline void hand_over(struct xpool *p, uint32_t f, unsigned from, unsigned to)
{
    unsigned s = p->state[f];
    if (s != from)
        p->errors++;
    p->count[s]--;
    p->count[to]++;
    p->state[f] = (uint8_t)to;
}

/* Completed transmissions of every socket of the pool go to the free
 * stack (a frame moved from socket A's RX to socket B's TX completes on B
 * but is needed in A's fill ring). */
static void reap_all(struct xpool *p)
{
    for (unsigned s = 0; s < p->nsocks; s++) {
        struct xdpe *x = p->socks[s];
        if (!x)
            continue;
        uint32_t idx;
        unsigned n = xsk_ring_cons__peek(&x->cq, RING, &idx);
        for (unsigned i = 0; i < n; i++) {
            uint64_t a = *xsk_ring_cons__comp_addr(&x->cq, idx + i) & ~(uint64_t)(FRAME - 1);
            uint32_t f = frame_of(a);
            if (f >= POOL_FRAMES) {
                p->errors++;
                continue;
            }
            hand_over(p, f, F_TX, F_FREE);
            p->free[p->nfree++] = a;
        }
        if (n)
            xsk_ring_cons__release(&x->cq, n);
    }
}

/* Frames the caller still holds from the last recv/tx_bufs on this socket
 * (not sent: dropped, or sent by copy) go back to its fill ring; the ring
 * is then topped up from the free stack to the socket's target. */
static void refill(struct xdpe *x)
{
    struct xpool *p = x->pool;
    unsigned back = 0;
    for (unsigned i = 0; i < x->nheld; i++) {
        uint32_t f = frame_of(x->held[i]);
        /* a frame sent since has left this list's ownership */
        if (p->state[f] == F_HELD && p->holder[f] == x->idx)
            x->held[back++] = x->held[i];
    }
    x->nheld = back;
    reap_all(p);
    /* up to the socket's target: the held frames first, then free ones;
     * held frames beyond it (a sender's unsent tx_bufs) go to the free
     * stack. The fill ring (RING entries) has room: it holds at most
     * fill_target. */
    unsigned room = x->fill_target > x->nfill ? x->fill_target - x->nfill : 0;
    unsigned from_held = x->nheld < room ? x->nheld : room;
    unsigned from_free = room - from_held < p->nfree ? room - from_held : p->nfree;
    uint32_t idx;
    unsigned n = from_held + from_free;
    if (n && xsk_ring_prod__reserve(&x->fq, n, &idx) == n) {
        for (unsigned i = 0; i < n; i++) {
            uint64_t a;
            if (i < from_held) {
                a = x->held[--x->nheld];
                hand_over(p, frame_of(a), F_HELD, F_FILL);
            } else {
                a = p->free[--p->nfree];
                hand_over(p, frame_of(a), F_FREE, F_FILL);
            }
            *xsk_ring_prod__fill_addr(&x->fq, idx + i) = a;
        }
        xsk_ring_prod__submit(&x->fq, n);
        x->nfill += n;
    }
    while (x->nheld) {
        uint64_t a = x->held[--x->nheld];
        hand_over(p, frame_of(a), F_HELD, F_FREE);
        p->free[p->nfree++] = a;
    }
}

int nf_io_xdp_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms)
{
    struct xdpe *x = io->eng;
    struct xpool *p = x->pool;
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
            struct pollfd pf = {.fd = x->fd, .events = POLLIN};
            int r = poll(&pf, 1, timeout_ms);
            if (r > 0)
                io->st.rx_calls++;
            else
                io->st.rx_empty_calls++;
        } else if (timeout_ms != 0) {
            uint64_t end = timeout_ms < 0 ? UINT64_MAX
                                          : scc_now_ns() + (uint64_t)timeout_ms * 1000000u;
            for (unsigned spin = 1; (n = xsk_ring_cons__peek(&x->rx, want, &idx)) == 0; spin++)
                if ((spin & 63) == 0 && scc_now_ns() >= end)
                    break;
            if (n)
                goto take; /* the loop's peek took them */
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
        uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);
        uint64_t base = addr & ~(uint64_t)(FRAME - 1);
        uint32_t f = frame_of(base);
        if (f >= POOL_FRAMES) {
            p->errors++;
            continue;
        }
        hand_over(p, f, F_FILL, F_HELD);
        p->holder[f] = (uint8_t)x->idx;
        x->nfill--;
        x->held[x->nheld++] = base;
        if (d->len > NF_FRAME_MAX) {
            io->st.rx_truncated++;
            continue;
        }
        struct nf_pkt *pk = &io->rx_pkts[k];
        pk->data = xsk_umem__get_data(p->area, addr);
        pk->len = d->len;
        /* room after the frame in its UMEM chunk */
        pk->cap = (uint32_t)(FRAME - (addr & (FRAME - 1)));
        if (pk->cap > NF_FRAME_MAX)
            pk->cap = NF_FRAME_MAX;
        pk->ts_ns = ts;
        pk->anno = pk->anno2 = 0;
        out->pkts[k++] = pk;
        io->st.rx_bytes += d->len;
    }
    xsk_ring_cons__release(&x->rx, n);
    io->st.rx_pkts += k;
    out->n = k;
    return (int)k;
}

/* Start transmission of what is on the TX ring (n: frames just added).
 * Copy mode sends at most 32 frames per call (the kernel's TX_BATCH_SIZE)
 * and fails with EAGAIN while more wait: kick again, once per 32. */
static void kick_tx(struct nf_io *io, struct xdpe *x, unsigned n)
{
    if (!xsk_ring_prod__needs_wakeup(&x->tx))
        return;
    for (unsigned k = 0; k <= n / 32; k++) {
        io->st.tx_calls++;
        if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
            return;
        if (errno == EAGAIN)
            continue;
        if (errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN)
            io->st.tx_drop_other++;
        return;
    }
}

/* The pool frame a packet may leave in by a descriptor move: it lies in
 * the pool, its holder has it (not sent yet in this round) and the frame
 * stays inside its chunk. Else -1: copy it. */
static inline long movable(const struct xpool *p, const struct nf_pkt *pk)
{
    uintptr_t d = (uintptr_t)pk->data, a = (uintptr_t)p->area;
    if (d < a || d >= a + p->len)
        return -1;
    uint64_t off = (uint64_t)(d - a);
    uint32_t f = frame_of(off);
    if (p->state[f] != F_HELD || (off & (FRAME - 1)) + pk->len > FRAME)
        return -1;
    return (long)off;
}

int nf_io_xdp_send(struct nf_io *io, struct nf_pkt *const *pkts, unsigned n)
{
    struct xdpe *x = io->eng;
    struct xpool *p = x->pool;
    int sent = 0;
    for (unsigned base = 0; base < n;) {
        unsigned chunk = n - base < io->batch ? n - base : io->batch;
        reap_all(p);
        /* copies need free frames: let copy mode complete earlier sends */
        if (p->nfree < chunk && xsk_ring_prod__needs_wakeup(&x->tx)) {
            kick_tx(io, x, 0);
            reap_all(p);
        }
        uint32_t idx;
        unsigned room = xsk_ring_prod__reserve(&x->tx, chunk, &idx);
        if (room == 0) {
            /* TX ring full: take what fits */
            room = xsk_prod_nb_free(&x->tx, chunk);
            if (room > chunk)
                room = chunk;
            room = room ? xsk_ring_prod__reserve(&x->tx, room, &idx) : 0;
        }
        unsigned i = 0;
        for (; i < room; i++) {
            const struct nf_pkt *pk = pkts[base + i];
            struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx, idx + i);
            long off = movable(p, pk);
            if (off >= 0) {
                hand_over(p, frame_of((uint64_t)off), F_HELD, F_TX);
                d->addr = (uint64_t)off;
                d->len = pk->len;
                io->st.tx_moved++;
            } else {
                if (!p->nfree)
                    break;
                uint64_t a = p->free[--p->nfree];
                uint32_t len = pk->len > FRAME ? FRAME : pk->len;
                /* memmove: a frame sent twice may have been reclaimed as its own copy */
                memmove(xsk_umem__get_data(p->area, a), pk->data, len);
                hand_over(p, frame_of(a), F_FREE, F_TX);
                d->addr = a;
                d->len = len;
                io->st.tx_copied++;
            }
            io->st.tx_bytes += d->len;
        }
        x->tx.cached_prod -= room - i; /* give back the slots not filled */
        if (i)
            xsk_ring_prod__submit(&x->tx, i);
        kick_tx(io, x, i);
        io->st.tx_pkts += i;
        sent += (int)i;
        base += i;
        if (i < chunk) {
            io->st.tx_drop_again += n - base;
            return sent;
        }
    }
    return sent;
}

int nf_io_xdp_tx_bufs(struct nf_io *io, struct nf_pkt **pkts, unsigned n)
{
    struct xdpe *x = io->eng;
    struct xpool *p = x->pool;
    refill(x); /* last round's unsent buffers go back */
    if (p->nfree < n && xsk_ring_prod__needs_wakeup(&x->tx)) {
        kick_tx(io, x, 0);
        reap_all(p);
    }
    unsigned k = n < p->nfree ? n : p->nfree;
    if (k > io->batch)
        k = io->batch;
    for (unsigned i = 0; i < k; i++) {
        uint64_t a = p->free[--p->nfree];
        uint32_t f = frame_of(a);
        hand_over(p, f, F_FREE, F_HELD);
        p->holder[f] = (uint8_t)x->idx;
        x->held[x->nheld++] = a;
        struct nf_pkt *pk = &io->rx_pkts[i];
        *pk = (struct nf_pkt){.data = xsk_umem__get_data(p->area, a), .cap = NF_FRAME_MAX};
        pkts[i] = pk;
    }
    return (int)k;
}

int nf_io_xdp_frames(struct nf_io *io, int drain, struct nf_io_frames *out)
{
    struct xdpe *x = io->eng;
    struct xpool *p = x->pool;
    reap_all(p);
    /* copy mode completes in the kick; a driver may take a moment */
    for (int tries = 0; drain && p->count[F_TX] && tries < 50; tries++) {
        for (unsigned s = 0; s < p->nsocks; s++)
            if (p->socks[s] && xsk_ring_prod__needs_wakeup(&p->socks[s]->tx))
                sendto(p->socks[s]->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
        poll(NULL, 0, 1);
        reap_all(p);
    }
    uint32_t c[F_NSTATES] = {0};
    for (unsigned f = 0; f < POOL_FRAMES; f++)
        c[p->state[f] < F_NSTATES ? p->state[f] : F_FREE]++;
    /* each state's count must match the per-frame states, and the lists
     * that hold them: the free stack, the sockets' fill counts and held
     * lists */
    uint32_t fill = 0, held = 0;
    for (unsigned s = 0; s < p->nsocks; s++) {
        const struct xdpe *y = p->socks[s];
        if (!y)
            continue;
        fill += y->nfill;
        for (unsigned i = 0; i < y->nheld; i++) {
            uint32_t f = frame_of(y->held[i]);
            held += p->state[f] == F_HELD && p->holder[f] == y->idx;
        }
    }
    bool ok = memcmp(c, p->count, sizeof(c)) == 0 && c[F_FREE] == p->nfree &&
              c[F_FILL] == fill && c[F_HELD] == held;
    *out = (struct nf_io_frames){.total = POOL_FRAMES, .free = c[F_FREE], .fill = c[F_FILL],
                                 .held = c[F_HELD], .tx = c[F_TX], .errors = p->errors,
                                 .consistent = ok, .sockets = p->refs};
    return 0;
}

static void pool_free(struct xpool *p)
{
    if (!p)
        return;
    if (p->umem && !p->leave_prog)
        xsk_umem__delete(p->umem);
    /* leave_prog: the closed sockets' UMEM registration still maps the area
     * until the kernel frees it; it goes with the process */
    if (!p->leave_prog || !p->umem)
        free(p->area);
    free(p->state);
    free(p->holder);
    free(p->free);
    free(p);
}

void nf_io_xdp_close(struct nf_io *io)
{
    struct xdpe *x = io->eng;
    if (!x)
        return;
    struct xpool *p = x->pool;
    if (io->opts.xdp_leave_prog) {
        /* no bpf()/netlink here: close the socket (and with it its rings;
         * the kernel frees them); libxdp's small bookkeeping structs go with
         * the process */
        if (x->fd >= 0)
            close(x->fd);
    } else if (x->xsk) {
        xsk_socket__delete(x->xsk); /* detaches libxdp's program when last */
    }
    if (p) {
        p->socks[x->idx] = NULL;
        if (--p->refs == 0)
            pool_free(p);
    }
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

static int try_create(struct nf_io *io, struct xdpe *x, uint32_t xdp_flags, bool join)
{
    struct xsk_socket_config sc = {.rx_size = RING, .tx_size = TX_RING,
                                   .libxdp_flags = 0, .xdp_flags = xdp_flags,
                                   .bind_flags = XDP_USE_NEED_WAKEUP};
    struct xpool *p = x->pool;
    if (!join)
        return xsk_socket__create(&x->xsk, io->opts.ifname, 0, p->umem, &x->rx, &x->tx, &sc);
    /* a second interface: own fill and completion rings, the pool's frames
     * (the kernel takes the bind flags from the UMEM's first socket) */
    return xsk_socket__create_shared(&x->xsk, io->opts.ifname, 0, p->umem, &x->rx, &x->tx,
                                     &x->fq, &x->cq, &sc);
}

static struct xpool *pool_new(struct xdpe *x, bool leave_prog, const char *ifn, char *err,
                              size_t errlen, int *rc)
{
    struct xpool *p = calloc(1, sizeof(*p));
    if (!p) {
        *rc = -ENOMEM;
        scc_errf(err, errlen, "calloc: %s: xdp pool", strerror(ENOMEM));
        return NULL;
    }
    p->leave_prog = leave_prog;
    p->len = (size_t)POOL_FRAMES * FRAME;
    p->area = aligned_alloc((size_t)sysconf(_SC_PAGESIZE), p->len);
    p->state = calloc(POOL_FRAMES, 1);
    p->holder = calloc(POOL_FRAMES, 1);
    p->free = calloc(POOL_FRAMES, sizeof(*p->free));
    if (!p->area || !p->state || !p->holder || !p->free) {
        scc_errf(err, errlen, "allocating the UMEM (%zu bytes): %s", p->len, strerror(ENOMEM));
        *rc = -ENOMEM;
        goto err;
    }
    struct xsk_umem_config uc = {.fill_size = RING, .comp_size = RING,
                                 .frame_size = FRAME, .frame_headroom = 0, .flags = 0};
    int r = xsk_umem__create(&p->umem, p->area, p->len, &x->fq, &x->cq, &uc);
    if (r < 0) {
        scc_errf(err, errlen, "xsk_umem__create: %s: %s%s", strerror(-r), ifn,
                 r == -EPERM ? " (needs CAP_NET_RAW and CAP_BPF/CAP_SYS_ADMIN)" : "");
        p->umem = NULL;
        *rc = r;
        goto err;
    }
    /* every frame starts free (state 0 is F_FREE); the stack pops the low
     * addresses first */
    for (unsigned i = POOL_FRAMES; i-- > 0;)
        p->free[p->nfree++] = (uint64_t)i * FRAME;
    p->count[F_FREE] = POOL_FRAMES;
    return p;
err:
    pool_free(p);
    return NULL;
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
    x->held = calloc(POOL_FRAMES, sizeof(*x->held));
    if (!x->held) {
        scc_errf(err, errlen, "calloc: %s: xdp engine", strerror(ENOMEM));
        return -ENOMEM;
    }
    libbpf_set_print(bpf_print);
    libxdp_set_print(xdp_print);
    /* join the pool of the handle to share with, if it is an xdp handle
     * with a free socket slot */
    const struct nf_io *sh = io->opts.xdp_share;
    struct xpool *jp = sh && sh->opts.engine == NF_IO_XDP && sh->eng
                           ? ((const struct xdpe *)sh->eng)->pool : NULL;
    if (jp && jp->nsocks >= MAX_SOCKS)
        jp = NULL;
    int r;
    const char *mode = "native";
    if (jp) {
        x->pool = jp;
        r = try_create(io, x, XDP_FLAGS_DRV_MODE, true);
        if (r < 0) {
            x->xsk = NULL;
            mode = "generic";
            r = try_create(io, x, XDP_FLAGS_SKB_MODE, true);
        }
        if (r < 0) {
            /* the kernel or libxdp would not share: this handle gets its own
             * pool and its sends copy */
            scc_info("%s: sharing %s's UMEM: %s; a UMEM of its own (sends copy)", ifn,
                     sh->opts.ifname, strerror(-r));
            x->xsk = NULL;
            x->pool = NULL;
            jp = NULL;
            memset(&x->fq, 0, sizeof(x->fq));
            memset(&x->cq, 0, sizeof(x->cq));
            memset(&x->rx, 0, sizeof(x->rx));
            memset(&x->tx, 0, sizeof(x->tx));
        }
    }
    if (!jp) {
        x->pool = pool_new(x, io->opts.xdp_leave_prog, ifn, err, errlen, &r);
        if (!x->pool)
            return r;
        /* native (driver) mode first: veth has it, and it is the fast path
         * where a real driver supports it; generic (SKB) mode works on every
         * interface */
        mode = "native";
        r = try_create(io, x, XDP_FLAGS_DRV_MODE, false);
        if (r < 0) {
            x->xsk = NULL;
            mode = "generic";
            r = try_create(io, x, XDP_FLAGS_SKB_MODE, false);
        }
    }
    struct xpool *p = x->pool;
    x->idx = p->nsocks;
    p->socks[p->nsocks++] = x; /* before any failure: close finds it */
    p->refs++;
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
    snprintf(x->desc, sizeof(x->desc), "xdp-%s-%s%s", mode, zc ? "zerocopy" : "copy",
             jp ? "+shared" : "");
    if (jp) /* the first socket shares now too */
        for (unsigned s = 0; s < p->nsocks; s++)
            if (p->socks[s] && !strstr(p->socks[s]->desc, "+shared"))
                scc_strlcpy(p->socks[s]->desc + strlen(p->socks[s]->desc), "+shared",
                            sizeof(p->socks[s]->desc) - strlen(p->socks[s]->desc));
    x->fill_target = jp ? FILL_JOINER : FILL_FIRST;
    refill(x);
    scc_info("%s: AF_XDP socket on queue 0, %s mode, %s%s%s", ifn, mode,
             zc ? "zero copy (XDP_ZEROCOPY)" : "copy mode (XDP_COPY)",
             jp ? ", UMEM shared with " : "", jp ? sh->opts.ifname : "");
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
