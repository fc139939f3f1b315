/*
 * sched_reserve — see sched_reserve.h for the contract and the records.
 *
 * Order of every change: check everything that can be checked, hand the
 * original value to the journal, then change it. Undo replays the records
 * in reverse, which fixes two orders here:
 *   - a v1 cpuset move resets the task's affinity to the cpuset's cpus, so
 *     `sched-affinity` is journaled BEFORE `sched-move`: undo moves the
 *     task back first, then restores its own affinity;
 *   - cpuset.cpus of a cgroup tree is narrowed deepest first (v1 wants a
 *     child's cpus inside its parent's), so undo widens parents first.
 *
 * What cannot move and why:
 *   - kernel threads with PF_NO_SETAFFINITY (per-CPU kthreads: ksoftirqd/N,
 *     migration/N, cpuhp/N, kworker/N:*): the kernel refuses any affinity
 *     change; they stay and are listed when they may run on a reserved core;
 *   - tasks already in another cpuset (scope all, v1): someone placed them,
 *     so they are listed ("in cpuset X") and left alone;
 *   - writes the kernel refuses for other reasons (EINVAL ...), listed with
 *     the errno.
 *
 * Nothing here prints; errors return -errno with a message in err.
 */
#include "scheduler/sched_reserve.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scheduler/sched_cg.h"

struct ctx {
    const struct sched_reserve_req *req;
    const struct sched_journal *j;
    struct sched_reserve_report *rep;
    char *err;
    size_t errlen;
    struct scc_cpuset online, rest;
    char root[512]; /* the cpuset hierarchy's mount (or req->cgroot) */
    char mroot[512]; /* the mount's root inside the hierarchy ("/" usually) */
    bool layout;     /* req->cgroot: a directory laid out like a mount (tests) */
};

static int fail(struct ctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct ctx *c, int rc, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static void setmsg(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void setmsg(char *msg, size_t len, const char *fmt, ...)
{
    if (!msg || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* Copy src into dst (len bytes), cut to fit. */
static void cut(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ---- cpu sets ---- */

static bool overlaps(const struct scc_cpuset *a, const struct scc_cpuset *b)
{
    for (size_t i = 0; i < sizeof(a->bits) / sizeof(a->bits[0]); i++)
        if (a->bits[i] & b->bits[i])
            return true;
    return false;
}

static void minus(struct scc_cpuset *a, const struct scc_cpuset *b)
{
    for (size_t i = 0; i < sizeof(a->bits) / sizeof(a->bits[0]); i++)
        a->bits[i] &= ~b->bits[i];
}

static bool list_overlaps(const char *list, const struct scc_cpuset *cores)
{
    struct scc_cpuset s;
    return list && list[0] && scc_cpuset_parse(list, &s) == 0 && overlaps(&s, cores);
}

static int set_affinity(pid_t tid, const struct scc_cpuset *s)
{
    cpu_set_t m;
    CPU_ZERO(&m);
    for (int i = 0; i < SCC_MAX_CPUS && i < CPU_SETSIZE; i++)
        if (scc_cpuset_isset(s, i))
            CPU_SET(i, &m);
    return sched_setaffinity(tid, sizeof(m), &m) < 0 ? -errno : 0;
}

/* ---- journal and report ---- */

static int journal(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int journal(struct ctx *c, const char *fmt, ...)
{
    char rec[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(rec, sizeof(rec), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(rec) || strchr(rec, '\n'))
        return fail(c, -EOVERFLOW, "journal record too long or with a newline: %.80s", rec);
    int rc = c->j->record(c->j->ctx, rec);
    if (rc)
        return fail(c, rc < 0 ? rc : -EIO, "the journal refused '%s' (%d): nothing further "
                    "changed", rec, rc);
    return 0;
}

static void add_task(int *count, struct sched_reserve_task *list, pid_t tid, const char *comm,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_task(int *count, struct sched_reserve_task *list, pid_t tid, const char *comm,
                     const char *fmt, ...)
{
    if (*count < SCHED_RESERVE_MAX_LIST) {
        struct sched_reserve_task *t = &list[*count];
        t->pid = tid;
        snprintf(t->comm, sizeof(t->comm), "%s", comm ? comm : "");
        t->why[0] = '\0';
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(t->why, sizeof(t->why), fmt, ap);
            va_end(ap);
        }
    }
    (*count)++;
}

static bool kept(const struct ctx *c, pid_t tid, pid_t tgid)
{
    for (int i = 0; i < c->req->nkeep; i++)
        if (c->req->keep[i] == tid || c->req->keep[i] == tgid)
            return true;
    for (int i = 0; i < c->req->nmembers; i++)
        if (c->req->members[i] == tid || c->req->members[i] == tgid)
            return true;
    return false;
}

/* Why a PF_NO_SETAFFINITY kthread stays: unbound workqueue workers (and
 * rescuers) follow the workqueue cpumask, which is another knob; the rest
 * are per-CPU threads that do their CPU's work. */
static const char *unmovable_why(const char *comm)
{
    if (!strncmp(comm, "kworker/u", 9) || !strncmp(comm, "kworker/R-", 10))
        return "workqueue worker (PF_NO_SETAFFINITY; see workqueue/cpumask)";
    return "kernel thread bound to its cores (PF_NO_SETAFFINITY)";
}

/* ---- task lists ---- */

struct tids {
    pid_t *v;
    size_t n, cap;
};

static int tids_add(struct tids *t, pid_t tid)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        pid_t *nv = realloc(t->v, cap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        t->v = nv;
        t->cap = cap;
    }
    t->v[t->n++] = tid;
    return 0;
}

/* Every line of a cgroup's tasks (or cgroup.procs) file. */
static int tids_from_file(struct tids *t, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char line[32];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        int tid = atoi(line);
        if (tid > 0)
            rc = tids_add(t, tid);
    }
    fclose(f);
    return rc;
}

/* The threads of process pid (-ESRCH: no such process). */
static int tids_of_pid(struct tids *t, pid_t pid)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/task", (int)pid);
    DIR *d = opendir(p);
    if (!d)
        return errno == ENOENT ? -ESRCH : -errno;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)))
        if (atoi(e->d_name) > 0)
            rc = tids_add(t, atoi(e->d_name));
    closedir(d);
    return rc;
}

/* Every thread of the machine (v2 scope all: the partition takes the cores
 * from every cgroup, so the report covers every task). */
static int tids_all(struct tids *t)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        int pid = atoi(e->d_name);
        if (pid > 0) {
            rc = tids_of_pid(t, pid);
            if (rc == -ESRCH)
                rc = 0;
        }
    }
    closedir(d);
    return rc;
}

/* ---- cgroup paths ---- */

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *p) { return access(p, F_OK) == 0; }

/* The directory of tid's cgroup (cpuset on v1, the unified one on v2). */
static int task_cgdir(const struct ctx *c, pid_t tid, int version, char *out, size_t len)
{
    char cg[512];
    int rc = sched_cg_task_path(tid, version == 1 ? "cpuset" : NULL, cg, sizeof(cg));
    if (rc < 0)
        return rc;
    const char *rel = cg;
    size_t rl = strlen(c->mroot);
    if (strcmp(c->mroot, "/") && !strncmp(cg, c->mroot, rl) && (cg[rl] == '/' || !cg[rl]))
        rel = cg + rl;
    if (!strcmp(rel, "/"))
        rel = "";
    if (strlen(c->root) + strlen(rel) >= len)
        return -ENAMETOOLONG;
    cut(out, len, c->root);
    cut(out + strlen(out), len - strlen(out), rel);
    return 0;
}

/* A cgroup path given by the user: below the root, no "..". */
static int user_cgdir(struct ctx *c, char *out, size_t len)
{
    const char *g = c->req->cgroup;
    if (!g || !g[0])
        return fail(c, -EINVAL, "scope cgroup needs the cgroup to narrow");
    if (strstr(g, ".."))
        return fail(c, -EINVAL, "cgroup '%s': '..' is not allowed", g);
    while (*g == '/')
        g++;
    snprintf(out, len, "%s%s%s", c->root, *g ? "/" : "", g);
    if (!*g)
        return fail(c, -EINVAL, "scope cgroup: the root cgroup cannot be narrowed (use scope all)");
    if (!is_dir(out))
        return fail(c, -ENOENT, "cgroup %s: no such cgroup (%s)", c->req->cgroup, out);
    return 0;
}

/* ---- IRQs ---- */

static int irqs(struct ctx *c)
{
    DIR *d = opendir("/proc/irq");
    if (!d)
        return 0; /* no /proc/irq (containers): nothing to report */
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        int irq = atoi(e->d_name);
        if (irq <= 0 && strcmp(e->d_name, "0"))
            continue;
        char p[128], was[64];
        snprintf(p, sizeof(p), "/proc/irq/%d/smp_affinity_list", irq);
        if (sched_cg_read(p, was, sizeof(was)) < 0 || !list_overlaps(was, &c->req->cores))
            continue;
        struct sched_reserve_report *rep = c->rep;
        struct sched_reserve_irq tmp, *q = rep->nirqs < SCHED_RESERVE_MAX_LIST
                                               ? &rep->irqs[rep->nirqs] : &tmp;
        rep->nirqs++;
        memset(q, 0, sizeof(*q));
        q->irq = irq;
        snprintf(q->was, sizeof(q->was), "%s", was);
        if (!c->req->move_irqs) {
            snprintf(q->why, sizeof(q->why), "not asked to move");
            continue;
        }
        struct scc_cpuset to;
        scc_cpuset_parse(was, &to);
        minus(&to, &c->req->cores);
        if (scc_cpuset_count(&to) == 0)
            to = c->rest; /* it allowed only reserved cores */
        char now[64];
        scc_cpuset_format(&to, now, sizeof(now));
        if (c->req->dry_run) {
            snprintf(q->now, sizeof(q->now), "%s", now);
            snprintf(q->why, sizeof(q->why), "would move (dry run)");
            continue;
        }
        rc = journal(c, "sched-write %s %s", p, was);
        if (rc < 0)
            break;
        int w = sched_cg_write(p, now);
        if (w == -EIO)
            snprintf(q->why, sizeof(q->why), "managed by the kernel (EIO)");
        else if (w < 0)
            snprintf(q->why, sizeof(q->why), "write: %s", strerror(-w));
        else
            sched_cg_read(p, q->now, sizeof(q->now));
    }
    closedir(d);
    return rc;
}

/* ---- moving tasks (v1: into a cpuset; v2 scope pids: affinity) ---- */

/* Move (or, dry run, list) one thread. to_tasks: the cpuset's tasks file
 * (v1), NULL: narrow the affinity instead (v2 scope pids). */
static int move_one(struct ctx *c, pid_t tid, const char *to_tasks)
{
    struct sched_reserve_report *rep = c->rep;
    unsigned long flags = 0;
    unsigned long long start = 0;
    char comm[17] = "", cpus[128] = "";
    pid_t tgid = tid;
    if (sched_cg_stat(tid, NULL, &flags, &start, NULL, comm) < 0 ||
        sched_cg_status(tid, cpus, sizeof(cpus), &tgid) < 0)
        return 0; /* exited meanwhile */
    if (kept(c, tid, tgid))
        return 0;
    if (flags & SCHED_PF_NO_SETAFFINITY) {
        if (list_overlaps(cpus, &c->req->cores))
            add_task(&rep->nunmovable, rep->unmovable, tid, comm, "%s", unmovable_why(comm));
        return 0;
    }
    if (!to_tasks && !list_overlaps(cpus, &c->req->cores))
        return 0; /* affinity mode: already off the reserved cores */
    if (c->req->dry_run) {
        add_task(&rep->nmoved, rep->moved, tid, comm, NULL);
        return 0;
    }
    int rc = journal(c, "sched-affinity %d %llu %s", (int)tid, start, cpus);
    if (rc < 0)
        return rc;
    int w;
    if (to_tasks) {
        char from[512];
        if (task_cgdir(c, tid, 1, from, sizeof(from)) < 0)
            return 0;
        rc = journal(c, "sched-move %d %llu %s", (int)tid, start, from);
        if (rc < 0)
            return rc;
        char num[24];
        snprintf(num, sizeof(num), "%d", (int)tid);
        w = sched_cg_write(to_tasks, num);
    } else {
        struct scc_cpuset to;
        scc_cpuset_parse(cpus, &to);
        minus(&to, &c->req->cores);
        if (scc_cpuset_count(&to) == 0)
            to = c->rest;
        w = set_affinity(tid, &to);
    }
    if (w == 0)
        add_task(&rep->nmoved, rep->moved, tid, comm, NULL);
    else if (w != -ESRCH)
        add_task(&rep->nunmovable, rep->unmovable, tid, comm, "%s: %s (%s)",
                 to_tasks ? "write to tasks" : "sched_setaffinity", strerror(-w),
                 w == -EINVAL ? "EINVAL" : "errno");
    return 0;
}

/* Scope pids: the listed processes' threads. */
static int move_pids(struct ctx *c, const char *to_tasks)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < c->req->npids; i++) {
        struct tids t = {0};
        rc = tids_of_pid(&t, c->req->pids[i]);
        if (rc == -ESRCH) {
            rc = fail(c, -ESRCH, "pid %d: no such process", (int)c->req->pids[i]);
        }
        for (size_t k = 0; rc == 0 && k < t.n; k++)
            rc = move_one(c, t.v[k], to_tasks);
        free(t.v);
    }
    return rc;
}

/* Scope all on v1: tasks of other cpusets whose cpus include reserved
 * cores are someone else's placement: listed, not moved. */
static void list_other_cpusets(struct ctx *c, const char *dir, const char *skip)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || e->d_type != DT_DIR)
            continue;
        char sub[1024];
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
        if (!strcmp(sub, skip))
            continue;
        char file[1100], cpus[256];
        snprintf(file, sizeof(file), "%s/cpuset.effective_cpus", sub);
        if (sched_cg_read(file, cpus, sizeof(cpus)) < 0) {
            snprintf(file, sizeof(file), "%s/cpuset.cpus", sub);
            sched_cg_read(file, cpus, sizeof(cpus));
        }
        if (list_overlaps(cpus, &c->req->cores)) {
            struct tids t = {0};
            snprintf(file, sizeof(file), "%s/tasks", sub);
            tids_from_file(&t, file);
            for (size_t k = 0; k < t.n; k++) {
                char comm[17] = "";
                pid_t tgid = t.v[k];
                sched_cg_status(t.v[k], NULL, 0, &tgid);
                if (kept(c, t.v[k], tgid) || sched_cg_stat(t.v[k], NULL, NULL, NULL, NULL, comm) < 0)
                    continue;
                add_task(&c->rep->nunmovable, c->rep->unmovable, t.v[k], comm, "in cpuset %s",
                         sub + strlen(c->root));
            }
            free(t.v);
        }
        list_other_cpusets(c, sub, skip);
    }
    closedir(d);
}

/* ---- scope cgroup: narrow a cpuset tree (v1 and v2) ---- */

struct cgdir {
    char path[1024];
    int depth;
    char old[256];
    char now[256];
};

static int by_depth_desc(const void *a, const void *b)
{
    return ((const struct cgdir *)b)->depth - ((const struct cgdir *)a)->depth;
}

static int collect_dirs(const char *dir, int depth, struct cgdir **v, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        struct cgdir *nv = realloc(*v, *cap * sizeof(**v));
        if (!nv)
            return -ENOMEM;
        *v = nv;
    }
    memset(&(*v)[*n], 0, sizeof(**v));
    snprintf((*v)[*n].path, sizeof((*v)[*n].path), "%s", dir);
    (*v)[(*n)++].depth = depth;
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.' || e->d_type != DT_DIR)
            continue;
        char sub[1024];
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
        rc = collect_dirs(sub, depth + 1, v, n, cap);
    }
    closedir(d);
    return rc;
}

static int narrow_cgroup(struct ctx *c, int version)
{
    char top[1024];
    int rc = user_cgdir(c, top, sizeof(top));
    if (rc < 0)
        return rc;
    cut(c->rep->where, sizeof(c->rep->where), top);
    struct cgdir *v = NULL;
    size_t n = 0, cap = 0;
    struct tids t = {0};
    rc = collect_dirs(top, 0, &v, &n, &cap);
    if (rc < 0) {
        rc = fail(c, rc, "cgroup %s: %s", top, strerror(-rc));
        goto out;
    }
    const char *tasks = version == 1 ? "tasks" : "cgroup.procs";
    /* check every directory before changing any */
    for (size_t i = 0; i < n; i++) {
        char file[1100], eff[256];
        snprintf(file, sizeof(file), "%s/cpuset.cpus", v[i].path);
        rc = sched_cg_read(file, v[i].old, sizeof(v[i].old));
        if (rc < 0) {
            rc = fail(c, rc, "read %s: %s (is it a cpuset cgroup?)", file, strerror(-rc));
            goto out;
        }
        const char *base = v[i].old;
        if (!base[0]) { /* v2: empty = the parent's; narrow what it has in effect */
            snprintf(file, sizeof(file), "%s/cpuset.cpus.effective", v[i].path);
            sched_cg_read(file, eff, sizeof(eff));
            base = eff;
        }
        struct scc_cpuset s;
        if (!base[0] || scc_cpuset_parse(base, &s) < 0) {
            rc = fail(c, -EINVAL, "%s: cannot read its cpus ('%s')", v[i].path, base);
            goto out;
        }
        minus(&s, &c->req->cores);
        if (scc_cpuset_count(&s) == 0) {
            char cores[128];
            scc_cpuset_format(&c->req->cores, cores, sizeof(cores));
            rc = fail(c, -EINVAL, "cpuset %s has cpus %s: nothing would be left without the "
                      "reserved cores %s; refusing", v[i].path, base, cores);
            goto out;
        }
        scc_cpuset_format(&s, v[i].now, sizeof(v[i].now));
        size_t before = t.n;
        snprintf(file, sizeof(file), "%s/%s", v[i].path, tasks);
        tids_from_file(&t, file);
        for (size_t k = before; k < t.n; k++) {
            pid_t tgid = t.v[k];
            sched_cg_status(t.v[k], NULL, 0, &tgid);
            if (kept(c, t.v[k], tgid)) {
                rc = fail(c, -EINVAL, "task %d, one of the chain's own, is in %s, which would "
                          "lose the reserved cores; refusing", (int)t.v[k], v[i].path);
                goto out;
            }
        }
    }
    /* the affinity of every task in the tree changes with its cpuset */
    for (size_t k = 0; k < t.n; k++) {
        unsigned long long start;
        char comm[17] = "", cpus[128] = "";
        if (sched_cg_stat(t.v[k], NULL, NULL, &start, NULL, comm) < 0 ||
            sched_cg_status(t.v[k], cpus, sizeof(cpus), NULL) < 0)
            continue;
        add_task(&c->rep->nmoved, c->rep->moved, t.v[k], comm, NULL);
        if (!c->req->dry_run && version == 1 &&
            (rc = journal(c, "sched-affinity %d %llu %s", (int)t.v[k], start, cpus)) < 0)
            goto out;
    }
    qsort(v, n, sizeof(*v), by_depth_desc);
    for (size_t i = 0; i < n && !c->req->dry_run; i++) {
        if (!strcmp(v[i].old, v[i].now))
            continue;
        char file[1100];
        snprintf(file, sizeof(file), "%s/cpuset.cpus", v[i].path);
        if ((rc = journal(c, "sched-write %s %s", file, v[i].old)) < 0)
            goto out;
        rc = sched_cg_write(file, v[i].now);
        if (rc < 0) {
            rc = fail(c, rc, "write %s = %s: %s", file, v[i].now, strerror(-rc));
            goto out;
        }
    }
out:
    free(v);
    free(t.v);
    return rc;
}

/* ---- cgroup v1 ---- */

static int v1_apply(struct ctx *c)
{
    const struct sched_reserve_req *req = c->req;
    c->rep->cgroup_version = 1;
    if (req->scope == SCHED_SCOPE_CGROUP)
        return narrow_cgroup(c, 1);
    char dir[1024], tasks[1100], file[1100], val[256];
    snprintf(dir, sizeof(dir), "%s/%s.rest", c->root, req->name);
    snprintf(tasks, sizeof(tasks), "%s/tasks", dir);
    cut(c->rep->where, sizeof(c->rep->where), dir);
    if (exists(dir))
        return fail(c, -EEXIST, "%s exists: a leftover of an earlier run? (scc cleanup)", dir);
    struct tids t = {0};
    int rc = 0;
    if (req->scope == SCHED_SCOPE_ALL) {
        snprintf(file, sizeof(file), "%s/tasks", c->root);
        rc = tids_from_file(&t, file);
        if (rc < 0) {
            free(t.v);
            return fail(c, rc, "read %s: %s", file, strerror(-rc));
        }
    }
    if (!req->dry_run) {
        if ((rc = journal(c, "sched-mkdir %s", dir)) < 0)
            goto out;
        if (mkdir(dir, 0755) < 0) {
            rc = fail(c, -errno, "mkdir %s: %s", dir, strerror(errno));
            goto out;
        }
        /* a new cpuset takes no task before it has memory nodes */
        snprintf(file, sizeof(file), "%s/cpuset.mems", c->root);
        rc = sched_cg_read(file, val, sizeof(val));
        if (rc == 0) {
            snprintf(file, sizeof(file), "%s/cpuset.mems", dir);
            rc = sched_cg_write(file, val);
        }
        if (rc == 0) {
            scc_cpuset_format(&c->rest, val, sizeof(val));
            snprintf(file, sizeof(file), "%s/cpuset.cpus", dir);
            rc = sched_cg_write(file, val);
        }
        if (rc < 0) {
            rc = fail(c, rc, "set up %s (%s): %s", dir, file, strerror(-rc));
            goto out;
        }
    }
    if (req->scope == SCHED_SCOPE_PIDS) {
        rc = move_pids(c, tasks);
    } else {
        for (size_t k = 0; rc == 0 && k < t.n; k++)
            rc = move_one(c, t.v[k], tasks);
        if (rc == 0)
            list_other_cpusets(c, c->root, dir);
    }
out:
    free(t.v);
    return rc;
}

/* ---- cgroup v2 ---- */

int sched_partition_check(const char *readback, const char *wanted, char *why, size_t whylen)
{
    if (readback && !strcmp(readback, wanted)) {
        setmsg(why, whylen, "%s", "");
        return 0;
    }
    const char *l = readback ? strchr(readback, '(') : NULL;
    const char *r = l ? strrchr(l, ')') : NULL;
    if (l && r)
        setmsg(why, whylen, "cpuset.cpus.partition reads back '%s' after writing '%s': the "
               "kernel refused the partition: %.*s", readback, wanted, (int)(r - l - 1), l + 1);
    else
        setmsg(why, whylen, "cpuset.cpus.partition reads back '%s' after writing '%s'",
               readback ? readback : "", wanted);
    return -EINVAL;
}

static int v2_write(struct ctx *c, const char *path, const char *val)
{
    return sched_cg_write_create(path, val, c->layout);
}

/* Report (and in a dry run, only report) what an isolated partition does
 * to every other task: movable ones lose the cores, per-CPU kthreads stay. */
static int v2_list_all(struct ctx *c)
{
    struct tids t = {0};
    int rc = tids_all(&t);
    for (size_t k = 0; rc == 0 && k < t.n; k++) {
        unsigned long flags = 0;
        char comm[17] = "", cpus[128] = "";
        pid_t tgid = t.v[k];
        if (sched_cg_stat(t.v[k], NULL, &flags, NULL, NULL, comm) < 0 ||
            sched_cg_status(t.v[k], cpus, sizeof(cpus), &tgid) < 0 || kept(c, t.v[k], tgid) ||
            !list_overlaps(cpus, &c->req->cores))
            continue;
        if (flags & SCHED_PF_NO_SETAFFINITY)
            add_task(&c->rep->nunmovable, c->rep->unmovable, t.v[k], comm, "%s",
                     unmovable_why(comm));
        else
            add_task(&c->rep->nmoved, c->rep->moved, t.v[k], comm, NULL);
    }
    free(t.v);
    return rc;
}

/* Move one member process into the partition (journaled), then give it back
 * as much of its own affinity as the partition allows. */
static int v2_move_in(struct ctx *c, const char *dir, pid_t pid)
{
    unsigned long long start;
    char cpus[128] = "", from[512];
    if (sched_cg_stat(pid, NULL, NULL, &start, NULL, NULL) < 0 ||
        sched_cg_status(pid, cpus, sizeof(cpus), NULL) < 0 ||
        task_cgdir(c, pid, 2, from, sizeof(from)) < 0)
        return 0; /* gone */
    int rc = journal(c, "sched-affinity %d %llu %s", (int)pid, start, cpus);
    if (rc == 0)
        rc = journal(c, "sched-move %d %llu %s", (int)pid, start, from);
    if (rc < 0)
        return rc;
    char file[1100], num[24];
    snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
    snprintf(num, sizeof(num), "%d", (int)pid);
    rc = v2_write(c, file, num);
    if (rc == -ESRCH)
        return 0;
    if (rc < 0)
        return fail(c, rc, "move pid %d into %s: %s", (int)pid, dir, strerror(-rc));
    struct scc_cpuset own;
    if (scc_cpuset_parse(cpus, &own) == 0) {
        for (size_t i = 0; i < sizeof(own.bits) / sizeof(own.bits[0]); i++)
            own.bits[i] &= c->req->cores.bits[i];
        if (scc_cpuset_count(&own) > 0)
            set_affinity(pid, &own);
    }
    return 0;
}

static int v2_apply(struct ctx *c)
{
    const struct sched_reserve_req *req = c->req;
    c->rep->cgroup_version = 2;
    if (req->scope == SCHED_SCOPE_CGROUP)
        return narrow_cgroup(c, 2);
    if (req->scope == SCHED_SCOPE_PIDS)
        return move_pids(c, NULL);
    char dir[1024], file[1100], val[256];
    snprintf(dir, sizeof(dir), "%s/%s", c->root, req->name);
    cut(c->rep->where, sizeof(c->rep->where), dir);
    if (exists(dir))
        return fail(c, -EEXIST, "%s exists: a leftover of an earlier run? (scc cleanup)", dir);
    int rc = v2_list_all(c);
    if (rc < 0 || req->dry_run)
        return rc < 0 ? fail(c, rc, "list tasks: %s", strerror(-rc)) : 0;
    /* the root must hand the cpuset controller to its children */
    snprintf(file, sizeof(file), "%s/cgroup.subtree_control", c->root);
    if (sched_cg_read(file, val, sizeof(val)) < 0 || !strstr(val, "cpuset")) {
        if ((rc = journal(c, "sched-write %s -cpuset", file)) < 0)
            return rc;
        if ((rc = v2_write(c, file, "+cpuset")) < 0)
            return fail(c, rc, "enable cpuset (+cpuset > %s): %s", file, strerror(-rc));
    }
    if ((rc = journal(c, "sched-mkdir %s", dir)) < 0)
        return rc;
    if (mkdir(dir, 0755) < 0)
        return fail(c, -errno, "mkdir %s: %s", dir, strerror(errno));
    scc_cpuset_format(&req->cores, val, sizeof(val));
    snprintf(file, sizeof(file), "%s/cpuset.cpus", dir);
    if ((rc = v2_write(c, file, val)) < 0)
        return fail(c, rc, "write %s = %s: %s", file, val, strerror(-rc));
    snprintf(file, sizeof(file), "%s/cpuset.cpus.partition", dir);
    if ((rc = journal(c, "sched-write %s member", file)) < 0)
        return rc;
    /* isolated: no load balancing on those cores either; older kernels (and
     * some layouts) accept only root */
    static const char *const states[] = {"isolated", "root"};
    char why[512] = "";
    for (size_t i = 0; i < 2; i++) {
        rc = v2_write(c, file, states[i]);
        if (rc == 0)
            rc = sched_cg_read(file, c->rep->partition, sizeof(c->rep->partition));
        if (rc == 0)
            rc = sched_partition_check(c->rep->partition, states[i], why, sizeof(why));
        else
            setmsg(why, sizeof(why), "write %s = %s: %s", file, states[i], strerror(-rc));
        if (rc == 0)
            break;
    }
    if (rc < 0)
        return fail(c, rc, "%s: %s", dir, why);
    for (int i = 0; rc == 0 && i < req->nmembers; i++)
        rc = v2_move_in(c, dir, req->members[i]);
    return rc;
}

/* ---- entry points ---- */

int sched_cpuset_hierarchy(char *root, size_t rootlen)
{
    char mroot[512];
    if (sched_cg_v1_mount("cpuset", root, rootlen, mroot, sizeof(mroot)) == 0)
        return 1;
    char file[600], ctrls[512];
    if (sched_cg_v2_mount(root, rootlen) == 0) {
        snprintf(file, sizeof(file), "%s/cgroup.controllers", root);
        if (sched_cg_read(file, ctrls, sizeof(ctrls)) == 0 && strstr(ctrls, "cpuset"))
            return 2;
    }
    return -ENOTSUP;
}

/* Which hierarchy, and where: req->cgroot decides by its layout. */
static int find_root(struct ctx *c)
{
    snprintf(c->mroot, sizeof(c->mroot), "/");
    if (c->req->cgroot) {
        char file[600], ctrls[512];
        snprintf(c->root, sizeof(c->root), "%s", c->req->cgroot);
        snprintf(file, sizeof(file), "%s/cgroup.controllers", c->root);
        if (sched_cg_read(file, ctrls, sizeof(ctrls)) == 0)
            return strstr(ctrls, "cpuset") ? 2
                                            : fail(c, -ENOTSUP, "%s: no cpuset in "
                                                   "cgroup.controllers", c->root);
        snprintf(file, sizeof(file), "%s/cpuset.cpus", c->root);
        if (exists(file))
            return 1;
        return fail(c, -ENOTSUP, "%s is not laid out like a cpuset mount", c->root);
    }
    int v = sched_cpuset_hierarchy(c->root, sizeof(c->root));
    if (v < 0)
        return fail(c, v, "no cpuset controller is mounted (cgroup v1 cpuset or v2 with "
                    "cpuset in cgroup.controllers)");
    if (v == 1)
        sched_cg_v1_mount("cpuset", c->root, sizeof(c->root), c->mroot, sizeof(c->mroot));
    return v;
}

static int check_req(struct ctx *c)
{
    const struct sched_reserve_req *req = c->req;
    if (!req->name || !req->name[0] || strchr(req->name, '/') || strchr(req->name, ' ') ||
        req->name[0] == '.')
        return fail(c, -EINVAL, "reservation name '%s': needs a plain name",
                    req->name ? req->name : "(null)");
    if (scc_cpuset_count(&req->cores) == 0)
        return fail(c, -EINVAL, "no cores to reserve");
    int rc = scc_cpuset_online(&c->online);
    if (rc < 0)
        return fail(c, rc, "online cpus: %s", strerror(-rc));
    char on[128], want[128];
    scc_cpuset_format(&c->online, on, sizeof(on));
    scc_cpuset_format(&req->cores, want, sizeof(want));
    for (int i = 0; i < SCC_MAX_CPUS; i++)
        if (scc_cpuset_isset(&req->cores, i) && !scc_cpuset_isset(&c->online, i))
            return fail(c, -EINVAL, "core %d is not online (online: %s)", i, on);
    c->rest = c->online;
    minus(&c->rest, &req->cores);
    if (scc_cpuset_count(&c->rest) == 0)
        return fail(c, -EINVAL, "reserving %s would leave no core for the rest of the machine "
                    "(online: %s)", want, on);
    if (req->scope == SCHED_SCOPE_PIDS && (req->npids <= 0 || !req->pids))
        return fail(c, -EINVAL, "scope pids needs the pids");
    if (req->scope == SCHED_SCOPE_CGROUP && (!req->cgroup || !req->cgroup[0]))
        return fail(c, -EINVAL, "scope cgroup needs the cgroup");
    if (req->scope != SCHED_SCOPE_ALL && req->scope != SCHED_SCOPE_PIDS &&
        req->scope != SCHED_SCOPE_CGROUP)
        return fail(c, -EINVAL, "unknown scope %d", (int)req->scope);
    if (!req->dry_run && (!c->j || !c->j->record))
        return fail(c, -EINVAL, "a reservation without a journal could not be undone");
    return 0;
}

int sched_reserve_apply(const struct sched_reserve_req *req, const struct sched_journal *j,
                        struct sched_reserve_report *rep, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!req || !rep) {
        setmsg(err, errlen, "sched_reserve_apply: no request or report");
        return -EINVAL;
    }
    memset(rep, 0, sizeof(*rep));
    struct ctx c = {.req = req, .j = j, .rep = rep, .err = err, .errlen = errlen,
                    .layout = req->cgroot != NULL};
    int rc = check_req(&c);
    if (rc < 0)
        return rc;
    int v = find_root(&c);
    if (v < 0)
        return v;
    rc = v == 1 ? v1_apply(&c) : v2_apply(&c);
    if (rc == 0)
        rc = irqs(&c);
    return rc;
}

int sched_reserve_add_task(const struct sched_reserve_req *req, const struct sched_journal *j,
                           pid_t pid, char *err, size_t errlen)
{
    /* no report: find_root and v2_move_in fill none */
    struct ctx c = {.req = req, .j = j, .rep = NULL, .err = err, .errlen = errlen,
                    .layout = req->cgroot != NULL};
    if (err && errlen)
        err[0] = '\0';
    int v = find_root(&c);
    if (v < 0)
        return v;
    if (v == 1 || req->scope != SCHED_SCOPE_ALL || req->dry_run)
        return 0; /* v1: the chain's tasks stay in the root cpuset, which has every core */
    if (!j || !j->record)
        return fail(&c, -EINVAL, "no journal");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s", c.root, req->name);
    if (!is_dir(dir))
        return fail(&c, -ENOENT, "%s: no such partition (reservation not applied?)", dir);
    return v2_move_in(&c, dir, pid);
}

bool sched_is_record(const char *rec) { return rec && !strncmp(rec, "sched-", 6); }

/* ---- undo ---- */

/* The files undo may write: the ones apply journals. */
static bool writable(const char *path)
{
    static const char *const names[] = {"cpuset.cpus", "cpuset.cpus.partition",
                                         "cgroup.subtree_control", "smp_affinity_list"};
    if (path[0] != '/' || strstr(path, ".."))
        return false;
    const char *base = strrchr(path, '/') + 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(base, names[i]))
            return true;
    return false;
}

/* The recorded task: 0 still the same, 1 another process now, -ESRCH gone. */
static int same_task(pid_t pid, unsigned long long start, char *msg, size_t len)
{
    unsigned long long now;
    char state = 0;
    if (sched_cg_stat(pid, &state, NULL, &now, NULL, NULL) < 0 || state == 'Z' || state == 'X')
        return -ESRCH;
    if (now != start) {
        setmsg(msg, len, "pid %d now belongs to another process (start time %llu, recorded "
               "%llu): left alone", (int)pid, now, start);
        return 1;
    }
    return 0;
}

static int undo_mkdir(const char *dir, char *msg, size_t len)
{
    if (!is_dir(dir))
        return 0;
    char file[1100], parent[1100];
    const char *name = "tasks";
    snprintf(file, sizeof(file), "%s/tasks", dir);
    if (!exists(file))
        name = "cgroup.procs";
    snprintf(file, sizeof(file), "%s/%s", dir, name);
    snprintf(parent, sizeof(parent), "%s", dir);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent) {
        setmsg(msg, len, "sched-mkdir %s: no parent", dir);
        return -EINVAL;
    }
    snprintf(slash, sizeof(parent) - (size_t)(slash - parent), "/%s", name);
    /* tasks that joined meanwhile (forks of moved tasks) go to the parent */
    for (int round = 0; round < 50; round++) {
        struct tids t = {0};
        tids_from_file(&t, file);
        for (size_t k = 0; k < t.n; k++) {
            char num[24];
            snprintf(num, sizeof(num), "%d", (int)t.v[k]);
            sched_cg_write(parent, num);
        }
        free(t.v);
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY) /* busy: a task still leaving */
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    int e = errno;
    setmsg(msg, len, "rmdir %s: %s", dir, strerror(e));
    return -e;
}

static int undo_write(const char *path, const char *old, char *msg, size_t len)
{
    if (!writable(path)) {
        setmsg(msg, len, "sched-write %s: not a file the scheduler writes; refused", path);
        return -EINVAL;
    }
    char now[512];
    int rc = sched_cg_read(path, now, sizeof(now));
    if (rc == -ENOENT)
        return 0; /* its cgroup is gone, or the IRQ */
    if (rc == 0 && !strcmp(now, old))
        return 0;
    rc = sched_cg_write(path, old[0] ? old : "\n"); /* "" = v2's "inherit" */
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        setmsg(msg, len, "restore %s = '%s': %s", path, old, strerror(-rc));
    return rc;
}

static int undo_move(pid_t pid, unsigned long long start, const char *cgdir, char *msg,
                     size_t len)
{
    int same = same_task(pid, start, msg, len);
    if (same != 0)
        return same == 1 ? 1 : 0;
    char file[1100];
    snprintf(file, sizeof(file), "%s/tasks", cgdir);
    if (!exists(file))
        snprintf(file, sizeof(file), "%s/cgroup.procs", cgdir);
    if (!exists(file)) {
        setmsg(msg, len, "pid %d: its cgroup %s is gone; left where it is", (int)pid, cgdir);
        return -ENOENT;
    }
    char num[24];
    snprintf(num, sizeof(num), "%d", (int)pid);
    int rc = sched_cg_write(file, num);
    if (rc == -ESRCH)
        return 0;
    if (rc < 0)
        setmsg(msg, len, "move pid %d back to %s: %s", (int)pid, cgdir, strerror(-rc));
    return rc;
}

static int undo_affinity(pid_t pid, unsigned long long start, const char *list, char *msg,
                         size_t len)
{
    int same = same_task(pid, start, msg, len);
    if (same != 0)
        return same == 1 ? 1 : 0;
    struct scc_cpuset s;
    if (scc_cpuset_parse(list, &s) < 0 || scc_cpuset_count(&s) == 0) {
        setmsg(msg, len, "pid %d: recorded affinity '%s' is not a cpu list", (int)pid, list);
        return -EINVAL;
    }
    int rc = set_affinity(pid, &s);
    if (rc == -ESRCH)
        return 0;
    if (rc < 0)
        setmsg(msg, len, "restore affinity of pid %d to %s: %s", (int)pid, list, strerror(-rc));
    return rc;
}

int sched_reserve_undo(const char *rec, char *msg, size_t msglen)
{
    if (msg && msglen)
        msg[0] = '\0';
    char a[1024], b[1024];
    int pid, off = 0;
    unsigned long long start;
    if (!rec) {
        setmsg(msg, msglen, "no record");
        return -EINVAL;
    }
    if (sscanf(rec, "sched-mkdir %1023[^\n]", a) == 1)
        return undo_mkdir(a, msg, msglen);
    if (sscanf(rec, "sched-write %1023s %n", a, &off) == 1 && off > 0) {
        snprintf(b, sizeof(b), "%s", rec + off);
        return undo_write(a, b, msg, msglen);
    }
    if (sscanf(rec, "sched-move %d %llu %1023[^\n]", &pid, &start, a) == 3 && pid > 0)
        return undo_move(pid, start, a, msg, msglen);
    if (sscanf(rec, "sched-affinity %d %llu %1023s", &pid, &start, a) == 3 && pid > 0)
        return undo_affinity(pid, start, a, msg, msglen);
    setmsg(msg, msglen, "not a scheduler record: '%.80s'", rec);
    return -EINVAL;
}
