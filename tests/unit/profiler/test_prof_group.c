/* profiler: counters on a real child process the test starts. The child
 * does exactly 1000 sendmmsg and 1000 recvmmsg on a socketpair, sleeps 20
 * times and touches 64 fresh pages, between a "go" and a "done" byte on
 * pipes; the test checks that the tracepoints and software events count
 * what it did, that hardware events are either counted or unavailable with
 * a reason (never a silent 0, on PMU and no-PMU hosts alike), the errno
 * classification, a thread that is gone, and the group read path.
 *
 * Syscall tracepoints need tracefs: when it is not mounted and we are root,
 * main() mounts it in a private mount namespace of this test only, so the
 * host's mounts are untouched. Without root the tracepoints must report
 * unavailable with a reason, which is checked instead. */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profiler/prof_events.h"
#include "profiler/prof_group.h"

#define NCALLS 1000
#define NSLEEPS 20
#define NPAGES 64

static bool have_tracefs(void)
{
    return access("/sys/kernel/tracing/events/syscalls", F_OK) == 0 ||
           access("/sys/kernel/debug/tracing/events/syscalls", F_OK) == 0;
}

struct child {
    pid_t pid;
    int go_w, done_r;
};

static void child_work(int go_r, int done_w)
{
    int sv[2];
    char b = 0;
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
        _exit(2);
    long pg = sysconf(_SC_PAGESIZE);
    char *mem = mmap(NULL, (size_t)(NPAGES * pg), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        _exit(2);
    madvise(mem, (size_t)(NPAGES * pg), MADV_NOHUGEPAGE);
    if (write(done_w, &b, 1) != 1 || read(go_r, &b, 1) != 1) /* ready; wait for go */
        _exit(2);
    char payload = 'x', in[4];
    for (int i = 0; i < NCALLS; i++) {
        struct iovec iv = {&payload, 1}, ri = {in, sizeof(in)};
        struct mmsghdr m = {.msg_hdr = {.msg_iov = &iv, .msg_iovlen = 1}};
        struct mmsghdr r = {.msg_hdr = {.msg_iov = &ri, .msg_iovlen = 1}};
        if (sendmmsg(sv[0], &m, 1, MSG_DONTWAIT) != 1 || recvmmsg(sv[1], &r, 1, MSG_DONTWAIT, NULL) != 1)
            _exit(3);
    }
    for (int i = 0; i < NSLEEPS; i++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    for (int i = 0; i < NPAGES; i++)
        mem[(long)i * pg] = 1;
    if (write(done_w, &b, 1) != 1)
        _exit(2);
    while (read(go_r, &b, 1) > 0) /* until the parent closes go */
        ;
    _exit(0);
}

static struct child start_child(void)
{
    int go[2], done[2];
    ck_assert_int_eq(pipe(go), 0);
    ck_assert_int_eq(pipe(done), 0);
    struct child c = {.pid = fork()};
    ck_assert_int_ge(c.pid, 0);
    if (c.pid == 0) {
        close(go[1]);
        close(done[0]);
        child_work(go[0], done[1]);
    }
    close(go[0]);
    close(done[1]);
    c.go_w = go[1];
    c.done_r = done[0];
    char b;
    ck_assert_int_eq(read(c.done_r, &b, 1), 1); /* ready */
    return c;
}

static void run_child(struct child *c)
{
    char b = 0, d;
    ck_assert_int_eq(write(c->go_w, &b, 1), 1);
    ck_assert_int_eq(read(c->done_r, &d, 1), 1);
}

static void end_child(struct child *c)
{
    close(c->go_w);
    close(c->done_r);
    int st;
    ck_assert_int_eq(waitpid(c->pid, &st, 0), c->pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: %d", st);
}

static const struct prof_group_event *must_find(struct prof_group *g, const char *name)
{
    const struct prof_group_event *e = prof_group_find(g, name);
    ck_assert_msg(e != NULL, "no event %s", name);
    return e;
}

START_TEST(software_and_tracepoints_count_the_child)
{
    struct child c = start_child();
    struct prof_group *g = prof_group_new(c.pid, 0);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(prof_group_add_software(g), 0);
    ck_assert_int_eq(prof_group_add_syscalls(g), 0);
    int n = prof_group_open(g);
    ck_assert_int_ge(n, 0);
    run_child(&c);
    ck_assert_int_eq(prof_group_read(g), 0);

    if (geteuid() == 0) {
        const struct prof_group_event *cs = must_find(g, "context-switches");
        ck_assert_msg(cs->available, "context-switches: %s", cs->reason);
        ck_assert(cs->count.counted);
        ck_assert_double_ge(cs->count.value, NSLEEPS);
        const struct prof_group_event *tc = must_find(g, "task-clock");
        ck_assert(tc->available && tc->count.value > 0);
        const struct prof_group_event *pf = must_find(g, "page-faults");
        ck_assert(pf->available);
        ck_assert_double_ge(pf->count.value, NPAGES);
        ck_assert(must_find(g, "cpu-migrations")->available);
    }
    const struct prof_group_event *snd = must_find(g, "syscalls:sys_enter_sendmmsg");
    const struct prof_group_event *rcv = must_find(g, "syscalls:sys_enter_recvmmsg");
    if (geteuid() == 0) {
        ck_assert_msg(have_tracefs(), "main() should have mounted tracefs");
        ck_assert_msg(snd->available, "sendmmsg tracepoint: %s", snd->reason);
        ck_assert_msg(rcv->available, "recvmmsg tracepoint: %s", rcv->reason);
        /* exactly what the child did between go and done: no other process
         * is counted, and the tracepoints never multiplex */
        ck_assert_uint_eq(snd->count.raw, NCALLS);
        ck_assert_uint_eq(rcv->count.raw, NCALLS);
        ck_assert(!snd->count.scaled);
        ck_assert_uint_eq(must_find(g, "syscalls:sys_enter_sendto")->count.raw, 0);
        ck_assert_uint_ge(must_find(g, "syscalls:sys_enter_write")->count.raw, 1); /* done byte */
        ck_assert(!snd->user_only);
    } else {
        /* not root: never a silent 0 */
        ck_assert(snd->available || snd->reason[0]);
        ck_assert(rcv->available || rcv->reason[0]);
    }
    for (size_t i = 0; i < prof_group_nevents(g); i++) {
        const struct prof_group_event *e = prof_group_event(g, i);
        ck_assert_msg(e->available || (e->why != PROF_UNAV_NONE && e->reason[0]),
                      "%s: unavailable without a reason", e->name);
    }
    prof_group_free(g);
    end_child(&c);
}
END_TEST

static bool host_has_core_pmu(void)
{
    return access("/sys/bus/event_source/devices/cpu", F_OK) == 0 ||
           access("/sys/bus/event_source/devices/cpu_core", F_OK) == 0;
}

/* Hardware events: counted, or unavailable with a classified reason. On a
 * host without a core PMU (this VM) every one must be unavailable as "not
 * supported", whatever CPU libpfm4 detects from CPUID. */
START_TEST(hardware_counted_or_unavailable_with_reason)
{
    struct child c = start_child();
    char pmu[64];
    const struct prof_event_table *t = NULL;
    int dr = prof_events_detect(pmu, sizeof(pmu), &t);
    struct prof_group *g = prof_group_new(c.pid, dr == 0 ? prof_events_pmu_counters(pmu) : 4);
    if (dr == 0) {
        ck_assert_int_eq(prof_group_add_hardware(g, pmu, t), 0);
    } else {
        /* a CPU without a table: the generic instructions event instead */
        struct perf_event_attr a = {.type = PERF_TYPE_HARDWARE,
                                    .config = PERF_COUNT_HW_INSTRUCTIONS};
        ck_assert_int_eq(prof_group_add_event(g, "instructions", PROF_SRC_HARDWARE, &a), 0);
    }
    ck_assert_int_ge(prof_group_open(g), 0);
    run_child(&c);
    ck_assert_int_eq(prof_group_read(g), 0);
    bool pmu_here = host_has_core_pmu();
    double total = 0;
    size_t counted = 0;
    for (size_t i = 0; i < prof_group_nevents(g); i++) {
        const struct prof_group_event *e = prof_group_event(g, i);
        ck_assert_int_eq(e->src, PROF_SRC_HARDWARE);
        if (!e->available) {
            ck_assert_int_ne(e->why, PROF_UNAV_NONE);
            ck_assert_msg(e->reason[0], "%s: no reason", e->name);
            ck_assert_int_eq(e->count.counted, false);
            if (!pmu_here)
                ck_assert_msg(e->why == PROF_UNAV_NOT_SUPPORTED, "%s: %s", e->name, e->reason);
            continue;
        }
        ck_assert_msg(pmu_here, "%s opened without a core PMU", e->name);
        ck_assert_int_ge(e->group, 0);
        if (e->count.counted) {
            counted++;
            total += e->count.value;
        }
    }
    /* where events counted, the child's 2000 system calls loaded something */
    if (counted)
        ck_assert_double_gt(total, 0);
    prof_group_free(g);
    end_child(&c);
}
END_TEST

/* The group read path without a PMU: software events can be grouped too.
 * Five events in groups of at most two: groups 0,0,1,1,2, each read with
 * one PERF_FORMAT_GROUP read of its leader, members sharing the times. */
START_TEST(groups_are_sized_and_read_together)
{
    if (geteuid() != 0)
        return; /* perf_event_paranoid may refuse another process's counters */
    struct child c = start_child();
    struct prof_group *g = prof_group_new(c.pid, 2);
    struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE};
    const char *names[] = {"tc1", "cs1", "tc2", "cs2", "tc3"};
    for (int i = 0; i < 5; i++) {
        a.config = i % 2 ? PERF_COUNT_SW_CONTEXT_SWITCHES : PERF_COUNT_SW_TASK_CLOCK;
        ck_assert_int_eq(prof_group_add_event(g, names[i], PROF_SRC_HARDWARE, &a), 0);
    }
    ck_assert_int_eq(prof_group_open(g), 5);
    run_child(&c);
    ck_assert_int_eq(prof_group_read(g), 0);
    int want_group[] = {0, 0, 1, 1, 2};
    for (int i = 0; i < 5; i++) {
        const struct prof_group_event *e = must_find(g, names[i]);
        ck_assert_int_eq(e->group, want_group[i]);
        ck_assert(e->count.counted);
        ck_assert_double_gt(e->count.value, 0);
    }
    ck_assert_uint_eq(must_find(g, "tc1")->count.enabled_ns, must_find(g, "cs1")->count.enabled_ns);
    ck_assert_double_ge(must_find(g, "cs1")->count.value, NSLEEPS);
    ck_assert_double_ge(must_find(g, "cs2")->count.value, NSLEEPS);
    ck_assert_int_eq(prof_group_open(g), -EBUSY);
    prof_group_free(g);
    end_child(&c);
}
END_TEST

START_TEST(gone_thread_is_classified)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid); /* reaped: the pid names nothing */
    struct prof_group *g = prof_group_new(pid, 4);
    ck_assert_int_eq(prof_group_add_software(g), 0);
    ck_assert_int_eq(prof_group_open(g), -ESRCH);
    for (size_t i = 0; i < prof_group_nevents(g); i++) {
        const struct prof_group_event *e = prof_group_event(g, i);
        ck_assert(!e->available);
        ck_assert_int_eq(e->why, PROF_UNAV_GONE);
        ck_assert_ptr_nonnull(strstr(e->reason, "gone"));
    }
    prof_group_free(g);
    prof_group_free(NULL);
}
END_TEST

START_TEST(errno_classification)
{
    char r[PROF_GROUP_REASON_MAX];
    ck_assert_int_eq(prof_group_classify(ENOENT, r, sizeof(r)), PROF_UNAV_NOT_SUPPORTED);
    ck_assert_ptr_nonnull(strstr(r, "not supported here"));
    ck_assert_int_eq(prof_group_classify(EOPNOTSUPP, r, sizeof(r)), PROF_UNAV_NOT_SUPPORTED);
    ck_assert_int_eq(prof_group_classify(ENODEV, r, sizeof(r)), PROF_UNAV_NOT_SUPPORTED);
    ck_assert_int_eq(prof_group_classify(EACCES, r, sizeof(r)), PROF_UNAV_PERMISSION);
    ck_assert_ptr_nonnull(strstr(r, "perf_event_paranoid"));
    ck_assert_ptr_nonnull(strstr(r, "CAP_PERFMON"));
    ck_assert_int_eq(prof_group_classify(EPERM, r, sizeof(r)), PROF_UNAV_PERMISSION);
    ck_assert_int_eq(prof_group_classify(ESRCH, r, sizeof(r)), PROF_UNAV_GONE);
    ck_assert_int_eq(prof_group_classify(EMFILE, r, sizeof(r)), PROF_UNAV_FDS);
    ck_assert_ptr_nonnull(strstr(r, "RLIMIT_NOFILE"));
    ck_assert_int_eq(prof_group_classify(EINVAL, r, sizeof(r)), PROF_UNAV_OTHER);
    ck_assert_ptr_nonnull(strstr(r, "perf_event_open"));
}
END_TEST

/* An NF's threads fold into one event: scaled values add (each thread
 * scaled by its own times), a gone thread does not hide the others. */
START_TEST(threads_merge_into_one_event)
{
    struct prof_group_event acc = {.name = "MEM_LOAD_RETIRED:L1_HIT"};
    struct prof_group_event gone = {
        .why = PROF_UNAV_GONE, .err = ESRCH, .reason = "the thread is gone"};
    struct prof_group_event t1 = {.available = true, .count = prof_count_make(100, 1000, 500)};
    struct prof_group_event t2 = {.available = true, .count = prof_count_make(300, 1000, 1000)};
    struct prof_group_event idle = {.available = true, .count = prof_count_make(0, 1000, 0)};
    prof_group_event_merge(&acc, &gone);
    ck_assert(!acc.available);
    ck_assert_str_eq(acc.reason, "the thread is gone");
    prof_group_event_merge(&acc, &t1);
    prof_group_event_merge(&acc, &gone);
    prof_group_event_merge(&acc, &t2);
    prof_group_event_merge(&acc, &idle);
    ck_assert(acc.available);
    ck_assert_int_eq(acc.why, PROF_UNAV_NONE);
    ck_assert_str_eq(acc.reason, "");
    ck_assert(acc.count.counted && acc.count.scaled);
    ck_assert_double_eq(acc.count.value, 100 * 2 + 300); /* not (400 raw) × 3000/1500 */
    ck_assert_uint_eq(acc.count.raw, 400);
    ck_assert_uint_eq(acc.count.enabled_ns, 3000);
    ck_assert_uint_eq(acc.count.running_ns, 1500);
    ck_assert_str_eq(acc.name, "MEM_LOAD_RETIRED:L1_HIT");

    struct prof_group_event none = {.name = "x"};
    prof_group_event_merge(&none, &idle);
    ck_assert(none.available && !none.count.counted); /* never ran anywhere: not counted */
}
END_TEST

/* Mount tracefs for this test only, in a mount namespace of its own. */
static void private_tracefs(void)
{
    if (have_tracefs() || geteuid() != 0)
        return;
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
        fprintf(stderr, "test_prof_group: cannot mount a private tracefs: %s\n", strerror(errno));
}

int main(void)
{
    private_tracefs();
    Suite *s = suite_create("prof_group");
    TCase *tc = tcase_create("child");
    tcase_add_test(tc, software_and_tracepoints_count_the_child);
    tcase_add_test(tc, hardware_counted_or_unavailable_with_reason);
    tcase_add_test(tc, groups_are_sized_and_read_together);
    tcase_add_test(tc, gone_thread_is_classified);
    tcase_add_test(tc, errno_classification);
    tcase_add_test(tc, threads_merge_into_one_event);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
