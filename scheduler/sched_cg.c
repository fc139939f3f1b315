/*
 * sched_cg — see sched_cg.h. Small, allocation-free readers of /proc and
 * cgroupfs; every function returns -errno and never prints.
 */
#include "scheduler/sched_cg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sched_cg_read(const char *path, char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, len - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

int sched_cg_write_create(const char *path, const char *s, bool create)
{
    /* O_TRUNC as a shell's `>` does: cgroupfs and /proc ignore it, and a
     * plain file (a test's layout) then holds only the new value */
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd < 0)
        return -errno;
    /* cgroupfs takes one value per write(2): never split it */
    ssize_t n = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    return (size_t)n == strlen(s) ? 0 : -EIO;
}

int sched_cg_write(const char *path, const char *s) { return sched_cg_write_create(path, s, false); }

/* Split one mountinfo line: mount root (field 4), mount point (5), fstype
 * and super options (after " - "). */
static bool mountinfo_fields(char *line, char **root, char **mnt, char **fstype, char **opts)
{
    char *sep = strstr(line, " - ");
    if (!sep)
        return false;
    *sep = '\0';
    char *save = NULL, *tok = strtok_r(line, " ", &save);
    for (int i = 1; tok && i < 5; i++) {
        if (i == 4)
            *root = tok;
        tok = strtok_r(NULL, " ", &save);
    }
    if (!tok)
        return false;
    *mnt = tok;
    save = NULL;
    *fstype = strtok_r(sep + 3, " ", &save);
    (void)strtok_r(NULL, " ", &save); /* source */
    *opts = strtok_r(NULL, " \n", &save);
    return *fstype && *opts;
}

static bool has_word(const char *list, const char *word, const char *seps)
{
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, seps);
        if (n == wl && !strncmp(p, word, wl))
            return true;
        p += n;
        p += *p != '\0';
    }
    return false;
}

static int find_mount(const char *controller, char *mnt, size_t mntlen, char *root,
                      size_t rootlen)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -errno;
    char line[2048];
    int rc = -ENOENT;
    while (rc < 0 && fgets(line, sizeof(line), f)) {
        char *r, *m, *t, *o;
        if (!mountinfo_fields(line, &r, &m, &t, &o))
            continue;
        bool hit = controller ? !strcmp(t, "cgroup") && has_word(o, controller, ",")
                              : !strcmp(t, "cgroup2");
        if (!hit)
            continue;
        snprintf(mnt, mntlen, "%s", m);
        if (root)
            snprintf(root, rootlen, "%s", r);
        rc = 0;
    }
    fclose(f);
    return rc;
}

int sched_cg_v1_mount(const char *controller, char *mnt, size_t mntlen, char *root,
                      size_t rootlen)
{
    return find_mount(controller, mnt, mntlen, root, rootlen);
}

int sched_cg_v2_mount(char *mnt, size_t mntlen) { return find_mount(NULL, mnt, mntlen, NULL, 0); }

int sched_cg_task_path(pid_t tid, const char *controller, char *path, size_t len)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)tid);
    FILE *f = fopen(p, "re");
    if (!f)
        return errno == ENOENT ? -ESRCH : -errno;
    char line[1024];
    int rc = -ENOENT;
    while (rc < 0 && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        bool v2 = !strncmp(line, "0::", 3); /* the unified hierarchy's line */
        *c2 = '\0';
        const char *ctrls = c1 + 1;
        bool hit = controller ? has_word(ctrls, controller, ",") : v2;
        if (hit) {
            snprintf(path, len, "%s", c2 + 1);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

int sched_cg_stat(pid_t tid, char *state, unsigned long *flags, unsigned long long *start,
                  int *cpu, char comm[17])
{
    char p[64], buf[1024];
    snprintf(p, sizeof(p), "/proc/%d/stat", (int)tid);
    int rc = sched_cg_read(p, buf, sizeof(buf));
    if (rc < 0)
        return rc == -ENOENT ? -ESRCH : rc;
    /* comm may hold spaces and parentheses: it ends at the last ')' */
    char *l = strchr(buf, '('), *r = strrchr(buf, ')');
    if (!l || !r || r < l)
        return -EIO;
    if (comm) {
        size_t n = (size_t)(r - l - 1);
        if (n > 16)
            n = 16;
        memcpy(comm, l + 1, n);
        comm[n] = '\0';
    }
    /* fields from 3 (state) on */
    char *save = NULL, *tok = strtok_r(r + 1, " ", &save);
    for (int field = 3; tok; field++, tok = strtok_r(NULL, " ", &save)) {
        if (field == 3 && state)
            *state = tok[0];
        else if (field == 9 && flags)
            *flags = strtoul(tok, NULL, 10);
        else if (field == 22 && start)
            *start = strtoull(tok, NULL, 10);
        else if (field == 39 && cpu)
            *cpu = atoi(tok);
    }
    return 0;
}

int sched_cg_status(pid_t tid, char *cpus, size_t len, pid_t *tgid)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/status", (int)tid);
    FILE *f = fopen(p, "re");
    if (!f)
        return errno == ENOENT ? -ESRCH : -errno;
    if (cpus && len)
        cpus[0] = '\0';
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (cpus && !strncmp(line, "Cpus_allowed_list:", 18))
            snprintf(cpus, len, "%s", line + 18 + strspn(line + 18, " \t"));
        else if (tgid && !strncmp(line, "Tgid:", 5))
            *tgid = (pid_t)atoi(line + 5);
    }
    fclose(f);
    return 0;
}
