/*
 * nf_io — batched packet I/O over ordinary kernel sockets.
 *
 * Transports (one small static interface, chosen at open time):
 *   NF_IO_RAW  AF_PACKET/SOCK_RAW bound to one interface; whole frames.
 *   NF_IO_UDP  a whole Ethernet frame inside a VXLAN header (RFC 7348) in a
 *              UDP datagram; default port 4789; the VNI is checked on receive.
 * Both move packets with recvmmsg/sendmmsg on mmsghdr/iovec arrays and
 * buffers preallocated at open for `batch` packets (1..1024); batch 1 is the
 * per-packet baseline. Nothing is allocated after nf_io_open().
 *
 * Ownership: nf_io_recv() fills a batch with pointers to packets in the
 * handle's own receive pool. Those packets stay valid until the next
 * nf_io_recv() on the same handle; the caller sends or drops them before
 * receiving again. nf_io_send() takes any packets (from this pool, another
 * handle's, or the caller's own buffers) and does not keep them after it
 * returns: sendmmsg copies the data into the kernel. (xdp: a packet whose
 * bytes are a frame of the handle's UMEM leaves by descriptor move, so the
 * kernel may still read it after nf_io_send returns: do not write to a
 * packet after sending it; its frame is reused from the next nf_io_recv
 * or nf_io_tx_bufs on a handle of that UMEM.)
 *
 * Errors: open returns NULL with errno set and a message in err;
 * recv/send return a count >= 0 or -errno for a hard error.
 */
#ifndef NF_IO_H
#define NF_IO_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "nfs/nf_pkt.h"

enum nf_io_transport { NF_IO_RAW = 0, NF_IO_UDP = 1 };
enum nf_io_idle { NF_IO_BLOCK = 0, NF_IO_BUSY = 1 };
/* How frames move for either wire format above (docs/io.md):
 *   NF_IO_SOCKETS  recvmmsg/sendmmsg on the socket (default)
 *   NF_IO_URING    the same socket driven through an io_uring: one multishot
 *                  recvmsg into a provided-buffer ring (received packets point
 *                  into the ring's buffers, returned to it at the next
 *                  nf_io_recv), batched sendmsg submissions; opts.uring_sqpoll
 *                  adds a kernel submission thread so a busy data path makes
 *                  no system calls. Needs liburing at build time, Linux 6.0+.
 *   NF_IO_XDP      AF_XDP socket on the interface (raw wire format only). */
enum nf_io_engine { NF_IO_SOCKETS = 0, NF_IO_URING = 1, NF_IO_XDP = 2 };

#define NF_VXLAN_PORT 4789
/* uring + SQPOLL: the largest io.uring_spin_us (see
 * nf_io_opts.uring_spin_us; docs/io.md). */
#define NF_IO_URING_SPIN_MAX_US 10000

struct nf_io_opts {
    size_t sz;                      /* sizeof(struct nf_io_opts), for growth */
    enum nf_io_transport transport;
    unsigned batch;                 /* 1..NF_BATCH_MAX */
    enum nf_io_idle idle;
    /* raw */
    char ifname[IF_NAMESIZE];
    /* udp: bind to local (port 0 = any); send to remote (port 0 = send-only off) */
    struct sockaddr_in local;
    struct sockaddr_in remote;
    uint32_t vni;                   /* 24-bit VXLAN network identifier */
    int rcvbuf, sndbuf;             /* socket buffer bytes; 0 = kernel default */
    int timestamp;                  /* nonzero: fill nf_pkt.ts_ns on receive */
    /* udp: nonzero connect()s the socket to remote. Sends skip the per-
     * datagram route lookup (about 1.4x the generator's rate at batch 32
     * on the development VMs), but the socket then receives only from
     * remote: for send-only handles such as the traffic generator. */
    int connect_remote;
    enum nf_io_engine engine;       /* default NF_IO_SOCKETS */
    int uring_sqpoll;               /* uring: nonzero = IORING_SETUP_SQPOLL */
    /* uring + SQPOLL: share this open handle's kernel submission thread
     * (IORING_SETUP_ATTACH_WQ) instead of starting a second one; an NF's
     * output handle shares its input's */
    const struct nf_io *uring_share;
    /* xdp: at close, only close the socket; leave the XDP program attached
     * (bpf()/netlink calls). For callers that have dropped the privileges
     * to detach it or run under a filter without bpf() (scc-nf): whoever
     * owns the interface removes it (ip link set dev IF xdp off). */
    int xdp_leave_prog;
    /* uring + SQPOLL: nonzero pins the kernel submission thread to CPU
     * uring_sqpoll_cpu (IORING_SETUP_SQ_AFF). Unset, the thread takes the
     * opening task's CPU affinity (on the NF's core(s); docs/io.md). */
    int uring_sqpoll_pin;
    int uring_sqpoll_cpu;
    /* uring + SQPOLL, block idle: before sleeping in the kernel for a
     * frame (one io_uring_enter per wake-up), peek at the completion queue
     * for up to uring_spin_us microseconds, and wait that long for send
     * completions before entering too (like SO_BUSY_POLL for sockets).
     * Only where the SQ thread cannot run on the caller's CPUs (pinned
     * elsewhere): there it posts completions while the caller peeks; on a
     * shared CPU the spin would keep it off. uring_spin_set zero: no
     * receive spin, sends wait up to 20 us (the default: a spinning NF
     * delays the tasks that share its CPU, docs/io.md). */
    int uring_spin_set;
    int uring_spin_us;              /* 0..NF_IO_URING_SPIN_MAX_US */
    /* xdp: share this open xdp handle's UMEM (an NF's output handle names
     * its input): a packet received on one leaves on the other by a
     * descriptor move, no copy (docs/io.md). Falls back to a UMEM of its
     * own (sends copy) where the kernel will not share. */
    const struct nf_io *xdp_share;
    /* xdp: how many RX queues get a socket, from queue 0 up: 0 = every RX
     * queue the interface has (ETHTOOL_GCHANNELS), at most
     * NF_IO_XDP_MAX_QUEUES; a larger count than the interface has is
     * clamped. Frames on a queue without a socket go to the kernel's stack
     * (docs/io.md) */
    unsigned xdp_queues;
};

#define NF_IO_XDP_MAX_QUEUES 64u

struct nf_io_stats {
    uint64_t rx_pkts, rx_bytes, rx_calls;    /* rx_calls: recvmmsg calls that returned packets */
    uint64_t tx_pkts, tx_bytes, tx_calls;    /* tx_calls: sendmmsg system calls */
    uint64_t rx_bad_encap;                   /* udp: not VXLAN, wrong VNI, short */
    uint64_t rx_truncated;                   /* frame longer than NF_FRAME_MAX */
    uint64_t tx_drop_again;                  /* EAGAIN/EWOULDBLOCK: socket full */
    uint64_t tx_drop_nobufs;                 /* ENOBUFS: qdisc/driver full */
    uint64_t tx_drop_other;                  /* any other send error */
    uint64_t tx_err_refused;                 /* connected udp: ECONNREFUSED from an earlier
                                                datagram's ICMP error; retried, not a drop */
    uint64_t rx_empty_calls;                 /* recvmmsg calls that returned nothing (timeout,
                                                EAGAIN, a signal; every empty busy spin) */
    /* uring: rx_calls/rx_empty_calls/tx_calls count io_uring_enter system
     * calls (none while SQPOLL's thread is awake and the loop is busy) */
    uint64_t rx_nobufs;                      /* uring: receive stopped for want of a free
                                                ring buffer (re-armed; the frames wait in
                                                the socket queue) */
    uint64_t tx_moved;                       /* xdp: sent by a descriptor move (the frame
                                                was received into the same UMEM) */
    uint64_t tx_copied;                      /* xdp: copied into a free UMEM frame */
};

/* xdp: where the UMEM's frames are, recounted from the per-frame states
 * (nf_io_frames). fill: given to the kernel to receive into (fill rings,
 * RX rings not yet read); held: handed to the caller by the last receive
 * (or nf_io_tx_bufs); tx: given to the kernel to send (TX rings,
 * completions not yet read); free: in the pool. */
struct nf_io_frames {
    uint32_t total, fill, held, tx, free;
    uint64_t errors;     /* the kernel handed back a frame that was not its own: a
                            frame used twice (must stay 0) */
    int consistent;      /* the states add up and match the rings' bookkeeping */
    unsigned sockets;    /* open sockets on this UMEM (one per queue per handle; 2 for
                            two one-queue handles sharing it) */
    unsigned queues;     /* this handle's sockets: the RX queues it receives from */
};

struct nf_io;

struct nf_io *nf_io_open(const struct nf_io_opts *opts, char *err, size_t errlen);
void nf_io_close(struct nf_io *io); /* accepts NULL */

/* Receive up to the batch size; never waits to fill a batch. With
 * timeout_ms > 0 waits at most that long for the first packet (block idle:
 * in one blocking recvmmsg; busy: spinning); < 0 waits without limit; 0
 * returns at once. A signal ends a blocking wait (returns 0). Returns
 * packets received (0 on timeout/none/signal) or -errno.
 * Block idle bounds the wait with SO_RCVTIMEO, set by a setsockopt whenever
 * timeout_ms differs from the last call's: under a seccomp filter without
 * setsockopt, call nf_io_set_rx_timeout() first with the timeout the loop
 * will use. */
int nf_io_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms);
/* Set block idle's receive timeout ahead of nf_io_recv (no-op for busy
 * idle and for 0). 0 or -errno. */
int nf_io_set_rx_timeout(struct nf_io *io, int timeout_ms);
/* Send n packets with as few sendmmsg calls as possible; partial sends are
 * retried; packets the kernel refuses are counted as drops. Returns the
 * number the kernel accepted. */
int nf_io_send(struct nf_io *io, struct nf_pkt *const *pkts, unsigned n);

int nf_io_fd(const struct nf_io *io);
unsigned nf_io_batch(const struct nf_io *io);
const struct nf_io_stats *nf_io_get_stats(const struct nf_io *io);
enum nf_io_transport nf_io_get_transport(const struct nf_io *io);
enum nf_io_engine nf_io_get_engine(const struct nf_io *io);
/* "sockets", "uring", "uring+sqpoll", "xdp" (cannot fail). */
const char *nf_io_engine_desc(const struct nf_io *io);
/* Nonzero when this build has the engine (liburing / libxdp found). */
int nf_io_engine_available(enum nf_io_engine e);

/* udp: the address the socket is bound to (the port the kernel chose when
 * opts.local had port 0). 0, or -EAFNOSUPPORT on a raw handle, -errno. */
int nf_io_local_addr(const struct nf_io *io, struct sockaddr_in *out);
/* Packets the kernel dropped on this socket's receive side because its
 * queue was full: raw = PACKET_STATISTICS tp_drops (accumulated here, as
 * reading resets the kernel's count), udp = SO_MEMINFO SK_MEMINFO_DROPS.
 * 0 or -errno. */
int nf_io_kernel_drops(struct nf_io *io, uint64_t *drops);

/* xdp: count the UMEM's frames by state into out. drain: first let the
 * kernel complete what is on the TX rings (up to ~50 ms), so that a
 * quiet handle shows tx 0. 0, or -EOPNOTSUPP for other transports. */
int nf_io_frames(struct nf_io *io, int drain, struct nf_io_frames *out);

/* xdp: up to n packets (at most the batch) pointing at free UMEM frames, for
 * a sender to build frames in place: nf_io_send then moves them to the TX
 * ring without a copy. They stay the caller's until the next nf_io_tx_bufs
 * or nf_io_recv on the handle (unsent ones then go back). Returns the
 * number given (0: all frames in flight), or -EOPNOTSUPP for other
 * transports (the caller uses buffers of its own). */
int nf_io_tx_bufs(struct nf_io *io, struct nf_pkt **pkts, unsigned n);

#endif
