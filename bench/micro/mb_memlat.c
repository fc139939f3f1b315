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
#include <unistd.h>

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
 * out of the figure. Never instrumented: a sanitizer's check per load
 * would add nanoseconds to every level and blur the knees between them. */
static __attribute__((noinline, no_sanitize_address, no_sanitize_undefined)) void *
chase(void *p, size_t count)
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

/* Link `lines` slots spread over `pages` 4 KiB pages (pages divides lines,
 * lines / pages <= 64) into one random cycle: slot k sits on page k % pages,
 * its line offset rotating with the page so every variant spreads the same
 * number of lines over the same cache sets. Only the page count differs. */
static void *link_pages(char *base, size_t lines, size_t pages, uint32_t *perm)
{
    const size_t page = 4096, line = 64, step = 64 * pages / lines;
#define SLOT(k) (base + ((k) % pages) * page + ((((k) / pages) * step + (k) % pages) % 64) * line)
    mb_sattolo(perm, lines, 0x5eed);
    for (size_t k = 0; k < lines; k++)
        *(void **)SLOT(k) = SLOT(perm[k]);
#undef SLOT
    return base;
}

/* out = a - base: the extra ns per load, or unavailable when the difference
 * is within noise (under 0.5 ns or 5 %). */
static void extra_stat(struct prof_calib_stat *out, const struct prof_calib_stat *a,
                       const struct prof_calib_stat *base, const char *what)
{
    double d = a->ns - base->ns;
    if (!a->available || !base->available)
        mb_stat_unavailable(out, "chase did not complete");
    else if (d < 0.5 || d < 0.05 * base->ns)
        mb_stat_unavailable(out,
                            "could not isolate: %s cost %.2f ns vs %.2f ns within the L1 DTLB "
                            "(difference within noise)", what, a->ns, base->ns);
    else {
        *out = *a;
        out->ns = d;
        out->min_ns = a->min_ns - base->ns;
        out->max_ns = a->max_ns - base->ns;
    }
}

#define TLB_LINES 4096
#define TLB_L1_PAGES 64     /* within every L1 DTLB we know (64-72 entries) */
#define TLB_STLB_PAGES 512  /* > L1 DTLB, < every STLB (Intel 1536-2048, AMD 2048-3072) */
#define TLB_WALK_PAGES 4096 /* > the STLB up to Sapphire Rapids / Zen 4 */
/* walk_dram: budget for the page-table footprint it may build */
#define TLB_DRAM_MIN_SLOTS (64u * 1024u)
#define TLB_DRAM_MAX_SLOTS (512u * 1024u) /* 16 GiB span: 32K mappings < vm.max_map_count */

/*
 * L_TM: page walks whose page-table loads go to DRAM. The page tables must
 * outgrow the LLC, which with private pages means gigabytes touched. So the
 * data is aliased: one memfd of m pages is mapped again and again over a
 * large span. n slots are chased twice over the same m physical pages and
 * the same words, both far beyond the STLB: "far" puts slot i on virtual
 * page 8i (each slot's PTE on its own cache line: n x 64 B of page-table
 * lines, at least twice the LLC the curve shows), "near" on page i (8
 * slots per PTE line: an eighth of that, cached). The difference is what
 * fetching the PTE from DRAM adds to a walk; added to `walk` (same kind of
 * walk, PTEs in cache) it is the extra over an L1 DTLB hit like the others.
 * m is odd and at least n / 512, so 8i mod m visits every physical page
 * and, with the word index i / m, no two slots share a word (the data is
 * n x 8 B, an eighth of the far chase's page-table lines); both chases use
 * the same words.
 */
static void walk_dram_run(const struct mb_opts *o, struct prof_calib *c, uint64_t target,
                          uint64_t llc)
{
    struct prof_calib_stat *out = &c->tlb[PROF_CALIB_TLB_WALK_DRAM];
    const size_t page = 4096;
    if (!c->tlb[PROF_CALIB_TLB_WALK].available) {
        mb_stat_unavailable(out, "needs walk, which is unavailable (%s)",
                            c->tlb[PROF_CALIB_TLB_WALK].reason);
        return;
    }
    /* Page-table lines twice the LLC the curve shows, and at least 8 MiB of
     * them: a coarse (--quick) curve can put the knee below the capacity a
     * sparse footprint still finds cached. */
    uint64_t need = llc ? 2 * llc / 64 : 0;
    if (need < TLB_DRAM_MIN_SLOTS)
        need = TLB_DRAM_MIN_SLOTS;
    if (need > TLB_DRAM_MAX_SLOTS) {
        mb_stat_unavailable(out,
                            "page tables of %llu MiB would be needed to outgrow the %llu MiB "
                            "LLC; the benchmark builds at most %u MiB",
                            (unsigned long long)(need * 64 >> 20),
                            (unsigned long long)(llc >> 20), TLB_DRAM_MAX_SLOTS * 64 >> 20);
        return;
    }
    /* m physical pages of 512 words hold the n slots, one word each: m >=
     * n / 512, and odd so that 8i mod m visits every page */
    size_t n = (size_t)need, m = ((n + 511) / 512) | 1, chunk = m * page;
    size_t span = ((8 * n + m) / m + 1) * chunk;
    int fd = memfd_create("scc-tlb", MFD_CLOEXEC);
    char *area = MAP_FAILED, *one = MAP_FAILED;
    uint32_t *perm = malloc(n * sizeof(*perm));
    if (fd < 0 || ftruncate(fd, (off_t)chunk) < 0 || !perm) {
        mb_stat_unavailable(out, "memfd_create/ftruncate(%zu KiB): %s", chunk >> 10,
                            strerror(errno));
        goto out;
    }
    area = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    one = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (area == MAP_FAILED || one == MAP_FAILED) {
        mb_stat_unavailable(out, "mmap(%zu MiB span): %s", span >> 20, strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < span; off += chunk)
        if (mmap(area + off, chunk, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
            MAP_FAILED) {
            mb_stat_unavailable(out, "mmap(MAP_FIXED, %zu mappings): %s (vm.max_map_count?)",
                                span / chunk, strerror(errno));
            goto out;
        }
    /* slot i: virtual page S*i, physical page S*i mod m, word i / m of it;
     * S = 8 (far: a PTE line per slot) or 1 (near: 8 slots per PTE line) */
#define VSLOT(S, i) (area + (S) * (i) * page + (((i) / m) % 512) * 8)
#define PSLOT(S, i) (one + (((S) * (i)) % m) * page + (((i) / m) % 512) * 8)
    /* Write each cycle through the single mapping (no write faults over the
     * span) and map the span's page tables in bulk: one madvise instead of
     * a hundred thousand faults at ~20 us each in a VM. */
    mb_sattolo(perm, n, 0x7eed);
#ifdef MADV_POPULATE_READ
    (void)madvise(area, span, MADV_POPULATE_READ); /* best effort: else faults on the warm-up lap */
#endif
    struct prof_calib_stat far, near;
    for (size_t i = 0; i < n; i++)
        *(void **)PSLOT(8, i) = VSLOT(8, perm[i]);
    time_chase(VSLOT(8, 0), n, o->reps, target, &far);
    for (size_t i = 0; i < n; i++)
        *(void **)PSLOT(1, i) = VSLOT(1, perm[i]);
    time_chase(VSLOT(1, 0), n, o->reps, target, &near);
#undef VSLOT
#undef PSLOT
    const struct prof_calib_stat *walk = &c->tlb[PROF_CALIB_TLB_WALK];
    struct prof_calib_stat d;
    char what[96];
    snprintf(what, sizeof(what), "%zu MiB of page-table lines", n * 64 >> 20);
    extra_stat(&d, &far, &near, what);
    if (!d.available) {
        *out = d;
    } else {
        *out = d;
        out->ns += walk->ns;
        out->min_ns += walk->ns;
        out->max_ns += walk->ns;
    }
out:
    if (area != MAP_FAILED)
        munmap(area, span);
    if (one != MAP_FAILED)
        munmap(one, chunk);
    if (fd >= 0)
        close(fd);
    free(perm);
}

/* DTLB hit/miss (the dtlb section) and the TLB levels (the tlb section). */
static void tlb_run(const struct mb_opts *o, struct prof_calib *c, uint64_t target)
{
    struct chase_buf b = {0};
    uint32_t *perm = malloc(TLB_LINES * sizeof(*perm));
    c->dtlb_pages = TLB_WALK_PAGES;
    if (!perm || buf_map(&b, TLB_WALK_PAGES * 4096, MADV_NOHUGEPAGE) == -ENOMEM || !b.map) {
        mb_stat_unavailable(&c->dtlb_hit, "out of memory for the DTLB buffer");
        mb_stat_unavailable(&c->dtlb_miss, "out of memory for the DTLB buffer");
        for (int i = 0; i < PROF_CALIB_NTLB; i++)
            mb_stat_unavailable(&c->tlb[i], "out of memory for the DTLB buffer");
        goto out;
    }
    /* The same 4096 lines over 64, 512 and 4096 pages: within the L1 DTLB,
     * within the STLB, beyond it. Same lines, same cache level. */
    struct prof_calib_stat hit, stlb, walk;
    time_chase(link_pages(b.base, TLB_LINES, TLB_L1_PAGES, perm), TLB_LINES, o->reps, target, &hit);
    time_chase(link_pages(b.base, TLB_LINES, TLB_STLB_PAGES, perm), TLB_LINES, o->reps, target,
               &stlb);
    time_chase(link_pages(b.base, TLB_LINES, TLB_WALK_PAGES, perm), TLB_LINES, o->reps, target,
               &walk);
    c->dtlb_hit = hit;
    extra_stat(&c->dtlb_miss, &walk, &hit, "4096 pages");
    extra_stat(&c->tlb[PROF_CALIB_TLB_STLB_HIT], &stlb, &hit, "512 pages");
    c->tlb[PROF_CALIB_TLB_WALK] = c->dtlb_miss;
    buf_unmap(&b);
    /* the LLC as the curve shows it: the last cache level's knee */
    uint64_t llc = 0;
    for (int k = PROF_CALIB_L1; k < PROF_CALIB_DRAM; k++)
        if (c->levels[k].knee_next)
            llc = c->levels[k].knee_next;
    if (!llc)
        for (size_t i = 0; i < c->ncaches; i++)
            if (c->caches[i].size > llc)
                llc = c->caches[i].size;
    walk_dram_run(o, c, target, llc);
out:
    free(perm);
    buf_unmap(&b);
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
            /* sequential is shown, never used by the model: 2 repetitions
             * (was 3) pay for the TLB levels' page tables */
            struct prof_calib_stat seq;
            p = link_slots(b.base, n, o->strides[s], false, NULL, 0);
            time_chase(p, n, reps > 2 ? 2 : reps, target, &seq);
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

    mb_progress(o, "memlat: DTLB and TLB levels");
    tlb_run(o, c, target);
    c->have |= PROF_CALIB_HAVE_MEMORY | PROF_CALIB_HAVE_DTLB | PROF_CALIB_HAVE_TLB;
    return 0;
}
