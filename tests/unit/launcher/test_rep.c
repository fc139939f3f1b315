/*
 * scc report (launcher/rep_*.c) on recorded run files
 * (tests/fixtures/report/, README.md there says how each was made):
 * every format from a run without a PMU (a real profiled run of the
 * default chain here), a plain run, and two with hardware counters built
 * from the profiler's counter fixtures through prof_model — one of them
 * multiplexed. Checks figures (a value of the text table, a CSV cell, an
 * SVG bar's label), not only that something was written.
 *
 * SCC_REP_WRITE_FIXTURES=DIR makes the hardware fixtures again (into DIR)
 * from tests/fixtures/profiler/{intel,multiplexed}.json; without it the
 * test checks that the stored fixtures still hold what the model gives.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "profiler/prof_fixture.h"
#include "launcher/rep.h"
#include "profiler/prof_text.h"

extern char **environ;

static const char *src_dir(void)
{
    const char *s = getenv("SCC_SOURCE_DIR");
    return s ? s : ".";
}

static void fx_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/tests/fixtures/report/%s", src_dir(), name);
}

static struct rep_run *load(const char *name)
{
    char path[512], err[600];
    fx_path(path, sizeof(path), name);
    struct rep_run *r = rep_run_load(path, err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    return r;
}

/* Render runs with fn into a string (caller frees). */
static char *render(int (*fn)(FILE *, const struct rep_run *const *, size_t),
                    struct rep_run **runs, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fn(f, (const struct rep_run *const *)runs, n), 0);
    fclose(f);
    return buf;
}

/* ---- the hardware fixtures: counter fixture -> prof_model -> run file ---- */

static void put(json_object *o, const char *k, json_object *v)
{
    json_object_object_add(o, k, v);
}

static json_object *dbl_or_null(bool ok, double v)
{
    return ok ? json_object_new_double(v) : NULL;
}

static json_object *figure_json(const struct prof_figure *f)
{
    json_object *o = json_object_new_object();
    put(o, "available", json_object_new_boolean(f->available));
    put(o, "value", dbl_or_null(f->available, f->v));
    put(o, "reason", f->available ? NULL : json_object_new_string(f->reason));
    return o;
}

/* A result as launcher/ln_prof.c writes it (result_json there). */
static json_object *result_json(const struct prof_nf_result *r)
{
    json_object *o = json_object_new_object();
    put(o, "name", json_object_new_string(r->name));
    put(o, "cpu", r->cpu >= 0 ? json_object_new_int(r->cpu) : NULL);
    put(o, "packets", json_object_new_int64((int64_t)r->packets));
    json_object *terms = json_object_new_object();
    for (int k = 0; k < PROF_NTERMS; k++) {
        const struct prof_term_val *t = &r->term[k];
        json_object *x = json_object_new_object();
        put(x, "available", json_object_new_boolean(t->available));
        put(x, "events", dbl_or_null(t->available, t->events));
        put(x, "events_per_packet", dbl_or_null(t->available, t->events_per_pkt));
        put(x, "cost_ns", dbl_or_null(t->available, t->cost_ns));
        put(x, "ns_per_packet", dbl_or_null(t->available, t->ns_per_pkt));
        put(x, "scaled", json_object_new_boolean(t->scaled));
        put(x, "reason", t->reason[0] ? json_object_new_string(t->reason) : NULL);
        put(terms, prof_term_names[k], x);
    }
    put(o, "terms", terms);
    put(o, "total_ns_per_packet", json_object_new_double(r->total_ns_per_pkt));
    json_object *lack = json_object_new_array();
    for (int k = 0; k < PROF_NTERMS; k++)
        if (r->lacking & (1u << k))
            json_object_array_add(lack, json_object_new_string(prof_term_names[k]));
    put(o, "lacking", lack);
    put(o, "counted_ratio", json_object_new_double(r->counted_ratio));
    json_object *f = json_object_new_object();
    put(f, "run_ns_per_packet", figure_json(&r->run_ns_per_pkt));
    put(f, "wait_ns_per_packet", figure_json(&r->wait_ns_per_pkt));
    put(f, "blocked_ns_per_packet", figure_json(&r->blocked_ns_per_pkt));
    put(f, "user_ns_per_packet", figure_json(&r->user_ns_per_pkt));
    put(f, "sys_ns_per_packet", figure_json(&r->sys_ns_per_pkt));
    put(f, "wait_over_run", figure_json(&r->wait_over_run));
    put(f, "contention_over_run", figure_json(&r->contention_over_run));
    put(f, "switches_per_packet", figure_json(&r->switches_per_pkt));
    put(f, "involuntary_switches_per_packet", figure_json(&r->invol_per_pkt));
    put(f, "syscalls_per_packet", figure_json(&r->syscalls_per_pkt));
    put(f, "nf_syscalls_per_packet", figure_json(&r->nf_syscalls_per_pkt));
    put(f, "measured_cpu_ns_per_packet", figure_json(&r->measured_cpu_per_pkt));
    put(o, "figures", f);
    put(o, "cs_policy", r->cs_policy[0] ? json_object_new_string(r->cs_policy) : NULL);
    put(o, "policy_seen", r->policy_seen[0] ? json_object_new_string(r->policy_seen) : NULL);
    json_object *ph = NULL;
    if (r->measured_cpu_per_pkt.available) {
        ph = json_object_new_object();
        put(ph, "rx_ns_per_packet", json_object_new_double(r->phase_rx_per_pkt.v));
        put(ph, "pipeline_ns_per_packet", json_object_new_double(r->phase_pipe_per_pkt.v));
        put(ph, "tx_ns_per_packet", json_object_new_double(r->phase_tx_per_pkt.v));
        put(ph, "rx_includes_wait", json_object_new_boolean(r->phase_rx_waits));
        put(ph, "cpu_ns_per_packet", json_object_new_double(r->measured_cpu_per_pkt.v));
    }
    put(o, "phases", ph);
    put(o, "phases_reason",
        ph ? NULL : json_object_new_string(r->measured_cpu_per_pkt.reason));
    return o;
}

static json_object *counters_json(const struct prof_nf_input *in)
{
    json_object *a = json_object_new_array();
    for (size_t e = 0; e < in->nevents; e++) {
        const struct prof_group_event *x = &in->events[e];
        json_object *c = json_object_new_object();
        put(c, "name", json_object_new_string(x->name));
        put(c, "source", json_object_new_string(x->src == PROF_SRC_HARDWARE   ? "hardware"
                                                : x->src == PROF_SRC_SOFTWARE ? "software"
                                                                              : "tracepoint"));
        put(c, "available", json_object_new_boolean(x->available));
        put(c, "reason", x->available ? NULL : json_object_new_string(x->reason));
        put(c, "user_only", json_object_new_boolean(x->user_only));
        bool v = x->available && x->count.counted;
        put(c, "counted", json_object_new_boolean(v));
        put(c, "value", dbl_or_null(v, x->count.value));
        put(c, "raw", x->available ? json_object_new_int64((int64_t)x->count.raw) : NULL);
        put(c, "enabled_ns",
            x->available ? json_object_new_int64((int64_t)x->count.enabled_ns) : NULL);
        put(c, "running_ns",
            x->available ? json_object_new_int64((int64_t)x->count.running_ns) : NULL);
        put(c, "scaled", json_object_new_boolean(x->available && x->count.scaled));
        json_object_array_add(a, c);
    }
    return a;
}

/* The NF `name` of the template's array a, deep-copied with its name set
 * (or the template's first). */
static json_object *clone_named(json_object *a, const char *name)
{
    json_object *src = json_object_array_get_idx(a, 0), *dst = NULL;
    ck_assert_int_eq(json_object_deep_copy(src, &dst, NULL), 0);
    put(dst, "name", json_object_new_string(name));
    return dst;
}

/* Build the run file of counter fixture `counters` (tests/fixtures/
 * profiler/) on the template of the real no-PMU run: the machine, the
 * calibration, every NF (top level, placement, scheduler) and the profile
 * come from the fixture and the model; the sink's figures stay the real
 * run's. */
static json_object *build_fixture(const char *counters, const char *table_id)
{
    struct fixture fx;
    fixture_load(&fx, counters);
    struct prof_model *m = prof_model_new(fx.in, fx.n, &fx.cal);
    ck_assert_ptr_nonnull(m);
    char path[512];
    fx_path(path, sizeof(path), "nopmu.json");
    json_object *root = json_object_from_file(path);
    ck_assert_ptr_nonnull(root);
    json_object *prof = fx_get(root, "profile");
    json_object *mach = fx_get(prof, "machine"), *cal = fx_get(prof, "calibration");
    size_t nt;
    const struct prof_event_table *tabs = prof_events_tables(&nt), *tab = NULL;
    for (size_t i = 0; i < nt; i++)
        if (!strcmp(tabs[i].id, table_id))
            tab = &tabs[i];
    ck_assert_ptr_nonnull(tab);
    put(mach, "cpu_model", json_object_new_string(fx.cal.cpu_model));
    put(mach, "libpfm4_pmu", json_object_new_string(tab->pmus[0]));
    put(mach, "event_table", json_object_new_string(tab->id));
    put(mach, "pmu_available", json_object_new_boolean(true));
    put(mach, "pmu_reason", NULL);
    put(mach, "vendor_limits", json_object_new_string(tab->limits));
    put(cal, "path", json_object_new_string(counters));
    put(cal, "created", json_object_new_string(fx.cal.created));
    put(cal, "cpu_model", json_object_new_string(fx.cal.cpu_model));
    json_object *nfs = json_object_new_array(), *top = json_object_new_array(),
                *sched = json_object_new_array(), *pl = json_object_new_object();
    json_object *tnfs = fx_get(root, "nfs"), *snfs = fx_get(fx_get(root, "scheduler"), "nfs");
    for (size_t i = 0; i < fx.n; i++) {
        const struct prof_nf_result *r = prof_model_nf(m, i);
        json_object *x = result_json(r);
        put(x, "threads", json_object_new_int(1));
        put(x, "shares", json_object_new_int(1));
        put(x, "counters", counters_json(&fx.in[i]));
        /* the counter fixtures record whole threads: none started late */
        json_object *late = json_object_new_object();
        put(late, "count", json_object_new_int(0));
        put(late, "cpu_ns_before_attach", json_object_new_double(0));
        put(late, "max_lag_ms", json_object_new_double(0));
        put(x, "late_threads", late);
        put(x, "nf_syscalls", NULL);
        json_object_array_add(nfs, x);
        char cpu[16];
        snprintf(cpu, sizeof(cpu), "%d", r->cpu);
        json_object *t = clone_named(tnfs, r->name);
        put(t, "cpu", json_object_new_string(cpu));
        put(t, "rx", json_object_new_int64((int64_t)r->packets));
        put(t, "tx", json_object_new_int64((int64_t)r->packets));
        json_object *s = fx_get(t, "sched");
        const struct prof_proc_sample *p = &fx.in[i].proc;
        put(s, "run_ns", json_object_new_int64((int64_t)p->run_ns));
        put(s, "cpu_ns", json_object_new_int64((int64_t)p->run_ns));
        put(s, "wait_ns", json_object_new_int64((int64_t)p->wait_ns));
        put(s, "slices", json_object_new_int64((int64_t)p->slices));
        put(s, "voluntary_switches", json_object_new_int64((int64_t)p->vol_cs));
        put(s, "involuntary_switches", json_object_new_int64((int64_t)p->invol_cs));
        put(s, "cpu_ns_per_packet", json_object_new_double((double)p->run_ns / (double)r->packets));
        put(s, "wait_per_run",
            p->run_ns ? json_object_new_double((double)p->wait_ns / (double)p->run_ns) : NULL);
        json_object_array_add(top, t);
        json_object *sc = clone_named(snfs, r->name);
        put(sc, "cpus", json_object_new_string(cpu));
        put(sc, "policy", json_object_new_string(r->cs_policy));
        json_object_array_add(sched, sc);
        put(pl, r->name, json_object_new_string(cpu));
    }
    put(prof, "nfs", nfs);
    put(prof, "chain", result_json(prof_model_chain(m)));
    put(root, "nfs", top);
    put(fx_get(root, "scheduler"), "nfs", sched);
    put(fx_get(root, "placement"), "nfs", pl);
    /* where the model's total stands against the sink's p1..p99 */
    json_object *lat = fx_get(fx_get(fx_get(root, "traffic"), "sink"), "latency_ns");
    double t = prof_model_chain(m)->total_ns_per_pkt;
    const char *where = t < json_object_get_double(fx_get(lat, "p1"))    ? "below"
                        : t > json_object_get_double(fx_get(lat, "p99")) ? "above"
                                                                         : "within";
    json_object *sk = fx_get(prof, "sink");
    put(sk, "model_vs_sink", json_object_new_string(where));
    put(sk, "note", json_object_new_string("made from a counter fixture: the sink's figures are "
                                           "the real no-PMU run's"));
    prof_model_free(m);
    fixture_free(&fx);
    return root;
}

/* The model of counter fixture `counters`, for expectations. */
static struct prof_model *model_of(const char *counters, struct fixture *fx)
{
    fixture_load(fx, counters);
    struct prof_model *m = prof_model_new(fx->in, fx->n, &fx->cal);
    ck_assert_ptr_nonnull(m);
    return m;
}

START_TEST(hardware_fixtures_are_the_models)
{
    static const struct {
        const char *counters, *table, *out;
    } f[] = {{"intel.json", "intel-skx+", "intel.json"},
             {"multiplexed.json", "intel-skx+", "multiplexed.json"}};
    const char *dir = getenv("SCC_REP_WRITE_FIXTURES");
    for (size_t i = 0; i < 2; i++) {
        json_object *built = build_fixture(f[i].counters, f[i].table);
        char path[512];
        if (dir) {
            snprintf(path, sizeof(path), "%s/%s", dir, f[i].out);
            ck_assert_int_eq(json_object_to_file_ext(path, built,
                                                     JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE),
                             0);
        }
        fx_path(path, sizeof(path), f[i].out);
        json_object *stored = json_object_from_file(path);
        ck_assert_msg(stored != NULL, "%s: missing (SCC_REP_WRITE_FIXTURES=DIR makes it)", path);
        /* same profile results, NF for NF, term for term */
        json_object *a = fx_get(fx_get(built, "profile"), "nfs"),
                    *b = fx_get(fx_get(stored, "profile"), "nfs");
        ck_assert_uint_eq(json_object_array_length(a), json_object_array_length(b));
        for (size_t n = 0; n < json_object_array_length(a); n++) {
            json_object *ta = fx_get(json_object_array_get_idx(a, n), "terms"),
                        *tb = fx_get(json_object_array_get_idx(b, n), "terms");
            for (int k = 0; k < PROF_NTERMS; k++) {
                json_object *x = fx_get(fx_get(ta, prof_term_names[k]), "ns_per_packet"),
                            *y = fx_get(fx_get(tb, prof_term_names[k]), "ns_per_packet");
                ck_assert_int_eq(x == NULL, y == NULL);
                if (x)
                    ck_assert_double_eq_tol(json_object_get_double(x), json_object_get_double(y),
                                            1e-9 * fabs(json_object_get_double(x)) + 1e-12);
            }
        }
        json_object_put(built);
        json_object_put(stored);
    }
}
END_TEST

/* The text of a saved run holds prof_text's table exactly as it renders
 * the live model: one code path. */
START_TEST(text_is_prof_text_of_the_model)
{
    static const char *const names[] = {"intel.json", "multiplexed.json"};
    for (size_t i = 0; i < 2; i++) {
        struct fixture fx;
        struct prof_model *m = model_of(names[i], &fx);
        char *live = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&live, &len);
        ck_assert_int_eq(prof_text_write(f, m), 0);
        fclose(f);
        struct rep_run *r = load(names[i]);
        char *txt = render(rep_write_text, &r, 1);
        ck_assert_msg(strstr(txt, live) != NULL, "%s: the report's table differs from "
                      "prof_text's:\n%s\n---- live:\n%s", names[i], txt, live);
        /* and a figure: fw's L_D1 as the model has it */
        char want[64];
        snprintf(want, sizeof(want), "%14.3f", prof_model_nf(m, 0)->term[PROF_TERM_D1].ns_per_pkt);
        ck_assert_ptr_nonnull(strstr(txt, want));
        free(txt);
        free(live);
        rep_run_free(r);
        prof_model_free(m);
        fixture_free(&fx);
    }
}
END_TEST

START_TEST(text_without_pmu_says_unavailable)
{
    struct rep_run *r = load("nopmu.json");
    char *txt = render(rep_write_text, &r, 1);
    ck_assert_ptr_nonnull(strstr(txt, "<unavailable>                            L_D1"));
    ck_assert_ptr_nonnull(strstr(txt, "hardware counters: unavailable — not supported here"));
    /* fw's L_CS, as the run file holds it (3183.8665... ns) */
    ck_assert_ptr_nonnull(strstr(txt, "        3183.866       1.0437      3050.66  L_CS"));
    ck_assert_ptr_nonnull(strstr(txt, "1. fw: 52% of its time per packet is run-queue wait — it "
                                      "shares core 1 with rt and l2"));
    free(txt);
    rep_run_free(r);
}
END_TEST

START_TEST(multiplexed_share_is_derived_from_the_counters)
{
    struct fixture fx;
    struct prof_model *m = model_of("multiplexed.json", &fx);
    struct rep_run *r = load("multiplexed.json");
    ck_assert(r->term_ratio_derived);
    for (size_t i = 0; i < prof_model_nnfs(m); i++)
        for (int k = 0; k < PROF_NTERMS; k++) {
            const struct prof_term_val *a = &prof_model_nf(m, i)->term[k], *b = &r->res[i].term[k];
            ck_assert_int_eq(a->available, b->available);
            ck_assert_int_eq(a->scaled, b->scaled);
            if (a->scaled)
                ck_assert_double_eq_tol(a->counted_ratio, b->counted_ratio, 1e-9);
        }
    char *txt = render(rep_write_text, &r, 1);
    ck_assert_ptr_nonnull(strstr(txt, "(scaled, counted 25.0%)"));
    free(txt);
    char *html = render(rep_write_html, &r, 1);
    ck_assert_ptr_nonnull(strstr(html, "(scaled: multiplexed)"));
    ck_assert_ptr_nonnull(strstr(html, "multiplexed: counted 25.0% of the window"));
    free(html);
    rep_run_free(r);
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

/* The CSV cell of (nf, name) in column col (0-based), simple fields only. */
static bool csv_cell(const char *csv, const char *nf, const char *name, int col, char *out,
                     size_t len)
{
    char key[128];
    snprintf(key, sizeof(key), ",%s,term,%s,", nf, name);
    const char *l = strstr(csv, key);
    if (!l)
        return false;
    while (l > csv && l[-1] != '\n')
        l--;
    for (int c = 0; c < col; c++) {
        l = strchr(l, ',');
        if (!l)
            return false;
        l++;
    }
    size_t n = strcspn(l, ",\n");
    snprintf(out, len, "%.*s", (int)n, l);
    return true;
}

START_TEST(csv_cells)
{
    struct fixture fx;
    struct prof_model *m = model_of("intel.json", &fx);
    struct rep_run *r = load("intel.json");
    char *csv = render(rep_write_csv, &r, 1);
    ck_assert(strncmp(csv, REP_CSV_HEADER "\n", strlen(REP_CSV_HEADER) + 1) == 0);
    char cell[64], want[64];
    /* column 6 available, 7 value */
    ck_assert(csv_cell(csv, "fw", "L_D1", 6, cell, sizeof(cell)));
    ck_assert_str_eq(cell, "true");
    ck_assert(csv_cell(csv, "fw", "L_D1", 7, cell, sizeof(cell)));
    snprintf(want, sizeof(want), "%.9g", prof_model_nf(m, 0)->term[PROF_TERM_D1].ns_per_pkt);
    ck_assert_str_eq(cell, want);
    ck_assert(csv_cell(csv, "chain", "L_DM", 7, cell, sizeof(cell)));
    snprintf(want, sizeof(want), "%.9g", prof_model_chain(m)->term[PROF_TERM_DM].ns_per_pkt);
    ck_assert_str_eq(cell, want);
    free(csv);
    rep_run_free(r);
    prof_model_free(m);
    fixture_free(&fx);

    r = load("nopmu.json");
    csv = render(rep_write_csv, &r, 1);
    ck_assert(csv_cell(csv, "rt", "L_D2", 6, cell, sizeof(cell)));
    ck_assert_str_eq(cell, "false");
    ck_assert(csv_cell(csv, "rt", "L_D2", 7, cell, sizeof(cell)));
    ck_assert_str_eq(cell, ""); /* unavailable: empty, never 0 */
    ck_assert_ptr_nonnull(strstr(csv, ",rt,term,L_D2,false,,ns/pkt,,,,,\"DEMAND_DATA_CACHE_FILLS_"
                                      "FROM_SYSTEM:LCL_L2: not supported here"));
    free(csv);
    rep_run_free(r);
}
END_TEST

START_TEST(html_bars_and_box_plot)
{
    struct fixture fx;
    struct prof_model *m = model_of("intel.json", &fx);
    struct rep_run *r = load("intel.json");
    char *html = render(rep_write_html, &r, 1);
    char want[160];
    snprintf(want, sizeof(want), "<title>L_D1 loads served by L1D: %.1f ns per packet</title>",
             prof_model_nf(m, 0)->term[PROF_TERM_D1].ns_per_pkt);
    ck_assert_msg(strstr(html, want) != NULL, "no bar %s", want);
    snprintf(want, sizeof(want), ">%.0f ns/pkt (available terms)</text>",
             prof_model_nf(m, 1)->total_ns_per_pkt);
    ck_assert_msg(strstr(html, want) != NULL, "no label %s", want);
    ck_assert_ptr_nonnull(strstr(html, "median 81.7 us"));
    ck_assert_ptr_nonnull(strstr(html, "available (event table intel-skx+)"));
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "http:"));
    ck_assert_ptr_null(strstr(html, "https:"));
    ck_assert_ptr_null(strstr(html, "href="));
    ck_assert_ptr_null(strstr(html, "src="));
    free(html);
    rep_run_free(r);
    prof_model_free(m);
    fixture_free(&fx);

    r = load("nopmu.json");
    html = render(rep_write_html, &r, 1);
    /* hardware terms: said, not drawn */
    ck_assert_ptr_null(strstr(html, "<title>L_D1"));
    ck_assert_ptr_nonnull(
        strstr(html, "unavailable, not drawn: L_D1 L_D2 L_D3 L_DM L_T1 L_T2 L_TM"));
    ck_assert_ptr_nonnull(strstr(html, "<title>CPU: 15651.5 ns per packet</title>"));
    ck_assert_ptr_nonnull(strstr(html, "role=\"img\" aria-labelledby=\"r0-tt r0-td\""));
    ck_assert_ptr_nonnull(strstr(html, "@media print"));
    free(html);
    rep_run_free(r);
}
END_TEST

/* NF names are user input: a name with markup and quotes is escaped
 * everywhere it appears. */
START_TEST(html_escapes_names)
{
    char path[512];
    fx_path(path, sizeof(path), "nopmu.json");
    json_object *root = json_object_from_file(path);
    const char *evil = "<script>alert(\"x\")</script>'";
    json_object *nf0 = json_object_array_get_idx(fx_get(root, "nfs"), 0);
    put(nf0, "name", json_object_new_string(evil));
    json_object *p0 = json_object_array_get_idx(fx_get(fx_get(root, "profile"), "nfs"), 0);
    put(p0, "name", json_object_new_string(evil));
    put(root, "chain", json_object_new_string("a&b\"<c>"));
    char err[600];
    struct rep_run *r =
        rep_run_load_string(json_object_to_json_string(root), "evil.json", err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    char *html = render(rep_write_html, &r, 1);
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "alert(\"x\")"));
    ck_assert_ptr_null(strstr(html, "a&b"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;"));
    ck_assert_ptr_nonnull(strstr(html, "a&amp;b&quot;&lt;c&gt;"));
    free(html);
    char *csv = render(rep_write_csv, &r, 1);
    ck_assert_ptr_nonnull(strstr(csv, ",\"<script>alert(\"\"x\"\")</script>'\",term,L_D1,"));
    free(csv);
    rep_run_free(r);
    json_object_put(root);
}
END_TEST

static int run_argv(char *const argv[])
{
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(json_is_the_run_and_validates)
{
    static const char *const names[] = {"nopmu.json", "plain.json", "intel.json",
                                        "multiplexed.json"};
    for (size_t i = 0; i < 4; i++) {
        struct rep_run *r = load(names[i]);
        char *js = render(rep_write_json, &r, 1);
        json_object *back = json_tokener_parse(js);
        ck_assert_ptr_nonnull(back);
        ck_assert(json_object_equal(back, r->root));
        char tmp[] = "/tmp/test_rep_XXXXXX";
        int fd = mkstemp(tmp);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, js, strlen(js)), (ssize_t)strlen(js));
        close(fd);
        char schema[512], tool[512];
        snprintf(schema, sizeof(schema), "%s/docs/schema/scc-run.schema.json", src_dir());
        snprintf(tool, sizeof(tool), "%s/tests/integration/json_schema_subset.py", src_dir());
        char *argv[] = {"python3", tool, schema, tmp, NULL};
        int rc = run_argv(argv);
        unlink(tmp);
        ck_assert_msg(rc == 0, "%s: normalised JSON does not validate (rc %d)", names[i], rc);
        json_object_put(back);
        free(js);
        rep_run_free(r);
    }
}
END_TEST

START_TEST(side_by_side_ratios)
{
    struct rep_run *runs[2] = {load("plain.json"), load("nopmu.json")};
    struct rep_cmp_row rows[REP_CMP_MAX];
    size_t n = rep_compare((const struct rep_run *const *)runs, 2, rows, REP_CMP_MAX);
    const struct rep_cmp_row *fw = NULL, *model = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(rows[i].label, "fw: cpu time"))
            fw = &rows[i];
        if (!strcmp(rows[i].label, "chain: model total (available terms)"))
            model = &rows[i];
    }
    ck_assert_ptr_nonnull(fw);
    double want = runs[1]->nf[0].cpu_ns_per_pkt / runs[0]->nf[0].cpu_ns_per_pkt, got;
    ck_assert(rep_cmp_ratio(fw, 1, &got));
    ck_assert_double_eq_tol(got, want, 1e-12);
    /* the plain run has no model: no ratio, never a 0 */
    ck_assert_ptr_nonnull(model);
    ck_assert(!model->have[0] && model->have[1]);
    ck_assert(!rep_cmp_ratio(model, 1, &got));
    char *txt = render(rep_write_text, runs, 2);
    char line[64];
    snprintf(line, sizeof(line), "%8.3fx", want);
    ck_assert_ptr_nonnull(strstr(txt, "== comparison"));
    ck_assert_ptr_nonnull(strstr(txt, line));
    free(txt);
    char *js = render(rep_write_json, runs, 2);
    json_object *o = json_tokener_parse(js);
    ck_assert_str_eq(json_object_get_string(fx_get(o, "schema")), "scc-report/1");
    ck_assert_uint_eq(json_object_array_length(fx_get(o, "runs")), 2);
    json_object_put(o);
    free(js);
    char *html = render(rep_write_html, runs, 2);
    ck_assert_ptr_nonnull(strstr(html, "<h2>Comparison</h2>"));
    snprintf(line, sizeof(line), "<td>%.3f×</td>", want);
    ck_assert_ptr_nonnull(strstr(html, line));
    free(html);
    rep_run_free(runs[0]);
    rep_run_free(runs[1]);
}
END_TEST

START_TEST(plain_run_renders_without_profile)
{
    struct rep_run *r = load("plain.json");
    ck_assert(!r->have_profile);
    char *txt = render(rep_write_text, &r, 1);
    ck_assert_ptr_nonnull(strstr(txt, "profile: none in this run file"));
    char want[64];
    snprintf(want, sizeof(want), "%10.0f", r->nf[1].cpu_ns_per_pkt);
    ck_assert_ptr_nonnull(strstr(txt, want));
    free(txt);
    char *html = render(rep_write_html, &r, 1);
    ck_assert_ptr_nonnull(strstr(html, "it was not profiled"));
    /* CPU per packet from the launcher's /proc figures: run_ns / rx */
    snprintf(want, sizeof(want), "<title>CPU: %.1f ns per packet</title>",
             (double)r->nf[0].run_ns / (double)r->nf[0].rx);
    ck_assert_msg(strstr(html, want) != NULL, "no bar %s", want);
    ck_assert_ptr_nonnull(strstr(html, "The chain: traffic generator"));
    free(html);
    rep_run_free(r);
}
END_TEST

START_TEST(old_and_broken_files_are_refused)
{
    char err[600];
    errno = 0;
    struct rep_run *r =
        rep_run_load_string("{\"schema\": \"scc-run/1\", \"nfs\": []}", "old.json", err,
                            sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_int_eq(errno, ENOTSUP);
    ck_assert_ptr_nonnull(strstr(err, "old.json: schema scc-run/1"));
    ck_assert_ptr_nonnull(strstr(err, "re-run the chain"));
    r = rep_run_load_string("{\"schema\": \"scc-run/2\", \"nfs\": [{\"name\": \"fw\", "
                            "\"stats_available\": true, \"rx\": \"many\"}]}",
                            "bad.json", err, sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(err, "bad.json: nfs[0].rx: expected a number, found string");
    r = rep_run_load_string("{\"schema\": \"scc-run/2\", \"nfs\": [{\"name\": "
                            "\"a-name-of-forty-characters-is-too-long-x\"}]}",
                            "long.json", err, sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err, "long.json: nfs[0].name: longer than 39 characters"));
    r = rep_run_load_string("[1,", "cut.json", err, sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err, "cut.json: not JSON"));
    ck_assert_ptr_null(rep_run_load("/nonexistent/run.json", err, sizeof(err)));
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

int main(void)
{
    /* the hardware tables are used offline: no PMU needed */
    setenv("LIBPFM_ENCODE_INACTIVE", "1", 1);
    Suite *s = suite_create("rep");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, hardware_fixtures_are_the_models);
    tcase_add_test(tc, text_is_prof_text_of_the_model);
    tcase_add_test(tc, text_without_pmu_says_unavailable);
    tcase_add_test(tc, multiplexed_share_is_derived_from_the_counters);
    tcase_add_test(tc, csv_cells);
    tcase_add_test(tc, html_bars_and_box_plot);
    tcase_add_test(tc, html_escapes_names);
    tcase_add_test(tc, json_is_the_run_and_validates);
    tcase_add_test(tc, side_by_side_ratios);
    tcase_add_test(tc, plain_run_renders_without_profile);
    tcase_add_test(tc, old_and_broken_files_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
