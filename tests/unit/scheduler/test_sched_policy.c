/* scheduler: sched_policy applied to a decoy child the test forks (never to
 * anything else), read back, and its errors: ranges checked before the
 * kernel, EPERM with advice, rr/fifo as root. The decoy is killed at the
 * end of each test; nothing global is changed. */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scheduler/sched_policy.h"

static pid_t decoy_start(void)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (;;)
            pause();
    }
    return pid;
}

static void decoy_stop(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static void expect(pid_t pid, int policy, int nice, int prio)
{
    struct sched_policy_req now;
    ck_assert_int_eq(sched_policy_read(pid, &now), 0);
    ck_assert_msg(now.policy == policy, "policy %s, expected %s", sched_policy_name(now.policy),
                  sched_policy_name(policy));
    ck_assert_int_eq(now.nice, nice);
    ck_assert_int_eq(now.rt_priority, prio);
}

START_TEST(fair_policies_read_back)
{
    pid_t d = decoy_start();
    char err[256];
    /* each step raises nice or keeps it, so it works without privileges;
     * idle comes last (leaving it needs RLIMIT_NICE), and keeps nice 7 */
    struct sched_policy_req steps[] = {
        {.policy = SCHED_OTHER},
        {.policy = SCHED_BATCH},
        {.policy = SCHED_BATCH, .nice = 5},
        {.policy = SCHED_OTHER, .nice = 7},
        {.policy = SCHED_IDLE},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        ck_assert_msg(sched_policy_apply(d, &steps[i], err, sizeof(err)) == 0, "step %zu: %s",
                      i, err);
        expect(d, steps[i].policy, steps[i].policy == SCHED_IDLE ? 7 : steps[i].nice, 0);
    }
    decoy_stop(d);
}
END_TEST

START_TEST(slice_reads_back)
{
    pid_t d = decoy_start();
    struct sched_policy_req now;
    ck_assert_int_eq(sched_policy_read(d, &now), 0);
    if (now.slice_ns == 0) {
        printf("SKIP slice_reads_back: this kernel reports no slice (EEVDF custom slices "
               "need Linux 6.12+)\n");
        decoy_stop(d);
        return;
    }
    char err[256];
    struct sched_policy_req req = {.policy = SCHED_OTHER, .slice_ns = 1000000};
    ck_assert_msg(sched_policy_apply(d, &req, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sched_policy_read(d, &now), 0);
    ck_assert_uint_eq(now.slice_ns, 1000000);
    req.slice_ns = 250000;
    req.policy = SCHED_BATCH;
    ck_assert_msg(sched_policy_apply(d, &req, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sched_policy_read(d, &now), 0);
    ck_assert_int_eq(now.policy, SCHED_BATCH);
    ck_assert_uint_eq(now.slice_ns, 250000);
    decoy_stop(d);
}
END_TEST

/* Requests out of range are refused before the kernel sees them, with a
 * message naming the field, and the decoy keeps what it had. */
START_TEST(ranges_checked_with_a_message)
{
    pid_t d = decoy_start();
    static const struct {
        struct sched_policy_req req;
        const char *msg;
    } cases[] = {
        {{.policy = SCHED_FIFO, .rt_priority = 100},
         "rt priority 100 out of range for fifo (1-99)"},
        {{.policy = SCHED_RR, .rt_priority = 0}, "rt priority 0 out of range for rr (1-99)"},
        {{.policy = SCHED_FIFO, .rt_priority = -1}, "rt priority -1 out of range"},
        {{.policy = SCHED_OTHER, .rt_priority = 5}, "rt priority 5 given for other"},
        {{.policy = SCHED_OTHER, .nice = 20}, "nice 20 out of range"},
        {{.policy = SCHED_BATCH, .nice = -21}, "nice -21 out of range"},
        {{.policy = SCHED_FIFO, .rt_priority = 1, .nice = -5}, "nice -5 given for fifo"},
        {{.policy = SCHED_OTHER, .slice_ns = 10}, "slice 10 ns out of range"},
        {{.policy = SCHED_OTHER, .slice_ns = 200000000}, "slice 200000000 ns out of range"},
        {{.policy = SCHED_RR, .rt_priority = 1, .slice_ns = 1000000}, "slice given for rr"},
        {{.policy = 42}, "policy 42: not one of"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        ck_assert_msg(sched_policy_apply(d, &cases[i].req, err, sizeof(err)) == -EINVAL,
                      "case %zu accepted", i);
        ck_assert_msg(strstr(err, cases[i].msg) != NULL, "case %zu: '%s' lacks '%s'", i, err,
                      cases[i].msg);
    }
    expect(d, SCHED_OTHER, 0, 0);
    ck_assert_int_eq(sched_policy_apply(d, &cases[0].req, NULL, 0), -EINVAL); /* err optional */
    ck_assert_int_eq(sched_policy_apply(d, NULL, NULL, 0), -EINVAL);
    decoy_stop(d);
}
END_TEST

/* FIFO without CAP_SYS_NICE and with RLIMIT_RTPRIO 0 is EPERM, and the
 * message says what is missing. As root the attempt is made by a child that
 * first drops to uid/gid 65534 (losing its capabilities) and targets only
 * itself; as non-root the decoy is the target. */
START_TEST(eperm_gives_advice)
{
    ck_assert_ptr_nonnull(strstr(sched_errno_advice(EPERM), "CAP_SYS_NICE"));
    ck_assert_ptr_nonnull(strstr(sched_errno_advice(-EPERM), "RLIMIT_RTPRIO"));
    ck_assert_str_eq(sched_errno_advice(12345), "");
    struct sched_policy_req req = {.policy = SCHED_FIFO, .rt_priority = 1};
    char err[512] = "";
    int rc;
    if (geteuid() != 0) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_RTPRIO, &rl) == 0 && rl.rlim_cur > 0) {
            printf("SKIP eperm_gives_advice: not root and RLIMIT_RTPRIO is %llu, so "
                   "SCHED_FIFO is allowed\n", (unsigned long long)rl.rlim_cur);
            return;
        }
        pid_t d = decoy_start();
        rc = sched_policy_apply(d, &req, err, sizeof(err));
        expect(d, SCHED_OTHER, 0, 0);
        decoy_stop(d);
    } else {
        int p[2];
        ck_assert_int_eq(pipe(p), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(p[0]);
            struct rlimit zero = {0, 0};
            char buf[sizeof(err) + sizeof(int)];
            int r = -EIO;
            snprintf(buf + sizeof(int), sizeof(err), "could not drop privileges");
            if (setrlimit(RLIMIT_RTPRIO, &zero) == 0 && setgid(65534) == 0 && setuid(65534) == 0)
                r = sched_policy_apply(0, &req, buf + sizeof(int), sizeof(err));
            memcpy(buf, &r, sizeof(int));
            _exit(write(p[1], buf, sizeof(buf)) == (ssize_t)sizeof(buf) ? 0 : 1);
        }
        close(p[1]);
        char buf[sizeof(err) + sizeof(int)];
        ssize_t n = read(p[0], buf, sizeof(buf));
        close(p[0]);
        int st;
        waitpid(pid, &st, 0);
        ck_assert_int_eq(n, (ssize_t)sizeof(buf));
        memcpy(&rc, buf, sizeof(int));
        memcpy(err, buf + sizeof(int), sizeof(err));
        err[sizeof(err) - 1] = '\0';
    }
    ck_assert_msg(rc == -EPERM, "rc %d: %s", rc, err);
    ck_assert_msg(strstr(err, "sched_setattr(") && strstr(err, "SCHED_FIFO, priority 1") &&
                      strstr(err, "Operation not permitted") &&
                      strstr(err, "CAP_SYS_NICE or RLIMIT_RTPRIO"),
                  "%s", err);
}
END_TEST

/* As root rr and fifo must work (on this VM RT group scheduling is on; the
 * decoy inherits the test's cpu cgroup, the root one, which has RT runtime). */
START_TEST(rt_policies_as_root)
{
    if (geteuid() != 0) {
        printf("SKIP rt_policies_as_root: needs root (CAP_SYS_NICE)\n");
        return;
    }
    pid_t d = decoy_start();
    char err[256];
    struct sched_policy_req rr = {.policy = SCHED_RR, .rt_priority = 10};
    ck_assert_msg(sched_policy_apply(d, &rr, err, sizeof(err)) == 0, "%s", err);
    expect(d, SCHED_RR, 0, 10);
    struct sched_policy_req fifo = {.policy = SCHED_FIFO, .rt_priority = 99};
    ck_assert_msg(sched_policy_apply(d, &fifo, err, sizeof(err)) == 0, "%s", err);
    expect(d, SCHED_FIFO, 0, 99);
    struct sched_policy_req back = {.policy = SCHED_OTHER, .nice = -19};
    ck_assert_msg(sched_policy_apply(d, &back, err, sizeof(err)) == 0, "%s", err);
    expect(d, SCHED_OTHER, -19, 0);
    decoy_stop(d);
}
END_TEST

START_TEST(names)
{
    static const int all[] = {SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_RR, SCHED_FIFO};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        ck_assert_int_eq(sched_policy_from_name(sched_policy_name(all[i])), all[i]);
    ck_assert_int_eq(sched_policy_from_name("deadline"), -EINVAL);
    ck_assert_int_eq(sched_policy_from_name(NULL), -EINVAL);
    ck_assert_str_eq(sched_policy_name(42), "?");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched_policy");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, fair_policies_read_back);
    tcase_add_test(tc, slice_reads_back);
    tcase_add_test(tc, ranges_checked_with_a_message);
    tcase_add_test(tc, eperm_gives_advice);
    tcase_add_test(tc, rt_policies_as_root);
    tcase_add_test(tc, names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
