/*
 * `scc exec ingress|egress [--chain NAME] -- CMD ARGS...` — run a program
 * inside an endpoint namespace of a running chain (docs/endpoints.md), the
 * way `ip netns exec` does, without a shell: find the namespace through the
 * chain's state file (ln_endpoints_find), join it with setns, and execvp
 * the command in place of this process, so its exit status is the
 * command's own (126/127 when it cannot be run, as a shell would say; 1
 * or 2 when no chain or a wrong usage stops it before).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/scc_cmds.h"
#include "launcher/ln_endpoints.h"

static void exec_usage(FILE *f)
{
    fprintf(f, "usage: scc exec ingress|egress [--chain NAME] [--] CMD [ARGS...]\n\n"
               "Run CMD in an endpoint namespace of a chain that `scc run --endpoints`\n"
               "keeps up (no shell: CMD and ARGS are passed as they are). --chain names\n"
               "the chain when several run. The exit status is CMD's.\n"
               "example: scc exec ingress -- ping -c 3 10.201.2.1\n");
}

int cmd_exec(int argc, char **argv)
{
    const char *which = NULL, *chain = NULL;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            exec_usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--chain") || !strncmp(a, "--chain=", 8)) {
            if (a[7] == '=') {
                chain = a + 8;
            } else if (i + 1 < argc) {
                chain = argv[++i];
            } else {
                fprintf(stderr, "scc exec: --chain needs a chain name\n");
                return 2;
            }
            continue;
        }
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] == '-' && !which) {
            fprintf(stderr, "scc exec: unknown option '%s'\n", a);
            exec_usage(stderr);
            return 2;
        }
        if (which)
            break; /* the command starts here */
        which = a;
    }
    if (!which || i >= argc) {
        fprintf(stderr, "scc exec: %s\n", !which ? "say which endpoint: ingress or egress"
                                                 : "no command given (scc exec ingress -- CMD ...)");
        exec_usage(stderr);
        return 2;
    }
    char ns[128], err[300];
    int rc = ln_endpoints_find(chain, which, ns, sizeof(ns), err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "scc exec: %s\n", err);
        return rc == -EINVAL ? 2 : 1;
    }
    char path[160];
    snprintf(path, sizeof(path), "/run/netns/%s", ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "scc exec: open(%s): %s\n", path, strerror(errno));
        return 1;
    }
    if (setns(fd, CLONE_NEWNET) < 0) {
        int e = errno;
        fprintf(stderr, "scc exec: setns(%s): %s%s\n", ns, strerror(e),
                e == EPERM ? " (joining a network namespace needs root)" : "");
        close(fd);
        return 1;
    }
    close(fd);
    execvp(argv[i], argv + i);
    int e = errno;
    fprintf(stderr, "scc exec: %s: %s\n", argv[i], strerror(e));
    return e == ENOENT ? 127 : 126;
}
