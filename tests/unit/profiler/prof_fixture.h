/* Recorded counter fixtures (tests/fixtures/profiler/NAME.json) → model
 * inputs. Header-only, for the profiler's unit tests.
 *
 * A fixture: {"pmu": libpfm4 PMU of the hardware table, "calibration": an
 * scc-calibration/1 object, "nfs": [{"name", "cpu", "packets",
 * "thread_ns", "policy": other|batch|rr|fifo|other_nice, "proc":
 * {run_ns, wait_ns, slices, vol_cs, invol_cs} (absent: not sampled),
 * "cputime": {user_ns, sys_ns} (optional), "hw_unavailable": reason (no
 * hardware table for this NF), "events": [{"name", "src":
 * hardware|software|tracepoint, "value", "enabled", "running"} or {"name",
 * "src", "unavailable": reason, "errno"}], and the NF's own figures:
 * "policy_seen" (words), "nf_calls": {recvmmsg, sendmmsg}, "phases":
 * {rx_ns, pipe_ns, tx_ns, rx_waits} (each optional)}]}. */
#ifndef PROF_FIXTURE_H
#define PROF_FIXTURE_H

#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiler/prof_calib.h"
#include "profiler/prof_model.h"

#define FIX_MAX_NFS 4
#define FIX_MAX_EVENTS 40

struct fixture {
    struct prof_calib cal;
    size_t n;
    struct prof_nf_input in[FIX_MAX_NFS];
    struct prof_group_event ev[FIX_MAX_NFS][FIX_MAX_EVENTS];
    char names[FIX_MAX_NFS][32];
    char hw_reason[FIX_MAX_NFS][PROF_GROUP_REASON_MAX];
    char policy_seen[FIX_MAX_NFS][96];
};

static json_object *fx_get(json_object *o, const char *k)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, k, &v);
    return v;
}

static uint64_t fx_u64(json_object *o, const char *k)
{
    json_object *v = fx_get(o, k);
    return v ? (uint64_t)json_object_get_int64(v) : 0;
}

static void fixture_load(struct fixture *fx, const char *file)
{
    memset(fx, 0, sizeof(*fx));
    const char *src = getenv("SCC_SOURCE_DIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/fixtures/profiler/%s", src ? src : ".", file);
    json_object *root = json_object_from_file(path);
    ck_assert_msg(root != NULL, "cannot read %s", path);

    char err[256];
    const char *cal = json_object_to_json_string(fx_get(root, "calibration"));
    ck_assert_msg(prof_calib_load_string(cal, &fx->cal, err, sizeof(err)) == 0, "%s: %s", file, err);

    const struct prof_event_table *table = prof_events_table_for_pmu(
        json_object_get_string(fx_get(root, "pmu")));
    ck_assert_ptr_nonnull(table);
    json_object *nfs = fx_get(root, "nfs");
    fx->n = json_object_array_length(nfs);
    ck_assert_uint_le(fx->n, FIX_MAX_NFS);
    static const char *const policies[] = {"other", "batch", "rr", "fifo", "other_nice"};
    for (size_t i = 0; i < fx->n; i++) {
        json_object *nf = json_object_array_get_idx(nfs, i);
        struct prof_nf_input *in = &fx->in[i];
        snprintf(fx->names[i], sizeof(fx->names[i]), "%s", json_object_get_string(fx_get(nf, "name")));
        in->name = fx->names[i];
        in->cpu = json_object_get_int(fx_get(nf, "cpu"));
        in->packets = fx_u64(nf, "packets");
        in->thread_ns = (double)fx_u64(nf, "thread_ns");
        const char *pol = json_object_get_string(fx_get(nf, "policy"));
        for (int p = 0; p < PROF_CALIB_NPOLICIES; p++)
            if (pol && strcmp(pol, policies[p]) == 0)
                in->policy = (enum prof_calib_policy_row)p;
        json_object *ps = fx_get(nf, "policy_seen");
        if (ps) {
            snprintf(fx->policy_seen[i], sizeof(fx->policy_seen[i]), "%s",
                     json_object_get_string(ps));
            in->policy_seen = fx->policy_seen[i];
        }
        json_object *nc = fx_get(nf, "nf_calls");
        if (nc) {
            in->have_nf_calls = true;
            in->nf_recvmmsg = fx_u64(nc, "recvmmsg");
            in->nf_sendmmsg = fx_u64(nc, "sendmmsg");
        }
        json_object *ph = fx_get(nf, "phases");
        if (ph) {
            in->have_phases = true;
            in->phase_rx_ns = (double)fx_u64(ph, "rx_ns");
            in->phase_pipe_ns = (double)fx_u64(ph, "pipe_ns");
            in->phase_tx_ns = (double)fx_u64(ph, "tx_ns");
            in->phase_rx_waits = json_object_get_boolean(fx_get(ph, "rx_waits"));
        } else {
            in->phase_reason = "no phase timing in this fixture";
        }
        json_object *pr = fx_get(nf, "proc");
        if (pr) {
            in->have_proc = true;
            in->proc = (struct prof_proc_sample){.valid = true,
                                                 .run_ns = fx_u64(pr, "run_ns"),
                                                 .wait_ns = fx_u64(pr, "wait_ns"),
                                                 .slices = fx_u64(pr, "slices"),
                                                 .vol_cs = fx_u64(pr, "vol_cs"),
                                                 .invol_cs = fx_u64(pr, "invol_cs")};
        } else {
            in->proc_reason = "not sampled in this fixture";
        }
        json_object *ct = fx_get(nf, "cputime");
        if (ct) {
            in->have_cputime = true;
            in->user_ns = (double)fx_u64(ct, "user_ns");
            in->sys_ns = (double)fx_u64(ct, "sys_ns");
        }
        json_object *hwu = fx_get(nf, "hw_unavailable");
        if (hwu) {
            snprintf(fx->hw_reason[i], sizeof(fx->hw_reason[i]), "%s", json_object_get_string(hwu));
            in->hw_reason = fx->hw_reason[i];
        } else {
            in->table = table;
        }
        json_object *evs = fx_get(nf, "events");
        size_t ne = json_object_array_length(evs);
        ck_assert_uint_le(ne, FIX_MAX_EVENTS);
        for (size_t e = 0; e < ne; e++) {
            json_object *ev = json_object_array_get_idx(evs, e);
            struct prof_group_event *g = &fx->ev[i][e];
            snprintf(g->name, sizeof(g->name), "%s", json_object_get_string(fx_get(ev, "name")));
            const char *s = json_object_get_string(fx_get(ev, "src"));
            g->src = strcmp(s, "hardware") == 0   ? PROF_SRC_HARDWARE
                     : strcmp(s, "software") == 0 ? PROF_SRC_SOFTWARE
                                                  : PROF_SRC_TRACEPOINT;
            g->group = -1;
            json_object *un = fx_get(ev, "unavailable");
            if (un) {
                g->err = json_object_get_int(fx_get(ev, "errno"));
                char r[PROF_GROUP_REASON_MAX];
                g->why = prof_group_classify(g->err, r, sizeof(r));
                snprintf(g->reason, sizeof(g->reason), "%s", json_object_get_string(un));
            } else {
                g->available = true;
                g->count = prof_count_make(fx_u64(ev, "value"), fx_u64(ev, "enabled"),
                                           fx_u64(ev, "running"));
            }
        }
        in->events = fx->ev[i];
        in->nevents = ne;
    }
    json_object_put(root);
}

static void fixture_free(struct fixture *fx)
{
    prof_calib_free(&fx->cal);
}

#endif
