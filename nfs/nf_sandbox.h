/*
 * nf_sandbox — what scc-nf does to itself after opening its sockets and
 * before it touches a packet: drop every capability, then install a
 * seccomp allow-list of the system calls its loop needs.
 */
#ifndef NF_SANDBOX_H
#define NF_SANDBOX_H

#include <stddef.h>

/* Clear the ambient set, empty the bounding set (when CAP_SETPCAP allows),
 * set effective/permitted/inheritable to nothing (capset), and set
 * no_new_privs. Returns 0, or -errno with the failing call in err. */
int nf_sandbox_drop_caps(char *err, size_t errlen);

/* Install the allow-list (libseccomp; anything else kills the process with
 * SIGSYS). unlink_dirfd: the only directory unlinkat() may use (the stats
 * page's), or -1. Returns 0, or -errno / -ENOSYS when libseccomp was not
 * available at build time. */
int nf_sandbox_seccomp(int unlink_dirfd, char *err, size_t errlen);
/* The I/O engine (enum nf_io_engine) the next nf_sandbox_seccomp allows
 * for: uring adds io_uring_enter, xdp adds the AF_XDP wake-ups (sendto,
 * recvfrom); default sockets. */
void nf_sandbox_set_io_engine(int engine);

/* Capability sets of this process as read back from the kernel. */
int nf_sandbox_caps(unsigned long long *effective, unsigned long long *permitted);

#endif
