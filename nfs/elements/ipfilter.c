/*
 * IPFilter — rules compile at configure time into one array of expression
 * nodes (a small tree per rule, built by recursive descent over the rule's
 * words); a packet's fields are extracted once and each rule's tree is
 * evaluated until one matches. No allocation after configure.
 *
 * STATEFUL: a flow table sized at configure time (MAXFLOWS entries, a free
 * list, two chained hashes with O(1) unlinking: one by 5-tuple, one by
 * (proto, address pair) for non-first fragments). Forward frames that the
 * rules allow create or refresh their flow; return-path frames
 * (nf_element_dir) never see the rules: they pass when they are a reply of
 * a live flow, an ICMP error quoting one (RELATED), or a later fragment
 * between the addresses of one; the rest is dropped as "no-flow".
 * Bounded like the NAT (nat.c, issue 16): the hash seed is secret, and a
 * full table costs a new flow one sweep step of at most IPF_SWEEP_BUDGET
 * entries, which frees the expired ones it meets and otherwise evicts the
 * least recently seen entry among them (an unreplied one first, then an
 * established one), counted. Only forward frames the rules allow create
 * entries, so the far side cannot fill the table.
 */
#include "nfs/elements/ipfilter.h"
#include "nfs/nf_args.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include "common/scc_util.h"
#include "nfs/nf_csum.h"

#define IPF_MAX_FLOWS (1u << 20)
#define IPF_SWEEP_BUDGET 64              /* table entries one new flow may examine */
#define IPF_FRAG_PROBES 64               /* pair-chain entries a later fragment may examine */
#define IPF_LINGER_NS (10ull * 1000000000ull) /* after FIN both ways */

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

/* One flow, keyed by its forward 5-tuple (ICMP echo: the identifier as
 * sport, dport 0; other protocols: ports 0). */
struct ipf_flow {
    uint32_t src, dst;           /* host order, as the forward frames carry them */
    uint16_t sport, dport;
    uint8_t proto, used;
    uint8_t replied;             /* a return-path frame matched it */
    uint8_t fin;                 /* TCP: FIN_FWD | FIN_RET | RST_SEEN */
    uint64_t seen_ns, expires_ns;
    int32_t next, prev;          /* 5-tuple chain (next: also the free list) */
    int32_t pnext, pprev;        /* (proto, address pair) chain */
};

struct ipf_priv {
    struct fnode *nodes;
    int nnodes, cap;
    struct frule *rules;
    int nrules;
    /* STATEFUL */
    bool stateful;
    uint64_t tcp_ns, udp_ns, icmp_ns; /* idle timeouts; udp_ns also for other protocols */
    uint32_t maxflows, nbuckets, active, sweep_cursor;
    int32_t last;                     /* the flow found last: a batch is mostly one flow */
    uint64_t seed;
    struct ipf_flow *flows;
    int32_t *buckets, *pbuckets;
    int32_t free_head;
};

enum { IPF_DENIED, IPF_NOMATCH, IPF_NOT_IP, IPF_NO_FLOW, IPF_TRUNCATED, IPF_EVICTED_NEW,
       IPF_EVICTED_EST, IPF_RECLAIMED, IPF_SWEEPS };
static const char *const ipf_reasons[] = {
    "denied by a rule", "no rule matched", "not an IPv4 frame",
    "no-flow: return-path frame of no live flow", "truncated L4 header (return path)",
    "evicted: unreplied flow (table full)", "evicted: established flow (table full)",
    "expired flow reclaimed", "sweep steps (64 entries each, table full)",
};
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

/* The state-table keywords: upper case, so that no rule (whose first word
 * is a lower-case action or a number) reads as one. */
static const char *const ipf_keys[] = {"STATEFUL", "TIMEOUT", "TCP_TIMEOUT", "UDP_TIMEOUT",
                                       "ICMP_TIMEOUT", "MAXFLOWS", NULL};

static int keyword_of(const char *arg)
{
    size_t w = strcspn(arg, " \t");
    for (int k = 0; ipf_keys[k]; k++)
        if (strlen(ipf_keys[k]) == w && strncmp(arg, ipf_keys[k], w) == 0)
            return k;
    return -1;
}

static int ipf_keyword(struct nf_element *e, struct ipf_priv *p, int k, int i, const char *arg,
                       long *maxflows, char *err, size_t errlen)
{
    if (k == 0) { /* STATEFUL */
        if (arg[strcspn(arg, " \t")] != '\0')
            return nf_element_error(e, err, errlen, "argument %d '%s': STATEFUL takes no value",
                                    i + 1, arg);
        p->stateful = true;
        return 0;
    }
    const char *v;
    long n;
    if (nf_args_keyword(arg, ipf_keys, &v) != k)
        return nf_element_error(e, err, errlen, "argument %d '%s': expected %s VALUE", i + 1, arg,
                                ipf_keys[k]);
    if (k == 5) {
        if (nf_args_int(v, 1, IPF_MAX_FLOWS, maxflows) < 0)
            return nf_element_error(e, err, errlen, "MAXFLOWS '%s' is not a number in 1..%u", v,
                                    IPF_MAX_FLOWS);
        return 0;
    }
    if (nf_args_int(v, 1, 86400, &n) < 0)
        return nf_element_error(e, err, errlen, "%s '%s' is not a number of seconds in "
                                "1..86400", ipf_keys[k], v);
    uint64_t ns = (uint64_t)n * 1000000000ull;
    if (k == 1 || k == 2)
        p->tcp_ns = ns;
    if (k == 1 || k == 3)
        p->udp_ns = ns;
    if (k == 1 || k == 4)
        p->icmp_ns = ns;
    return 0;
}

static int flows_alloc(struct nf_element *e, struct ipf_priv *p, uint32_t maxflows)
{
    p->maxflows = maxflows;
    p->nbuckets = 1;
    while (p->nbuckets < maxflows)
        p->nbuckets <<= 1;
    p->flows = calloc(maxflows, sizeof(*p->flows));
    p->buckets = malloc(p->nbuckets * sizeof(*p->buckets));
    p->pbuckets = malloc(p->nbuckets * sizeof(*p->pbuckets));
    if (!p->flows || !p->buckets || !p->pbuckets)
        return -ENOMEM;
    memset(p->buckets, 0xff, p->nbuckets * sizeof(*p->buckets));
    memset(p->pbuckets, 0xff, p->nbuckets * sizeof(*p->pbuckets));
    for (uint32_t i = 0; i < maxflows; i++)
        p->flows[i].next = i + 1 < maxflows ? (int32_t)(i + 1) : -1;
    p->free_head = 0;
    /* a secret per-instance seed (see nat.c): getrandom(2) at configure
     * time, before scc-nf's seccomp filter; never blocks */
    if (getrandom(&p->seed, sizeof(p->seed), GRND_NONBLOCK) != (ssize_t)sizeof(p->seed))
        p->seed = scc_now_ns() * 0x9e3779b97f4a7c15ull ^ (uintptr_t)p ^ (uintptr_t)e;
    return 0;
}

static int ipf_configure(struct nf_element *e, int argc, char **argv, char *err, size_t errlen)
{
    struct ipf_priv *p = e->priv;
    p->rules = calloc((size_t)argc + 1, sizeof(*p->rules));
    if (!p->rules)
        return -ENOMEM;
    /* conntrack-like idle timeouts, shorter where conntrack's are days */
    p->tcp_ns = 300ull * 1000000000ull;
    p->udp_ns = p->icmp_ns = 30ull * 1000000000ull;
    long maxflows = 65536;
    bool state_keys = false;
    int maxout = 0;
    for (int a = 0; a < argc; a++) {
        int k = keyword_of(argv[a]);
        if (k < 0)
            continue;
        int rc = ipf_keyword(e, p, k, a, argv[a], &maxflows, err, errlen);
        if (rc < 0)
            return rc;
        state_keys |= k != 0;
    }
    if (state_keys && !p->stateful)
        return nf_element_error(e, err, errlen, "TIMEOUT and MAXFLOWS set the flow table of "
                                "STATEFUL: add STATEFUL, or drop them");
    for (int a = 0; a < argc; a++) {
        if (keyword_of(argv[a]) >= 0)
            continue;
        int i = p->nrules; /* rules are numbered without the keywords */
        size_t len = strlen(argv[a]);
        char *buf = malloc(2 * len + 2); /* every character may end a word */
        if (!buf)
            return -ENOMEM;
        struct rp r = {.p = p};
        if (tokenize(argv[a], buf, &r) < 0) {
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
                                      argv[a], act ? act : "");
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
                                                argv[a], r.msg);
            free(buf);
            return rc;
        }
        free(buf);
        p->rules[i].root = root;
        p->nrules++;
        if (p->rules[i].action > maxout)
            maxout = p->rules[i].action;
    }
    if (p->nrules == 0)
        return nf_element_error(e, err, errlen, "IPFilter needs at least one rule "
                                "(e.g. 'allow udp dst port 5000, deny all')");
    if (e->nout < maxout + 1)
        return nf_element_error(e, err, errlen, "a rule sends to output %d, but only %d "
                                "output%s connected", maxout, e->nout,
                                e->nout == 1 ? " is" : "s are");
    return p->stateful ? flows_alloc(e, p, (uint32_t)maxflows) : 0;
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

/* ---- flow state (STATEFUL) ---- */

static uint64_t mix(uint64_t h)
{
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint32_t hash5(const struct ipf_priv *p, uint8_t proto, uint32_t src, uint16_t sport,
                      uint32_t dst, uint16_t dport)
{
    uint64_t h = p->seed ^ ((uint64_t)src << 32 | dst);
    h ^= (uint64_t)sport << 24 | (uint64_t)dport << 8 | proto;
    return (uint32_t)mix(h) & (p->nbuckets - 1);
}

static uint32_t hash_pair(const struct ipf_priv *p, uint8_t proto, uint32_t src, uint32_t dst)
{
    return (uint32_t)mix(p->seed ^ mix((uint64_t)src << 32 | dst) ^ proto) & (p->nbuckets - 1);
}

static void flow_free(struct ipf_priv *p, int32_t i)
{
    struct ipf_flow *f = &p->flows[i];
    if (f->prev >= 0)
        p->flows[f->prev].next = f->next;
    else
        p->buckets[hash5(p, f->proto, f->src, f->sport, f->dst, f->dport)] = f->next;
    if (f->next >= 0)
        p->flows[f->next].prev = f->prev;
    if (f->pprev >= 0)
        p->flows[f->pprev].pnext = f->pnext;
    else
        p->pbuckets[hash_pair(p, f->proto, f->src, f->dst)] = f->pnext;
    if (f->pnext >= 0)
        p->flows[f->pnext].pprev = f->pprev;
    f->used = 0;
    f->next = p->free_head;
    p->free_head = i;
    p->active--;
}

static bool flow_is(const struct ipf_flow *f, uint8_t proto, uint32_t src, uint16_t sport,
                    uint32_t dst, uint16_t dport)
{
    return f->src == src && f->dst == dst && f->sport == sport && f->dport == dport &&
           f->proto == proto;
}

/* The entry of a forward 5-tuple, or -1. The flow found last is tried
 * first, before hashing: a batch of a TCP stream is one flow (its
 * entry may have been freed since: then `used` is 0, or the slot holds
 * another tuple, and the hash decides). */
static int32_t flow_find(struct ipf_priv *p, uint8_t proto, uint32_t src, uint16_t sport,
                         uint32_t dst, uint16_t dport)
{
    const struct ipf_flow *l = &p->flows[p->last];
    if (l->used && flow_is(l, proto, src, sport, dst, dport))
        return p->last;
    for (int32_t i = p->buckets[hash5(p, proto, src, sport, dst, dport)]; i >= 0;
         i = p->flows[i].next)
        if (flow_is(&p->flows[i], proto, src, sport, dst, dport)) {
            p->last = i;
            return i;
        }
    return -1;
}

/* One sweep step (the table is full): examine at most IPF_SWEEP_BUDGET
 * entries from the rotating cursor and free the expired ones; if none
 * was, evict the least recently seen among those examined, an unreplied
 * one before an established one (a flood of new flows pushes out its own
 * kind first). Never fails: a full table has only used entries. */
static void sweep_step(struct nf_element *e, struct ipf_priv *p, uint64_t now)
{
    uint32_t n = p->maxflows < IPF_SWEEP_BUDGET ? p->maxflows : IPF_SWEEP_BUDGET;
    int32_t cand = -1;
    nf_count_event(e, IPF_SWEEPS);
    for (uint32_t k = 0; k < n; k++) {
        int32_t i = (int32_t)p->sweep_cursor;
        if (++p->sweep_cursor == p->maxflows)
            p->sweep_cursor = 0;
        const struct ipf_flow *f = &p->flows[i];
        if (!f->used)
            continue;
        if (f->expires_ns <= now) {
            flow_free(p, i);
            nf_count_event(e, IPF_RECLAIMED);
            continue;
        }
        const struct ipf_flow *c = cand >= 0 ? &p->flows[cand] : NULL;
        if (!c || (f->replied < c->replied) ||
            (f->replied == c->replied && f->seen_ns < c->seen_ns))
            cand = i;
    }
    if (p->free_head < 0 && cand >= 0) {
        nf_count_event(e, p->flows[cand].replied ? IPF_EVICTED_EST : IPF_EVICTED_NEW);
        flow_free(p, cand);
    }
}

static int32_t flow_new(struct nf_element *e, struct ipf_priv *p, uint8_t proto, uint32_t src,
                        uint16_t sport, uint32_t dst, uint16_t dport, uint64_t now)
{
    if (p->free_head < 0)
        sweep_step(e, p, now);
    int32_t i = p->free_head;
    struct ipf_flow *f = &p->flows[i];
    p->free_head = f->next;
    uint32_t b = hash5(p, proto, src, sport, dst, dport);
    uint32_t pb = hash_pair(p, proto, src, dst);
    *f = (struct ipf_flow){.src = src, .dst = dst, .sport = sport, .dport = dport,
                           .proto = proto, .used = 1, .next = p->buckets[b], .prev = -1,
                           .pnext = p->pbuckets[pb], .pprev = -1};
    if (f->next >= 0)
        p->flows[f->next].prev = i;
    if (f->pnext >= 0)
        p->flows[f->pnext].pprev = i;
    p->buckets[b] = i;
    p->pbuckets[pb] = i;
    p->active++;
    return i;
}

static uint64_t flow_timeout(const struct ipf_priv *p, uint8_t proto)
{
    return proto == NF_IPPROTO_TCP ? p->tcp_ns : proto == NF_IPPROTO_ICMP ? p->icmp_ns : p->udp_ns;
}

/* What state needs of a frame's L4 header. */
struct l4key {
    uint16_t sport, dport; /* ICMP echo: the identifier as sport (forward) */
    uint8_t tcpflags;
    bool later_frag;       /* offset != 0: no L4 header */
    bool complete;         /* a full TCP (20 B), UDP or ICMP (8 B) header, or another protocol */
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

enum { FIN_FWD = 1, FIN_RET = 2, RST_SEEN = 4 };

/* A TCP flow that ended (RST, or FIN both ways) and lingers: no refresh. */
static bool closing(const struct ipf_flow *f)
{
    return (f->fin & RST_SEEN) || (f->fin & (FIN_FWD | FIN_RET)) == (FIN_FWD | FIN_RET);
}

static struct l4key l4_key(const uint8_t *ip, uint32_t hl, uint32_t avail)
{
    struct l4key k = {.later_frag = (nf_get16(ip + 6) & 0x1fff) != 0};
    if (k.later_frag)
        return k;
    const uint8_t *l4 = ip + hl;
    switch (ip[9]) {
    case NF_IPPROTO_TCP:
        k.complete = hl + 20 <= avail;
        break;
    case NF_IPPROTO_UDP:
    case NF_IPPROTO_ICMP:
        k.complete = hl + 8 <= avail;
        break;
    default:
        k.complete = true; /* addresses and protocol only */
        return k;
    }
    if (!k.complete)
        return k;
    if (ip[9] == NF_IPPROTO_ICMP) {
        k.sport = nf_get16(l4 + 4); /* echo identifier; meaningful for echo only */
        return k;
    }
    k.sport = nf_get16(l4);
    k.dport = nf_get16(l4 + 2);
    if (ip[9] == NF_IPPROTO_TCP)
        k.tcpflags = l4[13];
    return k;
}

/* TCP endings, both directions, each followed by a short linger (as
 * conntrack's CLOSE and TIME_WAIT): FIN both ways (the last ACK and
 * retransmitted FINs still pass); RST ends the connection: after it only
 * RSTs pass on the return path (a host answers each segment still in
 * flight to a closed socket with one; iperf3 ends its data connection
 * so), nothing else. */
static void tcp_track(struct ipf_priv *p, int32_t i, uint8_t flags, uint8_t finbit, uint64_t now)
{
    struct ipf_flow *f = &p->flows[i];
    if (flags & TCP_RST)
        f->fin |= RST_SEEN;
    else if (flags & TCP_FIN)
        f->fin |= finbit;
    if (closing(f)) {
        uint64_t linger = p->tcp_ns < IPF_LINGER_NS ? p->tcp_ns : IPF_LINGER_NS;
        if (f->expires_ns > now + linger)
            f->expires_ns = now + linger;
    }
}

/* A forward frame the rules allowed: create or refresh its flow. */
static void track_forward(struct nf_element *e, struct ipf_priv *p, const uint8_t *ip,
                          uint32_t hl, uint32_t avail, uint64_t now)
{
    uint8_t proto = ip[9];
    struct l4key k = l4_key(ip, hl, avail);
    if (k.later_frag || !k.complete)
        return; /* nothing to key a flow on: the first fragment makes it */
    if (proto == NF_IPPROTO_ICMP && ip[hl] != 8)
        return; /* only echo requests are answered; errors and others open no flow */
    uint32_t src = nf_get32(ip + 12), dst = nf_get32(ip + 16);
    int32_t i = flow_find(p, proto, src, k.sport, dst, k.dport);
    if (i >= 0 && proto == NF_IPPROTO_TCP && (k.tcpflags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
        p->flows[i].fin) {
        flow_free(p, i); /* a new connection on a closing tuple starts afresh */
        i = -1;
    }
    if (i >= 0 && p->flows[i].expires_ns <= now) {
        flow_free(p, i); /* expired, not yet reclaimed: a new flow */
        nf_count_event(e, IPF_RECLAIMED);
        i = -1;
    }
    if (i < 0) {
        if (proto == NF_IPPROTO_TCP && (k.tcpflags & TCP_RST))
            return; /* a RST opens nothing */
        i = flow_new(e, p, proto, src, k.sport, dst, k.dport, now);
    }
    struct ipf_flow *f = &p->flows[i];
    f->seen_ns = now;
    if (!closing(f))
        f->expires_ns = now + flow_timeout(p, proto);
    if (proto == NF_IPPROTO_TCP)
        tcp_track(p, i, k.tcpflags, FIN_FWD, now);
}

static bool is_icmp_error(uint8_t type)
{
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* A live flow for (proto, src, sport, dst, dport), or -1; an expired one
 * found on the way is freed and counted. */
static int32_t live_flow(struct nf_element *e, struct ipf_priv *p, uint8_t proto, uint32_t src,
                         uint16_t sport, uint32_t dst, uint16_t dport, uint64_t now)
{
    int32_t i = flow_find(p, proto, src, sport, dst, dport);
    if (i >= 0 && p->flows[i].expires_ns <= now) {
        flow_free(p, i);
        nf_count_event(e, IPF_RECLAIMED);
        i = -1;
    }
    return i;
}

/* An ICMP error on the return path: it passes when the packet it quotes
 * (ours, forward: its source is the error's destination) belongs to a
 * live flow. The flow is not refreshed: an error is no sign of life. */
static int related_error(struct nf_element *e, struct ipf_priv *p, const uint8_t *ip,
                         uint32_t hl, uint32_t avail, uint64_t now)
{
    const uint8_t *in = ip + hl + 8;
    if (hl + 8 + 20 > avail)
        return IPF_TRUNCATED;
    uint32_t ihl = (uint32_t)(in[0] & 0x0f) * 4;
    if (in[0] >> 4 != 4 || ihl < 20 || hl + 8 + ihl > avail)
        return IPF_TRUNCATED;
    uint32_t qsrc = nf_get32(in + 12), qdst = nf_get32(in + 16);
    if (qsrc != nf_get32(ip + 16))
        return IPF_NO_FLOW; /* quotes a packet someone else sent */
    struct l4key k = l4_key(in, ihl, avail - hl - 8);
    uint8_t proto = in[9];
    if (k.later_frag)
        return IPF_NO_FLOW;
    if (!k.complete && proto != NF_IPPROTO_TCP)
        return IPF_TRUNCATED;
    if (proto == NF_IPPROTO_TCP && !k.complete) {
        /* RFC 792 promises 8 bytes of the quoted datagram: the ports */
        if (hl + 8 + ihl + 4 > avail)
            return IPF_TRUNCATED;
        k.sport = nf_get16(in + ihl);
        k.dport = nf_get16(in + ihl + 2);
    }
    if (proto == NF_IPPROTO_ICMP && in[ihl] != 8)
        return IPF_NO_FLOW; /* only our echo requests make flows */
    return live_flow(e, p, proto, qsrc, k.sport, qdst, k.dport, now) >= 0 ? -1 : IPF_NO_FLOW;
}

/* A return-path frame: the verdict (-1 = pass) without the rules. */
static int track_return(struct nf_element *e, struct ipf_priv *p, const uint8_t *ip,
                        uint32_t hl, uint32_t avail, uint64_t now)
{
    uint8_t proto = ip[9];
    uint32_t src = nf_get32(ip + 12), dst = nf_get32(ip + 16);
    struct l4key k = l4_key(ip, hl, avail);
    if (k.later_frag) {
        /* no ports to match: any live flow of these addresses and this
         * protocol admits it (the first fragment was checked in full) */
        unsigned probes = 0;
        for (int32_t i = p->pbuckets[hash_pair(p, proto, dst, src)];
             i >= 0 && probes < IPF_FRAG_PROBES; i = p->flows[i].pnext, probes++) {
            const struct ipf_flow *f = &p->flows[i];
            if (f->src == dst && f->dst == src && f->proto == proto && f->expires_ns > now)
                return -1;
        }
        return IPF_NO_FLOW;
    }
    if (!k.complete)
        return IPF_TRUNCATED;
    uint16_t fsport = k.dport, fdport = k.sport; /* the forward tuple's ports */
    if (proto == NF_IPPROTO_ICMP) {
        uint8_t type = ip[hl];
        if (is_icmp_error(type))
            return related_error(e, p, ip, hl, avail, now);
        if (type != 0)
            return IPF_NO_FLOW; /* echo requests and other queries from the far side */
        fsport = k.sport; /* the echo identifier */
        fdport = 0;
    }
    int32_t i = live_flow(e, p, proto, dst, fsport, src, fdport, now);
    if (i < 0)
        return IPF_NO_FLOW;
    struct ipf_flow *f = &p->flows[i];
    if ((f->fin & RST_SEEN) && !(k.tcpflags & TCP_RST))
        return IPF_NO_FLOW; /* the connection was reset */
    f->replied = 1;
    f->seen_ns = now;
    if (!closing(f))
        f->expires_ns = now + flow_timeout(p, proto);
    if (proto == NF_IPPROTO_TCP)
        tcp_track(p, i, k.tcpflags, FIN_RET, now);
    return -1;
}

static void ipf_process(struct nf_element *e, int in_port, struct nf_batch *b)
{
    struct ipf_priv *p = e->priv;
    /* read once per batch; stateless filters never touch them */
    bool ret = p->stateful && nf_element_dir(e) == NF_DIR_RETURN;
    uint64_t now = p->stateful ? nf_element_now(e) : 0;
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
        /* the IP datagram's bytes: its total length, bounded by the frame
         * (Ethernet padding is not L4 header) */
        uint32_t avail = k->len - NF_ETH_HLEN, tot = nf_get16(ip + 2);
        if (tot >= hl && tot < avail)
            avail = tot;
        if (ret) {
            int r = track_return(e, p, ip, hl, avail, now);
            if (r < 0)
                nf_push(e, 0, k);
            else
                nf_drop(e, r, k);
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
        if (action >= 0) {
            /* output 0 continues along the chain, so its replies come
             * back; another output (an ICMPError answering a refused
             * port, a Discard) opens no flow */
            if (p->stateful && action == 0)
                track_forward(e, p, ip, hl, avail, now);
            nf_push(e, action, k);
        } else {
            nf_drop(e, action == -1 ? IPF_DENIED : IPF_NOMATCH, k);
        }
    }
}

unsigned nf_ipfilter_flows(const struct nf_element *e)
{
    return ((const struct ipf_priv *)e->priv)->active;
}

static void ipf_cleanup(struct nf_element *e, enum nf_stage reached)
{
    struct ipf_priv *p = e->priv;
    free(p->nodes);
    free(p->rules);
    free(p->flows);
    free(p->buckets);
    free(p->pbuckets);
    p->nodes = NULL;
    p->rules = NULL;
    p->flows = NULL;
    p->buckets = p->pbuckets = NULL;
}

const struct nf_element_ops nf_ipfilter_ops = {
    .cls = "IPFilter",
    .nin_min = 1, .nin_max = 1,
    .nout_min = 1, .nout_max = -1,
    .priv_size = sizeof(struct ipf_priv),
    .drop_reasons = ipf_reasons,
    .ndrop_reasons = NF_NREASONS(ipf_reasons),
    .event_reasons = 1u << IPF_EVICTED_NEW | 1u << IPF_EVICTED_EST | 1u << IPF_RECLAIMED |
                     1u << IPF_SWEEPS,
    .configure = ipf_configure,
    .process = ipf_process,
    .cleanup = ipf_cleanup,
};
