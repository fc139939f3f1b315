/*
 * `scc cleanup` — remove what runs left behind after a crash or kill -9,
 * from their state files (ln_state). A state whose launcher is alive is
 * left alone.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/scc_cmds.h"
#include "common/scc_log.h"
#include "launcher/ln_state.h"

static void cleanup_usage(FILE *f)
{
    fprintf(f, "usage: scc cleanup [NAME...]\n\n"
               "Remove what runs left behind after a crash or kill -9: stop their\n"
               "processes, delete their namespaces and links, restore changed sysctls.\n"
               "NAME is a chain name (chain-host for multi-host runs); without one, every\n"
               "state in %s whose launcher is no longer running is cleaned. A state\n"
               "whose launcher is alive is left alone (stop that run with Ctrl-C).\n",
            ln_state_dir());
}

int cmd_cleanup(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            cleanup_usage(stdout);
            return 0;
        }
        cleanup_usage(stderr);
        return 2;
    }
    const char *dir = ln_state_dir();
    struct stat sb;
    if (lstat(dir, &sb) < 0 && errno == ENOENT) {
        printf("scc cleanup: nothing to clean up\n");
        return 0;
    }
    /* a journal says what to stop and delete: read none from a directory
     * someone else could have written it into */
    char err[768];
    if (ln_state_dir_prepare(err, sizeof(err)) < 0) {
        fprintf(stderr, "scc cleanup: %s\n", err);
        return 1;
    }
    char paths[64][600];
    int n = 0;
    if (optind < argc) {
        for (int i = optind; i < argc && n < 64; i++) {
            if (strchr(argv[i], '/')) {
                fprintf(stderr, "scc cleanup: '%s' is a chain name, not a path\n", argv[i]);
                return 2;
            }
            snprintf(paths[n++], sizeof(paths[0]), "%s/%s.state", dir, argv[i]);
        }
    } else {
        DIR *dd = opendir(dir);
        if (dd) {
            struct dirent *e;
            while ((e = readdir(dd)) && n < 64) {
                size_t l = strlen(e->d_name);
                if (l > 6 && !strcmp(e->d_name + l - 6, ".state"))
                    snprintf(paths[n++], sizeof(paths[0]), "%s/%s", dir, e->d_name);
            }
            closedir(dd);
        }
    }
    int bad = 0, done = 0;
    for (int i = 0; i < n; i++) {
        if (access(paths[i], F_OK) != 0) {
            fprintf(stderr, "scc cleanup: no state at %s (nothing to clean)\n", paths[i]);
            continue;
        }
        char who[200];
        if (ln_state_owner_describe(paths[i], who, sizeof(who))) {
            fprintf(stderr, "scc cleanup: %s belongs to a live launcher: the chain is %s; "
                            "stop it with Ctrl-C (or SIGTERM) instead\n", paths[i], who);
            bad++;
            continue;
        }
        scc_info("cleaning up after %s", paths[i]);
        int left = ln_state_undo(paths[i], true);
        if (left != 0) {
            fprintf(stderr, "scc cleanup: %d thing%s in %s could not be undone (see above)\n",
                    left < 0 ? 1 : left, left == 1 ? "" : "s", paths[i]);
            bad++;
        } else {
            done++;
        }
    }
    if (n == 0 || (done == 0 && bad == 0))
        printf("scc cleanup: nothing to clean up\n");
    else if (done)
        printf("scc cleanup: cleaned %d stale run%s\n", done, done == 1 ? "" : "s");
    return bad ? 1 : 0;
}
