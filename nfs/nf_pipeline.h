/*
 * nf_pipeline — builds an element graph from a pipeline string and runs
 * batches through it.
 *
 * Build: the string is parsed by nf_conf_parse (nf_parse.h); every element
 * class is looked up ("did you mean"), port use is checked (each output
 * connected exactly once, every input used, counts within the class's
 * bounds, no cycles), then every element is configured and initialised.
 * Any failure returns -EINVAL with one line naming the element.
 *
 * Run: nf_pipeline_run() hands a batch to the FromIO element and pushes
 * it through the graph depth-first, one batch per edge. Packets that reach
 * ToIO(N) collect in output batch N, which the caller sends and then clears.
 * Nothing is allocated after build.
 */
#ifndef NF_PIPELINE_H
#define NF_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "nfs/nf_element.h"
#include "nfs/nf_pkt.h"

#define NF_PIPE_MAX_IO 16 /* FromIO/ToIO port indexes 0..15 */

struct nf_pipeline_opts {
    size_t sz;         /* sizeof(struct nf_pipeline_opts) */
    unsigned batch;    /* largest batch nf_pipeline_run accepts; 0 = NF_BATCH_MAX */
    unsigned noutputs; /* ToIO port indexes allowed (1 = only ToIO(0)); 0 = NF_PIPE_MAX_IO */
};

struct nf_pipeline;

/* Build. Returns 0 and *out, or -EINVAL (message in err) / -ENOMEM. */
int nf_pipeline_build(const char *text, const struct nf_pipeline_opts *opts,
                      struct nf_pipeline **out, char *err, size_t errlen);
void nf_pipeline_destroy(struct nf_pipeline *p); /* accepts NULL */

/* Run batch b (b->n <= batch) through FromIO(in_port). now_ns is the time
 * elements see (timeouts). Packets in b are consumed: each ends in an
 * output batch or is dropped. Returns the number of packets accepted. */
unsigned nf_pipeline_run(struct nf_pipeline *p, unsigned in_port, struct nf_batch *b,
                         uint64_t now_ns);
/* The same for a batch of the given direction (nf_element_dir() in the
 * elements): scc-nf runs its return path with NF_DIR_RETURN.
 * nf_pipeline_run() is this with NF_DIR_FORWARD. */
unsigned nf_pipeline_run_dir(struct nf_pipeline *p, unsigned in_port, struct nf_batch *b,
                             uint64_t now_ns, enum nf_dir dir);
/* Output batch of ToIO(port), or NULL when port is out of range. */
struct nf_batch *nf_pipeline_output(struct nf_pipeline *p, unsigned port);
/* Empty every output batch (after sending them). */
void nf_pipeline_clear_outputs(struct nf_pipeline *p);

/* Highest ToIO port used + 1 (0 when the pipeline has no ToIO). */
unsigned nf_pipeline_noutputs(const struct nf_pipeline *p);
int nf_pipeline_nelements(const struct nf_pipeline *p);
const struct nf_element *nf_pipeline_element(const struct nf_pipeline *p, int i);
/* Element by name (declared name or Class@N), or NULL. */
const struct nf_element *nf_pipeline_find(const struct nf_pipeline *p, const char *name);
/* Sum of every drop counter of every element (event counters, see
 * nf_element_ops.event_reasons, are not drops and are left out). */
uint64_t nf_pipeline_drops(const struct nf_pipeline *p);

/* Element classes known to the framework. */
const struct nf_element_ops *nf_element_class(const char *cls);
size_t nf_element_classes(const char *const **names);

#endif
