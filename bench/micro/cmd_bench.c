/*
 * `scc bench` — the OS microbenchmarks as a command: memlat, ctxsw, wakeup,
 * syscall, calibrate (all of them, written as the calibration file the
 * profiler reads) and show (print a saved calibration). Each prints a human
 * table and, with --json FILE (calibrate: -o FILE), the scc-calibration/1
 * JSON of the sections it ran.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/micro/mb_bench.h"
#include "common/scc_log.h"
#include "common/scc_util.h"
#include "common/scc_cmds.h"

int mb_calibrate(const struct mb_opts *o, struct prof_calib *c)
{
    int r = mb_run_memlat(o, c);
    if (r < 0)
        return r;
    if ((r = mb_run_ctxsw(o, c)) < 0)
        return r;
    if ((r = mb_run_wakeup(o, c)) < 0)
        return r;
    return mb_run_syscall(o, c);
}

static const char *const names[] = {"memlat", "ctxsw", "wakeup", "syscall", "calibrate", "show"};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: scc bench memlat|ctxsw|wakeup|syscall [options]\n"
            "       scc bench calibrate [-o FILE] [options]\n"
            "       scc bench show FILE\n\n"
            "OS microbenchmarks; each pins itself, warms up, repeats and reports the\n"
            "median and the spread [min .. max] over repetitions. See docs/bench.md.\n\n"
            "  memlat     memory latency per cache level and stride (pointer chasing),\n"
            "             the levels from the latency curve's knees, huge-page use, the\n"
            "             DTLB miss cost and the TLB levels (STLB hit, walk, walk to DRAM)\n"
            "  ctxsw      context-switch cost per policy (other, batch, rr, fifo,\n"
            "             other nice -19), two processes on one core\n"
            "  wakeup     cost of waking a process on another core (blocking, spinning)\n"
            "  syscall    getppid, non-blocking recvmmsg, sendmmsg of 64 B to loopback\n"
            "  calibrate  all of the above; writes the calibration file\n"
            "  show       print a calibration file as a table\n\n"
            "options:\n"
            "  --json FILE      also write the JSON result to FILE ('-' = stdout)\n"
            "  -o, --output FILE  same as --json (calibrate's usual spelling)\n"
            "  --cpu N          core to pin to (default 0)\n"
            "  --cpu2 N         second core for wakeup (default: another online core)\n"
            "  --reps N         repetitions per figure, 1..32 (default 5; --quick 3)\n"
            "  --quick          short runs (a few seconds in all), for tests\n"
            "  --max-ws SIZE    memlat: cap the largest working set (default 256M)\n"
            "  --llc SIZE       memlat: take SIZE as the claimed L3 size; the levels\n"
            "                   come from the curve's knees either way (not needed on\n"
            "                   VMs that overstate the L3)\n"
            "  --strides LIST   memlat: strides in bytes, comma separated, multiples of 8\n"
            "                   (default 64,128,256,512,1024,9000)\n"
            "  --sysfs-root DIR read cache sizes from DIR/devices/system/cpu/cpu0/cache\n"
            "  --no-progress    no progress line (it is shown only on a terminal anyway)\n"
            "  -h, --help       this text\n");
}

static int parse_strides(const char *s, struct mb_opts *o)
{
    char buf[256];
    scc_strlcpy(buf, s, sizeof(buf));
    o->nstrides = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        long v;
        if (o->nstrides >= PROF_CALIB_MAX_STRIDES || scc_parse_long(t, 8, 1 << 20, &v) < 0 || v % 8)
            return -EINVAL;
        o->strides[o->nstrides++] = (uint32_t)v;
    }
    return o->nstrides ? 0 : -EINVAL;
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "scc bench: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see `scc bench --help`)\n");
    return 2;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", required_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"cpu", required_argument, NULL, 'c'},
        {"cpu2", required_argument, NULL, 'C'},
        {"reps", required_argument, NULL, 'r'},
        {"quick", no_argument, NULL, 'Q'},
        {"max-ws", required_argument, NULL, 'm'},
        {"llc", required_argument, NULL, 'L'},
        {"strides", required_argument, NULL, 's'},
        {"sysfs-root", required_argument, NULL, 'S'},
        {"no-progress", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    struct mb_opts o;
    mb_opts_default(&o);
    const char *json = NULL;
    bool reps_set = false, no_progress = false;
    long v;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'j':
        case 'o': json = optarg; break;
        case 'c':
            if (scc_parse_long(optarg, 0, SCC_MAX_CPUS - 1, &v) < 0)
                return bad("--cpu '%s': expected a core number", optarg);
            o.cpu = (int)v;
            break;
        case 'C':
            if (scc_parse_long(optarg, 0, SCC_MAX_CPUS - 1, &v) < 0)
                return bad("--cpu2 '%s': expected a core number", optarg);
            o.cpu2 = (int)v;
            break;
        case 'r':
            if (scc_parse_long(optarg, 1, 32, &v) < 0)
                return bad("--reps '%s': expected 1..32", optarg);
            o.reps = (unsigned)v;
            reps_set = true;
            break;
        case 'Q': o.quick = true; break;
        case 'm':
            if (mb_parse_size(optarg, &o.max_ws) < 0 || o.max_ws < 65536 ||
                o.max_ws > (64ull << 30))
                return bad("--max-ws '%s': expected a size 64K..64G (e.g. 256M)", optarg);
            break;
        case 'L':
            if (mb_parse_size(optarg, &o.llc) < 0 || o.llc < 65536 || o.llc > (16ull << 30))
                return bad("--llc '%s': expected a size 64K..16G (e.g. 8M)", optarg);
            break;
        case 's':
            if (parse_strides(optarg, &o) < 0)
                return bad("--strides '%s': expected up to 12 comma-separated multiples of 8 "
                           "(8..1048576)", optarg);
            break;
        case 'S': o.sysfs_root = optarg; break;
        case 'P': no_progress = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *what = argv[optind++];
    size_t w;
    for (w = 0; w < SCC_ARRAY_SIZE(names); w++)
        if (!strcmp(what, names[w]))
            break;
    if (w == SCC_ARRAY_SIZE(names)) {
        const char *s = scc_suggest(what, names, SCC_ARRAY_SIZE(names));
        fprintf(stderr, "scc bench: '%s' is not a benchmark%s%s%s; see `scc bench --help`\n",
                what, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        return 2;
    }
    bool show = !strcmp(what, "show");
    if (show ? argc - optind != 1 : optind != argc) {
        fprintf(stderr, show ? "scc bench show: expected one calibration FILE\n"
                             : "scc bench %s: unexpected argument '%s'\n",
                what, optind < argc ? argv[optind] : "");
        return 2;
    }
    struct prof_calib c;
    char err[512];
    if (show) {
        if (prof_calib_load(argv[optind], &c, err, sizeof(err)) < 0) {
            fprintf(stderr, "scc bench show: %s\n", err);
            return 1;
        }
        mb_calib_print(&c, stdout);
        prof_calib_free(&c);
        return 0;
    }
    if (o.quick && !reps_set)
        o.reps = 3;
    struct scc_cpuset on;
    if (scc_cpuset_online(&on) == 0 && !scc_cpuset_isset(&on, o.cpu)) {
        char buf[64];
        scc_cpuset_format(&on, buf, sizeof(buf));
        fprintf(stderr, "scc bench: --cpu %d is not online (online: %s)\n", o.cpu, buf);
        return 2;
    }
    if (o.cpu2 >= 0 && (o.cpu2 == o.cpu || !scc_cpuset_isset(&on, o.cpu2))) {
        fprintf(stderr, "scc bench: --cpu2 %d must be an online core other than --cpu\n",
                o.cpu2);
        return 2;
    }
    o.progress = !no_progress && isatty(STDERR_FILENO);

    prof_calib_init(&c);
    mb_identify(&o, &c);
    uint64_t t0 = scc_now_ns();
    int r;
    switch (w) {
    case 0: r = mb_run_memlat(&o, &c); break;
    case 1: r = mb_run_ctxsw(&o, &c); break;
    case 2: r = mb_run_wakeup(&o, &c); break;
    case 3: r = mb_run_syscall(&o, &c); break;
    default: r = mb_calibrate(&o, &c); break;
    }
    if (o.progress)
        fprintf(stderr, "\r\033[K");
    if (r < 0) {
        fprintf(stderr, "scc bench %s: failed: %s\n", what, strerror(-r));
        prof_calib_free(&c);
        return 1;
    }
    bool json_stdout = json && !strcmp(json, "-");
    if (!json_stdout) {
        mb_calib_print(&c, stdout);
        printf("\n%s took %.1f s\n", what, (double)(scc_now_ns() - t0) / 1e9);
    }
    int rc = 0;
    if (json) {
        if (prof_calib_write(&c, json, err, sizeof(err)) < 0) {
            fprintf(stderr, "scc bench %s: %s\n", what, err);
            rc = 1;
        } else if (!json_stdout) {
            printf("wrote %s\n", json);
        }
    }
    prof_calib_free(&c);
    return rc;
}
