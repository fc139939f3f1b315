/*
 * fuzz_pipeline — libFuzzer target for the dataplane: arbitrary frames
 * through the router, firewall and NAT pipelines exactly as the NF types
 * expand them, and arbitrary text through the pipeline builder.
 *
 * Input layout: byte 0 picks the target (mod 4: router, firewall, NAT,
 * builder) and, with bit 2 set, sends the frames' replies back on the
 * return path after them (addresses and ports swapped, echo requests made
 * replies, run with NF_DIR_RETURN: the stateful firewall's flow table);
 * byte 1 advances the clock (seconds, so NAT timeouts and slot
 * reuse are reached); the rest is a sequence of frames, each a 2-byte
 * big-endian length (mod NF_FRAME_MAX + 1) and that many bytes (fewer if
 * the input ends), up to one batch of 32. For the builder, the rest is the
 * pipeline text. Invariants checked after every run: no packet grew past
 * its buffer, and every output packet is one of the input packets.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_log.h"
#include "nfs/nf_pipeline.h"

#define FZ_BATCH 32

static const char *const pipelines[3] = {
    ("rt :: StaticIPLookup(10.0.0.0/8 0, 10.2.0.0/16 1 02:00:00:00:00:09, 0.0.0.0/0 1); "
     "FromIO -> CheckIPHeader -> rt; rt[0] -> DecIPTTL -> EtherRewrite(SRC 02:00:00:00:00:01) "
     "-> ToIO; rt[1] -> Discard"),
    ("FromIO -> CheckIPHeader -> IPFilter(STATEFUL, MAXFLOWS 16, deny src net 10.66.0.0/16, "
     "allow udp dst port 9000-9999, allow icmp, 0 tcp and (src port 1-1000 or not dst host "
     "10.0.0.1), deny all) -> ToIO"),
    /* no CheckIPHeader in front: NAT must defend itself too */
    ("FromIO -> NAT(ADDR 203.0.113.1-203.0.113.2, PORTS 1024-1100, TIMEOUT 2, CAPACITY 64) "
     "-> ToIO"),
};

static struct nf_pipeline *pipes[3];
static uint8_t bufs[FZ_BATCH][NF_FRAME_MAX];
static struct nf_pkt pkts[FZ_BATCH];
static struct nf_pkt *ptrs[FZ_BATCH];
static uint64_t clock_ns = 1;

/* A frame as its reply: IPv4 addresses swapped, the L4 ports when the
 * frame holds them, an ICMP echo request turned into its reply. */
static void as_reply(uint8_t *f, uint32_t len)
{
    if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
        return;
    uint8_t t[4];
    memcpy(t, f + 26, 4);
    memcpy(f + 26, f + 30, 4);
    memcpy(f + 30, t, 4);
    uint32_t l4 = 14 + (uint32_t)(f[14] & 15) * 4;
    if (f[23] == 1) {
        if (l4 < len && f[l4] == 8)
            f[l4] = 0;
    } else if (l4 + 4 <= len) {
        memcpy(t, f + l4, 2);
        memcpy(f + l4, f + l4 + 2, 2);
        memcpy(f + l4 + 2, t, 2);
    }
}

/* Every output packet is one of the n input packets, none past its buffer. */
static void check_out(struct nf_pipeline *p, unsigned n)
{
    struct nf_batch *o = nf_pipeline_output(p, 0);
    if (o->n > n)
        abort();
    for (uint32_t i = 0; i < o->n; i++) {
        const struct nf_pkt *k = o->pkts[i];
        if (k < &pkts[0] || k >= &pkts[n] || k->len > k->cap)
            abort();
    }
}

static void quiet(enum scc_log_level l, const char *m, void *c)
{
    (void)l;
    (void)m;
    (void)c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    scc_log_set_callback(quiet, NULL);
    for (int i = 0; i < 3; i++) {
        char err[256];
        struct nf_pipeline_opts o = {.sz = sizeof(o), .batch = FZ_BATCH};
        if (nf_pipeline_build(pipelines[i], &o, &pipes[i], err, sizeof(err)) < 0)
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned which = data[0] % 4;
    bool replies = data[0] & 4;
    clock_ns += (uint64_t)data[1] * 1000000000ull / 16;
    data += 2;
    size -= 2;
    if (which == 3) {
        char *text = malloc(size + 1);
        if (!text)
            return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        struct nf_pipeline *p = NULL;
        char err[256];
        if (nf_pipeline_build(text, NULL, &p, err, sizeof(err)) == 0) {
            /* run a harmless frame through whatever was built */
            memset(bufs[0], 0, 64);
            pkts[0] = (struct nf_pkt){.data = bufs[0], .len = 64, .cap = NF_FRAME_MAX};
            ptrs[0] = &pkts[0];
            struct nf_batch b = {.n = 1, .cap = 1, .pkts = ptrs};
            nf_pipeline_run(p, 0, &b, clock_ns);
            nf_pipeline_destroy(p);
        }
        free(text);
        return 0;
    }
    unsigned n = 0;
    while (size >= 2 && n < FZ_BATCH) {
        size_t len = ((size_t)data[0] << 8 | data[1]) % (NF_FRAME_MAX + 1);
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        memcpy(bufs[n], data, len);
        pkts[n] = (struct nf_pkt){.data = bufs[n], .len = (uint32_t)len, .cap = NF_FRAME_MAX};
        ptrs[n] = &pkts[n];
        data += len;
        size -= len;
        n++;
    }
    if (n == 0)
        return 0;
    struct nf_pipeline *p = pipes[which];
    struct nf_batch b = {.n = n, .cap = FZ_BATCH, .pkts = ptrs};
    nf_pipeline_clear_outputs(p);
    nf_pipeline_run(p, 0, &b, clock_ns);
    check_out(p, n);
    if (!replies)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        as_reply(bufs[i], pkts[i].len);
        ptrs[i] = &pkts[i];
    }
    b = (struct nf_batch){.n = n, .cap = FZ_BATCH, .pkts = ptrs};
    nf_pipeline_clear_outputs(p);
    nf_pipeline_run_dir(p, 0, &b, clock_ns, NF_DIR_RETURN);
    check_out(p, n);
    return 0;
}
