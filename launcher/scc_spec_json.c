/*
 * scc_spec_json — the normalised chain back to JSON: every default made
 * explicit, in the same schema scc_spec reads, so that printing and loading
 * again is an identity (tested). `scc validate` prints this; the launcher
 * hands it to each NF process.
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

/* A table section (scc_spec_fields.h) as a JSON object, in table order. */
static struct json_object *fields_json(const struct scc_chain *ch,
                                       const struct scc_field_section *sec)
{
    struct json_object *o = json_object_new_object();
    const char *base = (const char *)ch + sec->off;
    for (size_t i = 0; o && i < sec->nfields; i++) {
        const struct scc_field *f = &sec->fields[i];
        const void *m = base + f->off;
        int64_t v;
        switch (f->type) {
        case SCC_FIELD_INT:
            v = scc_field_get_int(base, f);
            if ((f->flags & SCC_FIELD_BATCH_0) && v == 0)
                v = ch->io.batch;
            if ((f->flags & SCC_FIELD_IF_FIXED) && ch->traffic.dist != SCC_DIST_FIXED)
                break;
            add_int(o, f->key, v);
            break;
        case SCC_FIELD_ENUM:
            add_str(o, f->key, f->names[scc_field_get_int(base, f)]);
            break;
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
        }
    }
    return o;
}

static const struct scc_field_section *section(const char *key)
{
    for (size_t i = 0; i < scc_spec_nsections; i++)
        if (strcmp(scc_spec_sections[i].key, key) == 0)
            return &scc_spec_sections[i];
    return NULL;
}

static struct json_object *sched_json(const struct scc_sched_params *sp)
{
    struct json_object *o = json_object_new_object();
    add_str(o, "policy", scc_policy_names[sp->policy]);
    if (sp->policy == SCC_POLICY_RR || sp->policy == SCC_POLICY_FIFO)
        add_int(o, "rt_priority", sp->rt_priority);
    else
        add_int(o, "nice", sp->nice);
    json_object_object_add(o, "slice_ms", json_object_new_double(sp->slice_ms));
    return o;
}

static struct json_object *nf_config_json(const struct scc_nf_spec *nf)
{
    struct json_object *cfg = json_object_new_object();
    char buf[64];
    switch (nf->type) {
    case SCC_NF_ROUTER: {
        struct json_object *routes = json_object_new_array();
        for (int i = 0; i < nf->nroutes; i++) {
            struct json_object *r = json_object_new_object();
            char a[20];
            scc_ipv4_format(nf->routes[i].prefix, a, sizeof(a));
            snprintf(buf, sizeof(buf), "%s/%d", a, nf->routes[i].len);
            add_str(r, "prefix", buf);
            add_int(r, "port", nf->routes[i].port);
            if (nf->routes[i].has_mac)
                add_mac(r, "mac", nf->routes[i].mac);
            json_object_array_add(routes, r);
        }
        json_object_object_add(cfg, "routes", routes);
        if (nf->has_src_mac)
            add_mac(cfg, "src_mac", nf->src_mac);
        break;
    }
    case SCC_NF_FIREWALL: {
        struct json_object *rules = json_object_new_array();
        for (int i = 0; i < nf->nrules; i++)
            json_object_array_add(rules, json_object_new_string(nf->rules[i]));
        json_object_object_add(cfg, "rules", rules);
        break;
    }
    case SCC_NF_L2FWD:
        if (nf->has_src_mac)
            add_mac(cfg, "src_mac", nf->src_mac);
        if (nf->has_dst_mac)
            add_mac(cfg, "dst_mac", nf->dst_mac);
        break;
    case SCC_NF_NAT: {
        char lo[20], hi[20];
        scc_ipv4_format(nf->nat_addr_lo, lo, sizeof(lo));
        scc_ipv4_format(nf->nat_addr_hi, hi, sizeof(hi));
        if (nf->nat_addr_lo == nf->nat_addr_hi)
            add_str(cfg, "pool", lo);
        else {
            snprintf(buf, sizeof(buf), "%s-%s", lo, hi);
            add_str(cfg, "pool", buf);
        }
        snprintf(buf, sizeof(buf), "%u-%u", nf->nat_port_lo, nf->nat_port_hi);
        add_str(cfg, "ports", buf);
        add_int(cfg, "timeout_s", nf->nat_timeout_s);
        break;
    }
    default:
        break;
    }
    return cfg;
}

struct json_object *scc_chain_to_json(const struct scc_chain *ch)
{
    struct json_object *root = json_object_new_object();
    if (!root)
        return NULL;
    add_str(root, "name", ch->name);
    add_str(root, "mode", scc_mode_names[ch->mode]);

    json_object_object_add(root, "io", fields_json(ch, section("io")));
    add_str(root, "interconnect", scc_link_names[ch->interconnect]);

    if (ch->nhosts) {
        struct json_object *hosts = json_object_new_object();
        for (int i = 0; i < ch->nhosts; i++) {
            struct json_object *h = json_object_new_object();
            char a[20];
            scc_ipv4_format(ch->hosts[i].address, a, sizeof(a));
            add_str(h, "address", a);
            json_object_object_add(hosts, ch->hosts[i].name, h);
        }
        json_object_object_add(root, "hosts", hosts);
    }

    struct json_object *nfs = json_object_new_array();
    for (int i = 0; i < ch->nnfs; i++) {
        const struct scc_nf_spec *nf = &ch->nfs[i];
        struct json_object *o = json_object_new_object();
        add_str(o, "name", nf->name);
        if (nf->type == SCC_NF_PIPELINE) {
            add_str(o, "pipeline", nf->pipeline);
        } else {
            add_str(o, "type", scc_nf_type_names[nf->type]);
            json_object_object_add(o, "config", nf_config_json(nf));
        }
        add_str(o, "env", scc_env_names[nf->env]);
        if (scc_cpuset_count(&nf->cpus))
            add_cpus(o, "cpu", &nf->cpus);
        if (nf->host[0])
            add_str(o, "host", nf->host);
        json_object_object_add(o, "sched", sched_json(&nf->sched));
        add_str(o, "restart", scc_restart_names[nf->restart]);
        json_object_array_add(nfs, o);
    }
    json_object_object_add(root, "nfs", nfs);

    struct json_object *s = sched_json(&ch->sched.defaults);
    if (ch->sched.rr_timeslice_ms)
        add_int(s, "rr_timeslice_ms", ch->sched.rr_timeslice_ms);
    if (scc_cpuset_count(&ch->sched.reserve_cores))
        add_cpus(s, "reserve_cores", &ch->sched.reserve_cores);
    add_str(s, "reserve_scope", scc_reserve_scope_names[ch->sched.reserve_scope]);
    add_str(s, "mode", scc_sched_mode_names[ch->sched.mode]);
    json_object_object_add(root, "scheduler", s);

    struct json_object *p = json_object_new_object();
    struct json_object *ev = json_object_new_array();
    for (int i = 0; i < ch->profiler.nevents; i++)
        json_object_array_add(ev, json_object_new_string(ch->profiler.events[i]));
    json_object_object_add(p, "events", ev);
    add_int(p, "interval_ms", ch->profiler.interval_ms);
    if (ch->profiler.calibration)
        add_str(p, "calibration", ch->profiler.calibration);
    json_object_object_add(root, "profiler", p);

    if (ch->traffic.present)
        json_object_object_add(root, "traffic", fields_json(ch, section("traffic")));
    return root;
}
