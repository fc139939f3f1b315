/*
 * cmd_report — `scc report RUN.json [RUN2.json ...] [--format F] [-o FILE]`:
 * render saved run files offline (rep.h). Exit 0, 1 when a file cannot be
 * read or the output cannot be written, 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "launcher/rep.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: scc report RUN.json [RUN2.json ...] [--format text|json|csv|html] [-o FILE]\n"
            "\n"
            "Render run files that `scc run --json FILE` (or --profile) saved, offline:\n"
            "the per-NF counters, the sink's latency and, for profiled runs, the\n"
            "per-packet latency model. Several files are shown side by side with the\n"
            "ratio of each to the first (e.g. a default and a tuned chain).\n"
            "\n"
            "  --format text   the profiler's perf-stat-like table (default)\n"
            "  --format csv    one row per NF per term and figure (docs/reports.md)\n"
            "  --format html   one self-contained page: charts, no scripts, no links out\n"
            "  --format json   the run file normalised (several: scc-report/1)\n"
            "  -o FILE         write to FILE instead of standard output\n"
            "  -h, --help      this text\n"
            "\n"
            "docs/reports.md explains every column and chart.\n");
}

int cmd_report(int argc, char **argv)
{
    const char *fmt = "text", *out = NULL;
    const char *files[REP_MAX_RUNS];
    size_t nf = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--format") || !strcmp(a, "-f")) {
            if (++i >= argc) {
                fprintf(stderr, "scc report: %s needs text, json, csv or html\n", a);
                return 2;
            }
            fmt = argv[i];
        } else if (!strncmp(a, "--format=", 9)) {
            fmt = a + 9;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (++i >= argc) {
                fprintf(stderr, "scc report: %s needs a file name\n", a);
                return 2;
            }
            out = argv[i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "scc report: unknown option '%s'; see `scc report --help`\n", a);
            return 2;
        } else if (nf >= REP_MAX_RUNS) {
            fprintf(stderr, "scc report: at most %d run files at once\n", REP_MAX_RUNS);
            return 2;
        } else {
            files[nf++] = a;
        }
    }
    int (*write)(FILE *, const struct rep_run *const *, size_t) =
        !strcmp(fmt, "text")   ? rep_write_text
        : !strcmp(fmt, "csv")  ? rep_write_csv
        : !strcmp(fmt, "html") ? rep_write_html
        : !strcmp(fmt, "json") ? rep_write_json
                               : NULL;
    if (!write) {
        fprintf(stderr, "scc report: --format '%s': use text, json, csv or html\n", fmt);
        return 2;
    }
    if (!nf) {
        fprintf(stderr, "scc report: give at least one run file (`scc run --json FILE` writes "
                        "one)\n");
        usage(stderr);
        return 2;
    }
    struct rep_run *runs[REP_MAX_RUNS] = {0};
    int rc = 0;
    for (size_t k = 0; k < nf; k++) {
        char err[600];
        runs[k] = rep_run_load(files[k], err, sizeof(err));
        if (!runs[k]) {
            fprintf(stderr, "scc report: %s\n", err);
            rc = 1;
        }
    }
    if (!rc) {
        FILE *f = out ? fopen(out, "w") : stdout;
        if (!f) {
            fprintf(stderr, "scc report: -o %s: %s\n", out, strerror(errno));
            rc = 1;
        } else {
            int w = write(f, (const struct rep_run *const *)runs, nf);
            if (out && fclose(f) != 0)
                w = -EIO;
            if (w < 0) {
                fprintf(stderr, "scc report: writing %s: %s\n", out ? out : "standard output",
                        strerror(-w));
                if (out)
                    unlink(out);
                rc = 1;
            }
        }
    }
    for (size_t k = 0; k < nf; k++)
        rep_run_free(runs[k]);
    return rc;
}
