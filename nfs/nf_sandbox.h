/*
 * nf_sandbox — what scc-nf does to itself after opening its sockets and
 * before it touches a packet: optionally become an unprivileged user, drop
 * every capability, set no_new_privs, then install a seccomp allow-list of
 * the system calls its loop needs. docs/security.md describes the whole
 * arrangement; a unit test keeps its allow-list table equal to
 * nf_sandbox_allow_list().
 */
#ifndef NF_SANDBOX_H
#define NF_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/* The uid and primary gid of user name (getpwnam). Returns 0, -ENOENT
 * when there is no such user (err says so), or -errno. */
int nf_sandbox_lookup_user(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/* Drop privileges for good: clear the ambient set, empty the bounding set
 * (when CAP_SETPCAP allows), then — when uid is not (uid_t)-1 — become
 * uid/gid with gid as the only group (setgroups, setresgid, setresuid;
 * the kernel clears every capability on the way from uid 0), then set
 * effective/permitted/inheritable to nothing (capset) and no_new_privs.
 * Checked by reading back: no capability left, real/effective/saved ids
 * all uid/gid, and setuid(0) refused. Returns 0, or -errno with the
 * failing call in err. Must run before nf_sandbox_seccomp (the filter
 * allows none of these calls). */
int nf_sandbox_drop_privs(uid_t uid, gid_t gid, char *err, size_t errlen);

/* nf_sandbox_drop_privs keeping the current user. */
int nf_sandbox_drop_caps(char *err, size_t errlen);

/* Install the allow-list (libseccomp). Any other call traps: a SIGSYS
 * handler writes "scc-nf: seccomp: system call NR (NAME) is not allowed
 * ..." to stderr with async-signal-safe calls, and the process then dies
 * of SIGSYS, as it did before the report existed. unlink_dirfd: the only
 * directory unlinkat() may use (the stats page's), or -1. Returns 0, or
 * -errno / -ENOSYS when libseccomp was not available at build time. */
int nf_sandbox_seccomp(int unlink_dirfd, char *err, size_t errlen);
/* The I/O engine (enum nf_io_engine) the next nf_sandbox_seccomp allows
 * for: uring adds io_uring_enter, xdp adds the AF_XDP wake-ups (sendto,
 * recvfrom); default sockets. */
void nf_sandbox_set_io_engine(int engine);

/* Entry i of the allow-list: the system call's name, and in *cond (when
 * not NULL) the condition on its arguments ("" when none: "write" only
 * to fds 1 and 2, "unlinkat" only on the stats directory). NULL past the
 * end. The table docs/security.md shows. Cannot fail. */
const char *nf_sandbox_allowed(size_t i, const char **cond);

/* Capability sets of this process as read back from the kernel. */
int nf_sandbox_caps(unsigned long long *effective, unsigned long long *permitted);

#endif
