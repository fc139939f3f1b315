/*
 * nf_ring — the token ring of chain-order "token" (docs/scheduler.md): the
 * NFs of a chain that share a core take turns in chain order, exactly one
 * running at a time. The token holder receives what is queued (never
 * waiting), pushes it through its pipeline, sends it (on veth the send
 * delivers into the next stage's socket before it returns) and passes the
 * token to the next member: a store and a FUTEX_WAKE on that member's word,
 * then a FUTEX_WAIT on its own. A packet so crosses the ring in one round,
 * and no stage ever runs before the one feeding it has sent.
 *
 * The ring lives in a small shared file (NF_RING_SEG_SIZE bytes, all zero
 * when new: the token then belongs to member 0) that the launcher creates
 * per core group; each member maps it and names its index.
 *
 * Liveness: a member that dies holding the token (kill -9) must not stall
 * the ring. Waits are bounded (NF_RING_CHECK_MS); a waiter that times out
 * checks the holder's pid (kill(pid, 0)) and, when it is gone, takes the
 * token over with a compare-and-swap (one winner) and marks the dead slot
 * empty, so passes skip it. A restarted member writes its pid into its slot
 * and rejoins: the next pass reaches it. Ownership is the pair (pid, index)
 * in one 64-bit word, so a restarted member and a waiter taking over from
 * its dead predecessor cannot both win.
 *
 * Idle: when a whole round went by without a frame anywhere, the first
 * member (the lowest live index: the one fed from outside the ring) waits
 * in poll() on its socket holding the token, so an idle ring sleeps; the
 * other members wake every NF_RING_CHECK_MS to check it is alive.
 *
 * Every futex call (and liveness check) is counted: nf_ring_syscalls().
 */
#ifndef SCC_NF_RING_H
#define SCC_NF_RING_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NF_RING_MAX 64          /* members per ring */
#define NF_RING_SEG_SIZE 8192   /* bytes of the shared file (holds NF_RING_MAX slots) */
#define NF_RING_CHECK_MS 5      /* bounded futex wait: then check the holder's liveness */

struct nf_ring;

/* Join the ring in the file at path as member idx (0-based, chain order)
 * of n (2..NF_RING_MAX). The file must exist and hold at least
 * NF_RING_SEG_SIZE bytes. Opens and maps it (before the sandbox: the
 * mapping stays valid under seccomp). NULL with errno and a message in err
 * on failure. */
struct nf_ring *nf_ring_open(const char *path, unsigned idx, unsigned n, char *err,
                             size_t errlen);
/* The same on memory the caller maps MAP_SHARED (tests: an anonymous
 * shared mapping before fork). mem holds NF_RING_SEG_SIZE bytes, zero when
 * new. */
struct nf_ring *nf_ring_attach(void *mem, unsigned idx, unsigned n, char *err, size_t errlen);

/* Wait until this member holds the token. Returns 1 when it does, 0 when
 * a signal interrupted the wait or *stop became non-zero (the caller checks
 * its stop flag and calls again). Never waits longer than NF_RING_CHECK_MS
 * without checking the holder's liveness. */
int nf_ring_wait(struct nf_ring *r, volatile sig_atomic_t *stop);

/* The holder is done with its turn: had_frames says whether it received
 * anything. Passes the token to the next live member (itself when alone:
 * no system call). */
void nf_ring_pass(struct nf_ring *r, bool had_frames);

/* Should the holder wait on its socket instead of a non-blocking receive?
 * True for the first live member once a whole round passed with no frame
 * anywhere. *backoff_ms gets how long to wait (1 ms doubling up to 64 ms
 * while the ring stays idle: a frame the kernel delivered late to another
 * member waits at most that long). */
bool nf_ring_should_block(struct nf_ring *r, int *backoff_ms);

/* Leave: hand the token on if held and empty this member's slot (a normal
 * exit; a killed member is found by the liveness check). Unmaps and frees;
 * accepts NULL. Uses only futex and munmap (works under seccomp). */
void nf_ring_close(struct nf_ring *r);

/* System calls the ring made (futex wake and wait, liveness checks). */
uint64_t nf_ring_syscalls(const struct nf_ring *r);
/* Turns this member took the token over from a dead holder. */
uint64_t nf_ring_takeovers(const struct nf_ring *r);

/* The segment's view, for tests and diagnostics: the holder's index and
 * pid, and the pid in slot i (0 = empty). */
void nf_ring_owner(const struct nf_ring *r, unsigned *idx, int *pid);
int nf_ring_slot_pid(const struct nf_ring *r, unsigned i);

#endif
