/*
 * sched_cg — the scheduler's private helpers for /proc and cgroup files:
 * read/write one small file, find a controller's mount, a task's cgroup
 * path, its start time, flags and allowed CPUs. Shared by sched_view,
 * sched_policy (the RT-runtime explanation) and sched_reserve; not part of
 * the library's interface (no other module includes it).
 */
#ifndef SCHED_CG_H
#define SCHED_CG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The first line of a small file (newline cut). Returns 0 or -errno. */
int sched_cg_read(const char *path, char *buf, size_t len);
/* Write s to an existing file (never creates one, as cgroupfs and /proc
 * files exist or do not). Returns 0 or -errno. */
int sched_cg_write(const char *path, const char *s);
/* The same, creating the file when it is missing: only for directories
 * laid out like a cgroup mount in tests (req->cgroot). */
int sched_cg_write_create(const char *path, const char *s, bool create);

/* The mount point of the v1 hierarchy that carries controller ("cpuset",
 * "cpu"), from /proc/self/mountinfo, and that mount's root (usually "/").
 * Returns 0 or -ENOENT. */
int sched_cg_v1_mount(const char *controller, char *mnt, size_t mntlen, char *root,
                      size_t rootlen);
/* The cgroup2 mount point. Returns 0 or -ENOENT. */
int sched_cg_v2_mount(char *mnt, size_t mntlen);

/* Task tid's path in the hierarchy of controller (v1: the line naming it,
 * "3:cpuset:/x" or "1:cpu,cpuacct:/x"); controller NULL: the v2 "0::" line.
 * Returns 0, -ENOENT (no such line) or -errno (-ESRCH: gone). */
int sched_cg_task_path(pid_t tid, const char *controller, char *path, size_t len);

/* Fields of /proc/TID/stat: state, flags (field 9), start time (field 22),
 * processor (field 39) and comm. Any pointer may be NULL. Returns 0 or
 * -ESRCH (gone). */
int sched_cg_stat(pid_t tid, char *state, unsigned long *flags, unsigned long long *start,
                  int *cpu, char comm[17]);

/* Cpus_allowed_list of /proc/TID/status, or "" ; and the Tgid. Returns 0
 * or -ESRCH. */
int sched_cg_status(pid_t tid, char *cpus, size_t len, pid_t *tgid);

/* PF_NO_SETAFFINITY in /proc/PID/stat's flags: a kernel thread bound to
 * its CPUs (per-CPU kthreads); cpusets and sched_setaffinity refuse it. */
#define SCHED_PF_NO_SETAFFINITY 0x04000000ul
#define SCHED_PF_KTHREAD 0x00200000ul

#endif
