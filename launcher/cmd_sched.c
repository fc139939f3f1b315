/*
 * `scc sched show [CHAIN] [--json]` — the scheduling of a running chain's
 * NFs as the kernel sees it now (policy, nice/priority, slice, allowed
 * CPUs, cpuset), the sysctls the run changed and its reservation records.
 * The processes come from the chain's state file (ln_state.h: `pid PID
 * START NAME`); a pid whose start time no longer matches is not the NF's
 * and is left out.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"
#include "launcher/ln_exec.h"
#include "launcher/ln_sched.h"
#include "launcher/ln_state.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: scc sched show [CHAIN] [--json]\n\n"
               "Print, for a running chain (CHAIN may be left out when only one runs), each\n"
               "NF's scheduling read back from the kernel now: policy, nice or real-time\n"
               "priority, time slice (custom or the kernel's), allowed CPUs and cpuset\n"
               "cgroup; the sysctls the run changed; its core reservation records.\n\n"
               "  --json      the same as one JSON object\n"
               "  -h, --help  this text\n");
}

/* The chains with a live launcher, by state name; returns how many. */
static int running_chains(const char *dir, char names[][2 * SCC_NAME_MAX + 2], int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l <= 6 || l - 6 >= 2 * SCC_NAME_MAX + 2 || strcmp(e->d_name + l - 6, ".state"))
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (!ln_state_owner_alive(path))
            continue;
        snprintf(names[n], 2 * SCC_NAME_MAX + 2, "%.*s", (int)(l - 6), e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

struct shown {
    struct ln_sched_row rows[SCC_MAX_NFS];
    int nrows;
    char recs[256][256];
    int nrecs;
    char sysctl[8][3][256]; /* path, value before the run, value now */
    int nsysctl;
};

static void read_now(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "re");
    out[0] = '\0';
    if (f) {
        if (!fgets(out, (int)len, f))
            out[0] = '\0';
        fclose(f);
    }
    out[strcspn(out, "\n")] = '\0';
}

static int load(const char *path, struct shown *sh)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        int pid;
        unsigned long long start;
        char name[64];
        if (sscanf(line, "pid %d %llu %63s", &pid, &start, name) == 3) {
            /* the launcher's own stages are not NFs; a stale pid is someone else */
            if (!strcmp(name, "gen") || !strcmp(name, "sink") ||
                ln_proc_starttime(pid) != start)
                continue;
            int k = 0;
            while (k < sh->nrows && strcmp(sh->rows[k].name, name))
                k++;
            if (k == SCC_MAX_NFS)
                continue;
            if (k == sh->nrows)
                sh->nrows++;
            memset(&sh->rows[k], 0, sizeof(sh->rows[k]));
            scc_strlcpy(sh->rows[k].name, name, sizeof(sh->rows[k].name));
            sh->rows[k].pid = pid;
        } else if (!strncmp(line, "sched-", 6) && sh->nrecs < 256) {
            scc_strlcpy(sh->recs[sh->nrecs++], line, sizeof(sh->recs[0]));
        } else if (!strncmp(line, "sysctl ", 7) && sh->nsysctl < 8) {
            char p[256], old[256] = "";
            if (sscanf(line + 7, "%255s %255[^\n]", p, old) < 1)
                continue;
            snprintf(sh->sysctl[sh->nsysctl][0], 256, "%s", p);
            snprintf(sh->sysctl[sh->nsysctl][1], 256, "%s", old);
            read_now(p, sh->sysctl[sh->nsysctl][2], 256);
            sh->nsysctl++;
        }
    }
    fclose(f);
    for (int k = 0; k < sh->nrows; k++) {
        ln_sched_read_row(sh->rows[k].pid, &sh->rows[k]);
        if (!sh->rows[k].slice_how)
            sh->rows[k].slice_how = "-";
    }
    return 0;
}

static int show(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind > 1) {
        usage(stderr);
        return 2;
    }
    const char *dir = ln_state_dir();
    char names[64][2 * SCC_NAME_MAX + 2], chain[2 * SCC_NAME_MAX + 2];
    if (optind < argc) {
        snprintf(chain, sizeof(chain), "%s", argv[optind]);
    } else {
        int n = running_chains(dir, names, 64);
        if (n == 0) {
            fprintf(stderr, "scc sched show: no chain is running (no state file of a live "
                            "launcher in %s)\n", dir);
            return 1;
        }
        if (n > 1) {
            fprintf(stderr, "scc sched show: %d chains are running; name one:", n);
            for (int i = 0; i < n; i++)
                fprintf(stderr, " %s", names[i]);
            fprintf(stderr, "\n");
            return 2;
        }
        snprintf(chain, sizeof(chain), "%s", names[0]);
    }
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.state", dir, chain);
    if (!ln_state_owner_alive(path)) {
        fprintf(stderr, "scc sched show: chain '%s' is not running (no state file of a live "
                        "launcher at %s)\n", chain, path);
        return 1;
    }
    struct shown *sh = calloc(1, sizeof(*sh));
    if (!sh) {
        fprintf(stderr, "scc sched show: out of memory\n");
        return 1;
    }
    int rc = load(path, sh);
    if (rc < 0) {
        fprintf(stderr, "scc sched show: cannot read %s: %s%s\n", path, strerror(-rc),
                rc == -EACCES ? " (state files are root's: run as root)" : "");
        free(sh);
        return 1;
    }
    if (json) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "chain", json_object_new_string(chain));
        json_object_object_add(o, "nfs", ln_sched_rows_json(sh->rows, sh->nrows));
        struct json_object *s = json_object_new_array();
        for (int i = 0; i < sh->nsysctl; i++) {
            struct json_object *x = json_object_new_object();
            json_object_object_add(x, "path", json_object_new_string(sh->sysctl[i][0]));
            json_object_object_add(x, "before", json_object_new_string(sh->sysctl[i][1]));
            json_object_object_add(x, "now", json_object_new_string(sh->sysctl[i][2]));
            json_object_array_add(s, x);
        }
        json_object_object_add(o, "sysctls", s);
        struct json_object *r = json_object_new_array();
        for (int i = 0; i < sh->nrecs; i++)
            json_object_array_add(r, json_object_new_string(sh->recs[i]));
        json_object_object_add(o, "reservation_records", r);
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        printf("chain %s (%s), read back from the kernel now:\n", chain, path);
        ln_sched_table(sh->rows, sh->nrows, stdout);
        for (int i = 0; i < sh->nsysctl; i++)
            printf("  sysctl %s = %s (%s before the run)\n", sh->sysctl[i][0], sh->sysctl[i][2],
                   sh->sysctl[i][1]);
        if (sh->nrecs) {
            printf("  reservation records:\n");
            for (int i = 0; i < sh->nrecs; i++)
                printf("    %s\n", sh->recs[i]);
        }
    }
    free(sh);
    return 0;
}

int cmd_sched(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "show")) {
        fprintf(stderr, "scc sched: '%s' is not a subcommand (show)\n", argv[1]);
        return 2;
    }
    return show(argc - 1, argv + 1);
}
