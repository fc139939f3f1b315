/*
 * nf_parse — the Click-style configuration language, syntax only.
 *
 * Turns a pipeline string into a list of element declarations and a list of
 * connections; it knows nothing about which element classes exist (that is
 * nf_pipeline's job). The accepted language is a subset of Click's:
 *
 *     FromIO -> CheckIPHeader -> IPFilter(allow udp, deny all) -> ToIO
 *     c :: Classifier(12/0800, -);
 *     FromIO -> c;  c[0] -> DecIPTTL -> ToIO;  c[1] -> Discard
 *
 * Statements are separated by ';'. An element is `name :: Class(args)`
 * (a declaration, usable inline in a chain), `Class(args)` (an anonymous
 * instance named Class@N) or `name` (a reference to a declared element).
 * `[n]` after an element selects its output port, `[n]` before one selects
 * the input port; both default to 0. Arguments are split at top-level commas
 * and trimmed; parentheses and double quotes nest. `//` starts a comment.
 */
#ifndef NF_PARSE_H
#define NF_PARSE_H

#include <stddef.h>

#define NF_NAME_MAX 48
/* Arguments of one element (IPFilter rules, StaticIPLookup routes,
 * Classifier patterns): a router with SCC_MAX_ROUTES routes fits. */
#define NF_MAX_ARGS 4096
/* Elements of one pipeline. Real NFs have tens; the cap keeps a hostile or
 * generated pipeline from costing unbounded memory and time (every element
 * gets batch-sized output arrays; the runner recurses once per hop). The
 * parser and builder are linear, so refusing is fast. */
#define NF_MAX_ELEMENTS 16384

struct nf_conf_elem {
    char name[NF_NAME_MAX];  /* declared name, or Class@N when anonymous */
    char cls[NF_NAME_MAX];   /* element class as written */
    char *args;              /* raw text between the parentheses, or NULL */
    int argc;
    char **argv;             /* args split at top-level commas, trimmed */
    int col;                 /* 1-based column of the class name in the text */
};

struct nf_conf_conn {
    int from, from_port; /* index into elems, output port */
    int to, to_port;     /* index into elems, input port */
};

struct nf_conf {
    struct nf_conf_elem *elems;
    int nelems;
    struct nf_conf_conn *conns;
    int nconns;
};

/*
 * Parse text. Returns 0 and a new nf_conf in *out, or -EINVAL with a message
 * like "col 17: expected an element after '->'" in err (-ENOMEM on
 * allocation failure). *out is NULL on failure. Time is linear in the text
 * (element names are found through a hash table). More than NF_MAX_ELEMENTS
 * elements is refused here, naming the count and the limit; more than
 * NF_MAX_ARGS arguments to one element likewise.
 */
int nf_conf_parse(const char *text, struct nf_conf **out, char *err, size_t errlen);
/* Free a parsed configuration; accepts NULL. */
void nf_conf_free(struct nf_conf *conf);

#endif
