/*
 * Classifier — byte-pattern dispatch. Each pattern compiles to a list of
 * (offset, value, mask, negate) clauses over at most 16 bytes each; a
 * packet too short for a clause does not match it.
 */
#include "nfs/elements/classifier.h"
#include "nfs/nf_args.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"

#define CL_MAX_CLAUSES 8
#define CL_MAX_BYTES 16

struct cl_clause {
    uint32_t off, len;
    bool negate;
    uint8_t val[CL_MAX_BYTES], mask[CL_MAX_BYTES];
};

struct cl_pattern {
    int nclauses; /* 0 = `-` */
    struct cl_clause c[CL_MAX_CLAUSES];
};

struct cl_priv {
    int npat;
    struct cl_pattern *pat;
};

enum { CL_NOMATCH };
static const char *const cl_reasons[] = {"no pattern matched"};
NF_DROP_REASONS_FIT(cl_reasons);

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* hex string of exactly 2*len digits */
static int parse_hex(const char *s, size_t n, uint8_t *out, uint32_t *len)
{
    if (n == 0 || n % 2 || n / 2 > CL_MAX_BYTES)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int a = hexval(s[i]), b = hexval(s[i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i / 2] = (uint8_t)(a << 4 | b);
    }
    *len = (uint32_t)(n / 2);
    return 0;
}

static int parse_clause(const char *w, size_t n, struct cl_clause *c)
{
    char buf[96];
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, w, n);
    buf[n] = '\0';
    char *s = buf;
    if (*s == '!') {
        c->negate = true;
        s++;
    }
    char *slash = strchr(s, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    long off;
    if (nf_args_int(s, 0, 65535, &off) < 0)
        return -1;
    c->off = (uint32_t)off;
    char *v = slash + 1, *pct = strchr(v, '%');
    size_t vlen = pct ? (size_t)(pct - v) : strlen(v);
    if (parse_hex(v, vlen, c->val, &c->len) < 0)
        return -1;
    memset(c->mask, 0xff, sizeof(c->mask));
    if (pct) {
        uint32_t mlen;
        if (parse_hex(pct + 1, strlen(pct + 1), c->mask, &mlen) < 0 || mlen != c->len)
            return -1;
        for (uint32_t i = 0; i < c->len; i++)
            c->val[i] &= c->mask[i];
    }
    return 0;
}

static int cl_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen)
{
    struct cl_priv *p = e->priv;
    if (argc == 0)
        return nf_element_error(e, err, errlen, "Classifier needs at least one pattern");
    if (argc != e->nout)
        return nf_element_error(e, err, errlen, "%d pattern%s but %d output%s connected "
                                "(one output per pattern)", argc, argc == 1 ? "" : "s",
                                e->nout, e->nout == 1 ? "" : "s");
    p->pat = calloc((size_t)argc, sizeof(*p->pat));
    if (!p->pat)
        return -ENOMEM;
    p->npat = argc;
    for (int i = 0; i < argc; i++) {
        struct cl_pattern *pt = &p->pat[i];
        const char *s = argv[i];
        if (strcmp(s, "-") == 0)
            continue;
        while (*s) {
            while (isspace((unsigned char)*s))
                s++;
            if (!*s)
                break;
            const char *w = s;
            while (*s && !isspace((unsigned char)*s))
                s++;
            if (pt->nclauses == CL_MAX_CLAUSES)
                return nf_element_error(e, err, errlen, "pattern %d has more than %d clauses",
                                        i + 1, CL_MAX_CLAUSES);
            if (parse_clause(w, (size_t)(s - w), &pt->c[pt->nclauses]) < 0)
                return nf_element_error(e, err, errlen, "pattern %d: '%.*s' is not "
                                        "OFFSET/HEXVALUE[%%HEXMASK] (e.g. 12/0800; at most %d "
                                        "bytes, an even number of hex digits)", i + 1,
                                        (int)(s - w), w, CL_MAX_BYTES);
            pt->nclauses++;
        }
    }
    return 0;
}

static bool clause_match(const struct cl_clause *c, const struct nf_pkt *k)
{
    if ((uint64_t)c->off + c->len > k->len)
        return false; /* too short: neither equal nor, for '!', meaningfully different */
    bool eq = true;
    for (uint32_t i = 0; i < c->len && eq; i++)
        eq = (k->data[c->off + i] & c->mask[i]) == c->val[i];
    return c->negate ? !eq : eq;
}

static void cl_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    const struct cl_priv *p = e->priv;
    for (uint32_t i = 0; i < b->n; i++) {
        struct nf_pkt *k = b->pkts[i];
        int out = -1;
        for (int j = 0; j < p->npat && out < 0; j++) {
            bool m = true;
            for (int c = 0; c < p->pat[j].nclauses && m; c++)
                m = clause_match(&p->pat[j].c[c], k);
            if (m)
                out = j;
        }
        if (out < 0)
            nf_drop(e, CL_NOMATCH, k);
        else
            nf_push(e, out, k);
    }
}

static void cl_cleanup(struct nf_element *e, enum nf_stage reached)
{
    struct cl_priv *p = e->priv;
    free(p->pat);
    p->pat = NULL;
}

const struct nf_element_ops nf_classifier_ops = {
    .cls = "Classifier",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = -1,
    .priv_size = sizeof(struct cl_priv),
    .drop_reasons = cl_reasons,
    .ndrop_reasons = NF_NREASONS(cl_reasons),
    .configure = cl_configure,
    .process = cl_process,
    .cleanup = cl_cleanup,
};
