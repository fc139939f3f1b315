/*
 * mb_knee — the memory levels as the measured latency curve shows them, not
 * as sysfs/CPUID claims them.
 *
 * A random pointer chase costs about the same per load while the working
 * set fits one cache level (a plateau), then rises steeply once it no longer
 * fits (a knee). A VM's CPUID, or a cache shared with neighbours, can claim
 * an L3 of 32 MiB whose usable share ends at a few MiB; sizing the L3
 * working set from the claim then measures DRAM and calls it L3. So the
 * levels come from the curve itself: split it into at most four plateaus
 * (L1, L2, L3, DRAM) and take each level's latency inside its plateau; the
 * claimed sizes are only compared with where the knees fall.
 *
 * Splitting: the best piecewise-constant fit of log(latency) with k
 * contiguous segments (least squares, dynamic programming over at most 40
 * points), for k = 4, 3, 2, 1, keeping the largest k whose neighbouring
 * plateaus differ by at least MB_KNEE_RATIO. Cache levels on the CPUs we
 * know differ by 2.5-5x (L1 ~1 ns, L2 ~4, L3 ~15, DRAM 80-250), while
 * DRAM's own spread from page walks and noise stays under 2x, so 2x
 * separates levels without splitting DRAM. Logs make a step from 1 to 4 ns
 * weigh as much as one from 40 to 160 ns.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/micro/mb_bench.h"
#include "common/scc_util.h"

#define MAX_POINTS 64

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Upper median of ns[first..last] and the index of a point holding it. */
static double seg_median(const double *ns, size_t first, size_t last, size_t *at)
{
    double v[MAX_POINTS];
    size_t n = last - first + 1;
    memcpy(v, ns + first, n * sizeof(*v));
    qsort(v, n, sizeof(*v), dbl_cmp);
    double m = v[n / 2];
    for (size_t i = first; i <= last; i++)
        if (ns[i] == m) {
            *at = i;
            break;
        }
    return m;
}

int mb_find_plateaus(const double *ns, size_t n, struct mb_plateau *out, size_t maxp)
{
    if (n == 0 || n > MAX_POINTS || maxp == 0)
        return -EINVAL;
    double y[MAX_POINTS], s1[MAX_POINTS + 1] = {0}, s2[MAX_POINTS + 1] = {0};
    for (size_t i = 0; i < n; i++) {
        if (!(ns[i] > 0) || !isfinite(ns[i]))
            return -EINVAL;
        y[i] = log(ns[i]);
        s1[i + 1] = s1[i] + y[i];
        s2[i + 1] = s2[i] + y[i] * y[i];
    }
    if (maxp > 4)
        maxp = 4;
    if (maxp > n)
        maxp = n;
    /* cost(a, b): squared deviation of y[a..b-1] from its mean */
#define COST(a, b) (s2[b] - s2[a] - (s1[b] - s1[a]) * (s1[b] - s1[a]) / (double)((b) - (a)))
    for (size_t k = maxp; k >= 1; k--) {
        /* best[j][i]: least cost of the first i points in j segments;
         * cut[j][i]: where the last of those segments starts */
        double best[5][MAX_POINTS + 1];
        size_t cut[5][MAX_POINTS + 1];
        for (size_t i = 1; i <= n; i++) {
            best[1][i] = COST(0, i);
            cut[1][i] = 0;
        }
        for (size_t j = 2; j <= k; j++)
            for (size_t i = j; i <= n; i++) {
                best[j][i] = INFINITY;
                for (size_t a = j - 1; a < i; a++) {
                    double v = best[j - 1][a] + COST(a, i);
                    if (v < best[j][i] - 1e-12) {
                        best[j][i] = v;
                        cut[j][i] = a;
                    }
                }
            }
        size_t end = n;
        for (size_t j = k; j >= 1; j--) {
            size_t a = cut[j][end];
            out[j - 1].first = a;
            out[j - 1].last = end - 1;
            out[j - 1].ns = seg_median(ns, a, end - 1, &out[j - 1].at);
            end = a;
        }
        bool ok = true;
        for (size_t j = 1; j < k && ok; j++)
            ok = out[j].ns >= MB_KNEE_RATIO * out[j - 1].ns;
        if (ok)
            return (int)k;
    }
#undef COST
    return -EINVAL; /* not reached: k = 1 always passes */
}

static void human(uint64_t b, char *buf, size_t len)
{
    if (b >= (1ull << 20) && !(b % (1ull << 20)))
        snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
    else if (b >= 1024 && !(b % 1024))
        snprintf(buf, len, "%llu KiB", (unsigned long long)(b >> 10));
    else
        snprintf(buf, len, "%llu B", (unsigned long long)b);
}

static uint32_t series_stride(const struct prof_calib *c)
{
    uint32_t best = 0, smallest = UINT32_MAX;
    for (size_t i = 0; i < c->ncurve; i++) {
        uint32_t s = c->curve[i].stride;
        if (s < smallest)
            smallest = s;
        if (s >= 64 && (!best || s < best))
            best = s;
    }
    return best ? best : smallest;
}

/* The level's figure: the worst stride at working set ws (the paper's
 * choice), its per-stride latencies, and the repetition spread when known. */
static void fill_level(const struct prof_calib *c, const struct prof_calib_stat *st,
                       uint64_t ws, struct prof_calib_level_lat *L)
{
    const struct prof_calib_curve_point *worst = NULL;
    size_t wi = 0;
    L->nstrides = 0;
    for (size_t i = 0; i < c->ncurve; i++) {
        const struct prof_calib_curve_point *p = &c->curve[i];
        if (p->working_set != ws || L->nstrides >= PROF_CALIB_MAX_STRIDES)
            continue;
        L->per_stride[L->nstrides].stride = p->stride;
        L->per_stride[L->nstrides].ns = p->random_ns;
        L->nstrides++;
        if (p->random_ns > 0 && (!worst || p->random_ns > worst->random_ns)) {
            worst = p;
            wi = i;
        }
    }
    L->working_set = ws;
    if (st && st[wi].available) {
        L->stat = st[wi];
    } else {
        memset(&L->stat, 0, sizeof(L->stat));
        L->stat.available = true;
        L->stat.ns = L->stat.min_ns = L->stat.max_ns = worst->random_ns;
    }
    L->cycles = c->cycles_available ? L->stat.ns * c->cycles_per_ns : NAN;
}

int mb_levels_from_curve(struct prof_calib *c, const struct prof_calib_stat *st)
{
    uint32_t stride = series_stride(c);
    uint64_t ws[MAX_POINTS];
    double ns[MAX_POINTS];
    size_t n = 0;
    /* the series: one cache line per load, ascending working sets */
    for (size_t i = 0; i < c->ncurve && n < MAX_POINTS; i++) {
        const struct prof_calib_curve_point *p = &c->curve[i];
        if (p->stride != stride || !(p->random_ns > 0))
            continue;
        size_t j = n++;
        while (j > 0 && ws[j - 1] > p->working_set) {
            ws[j] = ws[j - 1];
            ns[j] = ns[j - 1];
            j--;
        }
        ws[j] = p->working_set;
        ns[j] = p->random_ns;
    }
    uint64_t claimed[3] = {0, 0, 0};
    for (size_t i = 0; i < c->ncaches; i++)
        if (c->caches[i].level >= 1 && c->caches[i].level <= 3)
            claimed[c->caches[i].level - 1] = c->caches[i].size;
    for (int k = 0; k < PROF_CALIB_NLEVELS; k++) {
        memset(&c->levels[k], 0, sizeof(c->levels[k]));
        c->levels[k].cycles = NAN;
        c->levels[k].cache_bytes = k < 3 ? claimed[k] : 0;
    }
    struct mb_plateau pl[4];
    int np = n ? mb_find_plateaus(ns, n, pl, 4) : -EINVAL;
    if (np < 0) {
        for (int k = 0; k < PROF_CALIB_NLEVELS; k++)
            mb_stat_unavailable(&c->levels[k].stat, "no latency curve at stride %u", stride);
        return -EINVAL;
    }
    /* The last plateau is DRAM when there is a knee below it; the ones
     * before it are the caches, smallest first. */
    int level_of[4];
    int ncache = np >= 2 ? np - 1 : np;
    for (int j = 0; j < np; j++)
        level_of[j] = j < ncache ? j : PROF_CALIB_DRAM;
    char knees[160] = "";
    for (int j = 0; j + 1 < np; j++) {
        char a[24], b[24];
        size_t l = strlen(knees);
        human(ws[pl[j].last], a, sizeof(a));
        human(ws[pl[j + 1].first], b, sizeof(b));
        snprintf(knees + l, sizeof(knees) - l, "%s%s..%s", j ? ", " : "", a, b);
    }
    for (int j = 0; j < np; j++) {
        struct prof_calib_level_lat *L = &c->levels[level_of[j]];
        fill_level(c, st, ws[pl[j].at], L);
        L->plateau_from = ws[pl[j].first];
        L->plateau_to = ws[pl[j].last];
        L->knee_next = j + 1 < np ? ws[pl[j + 1].first] : 0;
        int k = level_of[j];
        if (k < 3 && claimed[k] && L->knee_next) {
            char cl[24], lo[24], hi[24];
            human(claimed[k], cl, sizeof(cl));
            human(L->plateau_to, lo, sizeof(lo));
            human(L->knee_next, hi, sizeof(hi));
            L->size_checked = true;
            /* A random chase over half a cache still mostly hits it, and one
             * over twice a cache mostly misses: outside that the claim is wrong. */
            L->size_agrees = !(L->knee_next <= claimed[k] / 2) &&
                             !(L->plateau_to >= 2 * claimed[k]);
            if (!L->size_agrees)
                snprintf(L->note, sizeof(L->note),
                         "the curve's knee is at %s..%s but sysfs/CPUID says %s = %s: "
                         "latency taken from the curve",
                         lo, hi, prof_calib_level_names[k], cl);
        } else if (k < 3 && !claimed[k]) {
            snprintf(L->note, sizeof(L->note),
                     "the curve shows this level; sysfs/CPUID reports no %s",
                     prof_calib_level_names[k]);
        }
    }
    for (int k = ncache; k < PROF_CALIB_DRAM; k++) {
        char cl[24] = "none";
        if (claimed[k])
            human(claimed[k], cl, sizeof(cl));
        mb_stat_unavailable(&c->levels[k].stat,
                            "the latency curve shows no plateau for %s (knees at %s; "
                            "sysfs/CPUID says %s = %s)",
                            prof_calib_level_names[k], knees[0] ? knees : "none",
                            prof_calib_level_names[k], cl);
    }
    struct prof_calib_level_lat *D = &c->levels[PROF_CALIB_DRAM];
    if (np < 2) {
        char top[24];
        human(ws[n - 1], top, sizeof(top));
        mb_stat_unavailable(&D->stat,
                            "the latency curve has no knee up to %s: the largest working set "
                            "still fits a cache (raise --max-ws)", top);
    } else if (pl[np - 1].first == pl[np - 1].last) {
        snprintf(D->note, sizeof(D->note),
                 "only one working set past the last knee: a steadier DRAM figure needs a "
                 "larger --max-ws");
    }
    return np;
}
