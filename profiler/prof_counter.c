/*
 * prof_counter — see prof_counter.h. perf_event_open has no glibc wrapper;
 * the syscall is used directly, which is what libperf does too.
 */
#include "profiler/prof_counter.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct prof_counter {
    int fd;
};

struct prof_counter *prof_counter_open(pid_t pid, uint32_t type, uint64_t config)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = type;
    a.config = config;
    a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    long fd = syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct prof_counter *c = malloc(sizeof(*c));
    if (!c) {
        close((int)fd);
        errno = ENOMEM;
        return NULL;
    }
    c->fd = (int)fd;
    return c;
}

void prof_counter_close(struct prof_counter *c)
{
    if (!c)
        return;
    close(c->fd);
    free(c);
}

int prof_counter_read(struct prof_counter *c, struct prof_count *o)
{
    uint64_t v[3];
    memset(o, 0, sizeof(*o));
    ssize_t n = read(c->fd, v, sizeof(v));
    if (n < 0)
        return -errno;
    if (n != (ssize_t)sizeof(v))
        return -EIO;
    o->raw = v[0];
    o->enabled_ns = v[1];
    o->running_ns = v[2];
    o->counted = v[2] > 0;
    o->scaled = v[2] > 0 && v[2] < v[1];
    o->value = o->counted ? (double)v[0] * ((double)v[1] / (double)v[2]) : 0.0;
    return 0;
}

struct prof_count prof_count_make(uint64_t raw, uint64_t enabled_ns, uint64_t running_ns)
{
    struct prof_count c = {0};
    c.raw = raw;
    c.enabled_ns = enabled_ns;
    c.running_ns = running_ns;
    c.counted = running_ns > 0;
    c.scaled = c.counted && running_ns < enabled_ns;
    c.value = c.counted ? (double)raw * ((double)enabled_ns / (double)running_ns) : 0.0;
    return c;
}

struct prof_count prof_count_delta(const struct prof_count *s, const struct prof_count *e)
{
    struct prof_count d = {0};
    d.raw = e->raw - s->raw;
    d.enabled_ns = e->enabled_ns - s->enabled_ns;
    d.running_ns = e->running_ns - s->running_ns;
    d.counted = d.running_ns > 0;
    d.scaled = d.counted && d.running_ns < d.enabled_ns;
    d.value = d.counted ? (double)d.raw * ((double)d.enabled_ns / (double)d.running_ns) : 0.0;
    return d;
}

const char *prof_counter_advice(int err)
{
    switch (err) {
    case EACCES:
    case EPERM:
        return "not permitted: run as root, or lower /proc/sys/kernel/perf_event_paranoid";
    case ENOENT:
    case EOPNOTSUPP:
        return "not supported on this machine (no hardware PMU, as in most VMs)";
    case ESRCH:
        return "the process is gone";
    case EMFILE:
        return "too many open files (raise ulimit -n)";
    default:
        return strerror(err);
    }
}
