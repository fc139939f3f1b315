/*
 * ln_exec — see ln_exec.h. The launcher calls iproute2 (`ip`, `bridge`)
 * for netlink work and starts NFs, generator and sink; all of it goes
 * through here so that no code path ever builds a shell line.
 */
#include "launcher/ln_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

int ln_run_tool(const char *const argv[], bool quiet_fail)
{
    char line[1024];
    ln_argv_format(argv, line, sizeof(line));
    if (ln_dry_run) {
        printf("  %s\n", line);
        return 0;
    }
    scc_dbg("run: %s", line);
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return -e;
    }
    if (pid == 0) {
        dup2(pipefd[1], STDERR_FILENO);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
        }
        execvp(argv[0], (char *const *)argv);
        dprintf(STDERR_FILENO, "execvp(%s): %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    char err[1024], scratch[256];
    size_t got = 0;
    for (;;) { /* keep the first KiB of stderr, drain the rest so the tool never blocks */
        bool room = got < sizeof(err) - 1;
        ssize_t r = read(pipefd[0], room ? err + got : scratch,
                         room ? sizeof(err) - 1 - got : sizeof(scratch));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (room)
            got += (size_t)r;
    }
    close(pipefd[0]);
    err[got] = '\0';
    err[strcspn(err, "\n")] = '\0';
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

static int redirect(const char *path, int fd)
{
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        execvp(argv[0], (char *const *)argv);
        dprintf(STDERR_FILENO, "scc: execvp(%s): %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (o && o->new_pgrp)
        setpgid(pid, pid); /* both sides, to win the race with exec */
    return pid;
}

unsigned long long ln_proc_starttime(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* comm may contain spaces and ')': fields start after the last ')' */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    p += 2; /* now at field 3 (state) */
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return p ? strtoull(p, NULL, 10) : 0;
}

char *ln_sibling_exe(const char *name)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return NULL;
    self[n] = '\0';
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
