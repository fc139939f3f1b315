/*
 * prof_group — the counters on one thread, opened and classified one event
 * at a time (see prof_group.h).
 *
 * Hardware events are packed into perf_event groups of at most the PMU's
 * counter count, in table order (so a term's events sit together). A
 * group is scheduled onto the PMU as a whole or not at all: its members
 * share (enabled, running), and one read of the leader with
 * PERF_FORMAT_GROUP returns them all. A member that fails to open is
 * classified and left out; if the leader fails the next event leads.
 * Software events and tracepoints are opened alone: they never multiplex.
 */
#include "profiler/prof_group.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const prof_group_syscalls[] = {
    "recvmmsg", "sendmmsg", "recvfrom", "sendto", "recvmsg", "sendmsg",
    "read",     "write",    "poll",     "ppoll",  "epoll_wait", NULL,
};

struct ev {
    struct prof_group_event pub;
    struct perf_event_attr attr;
    int fd;
    bool leader; /* reads its group with PERF_FORMAT_GROUP */
};

struct prof_group {
    pid_t tid;
    int max_per_group;
    bool opened;
    size_t n, cap;
    struct ev *ev;
};

static int paranoid_level(void)
{
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    int v = 99;
    if (!f)
        return v;
    if (fscanf(f, "%d", &v) != 1)
        v = 99;
    fclose(f);
    return v;
}

enum prof_unavail prof_group_classify(int err, char *reason, size_t len)
{
    switch (err) {
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
        snprintf(reason, len,
                 "not supported here (%s): no such PMU or event on this machine, as in most VMs "
                 "and containers without a virtual PMU",
                 strerror(err));
        return PROF_UNAV_NOT_SUPPORTED;
    case EACCES:
    case EPERM: {
        int p = paranoid_level();
        char lvl[16];
        if (p == 99)
            snprintf(lvl, sizeof(lvl), "unknown");
        else
            snprintf(lvl, sizeof(lvl), "%d", p);
        snprintf(reason, len,
                 "not permitted (%s; perf_event_paranoid is %s): run as root or with CAP_PERFMON, "
                 "or set /proc/sys/kernel/perf_event_paranoid to 1 or lower (-1 for "
                 "tracepoints); in a container the runtime must allow perf_event_open",
                 strerror(err), lvl);
        return PROF_UNAV_PERMISSION;
    }
    case ESRCH:
        snprintf(reason, len, "the thread is gone (%s)", strerror(err));
        return PROF_UNAV_GONE;
    case EMFILE:
    case ENFILE:
        snprintf(reason, len,
                 "out of file descriptors (%s): raise RLIMIT_NOFILE (ulimit -n), one fd per "
                 "event and thread",
                 strerror(err));
        return PROF_UNAV_FDS;
    default:
        snprintf(reason, len, "perf_event_open: %s", strerror(err));
        return PROF_UNAV_OTHER;
    }
}

struct prof_group *prof_group_new(pid_t tid, int max_per_group)
{
    struct prof_group *g = calloc(1, sizeof(*g));
    if (!g) {
        errno = ENOMEM;
        return NULL;
    }
    g->tid = tid;
    g->max_per_group = max_per_group > 0 ? max_per_group : 4;
    return g;
}

void prof_group_free(struct prof_group *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        if (g->ev[i].fd >= 0)
            close(g->ev[i].fd);
    free(g->ev);
    free(g);
}

static struct ev *add(struct prof_group *g, const char *name, enum prof_src src)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        struct ev *e = realloc(g->ev, cap * sizeof(*e));
        if (!e)
            return NULL;
        g->ev = e;
        g->cap = cap;
    }
    struct ev *e = &g->ev[g->n++];
    memset(e, 0, sizeof(*e));
    snprintf(e->pub.name, sizeof(e->pub.name), "%s", name);
    e->pub.src = src;
    e->pub.group = -1;
    e->fd = -1;
    return e;
}

/* An event known unavailable before opening (cannot encode, no tracepoint). */
static void unavailable(struct ev *e, enum prof_unavail why, int err, const char *reason)
{
    e->pub.available = false;
    e->pub.why = why;
    e->pub.err = err;
    snprintf(e->pub.reason, sizeof(e->pub.reason), "%s", reason);
    e->attr.size = 0; /* marks "do not open" */
}

int prof_group_add_event(struct prof_group *g, const char *name, enum prof_src src,
                         const struct perf_event_attr *attr)
{
    struct ev *e = add(g, name, src);
    if (!e)
        return -ENOMEM;
    e->attr = *attr;
    e->attr.size = sizeof(e->attr);
    return 0;
}

int prof_group_add_hardware(struct prof_group *g, const char *pmu,
                            const struct prof_event_table *table)
{
    for (size_t i = 0; i < table->nevents; i++) {
        struct ev *e = add(g, table->events[i].name, PROF_SRC_HARDWARE);
        if (!e)
            return -ENOMEM;
        e->pub.def = &table->events[i];
        char err[PROF_GROUP_REASON_MAX];
        int r = prof_events_encode(pmu, table->events[i].name, &e->attr, err, sizeof(err));
        if (r < 0)
            unavailable(e, PROF_UNAV_NOT_SUPPORTED, -r, err);
    }
    return 0;
}

int prof_group_add_software(struct prof_group *g)
{
    static const struct {
        const char *name;
        uint64_t config;
    } sw[] = {
        {"context-switches", PERF_COUNT_SW_CONTEXT_SWITCHES},
        {"cpu-migrations", PERF_COUNT_SW_CPU_MIGRATIONS},
        {"task-clock", PERF_COUNT_SW_TASK_CLOCK},
        {"page-faults", PERF_COUNT_SW_PAGE_FAULTS},
    };
    for (size_t i = 0; i < sizeof(sw) / sizeof(sw[0]); i++) {
        struct perf_event_attr a;
        memset(&a, 0, sizeof(a));
        a.type = PERF_TYPE_SOFTWARE;
        a.config = sw[i].config;
        int r = prof_group_add_event(g, sw[i].name, PROF_SRC_SOFTWARE, &a);
        if (r < 0)
            return r;
    }
    return 0;
}

#define NSYSCALLS (sizeof(prof_group_syscalls) / sizeof(prof_group_syscalls[0]) - 1)

/* Ids resolved by prof_group_resolve_tracefs (0: not resolved there). */
static long resolved_id[NSYSCALLS];
static bool resolved;

static bool tracefs_mounted(void)
{
    return access("/sys/kernel/tracing/events", F_OK) == 0 ||
           access("/sys/kernel/debug/tracing/events", F_OK) == 0;
}

static long tracepoint_id(const char *sc, char *reason, size_t len);

int prof_group_resolve_tracefs(char *note, size_t len)
{
    if (note && len)
        note[0] = '\0';
    if (resolved || tracefs_mounted())
        return 0;
    if (geteuid() != 0) {
        if (note)
            snprintf(note, len, "tracefs is not mounted and only root can mount it");
        return -EPERM;
    }
    /* A tracepoint id is the kernel's, not the mount's: a child in a mount
     * namespace of its own mounts tracefs, reads the ids and exits, and
     * the mount goes with its namespace. Nothing is mounted on the host,
     * and our own mount namespace (in which `ip netns add` must publish
     * its bind mounts) is untouched. */
    int pfd[2];
    if (pipe(pfd) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pfd[0]);
        close(pfd[1]);
        return -e;
    }
    if (pid == 0) {
        close(pfd[0]);
        long ids[NSYSCALLS];
        memset(ids, 0, sizeof(ids));
        if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
            mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0) {
            char r[PROF_GROUP_REASON_MAX];
            for (size_t i = 0; i < NSYSCALLS; i++) {
                long id = tracepoint_id(prof_group_syscalls[i], r, sizeof(r));
                ids[i] = id > 0 ? id : 0;
            }
        } else {
            ids[0] = -errno;
        }
        ssize_t w = write(pfd[1], ids, sizeof(ids));
        _exit(w == (ssize_t)sizeof(ids) ? 0 : 1);
    }
    close(pfd[1]);
    long ids[NSYSCALLS];
    ssize_t n = read(pfd[0], ids, sizeof(ids));
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(ids))
        return -EIO;
    if (ids[0] < 0) {
        if (note)
            snprintf(note, len, "cannot mount a private tracefs: %s", strerror((int)-ids[0]));
        return (int)ids[0];
    }
    for (size_t i = 0; i < NSYSCALLS; i++)
        resolved_id[i] = ids[i];
    resolved = true;
    if (note)
        snprintf(note, len, "tracefs is not mounted: tracepoint ids read from a private "
                            "mount (nothing left mounted)");
    return 0;
}

/* The tracepoint id of syscalls:sys_enter_<sc>, or -errno with why in reason. */
static long tracepoint_id(const char *sc, char *reason, size_t len)
{
    for (size_t i = 0; resolved && i < NSYSCALLS; i++)
        if (!strcmp(prof_group_syscalls[i], sc) && resolved_id[i] > 0)
            return resolved_id[i];
    static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
    bool any_root = false;
    int last_err = ENOENT;
    for (size_t r = 0; r < 2; r++) {
        char path[128];
        snprintf(path, sizeof(path), "%s/events", roots[r]);
        if (access(path, F_OK) < 0)
            continue; /* tracefs not mounted there */
        any_root = true;
        snprintf(path, sizeof(path), "%s/events/syscalls/sys_enter_%s/id", roots[r], sc);
        FILE *f = fopen(path, "r");
        if (!f) {
            last_err = errno;
            if (errno == ENOENT)
                snprintf(reason, len,
                         "no tracepoint %s (kernel without CONFIG_FTRACE_SYSCALLS, or no such "
                         "system call here)",
                         path);
            else
                snprintf(reason, len, "open %s: %s (tracefs is readable by root only)", path,
                         strerror(errno));
            continue;
        }
        long id = -1;
        if (fscanf(f, "%ld", &id) != 1 || id < 0) {
            fclose(f);
            snprintf(reason, len, "%s: not a tracepoint id", path);
            return -EIO;
        }
        fclose(f);
        return id;
    }
    if (!any_root) {
        snprintf(reason, len,
                 "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing, as root)");
        return -ENOENT;
    }
    return -last_err;
}

int prof_group_add_syscalls(struct prof_group *g)
{
    for (const char *const *sc = prof_group_syscalls; *sc; sc++) {
        char name[PROF_GROUP_NAME_MAX], reason[PROF_GROUP_REASON_MAX];
        snprintf(name, sizeof(name), "syscalls:sys_enter_%s", *sc);
        long id = tracepoint_id(*sc, reason, sizeof(reason));
        if (id < 0) {
            struct ev *e = add(g, name, PROF_SRC_TRACEPOINT);
            if (!e)
                return -ENOMEM;
            unavailable(e,
                        id == -EACCES || id == -EPERM ? PROF_UNAV_PERMISSION
                                                      : PROF_UNAV_NOT_SUPPORTED,
                        (int)-id, reason);
            continue;
        }
        struct perf_event_attr a;
        memset(&a, 0, sizeof(a));
        a.type = PERF_TYPE_TRACEPOINT;
        a.config = (uint64_t)id;
        int r = prof_group_add_event(g, name, PROF_SRC_TRACEPOINT, &a);
        if (r < 0)
            return r;
    }
    return 0;
}

static int sys_perf_event_open(struct perf_event_attr *a, pid_t tid, int group_fd)
{
    long fd = syscall(SYS_perf_event_open, a, tid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

/* Open one event (as a group member when leader >= 0), retrying user-only
 * on EACCES/EPERM. Classifies failures into e->pub. Returns the fd or -errno. */
static int open_one(struct prof_group *g, struct ev *e, int leader)
{
    struct perf_event_attr a = e->attr;
    a.size = sizeof(a);
    a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    if (e->pub.src == PROF_SRC_HARDWARE)
        a.read_format |= PERF_FORMAT_GROUP;
    a.disabled = 0;
    a.inherit = 0;
    a.exclude_kernel = 0;
    a.exclude_hv = 0;
    int fd = sys_perf_event_open(&a, g->tid, leader);
    if (fd == -EACCES || fd == -EPERM) {
        int first = -fd;
        a.exclude_kernel = 1;
        a.exclude_hv = 1;
        fd = sys_perf_event_open(&a, g->tid, leader);
        if (fd >= 0 && e->pub.src != PROF_SRC_HARDWARE) {
            /* user-only switches and syscall entries are all kernel-side:
             * a user-only count would be a silent 0, the thing we refuse */
            close(fd);
            fd = -first;
        } else if (fd >= 0) {
            char why[PROF_GROUP_REASON_MAX - 64];
            prof_group_classify(first, why, sizeof(why));
            e->pub.user_only = true;
            snprintf(e->pub.reason, sizeof(e->pub.reason), "user mode only, kernel excluded: %s",
                     why);
        } else {
            fd = -first;
        }
    }
    if (fd < 0) {
        char why[PROF_GROUP_REASON_MAX];
        enum prof_unavail w = prof_group_classify(-fd, why, sizeof(why));
        unavailable(e, w, -fd, why);
        return fd;
    }
    e->fd = fd;
    e->pub.available = true;
    e->pub.why = PROF_UNAV_NONE;
    e->pub.err = 0;
    return fd;
}

int prof_group_open(struct prof_group *g)
{
    if (g->opened)
        return -EBUSY;
    g->opened = true;
    int navail = 0, ngroups = 0;
    bool gone = false;
    int leader = -1, in_group = 0;
    for (size_t i = 0; i < g->n; i++) {
        struct ev *e = &g->ev[i];
        if (e->attr.size == 0)
            continue; /* unavailable before opening */
        if (gone) {
            char why[PROF_GROUP_REASON_MAX];
            unavailable(e, prof_group_classify(ESRCH, why, sizeof(why)), ESRCH, why);
            continue;
        }
        if (e->pub.src != PROF_SRC_HARDWARE) {
            int fd = open_one(g, e, -1);
            gone = fd == -ESRCH;
            navail += fd >= 0;
            continue;
        }
        if (leader >= 0 && in_group >= g->max_per_group) {
            leader = -1;
            in_group = 0;
        }
        int fd = open_one(g, e, leader);
        if (fd == -ESRCH) {
            gone = true;
            continue;
        }
        if (fd < 0)
            continue;
        if (leader < 0) {
            leader = fd;
            e->leader = true;
            ngroups++;
        }
        e->pub.group = ngroups - 1;
        in_group++;
        navail++;
    }
    if (gone) {
        /* the thread exited while opening: nothing of it can be counted */
        for (size_t i = 0; i < g->n; i++) {
            struct ev *e = &g->ev[i];
            if (e->fd >= 0) {
                close(e->fd);
                e->fd = -1;
                char why[PROF_GROUP_REASON_MAX];
                unavailable(e, prof_group_classify(ESRCH, why, sizeof(why)), ESRCH, why);
                e->pub.group = -1;
            }
        }
        return -ESRCH;
    }
    return navail;
}

int prof_group_read(struct prof_group *g)
{
    int first_err = 0;
    for (size_t i = 0; i < g->n; i++) {
        struct ev *e = &g->ev[i];
        if (e->fd < 0)
            continue;
        if (e->pub.src != PROF_SRC_HARDWARE) {
            uint64_t v[3];
            ssize_t n = read(e->fd, v, sizeof(v));
            if (n != (ssize_t)sizeof(v)) {
                if (!first_err)
                    first_err = n < 0 ? -errno : -EIO;
                continue;
            }
            e->pub.count = prof_count_make(v[0], v[1], v[2]);
            continue;
        }
        if (!e->leader)
            continue; /* read with its group's leader */
        size_t members = 0;
        for (size_t j = i; j < g->n; j++)
            if (g->ev[j].fd >= 0 && g->ev[j].pub.src == PROF_SRC_HARDWARE &&
                g->ev[j].pub.group == e->pub.group)
                members++;
        uint64_t buf[3 + 64];
        if (members > 64)
            return -E2BIG;
        ssize_t want = (ssize_t)((3 + members) * sizeof(uint64_t));
        ssize_t n = read(e->fd, buf, (size_t)want);
        if (n != want || buf[0] != members) {
            if (!first_err)
                first_err = n < 0 ? -errno : -EIO;
            continue;
        }
        size_t k = 0;
        for (size_t j = i; j < g->n && k < members; j++)
            if (g->ev[j].fd >= 0 && g->ev[j].pub.src == PROF_SRC_HARDWARE &&
                g->ev[j].pub.group == e->pub.group)
                g->ev[j].pub.count = prof_count_make(buf[3 + k++], buf[1], buf[2]);
    }
    return first_err;
}

void prof_group_event_merge(struct prof_group_event *acc, const struct prof_group_event *e)
{
    if (!e->available) {
        if (!acc->available && !acc->reason[0]) {
            acc->why = e->why;
            acc->err = e->err;
            snprintf(acc->reason, sizeof(acc->reason), "%s", e->reason);
        }
        return;
    }
    if (!acc->available) {
        /* the first thread that has it: drop an earlier thread's reason */
        acc->available = true;
        acc->why = PROF_UNAV_NONE;
        acc->err = 0;
        acc->reason[0] = '\0';
        acc->src = e->src;
        acc->def = e->def;
        acc->group = e->group;
        memset(&acc->count, 0, sizeof(acc->count));
    }
    if (e->user_only && !acc->user_only) {
        acc->user_only = true;
        snprintf(acc->reason, sizeof(acc->reason), "%s", e->reason);
    }
    struct prof_count *a = &acc->count;
    a->raw += e->count.raw;
    a->enabled_ns += e->count.enabled_ns;
    a->running_ns += e->count.running_ns;
    a->value += e->count.counted ? e->count.value : 0;
    a->counted |= e->count.counted;
    a->scaled |= e->count.scaled;
}

size_t prof_group_nevents(const struct prof_group *g)
{
    return g->n;
}

const struct prof_group_event *prof_group_event(const struct prof_group *g, size_t i)
{
    return i < g->n ? &g->ev[i].pub : NULL;
}

const struct prof_group_event *prof_group_find(const struct prof_group *g, const char *name)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->ev[i].pub.name, name) == 0)
            return &g->ev[i].pub;
    return NULL;
}
