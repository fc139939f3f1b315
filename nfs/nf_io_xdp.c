/*
 * nf_io_xdp — the xdp engine of nf_io: raw Ethernet frames on one interface
 * through AF_XDP sockets (libxdp), instead of an AF_PACKET socket.
 *
 * One socket per receive queue: a NIC spreads frames over its RX queues
 * (RSS), and a veth made with `numrxqueues N` hands a frame to the peer's
 * RX queue of the index its sender's TX queue had. libxdp's program looks
 * the frame's queue up in its XSKMAP; a queue without a socket passes the
 * frame to the kernel's stack, where the NF never sees it. So open finds
 * how many RX queues the interface has (ETHTOOL_GCHANNELS, which answers
 * for the socket's network namespace; else /sys/class/net/IF/queues/rx-*),
 * capped by opts.xdp_queues, and binds one socket to each. The handle's
 * sockets share its UMEM: the first is made with xsk_socket__create, every
 * other with xsk_socket__create_shared (its own fill and completion rings,
 * the same frames). Receiving takes up to a batch round-robin over the
 * sockets, starting after the socket where the last call's batch filled
 * up, so a busy queue cannot starve the others; block idle sleeps in one
 * poll() on all of them. Sending uses queue 0's socket only (the only one
 * with a TX ring): the queue a frame leaves on does not matter to the peer
 * of a veth, and a NIC transmits from any queue.
 *
 * Frames live in a UMEM pool (struct xpool) of 2 KiB frames, allocated at
 * open; its size follows the number of queues (pool_frames()). libxdp
 * attaches its default redirect program to the interface (native driver
 * mode where the driver has it, else generic/SKB mode) and puts each socket
 * in the program's XSKMAP for its queue; the sockets bind with
 * XDP_USE_NEED_WAKEUP, so the data path makes a system call only when the
 * kernel asks for one (a recvfrom to refill, a sendto to transmit).
 * Whether the kernel gave zero copy (XDP_ZEROCOPY: real NICs with driver
 * support) or copy mode (veth, generic mode) is read back with XDP_OPTIONS
 * and reported by nf_io_engine_desc() ("xdp-native-copy", ...; ", 2 queues"
 * when there is more than one).
 *
 * Sharing: a handle opened with opts.xdp_share (an NF's output handle,
 * naming its input) joins that handle's pool with xsk_socket__create_shared
 * instead of making its own: its sockets get their own fill and completion
 * rings but the same frames. Then forwarding is a descriptor move: a
 * received frame's descriptor goes onto the other handle's TX ring as it
 * is, and its frame returns to a fill ring after the TX completion. A
 * packet whose frame is not in the pool (an element's own buffer, another
 * pool, a frame already sent) is copied into a free frame; the descriptor
 * gets "+shared" in its description when the pool is shared.
 *
 * Frame ownership is tracked per frame (state[] and holder[]), with a count
 * per state kept at every hand-over:
 *   FREE  in the pool's free stack
 *   FILL  given to the kernel for receiving: a fill ring, the kernel, an RX
 *         ring not yet read (nfill of the socket whose fill ring it went to)
 *   HELD  handed to the caller by nf_io_recv (or nf_io_tx_bufs) of the
 *         handle `holder`
 *   TX    given to the kernel for sending: a TX ring, the kernel, a
 *         completion ring not yet read
 * A descriptor the kernel hands back for a frame not in the state it must
 * be in (an RX frame that was not FILL, a completion that was not TX) is
 * counted in errors: that is a frame used twice. nf_io_frames() recounts
 * the states and checks them against the counts and the rings' own lists.
 * Frames are interchangeable between the sockets of a pool: a frame
 * received on queue 1 may go back to queue 0's fill ring, so FILL is
 * counted per socket (what its fill ring was given minus what its RX ring
 * returned) and the sum is checked.
 *
 * Receive: packets point into the UMEM (no copy); at the next nf_io_recv
 * the frames the caller did not send go back to the handle's fill rings,
 * which are then topped up from the free stack. Send: a frame the caller
 * holds moves to the TX ring, anything else is copied; completed frames go
 * to the free stack (every TX socket's completion ring is drained, since a
 * frame sent on one handle is refilled on another). A full TX ring or no
 * free frame for a copy drops the rest of the request (tx_drop_again).
 *
 * Teardown: xsk_socket__delete removes each socket from the map and libxdp
 * detaches the program when no other socket uses it; the pool goes with its
 * last handle. A killed process leaves the program attached: `ip link set
 * dev IF xdp off` (and xdpgeneric off) removes it (docs/io.md).
 */
#include "nfs/nf_io_int.h"

#include <dirent.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "common/scc_log.h"
#include "common/scc_util.h"

#define FRAME 2048u
#define RING 2048u         /* RX, fill and completion ring entries per socket */
#define TX_RING 1024u
#define MAX_HANDLES 2u     /* an NF's input and the output that joins its pool */
/*
 * How many frames each socket keeps in its fill ring, and so how big the
 * pool is. We scale the pool with the queues rather than split one fixed
 * pool: a queue's fill ring is all it has to absorb a burst (RSS does not
 * spread a burst of one flow), and splitting 2048 frames over 2 queues
 * would halve what a 2-queue NF can take per flow compared with a 1-queue
 * one. Up to 4 queues every socket of the pool's first handle keeps
 * FILL_QUEUE (2048, what one socket kept before); beyond, the handle's
 * total stays FILL_FIRST_MAX (many queues mean a NIC that spreads the load,
 * so each gets a share), but never under FILL_MIN per queue. A joining
 * handle (an NF's output: it receives replies only) splits FILL_JOINER over
 * its queues, at least FILL_JOINER_MIN each, so it never takes more than
 * FILL_JOINER at up to 64 queues. The pool is sized when its first handle
 * opens: its fill + FILL_JOINER + SLACK (frames held by callers, in flight
 * on TX, copies). With one queue that is 2048 + 1024 + 1024 = 4096 frames
 * (8 MiB), as before; with 2 queues 6144; at most 16384 + 2048 (36 MiB, 64
 * queues). Should a joiner need more than it was sized for, refill hands
 * out what is free: fill rings run shorter, the accounting stays exact.
 */
#define FILL_QUEUE 2048u
#define FILL_FIRST_MAX 8192u
#define FILL_MIN 256u
#define FILL_JOINER 1024u
#define FILL_JOINER_MIN 16u
#define SLACK 1024u
#define MAX_QUEUES 64u     /* NF_IO_XDP_MAX_QUEUES */

_Static_assert(MAX_QUEUES == NF_IO_XDP_MAX_QUEUES, "nf_io.h and the engine disagree");
_Static_assert(FILL_QUEUE <= RING, "a fill ring holds a socket's whole target");
_Static_assert(FILL_JOINER_MIN * MAX_QUEUES <= FILL_JOINER,
               "a joiner's fill stays within FILL_JOINER up to MAX_QUEUES queues");

enum { F_FREE, F_FILL, F_HELD, F_TX, F_NSTATES };

struct xdpe;

struct xpool {
    struct xsk_umem *umem;
    uint8_t *area;
    size_t len;
    uint32_t nframes;
    uint8_t *state;             /* F_* per frame */
    uint8_t *holder;            /* F_HELD: the handle (index in handles) that handed it out */
    uint32_t count[F_NSTATES];  /* frames per state, kept at every hand-over */
    uint64_t *free;             /* stack of free frame addresses */
    unsigned nfree;
    uint64_t errors;            /* descriptors for frames in the wrong state */
    struct xdpe *handles[MAX_HANDLES];
    unsigned nhandles;          /* handles ever joined (slots are not reused) */
    unsigned refs;              /* open handles */
    unsigned nsocks;            /* open sockets over all handles */
    bool leave_prog;
};

/* One AF_XDP socket: one RX queue of the interface. */
struct xsock {
    struct xsk_socket *xsk;
    struct xsk_ring_prod fq, tx;  /* tx: queue 0's socket only */
    struct xsk_ring_cons cq, rx;
    unsigned queue;
    unsigned nfill, fill_target;  /* frames FILL on this socket, and how many it keeps */
    int fd;
    bool has_tx;
};

/* One nf_io handle: a socket per queue of its interface. */
struct xdpe {
    struct xpool *pool;
    unsigned idx;               /* in pool->handles */
    struct xsock *socks;        /* nq, socks[0] on queue 0 sends */
    unsigned nq, next;          /* next: the socket the next receive starts at */
    struct pollfd *pfd;         /* one per socket, for block idle's wait */
    int epfd;                   /* nq > 1: an epoll set of the sockets, nf_io_fd's answer */
    uint64_t *held;             /* frames handed out by the last recv / tx_bufs */
    unsigned nheld, held_cap;   /* held_cap: the batch */
    const char *mode;           /* "native" or "generic" */
    bool zc, shared;            /* zero copy; the pool has two handles */
    char desc[64];
};

/* The first handle's fill per socket, a joiner's, and the pool for a
 * first handle of nq queues (see FILL_QUEUE above). */
static unsigned fill_first(unsigned nq)
{
    unsigned t = FILL_FIRST_MAX / nq;
    return t > FILL_QUEUE ? FILL_QUEUE : t < FILL_MIN ? FILL_MIN : t;
}
static unsigned fill_joiner(unsigned nq)
{
    unsigned t = FILL_JOINER / nq;
    return t < FILL_JOINER_MIN ? FILL_JOINER_MIN : t;
}
static uint32_t pool_frames(unsigned nq)
{
    return fill_first(nq) * nq + FILL_JOINER + SLACK;
}

int nf_io_xdp_fd(const struct nf_io *io)
{
    const struct xdpe *x = io->eng;
    if (!x)
        return -1;
    /* poll() on an epoll set is readable when one of its sockets is, so a
     * caller that polls nf_io_fd() (scc-nf's two-way loop) wakes for every
     * queue */
    return x->nq > 1 ? x->epfd : x->socks[0].fd;
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

/* Completed transmissions of every TX socket of the pool go to the free
 * stack (a frame moved from handle A's RX to handle B's TX completes on B
 * but is needed in A's fill rings). */
static void reap_all(struct xpool *p)
{
    for (unsigned h = 0; h < p->nhandles; h++) {
        struct xdpe *x = p->handles[h];
        if (!x || !x->socks[0].has_tx)
            continue;
        struct xsock *s = &x->socks[0];
        uint32_t idx;
        unsigned n = xsk_ring_cons__peek(&s->cq, RING, &idx);
        for (unsigned i = 0; i < n; i++) {
            uint64_t a = *xsk_ring_cons__comp_addr(&s->cq, idx + i) & ~(uint64_t)(FRAME - 1);
            uint32_t f = frame_of(a);
            if (f >= p->nframes) {
                p->errors++;
                continue;
            }
            hand_over(p, f, F_TX, F_FREE);
            p->free[p->nfree++] = a;
        }
        if (n)
            xsk_ring_cons__release(&s->cq, n);
    }
}

/* Frames the caller still holds from the last recv/tx_bufs on this handle
 * (not sent: dropped, or sent by copy) go back to its fill rings; each
 * socket's ring is then topped up from the free stack to its target. */
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
    /* up to each socket's target: the held frames first, then free ones;
     * held frames beyond the targets (a sender's unsent tx_bufs) go to the
     * free stack. A fill ring (RING entries) has room: it holds at most
     * its socket's target. */
    for (unsigned q = 0; q < x->nq; q++) {
        struct xsock *s = &x->socks[q];
        unsigned room = s->fill_target > s->nfill ? s->fill_target - s->nfill : 0;
        unsigned from_held = x->nheld < room ? x->nheld : room;
        unsigned from_free = room - from_held < p->nfree ? room - from_held : p->nfree;
        uint32_t idx;
        unsigned n = from_held + from_free;
        if (!n || xsk_ring_prod__reserve(&s->fq, n, &idx) != n)
            continue;
        for (unsigned i = 0; i < n; i++) {
            uint64_t a;
            if (i < from_held) {
                a = x->held[--x->nheld];
                hand_over(p, frame_of(a), F_HELD, F_FILL);
            } else {
                a = p->free[--p->nfree];
                hand_over(p, frame_of(a), F_FREE, F_FILL);
            }
            *xsk_ring_prod__fill_addr(&s->fq, idx + i) = a;
        }
        xsk_ring_prod__submit(&s->fq, n);
        s->nfill += n;
    }
    while (x->nheld) {
        uint64_t a = x->held[--x->nheld];
        hand_over(p, frame_of(a), F_HELD, F_FREE);
        p->free[p->nfree++] = a;
    }
}

/* Take up to want - k frames from socket s's RX ring into out (from slot
 * k). Returns the new k. */
static unsigned take_sock(struct nf_io *io, struct xdpe *x, struct xsock *s, struct nf_batch *out,
                          unsigned k, unsigned want, uint64_t ts)
{
    struct xpool *p = x->pool;
    /* a truncated frame is held but not handed out: the held list (the
     * batch) bounds what is taken */
    unsigned lim = want - k < x->held_cap - x->nheld ? want - k : x->held_cap - x->nheld;
    uint32_t idx;
    unsigned n = lim ? xsk_ring_cons__peek(&s->rx, lim, &idx) : 0;
    for (unsigned i = 0; i < n; i++) {
        const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + i);
        uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);
        uint64_t base = addr & ~(uint64_t)(FRAME - 1);
        uint32_t f = frame_of(base);
        if (f >= p->nframes) {
            p->errors++;
            continue;
        }
        hand_over(p, f, F_FILL, F_HELD);
        p->holder[f] = (uint8_t)x->idx;
        s->nfill--;
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
    if (n)
        xsk_ring_cons__release(&s->rx, n);
    return k;
}

/* Up to want frames round-robin over the handle's sockets: from x->next
 * on; the next call starts after the socket where this one's batch filled
 * up (that socket was served; the ones after it were not), or one further
 * when every socket was drained, so each queue gets the first turn in its
 * order. Returns the frames taken (0: every RX ring empty). */
static unsigned take(struct nf_io *io, struct xdpe *x, struct nf_batch *out, unsigned want)
{
    unsigned k = 0, q = x->next;
    uint64_t ts = io->opts.timestamp ? scc_now_ns() : 0;
    bool full = false;
    for (unsigned i = 0; i < x->nq && !full; i++) {
        q = (x->next + i) % x->nq;
        k = take_sock(io, x, &x->socks[q], out, k, want, ts);
        full = k == want || x->nheld == x->held_cap;
    }
    x->next = (full ? q + 1 : x->next + 1) % x->nq;
    io->st.rx_pkts += k;
    out->n = k;
    return k;
}

int nf_io_xdp_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms)
{
    struct xdpe *x = io->eng;
    out->n = 0;
    unsigned want = io->batch < out->cap ? io->batch : out->cap;
    if (want == 0)
        return 0;
    refill(x);
    unsigned n = take(io, x, out, want);
    if (n)
        return (int)n;
    for (unsigned q = 0; q < x->nq; q++)
        if (xsk_ring_prod__needs_wakeup(&x->socks[q].fq)) {
            io->st.rx_empty_calls++;
            recvfrom(x->socks[q].fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
        }
    if (timeout_ms != 0 && io->opts.idle == NF_IO_BLOCK) {
        /* one poll() over every queue's socket */
        int r = poll(x->pfd, x->nq, timeout_ms);
        if (r > 0)
            io->st.rx_calls++;
        else
            io->st.rx_empty_calls++;
    } else if (timeout_ms != 0) {
        uint64_t end = timeout_ms < 0 ? UINT64_MAX
                                      : scc_now_ns() + (uint64_t)timeout_ms * 1000000u;
        for (unsigned spin = 1; (n = take(io, x, out, want)) == 0; spin++)
            if ((spin & 63) == 0 && scc_now_ns() >= end)
                break;
        return (int)n;
    }
    return (int)take(io, x, out, want);
}

/* Start transmission of what is on the TX ring (n: frames just added).
 * Copy mode sends at most 32 frames per call (the kernel's TX_BATCH_SIZE)
 * and fails with EAGAIN while more wait: kick again, once per 32. */
static void kick_tx(struct nf_io *io, struct xsock *s, unsigned n)
{
    if (!xsk_ring_prod__needs_wakeup(&s->tx))
        return;
    for (unsigned k = 0; k <= n / 32; k++) {
        io->st.tx_calls++;
        if (sendto(s->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
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
    struct xsock *s = &x->socks[0]; /* the handle's TX socket */
    int sent = 0;
    for (unsigned base = 0; base < n;) {
        unsigned chunk = n - base < io->batch ? n - base : io->batch;
        reap_all(p);
        /* copies need free frames: let copy mode complete earlier sends */
        if (p->nfree < chunk && xsk_ring_prod__needs_wakeup(&s->tx)) {
            kick_tx(io, s, 0);
            reap_all(p);
        }
        uint32_t idx;
        unsigned room = xsk_ring_prod__reserve(&s->tx, chunk, &idx);
        if (room == 0) {
            /* TX ring full: take what fits */
            room = xsk_prod_nb_free(&s->tx, chunk);
            if (room > chunk)
                room = chunk;
            room = room ? xsk_ring_prod__reserve(&s->tx, room, &idx) : 0;
        }
        unsigned i = 0;
        for (; i < room; i++) {
            const struct nf_pkt *pk = pkts[base + i];
            struct xdp_desc *d = xsk_ring_prod__tx_desc(&s->tx, idx + i);
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
        s->tx.cached_prod -= room - i; /* give back the slots not filled */
        if (i)
            xsk_ring_prod__submit(&s->tx, i);
        kick_tx(io, s, i);
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
    if (p->nfree < n && xsk_ring_prod__needs_wakeup(&x->socks[0].tx)) {
        kick_tx(io, &x->socks[0], 0);
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
        for (unsigned h = 0; h < p->nhandles; h++) {
            struct xsock *s = p->handles[h] ? &p->handles[h]->socks[0] : NULL;
            if (s && s->has_tx && xsk_ring_prod__needs_wakeup(&s->tx))
                sendto(s->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
        }
        poll(NULL, 0, 1);
        reap_all(p);
    }
    uint32_t c[F_NSTATES] = {0};
    for (unsigned f = 0; f < p->nframes; f++)
        c[p->state[f] < F_NSTATES ? p->state[f] : F_FREE]++;
    /* each state's count must match the per-frame states, and the lists
     * that hold them: the free stack, every socket's fill count, the
     * handles' held lists */
    uint32_t fill = 0, held = 0;
    for (unsigned h = 0; h < p->nhandles; h++) {
        const struct xdpe *y = p->handles[h];
        if (!y)
            continue;
        for (unsigned q = 0; q < y->nq; q++)
            fill += y->socks[q].nfill;
        for (unsigned i = 0; i < y->nheld; i++) {
            uint32_t f = frame_of(y->held[i]);
            held += p->state[f] == F_HELD && p->holder[f] == y->idx;
        }
    }
    bool ok = memcmp(c, p->count, sizeof(c)) == 0 && c[F_FREE] == p->nfree &&
              c[F_FILL] == fill && c[F_HELD] == held;
    *out = (struct nf_io_frames){.total = p->nframes, .free = c[F_FREE], .fill = c[F_FILL],
                                 .held = c[F_HELD], .tx = c[F_TX], .errors = p->errors,
                                 .consistent = ok, .sockets = p->nsocks, .queues = x->nq};
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
    /* the queues beyond 0 first: queue 0's socket of the pool's first
     * handle holds the UMEM's own fd */
    for (unsigned q = x->nq; x->socks && q-- > 0;) {
        struct xsock *s = &x->socks[q];
        if (io->opts.xdp_leave_prog) {
            /* no bpf()/netlink here: close the socket (and with it its
             * rings; the kernel frees them); libxdp's small bookkeeping
             * structs go with the process */
            if (s->fd >= 0)
                close(s->fd);
        } else if (s->xsk) {
            xsk_socket__delete(s->xsk); /* detaches libxdp's program when last */
        }
        if (s->xsk && p)
            p->nsocks--;
    }
    if (x->epfd >= 0)
        close(x->epfd);
    if (p) {
        p->handles[x->idx] = NULL;
        if (--p->refs == 0)
            pool_free(p);
    }
    free(x->socks);
    free(x->pfd);
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

/* The interface's RX queues: ETHTOOL_GCHANNELS (combined + rx-only
 * channels) through a socket of our network namespace, so it names our
 * interface even where /sys shows another namespace's (scc-nf starts in
 * its namespace with the root's /sys mounted); veth answers with its real
 * RX queue count. Drivers without the call: the rx-* entries of
 * /sys/class/net/IF/queues. 1 when neither says. */
static unsigned rx_queues(const char *ifn)
{
    unsigned n = 0;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        struct ethtool_channels ch = {.cmd = ETHTOOL_GCHANNELS};
        struct ifreq ifr;
        memset(&ifr, 0, sizeof(ifr));
        scc_strlcpy(ifr.ifr_name, ifn, sizeof(ifr.ifr_name));
        ifr.ifr_data = (void *)&ch;
        if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
            n = ch.combined_count + ch.rx_count;
        close(fd);
    }
    if (n == 0) {
        char path[64 + IF_NAMESIZE];
        snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifn);
        DIR *d = opendir(path);
        for (struct dirent *e; d && (e = readdir(d));)
            n += strncmp(e->d_name, "rx-", 3) == 0;
        if (d)
            closedir(d);
    }
    return n ? n : 1;
}

/* Socket q of the handle. first: the pool's first socket (its UMEM's own
 * fd and rings, from xsk_umem__create); any other gets its own fill and
 * completion rings on the same frames (the kernel takes the bind flags
 * from the UMEM's first socket). Queue 0 has the TX ring. */
static int sock_create(struct nf_io *io, struct xdpe *x, unsigned q, uint32_t xdp_flags,
                       bool first)
{
    struct xsock *s = &x->socks[q];
    struct xsk_socket_config sc = {.rx_size = RING, .tx_size = TX_RING,
                                   .libxdp_flags = 0, .xdp_flags = xdp_flags,
                                   .bind_flags = XDP_USE_NEED_WAKEUP};
    struct xpool *p = x->pool;
    s->queue = q;
    s->has_tx = q == 0;
    int r;
    /* EBUSY: a socket closed on this queue a moment ago (the last run's
     * generator) still holds it: the kernel drops a closed socket's claim
     * on its queue in a deferred work item (xp_put_pool), so a bind right
     * after can find the queue taken. Retry for up to ~200 ms before
     * calling it someone else's. */
    for (int tries = 0;; tries++) {
        r = first ? xsk_socket__create(&s->xsk, io->opts.ifname, q, p->umem, &s->rx, &s->tx, &sc)
                  : xsk_socket__create_shared(&s->xsk, io->opts.ifname, q, p->umem, &s->rx,
                                              s->has_tx ? &s->tx : NULL, &s->fq, &s->cq, &sc);
        if (r != -EBUSY || tries == 20)
            break;
        poll(NULL, 0, 10);
    }
    if (r < 0) {
        s->xsk = NULL;
        memset(&s->fq, 0, sizeof(s->fq));
        memset(&s->cq, 0, sizeof(s->cq));
        memset(&s->rx, 0, sizeof(s->rx));
        memset(&s->tx, 0, sizeof(s->tx));
        return r;
    }
    s->fd = xsk_socket__fd(s->xsk);
    p->nsocks++;
    return 0;
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
    p->nframes = pool_frames(x->nq);
    p->len = (size_t)p->nframes * FRAME;
    p->area = aligned_alloc((size_t)sysconf(_SC_PAGESIZE), p->len);
    p->state = calloc(p->nframes, 1);
    p->holder = calloc(p->nframes, 1);
    p->free = calloc(p->nframes, sizeof(*p->free));
    if (!p->area || !p->state || !p->holder || !p->free) {
        scc_errf(err, errlen, "allocating the UMEM (%zu bytes): %s", p->len, strerror(ENOMEM));
        *rc = -ENOMEM;
        goto err;
    }
    /* the UMEM's own rings become queue 0's socket's (xsk_socket__create) */
    struct xsk_umem_config uc = {.fill_size = RING, .comp_size = RING,
                                 .frame_size = FRAME, .frame_headroom = 0, .flags = 0};
    int r = xsk_umem__create(&p->umem, p->area, p->len, &x->socks[0].fq, &x->socks[0].cq, &uc);
    if (r < 0) {
        scc_errf(err, errlen, "xsk_umem__create: %s: %s%s", strerror(-r), ifn,
                 r == -EPERM ? " (needs CAP_NET_RAW and CAP_BPF/CAP_SYS_ADMIN)" : "");
        p->umem = NULL;
        *rc = r;
        goto err;
    }
    /* every frame starts free (state 0 is F_FREE); the stack pops the low
     * addresses first */
    for (unsigned i = p->nframes; i-- > 0;)
        p->free[p->nfree++] = (uint64_t)i * FRAME;
    p->count[F_FREE] = p->nframes;
    return p;
err:
    pool_free(p);
    return NULL;
}

/* nf_io_engine_desc(): "xdp-native-copy", "+shared" when the pool has
 * two handles, ", 2 queues" when the handle has more than one socket. */
static void describe(struct xdpe *x)
{
    char qs[24] = "";
    if (x->nq > 1)
        snprintf(qs, sizeof(qs), ", %u queues", x->nq);
    snprintf(x->desc, sizeof(x->desc), "xdp-%s-%s%s%s", x->mode, x->zc ? "zerocopy" : "copy",
             x->shared ? "+shared" : "", qs);
}

/* Queue 0's socket: native (driver) mode first (veth has it, and it is the
 * fast path where a real driver supports it), generic (SKB) mode works on
 * every interface. *flags: the mode that took, for the other queues. */
static int create_q0(struct nf_io *io, struct xdpe *x, bool first, uint32_t *flags)
{
    *flags = XDP_FLAGS_DRV_MODE;
    int r = sock_create(io, x, 0, *flags, first);
    if (r < 0) {
        *flags = XDP_FLAGS_SKB_MODE;
        r = sock_create(io, x, 0, *flags, first);
    }
    return r;
}

int nf_io_xdp_open(struct nf_io *io, char *err, size_t errlen)
{
    const char *ifn = io->opts.ifname;
    if (!ifn[0]) {
        scc_errf(err, errlen, "xdp transport needs an interface name");
        return -EINVAL;
    }
    if (io->opts.xdp_queues > MAX_QUEUES) {
        scc_errf(err, errlen, "xdp_queues %u out of range 0..%u (0: every RX queue of %s)",
                 io->opts.xdp_queues, MAX_QUEUES, ifn);
        return -EINVAL;
    }
    struct xdpe *x = calloc(1, sizeof(*x));
    if (!x) {
        scc_errf(err, errlen, "calloc: %s: xdp engine", strerror(errno));
        return -ENOMEM;
    }
    io->eng = x;
    x->epfd = -1;
    unsigned have = rx_queues(ifn);
    x->nq = io->opts.xdp_queues && io->opts.xdp_queues < have ? io->opts.xdp_queues : have;
    if (x->nq > MAX_QUEUES) {
        scc_warn("%s has %u RX queues; AF_XDP sockets on the first %u only (frames on the "
                 "others go to the kernel's stack: steer the traffic to them)",
                 ifn, have, MAX_QUEUES);
        x->nq = MAX_QUEUES;
    }
    x->held_cap = io->batch;
    x->socks = calloc(x->nq, sizeof(*x->socks));
    x->pfd = calloc(x->nq, sizeof(*x->pfd));
    x->held = calloc(x->held_cap, sizeof(*x->held));
    if (!x->socks || !x->pfd || !x->held) {
        scc_errf(err, errlen, "calloc: %s: xdp engine", strerror(ENOMEM));
        return -ENOMEM;
    }
    for (unsigned q = 0; q < x->nq; q++)
        x->socks[q].fd = -1;
    libbpf_set_print(bpf_print);
    libxdp_set_print(xdp_print);
    /* join the pool of the handle to share with, if it is an xdp handle
     * with a free handle slot */
    const struct nf_io *sh = io->opts.xdp_share;
    struct xpool *jp = sh && sh->opts.engine == NF_IO_XDP && sh->eng
                           ? ((const struct xdpe *)sh->eng)->pool : NULL;
    if (jp && jp->nhandles >= MAX_HANDLES)
        jp = NULL;
    int r = 0;
    uint32_t flags = 0;
    if (jp) {
        x->pool = jp;
        r = create_q0(io, x, false, &flags);
        if (r < 0) {
            /* the kernel or libxdp would not share: this handle gets its own
             * pool and its sends copy */
            scc_info("%s: sharing %s's UMEM: %s; a UMEM of its own (sends copy)", ifn,
                     sh->opts.ifname, strerror(-r));
            x->pool = NULL;
            jp = NULL;
        }
    }
    if (!jp) {
        x->pool = pool_new(x, io->opts.xdp_leave_prog, ifn, err, errlen, &r);
        if (!x->pool)
            return r;
        r = create_q0(io, x, true, &flags);
    }
    struct xpool *p = x->pool;
    x->idx = p->nhandles;
    p->handles[p->nhandles++] = x; /* before any failure: close finds it */
    p->refs++;
    /* the other queues, in the mode queue 0 got */
    unsigned q = 0;
    while (r >= 0 && ++q < x->nq)
        r = sock_create(io, x, q, flags, false);
    if (r < 0) {
        scc_errf(err, errlen, "xsk_socket__create: %s: %s queue %u%s", strerror(-r), ifn, q,
                 r == -EBUSY ? " (another XDP program or socket has it: ip link set dev IF xdp off)"
                 : r == -EPERM ? " (needs CAP_NET_ADMIN, CAP_BPF)" : "");
        return r;
    }
    struct xdp_options xo = {0};
    socklen_t ol = sizeof(xo);
    bool zc = getsockopt(x->socks[0].fd, SOL_XDP, XDP_OPTIONS, &xo, &ol) == 0 &&
              (xo.flags & XDP_OPTIONS_ZEROCOPY);
    for (q = 0; q < x->nq; q++) {
        x->socks[q].fill_target = jp ? fill_joiner(x->nq) : fill_first(x->nq);
        x->pfd[q] = (struct pollfd){.fd = x->socks[q].fd, .events = POLLIN};
    }
    if (x->nq > 1) {
        x->epfd = epoll_create1(EPOLL_CLOEXEC);
        for (q = 0; x->epfd >= 0 && q < x->nq; q++) {
            struct epoll_event ev = {.events = EPOLLIN, .data.u32 = q};
            if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, x->socks[q].fd, &ev) < 0)
                break;
        }
        if (x->epfd < 0 || q < x->nq) {
            r = -errno;
            scc_errf(err, errlen, "epoll over the %u AF_XDP sockets of %s: %s", x->nq, ifn,
                     strerror(errno));
            return r;
        }
    }
    x->mode = flags == XDP_FLAGS_DRV_MODE ? "native" : "generic";
    x->zc = zc;
    x->shared = jp != NULL;
    describe(x);
    if (jp) /* the first handle's pool is shared now too */
        for (unsigned h = 0; h < p->nhandles; h++)
            if (p->handles[h] && !p->handles[h]->shared) {
                p->handles[h]->shared = true;
                describe(p->handles[h]);
            }
    refill(x);
    char qtxt[48];
    if (x->nq > 1)
        snprintf(qtxt, sizeof(qtxt), "queues 0-%u (%u of %u)", x->nq - 1, x->nq, have);
    else
        snprintf(qtxt, sizeof(qtxt), "queue 0%s", have > 1 ? " only" : "");
    scc_info("%s: AF_XDP socket%s on %s, %s mode, %s%s%s", ifn, x->nq > 1 ? "s" : "", qtxt, x->mode,
             zc ? "zero copy (XDP_ZEROCOPY)" : "copy mode (XDP_COPY)",
             jp ? ", UMEM shared with " : "", jp ? sh->opts.ifname : "");
    return 0;
}

/* XDP_STATISTICS of every socket of the handle: frames the kernel dropped
 * (no room in an RX ring, no frame in a fill ring, invalid). 0 or -errno. */
int nf_io_xdp_kernel_drops(struct nf_io *io, uint64_t *drops)
{
    struct xdpe *x = io->eng;
    if (!x)
        return -EBADF;
    uint64_t sum = 0;
    for (unsigned q = 0; q < x->nq; q++) {
        struct xdp_statistics s;
        socklen_t l = sizeof(s);
        if (getsockopt(x->socks[q].fd, SOL_XDP, XDP_STATISTICS, &s, &l) < 0)
            return -errno;
        sum += s.rx_dropped + s.rx_ring_full + s.rx_fill_ring_empty_descs + s.rx_invalid_descs;
    }
    *drops = sum;
    return 0;
}
