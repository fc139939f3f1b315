/*
 * nf_pkt — the packet and batch types shared by the I/O layer (nf_io), the
 * element framework and the traffic generator/sink.
 *
 * A packet is a view of one Ethernet frame in a buffer someone else owns
 * (the I/O layer's receive pool, or a generator's template ring). A batch is
 * an array of packet pointers; elements move pointers between batches and
 * never copy frames. Nothing here allocates on the packet path.
 */
#ifndef NF_PKT_H
#define NF_PKT_H

#include <stdint.h>

#define NF_FRAME_MAX 2048u   /* buffer per packet: a 1518 B frame plus slack */
#define NF_BATCH_MAX 1024u   /* the largest batch a config may ask for */

struct nf_pkt {
    uint8_t *data;   /* first byte of the Ethernet header */
    uint32_t len;    /* frame length in bytes */
    uint32_t cap;    /* bytes writable from data */
    uint64_t ts_ns;  /* CLOCK_MONOTONIC receive time when the I/O layer records it, else 0 */
    uint32_t anno;   /* scratch annotation for elements (e.g. chosen output port) */
    uint32_t anno2;  /* second annotation word */
};

struct nf_batch {
    uint32_t n;             /* packets in use */
    uint32_t cap;           /* size of pkts[] */
    struct nf_pkt **pkts;
};

#endif
