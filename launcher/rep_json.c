/*
 * rep_json — the run file(s) normalised: one run is written back as the
 * scc-run/2 document it was read as (checked on load, pretty-printed, key
 * order kept), so it validates against docs/schema/scc-run.schema.json.
 * Several runs: {"schema": "scc-report/1", "runs": [scc-run/2 ...],
 * "comparison": [{"figure", "unit", "values", "ratios"}]}, a value or
 * ratio being null where a run lacks the figure.
 */
#include "launcher/rep.h"

#include <errno.h>

static struct json_object *num_or_null(bool have, double v)
{
    return have ? json_object_new_double(v) : NULL;
}

int rep_write_json(FILE *f, const struct rep_run *const *runs, size_t nruns)
{
    const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
    if (nruns == 1) {
        fprintf(f, "%s\n", json_object_to_json_string_ext(runs[0]->root, flags));
    } else {
        struct json_object *o = json_object_new_object(), *a = json_object_new_array();
        if (!o || !a) {
            json_object_put(o);
            json_object_put(a);
            return -ENOMEM;
        }
        json_object_object_add(o, "schema", json_object_new_string("scc-report/1"));
        for (size_t k = 0; k < nruns; k++)
            json_object_array_add(a, json_object_get(runs[k]->root));
        json_object_object_add(o, "runs", a);
        struct rep_cmp_row rows[REP_CMP_MAX];
        size_t n = rep_compare(runs, nruns, rows, REP_CMP_MAX);
        struct json_object *cmp = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
            struct json_object *r = json_object_new_object(), *v = json_object_new_array(),
                               *q = json_object_new_array();
            json_object_object_add(r, "figure", json_object_new_string(rows[i].label));
            json_object_object_add(r, "unit", json_object_new_string(rows[i].unit));
            for (size_t k = 0; k < nruns; k++) {
                double x = 0;
                bool ok = rep_cmp_ratio(&rows[i], k, &x);
                json_object_array_add(v, num_or_null(rows[i].have[k], rows[i].v[k]));
                json_object_array_add(q, num_or_null(ok, x));
            }
            json_object_object_add(r, "values", v);
            json_object_object_add(r, "ratios", q);
            json_object_array_add(cmp, r);
        }
        json_object_object_add(o, "comparison", cmp);
        fprintf(f, "%s\n", json_object_to_json_string_ext(o, flags));
        json_object_put(o);
    }
    if (fflush(f) != 0 || ferror(f))
        return -EIO;
    return 0;
}
