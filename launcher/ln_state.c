/*
 * ln_state — see ln_state.h. The journal is plain text, one record a line,
 * so a person can read what a crashed run left behind; undo parses only
 * the record kinds it knows and leaves the file in place if anything fails.
 */
#include "launcher/ln_state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "launcher/ln_exec.h"

struct ln_state {
    int fd;
    char path[512];
};

const char *ln_state_dir(void)
{
    const char *d = getenv("SCC_STATE_DIR");
    return d && *d ? d : LN_STATE_DIR_DEFAULT;
}

const char *ln_state_path(const struct ln_state *st) { return st->path; }

/* The recorded process still runs: same start time and not a zombie (a
 * zombie is dead; only its parent's wait() is missing). */
static bool still_runs(int pid, unsigned long long start)
{
    if (ln_proc_starttime(pid) != start)
        return false;
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

bool ln_state_owner_alive(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[512];
    bool alive = false;
    while (fgets(line, sizeof(line), f)) {
        int pid;
        unsigned long long start;
        if (sscanf(line, "launcher %d %llu", &pid, &start) == 2) {
            alive = pid > 0 && still_runs(pid, start);
            break;
        }
    }
    fclose(f);
    return alive;
}

int ln_state_create(const char *name, struct ln_state **out)
{
    *out = NULL;
    const char *dir = ln_state_dir();
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        int e = errno;
        scc_err("mkdir(%s): %s", dir, strerror(e));
        return -e;
    }
    struct ln_state *st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    snprintf(st->path, sizeof(st->path), "%s/%s.state", dir, name);
    st->fd = open(st->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (st->fd < 0) {
        int e = errno;
        int rc = -e;
        if (e == EEXIST)
            rc = ln_state_owner_alive(st->path) ? -EBUSY : -ESTALE;
        else
            scc_err("open(%s): %s", st->path, strerror(e));
        free(st);
        return rc;
    }
    int rc = ln_state_add(st, "launcher %d %llu", (int)getpid(),
                          ln_proc_starttime(getpid()));
    if (rc < 0) {
        close(st->fd);
        unlink(st->path);
        free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void ln_state_close(struct ln_state *st)
{
    if (!st)
        return;
    close(st->fd);
    free(st);
}

int ln_state_add(struct ln_state *st, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line) - 1)
        return -EOVERFLOW;
    line[n++] = '\n';
    if (write(st->fd, line, (size_t)n) != n)
        return -errno;
    if (fsync(st->fd) < 0)
        return -errno;
    return 0;
}

/* teardown after a normal run is quiet; `scc cleanup` says what it does */
static bool undo_verbose;
#define say(...) scc_log(undo_verbose ? SCC_LOG_INFO : SCC_LOG_DEBUG, __VA_ARGS__)

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Stop a recorded child: TERM, up to 2 s, then KILL. */
static int undo_pid(int pid, unsigned long long start, const char *name)
{
    if (pid <= 0 || !still_runs(pid, start))
        return 0; /* gone (or the pid now belongs to someone else) */
    say("cleanup: stopping %s (pid %d)", name, pid);
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; i++) {
        if (!still_runs(pid, start))
            return 0;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    for (int i = 0; i < 100; i++) {
        if (!still_runs(pid, start))
            return 0;
        sleep_ms(10);
    }
    scc_err("cleanup: pid %d (%s) does not exit", pid, name);
    return -1;
}

static bool netns_exists(const char *name)
{
    char p[600];
    snprintf(p, sizeof(p), "/run/netns/%s", name);
    return access(p, F_OK) == 0;
}

static bool link_exists(const char *name, const char *ns)
{
    if (strcmp(ns, "-") != 0 && !netns_exists(ns))
        return false; /* the namespace (and every link in it) is gone */
    const char *argv_root[] = {"ip", "link", "show", "dev", name, NULL};
    const char *argv_ns[] = {"ip", "-n", ns, "link", "show", "dev", name, NULL};
    bool was = ln_dry_run;
    ln_dry_run = false;
    int rc = ln_run_tool(strcmp(ns, "-") ? argv_ns : argv_root, true);
    ln_dry_run = was;
    return rc == 0;
}

static int undo_link(const char *name, const char *ns)
{
    if (!link_exists(name, ns))
        return 0;
    say("cleanup: deleting link %s%s%s", name, strcmp(ns, "-") ? " in " : "",
             strcmp(ns, "-") ? ns : "");
    const char *argv_root[] = {"ip", "link", "del", "dev", name, NULL};
    const char *argv_ns[] = {"ip", "-n", ns, "link", "del", "dev", name, NULL};
    int rc = ln_run_tool(strcmp(ns, "-") ? argv_ns : argv_root, false);
    /* deleting one end of a veth pair takes the peer with it */
    return rc == 0 || !link_exists(name, ns) ? 0 : -1;
}

static int undo_netns(const char *name)
{
    if (!netns_exists(name))
        return 0;
    say("cleanup: deleting network namespace %s", name);
    const char *argv[] = {"ip", "netns", "del", name, NULL};
    return ln_run_tool(argv, false) == 0 ? 0 : -1;
}

static int undo_sysctl(const char *path, const char *old)
{
    if (strncmp(path, "/proc/sys/", 10) != 0 || strstr(path, "..")) {
        scc_err("cleanup: refusing to write '%s': not a sysctl path", path);
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        scc_err("cleanup: open(%s): %s", path, strerror(errno));
        return -1;
    }
    say("cleanup: restoring %s = %s", path, old);
    ssize_t n = write(fd, old, strlen(old));
    int e = errno;
    close(fd);
    if (n < 0) {
        scc_err("cleanup: write(%s): %s", path, strerror(e));
        return -1;
    }
    return 0;
}

static int undo_file(const char *path)
{
    if (unlink(path) < 0 && errno != ENOENT) {
        scc_err("cleanup: unlink(%s): %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int ln_state_undo(const char *path, bool verbose)
{
    undo_verbose = verbose;
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char **lines = NULL;
    size_t n = 0, cap = 0;
    char buf[1024];
    while (fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\n")] = '\0';
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nl = realloc(lines, cap * sizeof(char *));
            if (!nl)
                break;
            lines = nl;
        }
        lines[n] = strdup(buf);
        if (lines[n])
            n++;
    }
    fclose(f);
    int failures = 0;
    /* processes first (they hold namespaces and sockets), then the rest in reverse */
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = n; i-- > 0;) {
            char *l = lines[i];
            char a[512], b[512];
            int pid;
            unsigned long long start;
            if (pass == 0) {
                if (sscanf(l, "pid %d %llu %511s", &pid, &start, a) == 3)
                    failures += undo_pid(pid, start, a) < 0;
                continue;
            }
            if (sscanf(l, "link %511s %511s", a, b) == 2)
                failures += undo_link(a, b) < 0;
            else if (sscanf(l, "netns %511s", a) == 1)
                failures += undo_netns(a) < 0;
            else if (sscanf(l, "sysctl %511s %511[^\n]", a, b) == 2)
                failures += undo_sysctl(a, b) < 0;
            else if (sscanf(l, "file %511s", a) == 1)
                failures += undo_file(a) < 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    if (failures == 0)
        unlink(path);
    return failures;
}
