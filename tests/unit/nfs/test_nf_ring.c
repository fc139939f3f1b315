/* nfs: the chain-order token ring (nf_ring.c) with forked processes on one
 * shared mapping, as the NFs of a core use it: the token goes round in
 * member order and only its holder runs; a member killed while holding it
 * is taken over from (the others go on), and a restarted member rejoins in
 * its place; an idle ring lets its first member block; a member that
 * leaves hands the token on. */
#include <check.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nfs/nf_ring.h"

#define LOG_MAX 16384

/* What the members share besides the ring: a start barrier, the turns in
 * the order they were taken, and a check that never two ran at once. */
struct shared {
    _Atomic int go, stop;
    _Atomic int running;   /* members inside a turn right now */
    _Atomic int overlap;   /* turns that found another member inside one */
    _Atomic int nlog;
    int log[LOG_MAX];
};

static void *ring_mem;
static struct shared *sh;
/* every member forked, so that a failed check leaves none behind */
static pid_t kids[16];
static int nkids;

static void setup(void)
{
    ring_mem = mmap(NULL, NF_RING_SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                    -1, 0);
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(ring_mem != MAP_FAILED && sh != MAP_FAILED);
}

static void teardown(void)
{
    for (int i = 0; i < nkids; i++)
        if (kids[i] > 0 && kill(kids[i], SIGKILL) == 0)
            waitpid(kids[i], NULL, 0);
    nkids = 0;
    munmap(ring_mem, NF_RING_SEG_SIZE);
    munmap(sh, sizeof(*sh));
}

/* A member: join, wait for the start, take `turns` turns (logging each;
 * -1 = until sh->stop), then leave. die_at: on that turn, SIGKILL itself
 * while holding the token (an NF killed mid-batch). */
static pid_t member(unsigned idx, unsigned n, int turns, int die_at)
{
    pid_t p = fork();
    ck_assert_int_ge(p, 0);
    if (p > 0) {
        if (nkids < (int)(sizeof(kids) / sizeof(kids[0])))
            kids[nkids++] = p;
        return p;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the test died: so do we */
    char err[256];
    struct nf_ring *r = nf_ring_attach(ring_mem, idx, n, err, sizeof(err));
    if (!r)
        _exit(3);
    while (!atomic_load(&sh->go))
        usleep(100);
    for (int t = 0; turns < 0 || t < turns; t++) {
        while (nf_ring_wait(r, NULL) != 1)
            ;
        if (atomic_fetch_add(&sh->running, 1) != 0)
            atomic_fetch_add(&sh->overlap, 1);
        int k = atomic_fetch_add(&sh->nlog, 1);
        if (k < LOG_MAX)
            sh->log[k] = (int)idx;
        if (t == die_at) { /* still the holder: nobody else may run */
            atomic_fetch_sub(&sh->running, 1);
            raise(SIGKILL);
        }
        usleep(50); /* a turn's work: keeps the log within LOG_MAX while the test looks */
        atomic_fetch_sub(&sh->running, 1);
        bool stop = turns < 0 && atomic_load(&sh->stop);
        nf_ring_pass(r, true);
        if (stop)
            break;
    }
    /* exit with the count of takeovers this member made */
    int tk = (int)nf_ring_takeovers(r);
    nf_ring_close(r);
    _exit(tk > 100 ? 100 : tk);
}

static int reap(pid_t p)
{
    int st;
    ck_assert_int_eq(waitpid(p, &st, 0), p);
    for (int i = 0; i < nkids; i++)
        if (kids[i] == p)
            kids[i] = 0; /* reaped: teardown must not signal a recycled pid */
    return st;
}

START_TEST(test_pass_order)
{
    enum { N = 4, TURNS = 200 };
    pid_t p[N];
    for (unsigned i = 0; i < N; i++)
        p[i] = member(i, N, TURNS, -1);
    usleep(20000); /* every member joined (a pass skips an empty slot) */
    atomic_store(&sh->go, 1);
    for (int i = 0; i < N; i++) {
        int st = reap(p[i]);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "member %d: status %d", i, st);
    }
    ck_assert_int_eq(atomic_load(&sh->nlog), N * TURNS);
    for (int k = 0; k < N * TURNS; k++)
        ck_assert_msg(sh->log[k] == k % N, "turn %d went to member %d, expected %d", k,
                      sh->log[k], k % N);
    ck_assert_int_eq(atomic_load(&sh->overlap), 0);
}
END_TEST

static int count_after(int from, int idx)
{
    int c = 0, n = atomic_load(&sh->nlog);
    for (int k = from; k < n && k < LOG_MAX; k++)
        c += sh->log[k] == idx;
    return c;
}

static void wait_turns(int upto)
{
    for (int i = 0; i < 5000 && atomic_load(&sh->nlog) < upto; i++)
        usleep(1000);
}

START_TEST(test_takeover_and_rejoin)
{
    enum { N = 3 };
    pid_t p0 = member(0, N, -1, -1);
    pid_t p1 = member(1, N, -1, 5); /* killed holding the token on its 6th turn */
    pid_t p2 = member(2, N, -1, -1);
    usleep(20000);
    atomic_store(&sh->go, 1);
    /* the launcher reaps a dead NF at once (SIGCHLD); a zombie counts as alive */
    int st = reap(p1);
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "member 1: status %d", st);
    /* member 1's sixth turn was its last */
    int dead_at = -1, seen = 0;
    for (int k = 0; k < atomic_load(&sh->nlog) && dead_at < 0; k++)
        if (sh->log[k] == 1 && ++seen == 6)
            dead_at = k + 1;
    ck_assert_int_eq(dead_at, 6 * 3 - 1); /* in order until then: 0 1 2 0 1 2 ... 0 1 */
    /* the ring goes on without it: 0 and 2 take turns */
    wait_turns(dead_at + 40);
    ck_assert_int_ge(atomic_load(&sh->nlog), dead_at + 40);
    ck_assert_int_ge(count_after(dead_at, 0), 15);
    ck_assert_int_ge(count_after(dead_at, 2), 15);
    ck_assert_int_eq(count_after(dead_at, 1), 0);
    /* (the dead slot is emptied, so passes skip it: otherwise every round
     * would need another takeover, and the count below would exceed 1) */
    /* a restarted member 1 rejoins and gets turns in order again */
    int before = atomic_load(&sh->nlog);
    pid_t p1b = member(1, N, 30, -1);
    wait_turns(before + 200);
    st = reap(p1b);
    ck_assert_msg(WIFEXITED(st), "restarted member 1: status %d", st);
    ck_assert_int_eq(count_after(before, 1), 30);
    atomic_store(&sh->stop, 1);
    int tk = 0;
    st = reap(p0);
    ck_assert(WIFEXITED(st));
    tk += WEXITSTATUS(st);
    st = reap(p2);
    ck_assert(WIFEXITED(st));
    tk += WEXITSTATUS(st);
    ck_assert_msg(tk == 1, "%d takeovers from the one dead holder, expected 1", tk);
    ck_assert_int_eq(atomic_load(&sh->overlap), 0);
    /* while all three ran, the turns went round in order */
    int n = atomic_load(&sh->nlog), start = -1;
    for (int k = before; k < n && k < LOG_MAX; k++)
        if (sh->log[k] == 1) {
            start = k;
            break;
        }
    ck_assert_int_ge(start, 0);
    for (int k = start; k < start + 3 * 29; k++)
        ck_assert_msg(sh->log[k] == (sh->log[start] + (k - start)) % N,
                      "turn %d went to member %d after the rejoin", k, sh->log[k]);
}
END_TEST

START_TEST(test_idle_blocks_first_only)
{
    /* two members in this process: the owner word tells them apart by index */
    struct nf_ring *a = nf_ring_attach(ring_mem, 0, 2, NULL, 0);
    struct nf_ring *b = nf_ring_attach(ring_mem, 1, 2, NULL, 0);
    ck_assert(a && b);
    int ms = -1;
    ck_assert_int_eq(nf_ring_wait(a, NULL), 1);
    ck_assert(!nf_ring_should_block(a, &ms)); /* no round has passed yet */
    nf_ring_pass(a, false);
    ck_assert_int_eq(nf_ring_wait(b, NULL), 1);
    ck_assert(!nf_ring_should_block(b, &ms)); /* not the first member */
    nf_ring_pass(b, false);
    ck_assert_int_eq(nf_ring_wait(a, NULL), 1);
    ck_assert(nf_ring_should_block(a, &ms)); /* a whole round without frames */
    ck_assert_int_eq(ms, 1);
    ck_assert(nf_ring_should_block(a, &ms));
    ck_assert_int_eq(ms, 2); /* backing off while idle */
    nf_ring_pass(a, true);   /* frames: the next round does not block */
    ck_assert_int_eq(nf_ring_wait(b, NULL), 1);
    nf_ring_pass(b, false);
    ck_assert_int_eq(nf_ring_wait(a, NULL), 1);
    ck_assert(!nf_ring_should_block(a, &ms));
    /* each pass is one FUTEX_WAKE; these waits never slept */
    ck_assert_uint_eq(nf_ring_syscalls(a), 2);
    /* leaving while holding hands the token on */
    nf_ring_close(a);
    unsigned idx;
    int pid;
    nf_ring_owner(b, &idx, &pid);
    ck_assert_uint_eq(idx, 1);
    ck_assert_int_eq(pid, getpid());
    ck_assert_int_eq(nf_ring_slot_pid(b, 0), 0);
    /* alone now: the token stays, no system call */
    uint64_t sc = nf_ring_syscalls(b);
    nf_ring_pass(b, true);
    ck_assert_int_eq(nf_ring_wait(b, NULL), 1);
    ck_assert_uint_eq(nf_ring_syscalls(b), sc);
    nf_ring_close(b);
}
END_TEST

START_TEST(test_bad_args)
{
    char err[256] = "";
    ck_assert_ptr_null(nf_ring_attach(ring_mem, 2, 2, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "2..64"));
    ck_assert_ptr_null(nf_ring_attach(ring_mem, 0, 1, err, sizeof(err)));
    ck_assert_ptr_null(nf_ring_open("/nonexistent/ring", 0, 2, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/ring"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nf_ring");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_pass_order);
    tcase_add_test(tc, test_takeover_and_rejoin);
    tcase_add_test(tc, test_idle_blocks_first_only);
    tcase_add_test(tc, test_bad_args);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
