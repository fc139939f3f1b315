/*
 * nf_io_int — what nf_io.c shares with its engines (nf_io_uring.c,
 * nf_io_xdp.c); not for other callers. nf_io.c owns the handle, opens the
 * socket of the wire format (raw or udp) and dispatches nf_io_recv/send to
 * the engine the options chose; an engine keeps its own state behind
 * io->eng and allocates all of it in its open function.
 */
#ifndef NF_IO_INT_H
#define NF_IO_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "nfs/nf_io.h"

#define NF_VXLAN_HLEN 8u

struct nf_io;

/* A wire format. open_sock returns a bound socket or -errno with err
 * filled; rx_frame returns the frame length of slot i after a receive, or
 * -1 when the slot holds no valid frame (counted by the transport). */
struct nf_io_ops {
    const char *name;
    unsigned iov_per_slot;
    int (*open_sock)(struct nf_io *io, char *err, size_t errlen);
    void (*rx_slot_init)(struct nf_io *io, unsigned i);
    long (*rx_frame)(struct nf_io *io, unsigned i, unsigned msg_len);
    void (*tx_slot)(struct nf_io *io, unsigned i, const struct nf_pkt *p);
};

struct nf_io {
    struct nf_io_opts opts;
    const struct nf_io_ops *ops;
    int fd;
    unsigned batch;
    int ifindex;                  /* raw */
    uint64_t kdrops_acc;          /* raw: PACKET_STATISTICS reads reset it */
    uint8_t vxlan_tx[NF_VXLAN_HLEN]; /* udp: the header every datagram carries */
    uint8_t *rx_buf;              /* batch * NF_FRAME_MAX (sockets engine) */
    uint8_t (*rx_hdr)[NF_VXLAN_HLEN];
    struct nf_pkt *rx_pkts;       /* batch packet descriptors (every engine) */
    struct mmsghdr *rx_msgs, *tx_msgs;
    struct iovec *rx_iov, *tx_iov;
    int rcvtimeo_ms;              /* block: SO_RCVTIMEO now set; -1 = none (waits forever) */
    struct nf_io_stats st;
    void *eng;                    /* the uring / xdp engine's state */
};

/* udp: check a received VXLAN header (RFC 7348 section 5) of a datagram of
 * msg_len bytes; returns the frame length, or -1 counted in rx_bad_encap. */
long nf_io_vxlan_check(struct nf_io *io, const uint8_t *hdr, unsigned msg_len);

/* Engines: open after the socket is open (io->fd), 0 or -errno with err
 * filled; close accepts a half-open engine. */
int nf_io_uring_open(struct nf_io *io, char *err, size_t errlen);
void nf_io_uring_close(struct nf_io *io);
int nf_io_uring_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms);
int nf_io_uring_send(struct nf_io *io, struct nf_pkt *const *pkts, unsigned n);

int nf_io_xdp_open(struct nf_io *io, char *err, size_t errlen);
void nf_io_xdp_close(struct nf_io *io);
int nf_io_xdp_recv(struct nf_io *io, struct nf_batch *out, int timeout_ms);
int nf_io_xdp_send(struct nf_io *io, struct nf_pkt *const *pkts, unsigned n);
const char *nf_io_xdp_mode(const struct nf_io *io);
int nf_io_xdp_fd(const struct nf_io *io);
int nf_io_xdp_kernel_drops(struct nf_io *io, uint64_t *drops);
int nf_io_xdp_frames(struct nf_io *io, int drain, struct nf_io_frames *out);
int nf_io_xdp_tx_bufs(struct nf_io *io, struct nf_pkt **pkts, unsigned n);

#endif
