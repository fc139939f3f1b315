/*
 * scc_spec_json — the normalised chain back to JSON: every default made
 * explicit, in the same schema scc_spec reads, so that printing and loading
 * again is an identity (tested). `scc validate` prints this; the launcher
 * hands it to each NF process. The field tables (scc_spec_fields.h) drive
 * it; the CUSTOM rows' writers are here.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "launcher/scc_spec.h"
#include "launcher/scc_spec_fields.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_cpus(struct json_object *o, const char *k, const struct scc_cpuset *s)
{
    char buf[256];
    scc_cpuset_format(s, buf, sizeof(buf));
    add_str(o, k, buf);
}

static void add_mac(struct json_object *o, const char *k, const uint8_t mac[6])
{
    char buf[32];
    scc_mac_format(mac, buf, sizeof(buf));
    add_str(o, k, buf);
}

static void add_ipv4(struct json_object *o, const char *k, uint32_t a)
{
    char buf[20];
    scc_ipv4_format(a, buf, sizeof(buf));
    add_str(o, k, buf);
}

/* A section's rows into o, in table order. */
static void add_fields(struct json_object *o, const struct scc_field_section *sec,
                       const void *base, const struct scc_chain *ch)
{
    for (size_t i = 0; i < sec->nfields; i++) {
        const struct scc_field *f = &sec->fields[i];
        const void *m = (const char *)base + f->off;
        int64_t v;
        if (f->when && !f->when(base))
            continue;
        switch (f->type) {
        case SCC_FIELD_INT:
            v = scc_field_get_int(base, f);
            if ((f->flags & SCC_FIELD_BATCH_0) && v == 0)
                v = ch->io.batch;
            if (v || !(f->flags & SCC_FIELD_IF_SET))
                add_int(o, f->key, v);
            break;
        case SCC_FIELD_ENUM: add_str(o, f->key, f->names[scc_field_get_int(base, f)]); break;
        case SCC_FIELD_NUM:
            json_object_object_add(o, f->key, json_object_new_double(*(const double *)m));
            break;
        case SCC_FIELD_BOOL:
            json_object_object_add(o, f->key, json_object_new_boolean(*(const bool *)m));
            break;
        case SCC_FIELD_CPUS:
            if (scc_cpuset_count(m) || !(f->flags & SCC_FIELD_IF_SET))
                add_cpus(o, f->key, m);
            break;
        case SCC_FIELD_NAME: add_str(o, f->key, m); break;
        case SCC_FIELD_IPV4: add_ipv4(o, f->key, *(const uint32_t *)m); break;
        case SCC_FIELD_MAC:
            if (*(const bool *)((const char *)base + f->has))
                add_mac(o, f->key, m);
            break;
        case SCC_FIELD_OBJECT: {
            struct json_object *sub = json_object_new_object();
            add_fields(sub, f->sub, m, ch);
            json_object_object_add(o, f->key, sub);
            break;
        }
        case SCC_FIELD_INLINE: add_fields(o, f->sub, m, ch); break;
        case SCC_FIELD_CUSTOM:
            if (f->write)
                f->write(o, f->key, base, ch);
            break;
        }
    }
}

static struct json_object *section_json(const struct scc_field_section *sec, const void *base,
                                        const struct scc_chain *ch)
{
    struct json_object *o = json_object_new_object();
    if (o)
        add_fields(o, sec, base, ch);
    return o;
}

/* ---- CUSTOM rows ---------------------------------------------------------- */

void scc_write_hosts(struct json_object *o, const char *key, const void *base,
                     const struct scc_chain *ch)
{
    (void)base;
    if (!ch->nhosts)
        return;
    struct json_object *hosts = json_object_new_object();
    for (int i = 0; i < ch->nhosts; i++)
        json_object_object_add(hosts, ch->hosts[i].name,
                               section_json(scc_spec_sections[SCC_SEC_HOST], &ch->hosts[i], ch));
    json_object_object_add(o, key, hosts);
}

void scc_write_nfs(struct json_object *o, const char *key, const void *base,
                   const struct scc_chain *ch)
{
    (void)base;
    struct json_object *nfs = json_object_new_array();
    for (int i = 0; i < ch->nnfs; i++)
        json_object_array_add(nfs, section_json(scc_spec_sections[SCC_SEC_NF], &ch->nfs[i], ch));
    json_object_object_add(o, key, nfs);
}

/* "pipeline", or "type" with its "config". */
void scc_write_nf_type(struct json_object *o, const char *key, const void *base,
                       const struct scc_chain *ch)
{
    const struct scc_nf_spec *nf = base;
    if (nf->type == SCC_NF_PIPELINE) {
        add_str(o, "pipeline", nf->pipeline);
        return;
    }
    add_str(o, key, scc_nf_type_names[nf->type]);
    json_object_object_add(o, "config", section_json(scc_spec_nf_config(nf->type), nf, ch));
}

void scc_write_nf_host(struct json_object *o, const char *key, const void *base,
                       const struct scc_chain *ch)
{
    const struct scc_nf_spec *nf = base;
    (void)ch;
    if (nf->host[0])
        add_str(o, key, nf->host);
}

void scc_write_nf_sched(struct json_object *o, const char *key, const void *base,
                        const struct scc_chain *ch)
{
    const struct scc_nf_spec *nf = base;
    json_object_object_add(o, key,
                           section_json(scc_spec_sections[SCC_SEC_SCHED_PARAMS], &nf->sched, ch));
}

void scc_write_events(struct json_object *o, const char *key, const void *base,
                      const struct scc_chain *ch)
{
    const struct scc_profiler_spec *p = base;
    (void)ch;
    struct json_object *ev = json_object_new_array();
    for (int i = 0; i < p->nevents; i++)
        json_object_array_add(ev, json_object_new_string(p->events[i]));
    json_object_object_add(o, key, ev);
}

void scc_write_calibration(struct json_object *o, const char *key, const void *base,
                           const struct scc_chain *ch)
{
    const struct scc_profiler_spec *p = base;
    (void)ch;
    if (p->calibration)
        add_str(o, key, p->calibration);
}

void scc_write_route_prefix(struct json_object *o, const char *key, const void *base,
                            const struct scc_chain *ch)
{
    const struct scc_route *r = base;
    char a[20], buf[64];
    (void)ch;
    scc_ipv4_format(r->prefix, a, sizeof(a));
    snprintf(buf, sizeof(buf), "%s/%d", a, r->len);
    add_str(o, key, buf);
}

void scc_write_routes(struct json_object *o, const char *key, const void *base,
                      const struct scc_chain *ch)
{
    const struct scc_nf_spec *nf = base;
    struct json_object *routes = json_object_new_array();
    for (int i = 0; i < nf->nroutes; i++)
        json_object_array_add(routes,
                              section_json(scc_spec_sections[SCC_SEC_ROUTE], &nf->routes[i], ch));
    json_object_object_add(o, key, routes);
}

void scc_write_rules(struct json_object *o, const char *key, const void *base,
                     const struct scc_chain *ch)
{
    const struct scc_nf_spec *nf = base;
    (void)ch;
    struct json_object *rules = json_object_new_array();
    for (int i = 0; i < nf->nrules; i++)
        json_object_array_add(rules, json_object_new_string(nf->rules[i]));
    json_object_object_add(o, key, rules);
}

void scc_write_nat_pool(struct json_object *o, const char *key, const void *base,
                        const struct scc_chain *ch)
{
    const struct scc_nf_spec *nf = base;
    char lo[20], hi[20], buf[64];
    (void)ch;
    scc_ipv4_format(nf->nat_addr_lo, lo, sizeof(lo));
    scc_ipv4_format(nf->nat_addr_hi, hi, sizeof(hi));
    if (nf->nat_addr_lo == nf->nat_addr_hi) {
        add_str(o, key, lo);
        return;
    }
    snprintf(buf, sizeof(buf), "%s-%s", lo, hi);
    add_str(o, key, buf);
}

void scc_write_nat_ports(struct json_object *o, const char *key, const void *base,
                         const struct scc_chain *ch)
{
    const struct scc_nf_spec *nf = base;
    char buf[32];
    (void)ch;
    snprintf(buf, sizeof(buf), "%u-%u", nf->nat_port_lo, nf->nat_port_hi);
    add_str(o, key, buf);
}

struct json_object *scc_chain_to_json(const struct scc_chain *ch)
{
    return section_json(scc_spec_sections[SCC_SEC_CHAIN], ch, ch);
}

void scc_write_reserve_cgroup(struct json_object *o, const char *key, const void *base,
                              const struct scc_chain *ch)
{
    const struct scc_sched_spec *sc = base;
    (void)ch;
    if (sc->reserve_cgroup[0])
        add_str(o, key, sc->reserve_cgroup);
}

void scc_write_reserve_pids(struct json_object *o, const char *key, const void *base,
                            const struct scc_chain *ch)
{
    const struct scc_sched_spec *sc = base;
    (void)ch;
    if (!sc->nreserve_pids)
        return;
    struct json_object *a = json_object_new_array();
    for (int i = 0; i < sc->nreserve_pids; i++)
        json_object_array_add(a, json_object_new_int(sc->reserve_pids[i]));
    json_object_object_add(o, key, a);
}
