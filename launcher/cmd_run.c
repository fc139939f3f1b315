/*
 * `scc run` — the command line: options, the chain (a file or the built-in
 * default) with the loader's warnings, and the command-line overrides,
 * checked like the spec's own fields. The run itself is ln_run (ln_run.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/scc_cmds.h"
#include "common/scc_log.h"
#include "common/scc_util.h"
#include "launcher/cmd_common.h"
#include "launcher/ln_exec.h"
#include "launcher/ln_run.h"
#include "launcher/scc_spec.h"

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: scc run [CHAIN.json] [options]\n\n"
            "Deploy a chain (the built-in default when no file is given): network\n"
            "namespaces and links, one scc-nf per NF pinned to its cores; drive traffic\n"
            "from `scc gen` through it into `scc sink` when the chain has a traffic block\n"
            "or --rate/--duration ask for it; print throughput, loss, latency and every\n"
            "NF's counters; remove everything it created. Ctrl-C stops it cleanly.\n\n"
            "  --mode profile|runtime  override the chain's mode\n"
            "  --profile               the same as --mode profile: count every NF's hardware,\n"
            "                          software and system-call events over the measurement\n"
            "                          window and print the per-packet breakdown (docs/profiler.md)\n"
            "  --duration S            traffic duration (or how long runtime mode stays up)\n"
            "  --rate PPS              traffic rate (packets per second)\n"
            "  --size B                frame size 64..1518\n"
            "  --no-traffic            deploy only; stay up until Ctrl-C or --duration\n"
            "  --endpoints             put namespaces 'ingress' and 'egress' at the chain's ends\n"
            "                          for your own programs (`scc exec ingress -- ping ...`),\n"
            "                          NFs forwarding both ways; stay up until Ctrl-C or\n"
            "                          --duration (docs/endpoints.md)\n"
            "  --json FILE             write the run's results (schema scc-run/2) to FILE\n"
            "  --host NAME             start only this host's part of a multi-host chain\n"
            "  --dry-run               print the plan and every command; change nothing\n"
            "  -h, --help              this text\n\n"
            "After a crash or kill -9, `scc cleanup` removes what a run left behind.\n");
}

/* The profiler block only acts in profile mode. */
static void warn_unapplied_profiler(const struct scc_chain *ch)
{
    bool block = ch->profiler.nevents != 1 || strcmp(ch->profiler.events[0], "default") ||
                 ch->profiler.interval_ms || ch->profiler.calibration;
    if (ch->mode != SCC_MODE_PROFILE && block)
        scc_warn("the \"profiler\" block applies in profile mode only (--profile or "
                 "\"mode\": \"profile\")");
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mode", required_argument, NULL, 'm'},   {"duration", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 'r'},   {"size", required_argument, NULL, 's'},
        {"json", required_argument, NULL, 'j'},   {"host", required_argument, NULL, 'H'},
        {"dry-run", no_argument, NULL, 'n'},      {"no-traffic", no_argument, NULL, 'T'},
        {"profile", no_argument, NULL, 'P'},      {"help", no_argument, NULL, 'h'},
        {"endpoints", no_argument, NULL, 'E'},
        {0, 0, 0, 0},
    };
    const char *mode = NULL, *host = NULL, *dur = NULL, *rate = NULL, *size = NULL;
    struct ln_run_opts o = {0};
    bool endpoints = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': mode = optarg; break;
        case 'P': mode = "profile"; break;
        case 'd': dur = optarg; break;
        case 'r': rate = optarg; break;
        case 's': size = optarg; break;
        case 'j': o.json_out = optarg; break;
        case 'H': host = optarg; break;
        case 'n': ln_dry_run = true; break;
        case 'T': o.no_traffic = true; break;
        case 'E': endpoints = true; break;
        case 'h': run_usage(stdout); return 0;
        default: run_usage(stderr); return 2;
        }
    }
    if (argc - optind > 1) {
        run_usage(stderr);
        return 2;
    }
    int rc;
    struct scc_chain *ch = cmd_load_chain("run", optind < argc ? argv[optind] : NULL, &rc);
    if (!ch)
        return rc;
    rc = 2;
    /* command-line overrides, checked like the spec's own fields */
    if (mode) {
        if (!strcmp(mode, "profile"))
            ch->mode = SCC_MODE_PROFILE;
        else if (!strcmp(mode, "runtime"))
            ch->mode = SCC_MODE_RUNTIME;
        else {
            fprintf(stderr, "scc run: --mode '%s': use profile or runtime\n", mode);
            goto out;
        }
    }
    double v;
    long lv;
    if (dur && scc_parse_double(dur, 0.001, 86400, &v) < 0) {
        fprintf(stderr, "scc run: --duration '%s': give seconds, 0.001..86400\n", dur);
        goto out;
    }
    if (dur && (endpoints || ch->endpoints.present)) {
        o.duration = v; /* how long the endpoints stay up; there is no traffic */
        dur = NULL;
    }
    if (dur) {
        ch->traffic.duration_s = v;
        o.duration = v;
        if (ch->traffic.warmup_s >= v)
            ch->traffic.warmup_s = v / 10;
    }
    if (rate) {
        if (scc_parse_long(rate, 1, 100000000, &lv) < 0) {
            fprintf(stderr, "scc run: --rate '%s': give packets per second, 1..100000000\n",
                    rate);
            goto out;
        }
        ch->traffic.rate_pps = (uint64_t)lv;
        ch->traffic.present = true;
    }
    if (size) {
        if (scc_parse_long(size, 64, 1518, &lv) < 0) {
            fprintf(stderr, "scc run: --size '%s': give a frame size, 64..1518\n", size);
            goto out;
        }
        ch->traffic.size = (unsigned)lv;
        ch->traffic.dist = SCC_DIST_FIXED;
    }
    /* profile mode measures the chain under traffic: the spec's, or the defaults */
    if (ch->mode == SCC_MODE_PROFILE)
        ch->traffic.present = true;
    if (endpoints && ch->traffic.present && !rate && !size && ch->mode != SCC_MODE_PROFILE) {
        /* most example chains carry a traffic block: --endpoints means "my own
         * programs instead", so the block is left out rather than refused
         * (a spec with both blocks is refused: it contradicts itself) */
        scc_info("--endpoints: the chain's traffic block is not run (your programs replace "
                 "the generator and sink)");
        ch->traffic.present = false;
    }
    if (endpoints)
        ch->endpoints.present = true;
    if (ch->endpoints.present) { /* the spec's checks, now that the overrides are in */
        struct scc_diags *d = scc_diags_new();
        if (!d || scc_spec_check_endpoints(ch, d) > 0) {
            if (d) {
                fprintf(stderr, "scc run: --endpoints / the endpoints block:\n");
                scc_diags_print(d, stderr);
            }
            scc_diags_free(d);
            goto out;
        }
        scc_diags_free(d);
        if (scc_spec_endpoint_defaults(ch) < 0) { /* routers answer from their address */
            scc_err("out of memory");
            goto out;
        }
    }
    warn_unapplied_profiler(ch);
    o.host = host;
    rc = ln_run(ch, &o);
out:
    scc_chain_free(ch);
    return rc;
}
