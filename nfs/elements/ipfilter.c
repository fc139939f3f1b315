/*
 * IPFilter — rules compile at configure time into one array of expression
 * nodes (a small tree per rule, built by recursive descent over the rule's
 * words); a packet's fields are extracted once and each rule's tree is
 * evaluated until one matches. No allocation after configure.
 */
#include "nfs/elements/ipfilter.h"
#include "nfs/nf_args.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"
#include "nfs/nf_csum.h"

enum node_kind { N_AND, N_OR, N_NOT, N_TRUE, N_PROTO, N_ADDR, N_PORT };
enum dir { D_EITHER, D_SRC, D_DST };

struct fnode {
    uint8_t kind, dir, proto; /* proto: for N_PORT 0 = tcp or udp */
    int a, b;                 /* children */
    uint32_t addr, mask;
    uint16_t plo, phi;
};

struct frule {
    int action; /* output port, or -1 = drop */
    int root;
};

struct ipf_priv {
    struct fnode *nodes;
    int nnodes, cap;
    struct frule *rules;
    int nrules;
};

enum { IPF_DENIED, IPF_NOMATCH, IPF_NOT_IP };
static const char *const ipf_reasons[] = {"denied by a rule", "no rule matched",
                                          "not an IPv4 frame"};
NF_DROP_REASONS_FIT(ipf_reasons);

/* ---- rule compiler ---- */

#define MAX_TOK 128
struct rp {
    char *tok[MAX_TOK];
    int ntok, pos;
    struct ipf_priv *p;
    char msg[160];
    bool nomem;
};

static const char *peek(struct rp *r) { return r->pos < r->ntok ? r->tok[r->pos] : NULL; }
static bool is(const char *t, const char *w) { return t && strcmp(t, w) == 0; }

static int rerr(struct rp *r, const char *fmt, const char *w)
{
    snprintf(r->msg, sizeof(r->msg), fmt, w ? w : "the end of the rule");
    return -1;
}

static int new_node(struct rp *r, int kind)
{
    struct ipf_priv *p = r->p;
    if (p->nnodes == p->cap) {
        int cap = p->cap ? p->cap * 2 : 32;
        void *n = realloc(p->nodes, (size_t)cap * sizeof(*p->nodes));
        if (!n) {
            r->nomem = true;
            snprintf(r->msg, sizeof(r->msg), "out of memory");
            return -1;
        }
        p->nodes = n;
        p->cap = cap;
    }
    memset(&p->nodes[p->nnodes], 0, sizeof(p->nodes[0]));
    p->nodes[p->nnodes].kind = (uint8_t)kind;
    p->nodes[p->nnodes].a = p->nodes[p->nnodes].b = -1;
    return p->nnodes++;
}

static int parse_proto_word(const char *w, uint8_t *proto)
{
    long v;
    if (is(w, "tcp"))
        *proto = NF_IPPROTO_TCP;
    else if (is(w, "udp"))
        *proto = NF_IPPROTO_UDP;
    else if (is(w, "icmp"))
        *proto = NF_IPPROTO_ICMP;
    else if (w && nf_args_int(w, 0, 255, &v) == 0)
        *proto = (uint8_t)v;
    else
        return -1;
    return 0;
}

static int parse_expr(struct rp *r);

static int parse_port(struct rp *r, uint8_t proto, uint8_t dir)
{
    const char *w = peek(r);
    if (!w)
        return rerr(r, "expected a port number after 'port', found %s", NULL);
    r->pos++;
    long lo, hi;
    int pr = nf_args_port_range(w, 0, 65535, &lo, &hi);
    if (pr == -EDOM)
        return rerr(r, "port range '%s' is empty (the first port is larger)", w);
    if (pr < 0)
        return rerr(r, "'%s' is not a port (0..65535) or a range P-Q", w);
    int n = new_node(r, N_PORT);
    if (n < 0)
        return -1;
    struct fnode *f = &r->p->nodes[n];
    f->proto = proto;
    f->dir = dir;
    f->plo = (uint16_t)lo;
    f->phi = (uint16_t)hi;
    return n;
}

static int parse_primitive(struct rp *r)
{
    const char *w = peek(r);
    uint8_t dir = D_EITHER, proto = 0;
    if (!w)
        return rerr(r, "expected a condition, found %s", NULL);
    if (is(w, "(")) {
        r->pos++;
        int n = parse_expr(r);
        if (n < 0)
            return -1;
        if (!is(peek(r), ")"))
            return rerr(r, "expected ')', found '%s'", peek(r));
        r->pos++;
        return n;
    }
    if (is(w, "all") || is(w, "true")) {
        r->pos++;
        return new_node(r, N_TRUE);
    }
    if (is(w, "ip")) {
        r->pos++;
        if (!is(peek(r), "proto"))
            return rerr(r, "expected 'proto' after 'ip', found '%s'", peek(r));
        r->pos++;
        if (parse_proto_word(peek(r), &proto) < 0)
            return rerr(r, "'%s' is not a protocol (tcp, udp, icmp or 0..255)", peek(r));
        r->pos++;
        int n = new_node(r, N_PROTO);
        if (n >= 0)
            r->p->nodes[n].proto = proto;
        return n;
    }
    if (is(w, "tcp") || is(w, "udp") || is(w, "icmp")) {
        parse_proto_word(w, &proto);
        r->pos++;
        const char *nx = peek(r);
        if (proto != NF_IPPROTO_ICMP && (is(nx, "src") || is(nx, "dst") || is(nx, "port"))) {
            if (!is(nx, "port")) {
                dir = is(nx, "src") ? D_SRC : D_DST;
                r->pos++;
                if (!is(peek(r), "port"))
                    return rerr(r, "expected 'port' after 'tcp|udp src|dst', found '%s'", peek(r));
            }
            r->pos++;
            return parse_port(r, proto, dir);
        }
        int n = new_node(r, N_PROTO);
        if (n >= 0)
            r->p->nodes[n].proto = proto;
        return n;
    }
    if (is(w, "src") || is(w, "dst")) {
        dir = is(w, "src") ? D_SRC : D_DST;
        r->pos++;
        w = peek(r);
        if (!is(w, "host") && !is(w, "net") && !is(w, "port"))
            return rerr(r, "expected 'host', 'net' or 'port' after src/dst, found '%s'", w);
    }
    if (is(w, "port")) {
        r->pos++;
        return parse_port(r, 0, dir);
    }
    if (is(w, "host") || is(w, "net")) {
        bool net = is(w, "net");
        r->pos++;
        const char *a = peek(r);
        uint32_t addr;
        int len = 32;
        if (!a)
            return rerr(r, "expected an address, found %s", NULL);
        if (net ? nf_args_prefix(a, &addr, &len) < 0 : nf_args_ipv4(a, &addr) < 0)
            return rerr(r, net ? "'%s' is not a network (like 10.0.0.0/8)"
                               : "'%s' is not an IPv4 address", a);
        r->pos++;
        int n = new_node(r, N_ADDR);
        if (n < 0)
            return -1;
        struct fnode *f = &r->p->nodes[n];
        f->dir = dir;
        f->mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
        f->addr = addr & f->mask;
        return n;
    }
    return rerr(r, "unknown word '%s' (expected host, net, port, tcp, udp, icmp, ip proto, "
                   "all, not or '(')", w);
}

static int parse_not(struct rp *r)
{
    if (is(peek(r), "not") || is(peek(r), "!")) {
        r->pos++;
        int c = parse_not(r);
        if (c < 0)
            return -1;
        int n = new_node(r, N_NOT);
        if (n >= 0)
            r->p->nodes[n].a = c;
        return n;
    }
    return parse_primitive(r);
}

/* One level of binary operators, left-associative: N_AND ("and", "&&")
 * over "not" terms, N_OR ("or", "||") over N_AND levels, so "and" binds
 * tighter than "or" as in tcpdump. */
static int parse_binary(struct rp *r, int kind)
{
    const char *word = kind == N_AND ? "and" : "or";
    const char *sym = kind == N_AND ? "&&" : "||";
    int left = kind == N_AND ? parse_not(r) : parse_binary(r, N_AND);
    while (left >= 0 && (is(peek(r), word) || is(peek(r), sym))) {
        r->pos++;
        int right = kind == N_AND ? parse_not(r) : parse_binary(r, N_AND);
        if (right < 0)
            return -1;
        int n = new_node(r, kind);
        if (n < 0)
            return -1;
        r->p->nodes[n].a = left;
        r->p->nodes[n].b = right;
        left = n;
    }
    return left;
}

static int parse_expr(struct rp *r) { return parse_binary(r, N_OR); }

/* Split a rule into words, copied NUL-separated into out (room for
 * 2 * strlen(in) + 1 bytes); '(', ')', '!', "&&" and "||" are words of their
 * own even when glued to their neighbours ("(udp)&&!tcp"). */
static bool is_op(const char *s)
{
    return (s[0] == '&' && s[1] == '&') || (s[0] == '|' && s[1] == '|');
}

static int tokenize(const char *in, char *out, struct rp *r)
{
    const char *s = in;
    char *o = out;
    while (*s) {
        if (isspace((unsigned char)*s)) {
            s++;
            continue;
        }
        if (r->ntok == MAX_TOK)
            return -1;
        r->tok[r->ntok++] = o;
        if (*s == '(' || *s == ')' || *s == '!') {
            *o++ = *s++;
        } else if (is_op(s)) {
            *o++ = *s++;
            *o++ = *s++;
        } else {
            while (*s && !isspace((unsigned char)*s) && *s != '(' && *s != ')' && !is_op(s))
                *o++ = *s++;
        }
        *o++ = '\0';
    }
    return 0;
}

static int ipf_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen)
{
    struct ipf_priv *p = e->priv;
    if (argc == 0)
        return nf_element_error(e, err, errlen, "IPFilter needs at least one rule "
                                "(e.g. 'allow udp dst port 5000, deny all')");
    p->rules = calloc((size_t)argc, sizeof(*p->rules));
    if (!p->rules)
        return -ENOMEM;
    int maxout = 0;
    for (int i = 0; i < argc; i++) {
        size_t len = strlen(argv[i]);
        char *buf = malloc(2 * len + 2); /* every character may end a word */
        if (!buf)
            return -ENOMEM;
        struct rp r = {.p = p};
        if (tokenize(argv[i], buf, &r) < 0) {
            free(buf);
            return nf_element_error(e, err, errlen, "rule %d is longer than %d words", i + 1,
                                    MAX_TOK);
        }
        const char *act = peek(&r);
        long port;
        if (is(act, "allow"))
            p->rules[i].action = 0;
        else if (is(act, "deny") || is(act, "drop"))
            p->rules[i].action = -1;
        else if (act && nf_args_int(act, 0, NF_MAX_PORTS - 1, &port) == 0)
            p->rules[i].action = (int)port;
        else {
            int rc = nf_element_error(e, err, errlen, "rule %d '%s': '%s' is not an action "
                                      "(allow, deny, drop or an output number)", i + 1,
                                      argv[i], act ? act : "");
            free(buf);
            return rc;
        }
        r.pos = 1;
        int root = parse_expr(&r);
        if (root >= 0 && r.pos < r.ntok) {
            rerr(&r, is(peek(&r), ")") ? "unbalanced '%s'"
                                       : "expected 'and' or 'or' before '%s'", peek(&r));
            root = -1;
        }
        if (root < 0) {
            int rc = r.nomem ? -ENOMEM
                             : nf_element_error(e, err, errlen, "rule %d '%s': %s", i + 1,
                                                argv[i], r.msg);
            free(buf);
            return rc;
        }
        free(buf);
        p->rules[i].root = root;
        p->nrules++;
        if (p->rules[i].action > maxout)
            maxout = p->rules[i].action;
    }
    if (e->nout < maxout + 1)
        return nf_element_error(e, err, errlen, "a rule sends to output %d, but only %d "
                                "output%s connected", maxout, e->nout,
                                e->nout == 1 ? " is" : "s are");
    return 0;
}

/* ---- matching ---- */

struct pfields {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t proto;
    bool ports;
};

static bool eval(const struct fnode *nodes, int i, const struct pfields *f)
{
    const struct fnode *n = &nodes[i];
    switch (n->kind) {
    case N_AND:
        return eval(nodes, n->a, f) && eval(nodes, n->b, f);
    case N_OR:
        return eval(nodes, n->a, f) || eval(nodes, n->b, f);
    case N_NOT:
        return !eval(nodes, n->a, f);
    case N_TRUE:
        return true;
    case N_PROTO:
        return f->proto == n->proto;
    case N_ADDR:
        return (n->dir != D_DST && (f->src & n->mask) == n->addr) ||
               (n->dir != D_SRC && (f->dst & n->mask) == n->addr);
    case N_PORT:
        if (!f->ports || (n->proto && n->proto != f->proto))
            return false;
        return (n->dir != D_DST && f->sport >= n->plo && f->sport <= n->phi) ||
               (n->dir != D_SRC && f->dport >= n->plo && f->dport <= n->phi);
    }
    return false;
}

static void ipf_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    const struct ipf_priv *p = e->priv;
    for (uint32_t i = 0; i < b->n; i++) {
        struct nf_pkt *k = b->pkts[i];
        if (k->len < NF_ETH_HLEN + 20 || nf_get16(k->data + 12) != NF_ETHERTYPE_IPV4) {
            nf_drop(e, IPF_NOT_IP, k);
            continue;
        }
        const uint8_t *ip = k->data + NF_IP_OFF;
        uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4;
        if (hl < 20 || NF_ETH_HLEN + hl > k->len) {
            nf_drop(e, IPF_NOT_IP, k);
            continue;
        }
        struct pfields f = {.src = nf_get32(ip + 12), .dst = nf_get32(ip + 16), .proto = ip[9]};
        bool first_frag = (nf_get16(ip + 6) & 0x1fff) == 0;
        if ((f.proto == NF_IPPROTO_TCP || f.proto == NF_IPPROTO_UDP) && first_frag &&
            NF_ETH_HLEN + hl + 4 <= k->len) {
            f.ports = true;
            f.sport = nf_get16(ip + hl);
            f.dport = nf_get16(ip + hl + 2);
        }
        int action = -2;
        for (int r = 0; r < p->nrules && action == -2; r++)
            if (eval(p->nodes, p->rules[r].root, &f))
                action = p->rules[r].action;
        if (action >= 0)
            nf_push(e, action, k);
        else
            nf_drop(e, action == -1 ? IPF_DENIED : IPF_NOMATCH, k);
    }
}

static void ipf_cleanup(struct nf_element *e, enum nf_stage reached)
{
    struct ipf_priv *p = e->priv;
    free(p->nodes);
    free(p->rules);
    p->nodes = NULL;
    p->rules = NULL;
}

const struct nf_element_ops nf_ipfilter_ops = {
    .cls = "IPFilter",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = -1,
    .priv_size = sizeof(struct ipf_priv),
    .drop_reasons = ipf_reasons,
    .ndrop_reasons = NF_NREASONS(ipf_reasons),
    .configure = ipf_configure,
    .process = ipf_process,
    .cleanup = ipf_cleanup,
};
