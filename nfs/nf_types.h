/*
 * nf_types — the built-in NF types (router, firewall, l2fwd, nat, counter)
 * as the element pipelines they stand for. A type is shorthand: the chain
 * spec names a type and its typed settings, this module writes the
 * pipeline string that scc-nf then builds (docs/elements.md, "NF types").
 *
 * Element knowledge lives here, next to the elements, with plain inputs:
 * no chain spec, nothing from the launcher. The caller validates the
 * settings (prefixes masked, ports in range); nf_type_expand only writes
 * them out, and nf_pipeline_validate() checks the result like any other
 * pipeline.
 *
 *   struct nf_type_args a = {.rules = rules, .nrules = 2};
 *   char *p = nf_type_expand(NF_TYPE_FIREWALL, &a);   (free() it)
 *   -> "FromIO -> CheckIPHeader -> IPFilter(STATEFUL, allow udp, deny all) -> ToIO"
 */
#ifndef NF_TYPES_H
#define NF_TYPES_H

#include <stdbool.h>
#include <stdint.h>

enum nf_type { NF_TYPE_ROUTER, NF_TYPE_FIREWALL, NF_TYPE_L2FWD, NF_TYPE_NAT,
               NF_TYPE_COUNTER, NF_TYPE_COUNT };

/* "router", "firewall", "l2fwd", "nat", "counter", NULL (indexed by enum nf_type). */
extern const char *const nf_type_names[NF_TYPE_COUNT + 1];

struct nf_route {
    uint32_t prefix;  /* host order, masked to len */
    int len;          /* 0..32 */
    int port;         /* 0 = forward along the chain; others are dropped and counted */
    bool has_mac;
    uint8_t mac[6];   /* next hop, written as the frame's destination */
};

/* The settings each type reads; the others are ignored. */
struct nf_type_args {
    const struct nf_route *routes;  /* router: 1.. routes, longest prefix wins */
    int nroutes;
    const char *const *rules;       /* firewall: IPFilter rules, no ',' inside */
    int nrules;
    bool has_addr;                  /* router: answer expired TTLs with ICMP Time */
    uint32_t addr;                  /* Exceeded from addr (host order), out of ToIO(1) */
    bool has_src_mac, has_dst_mac;  /* router (src only), l2fwd */
    uint8_t src_mac[6], dst_mac[6];
    uint32_t nat_addr_lo, nat_addr_hi; /* nat: host order, lo <= hi */
    unsigned nat_port_lo, nat_port_hi; /* nat: 1 <= lo <= hi <= 65535 */
    unsigned nat_timeout_s;            /* nat: idle flow timeout */
};

/* How an NF forwards the return path (scc-nf --reverse): */
enum nf_reverse {
    NF_REVERSE_PIPELINE, /* replies through the same pipeline: its state is shared, so the
                            NAT maps them back and the router routes them (it needs a route
                            for the replies' destination) */
    NF_REVERSE_STRAIGHT, /* replies straight back, unchanged */
    NF_REVERSE_NONE,     /* one-way: frames on the out side are not read */
    NF_REVERSE_COUNT
};
/* "pipeline", "straight", "none", NULL (indexed by enum nf_reverse). */
extern const char *const nf_reverse_names[NF_REVERSE_COUNT + 1];

/* What a user expects of each type: router, nat, counter: through the
 * pipeline (routes both ways, reverse translation, counts both ways);
 * firewall: through the pipeline, whose IPFilter is STATEFUL (replies of
 * the flows its rules allowed pass, nothing else from the egress side);
 * l2fwd: straight (its MAC rewrite is for the forward direction). A custom
 * pipeline (t = NF_TYPE_COUNT): straight. */
enum nf_reverse nf_type_default_reverse(enum nf_type t);

/* The pipeline text of type t (malloc'd, the caller frees it), or NULL with
 * errno = ENOMEM, or EINVAL for an unknown type. */
char *nf_type_expand(enum nf_type t, const struct nf_type_args *a);

#endif
