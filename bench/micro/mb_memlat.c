/*
 * mb_memlat — memory latency by dependent pointer chasing, per working-set
 * size and stride (the paper's Fig. 3), summarised per cache level, plus the
 * DTLB miss cost.
 *
 * Each load's address comes from the previous load, so loads cannot overlap
 * and the time per load is the latency of the level the working set lives
 * in. The random variant links the slots in a Sattolo cyclic permutation
 * (one cycle through every slot) so no hardware prefetcher can guess the
 * next line; the sequential variant walks the same slots in address order
 * and shows how much of the latency prefetching hides.
 *
 * The buffer asks for transparent huge pages (madvise MADV_HUGEPAGE) so that
 * large working sets measure cache/DRAM latency rather than page walks; the
 * DTLB experiment instead forces 4 KiB pages (MADV_NOHUGEPAGE) and compares
 * the same number of cache lines packed into a few pages against one line
 * per page, so the difference is the translation cost alone.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench/micro/mb_bench.h"
#include "common/scc_log.h"
#include "common/scc_util.h"

#define MIN_SLOTS 8
#define MAX_SIZES 40

struct chase_buf {
    char *base;  /* aligned start */
    void *map;   /* what mmap returned */
    size_t maplen;
    size_t len;
};

static void *volatile sink;

/* The measured loop: 8 dependent loads per iteration keep loop overhead
 * out of the figure. */
static __attribute__((noinline)) void *chase(void *p, size_t count)
{
    void **q = p;
    for (size_t i = 0; i < count; i += 8) {
        q = *q; q = *q; q = *q; q = *q;
        q = *q; q = *q; q = *q; q = *q;
    }
    return q;
}

static int buf_map(struct chase_buf *b, size_t len, int advice)
{
    const size_t huge = 2u << 20;
    b->maplen = len + huge;
    b->map = mmap(NULL, b->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b->map == MAP_FAILED) {
        int e = errno;
        scc_err("mmap(%zu bytes): %s: memlat buffer", b->maplen, strerror(e));
        b->map = NULL;
        return -e;
    }
    b->base = (char *)(((uintptr_t)b->map + huge - 1) & ~(uintptr_t)(huge - 1));
    b->len = len;
    int r = madvise(b->base, len, advice) < 0 ? -errno : 0;
    memset(b->base, 1, len); /* fault every page in now, not while timing */
    return r;
}

static void buf_unmap(struct chase_buf *b)
{
    if (b->map)
        munmap(b->map, b->maplen);
    b->map = NULL;
}

/* Link n slots stride bytes apart (offset off within the buffer) into a
 * cycle: random (Sattolo) or ascending. Returns the first slot. */
static void *link_slots(char *base, size_t n, size_t stride, bool random, uint32_t *perm,
                        uint64_t seed)
{
    if (random)
        mb_sattolo(perm, n, seed);
    for (size_t k = 0; k < n; k++) {
        size_t nx = random ? perm[k] : (k + 1) % n;
        *(void **)(base + k * stride) = base + nx * stride;
    }
    return base;
}

/* Time the chase from p: one probe to size the runs, a warm-up pass, then
 * reps timed runs of about target_ns each. */
static void time_chase(void *p, size_t n, unsigned reps, uint64_t target_ns,
                       struct prof_calib_stat *st)
{
    uint64_t t0 = scc_now_ns();
    p = chase(p, 4096);
    double est = (double)(scc_now_ns() - t0) / 4096.0;
    if (est < 0.2)
        est = 0.2;
    size_t count = (size_t)((double)target_ns / est);
    if (count < 4096)
        count = 4096;
    if (count > (1u << 24))
        count = 1u << 24;
    count &= ~(size_t)7;
    /* warm-up: one lap of the cycle (bounded) brings the set into its level */
    p = chase(p, n < count ? ((n + 7) & ~(size_t)7) : count);
    double v[64];
    unsigned k = 0;
    for (; k < reps && k < 64; k++) {
        t0 = scc_now_ns();
        p = chase(p, count);
        v[k] = (double)(scc_now_ns() - t0) / (double)count;
    }
    sink = p;
    mb_stat_from(st, v, k);
}

static void thp_status(struct prof_calib *c, const struct chase_buf *b, int madv)
{
    char mode[128] = "unknown";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        char line[128];
        if (fgets(line, sizeof(line), f)) {
            char *l = strchr(line, '['), *r = l ? strchr(l, ']') : NULL;
            if (l && r) {
                *r = '\0';
                scc_strlcpy(mode, l + 1, sizeof(mode));
            }
        }
        fclose(f);
    }
    long anon_kb = -1;
    f = fopen("/proc/self/smaps_rollup", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof(line), f))
            if (sscanf(line, "AnonHugePages: %ld kB", &anon_kb) == 1)
                break;
        fclose(f);
    }
    c->huge_pages = anon_kb > 0;
    snprintf(c->huge_pages_note, sizeof(c->huge_pages_note),
             "THP mode %s; madvise(MADV_HUGEPAGE): %s; AnonHugePages %ld kB for a %zu MiB buffer",
             mode, madv ? strerror(-madv) : "ok", anon_kb, b->len >> 20);
}

static void dtlb_run(const struct mb_opts *o, struct prof_calib *c, uint64_t target)
{
    const size_t page = 4096, pages = 4096, line = 64;
    struct chase_buf sparse = {0}, dense = {0};
    uint32_t *perm = malloc(pages * sizeof(*perm));
    c->dtlb_pages = (uint32_t)pages;
    if (!perm || buf_map(&sparse, pages * page, MADV_NOHUGEPAGE) == -ENOMEM ||
        !sparse.map || buf_map(&dense, pages * line, MADV_NOHUGEPAGE) == -ENOMEM || !dense.map) {
        mb_stat_unavailable(&c->dtlb_hit, "out of memory for the DTLB buffers");
        mb_stat_unavailable(&c->dtlb_miss, "out of memory for the DTLB buffers");
        goto out;
    }
    /* dense: 4096 lines in 64 pages (fits the L1 DTLB); sparse: the same
     * count of lines, one per page, line offset rotating so both sets spread
     * over the same cache sets. Same lines, same level; only pages differ. */
    mb_sattolo(perm, pages, 0x5eed);
    for (size_t k = 0; k < pages; k++) {
        size_t nx = perm[k];
        *(void **)(dense.base + k * line) = dense.base + nx * line;
        *(void **)(sparse.base + k * page + (k % 64) * line) =
            sparse.base + nx * page + (nx % 64) * line;
    }
    struct prof_calib_stat hit, walk;
    time_chase(dense.base, pages, o->reps, target, &hit);
    time_chase(sparse.base, pages, o->reps, target, &walk);
    c->dtlb_hit = hit;
    double d = walk.ns - hit.ns;
    if (!hit.available || !walk.available) {
        mb_stat_unavailable(&c->dtlb_miss, "chase did not complete");
    } else if (d < 0.5 || d < 0.05 * hit.ns) {
        mb_stat_unavailable(&c->dtlb_miss,
                            "could not isolate: %u pages cost %.2f ns vs %.2f ns packed "
                            "(difference within noise)",
                            (unsigned)pages, walk.ns, hit.ns);
    } else {
        c->dtlb_miss = walk;
        c->dtlb_miss.ns = d;
        c->dtlb_miss.min_ns = walk.min_ns - hit.ns;
        c->dtlb_miss.max_ns = walk.max_ns - hit.ns;
    }
out:
    free(perm);
    buf_unmap(&sparse);
    buf_unmap(&dense);
}

int mb_run_memlat(const struct mb_opts *o, struct prof_calib *c)
{
    int r = mb_pin(o->cpu);
    if (r < 0) {
        scc_err("sched_setaffinity(cpu %d): %s: memlat", o->cpu, strerror(-r));
        return r;
    }
    uint64_t llc = 0;
    for (size_t i = 0; i < c->ncaches; i++)
        if (c->caches[i].size > llc)
            llc = c->caches[i].size;
    /* The curve must reach well past the real last knee. The claimed LLC
     * only raises the top: a too-small --llc or a VM's odd claim must not
     * end the curve inside a cache (the old `--llc 4M` advice measured
     * "DRAM" at 16 MiB, partly cached). */
    uint64_t max_ws = 4 * llc > (64ull << 20) ? 4 * llc : 64ull << 20;
    if (max_ws > o->max_ws)
        max_ws = o->max_ws;
    if (max_ws < 64 * 1024)
        max_ws = 64 * 1024;

    uint64_t sizes[MAX_SIZES];
    size_t nsizes = 0;
    uint64_t step = o->quick ? 4 : 2;
    for (uint64_t s = 4096; s <= max_ws && nsizes < MAX_SIZES; s *= step)
        sizes[nsizes++] = s;
    if (sizes[nsizes - 1] != max_ws && nsizes < MAX_SIZES) {
        uint64_t p = 4096;
        while (p * 2 <= max_ws)
            p *= 2;
        if (p != sizes[nsizes - 1])
            sizes[nsizes++] = p;
    }
    uint64_t top = sizes[nsizes - 1];

    struct chase_buf b = {0};
    int madv = buf_map(&b, top, MADV_HUGEPAGE);
    if (!b.map)
        return madv;
    thp_status(c, &b, madv);
    uint32_t min_stride = UINT32_MAX;
    for (size_t s = 0; s < o->nstrides; s++)
        if (o->strides[s] < min_stride)
            min_stride = o->strides[s];
    uint32_t *perm = malloc((top / min_stride + 1) * sizeof(*perm));
    size_t npts = nsizes * o->nstrides;
    struct prof_calib_curve_point *curve = calloc(npts, sizeof(*curve));
    struct prof_calib_stat *rand_st = calloc(npts, sizeof(*rand_st));
    if (!perm || !curve || !rand_st) {
        free(perm);
        free(curve);
        free(rand_st);
        buf_unmap(&b);
        scc_err("malloc: %s: memlat tables", strerror(ENOMEM));
        return -ENOMEM;
    }
    uint64_t target = o->quick ? 600000 : 3000000; /* ns per timed repetition */
    unsigned reps = o->reps;

    size_t np = 0;
    for (size_t i = 0; i < nsizes; i++) {
        mb_progress(o, "memlat: working set %llu KiB", (unsigned long long)(sizes[i] >> 10));
        for (size_t s = 0; s < o->nstrides; s++, np++) {
            struct prof_calib_curve_point *pt = &curve[np];
            pt->working_set = sizes[i];
            pt->stride = o->strides[s];
            pt->random_ns = pt->sequential_ns = -1;
            size_t n = (size_t)(sizes[i] / o->strides[s]);
            if (n < MIN_SLOTS) {
                mb_stat_unavailable(&rand_st[np], "fewer than %d slots", MIN_SLOTS);
                continue;
            }
            void *p = link_slots(b.base, n, o->strides[s], true, perm, sizes[i] ^ o->strides[s]);
            time_chase(p, n, reps, target, &rand_st[np]);
            pt->random_ns = rand_st[np].ns;
            struct prof_calib_stat seq;
            p = link_slots(b.base, n, o->strides[s], false, NULL, 0);
            time_chase(p, n, reps > 3 ? 3 : reps, target, &seq);
            pt->sequential_ns = seq.ns;
        }
    }

    free(c->curve);
    c->curve = curve;
    c->ncurve = np;
    /* The levels come from the curve's plateaus, not from the claimed sizes. */
    mb_levels_from_curve(c, rand_st);
    if (top < 4 * llc) {
        struct prof_calib_level_lat *D = &c->levels[PROF_CALIB_DRAM];
        size_t l = strlen(D->note);
        snprintf(D->note + l, sizeof(D->note) - l,
                 "%sworking set capped at %llu MiB (4x the claimed LLC would be %llu MiB; "
                 "see --max-ws)",
                 l ? "; " : "", (unsigned long long)(top >> 20),
                 (unsigned long long)((4 * llc) >> 20));
    }
    free(rand_st);
    free(perm);
    buf_unmap(&b);

    mb_progress(o, "memlat: DTLB");
    dtlb_run(o, c, target);
    c->have |= PROF_CALIB_HAVE_MEMORY | PROF_CALIB_HAVE_DTLB;
    return 0;
}
