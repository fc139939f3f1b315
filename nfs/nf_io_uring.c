/*
 * nf_io_uring — the uring engine of nf_io: the wire formats of nf_io.c (raw
 * AF_PACKET frames, VXLAN-in-UDP) moved through an io_uring instead of
 * recvmmsg/sendmmsg.
 *
 * Receive: one multishot IORING_OP_RECVMSG (Linux 6.0+) with buffer
 * selection from a provided-buffer ring registered at open. The kernel
 * keeps it armed: every datagram that arrives lands in a free ring buffer
 * and posts one completion, so the loop only reads the completion queue —
 * no system call per batch when SQPOLL is on or completions are already
 * there. Each buffer starts with the kernel's io_uring_recvmsg_out header
 * (no name, no control data) followed by the payload; packets handed to the
 * caller point at the payload (no copy), and the buffers go back to the
 * ring at the start of the next nf_io_recv, which is when the nf_io
 * contract says the caller is done with them. A multishot receive that
 * finds the ring empty ends (-ENOBUFS, counted in rx_nobufs); it is re-armed
 * once buffers are back, and frames meanwhile wait in the socket queue.
 *
 * Send: one IORING_OP_SENDMSG per packet, a whole batch per submission, with
 * MSG_DONTWAIT so a full socket completes with -EAGAIN (a counted drop)
 * instead of parking the request: nf_io_send waits for all of its
 * completions before it returns, so it keeps no packet (the contract) and
 * the receive buffers a forwarder sends from are free again when it returns.
 * Without SQPOLL the submission is one io_uring_enter that also waits (the
 * sends complete inline); with SQPOLL the kernel's thread picks them up and
 * the loop spins on the completion queue.
 *
 * Counters: rx_calls / rx_empty_calls / tx_calls count the io_uring_enter
 * calls this file makes (liburing enters only when it must: with SQPOLL,
 * when the kernel thread has gone to sleep and needs a wake-up).
 *
 * Note for the sandbox: io_uring requests are not system calls, so a
 * seccomp filter never sees them; scc-nf's filter allows io_uring_enter
 * only when this engine is in use (docs/io.md).
 */
#include "nfs/nf_io_int.h"

#include <errno.h>
#include <liburing.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "common/scc_util.h"

#define UD_RECV 1ull
#define UD_SEND 2ull
#define BGID 0
/* io_uring_recvmsg_out: 16 bytes, then (no) name and (no) control data */
#define RX_HDR ((unsigned)sizeof(struct io_uring_recvmsg_out))
/* The SQ thread sleeps after this much idle time (ms); then a submission
 * costs one wake-up io_uring_enter. Short: unless pinned (uring_sqpoll_cpu)
 * the thread inherits the NF's CPU affinity, so while it spins it takes
 * the NF's own core. */
#define SQ_IDLE_MS 2
/* With SQPOLL, a send completion not seen after this many empty peeks is
 * waited for in the kernel instead. Only when the thread cannot be on the
 * caller's CPU (pinned elsewhere) or the caller spins anyway (busy idle):
 * a block-idle caller that shares its CPU with the thread waits in the
 * kernel at once, because spinning there keeps the thread that would
 * complete the sends off the CPU (docs/io.md, "kernel drops"). */
#define SEND_SPINS 100000u
/* Block idle: 20 us, a few SQ thread loops. The thread pinned elsewhere
 * sends a batch of 32 64-byte frames on veth in ~60-100 us here (each send
 * runs the peer's receive too), so most batches' waits end in the kernel:
 * one io_uring_enter per batch. uring_spin_us raises the bound (200: 7x
 * fewer system calls than raw); 200 by default doubled the p50 of two NFs
 * sharing a core and let frames overflow (docs/io.md, measured). */
#define SEND_SPIN_NS 20000u

/* A spinning wait's pause: tells an SMT sibling (and the hypervisor) that
 * this thread only polls. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

struct rx_rec {
    int32_t res;
    uint32_t flags;
};

struct uring {
    struct io_uring ring;
    bool ring_ok, sqpoll, armed;
    bool tx_spin;                    /* SQPOLL: spin for send completions (see SEND_SPINS) */
    uint64_t spin_ns;                /* block idle, SQ thread elsewhere: peek this long
                                      * before entering the kernel (uring_spin_us) */
    struct io_uring_buf_ring *br;
    size_t br_len;
    uint8_t *bufs;
    unsigned nbufs, buf_sz, pay_off; /* pay_off: VXLAN header before the frame (udp) */
    struct msghdr rx_mh;             /* multishot template: no name, no control */
    struct rx_rec *pend;             /* completions with a buffer, not yet handed out */
    unsigned pend_head, pend_n;
    uint16_t *held;                  /* buffers handed out (or dropped) by the last recv */
    unsigned nheld;
    uint32_t *tx_len;                /* frame bytes of each slot in flight */
    unsigned inflight, sent;
    bool warned_rx, warned_tx;
};

static unsigned pow2_at_least(unsigned v)
{
    unsigned p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

static uint8_t *buf_of(struct uring *u, unsigned bid)
{
    return u->bufs + (size_t)bid * u->buf_sz;
}

/* Hand the buffers of the last batch back to the kernel in one release. */
static void recycle(struct uring *u)
{
    if (!u->nheld)
        return;
    int mask = io_uring_buf_ring_mask(u->nbufs);
    for (unsigned i = 0; i < u->nheld; i++)
        io_uring_buf_ring_add(u->br, buf_of(u, u->held[i]), u->buf_sz, u->held[i], mask, (int)i);
    io_uring_buf_ring_advance(u->br, (int)u->nheld);
    u->nheld = 0;
}

/* Submit what is queued. Counts the io_uring_enter liburing makes: always
 * without SQPOLL; with it only when the thread asked to be woken. */
static int submit(struct nf_io *io, struct uring *u, unsigned wait_nr, uint64_t *calls)
{
    bool enters = !u->sqpoll || wait_nr ||
                  (IO_URING_READ_ONCE(*u->ring.sq.kflags) & IORING_SQ_NEED_WAKEUP);
    int r = wait_nr ? io_uring_submit_and_wait(&u->ring, wait_nr) : io_uring_submit(&u->ring);
    if (enters)
        (*calls)++;
    (void)io;
    return r < 0 && r != -EINTR && r != -ETIME ? r : 0;
}

static int arm(struct nf_io *io, struct uring *u)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    if (!sqe)
        return -EBUSY; /* cannot happen: sends never leave SQEs queued */
    io_uring_prep_recvmsg_multishot(sqe, io->fd, &u->rx_mh, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BGID;
    io_uring_sqe_set_data64(sqe, UD_RECV);
    u->armed = true;
    return submit(io, u, 0, &io->st.rx_empty_calls);
}

static void tx_complete(struct nf_io *io, struct uring *u, const struct io_uring_cqe *c)
{
    unsigned slot = (unsigned)(c->user_data >> 8);
    u->inflight--;
    if (c->res >= 0) {
        io->st.tx_pkts++;
        io->st.tx_bytes += u->tx_len[slot];
        u->sent++;
        return;
    }
    int e = -c->res;
    if (e == EAGAIN || e == EWOULDBLOCK) {
        io->st.tx_drop_again++;
    } else if (e == ENOBUFS) {
        io->st.tx_drop_nobufs++;
    } else {
        io->st.tx_drop_other++;
        if (!u->warned_tx) {
            u->warned_tx = true;
            scc_warn("io_uring sendmsg: %s: %s transport over uring (first such drop; counted "
                     "from now on)", strerror(e), io->ops->name);
        }
    }
}

/* Read every completion there is: receive completions with a buffer are
 * queued in pend (in arrival order), send completions are accounted. */
static void reap(struct nf_io *io, struct uring *u)
{
    struct io_uring_cqe *c;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&u->ring, head, c) {
        seen++;
        if ((c->user_data & 0xff) == UD_SEND) {
            tx_complete(io, u, c);
            continue;
        }
        if (!(c->flags & IORING_CQE_F_MORE))
            u->armed = false; /* ended (ENOBUFS, CQ overflow, error): re-arm at next recv */
        if (c->res < 0) {
            if (c->res == -ENOBUFS) {
                io->st.rx_nobufs++;
            } else if (!u->warned_rx) {
                u->warned_rx = true;
                scc_warn("io_uring recvmsg: %s: %s transport over uring (re-armed)",
                         strerror(-c->res), io->ops->name);
            }
            continue;
        }
        if (!(c->flags & IORING_CQE_F_BUFFER))
            continue;
        /* at most nbufs completions hold a buffer, so pend cannot overflow */
        struct rx_rec *r = &u->pend[(u->pend_head + u->pend_n) % u->nbufs];
        r->res = c->res;
        r->flags = c->flags;
        u->pend_n++;
    }
    io_uring_cq_advance(&u->ring, seen);
}

/* Block idle with the SQ thread on another CPU: peek at the completion
 * queue for up to spin_ns before sleeping in the kernel. The thread runs
 * the multishot receive's task work and posts its completions while it is
 * awake, so a frame that arrives within the spin is taken with no system
 * call; without the spin every wake-up costs one io_uring_enter, as many
 * as raw's recvmmsg. Bounded, because the caller's own CPU may be shared
 * (the sink, other NFs). True when something is pending; false when the
 * spin ran out or the multishot receive ended (re-armed by the next recv;
 * sleeping on it would wait for nothing). */
static bool spin_rx(struct nf_io *io, struct uring *u)
{
    uint64_t until = scc_now_ns() + u->spin_ns;
    for (unsigned spin = 1;; spin++) {
        if (io_uring_cq_ready(&u->ring))
            reap(io, u);
        if (u->pend_n || !u->armed)
            return u->pend_n != 0;
        if ((spin & 15) == 0 && scc_now_ns() >= until)
            return false;
        cpu_relax();
    }
}

/* Wait for a completion: block idle in the kernel (one io_uring_enter,
 * bounded by timeout_ms; a signal ends it) after spin_rx where it applies,
 * busy idle spinning on the completion queue. */
static void wait_rx(struct nf_io *io, struct uring *u, int timeout_ms)
{
    if (io->opts.idle == NF_IO_BLOCK) {
        if (u->spin_ns && (spin_rx(io, u) || !u->armed))
            return;
        struct io_uring_cqe *c;
        struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000,
                                       .tv_nsec = (long long)(timeout_ms % 1000) * 1000000};
        io->st.rx_calls++; /* moved to rx_empty_calls below when nothing came */
        io_uring_wait_cqe_timeout(&u->ring, &c, timeout_ms < 0 ? NULL : &ts);
        reap(io, u);
        if (!u->pend_n) {
            io->st.rx_calls--;
            io->st.rx_empty_calls++;
        }
        return;
    }
    uint64_t end = timeout_ms < 0 ? UINT64_MAX : scc_now_ns() + (uint64_t)timeout_ms * 1000000u;
    for (unsigned spin = 1; !u->pend_n; spin++) {
        if (!u->sqpoll && io_uring_cq_ready(&u->ring) == 0 && (spin & 63) == 0) {
            /* without SQPOLL, completions of a multishot receive are
             * posted by task work that runs when this task enters the
             * kernel; an empty GETEVENTS enter lets it run */
            io->st.rx_empty_calls++;
            io_uring_get_events(&u->ring);
        }
        reap(io, u);
        if ((spin & 63) == 0 && scc_now_ns() >= end)
            break;
        if (!u->armed)
            break;
    }
}

int nf_io_uring_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms)
{
    struct uring *u = io->eng;
    out->n = 0;
    unsigned n = io->batch < out->cap ? io->batch : out->cap;
    if (n == 0)
        return 0;
    recycle(u); /* the caller is done with the last batch (nf_io contract) */
    reap(io, u);
    if (!u->armed) {
        int r = arm(io, u);
        if (r < 0)
            return r;
        reap(io, u);
    }
    if (!u->pend_n && timeout_ms != 0)
        wait_rx(io, u, timeout_ms);
    if (!u->pend_n)
        return 0;
    uint64_t ts = io->opts.timestamp ? scc_now_ns() : 0;
    uint32_t k = 0;
    while (u->pend_n && k < n) {
        struct rx_rec r = u->pend[u->pend_head];
        u->pend_head = (u->pend_head + 1) % u->nbufs;
        u->pend_n--;
        unsigned bid = r.flags >> IORING_CQE_BUFFER_SHIFT;
        uint8_t *buf = buf_of(u, bid);
        u->held[u->nheld++] = (uint16_t)bid;
        struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(buf, r.res, &u->rx_mh);
        if (!o)
            continue; /* cannot happen with no name and no control data */
        if (o->flags & MSG_TRUNC) {
            io->st.rx_truncated++;
            continue;
        }
        uint8_t *pay = io_uring_recvmsg_payload(o, &u->rx_mh);
        unsigned plen = io_uring_recvmsg_payload_length(o, r.res, &u->rx_mh);
        long fl = plen;
        if (u->pay_off) {
            fl = nf_io_vxlan_check(io, pay, plen);
            if (fl < 0)
                continue;
        }
        struct nf_pkt *p = &io->rx_pkts[k];
        p->data = pay + u->pay_off;
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

/* Wait until every send of this call has completed: reap what is there;
 * with SQPOLL spin a while (no system call), then wait in the kernel for
 * all that are left in one io_uring_enter. */
static int drain_tx(struct nf_io *io, struct uring *u)
{
    /* block idle spins at most SEND_SPIN_NS (or uring_spin_us, if longer)
     * even with the thread elsewhere: the NF's own core may be shared (the
     * sink, other NFs) */
    bool block = io->opts.idle == NF_IO_BLOCK;
    uint64_t bound = u->spin_ns > SEND_SPIN_NS ? u->spin_ns : SEND_SPIN_NS;
    uint64_t until = u->tx_spin && block ? scc_now_ns() + bound : 0;
    for (unsigned spin = 0; u->inflight;) {
        reap(io, u);
        if (!u->inflight)
            break;
        if (!u->tx_spin || ++spin >= SEND_SPINS ||
            (block && (spin & 63) == 0 && scc_now_ns() >= until)) {
            struct io_uring_cqe *c;
            io->st.tx_calls++;
            int r = io_uring_wait_cqe_nr(&u->ring, &c, u->inflight);
            if (r < 0 && r != -EINTR && r != -ETIME)
                return r;
            spin = 0;
        }
    }
    return 0;
}

int nf_io_uring_send(struct nf_io *io, struct nf_pkt *const *pkts, unsigned n)
{
    struct uring *u = io->eng;
    u->sent = 0;
    for (unsigned base = 0; base < n;) {
        unsigned chunk = n - base < io->batch ? n - base : io->batch;
        for (unsigned i = 0; i < chunk; i++) {
            const struct nf_pkt *p = pkts[base + i];
            struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
            if (!sqe) { /* the SQ holds batch + 1: not reached */
                chunk = i;
                break;
            }
            io->ops->tx_slot(io, i, p); /* fills io->tx_msgs[i] and its iovecs */
            u->tx_len[i] = p->len;
            io_uring_prep_sendmsg(sqe, io->fd, &io->tx_msgs[i].msg_hdr, MSG_DONTWAIT);
            io_uring_sqe_set_data64(sqe, UD_SEND | (uint64_t)i << 8);
            u->inflight++;
        }
        /* without SQPOLL one enter submits and waits: the sends complete
         * inline, so their completions are there when it returns */
        int r = submit(io, u, u->sqpoll ? 0 : chunk, &io->st.tx_calls);
        if (r < 0)
            return r;
        r = drain_tx(io, u);
        if (r < 0)
            return r;
        base += chunk;
    }
    return (int)u->sent;
}

void nf_io_uring_close(struct nf_io *io)
{
    struct uring *u = io->eng;
    if (!u)
        return;
    /* closing the ring cancels the multishot receive and drops the buffer
     * ring's registration (no io_uring_register, which scc-nf's seccomp
     * filter does not allow) */
    if (u->ring_ok)
        io_uring_queue_exit(&u->ring);
    if (u->br)
        munmap(u->br, u->br_len);
    free(u->bufs);
    free(u->pend);
    free(u->held);
    free(u->tx_len);
    free(u);
    io->eng = NULL;
}

/* True when the SQ thread is pinned to a CPU the caller may not run on:
 * then spinning on its completions does not take the CPU it needs. */
static bool sq_elsewhere(const struct nf_io *io, const struct nf_io *share)
{
    const struct nf_io_opts *o = share && share->opts.uring_sqpoll_pin ? &share->opts : &io->opts;
    if (!o->uring_sqpoll_pin)
        return false;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return false;
    return o->uring_sqpoll_cpu < 0 || o->uring_sqpoll_cpu >= CPU_SETSIZE ||
           !CPU_ISSET(o->uring_sqpoll_cpu, &set);
}

int nf_io_uring_open(struct nf_io *io, char *err, size_t errlen)
{
    struct uring *u = calloc(1, sizeof(*u));
    if (!u) {
        scc_errf(err, errlen, "calloc: %s: uring engine", strerror(errno));
        return -ENOMEM;
    }
    io->eng = u;
    u->sqpoll = io->opts.uring_sqpoll != 0;
    u->pay_off = io->opts.transport == NF_IO_UDP ? NF_VXLAN_HLEN : 0;
    /* 4 buffers per batch slot (at least 256): the caller holds one
     * batch while the kernel fills the rest */
    unsigned want = 4 * io->batch < 256 ? 256 : 4 * io->batch;
    u->nbufs = pow2_at_least(want);
    /* header + VXLAN + frame, rounded to a cache line */
    u->buf_sz = (RX_HDR + u->pay_off + NF_FRAME_MAX + 63) & ~63u;
    u->bufs = aligned_alloc(64, (size_t)u->nbufs * u->buf_sz);
    u->pend = calloc(u->nbufs, sizeof(*u->pend));
    u->held = calloc(u->nbufs, sizeof(*u->held));
    u->tx_len = calloc(io->batch, sizeof(*u->tx_len));
    if (!u->bufs || !u->pend || !u->held || !u->tx_len) {
        scc_errf(err, errlen, "allocating %u ring buffers: %s", u->nbufs, strerror(ENOMEM));
        return -ENOMEM;
    }
    u->br_len = (size_t)u->nbufs * sizeof(struct io_uring_buf);
    u->br = mmap(NULL, u->br_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (u->br == MAP_FAILED) {
        u->br = NULL;
        int e = errno;
        scc_errf(err, errlen, "mmap: %s: buffer ring of %u entries", strerror(e), u->nbufs);
        return -e;
    }

    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    /* CQ: every ring buffer may hold a completion, plus a batch of sends */
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = pow2_at_least(u->nbufs + 2 * io->batch);
    if (u->sqpoll) {
        p.flags |= IORING_SETUP_SQPOLL;
        p.sq_thread_idle = SQ_IDLE_MS;
        const struct nf_io *sh = io->opts.uring_share;
        if (sh && sh->opts.engine == NF_IO_URING && sh->eng &&
            ((const struct uring *)sh->eng)->sqpoll) {
            p.flags |= IORING_SETUP_ATTACH_WQ;
            p.wq_fd = (unsigned)((const struct uring *)sh->eng)->ring.ring_fd;
        } else if (io->opts.uring_sqpoll_pin) {
            /* the shared thread keeps the first ring's CPU */
            p.flags |= IORING_SETUP_SQ_AFF;
            p.sq_thread_cpu = (unsigned)io->opts.uring_sqpoll_cpu;
        }
        bool elsewhere = sq_elsewhere(io, sh);
        u->tx_spin = io->opts.idle == NF_IO_BUSY || elsewhere;
        /* the receive spin only where the thread cannot be on our CPU:
         * there it completes while we peek; sharing it, peeking would only
         * keep it off the CPU (busy idle spins anyway) */
        if (elsewhere && io->opts.idle == NF_IO_BLOCK && io->opts.uring_spin_set)
            u->spin_ns = (uint64_t)io->opts.uring_spin_us * 1000u;
    }
    int r = io_uring_queue_init_params(io->batch + 8, &u->ring, &p);
    if (r < 0) {
        bool aff = (p.flags & IORING_SETUP_SQ_AFF) != 0;
        scc_errf(err, errlen, "io_uring_queue_init(%u entries%s%s): %s%s", io->batch + 8,
                 u->sqpoll ? ", SQPOLL" : "", aff ? ", SQ_AFF" : "", strerror(-r),
                 r == -EPERM ? " (io_uring disabled: sysctl kernel.io_uring_disabled?)"
                 : r == -ENOSYS ? " (kernel without CONFIG_IO_URING)"
                 : aff && r == -EINVAL ? " (uring_sqpoll_cpu: that CPU is offline or out of "
                                         "range, or outside this process's cpuset)"
                                       : "");
        return r;
    }
    u->ring_ok = true;
    if (!(p.features & IORING_FEAT_EXT_ARG)) {
        scc_errf(err, errlen, "io_uring: kernel lacks IORING_FEAT_EXT_ARG (needs Linux 5.11+)");
        return -EOPNOTSUPP;
    }
    io_uring_buf_ring_init(u->br);
    struct io_uring_buf_reg reg = {.ring_addr = (uint64_t)(uintptr_t)u->br,
                                   .ring_entries = u->nbufs, .bgid = BGID};
    r = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (r < 0) {
        scc_errf(err, errlen, "io_uring_register_buf_ring(%u buffers): %s%s", u->nbufs,
                 strerror(-r), r == -EINVAL ? " (needs Linux 5.19+)" : "");
        return r;
    }
    for (unsigned i = 0; i < u->nbufs; i++)
        u->held[u->nheld++] = (uint16_t)i;
    recycle(u);
    memset(&u->rx_mh, 0, sizeof(u->rx_mh));
    /* the first receive arms the multishot request; arm now so that frames
     * arriving before it are taken as well, and so that an old kernel
     * fails here, at open, not in the loop */
    r = arm(io, u);
    if (r < 0) {
        scc_errf(err, errlen, "io_uring multishot recvmsg: %s", strerror(-r));
        return r;
    }
    struct io_uring_cqe *c;
    if (io_uring_peek_cqe(&u->ring, &c) == 0 && c->res == -EINVAL &&
        (c->user_data & 0xff) == UD_RECV) {
        scc_errf(err, errlen, "io_uring multishot recvmsg refused (EINVAL): needs Linux 6.0+");
        return -EOPNOTSUPP;
    }
    return 0;
}
