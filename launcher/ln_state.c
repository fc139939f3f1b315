/*
 * ln_state — see ln_state.h. The journal is plain text, one record a line,
 * so a person can read what a crashed run left behind; undo parses only
 * the record kinds it knows and leaves the file in place if anything fails.
 */
#include "launcher/ln_state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "launcher/ln_exec.h"
#include "scheduler/sched_reserve.h"

struct ln_state {
    int fd;
    char path[512];
    char pending[1024]; /* the record of the last intent, until confirmed */
};

/* Written after the launcher record. Journals without it come from
 * launchers that wrote records before creating their objects; their
 * netns/link/sysctl records are treated as unconfirmed intents. */
#define JOURNAL_VERSION "journal 2"

const char *ln_state_dir(void)
{
    const char *d = getenv("SCC_STATE_DIR");
    return d && *d ? d : LN_STATE_DIR_DEFAULT;
}

const char *ln_state_path(const struct ln_state *st) { return st->path; }

/* ---- the state directory ---------------------------------------------------
 *
 * The launcher runs as root and writes, truncates and deletes files in the
 * state directory by name. If another user could write there, that user
 * could plant a symlink where an NF log will be opened (and root would
 * overwrite the file it points to) or forge a journal whose `file` records
 * `scc cleanup` deletes. So the directory must be ours, a real directory
 * and not writable by group or others; each component above it must belong
 * to root or to us and, when others may write it, carry the sticky bit (as
 * /tmp does: then nobody else can rename or replace what we made there). A
 * symlink above it is followed only when root or we own it. Missing
 * components are created with mode 0700. */

static int dir_refuse(char *err, size_t errlen, int e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int dir_refuse(char *err, size_t errlen, int e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -e;
}

#define DIR_FIX "; use a directory of your own with mode 0700 (SCC_STATE_DIR names it)"

int ln_state_dir_prepare(char *err, size_t errlen)
{
    const char *dir = ln_state_dir();
    uid_t me = geteuid();
    char p[512];
    if (dir[0] != '/')
        return dir_refuse(err, errlen, EINVAL, "state directory '%s' is not an absolute path",
                          dir);
    if (strlen(dir) >= sizeof(p))
        return dir_refuse(err, errlen, ENAMETOOLONG, "state directory '%s' is too long", dir);
    strcpy(p, dir);
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/')
        p[--len] = '\0';
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        if (s[-1] == '/') { /* "a//b" */
            if (!*s)
                break;
            continue;
        }
        char c = *s;
        *s = '\0';
        bool last = c == '\0';
        struct stat sb;
        if (lstat(p, &sb) < 0) {
            int e = errno;
            if (e != ENOENT)
                return dir_refuse(err, errlen, e, "state directory: lstat(%s): %s", p,
                                  strerror(e));
            if (mkdir(p, 0700) < 0 && errno != EEXIST) {
                e = errno;
                return dir_refuse(err, errlen, e, "state directory: mkdir(%s): %s", p,
                                  strerror(e));
            }
            if (lstat(p, &sb) < 0) {
                e = errno;
                return dir_refuse(err, errlen, e, "state directory: lstat(%s): %s", p,
                                  strerror(e));
            }
        }
        if (S_ISLNK(sb.st_mode)) {
            if (last)
                return dir_refuse(err, errlen, ELOOP,
                                  "state directory %s is a symbolic link" DIR_FIX, p);
            if (sb.st_uid != 0 && sb.st_uid != me)
                return dir_refuse(err, errlen, EPERM,
                                  "state directory %s: %s is a symbolic link owned by uid "
                                  "%u, who could point it elsewhere" DIR_FIX,
                                  dir, p, (unsigned)sb.st_uid);
            if (stat(p, &sb) < 0) {
                int e = errno;
                return dir_refuse(err, errlen, e, "state directory: stat(%s): %s", p,
                                  strerror(e));
            }
        }
        if (!S_ISDIR(sb.st_mode))
            return dir_refuse(err, errlen, ENOTDIR, "state directory %s: %s is not a directory",
                              dir, p);
        if (last) {
            if (sb.st_uid != me)
                return dir_refuse(err, errlen, EPERM,
                                  "state directory %s is owned by uid %u, not by us (uid "
                                  "%u): its owner could plant links or forge journals there"
                                  DIR_FIX, p, (unsigned)sb.st_uid, (unsigned)me);
            if (sb.st_mode & 022)
                return dir_refuse(err, errlen, EPERM,
                                  "state directory %s has mode %04o: others can write there "
                                  "(plant links, forge journals); chmod 0700 %s" ,
                                  p, (unsigned)(sb.st_mode & 07777), p);
            break;
        }
        if (sb.st_uid != 0 && sb.st_uid != me)
            return dir_refuse(err, errlen, EPERM,
                              "state directory %s: %s is owned by uid %u, who could replace "
                              "what is below it" DIR_FIX, dir, p, (unsigned)sb.st_uid);
        if ((sb.st_mode & 022) && !(sb.st_mode & S_ISVTX))
            return dir_refuse(err, errlen, EPERM,
                              "state directory %s: %s has mode %04o (writable by others, not "
                              "sticky): they could replace what is below it" DIR_FIX,
                              dir, p, (unsigned)(sb.st_mode & 07777));
        *s = c;
    }
    return 0;
}

/* The recorded process still runs: same start time and not a zombie (a
 * zombie is dead; only its parent's wait() is missing). */
static bool still_runs(int pid, unsigned long long start)
{
    char state;
    unsigned long long now;
    return ln_proc_stat(pid, &state, &now) == 0 && now == start && state != 'Z' &&
           state != 'X';
}

bool ln_state_owner_alive(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[512];
    bool alive = false;
    while (fgets(line, sizeof(line), f)) {
        int pid;
        unsigned long long start;
        if (sscanf(line, "launcher %d %llu", &pid, &start) == 2) {
            alive = pid > 0 && still_runs(pid, start);
            break;
        }
    }
    fclose(f);
    return alive;
}

/* The journal's first records, written before the file gets its name:
 * whoever finds the state file finds its launcher in it, never an empty
 * file that looks like a run that died before writing anything. */
static int write_header(struct ln_state *st)
{
    int rc = ln_state_add(st, "launcher %d %llu", (int)getpid(), ln_proc_starttime(getpid()));
    return rc == 0 ? ln_state_add(st, JOURNAL_VERSION) : rc;
}

int ln_state_create(const char *name, struct ln_state **out)
{
    *out = NULL;
    const char *dir = ln_state_dir();
    char err[768];
    int drc = ln_state_dir_prepare(err, sizeof(err));
    if (drc < 0) {
        scc_err("%s", err);
        return drc;
    }
    struct ln_state *st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    snprintf(st->path, sizeof(st->path), "%s/%s.state", dir, name);
    /* an unnamed file (O_TMPFILE), or a hidden one on file systems
     * without it; linked under the state's name once it holds the header */
    char tmp[600] = "";
    st->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (st->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        snprintf(tmp, sizeof(tmp), "%s/.%s.state.%d", dir, name, (int)getpid());
        unlink(tmp); /* a leftover of a dead launcher with our pid */
        st->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    int rc = st->fd < 0 ? -errno : write_header(st);
    if (rc == 0) {
        char fdpath[64];
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", st->fd);
        /* link() fails with EEXIST when the name exists: the atomic test */
        if ((tmp[0] ? link(tmp, st->path) : linkat(AT_FDCWD, fdpath, AT_FDCWD, st->path,
                                                    AT_SYMLINK_FOLLOW)) < 0)
            rc = -errno;
    }
    if (tmp[0])
        unlink(tmp);
    if (rc < 0) {
        if (rc == -EEXIST)
            rc = ln_state_owner_alive(st->path) ? -EBUSY : -ESTALE;
        else
            scc_err("cannot create the state file %s: %s", st->path, strerror(-rc));
        if (st->fd >= 0)
            close(st->fd);
        free(st);
        return rc;
    }
    *out = st;
    return 0;
}

int ln_state_mark_running(struct ln_state *st)
{
    return ln_state_add(st, "running");
}

/* Seconds since the epoch at which a process started (start in clock ticks
 * since boot); 0 when /proc/stat has no boot time. */
static time_t start_wall(unsigned long long start)
{
    FILE *f = fopen("/proc/stat", "re");
    if (!f)
        return 0;
    char line[256];
    unsigned long long btime = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "btime %llu", &btime) == 1)
            break;
    fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    return btime ? (time_t)(btime + start / (unsigned long long)(hz > 0 ? hz : 100)) : 0;
}

bool ln_state_owner_describe(const char *path, char *buf, size_t len)
{
    snprintf(buf, len, "not running (no live launcher)");
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[512];
    int pid = 0;
    unsigned long long start = 0;
    bool have = false, running = false;
    while (fgets(line, sizeof(line), f)) {
        if (!have && sscanf(line, "launcher %d %llu", &pid, &start) == 2)
            have = true;
        running |= strcmp(line, "running\n") == 0;
    }
    fclose(f);
    if (!have || pid <= 0 || !still_runs(pid, start))
        return false;
    time_t since = start_wall(start);
    char when[64] = "an unknown time";
    struct tm tm;
    if (since && localtime_r(&since, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    long ago = since ? (long)(time(NULL) - since) : -1;
    snprintf(buf, len, "%s (launcher pid %d, since %s%s%ld s ago)",
             running ? "running" : "starting: its launcher is setting it up", pid, when,
             ago >= 0 ? ", " : "", ago >= 0 ? ago : 0L);
    if (ago < 0)
        snprintf(buf, len, "%s (launcher pid %d)", running ? "running" : "starting", pid);
    return true;
}

void ln_state_close(struct ln_state *st)
{
    if (!st)
        return;
    close(st->fd);
    free(st);
}

static int append(struct ln_state *st, const char *prefix, const char *rec)
{
    char line[1100];
    int n = snprintf(line, sizeof(line), "%s%s\n", prefix, rec);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -EOVERFLOW;
    ssize_t w = write(st->fd, line, (size_t)n);
    if (w != n)
        return w < 0 ? -errno : -EIO;
    if (fsync(st->fd) < 0)
        return -errno;
    return 0;
}

static int vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, len, fmt, ap);
    if (n < 0 || (size_t)n >= len || strchr(buf, '\n'))
        return -EOVERFLOW;
    return 0;
}

int ln_state_add(struct ln_state *st, const char *fmt, ...)
{
    char rec[1024];
    va_list ap;
    va_start(ap, fmt);
    int rc = vformat(rec, sizeof(rec), fmt, ap);
    va_end(ap);
    return rc < 0 ? rc : append(st, "", rec);
}

int ln_state_add_xdp(struct ln_state *st, const char *ifname, const char *ns)
{
    if (!ifname[0] || strchr(ifname, ' ') || (ns && strchr(ns, ' ')))
        return -EINVAL;
    return ln_state_add(st, "xdp %s %s", ifname, ns && ns[0] ? ns : "-");
}

int ln_state_intent(struct ln_state *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vformat(st->pending, sizeof(st->pending), fmt, ap);
    va_end(ap);
    if (rc == 0)
        rc = append(st, "intent ", st->pending);
    if (rc < 0)
        st->pending[0] = '\0';
    return rc;
}

int ln_state_confirm(struct ln_state *st)
{
    if (!st->pending[0])
        return -EINVAL;
    int rc = append(st, "", st->pending);
    st->pending[0] = '\0';
    return rc;
}

/* The first line of a sysctl's value, or -errno. */
static int read_sysctl(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, len - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static bool sysctl_path_ok(const char *path)
{
    return strncmp(path, "/proc/sys/", 10) == 0 && !strstr(path, "..") &&
           !strpbrk(path, " \t\n");
}

int ln_state_set_sysctl(struct ln_state *st, const char *path, const char *value)
{
    if (!sysctl_path_ok(path)) {
        scc_err("set sysctl %s: not a sysctl path", path);
        return -EINVAL;
    }
    char old[512];
    int rc = read_sysctl(path, old, sizeof(old));
    if (rc < 0) {
        scc_err("read %s: %s", path, strerror(-rc));
        return rc;
    }
    rc = ln_state_intent(st, "sysctl %s %s", path, old);
    if (rc < 0) {
        scc_err("cannot write the state file %s: %s", st->path, strerror(-rc));
        return rc;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, strlen(value)) < 0) {
        rc = -errno;
        scc_err("set sysctl %s = %s: %s", path, value, strerror(errno));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    close(fd);
    rc = ln_state_confirm(st);
    if (rc < 0)
        scc_err("cannot write the state file %s: %s", st->path, strerror(-rc));
    return rc;
}

/* teardown after a normal run is quiet; `scc cleanup` says what it does */
static bool undo_verbose;
#define say(...) scc_log(undo_verbose ? SCC_LOG_INFO : SCC_LOG_DEBUG, __VA_ARGS__)

/* Stop a recorded child: TERM, up to 2 s, then KILL. */
static int undo_pid(int pid, unsigned long long start, const char *name)
{
    if (pid <= 0 || !still_runs(pid, start))
        return 0; /* gone (or the pid now belongs to someone else) */
    say("cleanup: stopping %s (pid %d)", name, pid);
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; i++) {
        if (!still_runs(pid, start))
            return 0;
        ln_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    for (int i = 0; i < 100; i++) {
        if (!still_runs(pid, start))
            return 0;
        ln_sleep_ms(10);
    }
    scc_err("cleanup: pid %d (%s) does not exit", pid, name);
    return -1;
}

static bool netns_exists(const char *name)
{
    char p[600];
    snprintf(p, sizeof(p), "/run/netns/%s", name);
    return access(p, F_OK) == 0;
}

unsigned long long ln_state_birth_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME_COARSE, &t);
    return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

/* When the namespace's file under /run/netns was made (ns since the epoch;
 * 0 when it does not exist). */
static unsigned long long netns_born_ns(const char *name)
{
    char p[600];
    struct stat sb;
    snprintf(p, sizeof(p), "/run/netns/%s", name);
    if (stat(p, &sb) < 0)
        return 0;
    return (unsigned long long)sb.st_ctim.tv_sec * 1000000000ull +
           (unsigned long long)sb.st_ctim.tv_nsec;
}

/* The interface's MAC ("" when it has none) into mac; false when the
 * interface (or its namespace) does not exist. */
static bool link_mac(const char *name, const char *ns, char mac[20])
{
    mac[0] = '\0';
    bool root = strcmp(ns, "-") == 0;
    if (!root && !netns_exists(ns))
        return false; /* the namespace (and every link in it) is gone */
    const char *argv_root[] = {"ip", "-o", "link", "show", "dev", name, NULL};
    const char *argv_ns[] = {"ip", "-n", ns, "-o", "link", "show", "dev", name, NULL};
    char out[1024];
    if (ln_query_tool(root ? argv_root : argv_ns, out, sizeof(out)) != 0)
        return false;
    const char *m = strstr(out, "link/ether ");
    if (m)
        sscanf(m + 11, "%19s", mac);
    return true;
}

static const char *where(const char *ns) { return strcmp(ns, "-") ? ns : "the root namespace"; }

/* mac: the address the launcher gave the link in the request that created
 * it, or NULL (older journals). A link of that name with another address
 * is not the one we made. */
static int undo_link(const char *name, const char *ns, const char *mac)
{
    char now[20];
    if (!link_mac(name, ns, now))
        return 0; /* gone; deleting one end of a veth pair takes the peer with it */
    if (mac && strcasecmp(mac, now) != 0) {
        scc_warn("cleanup: interface %s in %s has address %s, not %s as created; it was "
                 "replaced by someone else and is left in place", name, where(ns), now, mac);
        return 0;
    }
    say("cleanup: deleting link %s in %s", name, where(ns));
    const char *argv_root[] = {"ip", "link", "del", "dev", name, NULL};
    const char *argv_ns[] = {"ip", "-n", ns, "link", "del", "dev", name, NULL};
    int rc = ln_run_tool(strcmp(ns, "-") ? argv_ns : argv_root, false);
    return rc == 0 || !link_mac(name, ns, now) ? 0 : -1;
}

/* An XDP program an NF of ours left on an interface (the NF cannot detach
 * it, docs/io.md). Only libxdp's own programs are detached: one of another
 * name was attached by someone else (the record is a promise of what our
 * NF would attach, not proof that it did). Gone interface: nothing to do. */
static int undo_xdp(const char *name, const char *ns)
{
    char mac[20];
    if (!link_mac(name, ns, mac))
        return 0;
    bool root = strcmp(ns, "-") == 0;
    const char *q_root[] = {"ip", "-d", "-o", "link", "show", "dev", name, NULL};
    const char *q_ns[] = {"ip", "-n", ns, "-d", "-o", "link", "show", "dev", name, NULL};
    char out[4096], prog[64] = "";
    if (ln_query_tool(root ? q_root : q_ns, out, sizeof(out)) != 0)
        return 0; /* went away between the two looks */
    const char *p = strstr(out, "prog/xdp ");
    if (!p)
        return 0; /* no program: the NF never attached one, or it is detached */
    const char *nm = strstr(p, " name ");
    if (nm)
        sscanf(nm + 6, "%63s", prog);
    if (strcmp(prog, "xsk_def_prog") != 0 && strcmp(prog, "xdp_dispatcher") != 0) {
        scc_warn("cleanup: interface %s in %s carries XDP program '%s', not libxdp's "
                 "AF_XDP program; left in place", name, where(ns), prog[0] ? prog : "?");
        return 0;
    }
    /* the mode it was attached in: generic (skb) or native */
    const char *mode = strstr(out, " xdpgeneric") ? "xdpgeneric" : "xdp";
    say("cleanup: detaching XDP program %s from %s in %s", prog, name, where(ns));
    const char *d_root[] = {"ip", "link", "set", "dev", name, mode, "off", NULL};
    const char *d_ns[] = {"ip", "-n", ns, "link", "set", "dev", name, mode, "off", NULL};
    return ln_run_tool(root ? d_root : d_ns, false) == 0 ? 0 : -1;
}

static int undo_netns(const char *name)
{
    if (!netns_exists(name))
        return 0;
    say("cleanup: deleting network namespace %s", name);
    const char *argv[] = {"ip", "netns", "del", name, NULL};
    return ln_run_tool(argv, false) == 0 ? 0 : -1;
}

static int undo_sysctl(const char *path, const char *old)
{
    if (!sysctl_path_ok(path)) {
        scc_err("cleanup: refusing to write '%s': not a sysctl path", path);
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        scc_err("cleanup: open(%s): %s", path, strerror(errno));
        return -1;
    }
    say("cleanup: restoring %s = %s", path, old);
    ssize_t n = write(fd, old, strlen(old));
    int e = errno;
    close(fd);
    if (n < 0) {
        scc_err("cleanup: write(%s): %s", path, strerror(e));
        return -1;
    }
    return 0;
}

/* A record whose creation was never confirmed: the launcher stopped
 * between intent and confirmation, or the object's name was taken (the
 * create command failed) — in which case it belongs to someone else.
 * Only proof undoes it: a link that carries the address the launcher
 * gave it in the creating request. Everything else is left and reported. */
static void resolve_unconfirmed(const char *rec, int *failures)
{
    char a[512], b[512], c[64] = "";
    if (sscanf(rec, "link %511s %511s %63s", a, b, c) >= 2) {
        char now[20];
        if (!link_mac(a, b, now))
            return;
        if (c[0] && strcasecmp(c, now) == 0) {
            *failures += undo_link(a, b, c) < 0;
            return;
        }
        scc_warn("cleanup: interface %s in %s exists but this run never confirmed creating "
                 "it; left in place (if it is a leftover of this chain: ip %s%slink del %s)",
                 a, where(b), strcmp(b, "-") ? "-n " : "", strcmp(b, "-") ? b : "", a);
    } else if (sscanf(rec, "netns %511s", a) == 1) {
        /* A namespace carries no address to prove it ours; its birth time
         * does. The intent records the (coarse, as file times are) clock
         * just before `ip netns add`: a namespace of that name made at or
         * after it is the one this run was creating when it died. */
        unsigned long long t0 = 0;
        if (sscanf(rec, "netns %*s %llu", &t0) == 1 && t0 && netns_born_ns(a) >= t0) {
            *failures += undo_netns(a) < 0;
            return;
        }
        if (netns_exists(a))
            scc_warn("cleanup: network namespace %s exists but this run never confirmed "
                     "creating it; left in place (if it is a leftover of this chain: "
                     "ip netns del %s)", a, a);
    } else if (sscanf(rec, "sysctl %511s %511[^\n]", a, b) == 2) {
        char now[512];
        if (read_sysctl(a, now, sizeof(now)) == 0 && strcmp(now, b) != 0)
            scc_warn("cleanup: %s is %s; it was %s before the run, which stopped before "
                     "confirming its change; left as it is (restore it if the run changed "
                     "it)", a, now, b);
    }
}

/* The run's own directory: the journal's (set by ln_state_undo). */
static char undo_dir[512];

/* Is path a file this run may have made: a plain name in the journal's
 * directory, or a stats page /dev/shm/scc-nf-NAME? A journal is a file
 * anyone who could write it could forge; whatever it names elsewhere is
 * not deleted. */
static bool file_is_ours_to_delete(const char *path)
{
    static const char shm[] = "/dev/shm/scc-nf-";
    const char *base;
    size_t dl = strlen(undo_dir);
    if (!strncmp(path, shm, sizeof(shm) - 1))
        base = path + sizeof(shm) - 1;
    else if (dl && !strncmp(path, undo_dir, dl) && path[dl] == '/')
        base = path + dl + 1;
    else
        return false;
    return *base && !strchr(base, '/') && strcmp(base, ".") && strcmp(base, "..");
}

static int undo_file(const char *path)
{
    if (!file_is_ours_to_delete(path)) {
        scc_err("cleanup: refusing to delete %s: outside the run's directory %s (a run "
                "journals only files it makes there and its stats pages /dev/shm/scc-nf-*)",
                path, undo_dir);
        return -1;
    }
    struct stat sb;
    if (lstat(path, &sb) < 0)
        return 0;
    if (sb.st_uid != geteuid()) { /* e.g. someone else's file in /dev/shm */
        scc_err("cleanup: refusing to delete %s: owned by uid %u, not by us", path,
                (unsigned)sb.st_uid);
        return -1;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        scc_err("cleanup: unlink(%s): %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The scheduler's records (core reservation): it knows how to put them
 * back. 1 = skipped on purpose (the PID is another process now): said,
 * not a failure. */
static int undo_sched(const char *rec)
{
    char msg[512] = "";
    int rc = sched_reserve_undo(rec, msg, sizeof(msg));
    if (rc < 0)
        scc_err("cleanup: %s: %s", rec, msg[0] ? msg : strerror(-rc));
    else if (rc == 1)
        scc_warn("cleanup: %s", msg);
    else
        say("cleanup: undone: %s", rec);
    return rc < 0 ? -1 : 0;
}

int ln_state_undo(const char *path, bool verbose)
{
    undo_verbose = verbose;
    /* the journal decides what is stopped and deleted: only one we wrote */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            scc_err("cleanup: %s is a symbolic link, not a journal; left alone", path);
        return -e;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid()) {
        scc_err("cleanup: %s is not a journal of ours (%s uid %u); left alone", path,
                S_ISREG(sb.st_mode) ? "a file owned by" : "not a plain file, owner",
                (unsigned)sb.st_uid);
        close(fd);
        return -EPERM;
    }
    FILE *f = fdopen(fd, "re");
    if (!f) {
        int e = errno;
        close(fd);
        return -e;
    }
    snprintf(undo_dir, sizeof(undo_dir), "%s", path);
    char *slash = strrchr(undo_dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(undo_dir, sizeof(undo_dir), ".");
    char **lines = NULL;
    size_t n = 0, cap = 0;
    char buf[1200]; /* longer than any record ln_state_add/intent writes */
    bool oom = false;
    while (!oom && fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\n")] = '\0';
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nl = realloc(lines, cap * sizeof(char *));
            oom = !nl;
            if (oom)
                break;
            lines = nl;
        }
        lines[n] = strdup(buf);
        oom = !lines[n];
        n += !oom;
    }
    fclose(f);
    if (oom) { /* undoing part of a journal could undo a confirmation's intent wrongly */
        for (size_t i = 0; i < n; i++)
            free(lines[i]);
        free(lines);
        return -ENOMEM;
    }
    bool v2 = false;
    for (size_t i = 0; i < n; i++)
        v2 |= strcmp(lines[i], JOURNAL_VERSION) == 0;
    int failures = 0;
    /* processes first (they hold namespaces and sockets), then the rest in reverse */
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = n; i-- > 0;) {
            char *l = lines[i];
            char a[512], b[512], c[64];
            int pid;
            unsigned long long start;
            if (pass == 0) {
                if (sscanf(l, "pid %d %llu %511s", &pid, &start, a) == 3)
                    failures += undo_pid(pid, start, a) < 0;
                continue;
            }
            if (strncmp(l, "intent ", 7) == 0) {
                bool confirmed = false;
                for (size_t j = i + 1; j < n && !confirmed; j++)
                    confirmed = strcmp(lines[j], l + 7) == 0;
                if (!confirmed) /* a confirmed one is undone at its confirmation */
                    resolve_unconfirmed(l + 7, &failures);
                continue;
            }
            bool object = !strncmp(l, "link ", 5) || !strncmp(l, "netns ", 6) ||
                          !strncmp(l, "sysctl ", 7);
            if (object && !v2) {
                resolve_unconfirmed(l, &failures);
                continue;
            }
            int k;
            if ((k = sscanf(l, "link %511s %511s %63s", a, b, c)) >= 2)
                failures += undo_link(a, b, k == 3 ? c : NULL) < 0;
            else if (sscanf(l, "netns %511s", a) == 1)
                failures += undo_netns(a) < 0;
            else if (sscanf(l, "sysctl %511s %511[^\n]", a, b) == 2)
                failures += undo_sysctl(a, b) < 0;
            else if (sscanf(l, "file %511s", a) == 1)
                failures += undo_file(a) < 0;
            else if (sscanf(l, "xdp %511s %511s", a, b) == 2)
                failures += undo_xdp(a, b) < 0;
            else if (sched_is_record(l))
                failures += undo_sched(l) < 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    if (failures == 0)
        unlink(path);
    return failures;
}
