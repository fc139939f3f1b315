/*
 * mb_util — the small, testable pieces the microbenchmarks share: Sattolo's
 * cyclic permutation, cache-level detection (sysfs, else CPUID through
 * sysconf), size parsing, the lat_ctx overhead subtraction, median/spread,
 * pinning, the progress line, and the machine identity (CPU model, kernel,
 * governor, cycle counter) that goes into every calibration file.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench/micro/mb_bench.h"
#include "common/scc_log.h"
#include "common/scc_util.h"

void mb_opts_default(struct mb_opts *o)
{
    static const uint32_t strides[] = {64, 128, 256, 512, 1024, 9000};
    memset(o, 0, sizeof(*o));
    o->cpu = 0;
    o->cpu2 = -1;
    o->reps = 5;
    o->sysfs_root = "/sys";
    o->max_ws = 256ull << 20;
    o->nstrides = SCC_ARRAY_SIZE(strides);
    memcpy(o->strides, strides, sizeof(strides));
}

void mb_sattolo(uint32_t *next, size_t n, uint64_t seed)
{
    /* Sattolo (1986): like Fisher-Yates but j < i strictly, which yields
     * exactly the (n-1)! cyclic permutations, uniformly. */
    for (size_t i = 0; i < n; i++)
        next[i] = (uint32_t)i;
    uint64_t s = seed;
    for (size_t i = n; i > 1; i--) {
        size_t hi = i - 1; /* swap slot hi with a slot in [0, hi) */
        size_t j = (size_t)(((unsigned __int128)scc_splitmix64(&s) * hi) >> 64);
        uint32_t t = next[hi];
        next[hi] = next[j];
        next[j] = t;
    }
}

int mb_parse_size(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -EINVAL;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -EINVAL;
    uint64_t mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K': mul = 1ull << 10; end++; break;
    case 'M': mul = 1ull << 20; end++; break;
    case 'G': mul = 1ull << 30; end++; break;
    default: break;
    }
    if (mul > 1 && (*end == 'i' || *end == 'B'))
        end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
    while (*end == '\n' || *end == ' ')
        end++;
    if (*end || v > UINT64_MAX / mul)
        return -EINVAL;
    *out = v * mul;
    return 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    if (!fgets(buf, (int)len, f)) {
        fclose(f);
        return -EIO;
    }
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static int cache_cmp(const void *a, const void *b)
{
    const struct prof_calib_cache *x = a, *y = b;
    return x->level - y->level;
}

int mb_cache_detect_sysfs(const char *root, struct prof_calib_cache *out, size_t max)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/devices/system/cpu/cpu0/cache", root ? root : "/sys");
    DIR *d = opendir(dir);
    if (!d)
        return -ENOENT;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        if (strncmp(e->d_name, "index", 5))
            continue;
        char path[800], type[32], lvl[16], size[32];
        snprintf(path, sizeof(path), "%s/%s/type", dir, e->d_name);
        if (read_line(path, type, sizeof(type)) < 0 || !strcmp(type, "Instruction"))
            continue;
        snprintf(path, sizeof(path), "%s/%s/level", dir, e->d_name);
        long level;
        if (read_line(path, lvl, sizeof(lvl)) < 0 || scc_parse_long(lvl, 1, 4, &level) < 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s/size", dir, e->d_name);
        uint64_t bytes;
        if (read_line(path, size, sizeof(size)) < 0 || mb_parse_size(size, &bytes) < 0 ||
            bytes == 0)
            continue;
        out[n].level = (int)level;
        scc_strlcpy(out[n].type, type, sizeof(out[n].type));
        out[n].size = bytes;
        n++;
    }
    closedir(d);
    if (n == 0)
        return -ENOENT;
    qsort(out, n, sizeof(*out), cache_cmp);
    return (int)n;
}

int mb_cache_detect(const char *root, struct prof_calib_cache *out, size_t max, char *source,
                    size_t srclen)
{
    const char *r = root ? root : "/sys";
    int n = mb_cache_detect_sysfs(r, out, max);
    if (n > 0) {
        snprintf(source, srclen, "sysfs (%s/devices/system/cpu/cpu0/cache)", r);
        return n;
    }
    /* Some hypervisors (Firecracker) expose no cache tree; glibc answers
     * from CPUID instead, which is what the guest's CPU claims. */
    static const struct { int name; int level; const char *type; } sc[] = {
        {_SC_LEVEL1_DCACHE_SIZE, 1, "Data"},
        {_SC_LEVEL2_CACHE_SIZE, 2, "Unified"},
        {_SC_LEVEL3_CACHE_SIZE, 3, "Unified"},
    };
    n = 0;
    for (size_t i = 0; i < SCC_ARRAY_SIZE(sc) && (size_t)n < max; i++) {
        long v = sysconf(sc[i].name);
        if (v <= 0)
            continue;
        out[n].level = sc[i].level;
        scc_strlcpy(out[n].type, sc[i].type, sizeof(out[n].type));
        out[n].size = (uint64_t)v;
        n++;
    }
    if (n == 0) {
        snprintf(source, srclen, "unknown (no %s/devices/system/cpu/cpu0/cache, no CPUID data)",
                 r);
        return -ENOENT;
    }
    snprintf(source, srclen, "CPUID via sysconf (%s/devices/system/cpu/cpu0/cache absent)", r);
    return n;
}

int mb_ctxsw_per_switch(double roundtrip_ns, double overhead_ns, double *per_switch)
{
    if (!isfinite(roundtrip_ns) || !isfinite(overhead_ns) || roundtrip_ns < 0 ||
        overhead_ns < 0)
        return -EINVAL;
    double d = roundtrip_ns - overhead_ns;
    if (d <= 0)
        return -ERANGE;
    *per_switch = d / 2.0; /* one round trip = two switches */
    return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void mb_stat_from(struct prof_calib_stat *s, double *v, size_t n)
{
    memset(s, 0, sizeof(*s));
    if (n == 0) {
        s->available = false;
        scc_strlcpy(s->reason, "no repetitions completed", sizeof(s->reason));
        return;
    }
    qsort(v, n, sizeof(*v), dbl_cmp);
    s->available = true;
    s->ns = (n & 1) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    s->min_ns = v[0];
    s->max_ns = v[n - 1];
    s->reps = (unsigned)n;
}

void mb_stat_unavailable(struct prof_calib_stat *s, const char *fmt, ...)
{
    memset(s, 0, sizeof(*s));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
    va_end(ap);
}

int mb_pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return -EINVAL;
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        return -errno;
    return 0;
}

void mb_progress(const struct mb_opts *o, const char *fmt, ...)
{
    if (!o->progress)
        return;
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* \r + clear-to-end: one line that rewrites itself (terminal only). */
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
}

/* Probe a core-cycle counter. Without a PMU (VMs) perf_event_open fails
 * and we say so; with one, measure cycles per ns over a short busy loop so
 * latencies can be converted. */
static void probe_cycles(struct prof_calib *c)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = PERF_TYPE_HARDWARE;
    a.config = PERF_COUNT_HW_CPU_CYCLES;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    if (fd < 0) {
        int e = errno;
        snprintf(c->cycles_reason, sizeof(c->cycles_reason),
                 "perf_event_open(PERF_COUNT_HW_CPU_CYCLES): %s%s", strerror(e),
                 e == ENOENT || e == EOPNOTSUPP || e == ENODEV
                     ? " (no hardware PMU; virtualised?)"
                     : (e == EACCES || e == EPERM ? " (check /proc/sys/kernel/perf_event_paranoid)"
                                                  : ""));
        return;
    }
    ioctl(fd, PERF_EVENT_IOC_RESET, 0);
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
    uint64_t t0 = scc_now_ns();
    volatile uint64_t x = 0;
    while (scc_now_ns() - t0 < 20000000ull)
        for (int i = 0; i < 1000; i++)
            x += (uint64_t)i;
    uint64_t t1 = scc_now_ns();
    ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
    uint64_t cyc = 0;
    ssize_t r = read(fd, &cyc, sizeof(cyc));
    close(fd);
    if (r != (ssize_t)sizeof(cyc) || cyc == 0) {
        snprintf(c->cycles_reason, sizeof(c->cycles_reason),
                 "cycle counter opened but counted nothing (PMU not virtualised?)");
        return;
    }
    c->cycles_available = true;
    c->cycles_per_ns = (double)cyc / (double)(t1 - t0);
}

void mb_identify(const struct mb_opts *o, struct prof_calib *c)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(c->created, sizeof(c->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    c->quick = o->quick;
    c->cpu = o->cpu;

    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(c->kernel, sizeof(c->kernel), "%s %s", u.release, u.version);
        scc_strlcpy(c->hostname, u.nodename, sizeof(c->hostname));
    }
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof(line), f)) {
            char *colon = strchr(line, ':');
            if (!colon)
                continue;
            char *val = colon + 1;
            while (*val == ' ')
                val++;
            val[strcspn(val, "\n")] = '\0';
            if (!c->cpu_model[0] && !strncmp(line, "model name", 10))
                scc_strlcpy(c->cpu_model, val, sizeof(c->cpu_model));
            else if (c->cpu_mhz == 0 && !strncmp(line, "cpu MHz", 7))
                c->cpu_mhz = strtod(val, NULL);
        }
        fclose(f);
    }
    if (!c->cpu_model[0])
        scc_strlcpy(c->cpu_model, "unknown (no model name in /proc/cpuinfo)",
                    sizeof(c->cpu_model));
    struct scc_cpuset on;
    if (scc_cpuset_online(&on) == 0)
        scc_cpuset_format(&on, c->online_cpus, sizeof(c->online_cpus));

    char path[256];
    snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor",
             o->cpu);
    int r = read_line(path, c->governor, sizeof(c->governor));
    if (r < 0)
        snprintf(c->governor, sizeof(c->governor), "unavailable: %s: %s", "no cpufreq",
                 strerror(-r));

    int n = mb_cache_detect(o->sysfs_root, c->caches, PROF_CALIB_MAX_CACHES, c->cache_source,
                            sizeof(c->cache_source));
    c->ncaches = n > 0 ? (size_t)n : 0;
    if (o->llc) {
        size_t i = 0;
        while (i < c->ncaches && c->caches[i].level != 3)
            i++;
        if (i == c->ncaches && i < PROF_CALIB_MAX_CACHES)
            c->ncaches++;
        if (i < c->ncaches) {
            c->caches[i].level = 3;
            scc_strlcpy(c->caches[i].type, "Unified", sizeof(c->caches[i].type));
            c->caches[i].size = o->llc;
            qsort(c->caches, c->ncaches, sizeof(c->caches[0]), cache_cmp);
            size_t l = strlen(c->cache_source);
            snprintf(c->cache_source + l, sizeof(c->cache_source) - l, "; L3 set by --llc");
        }
    }
    probe_cycles(c);
}
