/* profiler: prof_proc_cputime's user/system split of a process's CPU time
 * (the schedstat/status sampling is tested through the launcher's
 * ln_nfctl tests). */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <stdint.h>
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
            for (int i = 0; i < 4000000; i++) /* ~ms of user time per (system) clock read */
                x += (unsigned long)i;
        /* the child's own account of its CPU time, from the same kernel
         * counters: what /proc must say (user/sys split by ticks, so a
         * loaded host can put softirq work in sys; comparing with the
         * child's getrusage holds however busy the machine is) */
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        uint64_t self[2] = {(uint64_t)ru.ru_utime.tv_sec * 1000000000ull +
                                (uint64_t)ru.ru_utime.tv_usec * 1000ull,
                            (uint64_t)ru.ru_stime.tv_sec * 1000000000ull +
                                (uint64_t)ru.ru_stime.tv_usec * 1000ull};
        if (write(p[1], self, sizeof(self)) != (ssize_t)sizeof(self))
            _exit(1);
        pause();
        _exit(0);
    }
    close(p[1]);
    uint64_t self[2];
    ck_assert_int_eq(read(p[0], self, sizeof(self)), (ssize_t)sizeof(self));
    uint64_t user = 0, sys = 0;
    ck_assert_int_eq(prof_proc_cputime(pid, &user, &sys), 0);
    /* ~200 ms of CPU in all */
    ck_assert_uint_ge(user + sys, 100000000);
    /* each field is the child's own figure (within /proc's 10 ms clock
     * ticks, and what the pause may add): a parser that swapped or
     * misread the fields fails here */
    ck_assert_msg(user + 20000000 >= self[0] && user <= self[0] + 20000000,
                  "user %llu ns, the child says %llu", (unsigned long long)user,
                  (unsigned long long)self[0]);
    ck_assert_msg(sys + 20000000 >= self[1] && sys <= self[1] + 20000000,
                  "sys %llu ns, the child says %llu", (unsigned long long)sys,
                  (unsigned long long)self[1]);
    ck_assert_msg(self[0] > self[1] + 40000000 ? user > sys : 1, "user and sys swapped");
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
