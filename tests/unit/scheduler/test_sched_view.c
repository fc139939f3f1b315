/* scheduler: sched_view reads back what sched_policy set on decoy children
 * the test forks (never anything else), and sched_rt_blocker explains the
 * EPERM of rr/fifo in a v1 cpu cgroup without RT runtime (a cgroup the test
 * creates and removes). */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scheduler/sched_policy.h"
#include "scheduler/sched_view.h"

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

START_TEST(default_task_reads_back)
{
    pid_t d = decoy_start();
    struct sched_view v;
    ck_assert_int_eq(sched_view_read(d, &v), 0);
    ck_assert_int_eq(v.tid, d);
    ck_assert_int_eq(v.policy, SCHED_OTHER);
    ck_assert_int_eq(v.nice, 0);
    ck_assert_int_eq(v.rt_priority, 0);
    ck_assert(!v.reset_on_fork);
    ck_assert(!v.custom_slice);
    ck_assert_uint_eq(v.rr_timeslice_ns, 0);
    char want[128];
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    want[0] = '\0';
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Cpus_allowed_list: %127s", want) == 1)
            break;
    if (f)
        fclose(f);
    ck_assert_str_eq(v.cpus, want); /* inherited from us */
    ck_assert_msg(v.cpuset[0] == '/', "cpuset '%s'", v.cpuset);
    ck_assert_msg(v.cpu_cgroup[0] == '/', "cpu cgroup '%s'", v.cpu_cgroup);
    char buf[512];
    sched_view_format(&v, buf, sizeof(buf));
    ck_assert_msg(!strncmp(buf, "other nice 0", 12), "%s", buf);
    ck_assert_msg(strstr(buf, " cpus ") != NULL, "%s", buf);
    decoy_stop(d);
    ck_assert_int_eq(sched_view_read(d, &v), -ESRCH);
}
END_TEST

START_TEST(custom_slice_and_batch_read_back)
{
    pid_t d = decoy_start();
    struct sched_view v;
    ck_assert_int_eq(sched_view_read(d, &v), 0);
    if (v.slice_ns == 0) {
        printf("SKIP custom_slice_and_batch_read_back: no se.slice in /proc/PID/sched "
               "(EEVDF needs Linux 6.6+)\n");
        decoy_stop(d);
        return;
    }
    char err[256];
    struct sched_policy_req req = {.policy = SCHED_BATCH, .nice = 3, .slice_ns = 10000000};
    ck_assert_msg(sched_policy_apply(d, &req, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sched_view_read(d, &v), 0);
    ck_assert_int_eq(v.policy, SCHED_BATCH);
    ck_assert_int_eq(v.nice, 3);
    ck_assert_uint_eq(v.slice_ns, 10000000);
    ck_assert(v.custom_slice);
    char buf[512];
    sched_view_format(&v, buf, sizeof(buf));
    ck_assert_msg(strstr(buf, "batch nice 3 slice 10.0 ms (custom) cpus ") == buf, "%s", buf);
    /* back to the default slice: no longer custom */
    req.slice_ns = 0;
    ck_assert_msg(sched_policy_apply(d, &req, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sched_view_read(d, &v), 0);
    ck_assert(!v.custom_slice);
    ck_assert_uint_ne(v.slice_ns, 10000000);
    decoy_stop(d);
}
END_TEST

START_TEST(rt_policies_read_back)
{
    if (geteuid() != 0) {
        printf("SKIP rt_policies_read_back: needs root\n");
        return;
    }
    pid_t d = decoy_start();
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    ck_assert_int_eq(sched_setaffinity(d, sizeof(one), &one), 0);
    char err[256];
    struct sched_policy_req rr = {.policy = SCHED_RR, .rt_priority = 10};
    ck_assert_msg(sched_policy_apply(d, &rr, err, sizeof(err)) == 0, "%s", err);
    struct sched_view v;
    ck_assert_int_eq(sched_view_read(d, &v), 0);
    ck_assert_int_eq(v.policy, SCHED_RR);
    ck_assert_int_eq(v.rt_priority, 10);
    ck_assert_int_eq(v.nice, 0);
    ck_assert_uint_eq(v.slice_ns, 0);
    ck_assert_uint_gt(v.rr_timeslice_ns, 0);
    ck_assert_str_eq(v.cpus, "0");
    char buf[512];
    sched_view_format(&v, buf, sizeof(buf));
    ck_assert_msg(strstr(buf, "rr prio 10 timeslice ") == buf && strstr(buf, " cpus 0"), "%s",
                  buf);
    /* fifo with reset-on-fork (sched_setscheduler's flag bit) */
    struct sched_param sp = {.sched_priority = 5};
    ck_assert_int_eq(sched_setscheduler(d, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp), 0);
    ck_assert_int_eq(sched_view_read(d, &v), 0);
    ck_assert_int_eq(v.policy, SCHED_FIFO);
    ck_assert(v.reset_on_fork);
    ck_assert_uint_eq(v.rr_timeslice_ns, 0);
    sched_view_format(&v, buf, sizeof(buf));
    ck_assert_msg(strstr(buf, "fifo prio 5 reset-on-fork cpus 0") == buf, "%s", buf);
    decoy_stop(d);
}
END_TEST

/* A v1 cpu cgroup the test makes has cpu.rt_runtime_us 0 (RT group
 * scheduling): FIFO is refused to a decoy inside it even as root, and the
 * message names the cgroup instead of a missing capability. */
START_TEST(rt_blocker_names_the_cpu_cgroup)
{
    const char *cg = "/sys/fs/cgroup/cpu/scc-test-rtblock";
    char file[256];
    snprintf(file, sizeof(file), "/sys/fs/cgroup/cpu/cpu.rt_runtime_us");
    if (geteuid() != 0 || access(file, F_OK) != 0) {
        printf("SKIP rt_blocker_names_the_cpu_cgroup: needs root and a v1 cpu hierarchy with "
               "RT group scheduling at /sys/fs/cgroup/cpu\n");
        return;
    }
    rmdir(cg); /* a leftover of an interrupted run */
    ck_assert_msg(mkdir(cg, 0755) == 0, "mkdir %s: %s", cg, strerror(errno));
    pid_t d = decoy_start();
    char why[512] = "x";
    ck_assert_int_eq(sched_rt_blocker(d, why, sizeof(why)), 0); /* the root one has runtime */
    ck_assert_str_eq(why, "");
    snprintf(file, sizeof(file), "%s/tasks", cg);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%d\n", (int)d);
    ck_assert_int_eq(fclose(f), 0);
    int b = sched_rt_blocker(d, why, sizeof(why));
    char err[1024] = "";
    struct sched_policy_req fifo = {.policy = SCHED_FIFO, .rt_priority = 1};
    int rc = sched_policy_apply(d, &fifo, err, sizeof(err));
    decoy_stop(d);
    ck_assert_int_eq(rmdir(cg), 0); /* the decoy is reaped, the cgroup empty */
    ck_assert_msg(b == 1, "blocker %d: %s", b, why);
    ck_assert_msg(strstr(why, "cpu cgroup /scc-test-rtblock has cpu.rt_runtime_us = 0") &&
                      strstr(why, "echo N > /sys/fs/cgroup/cpu/scc-test-rtblock/cpu.rt_runtime_us"),
                  "%s", why);
    ck_assert_msg(rc == -EPERM, "rc %d: %s", rc, err);
    ck_assert_msg(strstr(err, "SCHED_FIFO, priority 1") && strstr(err, "Operation not permitted") &&
                      strstr(err, "cpu.rt_runtime_us = 0"),
                  "%s", err);
    ck_assert_int_eq(sched_rt_blocker(999999999, why, sizeof(why)), -ESRCH);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched_view");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, default_task_reads_back);
    tcase_add_test(tc, custom_slice_and_batch_read_back);
    tcase_add_test(tc, rt_policies_read_back);
    tcase_add_test(tc, rt_blocker_names_the_cpu_cgroup);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
