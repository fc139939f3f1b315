/*
 * sched_reserve — keep a set of cores for a chain: every other task the
 * scope names leaves them for the run and comes back exactly as it was
 * (like `cset shield`, on cgroup v1 and v2).
 *
 *   cgroup v1 (cpuset controller on its own hierarchy): a cpuset
 *     <root>/<name>.rest holding every online core but the reserved ones;
 *     scope "all" moves every movable task of the root cpuset there,
 *     "pids" moves the listed PIDs, "cgroup" narrows the named cpuset
 *     cgroup's cpuset.cpus (and its descendants', deepest first).
 *   cgroup v2 (cpuset in the unified hierarchy): a cgroup <root>/<name>
 *     with cpuset.cpus = the reserved cores and cpuset.cpus.partition =
 *     "isolated" (fallback "root"); the kernel then takes those cores from
 *     every other cgroup. The partition state is read back (it turns
 *     "... invalid (reason)" silently) and the member PIDs move into it.
 *     Scope "pids" on v2 narrows the listed tasks' affinity instead.
 *
 * Every original value is handed to the journal callback BEFORE it
 * changes, one record per line; the launcher writes them to its state
 * file, and undo (normal exit, Ctrl-C, `scc cleanup` after kill -9) feeds
 * them back to sched_reserve_undo() in reverse order. A task is restored
 * only when its PID and its start time (field 22 of /proc/PID/stat) both
 * still match. Records (all start with "sched-"):
 *     sched-mkdir PATH               a cgroup we created (rmdir on undo,
 *                                    after moving any leftover task to the parent)
 *     sched-write PATH OLD           a cgroup/proc file we changed (cpuset.cpus,
 *                                    cpuset.cpus.partition, smp_affinity_list;
 *                                    for cgroup.subtree_control OLD is the write
 *                                    that restores it, "-cpuset")
 *     sched-move PID START CGDIR     a task we moved; CGDIR is where it was
 *     sched-affinity PID START LIST  a task whose affinity we changed (or that a
 *                                    cpuset move changes); LIST is its old
 *                                    Cpus_allowed_list
 *
 * Nothing here prints; errors come back as -errno with a message.
 */
#ifndef SCHED_RESERVE_H
#define SCHED_RESERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/scc_util.h"

enum sched_scope { SCHED_SCOPE_ALL, SCHED_SCOPE_CGROUP, SCHED_SCOPE_PIDS };

/* Called with each record before the change it describes; a non-zero
 * return aborts the reservation (nothing further is changed). */
struct sched_journal {
    void *ctx;
    int (*record)(void *ctx, const char *rec);
};

struct sched_reserve_req {
    const char *name;             /* unique per chain: "scc-<chain>" (cgroup dir names) */
    struct scc_cpuset cores;      /* the reserved cores; never every online core */
    enum sched_scope scope;
    const char *cgroup;           /* scope cgroup: path below the cpuset (v1) or unified (v2) root */
    const pid_t *pids;            /* scope pids */
    int npids;
    const pid_t *keep;            /* the chain's own tasks (NFs, launcher, gen, sink): never moved away */
    int nkeep;
    const pid_t *members;         /* the tasks that run ON the reserved cores (the NFs): on v2
                                     they move into the partition; never moved away either.
                                     The launcher is a keep, not a member: on v2 it would
                                     otherwise take the generator and sink into the partition */
    int nmembers;
    bool move_irqs;               /* also narrow IRQ affinities that include reserved cores */
    const char *cgroot;           /* NULL: find the mounts in /proc/self/mountinfo; tests may
                                     point at a directory laid out like a cgroup mount */
    bool dry_run;                 /* change nothing: fill the report with what would happen */
};

#define SCHED_RESERVE_MAX_LIST 256

struct sched_reserve_task {
    pid_t pid;
    char comm[17];
    char why[64];                 /* unmovable: "kernel thread bound to its cores (PF_NO_SETAFFINITY)" ... */
};

struct sched_reserve_irq {
    int irq;
    char was[64];                 /* smp_affinity_list before */
    char now[64];                 /* after ("" = unchanged) */
    char why[64];                 /* "managed by the kernel (EIO)", "not asked to move" ... */
};

struct sched_reserve_report {
    int cgroup_version;           /* 1 or 2 */
    char where[256];              /* the cpuset/cgroup created (v1 all/pids: <root>/<name>.rest,
                                     v2 all: <root>/<name>), or narrowed (scope cgroup);
                                     "" for v2 scope pids (affinity only) */
    char partition[128];          /* v2: cpuset.cpus.partition read back; "" on v1 */
    int nmoved;                   /* tasks moved (or that would be) */
    struct sched_reserve_task moved[SCHED_RESERVE_MAX_LIST]; /* first ones */
    int nunmovable;               /* tasks that stay and may run on a reserved core */
    struct sched_reserve_task unmovable[SCHED_RESERVE_MAX_LIST];
    int nirqs;
    struct sched_reserve_irq irqs[SCHED_RESERVE_MAX_LIST];
};

/* Reserve req->cores. On failure part of the work may be done: every
 * change was journaled first, so undo puts it back. Returns 0 or -errno:
 * -EINVAL (every online core, empty set, scope without its cgroup/pids),
 * -ENOTSUP (no cpuset controller mounted), -ENOENT (the named cgroup), ... */
int sched_reserve_apply(const struct sched_reserve_req *req, const struct sched_journal *j,
                        struct sched_reserve_report *rep, char *err, size_t errlen);

/* A task of the chain started after the reservation (an NF's restart):
 * on v2 move it into the partition (journaled); on v1 nothing to do.
 * Returns 0 or -errno. */
int sched_reserve_add_task(const struct sched_reserve_req *req, const struct sched_journal *j,
                           pid_t pid, char *err, size_t errlen);

/* Is rec one of ours (starts with "sched-")? */
bool sched_is_record(const char *rec);

/* Undo one record. Returns 0 (done, or nothing left to do: the task is
 * gone), 1 (skipped on purpose: the PID now belongs to another process;
 * msg says so) or -errno (msg says what failed). */
int sched_reserve_undo(const char *rec, char *msg, size_t msglen);

/* Check a v2 cpuset.cpus.partition read-back against the state written
 * ("isolated", "root"): the kernel accepts the write and then reports
 * "isolated invalid (Cpu list in cpuset.cpus not exclusive)" when it cannot
 * make the partition. Returns 0 when readback is wanted, else -EINVAL
 * with why naming the kernel's reason. */
int sched_partition_check(const char *readback, const char *wanted, char *why, size_t whylen);

/* Which cgroup hierarchy carries cpuset here: 1, 2, or -ENOTSUP; the
 * mount point into root. */
int sched_cpuset_hierarchy(char *root, size_t rootlen);

#endif
