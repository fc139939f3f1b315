/*
 * nf_args — strict element-argument parsing (see nf_args.h). Written by hand
 * rather than with strtol/sscanf: strtol accepts spaces and signs and, with
 * base 0, reads "010" as octal; sscanf's numeric conversions have undefined
 * behaviour on overflow and skip spaces.
 */
#include "nfs/nf_args.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "common/scc_util.h"

/* Decimal digits of s[0..n) into *out (n >= 1); -EINVAL on a non-digit,
 * -ERANGE past LONG_MAX. */
static int digits(const char *s, size_t n, long *out)
{
    if (n == 0)
        return -EINVAL;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        int d = s[i] - '0';
        if (v > (LONG_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int bounded(const char *s, size_t n, long min, long max, long *out)
{
    long v;
    int r = digits(s, n, &v);
    if (r < 0)
        return r;
    if (v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int nf_args_int(const char *s, long min, long max, long *out)
{
    return bounded(s, strlen(s), min, max, out);
}

int nf_args_keyword(const char *arg, const char *const *keywords, const char **value)
{
    size_t kl = strcspn(arg, " \t");
    const char *v = arg + kl;
    v += strspn(v, " \t");
    if (kl == 0 || !*v)
        return -EINVAL;
    for (int i = 0; keywords[i]; i++)
        if (strlen(keywords[i]) == kl && strncasecmp(arg, keywords[i], kl) == 0) {
            *value = v;
            return i;
        }
    return -ENOENT;
}

/* IPv4 in s[0..n). */
static int ipv4_n(const char *s, size_t n, uint32_t *addr)
{
    uint32_t a = 0;
    size_t at = 0;
    for (int part = 0; part < 4; part++) {
        size_t len = 0;
        while (at + len < n && s[at + len] != '.')
            len++;
        if (len == 0 || len > 3)
            return -EINVAL;
        long v;
        int r = bounded(s + at, len, 0, 255, &v);
        if (r < 0)
            return r == -ERANGE ? -EINVAL : r;
        a = a << 8 | (uint32_t)v;
        at += len;
        if (part < 3) {
            if (at >= n || s[at] != '.')
                return -EINVAL;
            at++;
        }
    }
    if (at != n)
        return -EINVAL;
    *addr = a;
    return 0;
}

int nf_args_ipv4(const char *s, uint32_t *addr)
{
    return ipv4_n(s, strlen(s), addr);
}

int nf_args_prefix(const char *s, uint32_t *addr, int *len)
{
    const char *slash = strchr(s, '/');
    if (!slash) {
        int r = nf_args_ipv4(s, addr);
        if (r == 0)
            *len = 32;
        return r;
    }
    uint32_t a;
    long l;
    int r = ipv4_n(s, (size_t)(slash - s), &a);
    if (r < 0)
        return r;
    r = nf_args_int(slash + 1, 0, 32, &l);
    if (r < 0)
        return r;
    *addr = a;
    *len = (int)l;
    return 0;
}

int nf_args_ipv4_range(const char *s, uint32_t *lo, uint32_t *hi)
{
    const char *dash = strchr(s, '-');
    uint32_t a, b;
    int r = ipv4_n(s, dash ? (size_t)(dash - s) : strlen(s), &a);
    if (r < 0)
        return r;
    b = a;
    if (dash && (r = nf_args_ipv4(dash + 1, &b)) < 0)
        return r;
    if (b < a)
        return -EDOM;
    *lo = a;
    *hi = b;
    return 0;
}

int nf_args_port_range(const char *s, long min, long max, long *lo, long *hi)
{
    const char *dash = strchr(s, '-');
    long a, b;
    int r = bounded(s, dash ? (size_t)(dash - s) : strlen(s), min, max, &a);
    if (r < 0)
        return r;
    b = a;
    if (dash && (r = nf_args_int(dash + 1, min, max, &b)) < 0)
        return r;
    if (b < a)
        return -EDOM;
    *lo = a;
    *hi = b;
    return 0;
}

int nf_args_mac(const char *s, uint8_t mac[6])
{
    uint8_t m[6];
    for (int i = 0; i < 6; i++) {
        int h = scc_hexval(*s);
        if (h < 0)
            return -EINVAL;
        s++;
        int l = scc_hexval(*s);
        if (l >= 0) {
            h = h << 4 | l;
            s++;
        }
        m[i] = (uint8_t)h;
        if (i < 5 && *s++ != ':')
            return -EINVAL;
    }
    if (*s)
        return -EINVAL;
    memcpy(mac, m, 6);
    return 0;
}
