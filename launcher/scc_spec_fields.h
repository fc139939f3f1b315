/*
 * scc_spec_fields — the chain spec's scalar sections (`io`, `traffic`) as
 * one table, Redis config.c style: each field is declared once (key, type,
 * where it lives in the struct, bounds, default, enum names) and that row
 * drives the allowed-keys check, parsing with bounds, the defaults and the
 * normalised JSON writer; a unit test checks that docs/chain-spec.md has a
 * row for each key. Internal to scc_spec.c and scc_spec_json.c.
 *
 * Checks across fields (size vs distribution, warm-up vs duration, one
 * port per stage) stay hand-written next to the table's parse.
 */
#ifndef SCC_SPEC_FIELDS_H
#define SCC_SPEC_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "launcher/scc_spec.h"

enum scc_field_type {
    SCC_FIELD_INT,  /* JSON integer in [min, max] -> C integer member of `size` bytes */
    SCC_FIELD_NUM,  /* JSON number in [min, max] -> double */
    SCC_FIELD_BOOL, /* true/false -> bool */
    SCC_FIELD_ENUM, /* one of names[] -> enum (int-sized) */
    SCC_FIELD_CPUS, /* core number, list or "0-3" string, online cores -> struct scc_cpuset */
};

#define SCC_FIELD_SIGNED 0x1u     /* the C integer member is signed */
#define SCC_FIELD_IF_SET 0x2u     /* written only when not empty (cpus) */
#define SCC_FIELD_BATCH_0 0x4u    /* 0 = as io.batch; written as the batch that applies */
#define SCC_FIELD_IF_FIXED 0x8u   /* written only with distribution "fixed" */

struct scc_field {
    const char *key;
    enum scc_field_type type;
    size_t off, size;  /* member within the section's struct */
    unsigned flags;
    double min, max;   /* INT (exact up to 2^53) and NUM */
    double dflt;       /* INT, NUM, BOOL (0/1), ENUM (index); CPUS: empty */
    const char *const *names; /* ENUM */
};

struct scc_field_section {
    const char *key;      /* "io", "traffic" */
    size_t off;           /* the section's struct within struct scc_chain */
    const struct scc_field *fields;
    size_t nfields;
};

extern const struct scc_field_section scc_spec_sections[];
extern const size_t scc_spec_nsections;

/* An integer or enum member as int64 (sign per SCC_FIELD_SIGNED). */
int64_t scc_field_get_int(const void *section, const struct scc_field *f);
void scc_field_set_int(void *section, const struct scc_field *f, int64_t v);

#endif
