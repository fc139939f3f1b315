/* profiler: prof_proc_cputime's user/system split of a process's CPU time
 * (the schedstat/status sampling is tested through the launcher's
 * ln_nfctl tests). */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profiler/prof_proc.h"

/* The caller's own CPU time: the child spins until it has used 200 ms of
 * CPU, not 200 ms of wall time, which on a loaded host (other tests on 2
 * vCPUs) gave it as little as 50 ms and failed the >= 100 ms check. */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A child with a ')' and spaces in its name spins 200 ms of CPU in user mode. */
START_TEST(user_time_of_a_spinning_child)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        prctl(PR_SET_NAME, "x) 1 2 3 (y"); /* a parser splitting at the first ')' misreads */
        volatile unsigned long x = 0;
        double end = cpu_s() + 0.2;
        while (cpu_s() < end)
            for (int i = 0; i < 100000; i++)
                x += (unsigned long)i;
        char b = 0;
        if (write(p[1], &b, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(p[1]);
    char b;
    ck_assert_int_eq(read(p[0], &b, 1), 1);
    uint64_t user = 0, sys = 0;
    ck_assert_int_eq(prof_proc_cputime(pid, &user, &sys), 0);
    /* ~200 ms of CPU, nearly all user (clock_gettime is a vDSO call) */
    ck_assert_uint_ge(user + sys, 100000000);
    ck_assert_uint_gt(user, sys);
    kill(pid, SIGKILL);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    close(p[0]);
    ck_assert_int_eq(prof_proc_cputime(pid, &user, &sys), -ENOENT); /* reaped */
    ck_assert_int_eq(prof_proc_cputime(0, &user, &sys), -EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prof_proc");
    TCase *tc = tcase_create("cputime");
    tcase_add_test(tc, user_time_of_a_spinning_child);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
