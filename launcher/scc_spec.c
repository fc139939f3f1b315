/*
 * scc_spec — load, validate and normalise a chain specification.
 *
 * Validation never stops at the first problem: each section is checked and
 * every problem is recorded with its JSON path ("nfs[2].cpu") and a hint,
 * because a user fixing a spec wants the whole list at once. A field with a
 * problem keeps its default so that later checks still run.
 *
 * Unknown keys are problems too (with a "did you mean"): a misspelt
 * optional key would otherwise silently fall back to its default.
 */
#include "launcher/scc_spec.h"
#include "launcher/ln_prof.h"
#include "launcher/scc_spec_fields.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/scc_json.h"
#include "nfs/nf_check.h"
#include "nfs/nf_io.h"
#include "nfs/nf_sandbox.h"
#include "nfs/nf_types.h"
#include "profiler/prof_calib.h"

const char *const scc_mode_names[] = {"profile", "runtime", NULL};
const char *const scc_transport_names[] = {"raw", "udp", "uring", "xdp", NULL};
const char *const scc_idle_names[] = {"block", "busy", NULL};
const char *const scc_link_names[] = {"b2b", "bridge", "udp", NULL};
const char *const scc_env_names[] = {"native", "netns", NULL};
const char *const scc_nf_type_names[] = {"pipeline", "router", "firewall", "l2fwd",
                                         "nat", "counter", NULL};
const char *const scc_policy_names[] = {"other", "batch", "rr", "fifo", "idle", NULL};
const char *const scc_sched_mode_names[] = {"pinned", "uniprocessor", "chain-order", "fused",
                                            NULL};
const char *const scc_reserve_scope_names[] = {"all", "cgroup", "pids", NULL};
const char *const scc_chain_order_names[] = {"yield", "token", NULL};
const char *const scc_restart_names[] = {"no", "on-failure", NULL};
const char *const scc_size_dist_names[] = {"fixed", "imix", "datacenter", NULL};
const char *const scc_reverse_names[] = {"auto", "pipeline", "straight", "none", NULL};

/* ---- diagnostics ---------------------------------------------------- */

struct scc_diag {
    char *path;
    char *msg;
};

/* Errors and warnings in two lists: the index functions that existed
 * before warnings (scc_diags_count/path/msg) keep meaning errors only, so
 * no caller can mistake a warning for a reason to refuse a chain. */
struct diag_list {
    struct scc_diag *v;
    size_t n, cap;
};

struct scc_diags {
    struct diag_list err, warn;
};

struct scc_diags *scc_diags_new(void) { return calloc(1, sizeof(struct scc_diags)); }

static void list_free(struct diag_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].msg);
    }
    free(l->v);
}

void scc_diags_free(struct scc_diags *d)
{
    if (!d)
        return;
    list_free(&d->err);
    list_free(&d->warn);
    free(d);
}

size_t scc_diags_count(const struct scc_diags *d) { return d ? d->err.n : 0; }
const char *scc_diags_path(const struct scc_diags *d, size_t i) { return d->err.v[i].path; }
const char *scc_diags_msg(const struct scc_diags *d, size_t i) { return d->err.v[i].msg; }
size_t scc_diags_nwarnings(const struct scc_diags *d) { return d ? d->warn.n : 0; }
const char *scc_diags_warning_path(const struct scc_diags *d, size_t i)
{
    return d->warn.v[i].path;
}
const char *scc_diags_warning_msg(const struct scc_diags *d, size_t i)
{
    return d->warn.v[i].msg;
}

static void print_list(const struct diag_list *l, const char *prefix, FILE *f)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].path[0])
            fprintf(f, "%s%s: %s\n", prefix, l->v[i].path, l->v[i].msg);
        else
            fprintf(f, "%s%s\n", prefix, l->v[i].msg);
    }
}

void scc_diags_print(const struct scc_diags *d, void *stdio_file)
{
    print_list(&d->err, "", stdio_file);
}

void scc_diags_print_warnings(const struct scc_diags *d, void *stdio_file)
{
    print_list(&d->warn, "warning: ", stdio_file);
}

static void push(struct diag_list *l, const char *path, const char *msg)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *nv = realloc(l->v, cap * sizeof(*l->v));
        if (!nv)
            return; /* out of memory: the load fails on its own allocations */
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n].path = strdup(path);
    l->v[l->n].msg = strdup(msg);
    if (!l->v[l->n].path || !l->v[l->n].msg) {
        free(l->v[l->n].path);
        free(l->v[l->n].msg);
        return;
    }
    l->n++;
}

static void diag(struct scc_diags *d, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void diag(struct scc_diags *d, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    push(&d->err, path, msg);
}

/* A problem that does not stop the chain from loading. */
static void warn(struct scc_diags *d, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn(struct scc_diags *d, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    push(&d->warn, path, msg);
}

/* ---- typed getters ----------------------------------------------------
 *
 * Thin adapters over common/scc_json's getters (shared with the calibration
 * reader): every type or range problem becomes a diag with its JSON path;
 * a field with a problem keeps its default.
 */

struct scc_spec_ctx {
    struct scc_diags *d;
    struct scc_json_sink sink; /* reports into d */
    struct scc_cpuset online;
    bool skip_files;
    bool nomem;
    const struct scc_chain *ch;    /* being parsed (NF names, hosts) */
    const struct scc_nf_spec *nf;  /* whose routes are being parsed */
};

#define PATH_MAX_LEN SCC_JSON_PATH_MAX

static void sink_report(void *arg, const char *path, const char *msg)
{
    diag(arg, path, "%s", msg);
}

static void subpath(char *out, const char *base, const char *key)
{
    scc_json_path_key(out, base, key);
}

static void idxpath(char *out, const char *base, size_t i)
{
    scc_json_path_idx(out, base, i);
}

/* Report every key of obj not in allowed[] (NULL-terminated). */
static void check_keys(struct scc_spec_ctx *c, const char *path, struct json_object *obj,
                       const char *const *allowed)
{
    size_t n = 0;
    while (allowed[n])
        n++;
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        bool ok = false;
        for (size_t i = 0; i < n; i++)
            if (strcmp(key, allowed[i]) == 0)
                ok = true;
        if (ok)
            continue;
        char p[PATH_MAX_LEN];
        subpath(p, path, key);
        const char *s = scc_suggest(key, allowed, n);
        if (s)
            diag(c->d, p, "unknown key (did you mean '%s'?)", s);
        else {
            char list[400] = "";
            size_t off = 0;
            for (size_t i = 0; i < n && off < sizeof(list); i++)
                off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
                                        allowed[i]);
            diag(c->d, p, "unknown key (allowed here: %s)", list);
        }
    }
}

/* String field; returns NULL when absent or wrong type (reported). */
static const char *get_str(struct scc_spec_ctx *c, const char *path, struct json_object *obj,
                           const char *key)
{
    const char *v = NULL;
    scc_json_get_str(&c->sink, path, obj, key, false, &v);
    return v;
}

/* Enumerated string field; keeps *out when absent or bad. */
static void get_enum(struct scc_spec_ctx *c, const char *path, struct json_object *obj,
                     const char *key, const char *const *names, int *out)
{
    scc_json_get_enum(&c->sink, path, obj, key, false, names, out);
}

static struct json_object *get_obj(struct scc_spec_ctx *c, const char *path,
                                   struct json_object *obj, const char *key)
{
    return scc_json_get_obj(&c->sink, path, obj, key, false);
}

static struct json_object *get_arr(struct scc_spec_ctx *c, const char *path,
                                   struct json_object *obj, const char *key)
{
    return scc_json_get_arr(&c->sink, path, obj, key, false);
}

static bool valid_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    if (!isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

/* Copy a name field into buf, checking its form. */
static void get_name(struct scc_spec_ctx *c, const char *path, struct json_object *obj,
                     const char *key, bool required, char *buf, size_t max)
{
    char p[PATH_MAX_LEN];
    subpath(p, path, key);
    if (!scc_json_member(obj, key)) {
        if (required)
            diag(c->d, p, "missing (give a name of 1..%zu letters, digits, '-' or '_')", max);
        return;
    }
    const char *s = get_str(c, path, obj, key);
    if (!s)
        return;
    if (!valid_name(s, max)) {
        diag(c->d, p, "'%s' is not a valid name (1..%zu letters, digits, '-' or '_', "
                      "starting with a letter or digit)", s, max);
        return;
    }
    scc_strlcpy(buf, s, max + 1);
}

static void online_text(const struct scc_spec_ctx *c, char *buf, size_t len)
{
    scc_cpuset_format(&c->online, buf, len);
}

/* cpu: integer, array of integers, or "0-3,5" string. */
static void get_cpus(struct scc_spec_ctx *c, const char *path, struct json_object *obj,
                     const char *key, struct scc_cpuset *out)
{
    struct json_object *v = scc_json_member(obj, key);
    if (!v)
        return;
    char p[PATH_MAX_LEN], on[128];
    subpath(p, path, key);
    online_text(c, on, sizeof(on));
    struct scc_cpuset set;
    scc_cpuset_zero(&set);
    if (json_object_is_type(v, json_type_int)) {
        int64_t x = json_object_get_int64(v);
        if (x < 0 || x >= SCC_MAX_CPUS) {
            diag(c->d, p, "core %lld does not exist (online cores: %s)", (long long)x, on);
            return;
        }
        scc_cpuset_set(&set, (int)x);
    } else if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        if (n == 0) {
            diag(c->d, p, "empty core list (leave '%s' out to run unpinned)", key);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            struct json_object *e = json_object_array_get_idx(v, i);
            char ep[PATH_MAX_LEN];
            idxpath(ep, p, i);
            if (!json_object_is_type(e, json_type_int)) {
                diag(c->d, ep, "expected a core number, got %s", scc_json_type_word(e));
                return;
            }
            int64_t x = json_object_get_int64(e);
            if (x < 0 || x >= SCC_MAX_CPUS) {
                diag(c->d, ep, "core %lld does not exist (online cores: %s)", (long long)x, on);
                return;
            }
            scc_cpuset_set(&set, (int)x);
        }
    } else if (json_object_is_type(v, json_type_string)) {
        if (scc_cpuset_parse(json_object_get_string(v), &set) < 0) {
            diag(c->d, p, "'%s' is not a core list (write e.g. 1, [0,1] or \"0-3,6\")",
                 json_object_get_string(v));
            return;
        }
    } else {
        diag(c->d, p, "expected a core number, list or \"0-3\" string, got %s",
             scc_json_type_word(v));
        return;
    }
    for (int cpu = 0; cpu < SCC_MAX_CPUS; cpu++) {
        if (scc_cpuset_isset(&set, cpu) && !scc_cpuset_isset(&c->online, cpu)) {
            diag(c->d, p, "core %d does not exist (online cores: %s)", cpu, on);
            return;
        }
    }
    *out = set;
}

static char *xstrdup(struct scc_spec_ctx *c, const char *s)
{
    char *r = strdup(s);
    if (!r)
        c->nomem = true;
    return r;
}

static void parse_mac(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                      const char *key, bool *has, uint8_t mac[6])
{
    const char *s = get_str(c, path, o, key);
    if (!s)
        return;
    if (scc_mac_parse(s, mac) < 0) {
        char p[PATH_MAX_LEN];
        subpath(p, path, key);
        diag(c->d, p, "'%s' is not a MAC address (write 02:00:00:00:00:01)", s);
        return;
    }
    *has = true;
}

/* ---- the field tables' engine (launcher/scc_spec_fields.h) ---------------- */

#define PHASES 3 /* scc_field.phase: 0..2 */

int64_t scc_field_get_int(const void *section, const struct scc_field *f)
{
    const char *p = (const char *)section + f->off;
    bool sgn = f->flags & SCC_FIELD_SIGNED;
    switch (f->size) {
    case 1: return sgn ? (int64_t) * (const int8_t *)p : (int64_t) * (const uint8_t *)p;
    case 2: return sgn ? (int64_t) * (const int16_t *)p : (int64_t) * (const uint16_t *)p;
    case 4: return sgn ? (int64_t) * (const int32_t *)p : (int64_t) * (const uint32_t *)p;
    default: return sgn ? *(const int64_t *)p : (int64_t) * (const uint64_t *)p;
    }
}

void scc_field_set_int(void *section, const struct scc_field *f, int64_t v)
{
    char *p = (char *)section + f->off;
    switch (f->size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: *(uint16_t *)p = (uint16_t)v; break;
    case 4: *(uint32_t *)p = (uint32_t)v; break;
    default: *(uint64_t *)p = (uint64_t)v; break;
    }
}

/* Every row's default into base; NAME, IPV4 and MAC members stay as they
 * are (every struct the tables describe starts zeroed). */
static void fields_defaults(const struct scc_field_section *sec, void *base)
{
    char *b = base;
    for (size_t i = 0; i < sec->nfields; i++) {
        const struct scc_field *f = &sec->fields[i];
        void *m = b + f->off;
        switch (f->type) {
        case SCC_FIELD_INT:
        case SCC_FIELD_ENUM: scc_field_set_int(b, f, (int64_t)f->dflt); break;
        case SCC_FIELD_NUM: *(double *)m = f->dflt; break;
        case SCC_FIELD_BOOL: *(bool *)m = f->dflt != 0; break;
        case SCC_FIELD_CPUS: scc_cpuset_zero(m); break;
        case SCC_FIELD_OBJECT:
        case SCC_FIELD_INLINE: fields_defaults(f->sub, m); break;
        case SCC_FIELD_CUSTOM:
            if (f->init)
                f->init(b);
            break;
        default: break;
        }
    }
}

/* The section's keys in table order (INLINE rows' keys in their place). */
static size_t section_keys(const struct scc_field_section *sec, const char **keys, size_t n,
                           size_t max)
{
    for (size_t i = 0; i < sec->nfields && n + 1 < max; i++) {
        if (sec->fields[i].type == SCC_FIELD_INLINE)
            n = section_keys(sec->fields[i].sub, keys, n, max);
        else
            keys[n++] = sec->fields[i].key;
    }
    keys[n] = NULL;
    return n;
}

static void check_section_keys(struct scc_spec_ctx *c, const struct scc_field_section *sec,
                               const char *path, struct json_object *obj)
{
    const char *keys[32];
    section_keys(sec, keys, 0, SCC_ARRAY_SIZE(keys));
    check_keys(c, path, obj, keys);
}

static void parse_section(struct scc_spec_ctx *c, const struct scc_field_section *sec,
                          const char *path, struct json_object *obj, void *base);
static void run_rows(struct scc_spec_ctx *c, const struct scc_field_section *sec,
                     const char *path, struct json_object *obj, void *base);

static void parse_row(struct scc_spec_ctx *c, const struct scc_field *f, const char *path,
                      struct json_object *obj, char *base)
{
    void *m = base + f->off;
    char p[PATH_MAX_LEN];
    int64_t v;
    int e;
    switch (f->type) {
    case SCC_FIELD_INT:
        if (scc_json_get_int(&c->sink, path, obj, f->key, false, (int64_t)f->min,
                             (int64_t)f->max, &v) > 0)
            scc_field_set_int(base, f, v);
        break;
    case SCC_FIELD_ENUM:
        if (scc_json_get_enum(&c->sink, path, obj, f->key, false, f->names, &e) > 0)
            scc_field_set_int(base, f, e);
        break;
    case SCC_FIELD_NUM:
        scc_json_get_num(&c->sink, path, obj, f->key, false, f->min, f->max, m);
        break;
    case SCC_FIELD_BOOL: scc_json_get_bool(&c->sink, path, obj, f->key, false, m); break;
    case SCC_FIELD_CPUS: get_cpus(c, path, obj, f->key, m); break;
    case SCC_FIELD_NAME:
        get_name(c, path, obj, f->key, f->flags & SCC_FIELD_REQUIRED, m, f->size - 1);
        break;
    case SCC_FIELD_IPV4: {
        const char *a = get_str(c, path, obj, f->key);
        subpath(p, path, f->key);
        if (!scc_json_member(obj, f->key)) {
            if (f->flags & SCC_FIELD_REQUIRED)
                diag(c->d, p, "missing (%s)", f->hint);
        } else if (a && scc_ipv4_parse(a, m) < 0)
            diag(c->d, p, "'%s' is not an IPv4 address", a);
        break;
    }
    case SCC_FIELD_MAC: parse_mac(c, path, obj, f->key, (bool *)(base + f->has), m); break;
    case SCC_FIELD_OBJECT: {
        struct json_object *o = get_obj(c, path, obj, f->key);
        subpath(p, path, f->key);
        if (o)
            parse_section(c, f->sub, p, o, m);
        break;
    }
    case SCC_FIELD_INLINE: run_rows(c, f->sub, path, obj, m); break;
    case SCC_FIELD_CUSTOM:
        if (f->parse)
            f->parse(c, path, obj, base);
        break;
    }
    if (f->check)
        f->check(c, path, obj, base);
}

/* The section's hooks and rows, phase by phase (scc_spec_fields.h). */
static void run_rows(struct scc_spec_ctx *c, const struct scc_field_section *sec,
                     const char *path, struct json_object *obj, void *base)
{
    if (sec->before)
        sec->before(c, path, obj, base);
    for (int phase = 0; phase < PHASES; phase++)
        for (size_t i = 0; i < sec->nfields; i++)
            if (sec->fields[i].phase == phase)
                parse_row(c, &sec->fields[i], path, obj, base);
    if (sec->after)
        sec->after(c, path, obj, base);
}

/* Unknown keys, then every field of the section's object at path. */
static void parse_section(struct scc_spec_ctx *c, const struct scc_field_section *sec,
                          const char *path, struct json_object *obj, void *base)
{
    check_section_keys(c, sec, path, obj);
    run_rows(c, sec, path, obj, base);
}

/* ---- hooks: checks across fields and fields of their own form ----------- */

static void check_traffic_present(struct scc_spec_ctx *c, const char *path,
                                  struct json_object *tr, void *base)
{
    (void)c, (void)path, (void)tr;
    ((struct scc_traffic_spec *)base)->present = true;
}

static void check_traffic(struct scc_spec_ctx *c, const char *path, struct json_object *tr,
                          void *base)
{
    const struct scc_traffic_spec *t = base;
    (void)path;
    if (scc_json_member(tr, "size") && t->dist != SCC_DIST_FIXED)
        diag(c->d, "traffic.size", "conflicts with distribution '%s' (give one or the other)",
             scc_size_dist_names[t->dist]);
    if (t->warmup_s >= t->duration_s && !scc_json_member(tr, "count"))
        diag(c->d, "traffic.warmup_s", "%g s warm-up leaves nothing of the %g s run to measure",
             t->warmup_s, t->duration_s);
}

static bool traffic_present(const void *ch)
{
    return ((const struct scc_chain *)ch)->traffic.present;
}

/* io.uring_sqpoll is written back only where it means something */
static bool uring_io(const void *io)
{
    return ((const struct scc_io_spec *)io)->transport == SCC_TRANSPORT_URING;
}

/* io.queues is written back only when it differs from one queue */
static bool several_queues(const void *io)
{
    return ((const struct scc_io_spec *)io)->queues > 1;
}

static void endpoints_given(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                            void *base)
{
    (void)c, (void)path, (void)o;
    ((struct scc_endpoints_spec *)base)->present = true;
}

static bool endpoints_present(const void *ch)
{
    return ((const struct scc_chain *)ch)->endpoints.present;
}

uint32_t scc_endpoint_gateway(uint32_t addr, unsigned prefix_len)
{
    uint32_t mask = prefix_len ? 0xffffffffu << (32 - prefix_len) : 0;
    return (addr | ~mask) - 1;
}

static int ep_diag(struct scc_diags *d, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ep_diag(struct scc_diags *d, const char *path, const char *fmt, ...)
{
    if (d) {
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        diag(d, path, "%s", msg);
    }
    return 1;
}

int scc_spec_check_endpoints(const struct scc_chain *ch, struct scc_diags *d)
{
    const struct scc_endpoints_spec *e = &ch->endpoints;
    int bad = 0;
    if (!e->present)
        return 0;
    if (ch->interconnect == SCC_LINK_UDP)
        bad += ep_diag(d, "endpoints", "not with interconnect \"udp\": a VXLAN hop carries "
                                       "frames one way (an NF's udp input has no address to "
                                       "send replies to); use \"b2b\" or \"bridge\"");
    if (ch->nhosts > 0)
        bad += ep_diag(d, "endpoints", "not with a chain split across hosts (it runs over "
                                       "udp hops, one way); remove \"hosts\" or the endpoints");
    if (ch->sched.mode == SCC_SCHED_FUSED)
        bad += ep_diag(d, "endpoints", "not with scheduler.mode \"fused\": a fused group "
                                       "forwards one way only (docs/fusion.md); use another mode");
    if (ch->sched.mode == SCC_SCHED_CHAIN_ORDER && ch->sched.chain_order == SCC_CHAIN_ORDER_TOKEN)
        bad += ep_diag(d, "endpoints", "not with scheduler.chain_order \"token\": the token "
                                       "ring runs the forward direction only and replies would "
                                       "wait for it; use \"chain_order\": \"yield\"");
    if (ch->traffic.present)
        bad += ep_diag(d, "endpoints", "the endpoints replace the built-in generator and sink: "
                                       "remove the \"traffic\" block (or run without endpoints)");
    if (ch->mode == SCC_MODE_PROFILE)
        bad += ep_diag(d, "endpoints", "profile mode measures with the built-in generator; "
                                       "use \"mode\": \"runtime\" with endpoints");
    uint32_t mask = 0xffffffffu << (32 - e->prefix_len);
    const uint32_t addr[2] = {e->ingress, e->egress};
    const char *key[2] = {"endpoints.ingress", "endpoints.egress"};
    for (int k = 0; k < 2; k++) {
        uint32_t host = addr[k] & ~mask;
        char a[20];
        scc_ipv4_format(scc_endpoint_gateway(addr[k], e->prefix_len), a, sizeof(a));
        if (host == 0 || host == ~mask)
            bad += ep_diag(d, key[k], "is the network or broadcast address of its /%u; pick a "
                                      "host address", e->prefix_len);
        else if (addr[k] == scc_endpoint_gateway(addr[k], e->prefix_len))
            bad += ep_diag(d, key[k], "is the subnet's gateway address %s (the last usable "
                                      "one, where the endpoint's route points); pick another",
                           a);
    }
    if ((e->ingress & mask) == (e->egress & mask))
        bad += ep_diag(d, "endpoints.egress", "is in the ingress endpoint's subnet (/%u): the "
                                              "two ends need different subnets so that "
                                              "traffic between them is routed through the chain",
                       e->prefix_len);
    return bad;
}

static char *expand_type(struct scc_spec_ctx *c, const struct scc_nf_spec *nf);

int scc_spec_endpoint_defaults(struct scc_chain *ch)
{
    const struct scc_endpoints_spec *e = &ch->endpoints;
    uint32_t mask = 0xffffffffu << (32 - e->prefix_len);
    uint32_t gw = scc_endpoint_gateway(e->ingress, e->prefix_len);
    for (int i = 0; i < ch->nnfs; i++) {
        struct scc_nf_spec *nf = &ch->nfs[i];
        if (nf->type != SCC_NF_ROUTER || nf->router_addr != 0)
            continue;
        /* one address per hop, from the gateway down, so traceroute tells
         * the routers apart; where the subnet is too small (or the next
         * one down is the ingress endpoint's own), the gateway itself */
        uint32_t a = gw - (uint32_t)i;
        if ((a & mask) != (e->ingress & mask) || (a & ~mask) == 0 || a == e->ingress)
            a = gw;
        nf->router_addr = a;
        struct scc_spec_ctx c = {0};
        char *p = expand_type(&c, nf);
        if (!p)
            return -ENOMEM;
        free(nf->pipeline);
        nf->pipeline = p;
    }
    return 0;
}

static void check_endpoints(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                            void *base)
{
    (void)path, (void)o, (void)base;
    scc_spec_check_endpoints(c->ch, c->d);
}

static bool size_applies(const void *t)
{
    return ((const struct scc_traffic_spec *)t)->dist == SCC_DIST_FIXED;
}

static void check_slice(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                        void *base)
{
    const struct scc_sched_params *sp = base;
    (void)o;
    if (sp->slice_ms != 0.0 && sp->slice_ms < 0.1) {
        char p[PATH_MAX_LEN];
        subpath(p, path, "slice_ms");
        diag(c->d, p, "%g is below the kernel's minimum slice of 0.1 ms (0 = default)",
             sp->slice_ms);
    }
}

/* Checked against the policy in force here, given in this object or
 * inherited (the chain's default, else "other"): docs/chain-spec.md
 * promises an error, and a silently dropped priority is a wrong run. */
static void check_sched_priority(struct scc_spec_ctx *c, const char *path,
                                 struct json_object *o, void *base)
{
    const struct scc_sched_params *sp = base;
    int pol = (int)sp->policy;
    bool rt = pol == SCC_POLICY_RR || pol == SCC_POLICY_FIFO;
    bool own = scc_json_member(o, "policy") != NULL;
    char p[PATH_MAX_LEN];
    if (scc_json_member(o, "rt_priority") && !rt) {
        subpath(p, path, "rt_priority");
        diag(c->d, p, "only meaningful with policy rr or fifo (policy is '%s'%s; add "
                      "\"policy\": \"fifo\" or \"rr\" %s)", scc_policy_names[pol],
             own ? "" : ", inherited", own ? "instead" : "to this object");
    }
    if (scc_json_member(o, "nice") && rt) {
        subpath(p, path, "nice");
        diag(c->d, p, "has no effect with policy '%s'%s (use rt_priority 1..99, or give a "
                      "non-real-time \"policy\" here)", scc_policy_names[pol],
             own ? "" : " (inherited)");
    }
}

static bool sched_rt(const void *sp)
{
    enum scc_policy p = ((const struct scc_sched_params *)sp)->policy;
    return p == SCC_POLICY_RR || p == SCC_POLICY_FIFO;
}

static bool sched_not_rt(const void *sp) { return !sched_rt(sp); }

/* scheduler.reserve_cgroup: a cgroup path below the cpuset (v1) or unified
 * (v2) root, e.g. "system.slice" or "/user.slice/user-1000.slice". It ends
 * up in journal records split at spaces and must stay below the root. */
static void parse_reserve_cgroup(struct scc_spec_ctx *c, const char *path,
                                 struct json_object *s, void *base)
{
    struct scc_sched_spec *sc = base;
    const char *cg = get_str(c, path, s, "reserve_cgroup");
    if (!cg)
        return;
    char p[PATH_MAX_LEN];
    subpath(p, path, "reserve_cgroup");
    size_t n = strlen(cg);
    const char *bad = NULL;
    if (n == 0 || !strcmp(cg, "/"))
        bad = "names the root cgroup; give the cgroup whose tasks leave the reserved cores, "
              "e.g. \"system.slice\"";
    else if (n >= sizeof(sc->reserve_cgroup))
        bad = "longer than 255 characters";
    else if (strpbrk(cg, " \t\n\r"))
        bad = "contains white space (cgroup names given to SCC may not)";
    else if (!strcmp(cg, "..") || strstr(cg, "/../") || !strncmp(cg, "../", 3) ||
             (n >= 3 && !strcmp(cg + n - 3, "/..")))
        bad = "contains '..' (give a path below the cgroup root)";
    if (bad) {
        diag(c->d, p, "'%s' %s", cg, bad);
        return;
    }
    snprintf(sc->reserve_cgroup, sizeof(sc->reserve_cgroup), "%s", cg);
}

/* scheduler.reserve_pids: the tasks a reservation of scope pids moves. */
static void parse_reserve_pids(struct scc_spec_ctx *c, const char *path, struct json_object *s,
                               void *base)
{
    struct scc_sched_spec *sc = base;
    struct json_object *a = get_arr(c, path, s, "reserve_pids");
    if (!a)
        return;
    char p[PATH_MAX_LEN];
    size_t n = json_object_array_length(a);
    if (n == 0) {
        subpath(p, path, "reserve_pids");
        diag(c->d, p, "empty list (give the PIDs to move off the reserved cores, or use "
                      "reserve_scope \"cgroup\" or \"all\")");
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(a, i);
        char ap[PATH_MAX_LEN];
        subpath(ap, path, "reserve_pids");
        idxpath(p, ap, i);
        /* 4194304 = PID_MAX_LIMIT on 64-bit kernels */
        if (!json_object_is_type(e, json_type_int) || json_object_get_int64(e) < 1 ||
            json_object_get_int64(e) > 4194304) {
            diag(c->d, p, "expected a PID 1..4194304, got %s",
                 json_object_is_type(e, json_type_int) ? json_object_to_json_string(e)
                                                       : scc_json_type_word(e));
            continue;
        }
        int pid = (int)json_object_get_int64(e);
        bool dup = false;
        for (int k = 0; k < sc->nreserve_pids; k++)
            dup |= sc->reserve_pids[k] == pid;
        if (dup) {
            diag(c->d, p, "PID %d is listed twice", pid);
            continue;
        }
        if (sc->nreserve_pids == SCC_MAX_RESERVE_PIDS) {
            diag(c->d, p, "too many PIDs (at most %d; use reserve_scope \"cgroup\" for more)",
                 SCC_MAX_RESERVE_PIDS);
            break;
        }
        sc->reserve_pids[sc->nreserve_pids++] = pid;
    }
}

static bool uniproc_mode(const void *sc)
{
    return ((const struct scc_sched_spec *)sc)->mode == SCC_SCHED_UNIPROCESSOR;
}

/* chain_order is written only when it is not the default */
static bool token_mode(const void *sc)
{
    return ((const struct scc_sched_spec *)sc)->chain_order == SCC_CHAIN_ORDER_TOKEN;
}

/* "fuse" is written only when it was turned off (true is the default) */
/* ---- nf_user (docs/security.md): the user NFs become after opening
 * their sockets; an existing user of this host ---- */
static bool chain_has_user(const void *ch)
{
    return ((const struct scc_chain *)ch)->nf_user[0] != '\0';
}

static bool nf_has_user(const void *nf)
{
    return ((const struct scc_nf_spec *)nf)->user[0] != '\0';
}

static void check_user(struct scc_spec_ctx *c, const char *path, const char *key, char *user)
{
    char p[PATH_MAX_LEN], why[300];
    uid_t uid;
    gid_t gid;
    if (!user[0] || c->skip_files)
        return;
    if (nf_sandbox_lookup_user(user, &uid, &gid, why, sizeof(why)) < 0) {
        subpath(p, path, key);
        diag(c->d, p, "%s; name an existing unprivileged user, e.g. \"nobody\"", why);
        user[0] = '\0';
    }
}

static void check_chain_user(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                             void *base)
{
    (void)o;
    check_user(c, path, "nf_user", ((struct scc_chain *)base)->nf_user);
}

/* an NF without "user" runs as the chain's nf_user (checked there) */
static void check_nf_user(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                          void *base)
{
    struct scc_nf_spec *nf = base;
    if (!scc_json_member(o, "user"))
        snprintf(nf->user, sizeof(nf->user), "%s", c->ch->nf_user);
    else
        check_user(c, path, "user", nf->user);
}

static bool router_has_addr(const void *nf)
{
    return ((const struct scc_nf_spec *)nf)->router_addr != 0;
}

/* The router's ICMP source must be one host's unicast address: the
 * sender's kernel drops an error from 0/8, 127/8, multicast or 240/4. */
static void check_router_addr(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                              void *base)
{
    const struct scc_nf_spec *nf = base;
    uint32_t a = nf->router_addr, top = a >> 24;
    char p[PATH_MAX_LEN], t[20];
    if (!scc_json_member(o, "addr"))
        return;
    subpath(p, path, "addr");
    scc_ipv4_format(a, t, sizeof(t));
    if (top == 0 || top == 127 || top >= 224)
        diag(c->d, p, "%s cannot be the source of the router's ICMP errors (0/8, 127/8, "
                      "multicast and 240/4 are not one host's address); use the router's "
                      "address towards the senders, e.g. \"10.201.1.254\"", t);
}

static bool fuse_off(const void *nf)
{
    return !((const struct scc_nf_spec *)nf)->fuse;
}

static bool reserving(const void *sc)
{
    return scc_cpuset_count(&((const struct scc_sched_spec *)sc)->reserve_cores) > 0;
}

static void check_reserve(struct scc_spec_ctx *c, const char *path, struct json_object *s,
                          void *base)
{
    struct scc_sched_spec *sc = base;
    char p[PATH_MAX_LEN];
    /* rr/fifo without rt_priority means priority 1 (docs/chain-spec.md),
     * here as in each NF's sched, so the normalised chain loads again */
    if (sched_rt(&sc->defaults) && sc->defaults.rt_priority == 0)
        sc->defaults.rt_priority = 1;
    if (scc_cpuset_count(&sc->reserve_cores) > 0 &&
        scc_cpuset_count(&sc->reserve_cores) >= scc_cpuset_count(&c->online)) {
        char on[128];
        online_text(c, on, sizeof(on));
        diag(c->d, "scheduler.reserve_cores",
             "would reserve every online core (%s); leave at least one for the rest of the "
             "system", on);
    }
    /* the scope's own key is required when reserving, and meaningless
     * otherwise: nothing is dropped silently */
    bool res = reserving(sc);
    const char *scope = scc_reserve_scope_names[sc->reserve_scope];
    if (res && sc->reserve_scope == SCC_RESERVE_CGROUP && !scc_json_member(s, "reserve_cgroup")) {
        subpath(p, path, "reserve_cgroup");
        diag(c->d, p, "missing: reserve_scope \"cgroup\" needs the cgroup whose tasks leave "
                      "the reserved cores (e.g. \"reserve_cgroup\": \"system.slice\")");
    }
    if (res && sc->reserve_scope == SCC_RESERVE_PIDS && !scc_json_member(s, "reserve_pids")) {
        subpath(p, path, "reserve_pids");
        diag(c->d, p, "missing: reserve_scope \"pids\" (the default) needs the PIDs to move "
                      "off the reserved cores (e.g. \"reserve_pids\": [1234]), or set "
                      "reserve_scope to \"cgroup\" or \"all\"");
    }
    static const char *const own[] = {"reserve_cgroup", "reserve_pids", "reserve_irqs"};
    for (size_t i = 0; i < SCC_ARRAY_SIZE(own); i++) {
        if (!scc_json_member(s, own[i]))
            continue;
        subpath(p, path, own[i]);
        if (!res)
            diag(c->d, p, "only meaningful with reserve_cores (add the cores to reserve, or "
                          "remove this key)");
        else if ((i == 0 && sc->reserve_scope != SCC_RESERVE_CGROUP) ||
                 (i == 1 && sc->reserve_scope != SCC_RESERVE_PIDS))
            diag(c->d, p, "only meaningful with reserve_scope \"%s\" (reserve_scope is "
                          "\"%s\")", i == 0 ? "cgroup" : "pids", scope);
    }
    static const char *const up[] = {"uniprocessor_cpu", "uniprocessor_traffic"};
    for (size_t i = 0; i < SCC_ARRAY_SIZE(up); i++)
        if (scc_json_member(s, up[i]) && !uniproc_mode(sc)) {
            subpath(p, path, up[i]);
            diag(c->d, p, "only meaningful with mode \"uniprocessor\" (mode is \"%s\"; set "
                          "\"mode\": \"uniprocessor\" or remove this key)",
                 scc_sched_mode_names[sc->mode]);
        }
    if (scc_json_member(s, "chain_order") && sc->mode != SCC_SCHED_CHAIN_ORDER) {
        subpath(p, path, "chain_order");
        diag(c->d, p, "only meaningful with mode \"chain-order\" (mode is \"%s\"; set "
                      "\"mode\": \"chain-order\" or remove this key)",
             scc_sched_mode_names[sc->mode]);
    }
    if (uniproc_mode(sc) && sc->uniprocessor_cpu >= 0 &&
        !scc_cpuset_isset(&c->online, sc->uniprocessor_cpu)) {
        char on[128];
        online_text(c, on, sizeof(on));
        subpath(p, path, "uniprocessor_cpu");
        diag(c->d, p, "core %d is not online (online: %s)", sc->uniprocessor_cpu, on);
    }
}

static void check_interval(struct scc_spec_ctx *c, const char *path, struct json_object *pr,
                           void *base)
{
    unsigned iv = ((const struct scc_profiler_spec *)base)->interval_ms;
    (void)path, (void)pr;
    if (iv > 0 && iv < 10)
        diag(c->d, "profiler.interval_ms", "%ld ms is too short to read counters "
                   "meaningfully (use 0 for counting mode, or >= 10)", (long)iv);
}

static void parse_events(struct scc_spec_ctx *c, const char *path, struct json_object *pr,
                         void *base)
{
    struct scc_profiler_spec *prof = base;
    struct json_object *ev = get_arr(c, path, pr, "events");
    if (!ev)
        return;
    size_t n = json_object_array_length(ev);
    if (n == 0)
        diag(c->d, "profiler.events", "empty list (leave it out for \"default\")");
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(ev, i);
        char p[PATH_MAX_LEN];
        idxpath(p, "profiler.events", i);
        if (!json_object_is_type(e, json_type_string) || !json_object_get_string_len(e)) {
            diag(c->d, p, "expected an event or group name, got %s", scc_json_type_word(e));
            continue;
        }
        if (prof->nevents == SCC_MAX_EVENTS) {
            diag(c->d, p, "too many events (at most %d)", SCC_MAX_EVENTS);
            break;
        }
        const char *name = json_object_get_string(e);
        if (!ln_prof_event_valid(name)) {
            const char *cand[256];
            size_t nc = ln_prof_event_names(cand, 256);
            const char *s = scc_suggest(name, cand, nc);
            char hint[160] = "";
            if (s)
                snprintf(hint, sizeof(hint), " (did you mean '%s'?)", s);
            diag(c->d, p, "unknown event or group '%s'%s; valid: %s", name, hint,
                 ln_prof_event_groups());
            continue;
        }
        prof->events[prof->nevents++] = xstrdup(c, name);
    }
}

static void parse_calibration(struct scc_spec_ctx *c, const char *path, struct json_object *pr,
                              void *base)
{
    struct scc_profiler_spec *prof = base;
    const char *cal = get_str(c, path, pr, "calibration");
    if (!cal)
        return;
    char why[600];
    if (!c->skip_files && access(cal, R_OK) != 0)
        diag(c->d, "profiler.calibration",
             "cannot read '%s': %s (write one with `scc bench calibrate -o FILE`)", cal,
             strerror(errno));
    else if (!c->skip_files && prof_calib_check_file(cal, why, sizeof(why)) < 0)
        diag(c->d, "profiler.calibration", "%s", why); /* a FIFO, a device, a directory */
    prof->calibration = xstrdup(c, cal);
}

static void parse_hosts(struct scc_spec_ctx *c, const char *path, struct json_object *root,
                        void *base)
{
    struct scc_chain *ch = base;
    struct json_object *hosts = get_obj(c, path, root, "hosts");
    if (!hosts)
        return;
    json_object_object_foreach(hosts, name, val)
    {
        char p[PATH_MAX_LEN];
        subpath(p, "hosts", name);
        if (!valid_name(name, SCC_NAME_MAX - 1)) {
            diag(c->d, p, "'%s' is not a valid host name (1..32 letters, digits, '-' or '_')",
                 name);
            continue;
        }
        if (ch->nhosts == SCC_MAX_HOSTS) {
            diag(c->d, p, "too many hosts (at most %d)", SCC_MAX_HOSTS);
            break;
        }
        if (!json_object_is_type(val, json_type_object)) {
            diag(c->d, p, "expected an object like {\"address\": \"10.0.0.1\"}, got %s",
                 scc_json_type_word(val));
            continue;
        }
        struct scc_host_spec *h = &ch->hosts[ch->nhosts++];
        scc_strlcpy(h->name, name, sizeof(h->name));
        fields_defaults(scc_spec_sections[SCC_SEC_HOST], h);
        parse_section(c, scc_spec_sections[SCC_SEC_HOST], p, val, h);
    }
}

/* ---- NFs and their typed configs --------------------------------------- */

static void parse_route_prefix(struct scc_spec_ctx *c, const char *path, struct json_object *r,
                               void *base)
{
    struct scc_route *rt = base;
    const struct scc_nf_spec *nf = c->nf;
    char fp[PATH_MAX_LEN];
    const char *pre = get_str(c, path, r, "prefix");
    subpath(fp, path, "prefix");
    if (!scc_json_member(r, "prefix"))
        diag(c->d, fp, "missing (write e.g. \"10.1.0.0/16\")");
    else if (pre && scc_prefix_parse(pre, &rt->prefix, &rt->len) < 0)
        diag(c->d, fp, "'%s' is not an IPv4 prefix (write e.g. \"10.1.0.0/16\")", pre);
    else if (pre) {
        uint32_t mask = rt->len ? ~0u << (32 - rt->len) : 0;
        if (rt->prefix & ~mask)
            diag(c->d, fp, "'%s' has host bits set beyond /%d", pre, rt->len);
        rt->prefix &= mask;
        for (int k = 0; k < nf->nroutes - 1; k++)
            if (nf->routes[k].prefix == rt->prefix && nf->routes[k].len == rt->len)
                diag(c->d, fp, "duplicates routes[%d]", k);
    }
}

static void parse_routes(struct scc_spec_ctx *c, const char *path, struct json_object *cfg,
                         void *base)
{
    struct scc_nf_spec *nf = base;
    char rp[PATH_MAX_LEN];
    subpath(rp, path, "routes");
    struct json_object *routes = get_arr(c, path, cfg, "routes");
    if (!routes) {
        if (!scc_json_member(cfg, "routes"))
            diag(c->d, rp, "missing (a router needs at least one route, e.g. "
                           "{\"prefix\": \"0.0.0.0/0\"})");
        return;
    }
    size_t n = json_object_array_length(routes);
    if (n == 0) {
        diag(c->d, rp, "empty (a router needs at least one route)");
        return;
    }
    if (n > SCC_MAX_ROUTES) {
        diag(c->d, rp, "%zu routes; at most %d", n, SCC_MAX_ROUTES);
        return;
    }
    nf->routes = calloc(n, sizeof(*nf->routes));
    if (!nf->routes) {
        c->nomem = true;
        return;
    }
    c->nf = nf; /* for the duplicate check */
    for (size_t i = 0; i < n; i++) {
        struct json_object *r = json_object_array_get_idx(routes, i);
        char p[PATH_MAX_LEN];
        idxpath(p, rp, i);
        if (!json_object_is_type(r, json_type_object)) {
            diag(c->d, p, "expected an object like {\"prefix\": \"10.0.0.0/8\", \"port\": 0}");
            continue;
        }
        struct scc_route *rt = &nf->routes[nf->nroutes++];
        fields_defaults(scc_spec_sections[SCC_SEC_ROUTE], rt);
        parse_section(c, scc_spec_sections[SCC_SEC_ROUTE], p, r, rt);
    }
}

static void parse_rules(struct scc_spec_ctx *c, const char *path, struct json_object *cfg,
                        void *base)
{
    struct scc_nf_spec *nf = base;
    char rp[PATH_MAX_LEN];
    subpath(rp, path, "rules");
    struct json_object *rules = get_arr(c, path, cfg, "rules");
    if (!rules) {
        if (!scc_json_member(cfg, "rules"))
            diag(c->d, rp, "missing (a firewall needs rules, e.g. [\"allow udp\", \"deny all\"])");
        return;
    }
    size_t n = json_object_array_length(rules);
    if (n == 0) {
        diag(c->d, rp, "empty (a firewall needs at least one rule)");
        return;
    }
    nf->rules = calloc(n, sizeof(char *));
    if (!nf->rules) {
        c->nomem = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *r = json_object_array_get_idx(rules, i);
        char p[PATH_MAX_LEN];
        idxpath(p, rp, i);
        if (!json_object_is_type(r, json_type_string) || !json_object_get_string_len(r)) {
            diag(c->d, p, "expected a rule string like \"allow udp dst port 5000\"");
            continue;
        }
        const char *s = json_object_get_string(r);
        if (strchr(s, ',')) {
            diag(c->d, p, "a rule cannot contain ',' (give each rule as its own string)");
            continue;
        }
        char *copy = xstrdup(c, s);
        if (copy)
            nf->rules[nf->nrules++] = copy;
    }
}

/* "5000" or "1024-65535", as the NAT element's PORTS takes it: decimal
 * digits only (no sign, no spaces, no overflow), 1 <= lo <= hi <= 65535. */
static int parse_port_range(const char *s, long *lo, long *hi)
{
    char buf[16];
    if (scc_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
        return -EINVAL;
    char *dash = strchr(buf, '-');
    if (dash)
        *dash = '\0';
    for (const char *q = buf; *q; q++)
        if (!isdigit((unsigned char)*q))
            return -EINVAL;
    if (dash)
        for (const char *q = dash + 1; *q; q++)
            if (!isdigit((unsigned char)*q))
                return -EINVAL;
    if (scc_parse_long(buf, 1, 65535, lo) < 0)
        return -EINVAL;
    *hi = *lo;
    if (dash && (scc_parse_long(dash + 1, 1, 65535, hi) < 0 || *hi < *lo))
        return -EINVAL;
    return 0;
}


static void init_nat_ports(void *base)
{
    struct scc_nf_spec *nf = base;
    nf->nat_port_lo = 1024;
    nf->nat_port_hi = 65535;
}

static void parse_nat_pool(struct scc_spec_ctx *c, const char *path, struct json_object *cfg,
                           void *base)
{
    struct scc_nf_spec *nf = base;
    char p[PATH_MAX_LEN];
    subpath(p, path, "pool");
    const char *pool = get_str(c, path, cfg, "pool");
    if (!scc_json_member(cfg, "pool")) {
        diag(c->d, p, "missing (the public source address or range, e.g. \"203.0.113.1\" or "
                      "\"203.0.113.1-203.0.113.4\")");
    } else if (pool) {
        char buf[64];
        scc_strlcpy(buf, pool, sizeof(buf));
        char *dash = strchr(buf, '-');
        if (dash)
            *dash = '\0';
        if (scc_ipv4_parse(buf, &nf->nat_addr_lo) < 0 ||
            (dash && scc_ipv4_parse(dash + 1, &nf->nat_addr_hi) < 0))
            diag(c->d, p, "'%s' is not an address or range (write \"203.0.113.1\" or "
                          "\"203.0.113.1-203.0.113.4\")", pool);
        else if (!dash)
            nf->nat_addr_hi = nf->nat_addr_lo;
        else if (nf->nat_addr_hi < nf->nat_addr_lo)
            diag(c->d, p, "the range '%s' ends before it starts", pool);
        else if (nf->nat_addr_hi - nf->nat_addr_lo > 255)
            diag(c->d, p, "the range '%s' has more than 256 addresses", pool);
    }
}

static void parse_nat_ports(struct scc_spec_ctx *c, const char *path, struct json_object *cfg,
                            void *base)
{
    struct scc_nf_spec *nf = base;
    const char *ports = get_str(c, path, cfg, "ports");
    if (!ports)
        return;
    char p[PATH_MAX_LEN];
    subpath(p, path, "ports");
    long lo, hi;
    if (parse_port_range(ports, &lo, &hi) < 0)
        diag(c->d, p, "'%s' is not a port range within 1-65535 (write \"1024-65535\", "
                      "or one port: \"5000\")", ports);
    else {
        nf->nat_port_lo = (unsigned)lo;
        nf->nat_port_hi = (unsigned)hi;
    }
}


/* The pipeline a typed NF stands for: nfs/nf_types.c writes it from plain
 * settings (element knowledge stays with the elements). */
static char *expand_type(struct scc_spec_ctx *c, const struct scc_nf_spec *nf)
{
    enum nf_type t;
    switch (nf->type) {
    case SCC_NF_ROUTER: t = NF_TYPE_ROUTER; break;
    case SCC_NF_FIREWALL: t = NF_TYPE_FIREWALL; break;
    case SCC_NF_L2FWD: t = NF_TYPE_L2FWD; break;
    case SCC_NF_NAT: t = NF_TYPE_NAT; break;
    case SCC_NF_COUNTER: t = NF_TYPE_COUNTER; break;
    default: return NULL;
    }
    struct nf_route *routes = NULL;
    if (nf->nroutes > 0) {
        routes = calloc((size_t)nf->nroutes, sizeof(*routes));
        if (!routes) {
            c->nomem = true;
            return NULL;
        }
        for (int i = 0; i < nf->nroutes; i++) {
            routes[i] = (struct nf_route){.prefix = nf->routes[i].prefix,
                                          .len = nf->routes[i].len,
                                          .port = nf->routes[i].port,
                                          .has_mac = nf->routes[i].has_mac};
            memcpy(routes[i].mac, nf->routes[i].mac, 6);
        }
    }
    struct nf_type_args a = {
        .routes = routes,
        .nroutes = nf->nroutes,
        .rules = (const char *const *)nf->rules,
        .nrules = nf->nrules,
        .has_src_mac = nf->has_src_mac,
        .has_dst_mac = nf->has_dst_mac,
        .nat_addr_lo = nf->nat_addr_lo,
        .nat_addr_hi = nf->nat_addr_hi,
        .nat_port_lo = nf->nat_port_lo,
        .nat_port_hi = nf->nat_port_hi,
        .nat_timeout_s = nf->nat_timeout_s,
    };
    memcpy(a.src_mac, nf->src_mac, 6);
    memcpy(a.dst_mac, nf->dst_mac, 6);
    a.has_addr = nf->type == SCC_NF_ROUTER && nf->router_addr != 0;
    a.addr = nf->router_addr;
    char *p = nf_type_expand(t, &a);
    free(routes);
    if (!p)
        c->nomem = true;
    return p;
}


/* the launcher names its own stages gen, sink and sw (namespaces
 * scc-CHAIN-gen, ...); an NF of that name would share them */
static void check_nf_name(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                          void *base)
{
    static const char *const reserved[] = {"gen", "sink", "sw"};
    struct scc_nf_spec *nf = base;
    const struct scc_chain *ch = c->ch;
    char p[PATH_MAX_LEN];
    (void)o;
    for (size_t i = 0; i < SCC_ARRAY_SIZE(reserved); i++)
        if (strcmp(nf->name, reserved[i]) == 0) {
            subpath(p, path, "name");
            diag(c->d, p, "'%s' is reserved for the launcher's own stages (gen, sink, sw); "
                          "choose another name, e.g. '%s1'", nf->name, nf->name);
            nf->name[0] = '\0';
        }
    for (int i = 0; i < ch->nnfs - 1; i++)
        if (nf->name[0] && strcmp(ch->nfs[i].name, nf->name) == 0) {
            subpath(p, path, "name");
            diag(c->d, p, "'%s' is already the name of nfs[%d] (NF names must be unique)",
                 nf->name, i);
        }
}

static void parse_nf_host(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                          void *base)
{
    struct scc_nf_spec *nf = base;
    const struct scc_chain *ch = c->ch;
    const char *host = get_str(c, path, o, "host");
    if (!host)
        return;
    char p[PATH_MAX_LEN];
    subpath(p, path, "host");
    bool found = false;
    const char *names[SCC_MAX_HOSTS];
    for (int i = 0; i < ch->nhosts; i++) {
        names[i] = ch->hosts[i].name;
        if (strcmp(ch->hosts[i].name, host) == 0)
            found = true;
    }
    if (found)
        scc_strlcpy(nf->host, host, sizeof(nf->host));
    else if (ch->nhosts == 0)
        diag(c->d, p, "host '%s' is not defined (add it to the top-level \"hosts\" object "
                      "with its address)", host);
    else {
        const char *s = scc_suggest(host, names, (size_t)ch->nhosts);
        char list[256] = "";
        size_t off = 0;
        for (int i = 0; i < ch->nhosts && off < sizeof(list); i++)
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
                                    names[i]);
        if (s)
            diag(c->d, p, "host '%s' is not defined (did you mean '%s'?)", host, s);
        else
            diag(c->d, p, "host '%s' is not defined (defined hosts: %s)", host, list);
    }
}

/* The NF's sched starts as the chain's defaults (parse_nf); a policy given
 * here starts from that policy's defaults instead. */
static void parse_nf_sched(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                           void *base)
{
    struct scc_nf_spec *nf = base;
    struct json_object *so = get_obj(c, path, o, "sched");
    if (so) {
        char p[PATH_MAX_LEN];
        subpath(p, path, "sched");
        if (scc_json_member(so, "policy")) {
            nf->sched.rt_priority = 0;
            nf->sched.nice = 0;
        }
        parse_section(c, scc_spec_sections[SCC_SEC_SCHED_PARAMS], p, so, &nf->sched);
    }
    if ((nf->sched.policy == SCC_POLICY_RR || nf->sched.policy == SCC_POLICY_FIFO) &&
        nf->sched.rt_priority == 0)
        nf->sched.rt_priority = 1;
    if (nf->sched.policy != SCC_POLICY_RR && nf->sched.policy != SCC_POLICY_FIFO)
        nf->sched.rt_priority = 0;
}

/* "type" with its "config", or "pipeline": one of the two. */
static void parse_nf_type(struct scc_spec_ctx *c, const char *path, struct json_object *o,
                          void *base)
{
    struct scc_nf_spec *nf = base;
    char p[PATH_MAX_LEN];
    struct json_object *tv = scc_json_member(o, "type"), *pv = scc_json_member(o, "pipeline");
    if (tv && pv) {
        diag(c->d, path, "give either \"type\" or \"pipeline\", not both");
        return;
    }
    if (!tv && !pv) {
        diag(c->d, path, "missing \"type\" (router, firewall, l2fwd, nat, counter) or "
                         "\"pipeline\" (a Click-style element string)");
        return;
    }
    if (pv) {
        nf->type = SCC_NF_PIPELINE;
        subpath(p, path, "pipeline");
        const char *s = get_str(c, path, o, "pipeline");
        if (scc_json_member(o, "config"))
            diag(c->d, path, "\"config\" goes with \"type\"; a pipeline carries its arguments "
                             "inside the string");
        if (!s)
            return;
        char err[256];
        if (nf_pipeline_validate(s, err, sizeof(err)) < 0)
            diag(c->d, p, "%s", err);
        nf->pipeline = xstrdup(c, s);
        return;
    }
    int type = -1;
    get_enum(c, path, o, "type", scc_nf_type_names + 1, &type);
    if (type < 0)
        return;
    nf->type = (enum scc_nf_type)(type + 1);
    const struct scc_field_section *sec = scc_spec_nf_config(nf->type);
    struct json_object *cfg = get_obj(c, path, o, "config");
    char cp[PATH_MAX_LEN];
    subpath(cp, path, "config");
    size_t config_diags = c->d->err.n;
    if (cfg)
        check_section_keys(c, sec, cp, cfg);
    struct json_object *empty = NULL;
    if (!cfg) {
        empty = json_object_new_object();
        cfg = empty;
    }
    fields_defaults(sec, nf);
    run_rows(c, sec, cp, cfg, nf);
    json_object_put(empty);
    nf->pipeline = expand_type(c, nf);
    /* A config with problems is already reported field by field; the
     * pipeline built from it would only repeat them in element terms. */
    if (nf->pipeline && c->d->err.n == config_diags) {
        char err[256];
        if (nf_pipeline_validate(nf->pipeline, err, sizeof(err)) < 0)
            diag(c->d, cp, "%s", err);
    }
}

static void parse_nf(struct scc_spec_ctx *c, struct json_object *o, size_t idx,
                     struct scc_chain *ch)
{
    char path[PATH_MAX_LEN];
    idxpath(path, "nfs", idx);
    struct scc_nf_spec *nf = &ch->nfs[ch->nnfs++];
    fields_defaults(scc_spec_sections[SCC_SEC_NF], nf);
    nf->sched = ch->sched.defaults;
    if (!json_object_is_type(o, json_type_object)) {
        diag(c->d, path, "expected an object like {\"name\": \"fw\", \"type\": \"firewall\", ...}");
        return;
    }
    parse_section(c, scc_spec_sections[SCC_SEC_NF], path, o, nf);
}

static void parse_nfs(struct scc_spec_ctx *c, const char *path, struct json_object *root,
                      void *base)
{
    struct scc_chain *ch = base;
    (void)path;
    struct json_object *nfs = scc_json_member(root, "nfs");
    if (!nfs) {
        diag(c->d, "nfs", "missing (a chain needs at least one NF, e.g. "
                          "[{\"name\": \"fw\", \"type\": \"firewall\", ...}])");
        return;
    }
    if (!json_object_is_type(nfs, json_type_array)) {
        diag(c->d, "nfs", "expected an array of NFs, got %s", scc_json_type_word(nfs));
        return;
    }
    size_t n = json_object_array_length(nfs);
    if (n == 0) {
        diag(c->d, "nfs", "empty (a chain needs at least one NF)");
        return;
    }
    if (n > SCC_MAX_NFS) {
        diag(c->d, "nfs", "%zu NFs; at most %d", n, SCC_MAX_NFS);
        n = SCC_MAX_NFS;
    }
    for (size_t i = 0; i < n; i++)
        parse_nf(c, json_object_array_get_idx(nfs, i), i, ch);
    /* a chain split across hosts: every NF must name its host */
    int named = 0;
    for (int i = 0; i < ch->nnfs; i++) {
        struct json_object *o = json_object_array_get_idx(nfs, (size_t)i);
        if (ch->nfs[i].host[0] || scc_json_member(o, "host"))
            named++;
    }
    if (named && named != ch->nnfs)
        for (int i = 0; i < ch->nnfs; i++)
            if (!scc_json_member(json_object_array_get_idx(nfs, (size_t)i), "host")) {
                char p[PATH_MAX_LEN];
                idxpath(p, "nfs", (size_t)i);
                subpath(p, p, "host");
                diag(c->d, p, "missing (when some NFs name a host, all must)");
            }
    if (ch->nhosts > 0 && named == 0)
        diag(c->d, "hosts", "defined, but no NF names a host (add \"host\" to each NF, or "
                            "remove \"hosts\")");
}


static bool cpus_overlap(const struct scc_cpuset *a, const struct scc_cpuset *b)
{
    for (size_t i = 0; i < SCC_ARRAY_SIZE(a->bits); i++)
        if (a->bits[i] & b->bits[i])
            return true;
    return false;
}

/*
 * A busy-polling NF never yields its core. Whatever shares that core (another
 * NF, the generator, the sink) runs only when the spinner's slice ends:
 * measured on the default chain with idle busy, p50 6-12 ms with loss. A
 * warning, not an error: it is a legal, if misleading, configuration.
 */
#define BUSY_WHY "a spinning NF starves whatever shares its core (measured: p50 6-12 ms, " \
                 "with loss); give it a core of its own or use io.idle \"block\""

/* chain_order "token" (nfs/nf_ring.h): the NFs sharing a core form a ring
 * in chain order, fed by the first of them. A ring must be a run of
 * consecutive NFs, each on exactly that one core: a stage fed from outside
 * the ring (another core in between) would find its frames only when the
 * token came round, and the first member sleeps on its own socket only. */
static void check_token_rings(struct scc_spec_ctx *c, const struct scc_chain *ch)
{
    if (ch->sched.mode != SCC_SCHED_CHAIN_ORDER || ch->sched.chain_order != SCC_CHAIN_ORDER_TOKEN)
        return;
    if (ch->io.transport == SCC_TRANSPORT_URING || ch->io.transport == SCC_TRANSPORT_XDP)
        diag(c->d, "scheduler.chain_order", "\"token\" needs io.transport \"raw\" or \"udp\" "
                                            "(got \"%s\"); use \"chain_order\": \"yield\"",
             scc_transport_names[ch->io.transport]);
    if (ch->io.idle == SCC_IDLE_BUSY)
        diag(c->d, "scheduler.chain_order", "\"token\" with io.idle \"busy\": the ring's "
                                            "members wait on the token, not on their sockets; "
                                            "use io.idle \"block\"");
    for (int i = 0; i < ch->nnfs; i++) {
        const struct scc_nf_spec *a = &ch->nfs[i];
        for (int j = i + 1; j < ch->nnfs; j++) {
            const struct scc_nf_spec *b = &ch->nfs[j];
            if (strcmp(a->host, b->host) && a->host[0] && b->host[0])
                continue; /* different machines */
            bool share = !scc_cpuset_count(&a->cpus) || !scc_cpuset_count(&b->cpus) ||
                         cpus_overlap(&a->cpus, &b->cpus);
            if (!share)
                continue;
            char p[PATH_MAX_LEN];
            int bad = scc_cpuset_count(&a->cpus) != 1 ? i : scc_cpuset_count(&b->cpus) != 1 ? j : -1;
            if (bad >= 0) {
                snprintf(p, sizeof(p), "nfs[%d].cpu", bad);
                diag(c->d, p, "scheduler.chain_order \"token\": '%s' shares a core with '%s' and "
                              "needs exactly one core (pin it with \"cpu\": N)",
                     ch->nfs[bad].name, ch->nfs[bad == i ? j : i].name);
                return;
            }
            for (int k = i + 1; k < j; k++)
                if (!cpus_overlap(&a->cpus, &ch->nfs[k].cpus)) {
                    snprintf(p, sizeof(p), "nfs[%d].cpu", j);
                    diag(c->d, p, "scheduler.chain_order \"token\": the NFs on a core must be "
                                  "consecutive in the chain, but '%s' (nfs[%d]) runs elsewhere "
                                  "between '%s' and '%s'; move it to that core or use \"yield\"",
                         ch->nfs[k].name, k, a->name, b->name);
                    return;
                }
        }
    }
}

static void warn_busy_sharing(struct scc_spec_ctx *c, const struct scc_chain *ch)
{
    if (ch->io.idle != SCC_IDLE_BUSY)
        return;
    const struct scc_traffic_spec *t = &ch->traffic;
    for (int i = 0; i < ch->nnfs; i++) {
        const struct scc_nf_spec *nf = &ch->nfs[i];
        char p[PATH_MAX_LEN], with[256] = "";
        size_t off = 0;
        snprintf(p, sizeof(p), "nfs[%d].cpu", i);
        if (ch->sched.mode == SCC_SCHED_UNIPROCESSOR && ch->nnfs > 1) {
            warn(c->d, p, "io.idle is busy and scheduler.mode 'uniprocessor' puts every NF on "
                          "one core; " BUSY_WHY);
            continue;
        }
        if (scc_cpuset_count(&nf->cpus) == 0) {
            warn(c->d, p, "io.idle is busy and '%s' is not pinned, so it spins on whichever "
                          "core the kernel gives it, shared with the rest; " BUSY_WHY,
                 nf->name);
            continue;
        }
        for (int j = 0; j < ch->nnfs && off < sizeof(with); j++)
            if (j != i && cpus_overlap(&nf->cpus, &ch->nfs[j].cpus))
                off += (size_t)snprintf(with + off, sizeof(with) - off, "%snfs[%d] '%s'",
                                        off ? ", " : "", j, ch->nfs[j].name);
        if (off < sizeof(with) && cpus_overlap(&nf->cpus, &t->gen_cpus))
            off += (size_t)snprintf(with + off, sizeof(with) - off, "%straffic.gen_cpu",
                                    off ? ", " : "");
        if (off < sizeof(with) && cpus_overlap(&nf->cpus, &t->sink_cpus))
            off += (size_t)snprintf(with + off, sizeof(with) - off, "%straffic.sink_cpu",
                                    off ? ", " : "");
        if (off) {
            char cores[128];
            scc_cpuset_format(&nf->cpus, cores, sizeof(cores));
            warn(c->d, p, "io.idle is busy and '%s' shares core %s with %s; " BUSY_WHY,
                 nf->name, cores, with);
        }
    }
}


/* scheduler.mode "uniprocessor": every NF (and with uniprocessor_traffic
 * the generator and sink) on one core, written into their cpus here so
 * that the plan, the placement, --dry-run and `scc validate` all show it.
 * The core: uniprocessor_cpu, else the first core of nfs[0].cpu, else the
 * first online core. A cpu given elsewhere that disagrees is an error
 * (nothing is overridden silently). */
static void resolve_uniprocessor(struct scc_spec_ctx *c, struct scc_chain *ch)
{
    struct scc_sched_spec *sc = &ch->sched;
    if (sc->mode != SCC_SCHED_UNIPROCESSOR) {
        sc->uniprocessor_cpu = -1;
        sc->uniprocessor_traffic = false;
        return;
    }
    if (sc->uniprocessor_cpu < 0) {
        if (ch->nnfs && scc_cpuset_count(&ch->nfs[0].cpus))
            sc->uniprocessor_cpu = scc_cpuset_first(&ch->nfs[0].cpus);
        else
            sc->uniprocessor_cpu = scc_cpuset_first(&c->online);
    }
    if (sc->uniprocessor_cpu < 0)
        return;
    struct scc_cpuset core;
    scc_cpuset_zero(&core);
    scc_cpuset_set(&core, sc->uniprocessor_cpu);
    char p[PATH_MAX_LEN];
    for (int i = 0; i < ch->nnfs; i++) {
        struct scc_cpuset *cp = &ch->nfs[i].cpus;
        if (scc_cpuset_count(cp) && memcmp(cp, &core, sizeof(core)) != 0) {
            char have[128];
            scc_cpuset_format(cp, have, sizeof(have));
            snprintf(p, sizeof(p), "nfs[%d].cpu", i);
            diag(c->d, p, "'%s' but scheduler.mode \"uniprocessor\" runs every NF on core %d "
                          "(scheduler.uniprocessor_cpu); remove this cpu or make it %d",
                 have, sc->uniprocessor_cpu, sc->uniprocessor_cpu);
        }
        *cp = core;
    }
    if (!sc->uniprocessor_traffic)
        return;
    struct scc_cpuset *tc[2] = {&ch->traffic.gen_cpus, &ch->traffic.sink_cpus};
    static const char *const key[2] = {"traffic.gen_cpu", "traffic.sink_cpu"};
    for (int k = 0; k < 2; k++) {
        if (scc_cpuset_count(tc[k]) && memcmp(tc[k], &core, sizeof(core)) != 0)
            diag(c->d, key[k], "scheduler.uniprocessor_traffic runs the generator and sink on "
                               "core %d with the NFs; remove this key or set "
                               "uniprocessor_traffic to false", sc->uniprocessor_cpu);
        *tc[k] = core;
    }
}

/* After every section: the checks that span them. */
static void check_chain(struct scc_spec_ctx *c, const char *path, struct json_object *root,
                        void *base)
{
    struct scc_chain *ch = base;
    (void)path, (void)root;
    if (ch->profiler.nevents == 0)
        ch->profiler.events[ch->profiler.nevents++] = xstrdup(c, "default");
    /* uring moves either wire format (raw frames on b2b/bridge, VXLAN on
     * udp hops); xdp only raw frames on an interface */
    if (ch->interconnect == SCC_LINK_UDP && ch->io.transport != SCC_TRANSPORT_UDP &&
        ch->io.transport != SCC_TRANSPORT_URING)
        diag(c->d, "io.transport", "interconnect 'udp' carries frames in VXLAN; set "
                                   "io.transport to \"udp\" (or \"uring\") as well%s",
             ch->io.transport == SCC_TRANSPORT_XDP
                 ? " (AF_XDP moves raw frames on an interface: use interconnect \"b2b\" or "
                   "\"bridge\" for xdp)" : "");
    if (ch->io.transport == SCC_TRANSPORT_UDP && ch->interconnect != SCC_LINK_UDP)
        diag(c->d, "interconnect", "io.transport 'udp' needs interconnect \"udp\" (VXLAN hops)");
    if (ch->io.uring_sqpoll && ch->io.transport != SCC_TRANSPORT_URING)
        diag(c->d, "io.uring_sqpoll", "only meaningful with io.transport \"uring\" (it is "
                                      "\"%s\"); remove it or set io.transport to \"uring\"",
             scc_transport_names[ch->io.transport]);
    int nsq = scc_cpuset_count(&ch->io.uring_sqpoll_cpus);
    if (nsq && !ch->io.uring_sqpoll)
        diag(c->d, "io.uring_sqpoll_cpu", "pins the SQPOLL thread, so it needs "
                                          "io.uring_sqpoll: true; set that or remove this key");
    else if (nsq > 1)
        diag(c->d, "io.uring_sqpoll_cpu", "one core only (the kernel pins a submission "
                                          "thread to a single CPU); give a core number");
    if (ch->io.uring_spin_us && !ch->io.uring_sqpoll)
        diag(c->d, "io.uring_spin_us", "peeks for what the SQPOLL thread completes, so it "
                                       "needs io.uring_sqpoll: true; set that or remove this key");
    else if (ch->io.uring_spin_us && !nsq)
        diag(c->d, "io.uring_spin_us", "spins only when the SQPOLL thread is on a core the "
                                       "NF does not run on: set io.uring_sqpoll_cpu to such a "
                                       "core, or remove this key");
    /* Over UDP the launcher gives stage s (0 = gen .. nnfs+1 = sink) port
     * udp_port + s (ln_topo.c), so the last one must still be a port. */
    if (ch->interconnect == SCC_LINK_UDP && ch->io.udp_port + (unsigned)ch->nnfs + 1 > 65535)
        diag(c->d, "io.udp_port", "%u + %d stages runs past 65535 (the launcher uses one port "
                                  "per stage from udp_port up); use at most %d",
             ch->io.udp_port, ch->nnfs + 1, 65535 - ch->nnfs - 1);
    if (ch->nhosts > 1 && ch->interconnect != SCC_LINK_UDP)
        diag(c->d, "interconnect", "a chain across %d hosts needs interconnect \"udp\"",
             ch->nhosts);
    resolve_uniprocessor(c, ch);
    warn_busy_sharing(c, ch);
    check_token_rings(c, ch);
    /* reverse "auto": what a user expects of the type (nf_types.h) */
    for (int i = 0; i < ch->nnfs; i++) {
        struct scc_nf_spec *nf = &ch->nfs[i];
        if (nf->reverse != SCC_REVERSE_AUTO)
            continue;
        static const enum nf_type types[] = {
            [SCC_NF_PIPELINE] = NF_TYPE_COUNT, [SCC_NF_ROUTER] = NF_TYPE_ROUTER,
            [SCC_NF_FIREWALL] = NF_TYPE_FIREWALL, [SCC_NF_L2FWD] = NF_TYPE_L2FWD,
            [SCC_NF_NAT] = NF_TYPE_NAT, [SCC_NF_COUNTER] = NF_TYPE_COUNTER};
        nf->reverse = nf_type_default_reverse(types[nf->type]) == NF_REVERSE_PIPELINE
                          ? SCC_REVERSE_PIPELINE
                          : SCC_REVERSE_STRAIGHT;
    }
    /* "fuse": false only means something to the fused mode: say so rather
     * than let a reader think it changed this run */
    for (int i = 0; i < ch->nnfs && ch->sched.mode != SCC_SCHED_FUSED; i++)
        if (!ch->nfs[i].fuse) {
            char p[64];
            snprintf(p, sizeof(p), "nfs[%d].fuse", i);
            warn(c->d, p, "only meaningful with scheduler.mode \"fused\" (mode is \"%s\")",
                 scc_sched_mode_names[ch->sched.mode]);
        }
    /* chain-order runs under any policy: with fifo/rr at one priority the
     * yield hands the core to the next stage, with the fair policies it is
     * a hint (docs/chain-spec.md) */
}

/* ---- the tables --------------------------------------------------------
 *
 * One row per key, in the order keys are listed ("allowed here: ...") and
 * written; see scc_spec_fields.h for what each part of a row drives.
 */

#define FIELD(st, member, k, t, ...)                                                          \
    {.key = k, .type = t, .off = offsetof(st, member), .size = sizeof(((st *)0)->member),    \
     __VA_ARGS__}
#define HOOK(k, ...) {.key = k, .type = SCC_FIELD_CUSTOM, __VA_ARGS__}
#define SECTION(k, heading, rows, ...)                                                        \
    {.key = k, .doc = heading, .fields = rows, .nfields = SCC_ARRAY_SIZE(rows), __VA_ARGS__}
#define CH(member, ...) FIELD(struct scc_chain, member, __VA_ARGS__)
#define IO(member, ...) FIELD(struct scc_io_spec, member, __VA_ARGS__)
#define HO(member, ...) FIELD(struct scc_host_spec, member, __VA_ARGS__)
#define NF(member, ...) FIELD(struct scc_nf_spec, member, __VA_ARGS__)
#define RT(member, ...) FIELD(struct scc_route, member, __VA_ARGS__)
#define SP(member, ...) FIELD(struct scc_sched_params, member, __VA_ARGS__)
#define SC(member, ...) FIELD(struct scc_sched_spec, member, __VA_ARGS__)
#define PR(member, ...) FIELD(struct scc_profiler_spec, member, __VA_ARGS__)
#define TR(member, ...) FIELD(struct scc_traffic_spec, member, __VA_ARGS__)
#define MAC_HAS(member) .has = offsetof(struct scc_nf_spec, member)

static const struct scc_field io_fields[] = {
    IO(transport, "transport", SCC_FIELD_ENUM, .dflt = SCC_TRANSPORT_RAW,
       .names = scc_transport_names),
    IO(batch, "batch", SCC_FIELD_INT, .min = 1, .max = 1024, .dflt = 32),
    IO(idle, "idle", SCC_FIELD_ENUM, .dflt = SCC_IDLE_BLOCK, .names = scc_idle_names),
    IO(udp_port, "udp_port", SCC_FIELD_INT, .min = 1, .max = 65535, .dflt = 4789),
    IO(vni, "vni", SCC_FIELD_INT, .min = 0, .max = 16777215, .dflt = 1),
    IO(uring_sqpoll, "uring_sqpoll", SCC_FIELD_BOOL, .when = uring_io),
    IO(uring_sqpoll_cpus, "uring_sqpoll_cpu", SCC_FIELD_CPUS, .flags = SCC_FIELD_IF_SET),
    IO(queues, "queues", SCC_FIELD_INT, .min = 1, .max = 64, .dflt = 1, .when = several_queues),
    IO(uring_spin_us, "uring_spin_us", SCC_FIELD_INT, .flags = SCC_FIELD_IF_SET, .min = 0,
       .max = NF_IO_URING_SPIN_MAX_US),
};
static const struct scc_field_section io_section = SECTION("io", "## `io`", io_fields);

static const struct scc_field traffic_fields[] = {
    TR(rate_pps, "rate_pps", SCC_FIELD_INT, .min = 1, .max = 100000000, .dflt = 10000),
    TR(dist, "distribution", SCC_FIELD_ENUM, .dflt = SCC_DIST_FIXED,
       .names = scc_size_dist_names),
    TR(size, "size", SCC_FIELD_INT, .min = 64, .max = 1518, .dflt = 64, .when = size_applies),
    TR(duration_s, "duration_s", SCC_FIELD_NUM, .min = 0.001, .max = 86400, .dflt = 5),
    TR(count, "count", SCC_FIELD_INT, .min = 0, .max = 1000000000000.0),
    TR(flows, "flows", SCC_FIELD_INT, .min = 1, .max = 65536, .dflt = 1),
    TR(warmup_s, "warmup_s", SCC_FIELD_NUM, .min = 0, .max = 3600, .dflt = 0.5),
    /* where and how the measuring instruments run (issue 10) */
    TR(gen_cpus, "gen_cpu", SCC_FIELD_CPUS, .flags = SCC_FIELD_IF_SET),
    TR(sink_cpus, "sink_cpu", SCC_FIELD_CPUS, .flags = SCC_FIELD_IF_SET),
    TR(gen_spin_us, "gen_spin_us", SCC_FIELD_INT, .flags = SCC_FIELD_SIGNED, .min = -1,
       .max = 1000000, .dflt = -1),
    TR(gen_batch, "gen_batch", SCC_FIELD_INT, .flags = SCC_FIELD_BATCH_0, .min = 1, .max = 1024),
    TR(sink_batch, "sink_batch", SCC_FIELD_INT, .flags = SCC_FIELD_BATCH_0, .min = 1,
       .max = 1024),
    TR(sink_idle, "sink_idle", SCC_FIELD_ENUM, .dflt = SCC_IDLE_BLOCK, .names = scc_idle_names),
    TR(clocks_synced, "clocks_synced", SCC_FIELD_BOOL),
};
static const struct scc_field_section traffic_section =
    SECTION("traffic", "## `traffic`", traffic_fields, .before = check_traffic_present,
            .after = check_traffic);

/* policy, nice, rt_priority, slice_ms: in `scheduler` and in each nfs[].sched */
static const struct scc_field sched_param_fields[] = {
    SP(policy, "policy", SCC_FIELD_ENUM, .dflt = SCC_POLICY_OTHER, .names = scc_policy_names),
    SP(nice, "nice", SCC_FIELD_INT, .flags = SCC_FIELD_SIGNED, .min = -20, .max = 19,
       .when = sched_not_rt),
    SP(rt_priority, "rt_priority", SCC_FIELD_INT, .flags = SCC_FIELD_SIGNED, .min = 1,
       .max = 99, .when = sched_rt),
    SP(slice_ms, "slice_ms", SCC_FIELD_NUM, .min = 0, .max = 100, .check = check_slice),
};
static const struct scc_field_section sched_param_section =
    SECTION("sched", "## `scheduler`", sched_param_fields, .after = check_sched_priority);

static const struct scc_field scheduler_fields[] = {
    SC(defaults, NULL, SCC_FIELD_INLINE, .sub = &sched_param_section),
    SC(rr_timeslice_ms, "rr_timeslice_ms", SCC_FIELD_INT, .flags = SCC_FIELD_IF_SET, .min = 1,
       .max = 10000),
    SC(reserve_cores, "reserve_cores", SCC_FIELD_CPUS, .flags = SCC_FIELD_IF_SET),
    SC(reserve_scope, "reserve_scope", SCC_FIELD_ENUM, .dflt = SCC_RESERVE_PIDS,
       .names = scc_reserve_scope_names),
    HOOK("reserve_cgroup", .parse = parse_reserve_cgroup, .write = scc_write_reserve_cgroup),
    HOOK("reserve_pids", .parse = parse_reserve_pids, .write = scc_write_reserve_pids),
    SC(reserve_irqs, "reserve_irqs", SCC_FIELD_BOOL, .when = reserving),
    SC(mode, "mode", SCC_FIELD_ENUM, .dflt = SCC_SCHED_PINNED, .names = scc_sched_mode_names),
    SC(uniprocessor_cpu, "uniprocessor_cpu", SCC_FIELD_INT, .flags = SCC_FIELD_SIGNED,
       .min = 0, .max = SCC_MAX_CPUS - 1, .dflt = -1, .when = uniproc_mode),
    SC(uniprocessor_traffic, "uniprocessor_traffic", SCC_FIELD_BOOL, .when = uniproc_mode),
    SC(chain_order, "chain_order", SCC_FIELD_ENUM, .dflt = SCC_CHAIN_ORDER_YIELD,
       .names = scc_chain_order_names, .when = token_mode),
};
static const struct scc_field_section scheduler_section =
    SECTION("scheduler", "## `scheduler`", scheduler_fields, .after = check_reserve);

static const struct scc_field profiler_fields[] = {
    HOOK("events", .parse = parse_events, .write = scc_write_events, .phase = 1),
    PR(interval_ms, "interval_ms", SCC_FIELD_INT, .min = 0, .max = 3600000,
       .check = check_interval),
    HOOK("calibration", .parse = parse_calibration, .write = scc_write_calibration,
         .phase = 1),
};
static const struct scc_field_section profiler_section =
    SECTION("profiler", "## `profiler`", profiler_fields);

static const struct scc_field host_fields[] = {
    HO(address, "address", SCC_FIELD_IPV4, .flags = SCC_FIELD_REQUIRED,
       .hint = "the IPv4 address other hosts reach this one at"),
};
static const struct scc_field_section host_section =
    SECTION("hosts.NAME", "## `hosts`", host_fields);

static const struct scc_field route_fields[] = {
    HOOK("prefix", .parse = parse_route_prefix, .write = scc_write_route_prefix),
    RT(port, "port", SCC_FIELD_INT, .flags = SCC_FIELD_SIGNED, .min = 0, .max = 15),
    RT(mac, "mac", SCC_FIELD_MAC, .has = offsetof(struct scc_route, has_mac)),
};
static const struct scc_field_section route_section =
    SECTION("router routes[i]", "##### `routes[i]`", route_fields);

static const struct scc_field router_fields[] = {
    HOOK("routes", .parse = parse_routes, .write = scc_write_routes),
    NF(src_mac, "src_mac", SCC_FIELD_MAC, MAC_HAS(has_src_mac)),
    NF(router_addr, "addr", SCC_FIELD_IPV4, .when = router_has_addr, .check = check_router_addr),
};
static const struct scc_field firewall_fields[] = {
    HOOK("rules", .parse = parse_rules, .write = scc_write_rules),
};
static const struct scc_field l2fwd_fields[] = {
    NF(src_mac, "src_mac", SCC_FIELD_MAC, MAC_HAS(has_src_mac)),
    NF(dst_mac, "dst_mac", SCC_FIELD_MAC, MAC_HAS(has_dst_mac)),
};
static const struct scc_field nat_fields[] = {
    HOOK("pool", .parse = parse_nat_pool, .write = scc_write_nat_pool),
    HOOK("ports", .parse = parse_nat_ports, .init = init_nat_ports, .write = scc_write_nat_ports),
    NF(nat_timeout_s, "timeout_s", SCC_FIELD_INT, .min = 1, .max = 86400, .dflt = 60),
};
static const struct scc_field_section router_section =
    SECTION("router config", "#### `router`", router_fields);
static const struct scc_field_section firewall_section =
    SECTION("firewall config", "#### `firewall`", firewall_fields);
static const struct scc_field_section l2fwd_section =
    SECTION("l2fwd config", "#### `l2fwd`", l2fwd_fields);
static const struct scc_field_section nat_section =
    SECTION("nat config", "#### `nat`", nat_fields);
static const struct scc_field_section counter_section = {.key = "counter config",
                                                         .doc = "#### `counter`"};

static const struct scc_field nf_fields[] = {
    NF(name, "name", SCC_FIELD_NAME, .flags = SCC_FIELD_REQUIRED, .check = check_nf_name),
    HOOK("type", .parse = parse_nf_type, .write = scc_write_nf_type, .phase = 2),
    HOOK("pipeline"), /* parsed and written with "type" */
    HOOK("config"),   /* likewise */
    NF(env, "env", SCC_FIELD_ENUM, .dflt = SCC_ENV_NETNS, .names = scc_env_names),
    NF(cpus, "cpu", SCC_FIELD_CPUS, .flags = SCC_FIELD_IF_SET, .phase = 1),
    HOOK("host", .parse = parse_nf_host, .write = scc_write_nf_host, .phase = 1),
    HOOK("sched", .parse = parse_nf_sched, .write = scc_write_nf_sched, .phase = 1),
    NF(restart, "restart", SCC_FIELD_ENUM, .dflt = SCC_RESTART_NO, .names = scc_restart_names),
    NF(fuse, "fuse", SCC_FIELD_BOOL, .dflt = 1, .when = fuse_off),
    NF(user, "user", SCC_FIELD_NAME, .check = check_nf_user, .when = nf_has_user),
    NF(reverse, "reverse", SCC_FIELD_ENUM, .dflt = SCC_REVERSE_AUTO, .names = scc_reverse_names,
       .phase = 2),
};
static const struct scc_field_section nf_section = SECTION("nfs[i]", "## `nfs[i]`", nf_fields);

#define EP(member, ...) FIELD(struct scc_endpoints_spec, member, __VA_ARGS__)
static const struct scc_field endpoints_fields[] = {
    EP(ingress, "ingress", SCC_FIELD_IPV4),
    EP(egress, "egress", SCC_FIELD_IPV4),
    EP(prefix_len, "prefix_len", SCC_FIELD_INT, .min = 8, .max = 30, .dflt = 24),
};
static const struct scc_field_section endpoints_section =
    SECTION("endpoints", "## `endpoints`", endpoints_fields, .before = endpoints_given);

/* Phases: the scheduler before the NFs (they inherit its defaults), hosts
 * before the NFs (they name them). */
static const struct scc_field chain_fields[] = {
    CH(name, "name", SCC_FIELD_NAME, .flags = SCC_FIELD_REQUIRED),
    CH(mode, "mode", SCC_FIELD_ENUM, .dflt = SCC_MODE_RUNTIME, .names = scc_mode_names),
    CH(io, "io", SCC_FIELD_OBJECT, .sub = &io_section, .phase = 1),
    CH(interconnect, "interconnect", SCC_FIELD_ENUM, .dflt = SCC_LINK_B2B,
       .names = scc_link_names),
    CH(nf_user, "nf_user", SCC_FIELD_NAME, .check = check_chain_user, .when = chain_has_user),
    HOOK("hosts", .parse = parse_hosts, .write = scc_write_hosts, .phase = 1),
    HOOK("nfs", .parse = parse_nfs, .write = scc_write_nfs, .phase = 2),
    CH(sched, "scheduler", SCC_FIELD_OBJECT, .sub = &scheduler_section, .phase = 1),
    CH(profiler, "profiler", SCC_FIELD_OBJECT, .sub = &profiler_section, .phase = 2),
    CH(traffic, "traffic", SCC_FIELD_OBJECT, .sub = &traffic_section, .phase = 2,
       .when = traffic_present),
    CH(endpoints, "endpoints", SCC_FIELD_OBJECT, .sub = &endpoints_section, .phase = 2,
       .when = endpoints_present, .check = check_endpoints),
};
static const struct scc_field_section chain_section =
    SECTION("", "## Top level", chain_fields, .after = check_chain);

const struct scc_field_section *const scc_spec_sections[SCC_SEC_COUNT] = {
    [SCC_SEC_CHAIN] = &chain_section,       [SCC_SEC_IO] = &io_section,
    [SCC_SEC_HOST] = &host_section,         [SCC_SEC_NF] = &nf_section,
    [SCC_SEC_SCHED_PARAMS] = &sched_param_section,
    [SCC_SEC_SCHEDULER] = &scheduler_section, [SCC_SEC_PROFILER] = &profiler_section,
    [SCC_SEC_TRAFFIC] = &traffic_section,   [SCC_SEC_ROUTE] = &route_section,
    [SCC_SEC_ROUTER] = &router_section,     [SCC_SEC_FIREWALL] = &firewall_section,
    [SCC_SEC_L2FWD] = &l2fwd_section,       [SCC_SEC_NAT] = &nat_section,
    [SCC_SEC_COUNTER] = &counter_section,   [SCC_SEC_ENDPOINTS] = &endpoints_section,
};

const struct scc_field_section *scc_spec_nf_config(enum scc_nf_type t)
{
    switch (t) {
    case SCC_NF_ROUTER: return &router_section;
    case SCC_NF_FIREWALL: return &firewall_section;
    case SCC_NF_L2FWD: return &l2fwd_section;
    case SCC_NF_NAT: return &nat_section;
    case SCC_NF_COUNTER: return &counter_section;
    default: return NULL;
    }
}

static void parse_root(struct scc_spec_ctx *c, struct json_object *root, struct scc_chain *ch)
{
    if (!json_object_is_type(root, json_type_object)) {
        diag(c->d, "", "the chain must be a JSON object, got %s", scc_json_type_word(root));
        return;
    }
    c->ch = ch;
    parse_section(c, &chain_section, "", root, ch);
}

static void set_defaults(struct scc_chain *ch)
{
    memset(ch, 0, sizeof(*ch));
    fields_defaults(&chain_section, ch);
    /* an IPV4 row has no numeric default: the endpoints' are set here */
    ch->endpoints.ingress = (10u << 24) | (201u << 16) | (1u << 8) | 1u;
    ch->endpoints.egress = (10u << 24) | (201u << 16) | (2u << 8) | 1u;
}

struct scc_chain *scc_spec_load_string(const char *json, const struct scc_spec_opts *opts,
                                       struct scc_diags *diags)
{
    struct scc_spec_ctx c = {.d = diags, .sink = {sink_report, diags}};
    if (opts && opts->online)
        c.online = *opts->online;
    else if (scc_cpuset_online(&c.online) < 0)
        scc_cpuset_set(&c.online, 0);
    c.skip_files = opts && opts->skip_file_checks;

    size_t start = diags->err.n;
    struct scc_json_err jerr;
    struct json_object *root = scc_json_parse(json, strlen(json), &jerr);
    if (!root) {
        int e = errno;
        diag(diags, jerr.path, "%s", jerr.msg);
        errno = e;
        return NULL;
    }

    struct scc_chain *ch = malloc(sizeof(*ch));
    if (!ch) {
        json_object_put(root);
        errno = ENOMEM;
        diag(diags, "", "out of memory");
        return NULL;
    }
    set_defaults(ch);
    parse_root(&c, root, ch);
    json_object_put(root);
    if (c.nomem) {
        diag(diags, "", "out of memory");
        errno = ENOMEM;
    }
    if (diags->err.n > start || c.nomem) {
        scc_chain_free(ch);
        if (!c.nomem)
            errno = EINVAL;
        return NULL;
    }
    return ch;
}

struct scc_chain *scc_spec_load_file(const char *path, const struct scc_spec_opts *opts,
                                     struct scc_diags *diags)
{
    char *text;
    size_t len;
    struct scc_json_err jerr;
    int rc = scc_json_read_file(path, SCC_JSON_MAX_FILE, &text, &len, &jerr);
    if (rc < 0) {
        diag(diags, jerr.path, "%s", jerr.msg);
        errno = -rc;
        return NULL;
    }
    struct scc_chain *ch = scc_spec_load_string(text, opts, diags);
    free(text);
    return ch;
}

void scc_chain_free(struct scc_chain *ch)
{
    if (!ch)
        return;
    for (int i = 0; i < ch->nnfs; i++) {
        struct scc_nf_spec *nf = &ch->nfs[i];
        free(nf->pipeline);
        free(nf->routes);
        for (int r = 0; r < nf->nrules; r++)
            free(nf->rules[r]);
        free(nf->rules);
    }
    for (int i = 0; i < ch->profiler.nevents; i++)
        free(ch->profiler.events[i]);
    free(ch->profiler.calibration);
    free(ch);
}

const struct scc_nf_spec *scc_chain_find_nf(const struct scc_chain *ch, const char *name)
{
    for (int i = 0; i < ch->nnfs; i++)
        if (strcmp(ch->nfs[i].name, name) == 0)
            return &ch->nfs[i];
    return NULL;
}
