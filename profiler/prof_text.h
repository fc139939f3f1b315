/*
 * prof_text — the model as a perf-stat-like text table: it opens with the
 * three biggest causes of latency in words, then one aligned block per NF
 * and one for the chain (every term with events/packet, ns/event and
 * ns/packet, or <unavailable> and why; the total and the terms it lacks;
 * the multiplexing share; CPU, run-queue wait, blocked time, switches and
 * system calls per packet). Writes to the caller's FILE; never to stdout
 * on its own.
 *
 * It renders either a live model (prof_text_write) or the same results
 * read back from a saved run file (prof_text_write_results, `scc
 * report`): one table, one code path, whichever the source.
 */
#ifndef PROF_TEXT_H
#define PROF_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "profiler/prof_model.h"

#define PROF_TEXT_CAUSE_MAX 256
/* A cause below this share (percent) of its NF's time per packet is not listed. */
#define PROF_TEXT_CAUSE_MIN_PCT 1.0

/* The (up to) three biggest causes, biggest first, as sentences such as
 * "fw: 41% of its time per packet is run-queue wait — it shares core 1
 * with rt". A cause is an NF's run-queue wait or one of its available
 * terms, ranked by ns per packet; the share is of the NF's time per packet
 * (run + run-queue wait; the model's total where /proc was not sampled).
 * A cause below PROF_TEXT_CAUSE_MIN_PCT of its NF's time is left out. For
 * run-queue wait, the NFs named as sharing the core are those of the
 * chain's other processes (never NFs fused into the same process).
 * Returns how many were written (0..3). Cannot fail. */
size_t prof_text_causes(const struct prof_model *m, char out[3][PROF_TEXT_CAUSE_MAX]);

/* The same from n NF results (in chain order, as prof_model_nf gives
 * them). Cannot fail; 0 when n == 0. */
size_t prof_text_causes_results(const struct prof_nf_result *nfs, size_t n,
                                char out[3][PROF_TEXT_CAUSE_MAX]);

/* Write the report. Returns 0, or -EIO when writing to f failed. */
int prof_text_write(FILE *f, const struct prof_model *m);

/* Write the report from results: n NFs in chain order and the chain's
 * (what prof_model_nf / prof_model_chain give, or a run file's "profile"
 * read back). Returns 0, -EINVAL (n == 0 or a NULL), or -EIO. */
int prof_text_write_results(FILE *f, const struct prof_nf_result *nfs, size_t n,
                            const struct prof_nf_result *chain);

#endif
