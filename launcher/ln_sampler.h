/*
 * ln_sampler — the launcher's own measurement, attached through the run
 * hooks (ln_hooks.h): samples every NF (stats page + /proc) at the edges
 * of each window and when a process exits, and sums one share per process
 * (ln_nf_figures), so a restart inside a window adds up instead of
 * subtracting two processes' counters.
 */
#ifndef LN_SAMPLER_H
#define LN_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "launcher/ln_hooks.h"
#include "launcher/ln_nfctl.h"

struct ln_sampler;

/* nnf NFs; stats_names[i] is NF i's stats page name, or NULL when that NF
 * does not run on this host (it is then never sampled). NULL on ENOMEM. */
struct ln_sampler *ln_sampler_new(int nnf, const char *const *stats_names);
void ln_sampler_free(struct ln_sampler *s); /* accepts NULL */

/* NFs head..head+n-1 run as one fused process (scc-nf --stage, one stage
 * each, in that order) whose page is head's: the supervisor reports only
 * head's process; each NF's figures are its stage's. 0 or -EINVAL. */
int ln_sampler_set_group(struct ln_sampler *s, int head, int n);

/* The hooks to register with the supervisor (ctx = s). */
struct ln_hooks ln_sampler_hooks(struct ln_sampler *s);

/* Figures per NF (nnf entries) over window w; valid after it closed. */
const struct ln_nf_figures *ln_sampler_figures(const struct ln_sampler *s, enum ln_window w);
/* Was w opened (and when: CLOCK_MONOTONIC ns)? Its length once closed. */
bool ln_sampler_opened(const struct ln_sampler *s, enum ln_window w);
bool ln_sampler_is_open(const struct ln_sampler *s, enum ln_window w);
double ln_sampler_seconds(const struct ln_sampler *s, enum ln_window w);

/* Packets received so far by the live NFs, from their stats pages (for
 * "has the chain drained"). */
uint64_t ln_sampler_rx_now(const struct ln_sampler *s);

#endif
