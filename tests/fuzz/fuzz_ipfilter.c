/*
 * fuzz_ipfilter — libFuzzer target for the IPFilter rule parser on its
 * own: the input's first line is the rule list, put inside
 * "FromIO -> IPFilter(...) -> ToIO" and built; the rest of the input is a
 * batch of frames (2-byte big-endian length, then the bytes) run through
 * the filter when it was accepted. Invariants: no crash; a refused rule
 * list comes with an error message; every packet out is one that went in,
 * and no more come out than went in (a filter only keeps or drops).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_log.h"
#include "nfs/nf_pipeline.h"

#define FZ_BATCH 32

static uint8_t bufs[FZ_BATCH][NF_FRAME_MAX];
static struct nf_pkt pkts[FZ_BATCH];
static struct nf_pkt *ptrs[FZ_BATCH];

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
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t rlen = nl ? (size_t)(nl - data) : size;
    if (rlen > 4096) /* rule lists are short; the size cap is another item */
        return 0;
    static const char pre[] = "FromIO -> IPFilter(", post[] = ") -> ToIO";
    char *text = malloc(sizeof(pre) + rlen + sizeof(post));
    if (!text)
        return 0;
    memcpy(text, pre, sizeof(pre) - 1);
    memcpy(text + sizeof(pre) - 1, data, rlen);
    memcpy(text + sizeof(pre) - 1 + rlen, post, sizeof(post));
    struct nf_pipeline *p = NULL;
    char err[256] = "";
    struct nf_pipeline_opts o = {.sz = sizeof(o), .batch = FZ_BATCH};
    int rc = nf_pipeline_build(text, &o, &p, err, sizeof(err));
    free(text);
    if (rc < 0) {
        if (err[0] == '\0')
            abort(); /* refused without a reason */
        return 0;
    }
    data += nl ? rlen + 1 : rlen;
    size -= nl ? rlen + 1 : rlen;
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
    if (n == 0) { /* still run one all-zero frame through the rules */
        memset(bufs[0], 0, 64);
        pkts[0] = (struct nf_pkt){.data = bufs[0], .len = 64, .cap = NF_FRAME_MAX};
        ptrs[0] = &pkts[0];
        n = 1;
    }
    struct nf_batch b = {.n = n, .cap = FZ_BATCH, .pkts = ptrs};
    nf_pipeline_clear_outputs(p);
    nf_pipeline_run(p, 0, &b, 1);
    struct nf_batch *out = nf_pipeline_output(p, 0);
    if (out->n > n)
        abort();
    for (uint32_t i = 0; i < out->n; i++) {
        const struct nf_pkt *k = out->pkts[i];
        if (k < &pkts[0] || k >= &pkts[n] || k->len > k->cap)
            abort();
    }
    nf_pipeline_destroy(p);
    return 0;
}
