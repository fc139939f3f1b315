/*
 * ln_exec — see ln_exec.h. The launcher calls iproute2 (`ip`, `bridge`)
 * for netlink work and starts NFs, generator and sink; all of it goes
 * through here so that no code path ever builds a shell line.
 */
#include "launcher/ln_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_log.h"

bool ln_dry_run;

void ln_argv_format(const char *const argv[], char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; argv[i] && off + 1 < len; i++) {
        bool quote = strpbrk(argv[i], " \t'\"();|&<>$*?") != NULL || !argv[i][0];
        int n = snprintf(buf + off, len - off, quote ? "%s'%s'" : "%s%s", i ? " " : "",
                         argv[i]);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

static ln_line_fn dry_run_fn;
static void *dry_run_ctx;

void ln_set_dry_run_output(ln_line_fn fn, void *ctx)
{
    dry_run_fn = fn;
    dry_run_ctx = ctx;
}

void ln_dry_run_to_file(const char *line, void *stdio_file)
{
    fprintf(stdio_file, "  %s\n", line);
}

/* A bounded capture of one pipe: the first len-1 bytes are kept, the rest
 * is read and dropped so the tool never blocks on a full pipe. */
struct capture {
    int fd;
    char *buf;
    size_t len, got;
};

static bool capture_read(struct capture *c)
{
    char scratch[256];
    bool room = c->buf && c->got + 1 < c->len;
    ssize_t r = read(c->fd, room ? c->buf + c->got : scratch,
                     room ? c->len - 1 - c->got : sizeof(scratch));
    if (r < 0 && errno == EINTR)
        return true;
    if (r <= 0)
        return false;
    if (room)
        c->got += (size_t)r;
    return true;
}

/* In the child: fd -> target, or exit with a word on what failed (stderr
 * may itself be the pipe; if that dup2 failed, the word goes to ours). */
static void child_dup2(int fd, int target, const char *what)
{
    if (dup2(fd, target) < 0) {
        dprintf(STDERR_FILENO, "dup2(%s): %s", what, strerror(errno));
        _exit(126);
    }
}

/* In the child, just before exec: close every descriptor above stderr.
 * The launcher's own are O_CLOEXEC, but a caller's are not: a shell's
 * `exec 7<file`, a terminal, a socket the parent of `scc` left open would
 * otherwise reach every NF, tool and traffic process (and an NF is meant
 * to hold only its sockets and stats page). Nothing is passed on purpose
 * above fd 2. close_range(2) (Linux 5.9) does it in one call; the
 * fallback closes up to the descriptor limit. Async-signal-safe. */
static void close_inherited_fds(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
        return;
#endif
    struct rlimit rl;
    long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                   ? (long)rl.rlim_cur : 65536;
    if (max > 1048576)
        max = 1048576;
    for (long fd = 3; fd < max; fd++)
        close((int)fd);
}

/* fork + exec argv with stdin from /dev/null, stderr into a pipe (its
 * first line ends up in the log), and stdout into out (or /dev/null). */
static int run_capture(const char *const argv[], const char *line, bool quiet_fail, char *out,
                       size_t outlen)
{
    int errp[2], outp[2] = {-1, -1};
    if (pipe2(errp, O_CLOEXEC) < 0)
        return -errno;
    if (out && pipe2(outp, O_CLOEXEC) < 0) {
        int e = errno;
        close(errp[0]);
        close(errp[1]);
        return -e;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(errp[0]);
        close(errp[1]);
        if (out) {
            close(outp[0]);
            close(outp[1]);
        }
        return -e;
    }
    if (pid == 0) {
        child_dup2(errp[1], STDERR_FILENO, "stderr");
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0) {
            dprintf(STDERR_FILENO, "open(/dev/null): %s", strerror(errno));
            _exit(126);
        }
        child_dup2(devnull, STDIN_FILENO, "stdin");
        child_dup2(out ? outp[1] : devnull, STDOUT_FILENO, "stdout");
        close_inherited_fds();
        execvp(argv[0], (char *const *)argv);
        dprintf(STDERR_FILENO, "execvp(%s): %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(errp[1]);
    if (out)
        close(outp[1]);
    char err[1024];
    struct capture cap[2] = {{.fd = errp[0], .buf = err, .len = sizeof(err)},
                             {.fd = out ? outp[0] : -1, .buf = out, .len = outlen}};
    int open_fds = out ? 2 : 1;
    while (open_fds > 0) {
        struct pollfd pf[2];
        int k = 0;
        for (int i = 0; i < 2; i++)
            if (cap[i].fd >= 0)
                pf[k++] = (struct pollfd){.fd = cap[i].fd, .events = POLLIN};
        if (poll(pf, (nfds_t)k, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int j = 0; j < k; j++) {
            if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            struct capture *c = cap[0].fd == pf[j].fd ? &cap[0] : &cap[1];
            if (!capture_read(c)) {
                close(c->fd);
                c->fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (cap[i].fd >= 0)
            close(cap[i].fd);
    err[cap[0].got] = '\0';
    err[strcspn(err, "\n")] = '\0';
    if (out && outlen)
        out[cap[1].got] = '\0';
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (rc != 0) {
        if (quiet_fail)
            scc_dbg("`%s` failed (exit %d): %s", line, rc, err);
        else
            scc_err("`%s` failed (exit %d): %s", line, rc, err);
    }
    return rc;
}

int ln_run_tool(const char *const argv[], bool quiet_fail)
{
    char line[1024];
    ln_argv_format(argv, line, sizeof(line));
    if (ln_dry_run) {
        if (dry_run_fn)
            dry_run_fn(line, dry_run_ctx);
        return 0;
    }
    scc_dbg("run: %s", line);
    return run_capture(argv, line, quiet_fail, NULL, 0);
}

int ln_query_tool(const char *const argv[], char *out, size_t outlen)
{
    char line[1024];
    ln_argv_format(argv, line, sizeof(line));
    scc_dbg("query: %s", line);
    if (out && outlen)
        out[0] = '\0';
    return run_capture(argv, line, true, out && outlen ? out : NULL, outlen);
}

/* O_NOFOLLOW: a log is opened by root in the state directory; a link
 * planted there must not make root truncate the file it points to. */
static int redirect(const char *path, int fd)
{
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (f < 0)
        return -1;
    if (dup2(f, fd) < 0)
        return -1;
    close(f);
    return 0;
}

pid_t ln_spawn(const char *const argv[], const struct ln_spawn_opts *o)
{
    char line[2048];
    ln_argv_format(argv, line, sizeof(line));
    scc_dbg("spawn: %s", line);
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        /* back to default signal handling: the launcher's handlers only set flags */
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (o && o->new_pgrp)
            setpgid(0, 0);
        if (o && o->cpus && scc_cpuset_count(o->cpus) > 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            for (int c = 0; c < CPU_SETSIZE && c < SCC_MAX_CPUS; c++)
                if (scc_cpuset_isset(o->cpus, c))
                    CPU_SET(c, &set);
            if (sched_setaffinity(0, sizeof(set), &set) < 0) {
                dprintf(STDERR_FILENO, "scc: sched_setaffinity: %s\n", strerror(errno));
                _exit(126);
            }
        }
        if (o && o->stdout_path && redirect(o->stdout_path, STDOUT_FILENO) < 0) {
            dprintf(STDERR_FILENO, "scc: open(%s): %s\n", o->stdout_path, strerror(errno));
            _exit(126);
        }
        if (o && o->stderr_path && redirect(o->stderr_path, STDERR_FILENO) < 0) {
            dprintf(STDERR_FILENO, "scc: open(%s): %s\n", o->stderr_path, strerror(errno));
            _exit(126);
        }
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0) {
            dprintf(STDERR_FILENO, "scc: stdin from /dev/null: %s\n", strerror(errno));
            _exit(126);
        }
        close_inherited_fds();
        execvp(argv[0], (char *const *)argv);
        dprintf(STDERR_FILENO, "scc: execvp(%s): %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (o && o->new_pgrp)
        setpgid(pid, pid); /* both sides, to win the race with exec */
    return pid;
}

int ln_proc_stat(pid_t pid, char *state, unsigned long long *starttime)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* comm may contain spaces and ')': fields start after the last ')' */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2])
        return -EPROTO;
    p += 2; /* now at field 3 (state) */
    if (state)
        *state = *p;
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (!p)
        return -EPROTO;
    if (starttime)
        *starttime = strtoull(p, NULL, 10);
    return 0;
}

unsigned long long ln_proc_starttime(pid_t pid)
{
    unsigned long long start = 0;
    return ln_proc_stat(pid, NULL, &start) == 0 ? start : 0;
}

void ln_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void ln_exe_path_undeleted(char *path)
{
    static const char suffix[] = " (deleted)";
    size_t n = strlen(path), k = sizeof(suffix) - 1;
    if (n > k && strcmp(path + n - k, suffix) == 0)
        path[n - k] = '\0';
}

int ln_self_exe(char *buf, size_t len)
{
    if (len < 2)
        return -EINVAL;
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n < 0)
        return -errno;
    if ((size_t)n >= len - 1)
        return -ENAMETOOLONG; /* possibly cut: never exec a cut path */
    buf[n] = '\0';
    ln_exe_path_undeleted(buf);
    return 0;
}

char *ln_sibling_exe(const char *name)
{
    char self[4096];
    if (ln_self_exe(self, sizeof(self)) < 0)
        return NULL;
    char *slash = strrchr(self, '/');
    if (!slash)
        return NULL;
    slash[1] = '\0';
    size_t len = strlen(self) + strlen(name) + 1;
    char *path = malloc(len);
    if (!path)
        return NULL;
    snprintf(path, len, "%s%s", self, name);
    if (access(path, X_OK) != 0) {
        free(path);
        return NULL;
    }
    return path;
}
