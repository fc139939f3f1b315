/*
 * nf_sandbox — user switch, capability drop and seccomp allow-list for scc-nf.
 *
 * User: with --user (the spec's nf_user), an NF started as root becomes
 * that user once its sockets and stats page are open: the sockets keep
 * working (permission is checked at open), and a compromised NF owns
 * nothing and can signal nothing of root's. Its stats page stays root's
 * (0600): the NF writes it through its mapping, readers refuse pages
 * owned by anyone but themselves, and the launcher removes it at the end.
 *
 * Capabilities: an NF needs CAP_NET_RAW only to open its AF_PACKET socket;
 * once open, nothing it does needs privilege, so it keeps none. libcap is
 * not a dependency: the raw capset(2) call with the version 3 header does
 * the same job. Without --user the process keeps uid 0; without
 * capabilities, that only matters for files owned by root, and the
 * seccomp filter below allows no call that opens a file.
 *
 * Seccomp: the allow-list (allow_names below; docs/security.md shows it
 * and a unit test keeps the two equal) is the loop's system calls
 * (recvmmsg, sendmmsg, poll/ppoll, clock reads), what exiting needs
 * (munmap, close, unlinkat on the stats directory only, exit_group),
 * writes to stdout/stderr for log lines, signal return, and what free()
 * may do (brk, munmap, madvise). Anything else traps (SECCOMP_RET_TRAP):
 * a SIGSYS handler names the call on stderr — the NF log the launcher
 * shows — and the process then dies of SIGSYS. The handler is installed
 * with SA_RESETHAND, so a second trap (or one while it runs) kills at once;
 * a blocked or ignored SIGSYS cannot save the process either (the kernel
 * forces it).
 */
#include "nfs/nf_sandbox.h"
#include "nfs/nf_io.h"

#include "common/scc_util.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

int nf_sandbox_lookup_user(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        int e = errno ? errno : ENOENT;
        if (e == ENOENT || e == ESRCH)
            scc_errf(err, errlen, "no user named '%s' on this host (getent passwd %s)", name,
                     name);
        else
            scc_errf(err, errlen, "getpwnam(%s): %s", name, strerror(e));
        return e == ESRCH ? -ENOENT : -e;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

/* become uid/gid with gid as the only group, and check it holds */
static int switch_user(uid_t uid, gid_t gid, char *err, size_t errlen)
{
    if (getuid() == uid && geteuid() == uid && getgid() == gid && getegid() == gid &&
        uid != 0)
        return 0; /* already that user (and unable to call setgroups) */
    if (setgroups(1, &gid) < 0)
        return fail(err, errlen, "setgroups");
    if (setresgid(gid, gid, gid) < 0)
        return fail(err, errlen, "setresgid");
    if (setresuid(uid, uid, uid) < 0)
        return fail(err, errlen, "setresuid");
    uid_t r, e, sv;
    gid_t gr, ge, gs;
    if (getresuid(&r, &e, &sv) < 0 || getresgid(&gr, &ge, &gs) < 0)
        return fail(err, errlen, "getresuid/getresgid");
    if (r != uid || e != uid || sv != uid || gr != gid || ge != gid || gs != gid) {
        errno = EPERM;
        return fail(err, errlen, "user ids not as set after setresuid");
    }
    if (uid != 0 && setuid(0) == 0) {
        errno = EPERM;
        return fail(err, errlen, "setuid(0) still succeeds after the switch");
    }
    return 0;
}

int nf_sandbox_drop_privs(uid_t uid, gid_t gid, char *err, size_t errlen)
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
    /* the user switch needs CAP_SETUID/CAP_SETGID: before capset empties them */
    if (uid != (uid_t)-1) {
        int rc = switch_user(uid, gid, err, errlen);
        if (rc < 0)
            return rc;
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

int nf_sandbox_drop_caps(char *err, size_t errlen)
{
    return nf_sandbox_drop_privs((uid_t)-1, (gid_t)-1, err, errlen);
}

/* The allow-list. The last three are allowed only with the argument their
 * condition names (rules added in nf_sandbox_seccomp). */
static const struct {
    const char *name, *cond;
} allow[] = {
    {"recvmmsg", ""}, {"sendmmsg", ""}, {"recvmsg", ""}, {"sendmsg", ""}, {"poll", ""},
    {"ppoll", ""}, {"clock_gettime", ""}, {"gettimeofday", ""}, {"clock_nanosleep", ""},
    {"nanosleep", ""}, {"sched_yield", ""}, {"exit_group", ""}, {"exit", ""},
    {"rt_sigreturn", ""}, {"restart_syscall", ""}, {"rt_sigprocmask", ""}, {"getpid", ""},
    {"close", ""}, {"munmap", ""}, {"brk", ""}, {"madvise", ""}, {"futex", ""},
    {"getsockopt", ""}, /* receive-queue drop counters for the stats page */
    {"write", "fd 1 or 2 only (log lines)"},
    {"unlinkat", "the stats page's directory only"},
    /* chain-order token: is the token holder still alive? (nf_ring.c) */
    {"kill", "signal 0 only (a liveness check; sends nothing)"},
};
#define N_ALLOW SCC_ARRAY_SIZE(allow)
#define N_UNCONDITIONAL (N_ALLOW - 3)

const char *nf_sandbox_allowed(size_t i, const char **cond)
{
    if (i >= N_ALLOW)
        return NULL;
    if (cond)
        *cond = allow[i].cond;
    return allow[i].name;
}

#ifdef SCC_HAVE_SECCOMP
/* System call names by number, filled before the filter is loaded: the
 * SIGSYS handler may not call libseccomp (it allocates). */
#define N_SYSNAMES 512
static char sysnames[N_SYSNAMES][24];

static size_t put(char *buf, size_t off, size_t len, const char *s)
{
    while (*s && off + 1 < len)
        buf[off++] = *s++;
    return off;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    char msg[256], num[16];
    int nr = si->si_syscall;
    unsigned v = nr < 0 ? 0u : (unsigned)nr;
    size_t k = sizeof(num) - 1;
    num[k] = '\0';
    do
        num[--k] = (char)('0' + v % 10);
    while ((v /= 10) && k > 0);
    size_t n = put(msg, 0, sizeof(msg), "scc-nf: seccomp: system call ");
    n = put(msg, n, sizeof(msg), num + k);
    if (nr >= 0 && nr < N_SYSNAMES && sysnames[nr][0]) {
        n = put(msg, n, sizeof(msg), " (");
        n = put(msg, n, sizeof(msg), sysnames[nr]);
        n = put(msg, n, sizeof(msg), ")");
    }
    n = put(msg, n, sizeof(msg), " is not on the NF's allow-list (docs/security.md); "
                                 "stopping with SIGSYS\n");
    ssize_t w = write(STDERR_FILENO, msg, n);
    (void)w;
    /* SA_RESETHAND put SIGSYS back to its default: the same call again
     * (with zero arguments, still outside the list) traps and kills */
    syscall(nr, 0, 0, 0, 0, 0, 0);
    syscall(SYS_exit_group, 128 + SIGSYS); /* not reached */
}
#endif

#if defined(__SANITIZE_ADDRESS__)
#define NF_SANDBOX_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NF_SANDBOX_LSAN 1
#endif
#endif
#ifdef NF_SANDBOX_LSAN
#include <sanitizer/lsan_interface.h>
#endif

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
#ifdef NF_SANDBOX_LSAN
    /* Sanitizer builds: LeakSanitizer's check at exit stops the world
     * with ptrace and reads /proc, which the filter forbids, so an NF
     * died of SIGSYS on its way out. Check now, before the filter: the
     * NF allocates nothing after set-up (docs/io.md), so this sees every
     * leak there can be; the call also disables the check at exit. */
    __lsan_do_leak_check();
#endif
    for (int i = 0; i < N_SYSNAMES; i++) {
        char *nm = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, i);
        sysnames[i][0] = '\0';
        if (nm)
            scc_strlcpy(sysnames[i], nm, sizeof(sysnames[i]));
        free(nm);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) < 0)
        return fail(err, errlen, "sigaction(SIGSYS)");
    /* written out rather than SCMP_A0(), which leaves datum_b implicit */
    const struct scmp_arg_cmp fd1 = {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = 1, .datum_b = 0};
    const struct scmp_arg_cmp fd2 = {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = 2, .datum_b = 0};
    const struct scmp_arg_cmp sig0 = {.arg = 1, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0};
    const struct scmp_arg_cmp dirfd = {.arg = 0, .op = SCMP_CMP_EQ,
                                       .datum_a = (scmp_datum_t)unlink_dirfd, .datum_b = 0};
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx) {
        errno = ENOMEM;
        return fail(err, errlen, "seccomp_init");
    }
    int rc = 0;
    const char *bad = NULL;
    for (size_t i = 0; i < N_UNCONDITIONAL && rc == 0; i++) {
        int nr = seccomp_syscall_resolve_name(allow[i].name);
        if (nr == __NR_SCMP_ERROR) {
            bad = allow[i].name;
            rc = -EINVAL;
        } else {
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
        }
    }
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
    if (rc == 0) /* probing a pid only: signal 0 delivers nothing */
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1, sig0);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) {
        errno = -rc;
        if (bad)
            scc_errf(err, errlen, "seccomp: no system call named '%s' here", bad);
        return bad ? rc : fail(err, errlen, "seccomp_rule_add/seccomp_load");
    }
    return 0;
#else
    (void)unlink_dirfd;
    scc_errf(err, errlen, "seccomp: scc-nf was built without libseccomp");
    return -ENOSYS;
#endif
}
