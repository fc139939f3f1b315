/*
 * tr_result — loading scc-gen/1 and scc-sink/1 reports into structs (see
 * tr_result.h). A small reader context carries the file name and the
 * first error, so each field is one line below and the first problem
 * found is the one reported.
 */
#include "bench/traffic/tr_result.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"

#define MAX_REPORT (16u << 20) /* a sink report with a day of series is ~10 MiB */

struct rd {
    const char *path;
    char *err;
    size_t errlen;
    int rc;                 /* 0, or the first error */
};

static void fail(struct rd *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct rd *r, int rc, const char *fmt, ...)
{
    if (r->rc)
        return;
    r->rc = rc;
    if (!r->errlen)
        return;
    int n = snprintf(r->err, r->errlen, "%s: ", r->path);
    if (n < 0 || (size_t)n >= r->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static const char *type_name(json_object *v)
{
    return v ? json_type_to_name(json_object_get_type(v)) : "null";
}

/* The member key of obj (whose own path is at, "" at the top). Sets
 * *present to whether the value is non-null; fails when the key is absent
 * (null is allowed only when nullable). */
static json_object *member(struct rd *r, json_object *obj, const char *at, const char *key,
                           bool nullable, bool *present)
{
    json_object *v = NULL;
    *present = false;
    if (r->rc)
        return NULL;
    if (!json_object_object_get_ex(obj, key, &v)) {
        fail(r, -EINVAL, "%s%s%s: missing", at, *at ? "." : "", key);
        return NULL;
    }
    if (!v && !nullable) {
        fail(r, -EINVAL, "%s%s%s: null where a value is required", at, *at ? "." : "", key);
        return NULL;
    }
    *present = v != NULL;
    return v;
}

static bool get_u64(struct rd *r, json_object *obj, const char *at, const char *key, bool nullable,
                    uint64_t *out)
{
    bool present;
    json_object *v = member(r, obj, at, key, nullable, &present);
    *out = 0;
    if (!present)
        return false;
    if (!json_object_is_type(v, json_type_int)) {
        fail(r, -EINVAL, "%s%s%s: expected an integer, found %s", at, *at ? "." : "", key,
             type_name(v));
        return false;
    }
    /* json-c keeps uint64 values above INT64_MAX apart from negatives. */
    if (json_object_get_int64(v) < 0) {
        fail(r, -EINVAL, "%s%s%s: expected a count >= 0, found %" PRId64, at, *at ? "." : "",
             key, json_object_get_int64(v));
        return false;
    }
    *out = json_object_get_uint64(v);
    return true;
}

static bool get_double(struct rd *r, json_object *obj, const char *at, const char *key,
                       bool nullable, double *out)
{
    bool present;
    json_object *v = member(r, obj, at, key, nullable, &present);
    *out = 0;
    if (!present)
        return false;
    if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
        fail(r, -EINVAL, "%s%s%s: expected a number, found %s", at, *at ? "." : "", key,
             type_name(v));
        return false;
    }
    *out = json_object_get_double(v);
    return true;
}

static bool get_bool(struct rd *r, json_object *obj, const char *at, const char *key, bool *out)
{
    bool present;
    json_object *v = member(r, obj, at, key, false, &present);
    *out = false;
    if (!present)
        return false;
    if (!json_object_is_type(v, json_type_boolean)) {
        fail(r, -EINVAL, "%s%s%s: expected true or false, found %s", at, *at ? "." : "", key,
             type_name(v));
        return false;
    }
    *out = json_object_get_boolean(v);
    return true;
}

/* An object member; NULL when null (nullable) or on error. */
static json_object *get_obj(struct rd *r, json_object *obj, const char *at, const char *key,
                            bool nullable)
{
    bool present;
    json_object *v = member(r, obj, at, key, nullable, &present);
    if (!present)
        return NULL;
    if (!json_object_is_type(v, json_type_object)) {
        fail(r, -EINVAL, "%s%s%s: expected an object, found %s", at, *at ? "." : "", key,
             type_name(v));
        return NULL;
    }
    return v;
}

static bool get_str(struct rd *r, json_object *obj, const char *at, const char *key, bool nullable,
                    char *buf, size_t len)
{
    bool present;
    json_object *v = member(r, obj, at, key, nullable, &present);
    if (len)
        buf[0] = '\0';
    if (!present)
        return false;
    if (!json_object_is_type(v, json_type_string)) {
        fail(r, -EINVAL, "%s%s%s: expected a string, found %s", at, *at ? "." : "", key,
             type_name(v));
        return false;
    }
    scc_strlcpy(buf, json_object_get_string(v), len);
    return true;
}

/* Read and parse the whole file; check "schema". NULL on failure. */
static json_object *load(struct rd *r, const char *schema)
{
    FILE *f = fopen(r->path, "re");
    if (!f) {
        int e = errno;
        fail(r, -e, "fopen: %s", strerror(e));
        return NULL;
    }
    char *buf = malloc(MAX_REPORT + 1);
    size_t n = buf ? fread(buf, 1, MAX_REPORT + 1, f) : 0;
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr || n > MAX_REPORT) {
        fail(r, !buf ? -ENOMEM : rerr ? -EIO : -EFBIG, "%s",
             !buf ? "out of memory" : rerr ? "read error" : "larger than 16 MiB");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    json_tokener *tok = json_tokener_new();
    json_object *root = NULL;
    if (tok) {
        root = json_tokener_parse_ex(tok, buf, (int)n);
        if (!root || json_tokener_get_error(tok) != json_tokener_success) {
            fail(r, -EINVAL, "not JSON: %s (at byte %zu)",
                 json_tokener_error_desc(json_tokener_get_error(tok)),
                 json_tokener_get_parse_end(tok));
            json_object_put(root);
            root = NULL;
        }
        json_tokener_free(tok);
    } else {
        fail(r, -ENOMEM, "out of memory");
    }
    free(buf);
    if (!root)
        return NULL;
    if (!json_object_is_type(root, json_type_object)) {
        fail(r, -EINVAL, "expected a JSON object at the top, found %s", type_name(root));
    } else {
        char s[64];
        if (get_str(r, root, "", "schema", false, s, sizeof(s)) && strcmp(s, schema) != 0)
            fail(r, -EINVAL, "schema: \"%s\", expected \"%s\"", s, schema);
    }
    if (r->rc) {
        json_object_put(root);
        return NULL;
    }
    return root;
}

int tr_result_load_gen(const char *path, struct tr_gen_result *out, char *err, size_t errlen)
{
    struct rd r = {.path = path, .err = err, .errlen = errlen};
    memset(out, 0, sizeof(*out));
    if (errlen)
        err[0] = '\0';
    json_object *o = load(&r, "scc-gen/1");
    if (!o)
        return r.rc;
    if (json_object_object_get_ex(o, "search", NULL))
        fail(&r, -EINVAL, "a --search report (its results are under \"search\"), not a run report");
    get_u64(&r, o, "", "sent", false, &out->sent);
    get_u64(&r, o, "", "bytes", false, &out->bytes);
    out->have_rate = get_double(&r, o, "", "rate_pps", true, &out->rate_pps);
    get_double(&r, o, "", "achieved_pps", false, &out->achieved_pps);
    get_double(&r, o, "", "elapsed_s", false, &out->elapsed_s);
    get_bool(&r, o, "", "kept_up", &out->kept_up);
    json_object_put(o);
    if (r.rc)
        memset(out, 0, sizeof(*out));
    return r.rc;
}

static void load_lat(struct rd *r, json_object *h, const char *at, struct tr_sink_result *out)
{
    static const char *const names[] = {"min", "p1", "p25", "p50", "p75", "p99", "p99.9", "max"};
    uint64_t *dst[] = {&out->lat.min, &out->lat.p1,  &out->lat.p25,  &out->lat.p50,
                       &out->lat.p75, &out->lat.p99, &out->lat.p999, &out->lat.max};
    get_u64(r, h, at, "count", false, &out->lat.count);
    /* An empty histogram has null percentiles: nothing was measured. */
    bool empty = out->lat.count == 0;
    for (size_t i = 0; i < SCC_ARRAY_SIZE(names); i++)
        get_u64(r, h, at, names[i], empty, dst[i]);
    get_u64(r, h, at, "iqr", empty, &out->lat.iqr);
    out->have_latency = !empty && !r->rc;
}

int tr_result_load_sink(const char *path, struct tr_sink_result *out, char *err, size_t errlen)
{
    struct rd r = {.path = path, .err = err, .errlen = errlen};
    memset(out, 0, sizeof(*out));
    if (errlen)
        err[0] = '\0';
    json_object *o = load(&r, "scc-sink/1");
    if (!o)
        return r.rc;
    get_u64(&r, o, "", "rx_pkts", false, &out->rx_pkts);
    get_u64(&r, o, "", "rx_bytes", false, &out->rx_bytes);
    get_u64(&r, o, "", "warmup_discarded", false, &out->warmup_discarded);
    get_double(&r, o, "", "duration_s", false, &out->duration_s);
    get_double(&r, o, "", "pps", false, &out->pps);
    get_double(&r, o, "", "gbps", false, &out->gbps);
    get_u64(&r, o, "", "lost", false, &out->lost);
    get_u64(&r, o, "", "reordered", false, &out->reordered);
    get_u64(&r, o, "", "duplicates", false, &out->duplicates);
    get_u64(&r, o, "", "latency_negative", false, &out->latency_negative);

    json_object *k = get_obj(&r, o, "", "kernel", false);
    if (k) {
        out->have_socket_drops = get_u64(&r, k, "kernel", "socket_drops", true, &out->socket_drops);
        out->have_if_rx_dropped =
            get_u64(&r, k, "kernel", "if_rx_dropped", true, &out->if_rx_dropped);
    }

    /* latency_ns is null exactly when latency was switched off, and then
     * latency_off says why. */
    get_str(&r, o, "", "latency_off", true, out->latency_off, sizeof(out->latency_off));
    json_object *lat = get_obj(&r, o, "", "latency_ns", true);
    if (lat) {
        json_object *fs = get_obj(&r, lat, "latency_ns", "from_send", false);
        if (fs)
            load_lat(&r, fs, "latency_ns.from_send", out);
    } else if (!r.rc && !out->latency_off[0]) {
        fail(&r, -EINVAL, "latency_ns: null without a latency_off reason");
    }

    json_object *w = get_obj(&r, o, "", "window", false);
    if (w) {
        bool a = get_u64(&r, w, "window", "open_ns", true, &out->window_open_ns);
        bool b = get_u64(&r, w, "window", "close_ns", true, &out->window_close_ns);
        bool c = get_u64(&r, w, "window", "first_rx_ns", true, &out->first_rx_ns);
        bool d = get_u64(&r, w, "window", "last_rx_ns", true, &out->last_rx_ns);
        out->have_window = a && b && c && d;
        if (!r.rc && (a || b || c || d) && !out->have_window)
            fail(&r, -EINVAL, "window: some members null, others not");
    }
    json_object_put(o);
    if (r.rc)
        memset(out, 0, sizeof(*out));
    return r.rc;
}
