/*
 * nf_pipeline — the framework half of the element model: the class
 * registry, graph building and checking (from nf_conf_parse's output, never a
 * second parser), and the push-model batch runner. See nf_pipeline.h.
 *
 * Memory: every element gets one output batch per output port, each with
 * room for `batch` packet pointers. Because the graph is acyclic and has no
 * element that copies packets, a packet is pushed at most once per element,
 * so no output batch can overflow: an input batch of n packets yields at
 * most n packets across an element's outputs.
 */
#include "nfs/nf_pipeline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_log.h"
#include "common/scc_util.h"
#include "nfs/elements/checkipheader.h"
#include "nfs/elements/classifier.h"
#include "nfs/elements/counter.h"
#include "nfs/elements/decipttl.h"
#include "nfs/elements/discard.h"
#include "nfs/elements/etherrewrite.h"
#include "nfs/elements/fromio.h"
#include "nfs/elements/icmperror.h"
#include "nfs/elements/ipfilter.h"
#include "nfs/elements/nat.h"
#include "nfs/elements/roundrobin.h"
#include "nfs/elements/staticiplookup.h"
#include "nfs/elements/toio.h"

static const struct nf_element_ops *const classes[] = {
    &nf_fromio_ops,   &nf_toio_ops,    &nf_classifier_ops,     &nf_checkipheader_ops,
    &nf_ipfilter_ops, &nf_staticiplookup_ops, &nf_decipttl_ops, &nf_etherrewrite_ops,
    &nf_nat_ops,      &nf_counter_ops, &nf_discard_ops,        &nf_roundrobin_ops,
    &nf_icmperror_ops,
};

/* Names for "did you mean"; Tee is listed so that users asking for it get
 * pointed at the documentation of why it is absent. */
static const char *const class_names[] = {
    "FromIO", "ToIO", "Classifier", "CheckIPHeader", "IPFilter", "StaticIPLookup",
    "DecIPTTL", "EtherRewrite", "NAT", "Counter", "Discard", "RoundRobin", "ICMPError",
};

struct nf_pipeline {
    struct nf_element *elems;
    int nelems;
    unsigned batch;
    unsigned noutputs;                      /* highest ToIO port + 1 */
    struct nf_element *from[NF_PIPE_MAX_IO]; /* FromIO per input port */
    struct nf_batch outputs[NF_PIPE_MAX_IO];
    uint64_t now_ns;
    enum nf_dir dir; /* of the batch being run */
};

const struct nf_element_ops *nf_element_class(const char *cls)
{
    for (size_t i = 0; i < SCC_ARRAY_SIZE(classes); i++)
        if (strcmp(classes[i]->cls, cls) == 0)
            return classes[i];
    return NULL;
}

size_t nf_element_classes(const char *const **names)
{
    if (names)
        *names = class_names;
    return SCC_ARRAY_SIZE(class_names);
}

void nf_drop(struct nf_element *e, int reason, struct nf_pkt *pkt)
{
    (void)pkt;
    e->drops[reason]++;
    uint32_t bit = 1u << reason;
    if (!(e->drop_logged & bit)) {
        e->drop_logged |= bit;
        scc_info("%s: dropped a packet: %s (further drops of this kind are counted, "
                 "logged only with -vv)", e->name, e->ops->drop_reasons[reason]);
    } else if (scc_log_get_level() >= SCC_LOG_DEBUG) {
        scc_dbg("%s: dropped a packet: %s", e->name, e->ops->drop_reasons[reason]);
    }
}

uint64_t nf_element_now(const struct nf_element *e)
{
    return e->pipe->now_ns;
}

enum nf_dir nf_element_dir(const struct nf_element *e)
{
    return e->pipe->dir;
}

int nf_element_error(const struct nf_element *e, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = scc_verrf(err, errlen, e->name, fmt, ap);
    va_end(ap);
    return rc;
}

void nf_pipeline_destroy(struct nf_pipeline *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nelems; i++) {
        struct nf_element *e = &p->elems[i];
        if (e->ops && e->ops->cleanup && (e->priv || !e->ops->priv_size))
            e->ops->cleanup(e, e->stage);
        if (e->out)
            for (int o = 0; o < e->nout; o++)
                free(e->out[o].pkts);
        free(e->out);
        free(e->out_elem);
        free(e->out_port);
        free(e->priv);
    }
    for (int i = 0; i < NF_PIPE_MAX_IO; i++)
        free(p->outputs[i].pkts);
    free(p->elems);
    free(p);
}

/* Depth-first search for a cycle from `root`; colour 0 white, 1 grey (on
 * the path), 2 black (done). Iterative, with an explicit stack of (element,
 * next output) pairs: a recursive search overflowed the C stack on a chain
 * of 100k elements. Returns an element on the cycle, or -1. */
static int find_cycle(const struct nf_pipeline *p, int root, unsigned char *colour, int *stack,
                      int *next)
{
    int depth = 0;
    stack[0] = root;
    next[0] = 0;
    colour[root] = 1;
    while (depth >= 0) {
        const struct nf_element *e = &p->elems[stack[depth]];
        if (next[depth] == e->nout) {
            colour[stack[depth--]] = 2;
            continue;
        }
        int j = e->out_elem[next[depth]++]->index;
        if (colour[j] == 1)
            return j;
        if (colour[j] == 0) {
            colour[j] = 1;
            stack[++depth] = j;
            next[depth] = 0;
        }
    }
    return -1;
}

static int alloc_batch(struct nf_batch *b, unsigned cap)
{
    b->pkts = calloc(cap, sizeof(*b->pkts));
    b->cap = cap;
    b->n = 0;
    return b->pkts ? 0 : -ENOMEM;
}

static int wire(struct nf_pipeline *p, const struct nf_conf *conf, char *err, size_t errlen)
{
    /* port counts from the connections */
    for (int c = 0; c < conf->nconns; c++) {
        const struct nf_conf_conn *k = &conf->conns[c];
        struct nf_element *f = &p->elems[k->from], *t = &p->elems[k->to];
        if (k->from_port + 1 > f->nout)
            f->nout = k->from_port + 1;
        if (k->to_port + 1 > t->nin)
            t->nin = k->to_port + 1;
    }
    for (int i = 0; i < p->nelems; i++) {
        struct nf_element *e = &p->elems[i];
        const struct nf_element_ops *o = e->ops;
        int omax = o->nout_max < 0 ? NF_MAX_PORTS : o->nout_max;
        if (e->nin > o->nin_max)
            return o->nin_max == 0
                       ? scc_errf(err, errlen, "%s: %s has no inputs, but something is connected to it",
                              e->name, o->cls)
                       : scc_errf(err, errlen, "%s: input port %d used, but %s has %d input%s",
                              e->name, e->nin - 1, o->cls, o->nin_max, o->nin_max == 1 ? "" : "s");
        if (e->nout > omax)
            return omax == 0
                       ? scc_errf(err, errlen, "%s: %s has no outputs, but it is connected to something",
                              e->name, o->cls)
                       : scc_errf(err, errlen, "%s: output port %d used, but %s has at most %d output%s",
                              e->name, e->nout - 1, o->cls, omax, omax == 1 ? "" : "s");
        if (e->nin < o->nin_min)
            return scc_errf(err, errlen, "%s: input %d is not connected (nothing pushes to it)",
                        e->name, e->nin);
        if (e->nout < o->nout_min)
            return scc_errf(err, errlen, "%s: output %d is not connected (every output of %s must "
                        "lead somewhere; use Discard to drop)", e->name, e->nout, o->cls);
        if (e->nout) {
            e->out = calloc((size_t)e->nout, sizeof(*e->out));
            e->out_elem = calloc((size_t)e->nout, sizeof(*e->out_elem));
            e->out_port = calloc((size_t)e->nout, sizeof(*e->out_port));
            if (!e->out || !e->out_elem || !e->out_port)
                return -ENOMEM;
            for (int k = 0; k < e->nout; k++)
                if (alloc_batch(&e->out[k], p->batch) < 0)
                    return -ENOMEM;
        }
    }
    for (int c = 0; c < conf->nconns; c++) {
        const struct nf_conf_conn *k = &conf->conns[c];
        struct nf_element *f = &p->elems[k->from];
        if (f->out_elem[k->from_port])
            return scc_errf(err, errlen, "%s: output %d is connected twice (to %s and %s; push "
                        "outputs go to exactly one element)", f->name, k->from_port,
                        f->out_elem[k->from_port]->name, p->elems[k->to].name);
        f->out_elem[k->from_port] = &p->elems[k->to];
        f->out_port[k->from_port] = k->to_port;
    }
    /* inputs: every port below nin must be used. One pass over the
     * connections marks the ports used (nin <= NF_MAX_PORTS = 64 was
     * checked above, so a 64-bit mask per element holds them); a scan of
     * every connection per port was quadratic in the pipeline's size. */
    _Static_assert(NF_MAX_PORTS <= 64, "input-port masks are 64 bits");
    uint64_t *used = calloc((size_t)p->nelems + 1u, sizeof(*used));
    if (!used)
        return -ENOMEM;
    for (int c = 0; c < conf->nconns; c++)
        if (conf->conns[c].to_port < 64)
            used[conf->conns[c].to] |= 1ull << conf->conns[c].to_port;
    for (int i = 0; i < p->nelems; i++) {
        struct nf_element *e = &p->elems[i];
        for (int port = 0; port < e->nin; port++)
            if (!(used[i] >> port & 1)) {
                free(used);
                return scc_errf(err, errlen, "%s: input %d is not connected", e->name, port);
            }
        for (int o = 0; o < e->nout; o++)
            if (!e->out_elem[o]) {
                free(used);
                return scc_errf(err, errlen, "%s: output %d is not connected (use Discard to "
                                "drop)", e->name, o);
            }
    }
    free(used);
    unsigned char *colour = calloc((unsigned)p->nelems + 1u, 1);
    int *stack = malloc(((size_t)p->nelems + 1u) * sizeof(*stack));
    int *next = malloc(((size_t)p->nelems + 1u) * sizeof(*next));
    int rc = 0;
    if (!colour || !stack || !next)
        rc = -ENOMEM;
    for (int i = 0; rc == 0 && i < p->nelems; i++)
        if (colour[i] == 0) {
            int c = find_cycle(p, i, colour, stack, next);
            if (c >= 0)
                rc = scc_errf(err, errlen, "%s: the graph has a cycle through this element "
                              "(pipelines must be acyclic)", p->elems[c].name);
        }
    free(colour);
    free(stack);
    free(next);
    return rc;
}

int nf_pipeline_build(const char *text, const struct nf_pipeline_opts *opts,
                      struct nf_pipeline **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    unsigned batch = NF_BATCH_MAX, maxout = NF_PIPE_MAX_IO;
    if (opts && opts->sz >= offsetof(struct nf_pipeline_opts, batch) + sizeof(opts->batch) &&
        opts->batch)
        batch = opts->batch;
    if (opts && opts->sz >= sizeof(*opts) && opts->noutputs)
        maxout = opts->noutputs;
    if (batch > NF_BATCH_MAX)
        return scc_errf(err, errlen, "batch %u is larger than %u", batch, NF_BATCH_MAX);
    if (maxout > NF_PIPE_MAX_IO)
        maxout = NF_PIPE_MAX_IO;

    struct nf_conf *conf;
    int rc = nf_conf_parse(text, &conf, err, errlen);
    if (rc < 0)
        return rc;
    struct nf_pipeline *p = calloc(1, sizeof(*p));
    if (!p) {
        nf_conf_free(conf);
        return -ENOMEM;
    }
    p->batch = batch;
    p->elems = calloc((unsigned)conf->nelems, sizeof(*p->elems));
    if (!p->elems) {
        rc = -ENOMEM;
        goto fail;
    }
    p->nelems = conf->nelems;
    for (int i = 0; i < NF_PIPE_MAX_IO; i++)
        if (alloc_batch(&p->outputs[i], batch) < 0) {
            rc = -ENOMEM;
            goto fail;
        }
    for (int i = 0; i < conf->nelems; i++) {
        const struct nf_conf_elem *ce = &conf->elems[i];
        struct nf_element *e = &p->elems[i];
        const struct nf_element_ops *o = nf_element_class(ce->cls);
        if (!o) {
            const char *s = scc_suggest(ce->cls, class_names, SCC_ARRAY_SIZE(class_names));
            if (strcmp(ce->cls, "Tee") == 0)
                rc = scc_errf(err, errlen, "col %d: element 'Tee' is not provided: copying a packet "
                          "would allocate on the packet path (see docs/elements.md)", ce->col);
            else if (s)
                rc = scc_errf(err, errlen, "col %d: unknown element '%s' (did you mean %s?)",
                          ce->col, ce->cls, s);
            else
                rc = scc_errf(err, errlen, "col %d: unknown element '%s' (see docs/elements.md)",
                          ce->col, ce->cls);
            goto fail;
        }
        e->ops = o;
        e->index = i;
        e->pipe = p;
        scc_strlcpy(e->name, ce->name, sizeof(e->name));
        if (o->priv_size) {
            e->priv = calloc(1, o->priv_size);
            if (!e->priv) {
                rc = -ENOMEM;
                goto fail;
            }
        }
    }
    rc = wire(p, conf, err, errlen);
    if (rc < 0)
        goto fail;
    for (int i = 0; i < p->nelems; i++) {
        struct nf_element *e = &p->elems[i];
        const struct nf_conf_elem *ce = &conf->elems[i];
        rc = e->ops->configure ? e->ops->configure(e, ce->argc, ce->argv, err, errlen) : 0;
        if (rc == 0 && !e->ops->configure && ce->argc > 0)
            rc = nf_element_error(e, err, errlen, "%s takes no arguments", e->ops->cls);
        if (rc < 0)
            goto fail;
        e->stage = NF_STAGE_CONFIGURED;
    }
    for (int i = 0; i < p->nelems; i++) {
        struct nf_element *e = &p->elems[i];
        if (e->ops == &nf_fromio_ops) {
            unsigned port = nf_fromio_port(e);
            if (p->from[port]) {
                rc = scc_errf(err, errlen, "%s: FromIO(%u) appears twice (also %s)", e->name, port,
                          p->from[port]->name);
                goto fail;
            }
            p->from[port] = e;
        } else if (e->ops == &nf_toio_ops) {
            unsigned port = nf_toio_port(e);
            if (port >= maxout) {
                rc = scc_errf(err, errlen, "%s: ToIO(%u), but this NF has %u output%s", e->name,
                          port, maxout, maxout == 1 ? "" : "s");
                goto fail;
            }
            if (port + 1 > p->noutputs)
                p->noutputs = port + 1;
        }
    }
    bool any_from = false;
    for (int i = 0; i < NF_PIPE_MAX_IO; i++)
        any_from |= p->from[i] != NULL;
    if (!any_from) {
        rc = scc_errf(err, errlen, "the pipeline has no FromIO, so no packet can enter it");
        goto fail;
    }
    for (int i = 0; i < p->nelems; i++) {
        struct nf_element *e = &p->elems[i];
        rc = e->ops->initialize ? e->ops->initialize(e, err, errlen) : 0;
        if (rc < 0)
            goto fail;
        e->stage = NF_STAGE_INITIALIZED;
    }
    nf_conf_free(conf);
    *out = p;
    return 0;
fail:
    if (rc == -ENOMEM && err && errlen)
        scc_strlcpy(err, "out of memory", errlen);
    nf_conf_free(conf);
    nf_pipeline_destroy(p);
    return rc;
}

/* Deliver batch b to element e's input port, then flush its outputs
 * downstream. Depth is bounded by the (acyclic) graph's depth. */
static void deliver(struct nf_element *e, int port, struct nf_batch *b)
{
    e->in_pkts += b->n;
    e->ops->process(e, port, b);
    for (int o = 0; o < e->nout; o++) {
        struct nf_batch *ob = &e->out[o];
        if (ob->n) {
            e->out_pkts += ob->n;
            deliver(e->out_elem[o], e->out_port[o], ob);
            ob->n = 0;
        }
    }
}

unsigned nf_pipeline_run(struct nf_pipeline *p, unsigned in_port, struct nf_batch *b,
                         uint64_t now_ns)
{
    return nf_pipeline_run_dir(p, in_port, b, now_ns, NF_DIR_FORWARD);
}

unsigned nf_pipeline_run_dir(struct nf_pipeline *p, unsigned in_port, struct nf_batch *b,
                             uint64_t now_ns, enum nf_dir dir)
{
    if (in_port >= NF_PIPE_MAX_IO || !p->from[in_port] || b->n == 0)
        return 0;
    if (b->n > p->batch)
        b->n = p->batch; /* the rest is the caller's bug; never overflow */
    p->now_ns = now_ns;
    p->dir = dir;
    unsigned n = b->n;
    deliver(p->from[in_port], 0, b);
    return n;
}

struct nf_batch *nf_pipeline_output(struct nf_pipeline *p, unsigned port)
{
    return port < NF_PIPE_MAX_IO ? &p->outputs[port] : NULL;
}

void nf_pipeline_clear_outputs(struct nf_pipeline *p)
{
    for (unsigned i = 0; i < NF_PIPE_MAX_IO; i++)
        p->outputs[i].n = 0;
}

unsigned nf_pipeline_noutputs(const struct nf_pipeline *p) { return p->noutputs; }
int nf_pipeline_nelements(const struct nf_pipeline *p) { return p->nelems; }

const struct nf_element *nf_pipeline_element(const struct nf_pipeline *p, int i)
{
    return i >= 0 && i < p->nelems ? &p->elems[i] : NULL;
}

const struct nf_element *nf_pipeline_find(const struct nf_pipeline *p, const char *name)
{
    for (int i = 0; i < p->nelems; i++)
        if (strcmp(p->elems[i].name, name) == 0)
            return &p->elems[i];
    return NULL;
}

uint64_t nf_pipeline_drops(const struct nf_pipeline *p)
{
    uint64_t s = 0;
    for (int i = 0; i < p->nelems; i++)
        for (int r = 0; r < NF_MAX_DROP_REASONS; r++)
            if (!(p->elems[i].ops->event_reasons >> r & 1))
                s += p->elems[i].drops[r];
    return s;
}
