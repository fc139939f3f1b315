/*
 * rep_html — a saved run as one self-contained HTML page: inline CSS and
 * inline SVG, no script, no external font, image or link, so it opens
 * from a mail attachment or a file share as it is, and prints on paper.
 *
 * Per run: the three biggest causes of latency in words (prof_text's
 * sentences); a stacked bar per NF of the model's terms (unavailable terms
 * listed with their reason, never drawn as 0) and of its time per packet
 * (CPU / run-queue wait / blocked); the sink's percentiles as a box plot
 * next to the model's estimate; Wait/RunTime and SchedContention/RunTime;
 * the chain as boxes and arrows with each NF's core, policy and counters;
 * the machine and the calibration. Several runs: a comparison table with
 * ratios first, then the runs side by side.
 *
 * Accessibility: every chart is role="img" with a <title> and <desc>
 * saying in words what it shows; colours are Okabe-Ito (distinguishable
 * with the common colour-vision deficiencies) and every series also has a
 * pattern and a text label. Every string from the run file is escaped (NF
 * names are user input).
 */
#include "launcher/rep.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "profiler/prof_events.h"
#include "profiler/prof_text.h"

/* Okabe-Ito, one per term, then CPU / wait / blocked */
static const char *const term_colour[PROF_NTERMS] = {
    "#56B4E9", "#0072B2", "#009E73", "#D55E00", "#F0E442",
    "#E69F00", "#999999", "#CC79A7", "#000000",
};
/* the pattern drawn over each colour: a second cue besides the hue */
static const char *const term_pid[PROF_NTERMS] = {
    "p-t0", "p-t1", "p-t2", "p-t3", "p-t4", "p-t5", "p-t6", "p-t7", "p-t8",
};
static const char *const term_pattern[PROF_NTERMS] = {
    "none", "diag", "dots", "cross", "vert", "horiz", "diag2", "dots", "diag",
};
enum { T_RUN, T_WAIT, T_BLOCKED, NTIME };
static const char *const time_name[NTIME] = {"CPU", "run-queue wait", "blocked"};
static const char *const time_colour[NTIME] = {"#0072B2", "#D55E00", "#BBBBBB"};
static const char *const time_pid[NTIME] = {"p-x0", "p-x1", "p-x2"};
static const char *const time_pattern[NTIME] = {"none", "diag", "dots"};

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

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em;color:#111;"
    "background:#fff;max-width:1400px}\n"
    "h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.25em;border-bottom:2px solid #0072B2;"
    "padding-bottom:.2em;margin-top:1.2em}h3{font-size:1.05em;margin:1.2em 0 .4em}\n"
    ".runs{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:2em}\n"
    ".meta{color:#333}.causes li{margin:.2em 0}.causes{font-size:1.05em}\n"
    "table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #bbb;padding:.2em .5em;"
    "text-align:right}th:first-child,td:first-child{text-align:left}th{background:#eef3f8}\n"
    ".na{color:#555;font-style:italic}.note{color:#444;font-size:.92em}\n"
    "svg{max-width:100%;height:auto;display:block}svg text{font:12px system-ui,sans-serif;"
    "fill:#111}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:.3em 1em;margin:.3em 0;font-size:.92em}"
    ".legend span{display:inline-flex;align-items:center;gap:.3em}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:600}"
    "dd{margin:0}\n"
    "@media print{body{margin:0;font-size:11pt;max-width:none}.runs{display:block}"
    "section.run{break-inside:avoid-page;page-break-inside:avoid}h2{break-after:avoid}"
    "th{background:none}a{color:#000}}\n";

static void stroke(FILE *f, const char *d, const char *ink)
{
    fprintf(f, "<path d=\"%s\" stroke=\"%s\" stroke-width=\"1.2\" opacity=\".6\"/>", d, ink);
}

/* One <pattern> per series: its colour, with hatching or dots on top. */
static void pattern(FILE *f, const char *id, const char *colour, const char *kind)
{
    bool dark = !strcmp(colour, "#000000") || !strcmp(colour, "#0072B2") ||
                !strcmp(colour, "#D55E00") || !strcmp(colour, "#009E73");
    const char *ink = dark ? "#fff" : "#000";
    fprintf(f, "<pattern id=\"%s\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
               "<rect width=\"8\" height=\"8\" fill=\"%s\"/>",
            id, colour);
    if (!strcmp(kind, "diag"))
        stroke(f, "M0,8 L8,0", ink);
    else if (!strcmp(kind, "diag2"))
        stroke(f, "M0,0 L8,8", ink);
    else if (!strcmp(kind, "dots"))
        fprintf(f, "<circle cx=\"4\" cy=\"4\" r=\"1.4\" fill=\"%s\" opacity=\".6\"/>", ink);
    else if (!strcmp(kind, "cross"))
        fprintf(f, "<path d=\"M0,8 L8,0 M0,0 L8,8\" stroke=\"%s\" stroke-width=\"1\" "
                   "opacity=\".6\"/>", ink);
    else if (!strcmp(kind, "vert"))
        stroke(f, "M4,0 L4,8", ink);
    else if (!strcmp(kind, "horiz"))
        stroke(f, "M0,4 L8,4", ink);
    fputs("</pattern>", f);
}

/* The patterns, once per page (a hidden SVG: ids are document-wide). */
static void defs(FILE *f)
{
    fputs("<svg width=\"0\" height=\"0\" aria-hidden=\"true\" focusable=\"false\" "
          "style=\"position:absolute\"><defs>", f);
    char id[16];
    for (int k = 0; k < PROF_NTERMS; k++) {
        snprintf(id, sizeof(id), "p-t%d", k);
        pattern(f, id, term_colour[k], term_pattern[k]);
    }
    for (int k = 0; k < NTIME; k++) {
        snprintf(id, sizeof(id), "p-x%d", k);
        pattern(f, id, time_colour[k], time_pattern[k]);
    }
    fputs("</defs></svg>\n", f);
}

static void swatch(FILE *f, const char *pid, const char *label)
{
    fprintf(f, "<span><svg width=\"16\" height=\"12\" aria-hidden=\"true\"><rect width=\"16\" "
               "height=\"12\" fill=\"url(#%s)\" stroke=\"#333\" stroke-width=\".5\"/></svg>",
            pid);
    esc(f, label);
    fputs("</span>", f);
}

static void causes(FILE *f, const struct rep_run *r)
{
    fputs("<h3>Biggest causes of latency</h3>\n", f);
    if (!r->have_profile) {
        fputs("<p class=\"na\">Not in this run file: it was not profiled (<code>scc run CHAIN "
              "--profile --json FILE</code> records the per-packet model). The NF counters "
              "and the sink's latency below are measured.</p>\n", f);
        return;
    }
    char cs[3][PROF_TEXT_CAUSE_MAX];
    size_t n = prof_text_causes_results(r->res, r->nres, cs);
    if (!n) {
        fputs("<p class=\"na\">None measured above 1% of an NF's time per packet.</p>\n", f);
        return;
    }
    fputs("<ol class=\"causes\">", f);
    for (size_t i = 0; i < n; i++) {
        fputs("<li>", f);
        esc(f, cs[i]);
        fputs("</li>", f);
    }
    fputs("</ol>\n", f);
}

static double time_v(const struct prof_nf_result *x, int k, bool *ok)
{
    const struct prof_figure *fg = k == T_RUN    ? &x->run_ns_per_pkt
                                   : k == T_WAIT ? &x->wait_ns_per_pkt
                                                 : &x->blocked_ns_per_pkt;
    *ok = fg->available;
    return fg->v;
}

/* One stacked bar: segments with their <title>, a value label after it. */
struct seg {
    double v;
    const char *pid;
    char title[160];
};

static void bar(FILE *f, double x0, double y, double h, double scale, const struct seg *s,
                size_t n, const char *after)
{
    double x = x0;
    for (size_t i = 0; i < n; i++) {
        double w = s[i].v * scale;
        if (w <= 0)
            continue;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"url(#%s)\" "
                   "stroke=\"#fff\" stroke-width=\".5\"><title>",
                x, y, w, h, s[i].pid);
        esc(f, s[i].title);
        fputs("</title></rect>", f);
        x += w;
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 6, y + h * 0.72);
    esc(f, after);
    fputs("</text>\n", f);
}

/* A run without the profiler: CPU and run-queue wait per packet from the
 * launcher's /proc figures (blocked time needs the thread count, which
 * only the profile records). */
static void plain_chart(FILE *f, size_t k, const struct rep_run *r)
{
    fputs("<p class=\"na\">No model terms: the run was not profiled. CPU and run-queue wait "
          "per packet below are the launcher's /proc figures.</p>\n", f);
    double max = 1;
    for (size_t i = 0; i < r->n; i++) {
        const struct rep_nf *n = &r->nf[i];
        double t = n->rx ? (double)(n->run_ns + n->wait_ns) / (double)n->rx : 0;
        if (n->have_sched && n->have_stats && t > max)
            max = t;
    }
    const double label_w = 130, plot_w = 560, row_h = 22, gap = 14;
    double h = 10 + (double)r->n * (row_h + gap);
    fprintf(f, "<svg role=\"img\" aria-labelledby=\"r%zu-tt r%zu-td\" viewBox=\"0 0 %.0f %.0f\" "
               "width=\"%.0f\"><title id=\"r%zu-tt\">CPU and run-queue wait per packet, per "
               "NF</title><desc id=\"r%zu-td\">",
            k, k, label_w + plot_w + 200, h, label_w + plot_w + 200, k, k);
    for (size_t i = 0; i < r->n; i++) {
        const struct rep_nf *n = &r->nf[i];
        esc(f, n->name);
        if (n->have_sched && n->have_stats && n->rx)
            fprintf(f, ": CPU %.0f ns, run-queue wait %.0f ns per packet. ",
                    (double)n->run_ns / (double)n->rx, (double)n->wait_ns / (double)n->rx);
        else
            fputs(": not measured. ", f);
    }
    fputs("</desc>\n", f);
    double y = 6;
    for (size_t i = 0; i < r->n; i++) {
        const struct rep_nf *n = &r->nf[i];
        fprintf(f, "<text x=\"0\" y=\"%.1f\" font-weight=\"bold\">", y + row_h * 0.72);
        esc(f, n->name);
        fputs("</text>", f);
        if (n->have_sched && n->have_stats && n->rx) {
            struct seg s[2];
            s[0].v = (double)n->run_ns / (double)n->rx;
            s[0].pid = time_pid[T_RUN];
            snprintf(s[0].title, sizeof(s[0].title), "CPU: %.1f ns per packet", s[0].v);
            s[1].v = (double)n->wait_ns / (double)n->rx;
            s[1].pid = time_pid[T_WAIT];
            snprintf(s[1].title, sizeof(s[1].title), "run-queue wait: %.1f ns per packet",
                     s[1].v);
            char after[96];
            snprintf(after, sizeof(after), "%.0f ns/pkt (blocked: not in a plain run)",
                     s[0].v + s[1].v);
            bar(f, label_w, y, row_h, plot_w / max, s, 2, after);
        } else {
            fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" font-style=\"italic\">not measured "
                       "(stats page or /proc unread over the window)</text>\n",
                    label_w, y + row_h * 0.72);
        }
        y += row_h + gap;
    }
    fputs("</svg>\n<div class=\"legend\" aria-hidden=\"true\">", f);
    swatch(f, time_pid[T_RUN], time_name[T_RUN]);
    swatch(f, time_pid[T_WAIT], time_name[T_WAIT]);
    fputs("</div>\n", f);
}

static void term_chart(FILE *f, size_t k, const struct rep_run *r)
{
    fputs("<h3>Where each packet's time goes, per NF</h3>\n", f);
    if (!r->have_profile) {
        plain_chart(f, k, r);
        return;
    }
    double max = 1;
    for (size_t i = 0; i < r->nres; i++) {
        const struct prof_nf_result *x = &r->res[i];
        double t = 0;
        bool ok;
        for (int j = 0; j < NTIME; j++) {
            double v = time_v(x, j, &ok);
            t += ok ? v : 0;
        }
        if (t > max)
            max = t;
        if (x->total_ns_per_pkt > max)
            max = x->total_ns_per_pkt;
    }
    const double label_w = 130, plot_w = 560, row_h = 22, gap = 64;
    double h = 20 + (double)r->nres * (2 * row_h + gap);
    double scale = plot_w / max;
    /* the description first: what a screen reader says for the chart */
    fprintf(f, "<svg role=\"img\" aria-labelledby=\"r%zu-tt r%zu-td\" viewBox=\"0 0 %.0f %.0f\" "
               "width=\"%.0f\"><title id=\"r%zu-tt\">Per-packet latency terms and time per "
               "packet, per NF</title><desc id=\"r%zu-td\">",
            k, k, label_w + plot_w + 200, h, label_w + plot_w + 200, k, k);
    for (size_t i = 0; i < r->nres; i++) {
        const struct prof_nf_result *x = &r->res[i];
        fprintf(f, "%s: model total %.0f ns per packet (", i ? " " : "", x->total_ns_per_pkt);
        esc(f, x->name);
        fputs(")", f);
        for (int t = 0; t < PROF_NTERMS; t++)
            if (x->term[t].available)
                fprintf(f, ", %s %.0f ns", prof_term_names[t], x->term[t].ns_per_pkt);
        char lacks[64];
        prof_model_lacking_str(x->lacking, lacks, sizeof(lacks));
        if (x->lacking)
            fprintf(f, "; unavailable, not drawn: %s", lacks);
        bool ok;
        for (int j = 0; j < NTIME; j++) {
            double v = time_v(x, j, &ok);
            if (ok)
                fprintf(f, "; %s %.0f ns", time_name[j], v);
            else
                fprintf(f, "; %s unavailable", time_name[j]);
        }
        fputs(".", f);
    }
    fputs("</desc>\n", f);
    double y = 16;
    for (size_t i = 0; i < r->nres; i++) {
        const struct prof_nf_result *x = &r->res[i];
        fprintf(f, "<text x=\"0\" y=\"%.1f\" font-weight=\"bold\">", y + row_h * 0.72);
        esc(f, x->name);
        fputs("</text>", f);
        fprintf(f, "<text x=\"0\" y=\"%.1f\" class=\"note\">model terms</text>",
                y + row_h * 0.72 + 14);
        struct seg s[PROF_NTERMS];
        size_t ns = 0;
        for (int t = 0; t < PROF_NTERMS; t++) {
            if (!x->term[t].available)
                continue;
            s[ns].v = x->term[t].ns_per_pkt;
            s[ns].pid = term_pid[t];
            snprintf(s[ns].title, sizeof(s[ns].title), "%s %s: %.1f ns per packet%s",
                     prof_term_names[t], prof_term_words[t], x->term[t].ns_per_pkt,
                     x->term[t].scaled ? " (scaled: multiplexed)" : "");
            ns++;
        }
        char after[96];
        snprintf(after, sizeof(after), "%.0f ns/pkt%s", x->total_ns_per_pkt,
                 x->lacking ? " (available terms)" : "");
        bar(f, label_w, y, row_h, scale, s, ns, after);
        double y2 = y + row_h + 4;
        fprintf(f, "<text x=\"0\" y=\"%.1f\" class=\"note\">time per packet</text>",
                y2 + row_h * 0.72 + 14);
        struct seg ts[NTIME];
        size_t nt = 0;
        double tt = 0;
        char missing[64] = "";
        for (int j = 0; j < NTIME; j++) {
            bool ok;
            double v = time_v(x, j, &ok);
            if (!ok) {
                size_t l = strlen(missing);
                snprintf(missing + l, sizeof(missing) - l, "%s%s", l ? ", " : "", time_name[j]);
                continue;
            }
            ts[nt].v = v;
            ts[nt].pid = time_pid[j];
            snprintf(ts[nt].title, sizeof(ts[nt].title), "%s: %.1f ns per packet", time_name[j],
                     v);
            tt += v;
            nt++;
        }
        char after2[160];
        snprintf(after2, sizeof(after2), "%.0f ns/pkt%s%s%s", tt, missing[0] ? " (" : "",
                 missing, missing[0] ? " unavailable)" : "");
        bar(f, label_w, y2, row_h, scale, ts, nt, after2);
        /* the terms that could not be measured: said, not drawn */
        if (x->lacking) {
            char lacks[64];
            prof_model_lacking_str(x->lacking, lacks, sizeof(lacks));
            const char *why = "";
            for (int t = 0; t < PROF_NTERMS; t++)
                if (!x->term[t].available) {
                    why = x->term[t].reason;
                    break;
                }
            /* two lines, so that a long reason does not run out of the
             * drawing: which terms, then why (cut at 100 characters; the
             * whole reason is the tooltip) */
            char line[200];
            snprintf(line, sizeof(line), "unavailable, not drawn: %s", lacks);
            fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" class=\"na\" font-style=\"italic\" "
                       "fill=\"#444\">",
                    label_w, y2 + row_h + 16);
            esc(f, line);
            fputs("<title>", f);
            esc(f, why);
            fputs("</title></text>\n", f);
            snprintf(line, sizeof(line), "%.100s%s", why, strlen(why) > 100 ? "…" : "");
            fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" class=\"na\" font-size=\"11\" "
                       "fill=\"#444\">",
                    label_w, y2 + row_h + 30);
            esc(f, line);
            fputs("</text>\n", f);
        }
        y += 2 * row_h + gap;
    }
    fputs("</svg>\n<div class=\"legend\" aria-hidden=\"true\">", f);
    for (int t = 0; t < PROF_NTERMS; t++) {
        char pid[8], lab[96];
        snprintf(pid, sizeof(pid), "p-t%d", t);
        snprintf(lab, sizeof(lab), "%s %s", prof_term_names[t], prof_term_words[t]);
        swatch(f, pid, lab);
    }
    for (int j = 0; j < NTIME; j++) {
        char pid[8];
        snprintf(pid, sizeof(pid), "p-x%d", j);
        swatch(f, pid, time_name[j]);
    }
    fputs("</div>\n", f);
    if (r->res[0].lacking && !r->pmu_available) {
        fputs("<p class=\"note\">Hardware counters were unavailable on this machine: ", f);
        esc(f, r->pmu_reason);
        fputs(". The memory and TLB terms are not measured (not zero); CPU time, run-queue wait "
              "and blocked time are.</p>\n", f);
    }
}

/* Latency spans decades (p99 is often 10x the median): a log axis keeps
 * the box readable and the model's estimate on the same scale. */
struct logax {
    double lo, hi, x0, w;
};

static double lx(const struct logax *a, double v)
{
    if (v < a->lo)
        v = a->lo;
    return a->x0 + a->w * (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
}

static void us(char *buf, size_t len, double ns)
{
    if (ns >= 1e6)
        snprintf(buf, len, "%.3g ms", ns / 1e6);
    else if (ns >= 1e3)
        snprintf(buf, len, "%.3g us", ns / 1e3);
    else
        snprintf(buf, len, "%.3g ns", ns);
}

static void box_plot(FILE *f, size_t k, const struct rep_run *r)
{
    fputs("<h3>Latency: the sink's percentiles and the model's estimate</h3>\n", f);
    const struct rep_latency *l = &r->lat;
    if (!l->have) {
        fputs("<p class=\"na\">The sink measured no latency: ", f);
        esc(f, l->reason);
        fputs("</p>\n", f);
        return;
    }
    bool model = r->have_profile && r->chain_res.total_ns_per_pkt > 0;
    double est = model ? r->chain_res.total_ns_per_pkt : 0;
    double lo = l->p1 > 0 ? l->p1 : 1, hi = l->p99 > lo ? l->p99 : lo * 10;
    if (model && est < lo)
        lo = est;
    if (model && est > hi)
        hi = est;
    struct logax ax = {pow(10, floor(log10(lo / 1.5))), pow(10, ceil(log10(hi * 1.5))), 110, 620};
    fprintf(f, "<svg role=\"img\" aria-labelledby=\"r%zu-bt r%zu-bd\" viewBox=\"0 0 760 150\" "
               "width=\"760\"><title id=\"r%zu-bt\">Measured one-way latency (box plot, log "
               "scale) and the model's per-packet estimate</title><desc id=\"r%zu-bd\">Sink "
               "latency p1 %.1f us, p25 %.1f us, median %.1f us, p75 %.1f us, p99 %.1f us.",
            k, k, k, k, l->p1 / 1e3, l->p25 / 1e3, l->p50 / 1e3, l->p75 / 1e3, l->p99 / 1e3);
    if (model) {
        fprintf(f, " Model estimate %.1f us per packet", est / 1e3);
        if (r->model_vs_sink[0])
            fprintf(f, ", %s the measured p1-p99 range", r->model_vs_sink);
        fputs(".", f);
    }
    fputs("</desc>\n", f);
    const double yb = 46, hb = 30, ym = yb + hb / 2, yax = 96;
    fprintf(f, "<text x=\"0\" y=\"%.0f\" font-weight=\"bold\">measured</text>", ym + 4);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>",
            lx(&ax, l->p1), ym, lx(&ax, l->p99), ym);
    for (int e = 0; e < 2; e++) {
        double xv = lx(&ax, e ? l->p99 : l->p1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\">"
                   "<title>%s %.1f us</title></line>",
                xv, yb + 6, xv, yb + hb - 6, e ? "p99" : "p1", (e ? l->p99 : l->p1) / 1e3);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"url(#p-t0)\" "
               "stroke=\"#000\"><title>p25 %.1f us to p75 %.1f us</title></rect>",
            lx(&ax, l->p25), yb, lx(&ax, l->p75) - lx(&ax, l->p25), hb, l->p25 / 1e3,
            l->p75 / 1e3);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
               "stroke-width=\"3\"><title>median %.1f us</title></line>\n",
            lx(&ax, l->p50), yb - 3, lx(&ax, l->p50), yb + hb + 3, l->p50 / 1e3);
    /* the axis: one tick per decade */
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#666\"/>", ax.x0,
            yax, ax.x0 + ax.w, yax);
    for (double t = ax.lo; t <= ax.hi * 1.001; t *= 10) {
        char b[24];
        us(b, sizeof(b), t);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#666\"/>"
                   "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>",
                lx(&ax, t), yax, lx(&ax, t), yax + 5, lx(&ax, t), yax + 18, b);
    }
    char b[5][24];
    us(b[0], 24, l->p1);
    us(b[1], 24, l->p25);
    us(b[2], 24, l->p50);
    us(b[3], 24, l->p75);
    us(b[4], 24, l->p99);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">p1 %s · p25 %s · median %s · p75 %s · p99 %s</text>",
            ax.x0, yax + 42, b[0], b[1], b[2], b[3], b[4]);
    if (model) {
        double xe = lx(&ax, est);
        char e[24];
        us(e, sizeof(e), est);
        fprintf(f, "<text x=\"0\" y=\"20\" font-weight=\"bold\" fill=\"#D55E00\">model</text>");
        fprintf(f, "<line x1=\"%.1f\" y1=\"22\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#D55E00\" "
                   "stroke-width=\"2\" stroke-dasharray=\"5 3\"/>",
                xe, xe, yax);
        fprintf(f, "<path d=\"M%.1f,8 l7,7 l-7,7 l-7,-7 z\" fill=\"#D55E00\"><title>model "
                   "estimate %.1f us per packet</title></path>",
                xe, est / 1e3);
        fprintf(f, "<text x=\"%.1f\" y=\"20\" fill=\"#A04000\">%s per packet%s</text>", xe + 11,
                e, r->chain_res.lacking ? " (lacks terms)" : "");
    }
    fputs("</svg>\n", f);
    if (model && (r->model_vs_sink[0] || r->sink_note[0])) {
        fputs("<p class=\"note\">Model estimate ", f);
        esc(f, r->model_vs_sink[0] ? r->model_vs_sink : "not compared with");
        fputs(" the measured p1-p99 range", f);
        if (r->sink_note[0]) {
            fputs(": ", f);
            esc(f, r->sink_note);
        }
        fputs(".</p>\n", f);
    }
}

static void fig_cell(FILE *f, bool ok, double v, const char *fmt, const char *why)
{
    if (ok) {
        fputs("<td>", f);
        fprintf(f, fmt, v);
    } else {
        fputs("<td class=\"na\" title=\"", f);
        esc(f, why);
        fputs("\">unavailable", f);
    }
    fputs("</td>", f);
}

static void ratios(FILE *f, const struct rep_run *r)
{
    fputs("<h3>Waiting and contention</h3>\n<table><caption class=\"note\">Wait/RunTime: "
          "run-queue wait per unit of CPU time; SchedContention/RunTime: involuntary switches "
          "per unit of CPU time (paper Table 5)</caption><tr><th scope=\"col\">NF</th>"
          "<th scope=\"col\">Wait/RunTime</th><th scope=\"col\">SchedContention/RunTime</th>"
          "<th scope=\"col\">run-queue wait ns/pkt</th><th scope=\"col\">CPU ns/pkt</th></tr>\n",
          f);
    if (r->have_profile) {
        for (size_t i = 0; i <= r->nres; i++) {
            const struct prof_nf_result *x = i < r->nres ? &r->res[i] : &r->chain_res;
            fputs(i < r->nres ? "<tr><td>" : "<tr><td><b>", f);
            esc(f, i < r->nres ? x->name : "chain");
            fputs(i < r->nres ? "</td>" : "</b></td>", f);
            fig_cell(f, x->wait_over_run.available, x->wait_over_run.v, "%.3f",
                     x->wait_over_run.reason);
            fig_cell(f, x->contention_over_run.available, x->contention_over_run.v, "%.3f",
                     x->contention_over_run.reason);
            fig_cell(f, x->wait_ns_per_pkt.available, x->wait_ns_per_pkt.v, "%.0f",
                     x->wait_ns_per_pkt.reason);
            fig_cell(f, x->run_ns_per_pkt.available, x->run_ns_per_pkt.v, "%.0f",
                     x->run_ns_per_pkt.reason);
            fputs("</tr>\n", f);
        }
    } else {
        for (size_t i = 0; i < r->n; i++) {
            const struct rep_nf *n = &r->nf[i];
            fputs("<tr><td>", f);
            esc(f, n->name);
            fputs("</td>", f);
            fig_cell(f, n->have_wait_per_run, n->wait_per_run, "%.3f",
                     "/proc was not sampled over the window");
            fig_cell(f, false, 0, "", "the run was not profiled");
            fig_cell(f, n->have_sched && n->have_stats && n->rx > 0,
                     n->rx ? (double)n->wait_ns / (double)n->rx : 0, "%.0f",
                     "/proc or the stats page was not read over the window");
            fig_cell(f, n->have_cpu_pp, n->cpu_ns_per_pkt, "%.0f",
                     "/proc or the stats page was not read over the window");
            fputs("</tr>\n", f);
        }
    }
    fputs("</table>\n", f);
}

static void box(FILE *f, double x, double w, const char *const *lines, size_t n, bool nf,
                const char *title)
{
    fprintf(f, "<g><title>");
    esc(f, title);
    fprintf(f, "</title><rect x=\"%.0f\" y=\"20\" width=\"%.0f\" height=\"%zu\" rx=\"6\" "
               "fill=\"%s\" stroke=\"#0072B2\" stroke-width=\"%s\"/>",
            x, w, 14 + 16 * n, nf ? "#EAF3FB" : "#F4F4F4", nf ? "2" : "1");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<text x=\"%.0f\" y=\"%zu\"%s>", x + 8, 38 + 16 * i,
                i == 0 ? " font-weight=\"bold\"" : "");
        esc(f, lines[i]);
        fputs("</text>", f);
    }
    fputs("</g>\n", f);
}

static void chain_diagram(FILE *f, size_t k, const struct rep_run *r)
{
    fputs("<h3>The chain</h3>\n", f);
    const double bw = 150, gap = 40;
    size_t nb = r->n + 2;
    double w = (double)nb * bw + (double)(nb - 1) * gap + 4;
    fprintf(f, "<svg role=\"img\" aria-labelledby=\"r%zu-ct r%zu-cd\" viewBox=\"0 0 %.0f 120\" "
               "width=\"%.0f\"><title id=\"r%zu-ct\">The chain: traffic generator, the NFs in "
               "order, the sink</title><desc id=\"r%zu-cd\">gen",
            k, k, w, w, k, k);
    for (size_t i = 0; i < r->n; i++) {
        const struct rep_nf *n = &r->nf[i];
        fputs(" then ", f);
        esc(f, n->name);
        fputs(" on core ", f);
        esc(f, n->cpu);
        if (n->policy[0]) {
            fputs(", policy ", f);
            esc(f, n->policy);
        }
        if (n->have_stats)
            fprintf(f, ", rx %" PRIu64 " tx %" PRIu64 " drops %" PRIu64, n->rx, n->tx, n->drops);
    }
    fputs(" then sink.</desc>\n<defs><marker id=\"", f);
    fprintf(f, "r%zu-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" "
               "markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" "
               "fill=\"#333\"/></marker></defs>\n",
            k);
    double x = 2;
    const char *gl[] = {"gen", r->have_sent ? "sent" : "", ""};
    char sent[48] = "", rec[48] = "", pps[48] = "";
    if (r->have_sent)
        snprintf(sent, sizeof(sent), "sent %" PRIu64, r->sent);
    gl[1] = sent;
    box(f, x, bw, gl, r->have_sent ? 2 : 1, false, "traffic generator");
    for (size_t i = 0; i <= r->n; i++) {
        fprintf(f, "<line x1=\"%.0f\" y1=\"50\" x2=\"%.0f\" y2=\"50\" stroke=\"#333\" "
                   "stroke-width=\"1.5\" marker-end=\"url(#r%zu-arrow)\"/>\n",
                x + bw, x + bw + gap - 2, k);
        x += bw + gap;
        if (i == r->n)
            break;
        const struct rep_nf *n = &r->nf[i];
        char core[48], pol[80], c1[64], c2[64];
        snprintf(core, sizeof(core), "core %s", n->cpu);
        snprintf(pol, sizeof(pol), "%s", n->policy[0] ? n->policy : "policy: not recorded");
        if (n->have_stats) {
            snprintf(c1, sizeof(c1), "rx %" PRIu64 " tx %" PRIu64, n->rx, n->tx);
            snprintf(c2, sizeof(c2), "drops %" PRIu64, n->drops);
        } else {
            snprintf(c1, sizeof(c1), "counters: unavailable");
            c2[0] = '\0';
        }
        const char *lines[] = {n->name, core, pol, c1, c2};
        char title[160];
        snprintf(title, sizeof(title), "NF %s", n->name);
        box(f, x, bw, lines, c2[0] ? 5 : 4, true, title);
    }
    if (r->have_received)
        snprintf(rec, sizeof(rec), "received %" PRIu64, r->received);
    if (r->have_sink)
        snprintf(pps, sizeof(pps), "%.0f pps", r->pps);
    const char *sl[] = {"sink", rec, pps};
    box(f, x, bw, sl, 1 + (rec[0] != 0) + (pps[0] != 0), false, "traffic sink");
    fputs("</svg>\n", f);
}

static void dd(FILE *f, const char *term, const char *v)
{
    fputs("<dt>", f);
    esc(f, term);
    fputs("</dt><dd>", f);
    esc(f, v && v[0] ? v : "not recorded");
    fputs("</dd>", f);
}

static void machine(FILE *f, const struct rep_run *r)
{
    fputs("<h3>Machine and calibration</h3>\n<dl>", f);
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s, %s transport, batch %ld, %s mode", r->interconnect,
             r->transport, r->batch, r->mode);
    dd(f, "chain", buf);
    if (!r->have_profile) {
        dd(f, "machine", "not recorded (the run was not profiled)");
        fputs("</dl>\n", f);
        return;
    }
    dd(f, "CPU", r->cpu_model);
    dd(f, "kernel", r->kernel);
    if (r->pmu_available)
        snprintf(buf, sizeof(buf), "available (event table %s)", r->event_table);
    else
        snprintf(buf, sizeof(buf), "unavailable: %s", r->pmu_reason);
    dd(f, "hardware counters", buf);
    if (r->vendor_limits[0])
        dd(f, "what this CPU's counters cannot give", r->vendor_limits);
    if (r->cal_available)
        snprintf(buf, sizeof(buf), "%s (made %s on %s)", r->cal_path, r->cal_created, r->cal_cpu);
    else
        snprintf(buf, sizeof(buf), "none: %s", r->cal_reason);
    dd(f, "calibration", buf);
    if (r->chain_res.counted_ratio < 1) {
        snprintf(buf, sizeof(buf),
                 "multiplexed: counted %.1f%% of the window at least; scaled by enabled/running",
                 100 * r->chain_res.counted_ratio);
        dd(f, "hardware counting", buf);
    }
    fputs("</dl>\n", f);
}

static void run_section(FILE *f, size_t k, size_t nruns, const struct rep_run *r)
{
    fprintf(f, "<section class=\"run\" aria-labelledby=\"r%zu-h\"><h2 id=\"r%zu-h\">", k, k);
    if (nruns > 1)
        fprintf(f, "Run %zu: ", k + 1);
    fputs("chain ", f);
    esc(f, r->chain);
    fputs("</h2>\n<p class=\"meta\">", f);
    esc(f, r->path);
    fputs(" — mode ", f);
    esc(f, r->mode);
    if (r->window_s > 0)
        fprintf(f, "; measurement window %.2f s", r->window_s);
    if (r->have_sink) {
        fprintf(f, "; sink %.0f pps, lost %" PRIu64, r->pps, r->lost);
    }
    fputs("</p>\n", f);
    causes(f, r);
    term_chart(f, k, r);
    box_plot(f, k, r);
    ratios(f, r);
    chain_diagram(f, k, r);
    machine(f, r);
    fputs("</section>\n", f);
}

static void comparison(FILE *f, const struct rep_run *const *runs, size_t nruns)
{
    struct rep_cmp_row rows[REP_CMP_MAX];
    size_t n = rep_compare(runs, nruns, rows, REP_CMP_MAX);
    fputs("<h2>Comparison</h2>\n<table><caption class=\"note\">ratio = run N / run 1; "
          "\"unavailable\" where a run lacks the figure</caption><tr><th scope=\"col\">figure"
          "</th>", f);
    for (size_t k = 0; k < nruns; k++)
        fprintf(f, "<th scope=\"col\">run %zu</th>", k + 1);
    for (size_t k = 1; k < nruns; k++)
        fprintf(f, "<th scope=\"col\">ratio %zu/1</th>", k + 1);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td>", f);
        esc(f, rows[i].label);
        if (rows[i].unit[0])
            fprintf(f, " (%s)", rows[i].unit);
        fputs("</td>", f);
        for (size_t k = 0; k < nruns; k++)
            fig_cell(f, rows[i].have[k], rows[i].v[k], "%.3f", "not in this run file");
        for (size_t k = 1; k < nruns; k++) {
            double x = 0;
            bool ok = rep_cmp_ratio(&rows[i], k, &x);
            fig_cell(f, ok, x, "%.3f×", "a run lacks this figure");
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<ol class=\"note\">", f);
    for (size_t k = 0; k < nruns; k++) {
        fputs("<li>", f);
        esc(f, runs[k]->path);
        fputs("</li>", f);
    }
    fputs("</ol>\n", f);
}

int rep_write_html(FILE *f, const struct rep_run *const *runs, size_t nruns)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
          "<meta name=\"generator\" content=\"scc report\"><title>SCC report: ", f);
    for (size_t k = 0; k < nruns; k++) {
        if (k)
            fputs(" vs ", f);
        esc(f, runs[k]->chain);
    }
    fprintf(f, "</title><style>\n%s</style></head><body>\n", css);
    defs(f);
    fputs("<header><h1>SCC report</h1><p class=\"meta\">Where each packet's time goes: the "
          "per-packet latency model (L_D1 + L_D2 + L_D3 + L_DM + L_T1 + L_T2 + L_TM + L_CS + "
          "L_SC), measured against the sink's one-way latency. What could not be measured is "
          "said, never drawn as 0.</p></header>\n<main>\n", f);
    if (nruns > 1)
        comparison(f, runs, nruns);
    fputs("<div class=\"runs\">\n", f);
    for (size_t k = 0; k < nruns; k++)
        run_section(f, k, nruns, runs[k]);
    fputs("</div>\n</main>\n<footer class=\"note\"><p>Made by <code>scc report</code> from the "
          "run file(s) above; docs/reports.md explains every part.</p></footer>\n"
          "</body></html>\n", f);
    if (fflush(f) != 0 || ferror(f))
        return -EIO;
    return 0;
}
