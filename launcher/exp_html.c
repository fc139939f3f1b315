/*
 * exp_html — a sweep as one self-contained HTML page, in the style of
 * `scc report`'s page (rep_html.c): inline CSS and SVG, no script, no
 * external resource, every string from a spec escaped. Per group of
 * points (one chain shape or frame size): the box plot of the sink's
 * p1/p25/p50/p75/p99 per configuration as in the paper's figures (a log
 * axis: p99 is often 10x the median), then a table of the medians over
 * the repetitions, their spread, the accounting and the profiler's
 * per-packet figures. The machine's noise (CV of a repeated baseline)
 * heads the page, so a reader knows which differences are real.
 */
#include "launcher/exp.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static const char css[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em;"
    "color:#111}\nh1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid "
    "#ccc}\ntable{border-collapse:collapse;margin:.5em 0;font-variant-numeric:tabular-nums}\n"
    "th,td{border:1px solid #ccc;padding:2px 5px;text-align:right;font-size:12px}"
    ".wide{overflow-x:auto}th{background:#f3f3f3}\n"
    "td.l,th.l{text-align:left}.note{color:#444}.na{color:#888}.bad{color:#A04000}\n"
    "svg text{font:12px system-ui,sans-serif}\n";

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void cell(FILE *f, bool have, double v, const char *fmt)
{
    if (!have || isnan(v)) {
        fputs("<td class=\"na\">-</td>", f);
        return;
    }
    fputs("<td>", f);
    fprintf(f, fmt, v);
    fputs("</td>", f);
}

static double lx(double lo, double hi, double x0, double w, double v)
{
    if (v < lo)
        v = lo;
    return x0 + w * (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
}

static void group_plot(FILE *f, size_t gi, const struct exp_sweep *s, const char *group)
{
    size_t n = 0;
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < exp_sweep_npoints(s); i++) {
        const struct exp_point *p = exp_sweep_point(s, i);
        if (strcmp(p->group, group))
            continue;
        n++;
        if (p->med.have_lat) {
            lo = fmin(lo, p->med.p1 > 0 ? p->med.p1 : 1);
            hi = fmax(hi, p->med.p99);
            if (p->med.have_model && p->med.model_ns > 0) /* the diamond on the same axis */
                lo = fmin(lo, p->med.model_ns);
        }
    }
    if (!(hi > 0)) {
        fputs("<p class=\"na\">No point of this group measured latency.</p>\n", f);
        return;
    }
    lo = pow(10, floor(log10(lo / 1.2)));
    hi = pow(10, ceil(log10(hi * 1.2)));
    if (hi <= lo)
        hi = lo * 10;
    const double x0 = 230, w = 700, rowh = 26, top = 10;
    double hgt = top + rowh * (double)n + 40;
    fprintf(f, "<svg role=\"img\" aria-labelledby=\"g%zu-t g%zu-d\" viewBox=\"0 0 960 %.0f\" "
               "width=\"960\"><title id=\"g%zu-t\">One-way latency per configuration, ",
            gi, gi, hgt, gi);
    esc(f, group);
    fprintf(f, " (box plot: whiskers p1 and p99, box p25 to p75, bar the median; log scale; "
               "medians over the repetitions)</title><desc id=\"g%zu-d\">", gi);
    size_t row = 0;
    for (size_t i = 0; i < exp_sweep_npoints(s); i++) {
        const struct exp_point *p = exp_sweep_point(s, i);
        if (strcmp(p->group, group))
            continue;
        esc(f, p->label);
        if (p->med.have_lat)
            fprintf(f, ": median %.1f us, p99 %.1f us. ", p->med.p50 / 1e3, p->med.p99 / 1e3);
        else
            fputs(": not measured. ", f);
    }
    fputs("</desc>\n", f);
    for (size_t i = 0; i < exp_sweep_npoints(s); i++) {
        const struct exp_point *p = exp_sweep_point(s, i);
        if (strcmp(p->group, group))
            continue;
        double y = top + rowh * (double)row++, ym = y + rowh / 2;
        fprintf(f, "<text x=\"0\" y=\"%.1f\">", ym + 4);
        esc(f, p->label);
        fputs("</text>", f);
        const struct exp_fig *m = &p->med;
        if (!m->have_lat) {
            fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" fill=\"#888\">not measured</text>", x0,
                    ym + 4);
            continue;
        }
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>",
                lx(lo, hi, x0, w, m->p1), ym, lx(lo, hi, x0, w, m->p99), ym);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#56B4E9\" "
                   "stroke=\"#000\"><title>p25 %.1f us to p75 %.1f us</title></rect>",
                lx(lo, hi, x0, w, m->p25), y + 4,
                fmax(1, lx(lo, hi, x0, w, m->p75) - lx(lo, hi, x0, w, m->p25)), rowh - 8,
                m->p25 / 1e3, m->p75 / 1e3);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
                   "stroke-width=\"3\"><title>median %.1f us</title></line>\n",
                lx(lo, hi, x0, w, m->p50), y + 2, lx(lo, hi, x0, w, m->p50), y + rowh - 2,
                m->p50 / 1e3);
        if (m->have_model)
            fprintf(f, "<path d=\"M%.1f,%.1f l5,5 l-5,5 l-5,-5 z\" fill=\"#D55E00\"><title>model "
                       "%.1f us per packet</title></path>",
                    lx(lo, hi, x0, w, m->model_ns), ym - 5, m->model_ns / 1e3);
    }
    double ya = top + rowh * (double)n + 6;
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#666\"/>", x0, ya,
            x0 + w, ya);
    for (double t = lo; t <= hi * 1.001; t *= 10)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#666\"/>"
                   "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%g us</text>",
                lx(lo, hi, x0, w, t), ya, lx(lo, hi, x0, w, t), ya + 5, lx(lo, hi, x0, w, t),
                ya + 18, t / 1e3);
    fputs("</svg>\n<p class=\"note\">Orange diamond: the profiler model's per-packet estimate "
          "(CPU work only; docs/profiler.md).</p>\n", f);
}

static void group_table(FILE *f, const struct exp_sweep *s, const char *group)
{
    fputs("<div class=\"wide\"><table><tr><th class=\"l\">point</th>"
          "<th>reps ok</th>"
          "<th>p1 us</th><th>p25 us</th><th>p50 us</th><th>p75 us</th><th>p99 us</th>"
          "<th>IQR us</th><th>p50 spread us</th><th>sent</th><th>received</th><th>dropped</th>"
          "<th>unaccounted</th><th>kpps</th><th>syscalls/pkt</th><th>ctx sw/pkt</th>"
          "<th>CPU ns/pkt</th><th>Wait/Run</th><th>Contention/Run</th><th>model ns/pkt</th>"
          "</tr>\n", f);
    for (size_t i = 0; i < exp_sweep_npoints(s); i++) {
        const struct exp_point *p = exp_sweep_point(s, i);
        if (strcmp(p->group, group))
            continue;
        const struct exp_fig *m = &p->med;
        fputs("<tr><td class=\"l\">", f);
        esc(f, p->label);
        fprintf(f, "</td><td>%zu/%zu</td>", p->nok, p->nrep);
        cell(f, m->have_lat, m->p1 / 1e3, "%.1f");
        cell(f, m->have_lat, m->p25 / 1e3, "%.1f");
        cell(f, m->have_lat, m->p50 / 1e3, "%.1f");
        cell(f, m->have_lat, m->p75 / 1e3, "%.1f");
        cell(f, m->have_lat, m->p99 / 1e3, "%.1f");
        cell(f, m->have_lat, m->iqr / 1e3, "%.1f");
        if (p->nok > 0 && isfinite(p->p50_lo))
            fprintf(f, "<td>%.1f-%.1f</td>", p->p50_lo / 1e3, p->p50_hi / 1e3);
        else
            fputs("<td class=\"na\">-</td>", f);
        cell(f, m->ok, m->sent, "%.0f");
        cell(f, m->ok, m->received, "%.0f");
        cell(f, m->ok, m->dropped, "%.0f");
        cell(f, m->have_unacc, m->unaccounted, "%.0f");
        cell(f, m->ok, m->pps / 1e3, "%.1f");
        cell(f, m->have_sched, m->syscalls_pp, "%.2f");
        cell(f, m->have_sched, m->cs_pp, "%.2f");
        cell(f, m->have_sched, m->cpu_pp, "%.0f");
        cell(f, m->have_sched, m->wait_over_run, "%.3f");
        cell(f, m->have_model, m->contention_over_run, "%.3f");
        cell(f, m->have_model, m->model_ns, "%.0f");
        fputs("</tr>\n", f);
        for (size_t r = 0; r < p->nrep; r++)
            if (!p->rep[r].ok) {
                fprintf(f, "<tr><td class=\"l bad\" colspan=\"20\">repetition %zu failed: ", r + 1);
                esc(f, p->rep[r].err);
                fputs("</td></tr>\n", f);
            }
    }
    fputs("</table></div>\n", f);
}

/* colocation: per point of N bundles, the aggregate and the fairness */
static void bundle_table(FILE *f, const struct exp_sweep *s, const char *group)
{
    bool any = false;
    for (size_t i = 0; i < exp_sweep_npoints(s) && !any; i++)
        any = !strcmp(exp_sweep_point(s, i)->group, group) && exp_sweep_point(s, i)->nbundle;
    if (!any)
        return;
    fputs("<p class=\"note\">The bundles together (sums over the bundles; latency per bundle: "
          "the spread of their medians is the fairness):</p>\n<div class=\"wide\"><table><tr>"
          "<th class=\"l\">point</th><th>bundles</th><th>kpps in all</th><th>loss %</th>"
          "<th>bundles' p50 min us</th><th>median us</th><th>max us</th><th>worst p99 us</th>"
          "<th>CPU ns/pkt</th><th>ctx sw/pkt</th><th>end spread s</th></tr>\n", f);
    for (size_t i = 0; i < exp_sweep_npoints(s); i++) {
        const struct exp_point *p = exp_sweep_point(s, i);
        if (strcmp(p->group, group) || !p->nbundle)
            continue;
        const struct exp_fig *m = &p->med;
        fputs("<tr><td class=\"l\">", f);
        esc(f, p->label);
        fprintf(f, "</td><td>%zu</td>", p->nbundle);
        cell(f, m->ok, m->pps / 1e3, "%.1f");
        cell(f, m->ok, 100 * m->loss, "%.2f");
        cell(f, m->have_fair, m->b_p50_min / 1e3, "%.1f");
        cell(f, m->have_fair, m->b_p50_med / 1e3, "%.1f");
        cell(f, m->have_fair, m->b_p50_max / 1e3, "%.1f");
        cell(f, m->have_fair, m->b_p99_max / 1e3, "%.1f");
        cell(f, m->have_sched, m->cpu_pp, "%.0f");
        cell(f, m->have_sched, m->cs_pp, "%.2f");
        cell(f, m->ok, m->end_spread_s, "%.2f");
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

/* extra sections: an array "notes" of strings, an array "fits" of
 * {group, config, slope_ns, intercept_ns, r2, n}, a string "verdict" */
static void extras(FILE *f, struct json_object *extra)
{
    struct json_object *v;
    if (!extra)
        return;
    if (json_object_object_get_ex(extra, "verdict", &v) && json_object_is_type(v, json_type_string)) {
        fputs("<h2>Verdict</h2><p>", f);
        esc(f, json_object_get_string(v));
        fputs("</p>\n", f);
    }
    if (json_object_object_get_ex(extra, "fits", &v) && json_object_is_type(v, json_type_array) &&
        json_object_array_length(v)) {
        fputs("<h2>Median latency against chain length (least squares)</h2>\n<table><tr>"
              "<th class=\"l\">group</th><th class=\"l\">configuration</th><th>per NF us</th>"
              "<th>intercept us</th><th>r&sup2;</th><th>points</th></tr>\n", f);
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *o = json_object_array_get_idx(v, i), *g, *c, *sl, *ic, *r2, *n;
            if (!json_object_object_get_ex(o, "group", &g) ||
                !json_object_object_get_ex(o, "config", &c) ||
                !json_object_object_get_ex(o, "slope_ns", &sl) ||
                !json_object_object_get_ex(o, "intercept_ns", &ic) ||
                !json_object_object_get_ex(o, "r2", &r2) || !json_object_object_get_ex(o, "n", &n))
                continue;
            fputs("<tr><td class=\"l\">", f);
            esc(f, json_object_get_string(g));
            fputs("</td><td class=\"l\">", f);
            esc(f, json_object_get_string(c));
            fprintf(f, "</td><td>%.2f</td><td>%.2f</td><td>%.3f</td><td>%d</td></tr>\n",
                    json_object_get_double(sl) / 1e3, json_object_get_double(ic) / 1e3,
                    json_object_get_double(r2), json_object_get_int(n));
        }
        fputs("</table>\n", f);
    }
    if (json_object_object_get_ex(extra, "notes", &v) && json_object_is_type(v, json_type_array)) {
        fputs("<h2>Notes</h2><ul>\n", f);
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            fputs("<li>", f);
            esc(f, json_object_get_string(json_object_array_get_idx(v, i)));
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
}

int exp_write_html(FILE *f, const char *title, const struct exp_sweep *s,
                   struct json_object *extra)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
          "<meta name=\"generator\" content=\"scc experiment\"><title>", f);
    esc(f, title);
    fprintf(f, "</title><style>\n%s</style></head><body>\n<header><h1>", css);
    esc(f, title);
    fputs("</h1>\n", f);
    double cv;
    size_t n, pt;
    if (exp_sweep_noise(s, &cv, &n, &pt)) {
        const struct exp_point *p = exp_sweep_point(s, pt);
        fprintf(f, "<p><strong>Machine noise:</strong> the median latency of the baseline point "
                   "(");
        esc(f, p->group);
        fputs(", ", f);
        esc(f, p->label);
        fprintf(f, ") varied by a coefficient of variation of %.1f%% over %zu "
                   "repetitions: differences smaller than about twice that are not real.</p>\n",
                100 * cv, n);
    } else {
        fputs("<p class=\"na\"><strong>Machine noise:</strong> not measured (fewer than 2 "
              "repetitions of the baseline point ran).</p>\n", f);
    }
    fputs("<p class=\"note\">Every figure is the median over the repetitions of a point; each "
          "repetition is one <code>scc run</code> whose run file is kept in the experiment's "
          "JSON. A figure that could not be measured shows as '-', never as 0. "
          "docs/experiments.md explains each experiment.</p></header>\n<main>\n", f);
    extras(f, extra);
    /* groups in order of first appearance */
    size_t np = exp_sweep_npoints(s), gi = 0;
    for (size_t i = 0; i < np; i++) {
        const char *g = exp_sweep_point(s, i)->group;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(exp_sweep_point(s, j)->group, g);
        if (seen)
            continue;
        fputs("<h2>", f);
        esc(f, g);
        fputs("</h2>\n", f);
        group_plot(f, gi++, s, g);
        group_table(f, s, g);
        bundle_table(f, s, g);
    }
    fputs("</main>\n<footer class=\"note\"><p>Made by <code>scc experiment</code> / <code>scc "
          "tune</code>.</p></footer>\n</body></html>\n", f);
    if (fflush(f) != 0 || ferror(f))
        return -EIO;
    return 0;
}
