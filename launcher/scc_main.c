/*
 * scc — the Service Chain Coordinator's command-line entry: a table of
 * subcommands (perf-style), global options, and help.
 */
#include <stdio.h>
#include <string.h>

#include "common/scc_log.h"
#include "common/scc_cmds.h"
#include "launcher/ln_prof.h"  /* cmd_profile */
#include "launcher/ln_sched.h" /* cmd_sched */
#include "launcher/rep.h"      /* cmd_report */

struct scc_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct scc_cmd commands[] = {
    {"validate", cmd_validate, "check a chain spec and print it normalised"},
    {"run", cmd_run, "deploy a chain, drive traffic through it, report, clean up"},
    {"cleanup", cmd_cleanup, "remove what a crashed or killed run left behind"},
    {"sched", cmd_sched, "show a running chain's scheduling, read back from the kernel"},
    {"profile", cmd_profile, "profile running processes: the per-packet breakdown (perf stat -p)"},
    {"report", cmd_report, "render saved run files: text, CSV, JSON, a self-contained HTML page"},
    {"exec", cmd_exec, "run a command in an endpoint namespace of a running chain"},
    {"stats", cmd_stats, "print the live counters of a running NF"},
    {"gen", cmd_gen, "send paced test traffic (docs/traffic.md)"},
    {"sink", cmd_sink, "receive test traffic: rate, loss, latency"},
    {"bench", cmd_bench, "OS microbenchmarks and the calibration file"},
    {"experiment", cmd_experiment, "re-run the paper's evaluations: chain-length, batch-sweep"},
    {"tune", cmd_tune, "measure a chain's configurations at your rate and write the fastest"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: scc [-v|-q] COMMAND [ARGS]\n\n"
               "SCC, the Service Chain Coordinator: deploys, profiles and accelerates\n"
               "chains of user-space network functions.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\noptions:\n"
               "  -v, --verbose  more messages (repeat for debug)\n"
               "  -q, --quiet    errors only\n"
               "  -h, --help     this text; `scc COMMAND --help` for a command\n"
               "  --version      print the version\n\n"
               "docs: docs/README.md (in the source tree)\n");
}

int main(int argc, char **argv)
{
    scc_log_set_prog("scc");
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("scc 0.1.0\n");
            return 0;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            scc_log_set_level(scc_log_get_level() < SCC_LOG_DEBUG ? scc_log_get_level() + 1
                                                                  : SCC_LOG_DEBUG);
        } else if (!strcmp(a, "-vv")) {
            scc_log_set_level(SCC_LOG_DEBUG);
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            scc_log_set_level(SCC_LOG_ERROR);
        } else {
            fprintf(stderr, "scc: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
        if (!strcmp(argv[i], commands[k].name))
            return commands[k].fn(argc - i, argv + i);
    fprintf(stderr, "scc: '%s' is not a command; see `scc --help`\n", argv[i]);
    return 2;
}
