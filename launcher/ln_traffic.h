/*
 * ln_traffic — the measuring instruments of a run: where `scc gen` and
 * `scc sink` run and how they pace, and their command lines.
 *
 * Placement rule (DESIGN.md "Traffic placement"; measured in issue 10: a
 * generator spinning next to an NF made a 44 us chain look like 431 us):
 *   - a cpu given in the spec (traffic.gen_cpu / sink_cpu) is used as is;
 *   - otherwise the generator gets a core no local NF is pinned to, else
 *     the core with the fewest NFs; the sink gets a second free core, else
 *     the generator's free core, else the last NF's core. A sink beside the
 *     NFs adds its own ~10 us per packet to cores the NFs already keep busy
 *     (default chain, 20 kpps, 2 vCPUs: p50/p99 79/521 us and 41 % spread
 *     between runs, against 65/170 us and 6 % beside the generator);
 *   - the generator spins before each burst (50 us) only when its core is
 *     its own (no NF, not the sink); everywhere else it sleeps, so it never
 *     takes the CPU an NF needs. traffic.gen_spin_us overrides this.
 */
#ifndef LN_TRAFFIC_H
#define LN_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/scc_util.h"
#include "launcher/ln_topo.h"
#include "launcher/scc_spec.h"

#define LN_GEN_SPIN_US 50 /* spin window of a generator on a core of its own */

struct ln_placement {
    struct scc_cpuset gen, sink;   /* never empty after ln_place_traffic */
    bool gen_auto, sink_auto;      /* chosen by the rule above, not the spec */
    int gen_spin_us;               /* what the generator is told */
    bool gen_shares;               /* the generator's core runs an NF or the sink */
    bool sink_shares_nf;           /* the sink's core runs an NF */
};

/* Apply the rule for plan's local stages on the online cores. Returns 0, or
 * -EINVAL with a message in err (an explicit cpu is not online). */
int ln_place_traffic(const struct scc_chain *ch, const struct ln_plan *plan,
                     const struct scc_cpuset *online, struct ln_placement *out, char *err,
                     size_t errlen);

/* One line for a person: "gen cpu 0 (spins 50 us), fw cpu 1, ..., sink cpu 1". */
void ln_placement_format(const struct scc_chain *ch, const struct ln_plan *plan,
                         const struct ln_placement *pl, char *buf, size_t len);

/* Options of `scc gen` (gen=true) or `scc sink` for the stage, appended to
 * argv (at *argc, at most max entries); strings are formatted into store.
 * notify_path: the sink's window notification FIFO (NULL: none);
 * no_latency: why one-way latency cannot be measured (NULL: it can). */
struct ln_traffic_argv {
    const char **argv;
    int *argc, max;
    char *store;
    size_t storelen;
};
void ln_traffic_args(const struct scc_chain *ch, const struct ln_stage *st,
                     const struct ln_placement *pl, bool gen, const char *json_path,
                     const char *notify_path, const char *no_latency,
                     struct ln_traffic_argv *out);

#endif
