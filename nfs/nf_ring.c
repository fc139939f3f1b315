/*
 * nf_ring — the token ring of chain-order "token": NFs sharing a core run
 * one at a time in chain order, handing a token on with a futex (nf_ring.h
 * says what and why; docs/scheduler.md shows what it buys).
 *
 * The segment: one 64-bit owner word (pid << 32 | index) that says who
 * holds the token, a count of consecutive turns without frames (idle
 * detection), and per member a cache line with its futex word (a sequence
 * number bumped on every pass to it) and its pid (0 = empty). An all-zero
 * segment is valid: owner index 0, pid 0 — member 0 claims it when it
 * joins, or a waiter takes it over after one bounded wait if member 0 is
 * not there.
 *
 * Memory order: everything is seq_cst. A waiter reads its sequence number
 * before it checks the owner, and the passer stores the owner before it
 * bumps the sequence number, so a pass between the check and the
 * FUTEX_WAIT makes the wait return at once (EAGAIN): no lost wake-up.
 */
#include "nfs/nf_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct nf_ring_slot {
    _Atomic uint32_t seq; /* futex word: bumped on every pass to this member */
    _Atomic int32_t pid;  /* the member's pid, 0 = empty (left or found dead) */
    uint32_t pad[14];     /* one cache line per member: waiters spin on none */
};

struct nf_ring_seg {
    _Atomic uint64_t owner; /* pid << 32 | index of the holder */
    _Atomic uint32_t quiet; /* consecutive turns that received nothing */
    uint32_t pad[13];
    struct nf_ring_slot slot[NF_RING_MAX];
};

_Static_assert(sizeof(struct nf_ring_seg) <= NF_RING_SEG_SIZE, "NF_RING_SEG_SIZE too small");

struct nf_ring {
    struct nf_ring_seg *seg;
    bool mapped;          /* nf_ring_open mapped it: close unmaps */
    unsigned idx, n;
    int32_t pid;
    uint64_t syscalls, takeovers;
    int backoff_ms;       /* idle wait on the socket, doubling while idle */
};

#define OWNER(pid, idx) (((uint64_t)(uint32_t)(pid) << 32) | (uint32_t)(idx))
#define OWNER_PID(o) ((int32_t)(uint32_t)((o) >> 32))
#define OWNER_IDX(o) ((unsigned)((o) & 0xffffffffu))

static int fail(char *err, size_t errlen, int e, const char *fmt, const char *a)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, strerror(e));
    errno = e;
    return -e;
}

struct nf_ring *nf_ring_attach(void *mem, unsigned idx, unsigned n, char *err, size_t errlen)
{
    if (!mem || n < 2 || n > NF_RING_MAX || idx >= n) {
        if (err && errlen)
            snprintf(err, errlen, "ring member %u of %u: expected 2..%d members and an index "
                                  "below their number", idx, n, NF_RING_MAX);
        errno = EINVAL;
        return NULL;
    }
    struct nf_ring *r = calloc(1, sizeof(*r));
    if (!r) {
        fail(err, errlen, ENOMEM, "ring%s: %s", "");
        return NULL;
    }
    r->seg = mem;
    r->idx = idx;
    r->n = n;
    r->pid = (int32_t)getpid();
    r->backoff_ms = 1;
    /* join: from now on passes reach this member (nf_ring_wait claims a
     * token that was passed to a dead predecessor in this slot) */
    atomic_store(&r->seg->slot[idx].pid, r->pid);
    return r;
}

struct nf_ring *nf_ring_open(const char *path, unsigned idx, unsigned n, char *err,
                             size_t errlen)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fail(err, errlen, errno, "open(%s): %s", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size < NF_RING_SEG_SIZE) {
        int e = errno && st.st_size >= NF_RING_SEG_SIZE ? errno : EINVAL;
        close(fd);
        if (err && errlen)
            snprintf(err, errlen, "%s: not a ring segment (%d bytes needed)", path,
                     NF_RING_SEG_SIZE);
        errno = e;
        return NULL;
    }
    void *mem = mmap(NULL, NF_RING_SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (mem == MAP_FAILED) {
        fail(err, errlen, e, "mmap(%s): %s", path);
        return NULL;
    }
    struct nf_ring *r = nf_ring_attach(mem, idx, n, err, errlen);
    if (!r) {
        e = errno;
        munmap(mem, NF_RING_SEG_SIZE);
        errno = e;
        return NULL;
    }
    r->mapped = true;
    return r;
}

/* Shared (not FUTEX_PRIVATE): the members are separate processes. */
static long futex(_Atomic uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *)w, op, val, ts, NULL, 0);
}

static void wake(struct nf_ring *r, unsigned k)
{
    atomic_fetch_add(&r->seg->slot[k].seq, 1);
    futex(&r->seg->slot[k].seq, FUTEX_WAKE, 1, NULL);
    r->syscalls++;
}

/* Is pid alive? kill(pid, 0): ESRCH = gone; EPERM = alive under another
 * user (an NF with --user). A zombie counts as alive until the launcher
 * reaps it, which it does at once on SIGCHLD. */
static bool alive(struct nf_ring *r, int32_t pid)
{
    if (pid <= 0)
        return false;
    r->syscalls++;
    return kill(pid, 0) == 0 || errno != ESRCH;
}

/* The holder is not running its turn: take the token over when it is gone
 * and no new incarnation of its slot is about to claim it. */
static bool try_takeover(struct nf_ring *r, uint64_t o)
{
    struct nf_ring_seg *s = r->seg;
    unsigned h = OWNER_IDX(o);
    int32_t p = OWNER_PID(o);
    if (h >= r->n) /* a corrupt word: whoever sees it repairs it */
        return atomic_compare_exchange_strong(&s->owner, &o, OWNER(r->pid, r->idx));
    if (alive(r, p))
        return false;
    int32_t q = atomic_load(&s->slot[h].pid);
    if (q != 0 && q != p && alive(r, q))
        return false; /* slot h restarted: its new process claims the token */
    if (!atomic_compare_exchange_strong(&s->owner, &o, OWNER(r->pid, r->idx)))
        return false; /* someone else moved it: look again */
    if (q != 0 && q != r->pid) /* dead: passes skip the slot until it rejoins */
        atomic_compare_exchange_strong(&s->slot[h].pid, &q, 0);
    r->takeovers++;
    return true;
}

int nf_ring_wait(struct nf_ring *r, volatile sig_atomic_t *stop)
{
    struct nf_ring_seg *s = r->seg;
    const struct timespec ts = {0, NF_RING_CHECK_MS * 1000000L};
    for (;;) {
        if (stop && *stop)
            return 0;
        uint32_t v = atomic_load(&s->slot[r->idx].seq);
        uint64_t o = atomic_load(&s->owner);
        if (OWNER_IDX(o) == r->idx) {
            if (OWNER_PID(o) == r->pid)
                return 1;
            /* passed to this slot while it held an older pid (or none): the
             * slot is ours, claim it (one CAS: a waiter taking over from
             * that older pid competes for the same word) */
            if (atomic_compare_exchange_strong(&s->owner, &o, OWNER(r->pid, r->idx)))
                return 1;
            continue;
        }
        r->syscalls++;
        long rc = futex(&s->slot[r->idx].seq, FUTEX_WAIT, v, &ts);
        if (rc == 0 || errno == EAGAIN)
            continue; /* woken, or passed since v was read: look again */
        if (errno == EINTR)
            return 0;
        if (errno == ETIMEDOUT && try_takeover(r, atomic_load(&s->owner)))
            return 1;
    }
}

void nf_ring_pass(struct nf_ring *r, bool had_frames)
{
    struct nf_ring_seg *s = r->seg;
    if (had_frames)
        atomic_store(&s->quiet, 0);
    else
        atomic_fetch_add(&s->quiet, 1);
    if (had_frames)
        r->backoff_ms = 1;
    for (unsigned j = 1; j < r->n; j++) {
        unsigned k = (r->idx + j) % r->n;
        int32_t p = atomic_load(&s->slot[k].pid);
        if (p == 0)
            continue; /* not joined, left, or found dead */
        atomic_store(&s->owner, OWNER(p, k));
        wake(r, k);
        return;
    }
    /* alone: keep the token, no system call */
}

bool nf_ring_should_block(struct nf_ring *r, int *backoff_ms)
{
    struct nf_ring_seg *s = r->seg;
    unsigned live = 0;
    bool first = true;
    for (unsigned k = 0; k < r->n; k++) {
        if (!atomic_load(&s->slot[k].pid))
            continue;
        live++;
        if (k < r->idx)
            first = false;
    }
    if (!first || atomic_load(&s->quiet) < (live ? live : 1))
        return false;
    *backoff_ms = r->backoff_ms;
    if (r->backoff_ms < 64)
        r->backoff_ms *= 2;
    return true;
}

void nf_ring_close(struct nf_ring *r)
{
    if (!r)
        return;
    struct nf_ring_seg *s = r->seg;
    int32_t me = r->pid;
    /* empty the slot first, so the pass below does not come back here */
    atomic_compare_exchange_strong(&s->slot[r->idx].pid, &me, 0);
    uint64_t o = atomic_load(&s->owner);
    if (o == OWNER(r->pid, r->idx))
        nf_ring_pass(r, true); /* true: the next holder must not block on our account */
    if (r->mapped)
        munmap(r->seg, NF_RING_SEG_SIZE);
    free(r);
}

uint64_t nf_ring_syscalls(const struct nf_ring *r)
{
    return r ? r->syscalls : 0;
}

uint64_t nf_ring_takeovers(const struct nf_ring *r)
{
    return r ? r->takeovers : 0;
}

void nf_ring_owner(const struct nf_ring *r, unsigned *idx, int *pid)
{
    uint64_t o = atomic_load(&r->seg->owner);
    if (idx)
        *idx = OWNER_IDX(o);
    if (pid)
        *pid = OWNER_PID(o);
}

int nf_ring_slot_pid(const struct nf_ring *r, unsigned i)
{
    return i < NF_RING_MAX ? atomic_load(&r->seg->slot[i].pid) : 0;
}
