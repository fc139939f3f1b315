/*
 * scc_json — see scc_json.h.
 *
 * The strict parse is two passes: json-c in strict mode checks the grammar
 * and builds the tree; then a small scanner walks the (now known to be
 * well-formed) text once more for what json-c cannot report: duplicate keys
 * and "\u0000" in strings, each with its JSON path. The scanner trusts the
 * grammar json-c has already checked, so it stays short; it recurses at
 * most json-c's depth limit (32).
 */
#include "common/scc_json.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/scc_util.h"

static void set_err(struct scc_json_err *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(struct scc_json_err *err, const char *path, const char *fmt, ...)
{
    if (!err)
        return;
    scc_strlcpy(err->path, path, sizeof(err->path));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

/* offset -> line and column, both from 1 */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* ---- bounded reader ----------------------------------------------------- */

int scc_json_read_file(const char *path, size_t max, char **out, size_t *len,
                       struct scc_json_err *err)
{
    *out = NULL;
    *len = 0;
    if (!max)
        max = SCC_JSON_MAX_FILE;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        set_err(err, "", "cannot open '%s': %s", path, strerror(e));
        return -e;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = 0;
    if (!buf) {
        rc = -ENOMEM;
        set_err(err, "", "cannot read '%s': out of memory", path);
        goto out;
    }
    for (;;) {
        if (n + 1 == cap) {
            /* one byte past max still fits, so that "larger than" is exact */
            if (n > max) {
                rc = -EFBIG;
                set_err(err, "", "'%s' is larger than %zu bytes; is it really a JSON file?",
                        path, max);
                goto out;
            }
            size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = -ENOMEM;
                set_err(err, "", "cannot read '%s': out of memory", path);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            set_err(err, "", "cannot read '%s': %s", path, strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        /* stop at the first NUL: a text file has none, and an endless
         * source of them (/dev/zero) must not be read to the cap */
        const char *z = memchr(buf + n, '\0', (size_t)got);
        if (z) {
            int line, col;
            line_col(buf, (size_t)(z - buf), &line, &col);
            rc = -EINVAL;
            set_err(err, "", "NUL byte at line %d, column %d: '%s' is not a JSON text file",
                    line, col, path);
            goto out;
        }
        n += (size_t)got;
    }
    if (n > max) {
        rc = -EFBIG;
        set_err(err, "", "'%s' is larger than %zu bytes; is it really a JSON file?", path, max);
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

/* ---- strict parse: the scanner ----------------------------------------- */

struct scan {
    const char *t;
    size_t i, n;
    struct scc_json_err *err;
    bool failed, nomem;
};

static void skip_ws(struct scan *s)
{
    while (s->i < s->n && (s->t[s->i] == ' ' || s->t[s->i] == '\t' || s->t[s->i] == '\n' ||
                           s->t[s->i] == '\r'))
        s->i++;
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/*
 * The string at s->i (its opening quote). With want_key, returns it decoded
 * (malloc'd, *klen bytes) so that "a" and "\u0061" compare equal; else NULL.
 * *has_nul says whether it contains U+0000.
 */
static char *scan_string(struct scan *s, bool want_key, size_t *klen, bool *has_nul)
{
    *has_nul = false;
    size_t start = ++s->i;
    while (s->i < s->n && s->t[s->i] != '"') {
        if ((unsigned char)s->t[s->i] < 0x20 && !s->failed) {
            /* RFC 8259 7: control characters must be escaped; json-c takes them */
            int line, col;
            line_col(s->t, s->i, &line, &col);
            set_err(s->err, "", "line %d, column %d: JSON syntax error: a control character "
                                "inside a string (write it as \\t, \\n, ...)", line, col);
            s->failed = true;
        }
        s->i += s->t[s->i] == '\\' ? 2 : 1;
    }
    size_t end = s->i++;
    /* decoding never grows the text: \uXXXX (6) -> at most 3 bytes, a
     * surrogate pair (12) -> 4 */
    char *o = want_key ? malloc(end - start + 1) : NULL;
    if (want_key && !o) {
        s->nomem = true;
        return NULL;
    }
    size_t k = 0;
    for (size_t p = start; p < end; p++) {
        char c = s->t[p];
        if (c != '\\') {
            if (o)
                o[k++] = c;
            continue;
        }
        c = s->t[++p];
        if (c != 'u') {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *f = strchr(from, c);
            if (o)
                o[k++] = f ? to[f - from] : c;
            continue;
        }
        unsigned cp = hex4(s->t + p + 1);
        p += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && p + 6 < end && s->t[p + 1] == '\\' &&
            s->t[p + 2] == 'u') {
            unsigned lo = hex4(s->t + p + 3);
            if (lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            }
        }
        if (cp == 0)
            *has_nul = true;
        if (o)
            k += put_utf8(o + k, cp);
    }
    if (o)
        o[k] = '\0';
    *klen = k;
    return o;
}

struct key {
    char *s;
    size_t len, order;
};

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, m);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void scan_value(struct scan *s, const char *path);

static size_t digits(const char *t, size_t i, size_t n)
{
    size_t b = i;
    while (i < n && t[i] >= '0' && t[i] <= '9')
        i++;
    return i - b;
}

/* true, false, null, or -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool literal_ok(const char *t, size_t n)
{
    if ((n == 4 && !memcmp(t, "true", 4)) || (n == 5 && !memcmp(t, "false", 5)) ||
        (n == 4 && !memcmp(t, "null", 4)))
        return true;
    size_t i = 0, d;
    if (i < n && t[i] == '-')
        i++;
    if ((d = digits(t, i, n)) == 0 || (d > 1 && t[i] == '0'))
        return false;
    i += d;
    if (i < n && t[i] == '.') {
        if ((d = digits(t, ++i, n)) == 0)
            return false;
        i += d;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-'))
            i++;
        if ((d = digits(t, i, n)) == 0)
            return false;
        i += d;
    }
    return i == n;
}

static void scan_object(struct scan *s, const char *path)
{
    struct key *keys = NULL;
    size_t nkeys = 0, cap = 0;
    s->i++; /* '{' */
    skip_ws(s);
    if (s->t[s->i] == '}') {
        s->i++;
        return;
    }
    while (!s->failed && !s->nomem) {
        skip_ws(s);
        /* json-c's strict mode still takes 'single-quoted' keys */
        if (s->t[s->i] != '"') {
            int line, col;
            line_col(s->t, s->i, &line, &col);
            set_err(s->err, "", "line %d, column %d: JSON syntax error: a key must be in "
                                "double quotes", line, col);
            s->failed = true;
            break;
        }
        size_t klen;
        bool nul;
        char *k = scan_string(s, true, &klen, &nul);
        if (!k)
            break;
        if (nul) {
            set_err(s->err, path, "a key contains \\u0000 (it would be cut there)");
            s->failed = true;
            free(k);
            break;
        }
        if (nkeys == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct key *nk = realloc(keys, ncap * sizeof(*keys));
            if (!nk) {
                s->nomem = true;
                free(k);
                break;
            }
            keys = nk;
            cap = ncap;
        }
        keys[nkeys] = (struct key){k, klen, nkeys};
        nkeys++;
        char sub[SCC_JSON_PATH_MAX];
        scc_json_path_key(sub, path, k);
        skip_ws(s);
        s->i++; /* ':' */
        scan_value(s, sub);
        skip_ws(s);
        if (s->t[s->i++] == '}')
            break;
    }
    if (!s->failed && !s->nomem && nkeys > 1) {
        /* sorted by (key, order): a duplicate is a neighbour with the same
         * key; report the one that comes first in the text */
        qsort(keys, nkeys, sizeof(*keys), key_cmp);
        size_t dup = (size_t)-1;
        for (size_t j = 1; j < nkeys; j++)
            if (keys[j].len == keys[j - 1].len &&
                memcmp(keys[j].s, keys[j - 1].s, keys[j].len) == 0 && keys[j].order < dup) {
                dup = keys[j].order;
                char sub[SCC_JSON_PATH_MAX];
                scc_json_path_key(sub, path, keys[j].s);
                set_err(s->err, sub, "duplicate key (given twice in this object; JSON "
                                     "parsers keep one silently)");
            }
        s->failed = dup != (size_t)-1;
    }
    for (size_t j = 0; j < nkeys; j++)
        free(keys[j].s);
    free(keys);
}

static void scan_value(struct scan *s, const char *path)
{
    if (s->failed || s->nomem)
        return;
    skip_ws(s);
    char c = s->t[s->i];
    if (c == '{') {
        scan_object(s, path);
    } else if (c == '[') {
        s->i++;
        skip_ws(s);
        if (s->t[s->i] == ']') {
            s->i++;
            return;
        }
        for (size_t idx = 0; !s->failed && !s->nomem; idx++) {
            char sub[SCC_JSON_PATH_MAX];
            scc_json_path_idx(sub, path, idx);
            scan_value(s, sub);
            skip_ws(s);
            if (s->t[s->i++] == ']')
                break;
        }
    } else if (c == '"') {
        size_t len;
        bool nul;
        scan_string(s, false, &len, &nul);
        if (nul) {
            set_err(s->err, path, "the string contains \\u0000; everything after it would "
                                  "be cut off (remove it)");
            s->failed = true;
        }
    } else {
        /* number, true, false, null: json-c's strict mode still takes
         * NaN, Infinity and "1.", which RFC 8259 does not */
        size_t b = s->i;
        while (s->i < s->n && !strchr(",}] \t\r\n", s->t[s->i]))
            s->i++;
        if (!literal_ok(s->t + b, s->i - b)) {
            int line, col;
            line_col(s->t, b, &line, &col);
            int shown = (int)(s->i - b > 40 ? 40 : s->i - b);
            set_err(s->err, "", "line %d, column %d: JSON syntax error: '%.*s' is not a JSON "
                                "number or literal", line, col, shown, s->t + b);
            s->failed = true;
        }
    }
}

struct json_object *scc_json_parse(const char *text, size_t len, struct scc_json_err *err)
{
    const char *z = memchr(text, '\0', len);
    if (z) {
        int line, col;
        line_col(text, (size_t)(z - text), &line, &col);
        set_err(err, "", "NUL byte at line %d, column %d: not a JSON text", line, col);
        errno = EINVAL;
        return NULL;
    }
    if (len > SCC_JSON_MAX_FILE) {
        set_err(err, "", "%zu bytes of JSON; at most %u", len, SCC_JSON_MAX_FILE);
        errno = EINVAL;
        return NULL;
    }
    struct json_tokener *tok = json_tokener_new();
    if (!tok) {
        set_err(err, "", "out of memory");
        errno = ENOMEM;
        return NULL;
    }
    /* trailing text is allowed here only to be reported below in words */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
    struct json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    int line, col;
    if (!root || jerr != json_tokener_success) {
        line_col(text, end, &line, &col);
        if (jerr == json_tokener_continue || jerr == json_tokener_success)
            set_err(err, "", "line %d, column %d: JSON ends too early (unclosed object, "
                             "array or string?)", line, col);
        else
            set_err(err, "", "line %d, column %d: JSON syntax error: %s (strict JSON: no "
                             "comments, single quotes or trailing commas)",
                    line, col, json_tokener_error_desc(jerr));
        json_object_put(root);
        errno = EINVAL;
        return NULL;
    }
    while (end < len && strchr(" \t\r\n", text[end]))
        end++;
    if (end < len) {
        line_col(text, end, &line, &col);
        set_err(err, "", "line %d, column %d: unexpected text after the end of the JSON value",
                line, col);
        json_object_put(root);
        errno = EINVAL;
        return NULL;
    }
    struct scan s = {.t = text, .n = len, .err = err};
    scan_value(&s, "");
    if (s.failed || s.nomem) {
        if (s.nomem)
            set_err(err, "", "out of memory");
        json_object_put(root);
        errno = s.nomem ? ENOMEM : EINVAL;
        return NULL;
    }
    return root;
}

/* ---- typed getters ------------------------------------------------------ */

static void report(const struct scc_json_sink *s, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(const struct scc_json_sink *s, const char *path, const char *fmt, ...)
{
    if (!s || !s->report)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->report(s->arg, path, msg);
}

const char *scc_json_type_word(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a number with a fraction";
    case json_type_int: return "an integer";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
    return "a value";
}

void scc_json_path_key(char out[SCC_JSON_PATH_MAX], const char *base, const char *key)
{
    char tmp[SCC_JSON_PATH_MAX * 2];
    if (base[0])
        snprintf(tmp, sizeof(tmp), "%s.%s", base, key);
    else
        snprintf(tmp, sizeof(tmp), "%s", key);
    scc_strlcpy(out, tmp, SCC_JSON_PATH_MAX);
}

void scc_json_path_idx(char out[SCC_JSON_PATH_MAX], const char *base, size_t i)
{
    char tmp[SCC_JSON_PATH_MAX * 2];
    snprintf(tmp, sizeof(tmp), "%s[%zu]", base, i);
    scc_strlcpy(out, tmp, SCC_JSON_PATH_MAX);
}

struct json_object *scc_json_member(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &v))
        return NULL;
    return v;
}

/* The member and its path; 0 when absent (reported when required). */
static struct json_object *member(const struct scc_json_sink *s, const char *base,
                                  struct json_object *obj, const char *key, bool required,
                                  char path[SCC_JSON_PATH_MAX])
{
    scc_json_path_key(path, base, key);
    struct json_object *v = scc_json_member(obj, key);
    if (!v && required)
        report(s, path, "missing");
    return v;
}

int scc_json_val_int(const struct scc_json_sink *s, const char *path, struct json_object *v,
                     int64_t min, int64_t max, int64_t *out)
{
    if (!json_object_is_type(v, json_type_int)) {
        report(s, path, "expected an integer, got %s", scc_json_type_word(v));
        return -EINVAL;
    }
    /* json-c keeps integers above INT64_MAX as uint64, and get_int64
     * clamps those to INT64_MAX without a word */
    errno = 0;
    int64_t x = json_object_get_int64(v);
    bool over = x == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX;
    if (errno == ERANGE || over || x < min || x > max) {
        report(s, path, "%s is out of range %lld..%lld", json_object_to_json_string(v),
               (long long)min, (long long)max);
        return -EINVAL;
    }
    *out = x;
    return 1;
}

int scc_json_val_num(const struct scc_json_sink *s, const char *path, struct json_object *v,
                     double min, double max, double *out)
{
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
        report(s, path, "expected a number, got %s", scc_json_type_word(v));
        return -EINVAL;
    }
    double x = json_object_get_double(v);
    if (!(x >= min && x <= max)) {
        report(s, path, "%s is out of range %g..%g", json_object_to_json_string(v), min, max);
        return -EINVAL;
    }
    *out = x;
    return 1;
}

int scc_json_get_str(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                     const char *key, bool required, const char **out)
{
    char p[SCC_JSON_PATH_MAX];
    struct json_object *v = member(s, base, obj, key, required, p);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_string)) {
        report(s, p, "expected a string, got %s", scc_json_type_word(v));
        return -EINVAL;
    }
    *out = json_object_get_string(v);
    return 1;
}

int scc_json_get_int(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                     const char *key, bool required, int64_t min, int64_t max, int64_t *out)
{
    char p[SCC_JSON_PATH_MAX];
    struct json_object *v = member(s, base, obj, key, required, p);
    return v ? scc_json_val_int(s, p, v, min, max, out) : 0;
}

int scc_json_get_num(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                     const char *key, bool required, double min, double max, double *out)
{
    char p[SCC_JSON_PATH_MAX];
    struct json_object *v = member(s, base, obj, key, required, p);
    return v ? scc_json_val_num(s, p, v, min, max, out) : 0;
}

int scc_json_get_bool(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                      const char *key, bool required, bool *out)
{
    char p[SCC_JSON_PATH_MAX];
    struct json_object *v = member(s, base, obj, key, required, p);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_boolean)) {
        report(s, p, "expected true or false, got %s", scc_json_type_word(v));
        return -EINVAL;
    }
    *out = json_object_get_boolean(v);
    return 1;
}

int scc_json_get_enum(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                      const char *key, bool required, const char *const *names, int *out)
{
    const char *str = NULL;
    int r = scc_json_get_str(s, base, obj, key, required, &str);
    if (r <= 0)
        return r;
    size_t n = 0;
    for (; names[n]; n++)
        if (strcmp(str, names[n]) == 0) {
            *out = (int)n;
            return 1;
        }
    char p[SCC_JSON_PATH_MAX], list[256] = "";
    size_t off = 0;
    scc_json_path_key(p, base, key);
    for (size_t i = 0; i < n && off < sizeof(list); i++)
        off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", names[i]);
    const char *sug = scc_suggest(str, names, n);
    if (sug)
        report(s, p, "'%s' is not one of %s (did you mean '%s'?)", str, list, sug);
    else
        report(s, p, "'%s' is not one of %s", str, list);
    return -EINVAL;
}

static struct json_object *get_typed(const struct scc_json_sink *s, const char *base,
                                     struct json_object *obj, const char *key, bool required,
                                     json_type t, const char *word)
{
    char p[SCC_JSON_PATH_MAX];
    struct json_object *v = member(s, base, obj, key, required, p);
    if (v && !json_object_is_type(v, t)) {
        report(s, p, "expected %s, got %s", word, scc_json_type_word(v));
        return NULL;
    }
    return v;
}

struct json_object *scc_json_get_obj(const struct scc_json_sink *s, const char *base,
                                     struct json_object *obj, const char *key, bool required)
{
    return get_typed(s, base, obj, key, required, json_type_object, "an object");
}

struct json_object *scc_json_get_arr(const struct scc_json_sink *s, const char *base,
                                     struct json_object *obj, const char *key, bool required)
{
    return get_typed(s, base, obj, key, required, json_type_array, "an array");
}
