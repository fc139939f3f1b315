/*
 * mb_calib_print — the human table of a calibration (`scc bench show` and
 * the table every `scc bench` run prints). The file itself is read and
 * written by the profiler (profiler/prof_calib.h), whose latency model is
 * what the file is for; the table is the benchmark command's own output.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/micro/mb_bench.h"


static void stat_line(FILE *f, const char *name, const struct prof_calib_stat *s, const char *extra)
{
    if (!s->available)
        fprintf(f, "  %-22s unavailable: %s\n", name, s->reason);
    else
        fprintf(f, "  %-22s %10.2f ns   [%.2f .. %.2f] x%u%s%s\n", name, s->ns, s->min_ns,
                s->max_ns, s->reps, extra && extra[0] ? "   " : "", extra ? extra : "");
}

static void human_size(uint64_t b, char *buf, size_t len)
{
    if (b >= (1ull << 30) && !(b % (1ull << 30)))
        snprintf(buf, len, "%llu GiB", (unsigned long long)(b >> 30));
    else if (b >= (1ull << 20) && !(b % (1ull << 20)))
        snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
    else if (b >= 1024 && !(b % 1024))
        snprintf(buf, len, "%llu KiB", (unsigned long long)(b >> 10));
    else
        snprintf(buf, len, "%llu B", (unsigned long long)b);
}

void mb_calib_print(const struct prof_calib *c, void *fp)
{
    FILE *f = fp;
    fprintf(f, "machine: %s; kernel %s; cpus %s; %.0f MHz; governor %s\n", c->cpu_model,
            c->kernel, c->online_cpus, c->cpu_mhz, c->governor);
    fprintf(f, "caches (%s):", c->cache_source);
    for (size_t i = 0; i < c->ncaches; i++) {
        char sz[32];
        human_size(c->caches[i].size, sz, sizeof(sz));
        fprintf(f, " L%d %s %s%s", c->caches[i].level, c->caches[i].type, sz,
                i + 1 < c->ncaches ? "," : "");
    }
    fprintf(f, "\n");
    if (c->cycles_available)
        fprintf(f, "cycles: %.3f per ns\n", c->cycles_per_ns);
    else
        fprintf(f, "cycles: unavailable (%s)\n", c->cycles_reason);
    fprintf(f, "created %s, pinned to cpu %d%s\n", c->created, c->cpu,
            c->quick ? ", --quick (short runs)" : "");

    if (c->have & PROF_CALIB_HAVE_MEMORY) {
        fprintf(f, "\nmemory latency (dependent loads, random cyclic order; worst stride):\n");
        fprintf(f, "  huge pages: %s (%s)\n", c->huge_pages ? "used" : "not used",
                c->huge_pages_note);
        for (int k = 0; k < PROF_CALIB_NLEVELS; k++) {
            const struct prof_calib_level_lat *L = &c->levels[k];
            char ws[32], extra[160] = "";
            human_size(L->working_set, ws, sizeof(ws));
            if (L->stat.available) {
                int n = snprintf(extra, sizeof(extra), "working set %s; ", ws);
                if (isfinite(L->cycles))
                    snprintf(extra + n, sizeof(extra) - (size_t)n, "%.1f cycles", L->cycles);
                else
                    snprintf(extra + n, sizeof(extra) - (size_t)n, "cycles: unavailable");
            }
            stat_line(f, prof_calib_level_names[k], &L->stat, extra);
            if (L->plateau_to) {
                char a[32], z[32], kn[32] = "-", cl[32] = "-";
                human_size(L->plateau_from, a, sizeof(a));
                human_size(L->plateau_to, z, sizeof(z));
                if (L->knee_next)
                    human_size(L->knee_next, kn, sizeof(kn));
                if (L->cache_bytes)
                    human_size(L->cache_bytes, cl, sizeof(cl));
                fprintf(f, "  %-22s plateau %s..%s, knee before %s; sysfs/CPUID size %s%s\n",
                        "", a, z, kn, cl,
                        !L->size_checked ? "" : L->size_agrees ? " (agrees)" : " (DISAGREES)");
            }
            if (L->note[0])
                fprintf(f, "  %-22s note: %s\n", "", L->note);
        }
        if (c->levels[0].nstrides) {
            fprintf(f, "\n  per stride (ns)  ");
            for (size_t s = 0; s < c->levels[0].nstrides; s++)
                fprintf(f, " %7u", c->levels[0].per_stride[s].stride);
            fprintf(f, "\n");
            for (int k = 0; k < PROF_CALIB_NLEVELS; k++) {
                fprintf(f, "  %-16s ", prof_calib_level_names[k]);
                for (size_t s = 0; s < c->levels[k].nstrides; s++) {
                    double v = c->levels[k].per_stride[s].ns;
                    if (v >= 0)
                        fprintf(f, " %7.2f", v);
                    else
                        fprintf(f, " %7s", "-");
                }
                fprintf(f, "\n");
            }
        }
        if (c->ncurve) {
            fprintf(f, "\n  curve: working set, stride -> random / sequential ns\n");
            uint64_t last = 0;
            for (size_t i = 0; i < c->ncurve; i++) {
                const struct prof_calib_curve_point *p = &c->curve[i];
                char ws[32];
                human_size(p->working_set, ws, sizeof(ws));
                if (p->working_set != last)
                    fprintf(f, "  %9s:", ws);
                if (p->random_ns >= 0)
                    fprintf(f, " %u:%.1f/%.1f", p->stride, p->random_ns, p->sequential_ns);
                if (i + 1 == c->ncurve || c->curve[i + 1].working_set != p->working_set)
                    fprintf(f, "\n");
                last = p->working_set;
            }
        }
    }
    if (c->have & PROF_CALIB_HAVE_DTLB) {
        fprintf(f, "\nDTLB (%u lines: packed in few pages vs one per 4 KiB page):\n",
                c->dtlb_pages);
        stat_line(f, "hit (load latency)", &c->dtlb_hit, NULL);
        stat_line(f, "miss (extra per load)", &c->dtlb_miss, NULL);
    }
    if (c->have & PROF_CALIB_HAVE_TLB) {
        static const char *const what[PROF_CALIB_NTLB] = {
            "stlb_hit (L_T1)", "walk (L_T2)", "walk_dram (L_TM)"};
        fprintf(f, "\nTLB levels (extra ns per load over an L1 DTLB hit):\n");
        for (int i = 0; i < PROF_CALIB_NTLB; i++)
            stat_line(f, what[i], &c->tlb[i], NULL);
    }
    if (c->have & PROF_CALIB_HAVE_CTXSW) {
        fprintf(f, "\ncontext switch, two processes on cpu %d (per switch, pipe overhead "
                   "subtracted):\n", c->cpu);
        for (int i = 0; i < PROF_CALIB_NPOLICIES; i++) {
            const struct prof_calib_ctxsw_row *r = &c->ctxsw[i];
            char name[32], extra[96] = "";
            if (r->nice)
                snprintf(name, sizeof(name), "%s nice %d", r->policy, r->nice);
            else if (r->rt_priority)
                snprintf(name, sizeof(name), "%s prio %d", r->policy, r->rt_priority);
            else
                snprintf(name, sizeof(name), "%s", r->policy);
            if (r->sw.available)
                snprintf(extra, sizeof(extra), "round trip %.0f ns, overhead %.0f ns",
                         r->roundtrip_ns, r->overhead_ns);
            stat_line(f, name, &r->sw, extra);
        }
    }
    if (c->have & PROF_CALIB_HAVE_WAKEUP) {
        fprintf(f, "\ncross-core wake-up, cpu %d <-> cpu %d (one way):\n", c->wakeup_cpus[0],
                c->wakeup_cpus[1]);
        stat_line(f, "blocking (pipe)", &c->wakeup_block, "syscall overhead subtracted");
        stat_line(f, "spinning (shared line)", &c->wakeup_spin, NULL);
    }
    if (c->have & PROF_CALIB_HAVE_SYSCALL) {
        fprintf(f, "\nsystem calls (per call):\n");
        stat_line(f, "getppid", &c->sc_getppid, NULL);
        stat_line(f, "recvmmsg (empty, nb)", &c->sc_recvmmsg, NULL);
        stat_line(f, "sendmmsg (1 x 64 B lo)", &c->sc_sendmmsg, NULL);
    }
}
