/*
 * ln_state — the launcher's journal of what it created on this machine.
 *
 * Every change is written to /run/scc/<chain>.state (0600, directory
 * 0700) and the file is fsync'd, so after any exit — normal, signal, crash,
 * kill -9 — `scc cleanup` can undo exactly what was done, in reverse order,
 * and nothing else. Records:
 *
 *     launcher PID STARTTIME          who owns this state
 *     journal 2                       the format: objects are confirmed
 *     running                         set-up is complete (before it: starting)
 *     netns NAME                      a network namespace we added
 *     link NAME NETNS|- MAC           an interface we added (veth end, bridge),
 *                                     with the address it was created with
 *     sysctl PATH OLDVALUE            a sysctl we changed (restored on cleanup)
 *     pid PID STARTTIME NAME          a child process (NF, generator, sink)
 *     file PATH                       a file we created (stats page, results)
 *     xdp IFNAME NETNS|-              an NF of ours will attach libxdp's AF_XDP
 *                                     program to the interface (journaled
 *                                     before the NF starts: the NF attaches
 *                                     it and cannot detach it, docs/io.md);
 *                                     undone by detaching a program of
 *                                     libxdp's (xsk_def_prog, xdp_dispatcher)
 *                                     if the interface still exists
 *     intent RECORD                   about to create RECORD's object
 *     sched-mkdir PATH                the scheduler's core reservation
 *     sched-write PATH OLD            (scheduler/sched_reserve.h): a cgroup it
 *     sched-move PID START CGDIR      made, a file it changed, a task it moved,
 *     sched-affinity PID START LIST   an affinity it changed; journaled before
 *                                     the change and undone by
 *                                     sched_reserve_undo() (a task only while
 *                                     PID and start time still match; a PID
 *                                     that is another process now is skipped
 *                                     with a warning, not a failure)
 *
 * Objects that may exist already under the same name (netns, link, sysctl)
 * are journaled twice: `intent RECORD` before the command that creates
 * them, RECORD itself once the command succeeded. Undo acts on confirmed
 * records only: a failed `ip ... add` (the name was taken) leaves just the
 * intent, and someone else's object is never deleted. An intent without
 * confirmation (the launcher died in between) is undone only when the
 * object proves it is ours (a link still carrying the address it was
 * created with); otherwise it is left and reported.
 *
 * The directory is refused when another user could write in it
 * (ln_state_dir_prepare); files are opened with O_NOFOLLOW; undo reads
 * only a journal owned by us and deletes only files in the journal's own
 * directory or stats pages (/dev/shm/scc-nf-*), owned by us.
 *
 * The file gets its name only once it holds the launcher record (written
 * unnamed, then linked), so a second run of the chain always finds who
 * owns it, even while the first is starting.
 *
 * A state whose launcher is no longer alive is stale; `scc run` refuses to
 * start over it and names `scc cleanup`.
 */
#ifndef LN_STATE_H
#define LN_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#define LN_STATE_DIR_DEFAULT "/run/scc"

struct ln_state;

/* Make the state directory safe to use: create it (and missing parents)
 * with mode 0700, and refuse it when it is not a directory of ours, is a
 * symbolic link, or can be written by group or others; refuse it too when
 * a component above it belongs to another user (root aside), is writable
 * by others without the sticky bit, or is a symbolic link another user
 * owns. Returns 0, or -errno with the reason and the fix in err (-EPERM:
 * someone else could write there, -ELOOP: a symbolic link). */
int ln_state_dir_prepare(char *err, size_t errlen);

/* The directory state files live in ($SCC_STATE_DIR overrides, for tests). */
const char *ln_state_dir(void);

/* Create a new state for chain `name` in the state directory (checked and
 * created by ln_state_dir_prepare; a refusal is logged and returned).
 * Fails when one exists: its owner is alive: -EBUSY; dead: -ESTALE. */
int ln_state_create(const char *name, struct ln_state **out);
void ln_state_close(struct ln_state *st); /* keeps the file; accepts NULL */
/* Append one record and fsync it: for objects whose name cannot be taken
 * by someone else (pid with start time, files in the state directory).
 * Returns 0 or -errno (-EOVERFLOW: the record is too long or has a newline). */
/* Journal "xdp IFNAME NETNS|-" (ns NULL or "" = the root namespace)
 * before starting a process that attaches an AF_XDP program to ifname.
 * Returns 0 or -errno. */
int ln_state_add_xdp(struct ln_state *st, const char *ifname, const char *ns);
int ln_state_add(struct ln_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Journal `intent RECORD` before creating an object whose name may be
 * taken; after the creating command succeeded, ln_state_confirm writes
 * RECORD. Until then undo does not touch the object. Returns 0 or -errno. */
int ln_state_intent(struct ln_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The clock file times are stamped with (CLOCK_REALTIME_COARSE, ns), for a
 * `netns NAME T` intent: a namespace left unconfirmed is undone only when
 * its /run/netns file is no older than T. */
unsigned long long ln_state_birth_clock(void);
/* Confirm the last intent. Returns 0, -EINVAL without one, or -errno. */
int ln_state_confirm(struct ln_state *st);
/* Change a sysctl (/proc/sys/...) to value, journaled with its old value
 * (intent, write, confirm) so undo restores it. Returns 0 or -errno (logged). */
int ln_state_set_sysctl(struct ln_state *st, const char *path, const char *value);
/* The state's path. */
const char *ln_state_path(const struct ln_state *st);

/* Undo everything a state file records, in reverse order, then remove the
 * file. Returns the number of records that could not be undone (0 = all
 * clean) or -errno when the file cannot be read. Prints what it does at
 * info level. Never signals a pid whose start time differs from the record. */
int ln_state_undo(const char *path, bool verbose);

/* Is the state file at path owned by a live launcher? */
bool ln_state_owner_alive(const char *path);

/* Record that set-up is complete (the chain runs): until then a second
 * `scc run` of the chain is told it is starting. Returns 0 or -errno. */
int ln_state_mark_running(struct ln_state *st);

/* When the state at path belongs to a live launcher, describe it into buf
 * ("starting: ... (launcher pid N, since DATE TIME, S s ago)" or
 * "running (...)") and return true; otherwise false ("not running"). */
bool ln_state_owner_describe(const char *path, char *buf, size_t len);

#endif
