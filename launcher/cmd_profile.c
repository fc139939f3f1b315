/*
 * `scc profile` — the profiler on processes the launcher did not start
 * (another vendor's NF, an OVS or FastClick process), like `perf stat -p`
 * but ending in the per-packet breakdown: the same counters and model as
 * `scc run --profile` (ln_prof), over a window of --duration seconds, with
 * the packet denominator from an interface's receive counter (in any
 * network namespace) or given.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "common/scc_util.h"
#include "launcher/ln_prof.h"
#include "profiler/prof_proc.h"

#define MAX_PIDS 64

static void profile_usage(FILE *f)
{
    fprintf(f,
            "usage: scc profile -p PID[,PID...] [--duration S] [--packets-from [NETNS:]IFACE |\n"
            "                   --packets N] [--interval-ms N] [--json FILE] [--calibration FILE]\n"
            "                   [--events LIST]\n"
            "       scc profile --list-events\n\n"
            "Count the hardware, software and system-call events of running processes\n"
            "(every thread) for S seconds and print the per-packet latency breakdown\n"
            "(docs/profiler.md), like `perf stat -p`. The packets are the receive counter\n"
            "of IFACE over the same window (/sys/class/net/IFACE/statistics/rx_packets;\n"
            "NETNS:IFACE reads it inside network namespace NETNS, /run/netns/NETNS), or N.\n\n"
            "  -p, --pid PIDS          the processes, comma-separated\n"
            "  --duration S            the window, seconds (default 5); Ctrl-C ends it early\n"
            "  --packets-from IFACE    the denominator from IFACE's rx_packets\n"
            "  --packets N             the denominator, given\n"
            "  --interval-ms N         interval mode: every N ms (10..3600000) one line per\n"
            "                          process with that interval's per-packet figures (packets\n"
            "                          from --packets-from), like `perf stat -I`\n"
            "  --json FILE             write the run file (scc-run/2 with a profile section)\n"
            "  --calibration FILE      the calibration (default %s)\n"
            "  --events LIST           profiler.events, comma-separated (default: default,\n"
            "                          which here includes the syscalls tracepoints)\n"
            "  --list-events           list the hardware tables (this CPU's marked), the\n"
            "                          software events and the tracepoints\n"
            "  -h, --help              this text\n",
            LN_PROF_DEFAULT_CALIBRATION);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* rx_packets of IFACE, or of NETNS:IFACE read in a child that joined the
 * namespace (so this process never leaves its own). */
static int read_rx(const char *spec, uint64_t *out, char *err, size_t len)
{
    const char *colon = strchr(spec, ':');
    if (!colon) {
        char path[300];
        snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_packets", spec);
        FILE *f = fopen(path, "r");
        unsigned long long v;
        if (!f || fscanf(f, "%llu", &v) != 1) {
            snprintf(err, len, "cannot read %s: %s", path, f ? "not a number" : strerror(errno));
            if (f)
                fclose(f);
            return -ENOENT;
        }
        fclose(f);
        *out = v;
        return 0;
    }
    char ns[256], nspath[300];
    snprintf(ns, sizeof(ns), "%.*s", (int)(colon - spec), spec);
    snprintf(nspath, sizeof(nspath), "/run/netns/%s", ns);
    const char *ifc = colon + 1;
    int pfd[2];
    if (pipe(pfd) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -errno;
    }
    if (pid == 0) {
        close(pfd[0]);
        /* /sys/class/net shows the namespace sysfs was mounted in, not
         * ours: /proc/self/net/dev is the reading thread's namespace */
        long long v = -1;
        int fd = open(nspath, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && setns(fd, CLONE_NEWNET) == 0) {
            FILE *f = fopen("/proc/self/net/dev", "r");
            char line[512];
            while (f && fgets(line, sizeof(line), f)) {
                char *c = strchr(line, ':');
                if (!c)
                    continue;
                *c = '\0';
                char *name = line + strspn(line, " ");
                unsigned long long bytes, pkts;
                if (!strcmp(name, ifc) && sscanf(c + 1, "%llu %llu", &bytes, &pkts) == 2)
                    v = (long long)pkts;
            }
            if (f)
                fclose(f);
        } else {
            v = -2;
        }
        ssize_t w = write(pfd[1], &v, sizeof(v));
        _exit(w == sizeof(v) ? 0 : 1);
    }
    close(pfd[1]);
    long long v = -3;
    ssize_t n = read(pfd[0], &v, sizeof(v));
    close(pfd[0]);
    waitpid(pid, NULL, 0);
    if (n != sizeof(v) || v < 0) {
        snprintf(err, len, v == -2 ? "cannot enter network namespace %s (%s)"
                                   : "no interface %s in network namespace %s",
                 v == -2 ? ns : ifc, v == -2 ? nspath : ns);
        return -ENOENT;
    }
    *out = (uint64_t)v;
    return 0;
}

/* Interval mode's denominator: the interface's rx_packets now, the same
 * for every PID (as for the window). */
struct rx_src {
    const char *from;
    int n;
};

static int rx_now(void *ctx, uint64_t *rx)
{
    const struct rx_src *s = ctx;
    uint64_t v;
    char err[300];
    int r = read_rx(s->from, &v, err, sizeof(err));
    if (r < 0)
        return r;
    for (int i = 0; i < s->n; i++)
        rx[i] = v;
    return 0;
}

static void comm_of(pid_t pid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (f) {
        if (fgets(buf, (int)len, f))
            buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
    }
}

static int write_json(const char *path, struct json_object *root, char *err, size_t len)
{
    /* temporary file + rename: never a truncated file that looks whole */
    const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
    if (!s) {
        snprintf(err, len, "cannot write %s: out of memory", path);
        return -ENOMEM;
    }
    return scc_write_file_atomic(path, s, strlen(s), err, len);
}

int cmd_profile(int argc, char **argv)
{
    static const struct option opts[] = {
        {"pid", required_argument, NULL, 'p'},
        {"duration", required_argument, NULL, 'd'},
        {"packets-from", required_argument, NULL, 'f'},
        {"packets", required_argument, NULL, 'n'},
        {"interval-ms", required_argument, NULL, 'i'},
        {"json", required_argument, NULL, 'j'},
        {"calibration", required_argument, NULL, 'c'},
        {"events", required_argument, NULL, 'e'},
        {"list-events", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *pids_s = NULL, *from = NULL, *json_out = NULL, *cal = NULL, *events_s = NULL;
    double duration = 5;
    long long given = -1;
    long interval_ms = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
        long lv;
        switch (c) {
        case 'p': pids_s = optarg; break;
        case 'd':
            if (scc_parse_double(optarg, 0.01, 86400, &duration) < 0) {
                fprintf(stderr, "scc profile: --duration '%s': give seconds, 0.01..86400\n",
                        optarg);
                return 2;
            }
            break;
        case 'f': from = optarg; break;
        case 'n':
            if (scc_parse_long(optarg, 0, 0x7fffffffffffffffL, &lv) < 0) {
                fprintf(stderr, "scc profile: --packets '%s': give a packet count\n", optarg);
                return 2;
            }
            given = lv;
            break;
        case 'i':
            if (scc_parse_long(optarg, 10, 3600000, &interval_ms) < 0) {
                fprintf(stderr, "scc profile: --interval-ms '%s': give milliseconds, 10..3600000 "
                                "(shorter intervals read counters too often to mean much)\n",
                        optarg);
                return 2;
            }
            break;
        case 'j': json_out = optarg; break;
        case 'c': cal = optarg; break;
        case 'e': events_s = optarg; break;
        case 'l': return ln_prof_list_events(stdout) < 0 ? 1 : 0;
        case 'h': profile_usage(stdout); return 0;
        default: profile_usage(stderr); return 2;
        }
    }
    if (!pids_s || optind < argc) {
        profile_usage(stderr);
        return 2;
    }
    if (from && given >= 0) {
        fprintf(stderr, "scc profile: give --packets-from or --packets, not both\n");
        return 2;
    }
    pid_t pids[MAX_PIDS];
    int npids = 0;
    char *dup = strdup(pids_s), *save = NULL;
    for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        long lv;
        if (npids == MAX_PIDS || scc_parse_long(t, 1, 0x3fffffff, &lv) < 0) {
            fprintf(stderr, "scc profile: -p '%s': give up to %d PIDs, comma-separated\n",
                    pids_s, MAX_PIDS);
            free(dup);
            return 2;
        }
        pids[npids++] = (pid_t)lv;
    }
    free(dup);
    char *events[32];
    int nevents = 0;
    char *evdup = events_s ? strdup(events_s) : NULL;
    for (char *t = evdup ? strtok_r(evdup, ",", &save) : NULL; t && nevents < 32;
         t = strtok_r(NULL, ",", &save))
        events[nevents++] = t;

    struct ln_prof_target tg[MAX_PIDS];
    char names[MAX_PIDS][64];
    for (int i = 0; i < npids; i++) {
        char comm[32];
        if (kill(pids[i], 0) < 0 && errno == ESRCH) {
            fprintf(stderr, "scc profile: no process %d\n", (int)pids[i]);
            free(evdup);
            return 1;
        }
        comm_of(pids[i], comm, sizeof(comm));
        snprintf(names[i], sizeof(names[i]), "%s[%d]", comm[0] ? comm : "pid", (int)pids[i]);
        tg[i] = (struct ln_prof_target){.name = names[i], .cpu = -1, .policy = PROF_CALIB_CS_OTHER};
    }
    char err[600] = "";
    struct rx_src rs = {.from = from, .n = npids};
    struct ln_prof_cfg cfg = {.n = npids, .targets = tg, .events = events,
                              .nevents = nevents, .calibration = cal,
                              /* no stats page here: the tracepoints are L_SC's only source */
                              .default_syscalls = true,
                              .interval_ms = (unsigned)interval_ms,
                              .interval_out = stdout,
                              .packets_now = from ? rx_now : NULL,
                              .packets_ctx = &rs,
                              .packets_reason = given >= 0 ? "--packets gives the window's "
                                                             "packets only, not an interval's"
                                                           : "no --packets-from"};
    struct ln_prof *p = ln_prof_new(&cfg, err, sizeof(err));
    free(evdup);
    if (!p) {
        fprintf(stderr, "scc profile: %s\n", errno == ENOMEM ? "out of memory" : err);
        return errno == ENOMEM ? 1 : 2;
    }
    int rc = 1;
    uint64_t rx0 = 0, rx1 = 0;
    if (from && read_rx(from, &rx0, err, sizeof(err)) < 0) {
        fprintf(stderr, "scc profile: --packets-from %s: %s\n", from, err);
        goto out;
    }
    struct ln_hooks h = ln_prof_hooks(p);
    for (int i = 0; i < npids; i++)
        ln_prof_attach(p, i, pids[i]);

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct prof_proc_sample s0[MAX_PIDS], s1;
    struct ln_nf_figures fig[MAX_PIDS];
    memset(fig, 0, sizeof(fig));
    for (int i = 0; i < npids; i++)
        prof_proc_sample(pids[i], &s0[i]);
    uint64_t t0 = scc_now_ns();
    h.window_open(p, LN_WIN_MEASURE);
    uint64_t end = t0 + (uint64_t)(duration * 1e9);
    /* sleep to absolute deadlines (the window's end, the profiler's
     * rescans and intervals): waking late never shifts the next one */
    while (!stop && scc_now_ns() < end) {
        uint64_t d = ln_prof_deadline(p);
        d = d && d < end ? d : end;
        struct timespec ts = {(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        if (ln_prof_tick(p) < 0)
            scc_warn("scc profile: out of memory for an interval");
    }
    h.window_close(p, LN_WIN_MEASURE);
    double secs = (double)(scc_now_ns() - t0) / 1e9;
    for (int i = 0; i < npids; i++) {
        fig[i].shares = 1;
        fig[i].stats_ok = false;
        fig[i].proc_ok = s0[i].valid && prof_proc_sample(pids[i], &s1) == 0 &&
                         prof_proc_accumulate(&fig[i].proc, &s0[i], &s1) == 0;
    }
    if (from && read_rx(from, &rx1, err, sizeof(err)) < 0) {
        fprintf(stderr, "scc profile: --packets-from %s: %s\n", from, err);
        goto out;
    }
    uint64_t pk = from ? rx1 - rx0 : given >= 0 ? (uint64_t)given : 0;
    uint64_t packets[MAX_PIDS];
    for (int i = 0; i < npids; i++)
        packets[i] = pk;
    if (!from && given < 0)
        fprintf(stderr, "scc profile: no packet count (--packets-from or --packets): "
                        "per-packet figures are unavailable; the run file has the counts\n");
    struct ln_prof_figs pf = {.fig = fig, .packets = packets, .window_s = secs,
                              .sink_reason = "scc profile runs no sink"};
    printf("scc profile: %d process%s, %.2f s, %llu packets (%s)\n", npids,
           npids == 1 ? "" : "es", secs, (unsigned long long)pk,
           from ? from : given >= 0 ? "given" : "none");
    struct json_object *prof = NULL;
    if (ln_prof_report(p, &pf, stdout, json_out ? &prof : NULL) < 0) {
        fprintf(stderr, "scc profile: cannot write the report\n");
        goto out;
    }
    rc = 0;
    if (json_out) {
        struct json_object *root = json_object_new_object();
        json_object_object_add(root, "schema", json_object_new_string("scc-run/2"));
        json_object_object_add(root, "chain", json_object_new_string("profile"));
        json_object_object_add(root, "mode", json_object_new_string("profile"));
        struct json_object *t = json_object_new_object(), *pa = json_object_new_array();
        for (int i = 0; i < npids; i++)
            json_object_array_add(pa, json_object_new_int(pids[i]));
        json_object_object_add(t, "pids", pa);
        json_object_object_add(t, "duration_s", json_object_new_double(duration));
        json_object_object_add(t, "packets", json_object_new_int64((int64_t)pk));
        json_object_object_add(t, "packets_from",
                               json_object_new_string(from ? from : given >= 0 ? "given" : "none"));
        json_object_object_add(root, "target", t);
        struct json_object *w = json_object_new_object();
        json_object_object_add(w, "kind", json_object_new_string("scc profile --duration"));
        json_object_object_add(w, "seconds", json_object_new_double(secs));
        json_object_object_add(root, "window", w);
        json_object_object_add(root, "profile", prof);
        if (write_json(json_out, root, err, sizeof(err)) < 0) {
            fprintf(stderr, "scc profile: %s\n", err);
            rc = 1;
        }
        json_object_put(root);
    }
out:
    ln_prof_free(p);
    return rc;
}
