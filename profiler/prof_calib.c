/*
 * prof_calib — reading and writing the calibration file (schema
 * "scc-calibration/1", documented in docs/bench.md): what the profiler's
 * latency model multiplies event counts by. `scc bench calibrate` produces
 * it (bench/micro, which also prints it as a table). The writer emits only
 * the sections a run filled (struct prof_calib.have), the reader accepts any
 * subset of sections, checks types, and names the JSON path of the first
 * problem it finds. Figures are written with three decimals (ns), enough
 * for sub-nanosecond cache latencies and honest about the noise.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profiler/prof_calib.h"
#include "common/scc_json.h"
#include "common/scc_util.h"

const char *const prof_calib_level_names[PROF_CALIB_NLEVELS] = {"L1", "L2", "L3", "DRAM"};
const char *const prof_calib_tlb_keys[PROF_CALIB_NTLB] = {"stlb_hit", "walk", "walk_dram"};

static const char *const row_keys[PROF_CALIB_NPOLICIES] = {"other", "batch", "rr", "fifo",
                                                   "other_nice-19"};

void prof_calib_init(struct prof_calib *c)
{
    memset(c, 0, sizeof(*c));
    scc_strlcpy(c->schema, PROF_CALIB_SCHEMA, sizeof(c->schema));
    for (int k = 0; k < PROF_CALIB_NLEVELS; k++)
        c->levels[k].cycles = NAN;
    c->wakeup_cpus[0] = c->wakeup_cpus[1] = -1;
}

void prof_calib_free(struct prof_calib *c)
{
    if (!c)
        return;
    free(c->curve);
    memset(c, 0, sizeof(*c));
}

/* ---- writer ------------------------------------------------------------ */

static json_object *num(double v)
{
    char buf[64];
    if (!isfinite(v))
        return NULL; /* JSON null */
    /* Three decimals are plenty for nanoseconds and cycles and keep the
     * file readable; but "%.3f" of a huge value (a hand-edited or hostile
     * file) has hundreds of digits and would be cut at the buffer, which
     * writes a different number than was read. Beyond 1e15 the shortest
     * exact form is written instead (found by fuzz_calib). */
    if (fabs(v) < 1e15)
        snprintf(buf, sizeof(buf), "%.3f", v);
    else
        snprintf(buf, sizeof(buf), "%.17g", v);
    return json_object_new_double_s(v, buf);
}

static void add(json_object *o, const char *k, json_object *v)
{
    json_object_object_add(o, k, v);
}

static json_object *stat_json(const struct prof_calib_stat *s)
{
    json_object *o = json_object_new_object();
    add(o, "available", json_object_new_boolean(s->available));
    if (s->available) {
        add(o, "ns", num(s->ns));
        add(o, "min_ns", num(s->min_ns));
        add(o, "max_ns", num(s->max_ns));
        add(o, "reps", json_object_new_int((int)s->reps));
    } else {
        add(o, "reason", json_object_new_string(s->reason));
    }
    return o;
}

static json_object *build(const struct prof_calib *c)
{
    json_object *root = json_object_new_object();
    add(root, "schema", json_object_new_string(PROF_CALIB_SCHEMA));
    add(root, "created", json_object_new_string(c->created));
    add(root, "quick", json_object_new_boolean(c->quick));
    add(root, "cpu", json_object_new_int(c->cpu));

    json_object *m = json_object_new_object();
    add(m, "cpu_model", json_object_new_string(c->cpu_model));
    add(m, "kernel", json_object_new_string(c->kernel));
    add(m, "hostname", json_object_new_string(c->hostname));
    add(m, "online_cpus", json_object_new_string(c->online_cpus));
    add(m, "cpu_mhz", c->cpu_mhz > 0 ? num(c->cpu_mhz) : NULL);
    add(m, "governor", json_object_new_string(c->governor));
    json_object *caches = json_object_new_array();
    for (size_t i = 0; i < c->ncaches; i++) {
        json_object *e = json_object_new_object();
        add(e, "level", json_object_new_int(c->caches[i].level));
        add(e, "type", json_object_new_string(c->caches[i].type));
        add(e, "size", json_object_new_int64((int64_t)c->caches[i].size));
        json_object_array_add(caches, e);
    }
    add(m, "caches", caches);
    add(m, "cache_source", json_object_new_string(c->cache_source));
    json_object *cy = json_object_new_object();
    add(cy, "available", json_object_new_boolean(c->cycles_available));
    if (c->cycles_available)
        add(cy, "per_ns", num(c->cycles_per_ns));
    else
        add(cy, "reason", json_object_new_string(c->cycles_reason));
    add(m, "cycles", cy);
    add(root, "machine", m);

    if (c->have & PROF_CALIB_HAVE_MEMORY) {
        json_object *mem = json_object_new_object();
        json_object *hp = json_object_new_object();
        add(hp, "used", json_object_new_boolean(c->huge_pages));
        add(hp, "note", json_object_new_string(c->huge_pages_note));
        add(mem, "huge_pages", hp);
        json_object *lv = json_object_new_array();
        for (int k = 0; k < PROF_CALIB_NLEVELS; k++) {
            const struct prof_calib_level_lat *L = &c->levels[k];
            json_object *e = stat_json(&L->stat);
            add(e, "level", json_object_new_string(prof_calib_level_names[k]));
            add(e, "cache_bytes", json_object_new_int64((int64_t)L->cache_bytes));
            add(e, "working_set", json_object_new_int64((int64_t)L->working_set));
            add(e, "cycles", num(L->cycles));
            if (L->note[0])
                add(e, "note", json_object_new_string(L->note));
            if (L->plateau_to) {
                add(e, "plateau_from", json_object_new_int64((int64_t)L->plateau_from));
                add(e, "plateau_to", json_object_new_int64((int64_t)L->plateau_to));
                if (L->knee_next)
                    add(e, "knee_next", json_object_new_int64((int64_t)L->knee_next));
                if (L->size_checked)
                    add(e, "size_agrees", json_object_new_boolean(L->size_agrees));
            }
            json_object *ps = json_object_new_array();
            for (size_t s = 0; s < L->nstrides && s < PROF_CALIB_MAX_STRIDES; s++) {
                json_object *p = json_object_new_object();
                add(p, "stride", json_object_new_int((int)L->per_stride[s].stride));
                add(p, "ns", L->per_stride[s].ns >= 0 ? num(L->per_stride[s].ns) : NULL);
                json_object_array_add(ps, p);
            }
            add(e, "per_stride", ps);
            json_object_array_add(lv, e);
        }
        add(mem, "levels", lv);
        json_object *cu = json_object_new_array();
        for (size_t i = 0; i < c->ncurve; i++) {
            const struct prof_calib_curve_point *p = &c->curve[i];
            json_object *e = json_object_new_object();
            add(e, "working_set", json_object_new_int64((int64_t)p->working_set));
            add(e, "stride", json_object_new_int((int)p->stride));
            add(e, "random_ns", p->random_ns >= 0 ? num(p->random_ns) : NULL);
            add(e, "sequential_ns", p->sequential_ns >= 0 ? num(p->sequential_ns) : NULL);
            json_object_array_add(cu, e);
        }
        add(mem, "curve", cu);
        add(root, "memory", mem);
    }
    if (c->have & PROF_CALIB_HAVE_DTLB) {
        json_object *d = json_object_new_object();
        add(d, "pages", json_object_new_int((int)c->dtlb_pages));
        add(d, "hit", stat_json(&c->dtlb_hit));
        add(d, "miss", stat_json(&c->dtlb_miss));
        add(root, "dtlb", d);
    }
    if (c->have & PROF_CALIB_HAVE_TLB) {
        json_object *t = json_object_new_object();
        for (int i = 0; i < PROF_CALIB_NTLB; i++)
            add(t, prof_calib_tlb_keys[i], stat_json(&c->tlb[i]));
        add(root, "tlb", t);
    }
    if (c->have & PROF_CALIB_HAVE_CTXSW) {
        json_object *cs = json_object_new_object();
        for (int i = 0; i < PROF_CALIB_NPOLICIES; i++) {
            const struct prof_calib_ctxsw_row *r = &c->ctxsw[i];
            json_object *e = stat_json(&r->sw);
            add(e, "policy", json_object_new_string(r->policy));
            add(e, "nice", json_object_new_int(r->nice));
            add(e, "rt_priority", json_object_new_int(r->rt_priority));
            if (r->sw.available) {
                add(e, "roundtrip_ns", num(r->roundtrip_ns));
                add(e, "overhead_ns", num(r->overhead_ns));
            }
            add(cs, row_keys[i], e);
        }
        add(root, "ctxsw", cs);
    }
    if (c->have & PROF_CALIB_HAVE_WAKEUP) {
        json_object *w = json_object_new_object();
        json_object *cpus = json_object_new_array();
        json_object_array_add(cpus, json_object_new_int(c->wakeup_cpus[0]));
        json_object_array_add(cpus, json_object_new_int(c->wakeup_cpus[1]));
        add(w, "cpus", cpus);
        add(w, "block", stat_json(&c->wakeup_block));
        add(w, "spin", stat_json(&c->wakeup_spin));
        add(root, "wakeup", w);
    }
    if (c->have & PROF_CALIB_HAVE_SYSCALL) {
        json_object *s = json_object_new_object();
        add(s, "getppid", stat_json(&c->sc_getppid));
        add(s, "recvmmsg_empty", stat_json(&c->sc_recvmmsg));
        add(s, "sendmmsg_64B", stat_json(&c->sc_sendmmsg));
        add(root, "syscall", s);
    }
    return root;
}

char *prof_calib_to_string(const struct prof_calib *c)
{
    json_object *root = build(c);
    if (!root) {
        errno = ENOMEM;
        return NULL;
    }
    const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                             JSON_C_TO_STRING_SPACED |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    char *dup = s ? strdup(s) : NULL;
    json_object_put(root);
    if (!dup)
        errno = ENOMEM;
    return dup;
}

int prof_calib_write(const struct prof_calib *c, const char *path, char *err, size_t errlen)
{
    char *s = prof_calib_to_string(c);
    if (!s) {
        snprintf(err, errlen, "json serialisation: %s", strerror(errno));
        return -ENOMEM;
    }
    int r = 0;
    if (!strcmp(path, "-")) {
        if (fputs(s, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout) != 0) {
            r = errno ? -errno : -EIO;
            snprintf(err, errlen, "write: %s: %s", strerror(-r), path);
        }
        free(s);
        return r;
    }
    /* temporary file + rename: never a truncated calibration that looks whole */
    size_t n = strlen(s);
    char *buf = malloc(n + 2);
    if (buf) {
        memcpy(buf, s, n);
        buf[n] = '\n';
        r = scc_write_file_atomic(path, buf, n + 1, err, errlen);
        free(buf);
    } else {
        r = -ENOMEM;
        snprintf(err, errlen, "write: %s: %s", strerror(ENOMEM), path);
    }
    free(s);
    return r;
}

/* ---- reader ------------------------------------------------------------ */

/*
 * Every value goes through common/scc_json's typed getters: integers are
 * range-checked before they become C integers (a cast of an out-of-range
 * double is undefined behaviour), and the first problem is kept as
 * "json.path: what".
 */
struct rd {
    char *err;
    size_t errlen;
    int bad;
    struct scc_json_sink sink;
};

static void rd_report(void *arg, const char *path, const char *msg)
{
    struct rd *r = arg;
    if (r->bad++)
        return; /* keep the first problem */
    snprintf(r->err, r->errlen, "%s: %s", path[0] ? path : "(root)", msg);
}

#define NUM_ANY (-1e300), 1e300 /* any finite number; JSON has no NaN or Infinity */

static void get_str(struct rd *r, json_object *o, const char *base, const char *key, char *dst,
                    size_t len, bool required)
{
    const char *v;
    if (scc_json_get_str(&r->sink, base, o, key, required, &v) > 0)
        scc_strlcpy(dst, v, len);
}

static double get_num(struct rd *r, json_object *o, const char *base, const char *key,
                      bool required, double dflt)
{
    double v = dflt;
    scc_json_get_num(&r->sink, base, o, key, required, NUM_ANY, &v);
    return v;
}

static int64_t get_int(struct rd *r, json_object *o, const char *base, const char *key,
                       bool required, int64_t min, int64_t max, int64_t dflt)
{
    int64_t v = dflt;
    scc_json_get_int(&r->sink, base, o, key, required, min, max, &v);
    return v;
}

static json_object *get_obj(struct rd *r, json_object *o, const char *base, const char *key,
                            bool required)
{
    return scc_json_get_obj(&r->sink, base, o, key, required);
}

static json_object *get_arr(struct rd *r, json_object *o, const char *base, const char *key)
{
    return scc_json_get_arr(&r->sink, base, o, key, false);
}

static bool get_bool(struct rd *r, json_object *o, const char *base, const char *key,
                     bool required, bool *found)
{
    bool v = false;
    int rc = scc_json_get_bool(&r->sink, base, o, key, required, &v);
    if (found)
        *found = rc > 0;
    return v;
}

/* An array element that must be an object. */
static json_object *elem_obj(struct rd *r, json_object *arr, size_t i, const char *path)
{
    json_object *e = json_object_array_get_idx(arr, i);
    if (!json_object_is_type(e, json_type_object)) {
        char m[96];
        snprintf(m, sizeof(m), "expected an object, got %s", scc_json_type_word(e));
        rd_report(r, path, m);
        return NULL;
    }
    return e;
}

static void read_stat(struct rd *r, json_object *o, const char *path, struct prof_calib_stat *s)
{
    memset(s, 0, sizeof(*s));
    if (!json_object_is_type(o, json_type_object)) {
        rd_report(r, path, "expected an object");
        return;
    }
    bool found;
    s->available = get_bool(r, o, path, "available", true, &found);
    if (!found)
        return;
    if (s->available) {
        s->ns = get_num(r, o, path, "ns", true, NAN);
        s->min_ns = get_num(r, o, path, "min_ns", false, s->ns);
        s->max_ns = get_num(r, o, path, "max_ns", false, s->ns);
        s->reps = (unsigned)get_int(r, o, path, "reps", false, 0, UINT32_MAX, 0);
        if (!isfinite(s->ns) && !r->bad)
            rd_report(r, path, "available but ns is not a number");
    } else {
        get_str(r, o, path, "reason", s->reason, sizeof(s->reason), true);
    }
}

static void read_machine(struct rd *r, json_object *m, struct prof_calib *c)
{
    const char *p = "machine";
    get_str(r, m, p, "cpu_model", c->cpu_model, sizeof(c->cpu_model), true);
    get_str(r, m, p, "kernel", c->kernel, sizeof(c->kernel), true);
    get_str(r, m, p, "hostname", c->hostname, sizeof(c->hostname), false);
    get_str(r, m, p, "online_cpus", c->online_cpus, sizeof(c->online_cpus), false);
    get_str(r, m, p, "governor", c->governor, sizeof(c->governor), false);
    get_str(r, m, p, "cache_source", c->cache_source, sizeof(c->cache_source), false);
    c->cpu_mhz = get_num(r, m, p, "cpu_mhz", false, 0);
    json_object *caches = get_arr(r, m, p, "caches");
    for (size_t i = 0; caches && i < json_object_array_length(caches) && i < PROF_CALIB_MAX_CACHES;
         i++) {
        char path[64];
        snprintf(path, sizeof(path), "machine.caches[%zu]", i);
        json_object *e = elem_obj(r, caches, i, path);
        if (!e)
            break;
        c->caches[i].level = (int)get_int(r, e, path, "level", true, 0, 16, 0);
        get_str(r, e, path, "type", c->caches[i].type, sizeof(c->caches[i].type), false);
        c->caches[i].size = (uint64_t)get_int(r, e, path, "size", true, 0, INT64_MAX, 0);
        c->ncaches = i + 1;
    }
    json_object *cy = get_obj(r, m, p, "cycles", false);
    if (cy) {
        c->cycles_available = get_bool(r, cy, "machine.cycles", "available", true, NULL);
        if (c->cycles_available)
            c->cycles_per_ns = get_num(r, cy, "machine.cycles", "per_ns", true, 0);
        else
            get_str(r, cy, "machine.cycles", "reason", c->cycles_reason,
                    sizeof(c->cycles_reason), false);
    }
}

static void read_memory(struct rd *r, json_object *mem, struct prof_calib *c)
{
    c->have |= PROF_CALIB_HAVE_MEMORY;
    json_object *hp = get_obj(r, mem, "memory", "huge_pages", false);
    if (hp) {
        c->huge_pages = get_bool(r, hp, "memory.huge_pages", "used", false, NULL);
        get_str(r, hp, "memory.huge_pages", "note", c->huge_pages_note,
                sizeof(c->huge_pages_note), false);
    }
    json_object *lv = scc_json_get_arr(&r->sink, "memory", mem, "levels", true);
    if (!lv)
        return;
    if (json_object_array_length(lv) != PROF_CALIB_NLEVELS) {
        char m[96];
        snprintf(m, sizeof(m), "expected %d entries (L1, L2, L3, DRAM), found %zu",
                 PROF_CALIB_NLEVELS, json_object_array_length(lv));
        rd_report(r, "memory.levels", m);
        return;
    }
    for (int k = 0; k < PROF_CALIB_NLEVELS; k++) {
        char path[64];
        snprintf(path, sizeof(path), "memory.levels[%d]", k);
        json_object *e = json_object_array_get_idx(lv, (size_t)k);
        struct prof_calib_level_lat *L = &c->levels[k];
        read_stat(r, e, path, &L->stat);
        if (!json_object_is_type(e, json_type_object))
            continue;
        char name[16] = "";
        get_str(r, e, path, "level", name, sizeof(name), true);
        if (name[0] && strcmp(name, prof_calib_level_names[k])) {
            char m[96];
            snprintf(m, sizeof(m), "level is \"%s\", expected \"%s\" at this index", name,
                     prof_calib_level_names[k]);
            rd_report(r, path, m);
        }
        L->cache_bytes = (uint64_t)get_int(r, e, path, "cache_bytes", false, 0, INT64_MAX, 0);
        L->working_set = (uint64_t)get_int(r, e, path, "working_set", false, 0, INT64_MAX, 0);
        L->cycles = get_num(r, e, path, "cycles", false, NAN);
        get_str(r, e, path, "note", L->note, sizeof(L->note), false);
        /* knee fields: absent in files written before the knee finder */
        L->plateau_from = (uint64_t)get_int(r, e, path, "plateau_from", false, 0, INT64_MAX, 0);
        L->plateau_to = (uint64_t)get_int(r, e, path, "plateau_to", false, 0, INT64_MAX, 0);
        L->knee_next = (uint64_t)get_int(r, e, path, "knee_next", false, 0, INT64_MAX, 0);
        L->size_agrees = get_bool(r, e, path, "size_agrees", false, &L->size_checked);
        char pp[96];
        snprintf(pp, sizeof(pp), "%s", path);
        json_object *ps = get_arr(r, e, path, "per_stride");
        for (size_t s = 0; ps && s < json_object_array_length(ps) && s < PROF_CALIB_MAX_STRIDES;
             s++) {
            snprintf(pp, sizeof(pp), "%s.per_stride[%zu]", path, s);
            json_object *pe = elem_obj(r, ps, s, pp);
            if (!pe)
                break;
            L->per_stride[s].stride = (uint32_t)get_int(r, pe, pp, "stride", true, 0,
                                                        UINT32_MAX, 0);
            L->per_stride[s].ns = get_num(r, pe, pp, "ns", false, -1);
            L->nstrides = s + 1;
        }
    }
    json_object *cu = get_arr(r, mem, "memory", "curve");
    size_t n = cu ? json_object_array_length(cu) : 0;
    if (n) {
        c->curve = calloc(n, sizeof(*c->curve));
        if (!c->curve) {
            rd_report(r, "memory.curve", "out of memory");
            return;
        }
        for (size_t i = 0; i < n; i++) {
            char path[64];
            snprintf(path, sizeof(path), "memory.curve[%zu]", i);
            json_object *e = elem_obj(r, cu, i, path);
            if (!e)
                break;
            struct prof_calib_curve_point *p = &c->curve[i];
            p->working_set = (uint64_t)get_int(r, e, path, "working_set", true, 0, INT64_MAX, 0);
            p->stride = (uint32_t)get_int(r, e, path, "stride", true, 0, UINT32_MAX, 0);
            p->random_ns = get_num(r, e, path, "random_ns", false, -1);
            p->sequential_ns = get_num(r, e, path, "sequential_ns", false, -1);
        }
        c->ncurve = n;
    }
}

static int parse_root(json_object *root, struct prof_calib *c, struct rd *r)
{
    if (!json_object_is_type(root, json_type_object)) {
        rd_report(r, "", "expected a JSON object");
        return -EINVAL;
    }
    get_str(r, root, "", "schema", c->schema, sizeof(c->schema), true);
    if (!r->bad && strcmp(c->schema, PROF_CALIB_SCHEMA)) {
        char m[160];
        snprintf(m, sizeof(m), "\"%.64s\" is not \"%s\" (a newer or foreign file?)", c->schema,
                 PROF_CALIB_SCHEMA);
        rd_report(r, "schema", m);
        return -EINVAL;
    }
    get_str(r, root, "", "created", c->created, sizeof(c->created), true);
    c->quick = get_bool(r, root, "", "quick", false, NULL);
    c->cpu = (int)get_int(r, root, "", "cpu", false, 0, SCC_MAX_CPUS - 1, 0);
    json_object *m = get_obj(r, root, "", "machine", true);
    if (m)
        read_machine(r, m, c);
    json_object *sec;
    if ((sec = get_obj(r, root, "", "memory", false)))
        read_memory(r, sec, c);
    if ((sec = get_obj(r, root, "", "dtlb", false))) {
        c->have |= PROF_CALIB_HAVE_DTLB;
        c->dtlb_pages = (uint32_t)get_int(r, sec, "dtlb", "pages", false, 0, UINT32_MAX, 0);
        json_object *h = get_obj(r, sec, "dtlb", "hit", true);
        json_object *mi = get_obj(r, sec, "dtlb", "miss", true);
        if (h)
            read_stat(r, h, "dtlb.hit", &c->dtlb_hit);
        if (mi)
            read_stat(r, mi, "dtlb.miss", &c->dtlb_miss);
    }
    for (int i = 0; i < PROF_CALIB_NTLB; i++)
        snprintf(c->tlb[i].reason, sizeof(c->tlb[i].reason),
                 "not in this calibration file (tlb.%s: rerun scc bench calibrate)",
                 prof_calib_tlb_keys[i]);
    if ((sec = get_obj(r, root, "", "tlb", false))) {
        c->have |= PROF_CALIB_HAVE_TLB;
        for (int i = 0; i < PROF_CALIB_NTLB; i++) {
            char path[64];
            snprintf(path, sizeof(path), "tlb.%s", prof_calib_tlb_keys[i]);
            json_object *e = get_obj(r, sec, "tlb", prof_calib_tlb_keys[i], false);
            if (e)
                read_stat(r, e, path, &c->tlb[i]);
        }
    }
    if ((sec = get_obj(r, root, "", "ctxsw", false))) {
        c->have |= PROF_CALIB_HAVE_CTXSW;
        for (int i = 0; i < PROF_CALIB_NPOLICIES; i++) {
            char path[64];
            snprintf(path, sizeof(path), "ctxsw.%s", row_keys[i]);
            json_object *e = get_obj(r, sec, "ctxsw", row_keys[i], true);
            if (!e)
                continue;
            struct prof_calib_ctxsw_row *row = &c->ctxsw[i];
            read_stat(r, e, path, &row->sw);
            get_str(r, e, path, "policy", row->policy, sizeof(row->policy), true);
            row->nice = (int)get_int(r, e, path, "nice", false, -20, 19, 0);
            row->rt_priority = (int)get_int(r, e, path, "rt_priority", false, 0, 99, 0);
            row->roundtrip_ns = get_num(r, e, path, "roundtrip_ns", false, NAN);
            row->overhead_ns = get_num(r, e, path, "overhead_ns", false, NAN);
        }
    }
    if ((sec = get_obj(r, root, "", "wakeup", false))) {
        c->have |= PROF_CALIB_HAVE_WAKEUP;
        json_object *cpus = get_arr(r, sec, "wakeup", "cpus");
        for (size_t i = 0; cpus && i < 2 && i < json_object_array_length(cpus); i++) {
            char path[64];
            int64_t v = -1;
            snprintf(path, sizeof(path), "wakeup.cpus[%zu]", i);
            scc_json_val_int(&r->sink, path, json_object_array_get_idx(cpus, i), -1,
                             SCC_MAX_CPUS - 1, &v);
            c->wakeup_cpus[i] = (int)v;
        }
        json_object *b = get_obj(r, sec, "wakeup", "block", true);
        json_object *s = get_obj(r, sec, "wakeup", "spin", true);
        if (b)
            read_stat(r, b, "wakeup.block", &c->wakeup_block);
        if (s)
            read_stat(r, s, "wakeup.spin", &c->wakeup_spin);
    }
    if ((sec = get_obj(r, root, "", "syscall", false))) {
        c->have |= PROF_CALIB_HAVE_SYSCALL;
        static const char *const keys[] = {"getppid", "recvmmsg_empty", "sendmmsg_64B"};
        struct prof_calib_stat *dst[] = {&c->sc_getppid, &c->sc_recvmmsg, &c->sc_sendmmsg};
        for (int i = 0; i < 3; i++) {
            char path[64];
            snprintf(path, sizeof(path), "syscall.%s", keys[i]);
            json_object *e = get_obj(r, sec, "syscall", keys[i], true);
            if (e)
                read_stat(r, e, path, dst[i]);
        }
    }
    return r->bad ? -EINVAL : 0;
}

int prof_calib_load_string(const char *json, struct prof_calib *c, char *err, size_t errlen)
{
    prof_calib_init(c);
    struct rd r = {err, errlen, 0, {rd_report, NULL}};
    r.sink.arg = &r;
    struct scc_json_err jerr;
    json_object *root = scc_json_parse(json, strlen(json), &jerr);
    if (!root) {
        snprintf(err, errlen, "%s: not JSON: %s", jerr.path[0] ? jerr.path : "(root)",
                 jerr.msg);
        return -EINVAL;
    }
    int rc = parse_root(root, c, &r);
    json_object_put(root);
    if (rc < 0) {
        prof_calib_free(c);
        prof_calib_init(c);
    }
    return rc;
}

static const char *file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a plain file";
}

/* Open path as a calibration file: O_NONBLOCK so that opening a FIFO
 * returns at once instead of waiting for a writer, then refuse anything
 * but a regular file of at most PROF_CALIB_MAX_FILE bytes (a device such
 * as /dev/zero never ends). Returns the descriptor or -errno (message in err). */
static int open_calib(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(e));
        return -e;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        int e = errno;
        snprintf(err, errlen, "fstat: %s: %s", strerror(e), path);
        close(fd);
        return -e;
    }
    int rc = fd;
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "'%s' is %s, not a calibration file (a JSON file written by "
                 "`scc bench calibrate -o FILE`)", path, file_kind(sb.st_mode));
        rc = -EINVAL;
    } else if ((unsigned long long)sb.st_size > PROF_CALIB_MAX_FILE) {
        snprintf(err, errlen, "'%s' is %lld bytes, more than a calibration file's %u; is it "
                 "really one?", path, (long long)sb.st_size, PROF_CALIB_MAX_FILE);
        rc = -EFBIG;
    }
    if (rc < 0)
        close(fd);
    return rc;
}

int prof_calib_check_file(const char *path, char *err, size_t errlen)
{
    int fd = open_calib(path, err, errlen);
    if (fd < 0)
        return fd;
    close(fd);
    return 0;
}

/* The whole file (it may have grown since fstat: still capped), NUL-terminated. */
static int read_calib(const char *path, char **out, char *err, size_t errlen)
{
    int fd = open_calib(path, err, errlen);
    if (fd < 0)
        return fd;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? 0 : -ENOMEM;
    while (rc == 0) {
        if (n + 1 == cap) {
            if (cap > PROF_CALIB_MAX_FILE) {
                snprintf(err, errlen, "'%s' grew past %u bytes while read", path,
                         PROF_CALIB_MAX_FILE);
                rc = -EFBIG;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = -ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            snprintf(err, errlen, "read: %s: %s", strerror(errno), path);
        } else if (got == 0) {
            break;
        } else if (memchr(buf + n, '\0', (size_t)got)) {
            snprintf(err, errlen, "'%s' holds a NUL byte: not a JSON text file", path);
            rc = -EINVAL;
        } else {
            n += (size_t)got;
        }
    }
    close(fd);
    if (rc == -ENOMEM)
        snprintf(err, errlen, "cannot read '%s': out of memory", path);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

int prof_calib_load(const char *path, struct prof_calib *c, char *err, size_t errlen)
{
    prof_calib_init(c);
    char *buf;
    int rc = read_calib(path, &buf, err, errlen);
    if (rc < 0)
        return rc;
    char inner[PROF_CALIB_REASON_MAX * 2];
    rc = prof_calib_load_string(buf, c, inner, sizeof(inner));
    free(buf);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, inner);
    return rc;
}
