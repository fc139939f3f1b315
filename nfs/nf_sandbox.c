/*
 * nf_sandbox — capability drop and seccomp allow-list for scc-nf.
 *
 * Capabilities: an NF needs CAP_NET_RAW only to open its AF_PACKET socket;
 * once open, nothing it does needs privilege, so it keeps none. libcap is
 * not a dependency: the raw capset(2) call with the version 3 header does
 * the same job. Note that the process keeps uid 0 when started as root;
 * without capabilities, that only matters for files owned by root, and the
 * seccomp filter below allows no call that opens a file.
 *
 * Seccomp: the allow-list is the loop's system calls (recvmmsg, sendmmsg,
 * poll/ppoll, clock reads), what exiting needs (munmap, close, unlinkat on
 * the stats directory only, exit_group), writes to stdout/stderr for log
 * lines, signal return, and what free() may do (brk, munmap, madvise). The
 * default action kills the whole process, so a missing entry is loud
 * (SIGSYS), never a silent error path.
 */
#include "nfs/nf_sandbox.h"
#include "nfs/nf_io.h"

#include "common/scc_util.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef SCC_HAVE_SECCOMP
#include <seccomp.h>
#endif

static int fail(char *err, size_t errlen, const char *what)
{
    int e = errno;
    scc_errf(err, errlen, "%s: %s", what, strerror(e));
    return -e;
}

int nf_sandbox_caps(unsigned long long *effective, unsigned long long *permitted)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    if (syscall(SYS_capget, &h, d) < 0)
        return -errno;
    *effective = (unsigned long long)d[1].effective << 32 | d[0].effective;
    *permitted = (unsigned long long)d[1].permitted << 32 | d[0].permitted;
    return 0;
}

int nf_sandbox_drop_caps(char *err, size_t errlen)
{
    /* ambient first: EINVAL on kernels without ambient sets is fine */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return fail(err, errlen, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
    /* the bounding set needs CAP_SETPCAP; without it there is nothing to
     * protect against (an unprivileged process cannot gain capabilities
     * once no_new_privs is set) */
    unsigned long long eff = 0, perm = 0;
    if (nf_sandbox_caps(&eff, &perm) < 0)
        return fail(err, errlen, "capget");
    if (eff & (1ull << CAP_SETPCAP))
        for (int cap = 0; cap <= 63; cap++)
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
                if (errno == EINVAL)
                    break; /* past the kernel's last capability */
                return fail(err, errlen, "prctl(PR_CAPBSET_DROP)");
            }
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    if (syscall(SYS_capset, &h, d) < 0)
        return fail(err, errlen, "capset(all empty)");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return fail(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS)");
    if (nf_sandbox_caps(&eff, &perm) < 0 || eff || perm) {
        errno = EPERM;
        return fail(err, errlen, "capabilities still held after capset");
    }
    return 0;
}

/* Transport-dependent entries (docs/io.md "Sandbox"). io_uring requests
 * are not system calls: once io_uring_enter is allowed, the filter no
 * longer sees what the ring does, so it is allowed only for uring NFs,
 * and io_uring_setup/register (new rings, new buffers) never are. */
static int io_engine = NF_IO_SOCKETS;

void nf_sandbox_set_io_engine(int engine)
{
    io_engine = engine;
}

int nf_sandbox_seccomp(int unlink_dirfd, char *err, size_t errlen)
{
#ifdef SCC_HAVE_SECCOMP
    static const int allow[] = {
        SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
        SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
        SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(sched_yield),
        SCMP_SYS(exit_group), SCMP_SYS(exit), SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall),
        SCMP_SYS(rt_sigprocmask), SCMP_SYS(getpid), SCMP_SYS(close), SCMP_SYS(munmap),
        SCMP_SYS(brk), SCMP_SYS(madvise), SCMP_SYS(futex),
        SCMP_SYS(getsockopt), /* receive-queue drop counters for the stats page */
    };
    /* written out rather than SCMP_A0(), which leaves datum_b implicit */
    const struct scmp_arg_cmp fd1 = {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = 1, .datum_b = 0};
    const struct scmp_arg_cmp fd2 = {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = 2, .datum_b = 0};
    const struct scmp_arg_cmp dirfd = {.arg = 0, .op = SCMP_CMP_EQ,
                                       .datum_a = (scmp_datum_t)unlink_dirfd, .datum_b = 0};
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) {
        errno = ENOMEM;
        return fail(err, errlen, "seccomp_init");
    }
    int rc = 0;
    for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]) && rc == 0; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow[i], 0);
    /* log lines: stdout and stderr only */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, fd1);
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, fd2);
    if (rc == 0 && io_engine == NF_IO_URING)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(io_uring_enter), 0);
    if (rc == 0 && io_engine == NF_IO_XDP)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 0);
    if (rc == 0 && io_engine == NF_IO_XDP)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvfrom), 0);
    if (rc == 0 && unlink_dirfd >= 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 1, dirfd);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) {
        errno = -rc;
        return fail(err, errlen, "seccomp_rule_add/seccomp_load");
    }
    return 0;
#else
    (void)unlink_dirfd;
    scc_errf(err, errlen, "seccomp: scc-nf was built without libseccomp");
    return -ENOSYS;
#endif
}
