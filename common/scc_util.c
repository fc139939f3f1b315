/*
 * scc_util — see scc_util.h. Everything here is pure or reads one sysfs
 * file; nothing allocates.
 */
#include "scc_util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Base 10, or base 16 after an explicit "0x". strtol's base 0 would read a
 * leading zero as octal ("010" -> 8), which no user of a CLI or a spec
 * means. Only a leading '-' is taken as a sign; strtol's own leniency
 * (whitespace, '+', a sign after "0x") is refused before it gets the text.
 */
static int digits_base(const char **p)
{
    const char *s = *p;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        *p = s + 2;
        return isxdigit((unsigned char)s[2]) ? 16 : -1;
    }
    return isdigit((unsigned char)s[0]) ? 10 : -1;
}

int scc_parse_long(const char *s, long min, long max, long *out)
{
    if (!s)
        return -EINVAL;
    bool neg = s[0] == '-';
    const char *p = s + neg;
    int base = digits_base(&p);
    if (base < 0)
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long mag = strtoull(p, &end, base);
    if (*end != '\0')
        return -EINVAL;
    long v;
    if (errno == ERANGE || mag > (unsigned long long)LONG_MAX + neg)
        return -ERANGE;
    if (neg)
        v = mag == (unsigned long long)LONG_MAX + 1 ? LONG_MIN : -(long)mag;
    else
        v = (long)mag;
    if (v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int scc_parse_u64(const char *s, uint64_t *out)
{
    if (!s)
        return -EINVAL;
    const char *p = s;
    int base = digits_base(&p);
    if (base < 0)
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, base);
    if (*end != '\0')
        return -EINVAL;
    if (errno == ERANGE)
        return -ERANGE;
    *out = v;
    return 0;
}

int scc_parse_double(const char *s, double min, double max, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == ERANGE)
        return -ERANGE;
    if (*end != '\0' || end == s || isnan(v))
        return -EINVAL;
    if (v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

uint64_t scc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

size_t scc_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

void scc_cpuset_zero(struct scc_cpuset *s) { memset(s, 0, sizeof(*s)); }

void scc_cpuset_set(struct scc_cpuset *s, int cpu)
{
    if (cpu >= 0 && cpu < SCC_MAX_CPUS)
        s->bits[cpu / 64] |= 1ull << (cpu % 64);
}

bool scc_cpuset_isset(const struct scc_cpuset *s, int cpu)
{
    if (cpu < 0 || cpu >= SCC_MAX_CPUS)
        return false;
    return (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

int scc_cpuset_count(const struct scc_cpuset *s)
{
    int n = 0;
    for (size_t i = 0; i < SCC_ARRAY_SIZE(s->bits); i++)
        n += __builtin_popcountll(s->bits[i]);
    return n;
}

int scc_cpuset_first(const struct scc_cpuset *s)
{
    for (int c = 0; c < SCC_MAX_CPUS; c++)
        if (scc_cpuset_isset(s, c))
            return c;
    return -1;
}

int scc_cpuset_parse(const char *s, struct scc_cpuset *out)
{
    scc_cpuset_zero(out);
    if (!s)
        return -EINVAL;
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p)
        return -EINVAL;
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        errno = 0;
        long a = strtol(p, &end, 10), b = a;
        if (errno || a >= SCC_MAX_CPUS)
            return -ERANGE;
        p = end;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -EINVAL;
            b = strtol(p, &end, 10);
            if (errno || b >= SCC_MAX_CPUS)
                return -ERANGE;
            if (b < a)
                return -EINVAL;
            p = end;
        }
        for (long c = a; c <= b; c++)
            scc_cpuset_set(out, (int)c);
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ',') {
            p++;
            while (isspace((unsigned char)*p))
                p++;
            if (!*p)
                return -EINVAL;
        } else if (*p) {
            return -EINVAL;
        }
    }
    return 0;
}

void scc_cpuset_format(const struct scc_cpuset *s, char *buf, size_t len)
{
    size_t off = 0;
    if (len)
        buf[0] = '\0';
    for (int c = 0; c < SCC_MAX_CPUS; c++) {
        if (!scc_cpuset_isset(s, c))
            continue;
        int e = c;
        while (e + 1 < SCC_MAX_CPUS && scc_cpuset_isset(s, e + 1))
            e++;
        int n;
        if (e == c)
            n = snprintf(buf + off, len - off, "%s%d", off ? "," : "", c);
        else
            n = snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "", c, e);
        if (n < 0 || (size_t)n >= len - off)
            return;
        off += (size_t)n;
        c = e;
    }
}

int scc_cpuset_online(struct scc_cpuset *out)
{
    FILE *f = fopen("/sys/devices/system/cpu/online", "re");
    if (f) {
        char line[4096];
        int rc = -EIO;
        if (fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\n")] = '\0';
            rc = scc_cpuset_parse(line, out);
        }
        fclose(f);
        if (rc == 0)
            return 0;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return -EIO;
    scc_cpuset_zero(out);
    for (long c = 0; c < n && c < SCC_MAX_CPUS; c++)
        scc_cpuset_set(out, (int)c);
    return 0;
}

int scc_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly "xx:xx:xx:xx:xx:xx". A strict loop rather than sscanf("%2x"),
 * which skips spaces and takes signs (" 1: 2: ..." was a MAC). */
int scc_mac_parse(const char *s, uint8_t mac[6])
{
    if (!s || strlen(s) != 17)
        return -EINVAL;
    uint8_t v[6];
    for (int i = 0; i < 6; i++) {
        const char *p = s + 3 * i;
        int hi = scc_hexval(p[0]), lo = scc_hexval(p[1]);
        if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
            return -EINVAL;
        v[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(mac, v, 6);
    return 0;
}

void scc_mac_format(const uint8_t mac[6], char *buf, size_t len)
{
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
}

int scc_ipv4_parse(const char *s, uint32_t *addr)
{
    struct in_addr a;
    if (!s || inet_pton(AF_INET, s, &a) != 1)
        return -EINVAL;
    *addr = ntohl(a.s_addr);
    return 0;
}

int scc_prefix_parse(const char *s, uint32_t *addr, int *len)
{
    char buf[64];
    if (!s || scc_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
        return -EINVAL;
    char *slash = strchr(buf, '/');
    long l = 32;
    if (slash) {
        *slash = '\0';
        if (scc_parse_long(slash + 1, 0, 32, &l) < 0)
            return -EINVAL;
    }
    uint32_t a;
    if (scc_ipv4_parse(buf, &a) < 0)
        return -EINVAL;
    *addr = a;
    *len = (int)l;
    return 0;
}

void scc_ipv4_format(uint32_t addr, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
             addr & 0xff);
}

int scc_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 1000;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = prev + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *scc_suggest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    int best_d = 1000;
    for (size_t i = 0; i < n; i++) {
        int d = scc_edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    /* a plausible typo: at most a third of the word differs (and at least 1) */
    int limit = (int)strlen(word) / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 3)
        limit = 3;
    return best_d <= limit ? best : NULL;
}

int scc_verrf(char *buf, size_t len, const char *prefix, const char *fmt, va_list ap)
{
    if (!buf || !len)
        return -EINVAL;
    int n = prefix ? snprintf(buf, len, "%s: ", prefix) : 0;
    if (n >= 0 && (size_t)n < len)
        vsnprintf(buf + n, len - (size_t)n, fmt, ap);
    return -EINVAL;
}

int scc_errf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    scc_verrf(buf, len, NULL, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

uint64_t scc_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t scc_fnv1a(uint32_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

int scc_write_file_atomic(const char *path, const void *data, size_t len, char *err,
                          size_t errlen)
{
    char dbuf[PATH_MAX], bbuf[PATH_MAX], tmp[PATH_MAX];
    if (snprintf(dbuf, sizeof(dbuf), "%s", path) >= (int)sizeof(dbuf) ||
        snprintf(bbuf, sizeof(bbuf), "%s", path) >= (int)sizeof(bbuf)) {
        scc_errf(err, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    const char *dir = dirname(dbuf), *base = basename(bbuf);
    if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >= (int)sizeof(tmp)) {
        scc_errf(err, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        scc_errf(err, errlen, "cannot write %s: creating a temporary file in %s: %s", path, dir,
                 strerror(e));
        return -e;
    }
    const char *what = "write";
    const char *p = data;
    size_t left = len;
    int e = 0;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = n < 0 ? errno : EIO;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    mode_t um = umask(0);
    umask(um);
    if (!e && fchmod(fd, 0644 & ~um) < 0) {
        e = errno;
        what = "fchmod";
    }
    /* the data must be on disk before the name points at it, or a crash
     * could leave a complete-looking name over an empty file */
    if (!e && fsync(fd) < 0) {
        e = errno;
        what = "fsync";
    }
    if (close(fd) < 0 && !e) {
        e = errno;
        what = "close";
    }
    if (!e && rename(tmp, path) < 0) {
        e = errno;
        what = "rename";
    }
    if (e) {
        unlink(tmp);
        scc_errf(err, errlen, "cannot write %s: %s: %s (the file is unchanged)", path, what,
                 strerror(e));
        return -e;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { /* the rename itself durable; best effort */
        fsync(dfd);
        close(dfd);
    }
    return 0;
}
