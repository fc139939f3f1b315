/*
 * nf_parse — a small recursive-descent parser for Click-style pipelines.
 * See nf_parse.h for the language. The parser works on one pass over the
 * string with a cursor; every error carries the column where it was found,
 * because users type these strings by hand inside JSON.
 */
#include "nfs/nf_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"

/* Elements are parsed (linearly) past NF_MAX_ELEMENTS, so the refusal can
 * say how many there are, up to this ceiling on memory. */
#define NF_PARSE_CEILING (64 * NF_MAX_ELEMENTS)

struct parser {
    const char *text;
    const char *p;
    struct nf_conf *conf;
    int cap_elems, cap_conns;
    int *names;       /* open-addressing hash of element names -> index, -1 empty */
    unsigned nnames;  /* slots, a power of two, at least twice the elements */
    int anon_seq;
    char *err;
    size_t errlen;
    bool nomem;
};

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
    char col[24];
    snprintf(col, sizeof(col), "col %d", (int)(at - ps->text) + 1);
    va_list ap;
    va_start(ap, fmt);
    int rc = scc_verrf(ps->err, ps->errlen, col, fmt, ap);
    va_end(ap);
    return rc;
}

static void skip_ws(struct parser *ps)
{
    for (;;) {
        while (isspace((unsigned char)*ps->p))
            ps->p++;
        if (ps->p[0] == '/' && ps->p[1] == '/') {
            while (*ps->p && *ps->p != '\n')
                ps->p++;
            continue;
        }
        if (ps->p[0] == '/' && ps->p[1] == '*') {
            const char *e = strstr(ps->p + 2, "*/");
            ps->p = e ? e + 2 : ps->p + strlen(ps->p);
            continue;
        }
        return;
    }
}

static bool is_ident_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool is_ident(char c) { return isalnum((unsigned char)c) || c == '_' || c == '@'; }

static int read_ident(struct parser *ps, char *buf, size_t len)
{
    const char *s = ps->p;
    if (!is_ident_start(*s))
        return -1;
    while (is_ident(*ps->p))
        ps->p++;
    size_t n = (size_t)(ps->p - s);
    if (n >= len)
        return fail(ps, s, "name '%.*s' is longer than %zu characters", (int)n, s, len - 1);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return 0;
}

/* "[n]" port selector; returns 0 and *port, 1 when absent, <0 on error. */
static int read_port(struct parser *ps, int *port)
{
    skip_ws(ps);
    if (*ps->p != '[')
        return 1;
    const char *start = ps->p++;
    skip_ws(ps);
    if (!isdigit((unsigned char)*ps->p))
        return fail(ps, ps->p, "expected a port number inside '[ ]'");
    long v = 0;
    while (isdigit((unsigned char)*ps->p)) {
        v = v * 10 + (*ps->p++ - '0');
        if (v > 255)
            return fail(ps, start, "port number is larger than 255");
    }
    skip_ws(ps);
    if (*ps->p != ']')
        return fail(ps, ps->p, "expected ']' to close the port selector");
    ps->p++;
    *port = (int)v;
    return 0;
}

/* Top-level arguments in args (as split_args splits them), counted without
 * copying, so that a refusal can name the count. */
static size_t count_args(const char *args)
{
    size_t n = 0;
    int depth = 0;
    bool quote = false, text = false;
    for (const char *q = args;; q++) {
        if (*q == '"')
            quote = !quote;
        else if (!quote && *q == '(')
            depth++;
        else if (!quote && *q == ')')
            depth--;
        if (*q == '\0' || (*q == ',' && depth == 0 && !quote)) {
            if (text || *q == ',' || n > 0)
                n++;
            if (*q == '\0')
                return n;
            text = false;
        } else if (!isspace((unsigned char)*q)) {
            text = true;
        }
    }
}

static int split_args(struct parser *ps, struct nf_conf_elem *e, const char *at)
{
    /* the raw text is already copied; split a second copy in place */
    size_t n = strlen(e->args);
    size_t nargs = count_args(e->args);
    if (nargs > NF_MAX_ARGS)
        return fail(ps, at, "%s has %zu arguments (rules, routes or patterns); the limit is %d "
                    "per element", e->cls, nargs, NF_MAX_ARGS);
    char *buf = malloc(n + 1);
    /* argv sized by the count, not a fixed NF_MAX_ARGS array: a router's
     * route list can be long */
    size_t slots = nargs ? nargs : 1;
    e->argv = calloc(slots, sizeof(char *));
    if (!buf || !e->argv) {
        free(buf);
        ps->nomem = true;
        return -ENOMEM;
    }
    memcpy(buf, e->args, n + 1);
    int depth = 0;
    bool quote = false;
    char *start = buf;
    for (char *q = buf;; q++) {
        if (*q == '"')
            quote = !quote;
        else if (!quote && *q == '(')
            depth++;
        else if (!quote && *q == ')')
            depth--;
        if (*q == '\0' || (*q == ',' && depth == 0 && !quote)) {
            bool end = *q == '\0';
            *q = '\0';
            while (isspace((unsigned char)*start))
                start++;
            char *t = start + strlen(start);
            while (t > start && isspace((unsigned char)t[-1]))
                *--t = '\0';
            if (*start || !end || e->argc > 0) {
                if (!*start) {
                    free(buf);
                    return fail(ps, at, "empty argument in %s(...)", e->cls);
                }
                if (e->argc >= NF_MAX_ARGS) {
                    free(buf);
                    return fail(ps, at, "%s has more than %d arguments", e->cls, NF_MAX_ARGS);
                }
                e->argv[e->argc] = strdup(start);
                if (!e->argv[e->argc]) {
                    free(buf);
                    ps->nomem = true;
                    return -ENOMEM;
                }
                e->argc++;
            }
            if (end)
                break;
            start = q + 1;
        }
    }
    free(buf);
    return 0;
}

/* Element names live in an open-addressing hash table (linear probing,
 * FNV-1a), so resolving a reference is O(1): a linear search here made a
 * pipeline of n elements cost O(n^2) to parse (100k elements: minutes). */
static unsigned name_slot(const struct parser *ps, const char *name)
{
    return scc_fnv1a(SCC_FNV1A_INIT, name, strlen(name)) & (ps->nnames - 1);
}

static int find_elem(const struct parser *ps, const char *name)
{
    if (!ps->nnames)
        return -1;
    for (unsigned h = name_slot(ps, name);; h = (h + 1) & (ps->nnames - 1)) {
        int i = ps->names[h];
        if (i < 0)
            return -1;
        if (strcmp(ps->conf->elems[i].name, name) == 0)
            return i;
    }
}

static void name_put(struct parser *ps, int idx)
{
    unsigned h = name_slot(ps, ps->conf->elems[idx].name);
    while (ps->names[h] >= 0)
        h = (h + 1) & (ps->nnames - 1);
    ps->names[h] = idx;
}

/* Room for one more name: keep the table at most half full. */
static int names_reserve(struct parser *ps)
{
    unsigned need = 2u * (unsigned)(ps->conf->nelems + 1);
    if (ps->nnames >= need)
        return 0;
    unsigned n = ps->nnames ? ps->nnames : 16;
    while (n < need)
        n *= 2;
    int *t = malloc(n * sizeof(*t));
    if (!t) {
        ps->nomem = true;
        return -ENOMEM;
    }
    memset(t, 0xff, n * sizeof(*t));
    free(ps->names);
    ps->names = t;
    ps->nnames = n;
    for (int i = 0; i < ps->conf->nelems; i++)
        name_put(ps, i);
    return 0;
}

static int add_elem(struct parser *ps, const char *name, const char *cls, const char *at)
{
    struct nf_conf *c = ps->conf;
    if (c->nelems == NF_PARSE_CEILING)
        return fail(ps, at, "the pipeline has more than %d elements; the limit is %d",
                    NF_PARSE_CEILING, NF_MAX_ELEMENTS);
    if (names_reserve(ps) < 0)
        return -ENOMEM;
    if (c->nelems == ps->cap_elems) {
        int cap = ps->cap_elems ? ps->cap_elems * 2 : 8;
        void *n = realloc(c->elems, (size_t)cap * sizeof(*c->elems));
        if (!n) {
            ps->nomem = true;
            return -ENOMEM;
        }
        c->elems = n;
        ps->cap_elems = cap;
    }
    struct nf_conf_elem *e = &c->elems[c->nelems];
    memset(e, 0, sizeof(*e));
    scc_strlcpy(e->cls, cls, sizeof(e->cls));
    if (name) {
        scc_strlcpy(e->name, name, sizeof(e->name));
    } else {
        char tmp[NF_NAME_MAX * 2];
        snprintf(tmp, sizeof(tmp), "%s@%d", cls, ++ps->anon_seq);
        scc_strlcpy(e->name, tmp, sizeof(e->name));
    }
    e->col = (int)(at - ps->text) + 1;
    name_put(ps, c->nelems);
    return c->nelems++;
}

/* Optional "(args)"; sets e->args. */
static int read_args(struct parser *ps, int idx)
{
    skip_ws(ps);
    if (*ps->p != '(')
        return 0;
    const char *open = ps->p++;
    const char *s = ps->p;
    int depth = 1;
    bool quote = false;
    for (; *ps->p; ps->p++) {
        if (*ps->p == '"')
            quote = !quote;
        else if (!quote && *ps->p == '(')
            depth++;
        else if (!quote && *ps->p == ')' && --depth == 0)
            break;
    }
    if (depth != 0)
        return fail(ps, open, "unclosed '(' in the arguments of %s", ps->conf->elems[idx].cls);
    size_t n = (size_t)(ps->p - s);
    ps->p++; /* ')' */
    struct nf_conf_elem *e = &ps->conf->elems[idx];
    e->args = malloc(n + 1);
    if (!e->args) {
        ps->nomem = true;
        return -ENOMEM;
    }
    memcpy(e->args, s, n);
    e->args[n] = '\0';
    return split_args(ps, e, open);
}

/* One element reference in a chain; returns its index or <0. */
static int read_element(struct parser *ps)
{
    skip_ws(ps);
    const char *at = ps->p;
    char id[NF_NAME_MAX];
    if (!*ps->p)
        return fail(ps, at, "expected an element, found the end of the text");
    int rc = read_ident(ps, id, sizeof(id));
    if (rc == -1)
        return fail(ps, at, "expected an element name, found '%c'", *at);
    if (rc < 0)
        return rc;
    skip_ws(ps);
    if (ps->p[0] == ':' && ps->p[1] == ':') {
        ps->p += 2;
        skip_ws(ps);
        const char *cat = ps->p;
        char cls[NF_NAME_MAX];
        rc = read_ident(ps, cls, sizeof(cls));
        if (rc == -1)
            return fail(ps, cat, "expected an element class after '%s ::'", id);
        if (rc < 0)
            return rc;
        if (find_elem(ps, id) >= 0)
            return fail(ps, at, "element '%s' is declared twice", id);
        int idx = add_elem(ps, id, cls, cat);
        if (idx < 0)
            return idx;
        rc = read_args(ps, idx);
        return rc < 0 ? rc : idx;
    }
    int idx = find_elem(ps, id);
    if (idx >= 0) {
        skip_ws(ps);
        if (*ps->p == '(')
            return fail(ps, ps->p, "'%s' names a declared element; arguments go in its declaration", id);
        return idx;
    }
    idx = add_elem(ps, NULL, id, at);
    if (idx < 0)
        return idx;
    rc = read_args(ps, idx);
    return rc < 0 ? rc : idx;
}

static int add_conn(struct parser *ps, int from, int fport, int to, int tport)
{
    struct nf_conf *c = ps->conf;
    if (c->nconns == ps->cap_conns) {
        int cap = ps->cap_conns ? ps->cap_conns * 2 : 8;
        void *n = realloc(c->conns, (size_t)cap * sizeof(*c->conns));
        if (!n) {
            ps->nomem = true;
            return -ENOMEM;
        }
        c->conns = n;
        ps->cap_conns = cap;
    }
    c->conns[c->nconns++] = (struct nf_conf_conn){from, fport, to, tport};
    return 0;
}

static int read_statement(struct parser *ps)
{
    int in_port = 0, out_port = 0, rc;
    const char *at;
    rc = read_port(ps, &in_port);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return fail(ps, ps->p, "a statement cannot start with an input port");
    int prev = read_element(ps);
    if (prev < 0)
        return prev;
    for (;;) {
        out_port = 0;
        rc = read_port(ps, &out_port);
        if (rc < 0)
            return rc;
        skip_ws(ps);
        at = ps->p;
        if (ps->p[0] != '-' || ps->p[1] != '>') {
            if (rc == 0)
                return fail(ps, at, "an output port must be followed by '->'");
            return 0;
        }
        ps->p += 2;
        skip_ws(ps);
        in_port = 0;
        rc = read_port(ps, &in_port);
        if (rc < 0)
            return rc;
        skip_ws(ps);
        if (!*ps->p || *ps->p == ';')
            return fail(ps, at, "expected an element after '->'");
        int next = read_element(ps);
        if (next < 0)
            return next;
        rc = add_conn(ps, prev, out_port, next, in_port);
        if (rc < 0)
            return rc;
        prev = next;
    }
}

void nf_conf_free(struct nf_conf *conf)
{
    if (!conf)
        return;
    for (int i = 0; i < conf->nelems; i++) {
        struct nf_conf_elem *e = &conf->elems[i];
        free(e->args);
        if (e->argv)
            for (int a = 0; a < e->argc; a++)
                free(e->argv[a]);
        free(e->argv);
    }
    free(conf->elems);
    free(conf->conns);
    free(conf);
}

int nf_conf_parse(const char *text, struct nf_conf **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    struct parser ps = {.text = text, .p = text, .err = err, .errlen = errlen};
    ps.conf = calloc(1, sizeof(*ps.conf));
    if (!ps.conf)
        return -ENOMEM;
    int rc = 0;
    for (;;) {
        skip_ws(&ps);
        if (!*ps.p)
            break;
        if (*ps.p == ';') {
            ps.p++;
            continue;
        }
        rc = read_statement(&ps);
        if (rc < 0)
            break;
        skip_ws(&ps);
        if (*ps.p && *ps.p != ';') {
            rc = fail(&ps, ps.p, "unexpected '%c' (statements are separated by ';')", *ps.p);
            break;
        }
    }
    if (rc == 0 && ps.conf->nelems == 0)
        rc = fail(&ps, text, "the pipeline is empty");
    if (rc == 0 && ps.conf->nelems > NF_MAX_ELEMENTS)
        rc = scc_errf(err, errlen, "the pipeline has %d elements; the limit is %d (split it "
                      "into several NFs)", ps.conf->nelems, NF_MAX_ELEMENTS);
    free(ps.names);
    if (ps.nomem)
        rc = -ENOMEM;
    if (rc < 0) {
        if (rc == -ENOMEM && err && errlen)
            scc_strlcpy(err, "out of memory", errlen);
        nf_conf_free(ps.conf);
        return rc;
    }
    *out = ps.conf;
    return 0;
}
