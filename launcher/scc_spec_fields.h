/*
 * scc_spec_fields — the chain spec as field tables, Redis config.c style:
 * each field is declared once (key, type, where it lives in its struct,
 * bounds, default, enum names) and that row drives the allowed-keys check
 * (with its "did you mean"), parsing with bounds, the defaults and the
 * normalised JSON writer; a unit test checks that docs/chain-spec.md has a
 * row for each key. Internal to scc_spec.c and scc_spec_json.c.
 *
 * A plain field is one row. Fields whose form or checks are their own
 * (routes, rules, the NAT pool, NF type vs pipeline, hosts, NFs) are
 * CUSTOM rows with a parse hook (scc_spec.c) and a write hook
 * (scc_spec_json.c); checks across fields hang off a row (`check`, run
 * after it is parsed) or off a section (`after`).
 */
#ifndef SCC_SPEC_FIELDS_H
#define SCC_SPEC_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "launcher/scc_spec.h"

struct json_object;
struct scc_spec_ctx; /* scc_spec.c's parse state */

enum scc_field_type {
    SCC_FIELD_INT,    /* JSON integer in [min, max] -> C integer member of `size` bytes */
    SCC_FIELD_NUM,    /* JSON number in [min, max] -> double */
    SCC_FIELD_BOOL,   /* true/false -> bool */
    SCC_FIELD_ENUM,   /* one of names[] -> enum (int-sized) */
    SCC_FIELD_CPUS,   /* core number, list or "0-3" string, online cores -> struct scc_cpuset */
    SCC_FIELD_NAME,   /* 1..size-1 of A-Za-z0-9-_ -> char[size] */
    SCC_FIELD_IPV4,   /* "10.0.0.1" -> uint32_t, host order */
    SCC_FIELD_MAC,    /* "02:00:00:00:00:01" -> uint8_t[6]; bool at `has` says it was given */
    SCC_FIELD_OBJECT, /* an object whose fields are `sub`'s rows, at off */
    SCC_FIELD_INLINE, /* `sub`'s rows at off, their keys in this same object */
    SCC_FIELD_CUSTOM, /* parsed by `parse`, written by `write` (either may be NULL) */
};

#define SCC_FIELD_SIGNED 0x1u   /* the C integer member is signed */
#define SCC_FIELD_IF_SET 0x2u   /* written only when not 0 (INT) or not empty (CPUS) */
#define SCC_FIELD_BATCH_0 0x4u  /* 0 = as io.batch; written as the batch that applies */
#define SCC_FIELD_REQUIRED 0x8u /* NAME, IPV4: absent is an error ("missing (hint)") */

/* Hooks get the path of the object holding the key, that object and the
 * struct the section's rows live in. */
typedef void scc_field_hook(struct scc_spec_ctx *c, const char *path, struct json_object *obj,
                            void *base);
typedef void scc_field_write(struct json_object *o, const char *key, const void *base,
                             const struct scc_chain *ch);

struct scc_field {
    const char *key;
    enum scc_field_type type;
    size_t off, size;  /* member within the section's struct */
    unsigned flags;
    double min, max;   /* INT (exact up to 2^53) and NUM */
    double dflt;       /* INT, NUM, BOOL (0/1), ENUM (index); others: zero */
    const char *const *names; /* ENUM */
    size_t has;        /* MAC: offset of its "given" bool */
    const struct scc_field_section *sub; /* OBJECT, INLINE */
    const char *hint;  /* REQUIRED: what to give, in the "missing" message */
    /* Parse order: phase 0 rows first, then 1, ...; table order within a
     * phase. The table order is the key order (allowed-keys lists, JSON
     * output); phases keep fields that depend on others (NFs on the
     * scheduler and hosts) after them. */
    int phase;
    scc_field_hook *parse;  /* CUSTOM */
    scc_field_hook *check;  /* after the row is parsed (present or not) */
    void (*init)(void *base); /* CUSTOM: its default */
    scc_field_write *write; /* CUSTOM */
    bool (*when)(const void *base); /* written only when true */
};

struct scc_field_section {
    const char *key; /* for the docs test's messages */
    const char *doc; /* the heading in docs/chain-spec.md whose table has every key */
    const struct scc_field *fields;
    size_t nfields;
    scc_field_hook *before, *after; /* around the rows, when the object is given */
};

enum scc_spec_section {
    SCC_SEC_CHAIN, SCC_SEC_IO, SCC_SEC_HOST, SCC_SEC_NF, SCC_SEC_SCHED_PARAMS,
    SCC_SEC_SCHEDULER, SCC_SEC_PROFILER, SCC_SEC_TRAFFIC, SCC_SEC_ROUTE, SCC_SEC_ROUTER,
    SCC_SEC_FIREWALL, SCC_SEC_L2FWD, SCC_SEC_NAT, SCC_SEC_COUNTER, SCC_SEC_ENDPOINTS,
    SCC_SEC_COUNT
};
extern const struct scc_field_section *const scc_spec_sections[SCC_SEC_COUNT];

/* The `config` section of a typed NF; NULL for a pipeline. */
const struct scc_field_section *scc_spec_nf_config(enum scc_nf_type t);

/* An integer or enum member as int64 (sign per SCC_FIELD_SIGNED). */
int64_t scc_field_get_int(const void *section, const struct scc_field *f);
void scc_field_set_int(void *section, const struct scc_field *f, int64_t v);

/* The writer hooks of the CUSTOM rows (scc_spec_json.c). */
scc_field_write scc_write_hosts, scc_write_nfs, scc_write_nf_type, scc_write_nf_host,
    scc_write_nf_sched, scc_write_events, scc_write_calibration, scc_write_routes,
    scc_write_reserve_cgroup, scc_write_reserve_pids,
    scc_write_rules, scc_write_nat_pool, scc_write_nat_ports, scc_write_route_prefix;

#endif
