/*
 * ln_sched — a run's scheduling: what the chain spec's `scheduler` block
 * and each NF's `sched` ask for, done to the real processes and read back
 * from the kernel.
 *
 *   per NF (the nf_started run hook, at start and after every restart):
 *     policy, nice, rt priority and EEVDF slice with one sched_setattr and
 *     SCHED_FLAG_RESET_ON_FORK, then read back (sched_getattr, /proc) and
 *     kept; a refusal stops the run with the reason and what to do;
 *   chain-wide, before the NFs start: scheduler.rr_timeslice_ms through the
 *     journal (restored on exit, Ctrl-C and `scc cleanup`);
 *   chain-wide, once every NF is ready and before traffic: the core
 *     reservation (scheduler.reserve_cores, sched_reserve.h), journaled;
 *   chain-order mode: which NFs get scc-nf's --yield.
 *
 * The table `scc run` prints before traffic and `scc sched show` prints
 * for a running chain (ln_sched_table) is built from the kernel's view of
 * each process, never from the spec. Errors are logged (scc_log) where the
 * run hooks require it; tables go to the FILE the caller gives.
 */
#ifndef LN_SCHED_H
#define LN_SCHED_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "launcher/ln_hooks.h"
#include "launcher/ln_state.h"
#include "launcher/ln_topo.h"
#include "launcher/ln_traffic.h"
#include "launcher/scc_spec.h"
#include "scheduler/sched_view.h"

struct json_object;

/* One process as the kernel sees it, with what was asked of it. */
struct ln_sched_row {
    char name[SCC_NAME_MAX];
    pid_t pid;
    bool have;               /* view holds a read-back (false: gone, or never read) */
    struct sched_view view;
    bool asked_known;        /* what was asked is known (a run; not `scc sched show`) */
    bool asked_slice;        /* a custom slice was requested */
    uint64_t asked_slice_ns;
    const char *slice_how;   /* "custom (sched_runtime)", "kernel default", or the
                                fallback text "kernel default (custom slices need
                                Linux 6.12+)" */
};

struct ln_sched;

/* For chain ch as planned (both must outlive it). NULL on ENOMEM. */
struct ln_sched *ln_sched_new(const struct scc_chain *ch, const struct ln_plan *plan);
void ln_sched_free(struct ln_sched *s); /* accepts NULL */

/* The journal the sysctl and the reservation's records go to. */
void ln_sched_set_state(struct ln_sched *s, struct ln_state *st);

/* The hooks to register with the supervisor (ctx = s): nf_started applies
 * and reads back the NF's scheduling (and adds a restarted NF to the
 * reservation). */
struct ln_hooks ln_sched_hooks(struct ln_sched *s);

/* Checks that need the traffic placement (NULL: no traffic tools run): a
 * reserved core where the generator or sink is placed, or every online
 * core reserved. Returns 0 or -EINVAL with err naming the spec key. */
int ln_sched_check(const struct ln_sched *s, const struct ln_placement *pl, char *err,
                   size_t errlen);

/* Before the NFs start: scheduler.rr_timeslice_ms (journaled). Under
 * ln_dry_run the change goes to the dry-run output. Returns 0 or -1 (logged). */
int ln_sched_before_nfs(struct ln_sched *s);

/* Does NF nf get --yield (chain-order mode, and it shares a core with
 * another NF of the chain that runs on this host)? */
bool ln_sched_nf_yields(const struct scc_chain *ch, const struct ln_plan *plan, int nf);

/* chain_order "token": is NF nf a member of a token ring (2 or more NFs of
 * this host on its one core; the validator made them consecutive)? Then
 * *idx is its position in the ring, *n the ring's size, *core the core.
 * The launcher creates one ring segment per core (ln_sched_ring_path) before
 * the ring's NFs start and passes it with scc-nf --ring. */
bool ln_sched_nf_ring(const struct scc_chain *ch, const struct ln_plan *plan, int nf,
                      unsigned *idx, unsigned *n, int *core);
/* The ring segment of a core: <state dir>/<state name>.ring<core>. */
void ln_sched_ring_path(const struct ln_plan *plan, int core, char *buf, size_t len);

/* Once every NF is ready, before traffic: reserve scheduler.reserve_cores
 * (nothing when empty), keeping the NFs and the launcher. Under ln_dry_run
 * it asks the reservation what it would do and prints that to out.
 * Returns 0 or -1 (logged). */
int ln_sched_reserve(struct ln_sched *s, FILE *out);

/* Read every NF back from the kernel now, print the table and the
 * reservation summary to out. */
void ln_sched_print(struct ln_sched *s, FILE *out);

/* The same as JSON (a new object: "nfs", "rr_timeslice_ms", "mode",
 * "reservation"); NULL on ENOMEM. Uses the last read-back. */
struct json_object *ln_sched_json(const struct ln_sched *s);

/* Read pid back into row (sched_view; the launcher's own reader where the
 * scheduler's is not available). Returns 0 or -errno. */
int ln_sched_read_row(pid_t pid, struct ln_sched_row *row);

/* The per-process table (header included) and its JSON array. */
void ln_sched_table(const struct ln_sched_row *rows, int n, FILE *out);
struct json_object *ln_sched_rows_json(const struct ln_sched_row *rows, int n);

/* `scc sched show [CHAIN] [--json]` (cmd_sched.c). */
int cmd_sched(int argc, char **argv);

#endif
