/*
 * prof_pcm — see prof_pcm.h. The CSV layout is pcm's (src/pcm.cpp,
 * print_csv_header and print_csv): two header rows naming each column's
 * group and metric, then one row per interval.
 */
#include "profiler/prof_pcm.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FIELDS 65536

/* Split line in place at commas (fields trimmed of blanks and the line
 * end); returns the number of fields (at most max). */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        char *e = strchr(p, ',');
        if (e)
            *e = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        size_t l = strlen(p);
        while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
            p[--l] = '\0';
        f[n++] = p;
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

/* A number, or false for "N/A", "nan", an empty field... */
static bool num(const char *s, double *v)
{
    char *end;
    double x = strtod(s, &end);
    if (end == s || !isfinite(x))
        return false;
    *v = x;
    return true;
}

struct col {
    int core;     /* -1: System */
    int socket;
    int what;     /* 0 L2HIT, 1 L3HIT, 2 READ, 3 WRITE */
    size_t idx;
};

static struct prof_pcm_core *core_slot(struct prof_pcm_result *r, int core, int socket)
{
    for (size_t i = 0; i < r->ncores; i++)
        if (r->core[i].core == core)
            return &r->core[i];
    if (r->ncores == PROF_PCM_MAX_CORES)
        return NULL;
    struct prof_pcm_core *c = &r->core[r->ncores++];
    memset(c, 0, sizeof(*c));
    c->core = core;
    c->socket = socket;
    return c;
}

int prof_pcm_parse(FILE *f, struct prof_pcm_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    char *l1 = NULL, *l2 = NULL, *line = NULL;
    size_t c1 = 0, c2 = 0, cl = 0;
    char **g = calloc(MAX_FIELDS, sizeof(*g)), **m = calloc(MAX_FIELDS, sizeof(*m)),
         **d = calloc(MAX_FIELDS, sizeof(*d));
    struct col *cols = calloc(MAX_FIELDS, sizeof(*cols));
    /* per-core sums of the ratios and how many intervals had a number */
    double *sum = calloc(PROF_PCM_MAX_CORES * 2, sizeof(*sum));
    size_t *cnt = calloc(PROF_PCM_MAX_CORES * 2, sizeof(*cnt));
    int rc = -ENOMEM;
    if (!g || !m || !d || !cols || !sum || !cnt) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* header row 1: the groups; the first column's group is "System" */
    rc = -EINVAL;
    for (;;) {
        if (getline(&l1, &c1, f) < 0) {
            snprintf(err, errlen, "no pcm CSV header (a first row starting with \"System\")");
            goto out;
        }
        if (!strncmp(l1 + strspn(l1, " \t"), "System", 6))
            break;
    }
    if (getline(&l2, &c2, f) < 0) {
        snprintf(err, errlen, "the pcm CSV has no second header row (the metric names)");
        goto out;
    }
    size_t ng = split(l1, g, MAX_FIELDS), nm = split(l2, m, MAX_FIELDS);
    size_t n = ng < nm ? ng : nm, ncols = 0;
    static const char *const metric[] = {"L2HIT", "L3HIT", "READ", "WRITE"};
    for (size_t i = 0; i < n; i++) {
        int w = -1;
        for (int k = 0; k < 4; k++)
            if (!strcmp(m[i], metric[k]))
                w = k;
        if (w < 0)
            continue;
        int core, socket;
        if (!strcmp(g[i], "System")) {
            if (w < 2)
                continue; /* the cores' own ratios are what we keep */
            cols[ncols++] = (struct col){-1, -1, w, i};
        } else if (sscanf(g[i], "Core%d (Socket%d)", &core, &socket) == 2 && w < 2 &&
                   core >= 0) {
            if (!core_slot(r, core, socket))
                continue;
            cols[ncols++] = (struct col){core, socket, w, i};
        }
    }
    bool traffic = false;
    for (size_t k = 0; k < ncols; k++)
        traffic |= cols[k].core < 0;
    while (getline(&line, &cl, f) >= 0) {
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        size_t nd = split(line, d, MAX_FIELDS);
        if (nd < n - (n && !*m[n - 1])) { /* the trailing comma's empty field may be cut */
            snprintf(err, errlen, "pcm CSV row %zu has %zu fields, the header %zu", r->rows + 1,
                     nd, n);
            goto out;
        }
        for (size_t k = 0; k < ncols; k++) {
            double v;
            if (cols[k].idx >= nd || !num(d[cols[k].idx], &v))
                continue;
            if (cols[k].core < 0) {
                if (cols[k].what == 2)
                    r->read_gb += v;
                else
                    r->write_gb += v;
                continue;
            }
            struct prof_pcm_core *c = core_slot(r, cols[k].core, cols[k].socket);
            size_t s = (size_t)(c - r->core) * 2 + (size_t)cols[k].what;
            sum[s] += v;
            cnt[s]++;
        }
        r->rows++;
    }
    if (ferror(f)) {
        rc = -EIO;
        snprintf(err, errlen, "reading the pcm CSV: %s", strerror(EIO));
        goto out;
    }
    if (r->rows == 0) {
        snprintf(err, errlen, "the pcm CSV has no data row (pcm stopped before its first "
                              "interval ended)");
        goto out;
    }
    r->have_traffic = traffic;
    for (size_t i = 0; i < r->ncores; i++) {
        struct prof_pcm_core *c = &r->core[i];
        if ((c->have_l2hit = cnt[i * 2] > 0))
            c->l2hit = sum[i * 2] / (double)cnt[i * 2];
        if ((c->have_l3hit = cnt[i * 2 + 1] > 0))
            c->l3hit = sum[i * 2 + 1] / (double)cnt[i * 2 + 1];
    }
    rc = 0;
out:
    free(l1);
    free(l2);
    free(line);
    free(g);
    free(m);
    free(d);
    free(cols);
    free(sum);
    free(cnt);
    return rc;
}

int prof_pcm_parse_file(const char *path, struct prof_pcm_result *r, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        memset(r, 0, sizeof(*r));
        snprintf(err, errlen, "open %s: %s", path, strerror(e));
        return -e;
    }
    int rc = prof_pcm_parse(f, r, err, errlen);
    fclose(f);
    return rc;
}

const struct prof_pcm_core *prof_pcm_core(const struct prof_pcm_result *r, int core)
{
    for (size_t i = 0; i < r->ncores; i++)
        if (r->core[i].core == core)
            return &r->core[i];
    return NULL;
}

/* The first executable of names[] on PATH into path. */
static bool on_path(const char *const *names, char *path, size_t plen)
{
    const char *env = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof(dirs), "%s", env && *env ? env : "/usr/local/sbin:/usr/local/bin:"
                                                          "/usr/sbin:/usr/bin:/sbin:/bin");
    for (const char *const *n = names; *n; n++) {
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s", dirs);
        char *save = NULL;
        for (char *dir = strtok_r(tmp, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
            char p[4352];
            snprintf(p, sizeof(p), "%s/%s", dir, *n);
            if (access(p, X_OK) == 0) {
                snprintf(path, plen, "%s", p);
                return true;
            }
        }
    }
    return false;
}

int prof_pcm_probe(char *path, size_t plen, char *reason, size_t len)
{
    if (plen)
        path[0] = '\0';
    /* an explicit binary (a wrapper, or a test's stand-in) is taken as is */
    const char *bin = getenv("SCC_PCM_BIN");
    if (bin && *bin) {
        if (access(bin, X_OK) != 0) {
            snprintf(reason, len, "SCC_PCM_BIN=%s: %s", bin, strerror(errno));
            return -ENOENT;
        }
        snprintf(path, plen, "%s", bin);
        reason[0] = '\0';
        return 0;
    }
    char vendor[64] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof(line), f))
            if (sscanf(line, "vendor_id : %63s", vendor) == 1)
                break;
        fclose(f);
    }
    if (strcmp(vendor, "GenuineIntel")) {
        snprintf(reason, len, "not an Intel CPU (%s): pcm needs Intel's uncore and MSRs", vendor);
        return -ENOTSUP;
    }
    static const char *const names[] = {"pcm", "pcm.x", NULL};
    if (!on_path(names, path, plen)) {
        snprintf(reason, len, "pcm is not installed (apt-get install pcm, or put pcm on PATH)");
        return -ENOENT;
    }
    /* pcm programs the PMU through /dev/cpu/N/msr (root, the msr module) */
    int fd = open("/dev/cpu/0/msr", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(reason, len, "no MSR access: /dev/cpu/0/msr: %s (%s)", strerror(e),
                 e == ENOENT ? "modprobe msr" : "run as root");
        return e == ENOENT ? -ENOENT : -EACCES;
    }
    close(fd);
    reason[0] = '\0';
    return 0;
}
