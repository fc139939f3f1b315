/* scheduler: core reservation on the real kernel (cgroup v1 cpuset, this
 * machine) with decoy children the test starts and cpuset cgroups it
 * creates — nothing else is moved or signalled. Scope all is covered only
 * as a dry run. Every reservation is undone by replaying its journal in
 * reverse through sched_reserve_undo, and the test checks that every
 * decoy's cpuset and affinity, and every cgroup file, is exactly as before.
 * The cgroup v2 tests at the end are layout tests: they run against a
 * directory laid out like a v2 mount (this machine has cpuset on v1), so
 * they check the file writes, the journal and the read-back parsing, not
 * the kernel's partition behaviour. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scheduler/sched_reserve.h"

#define CPUSET "/sys/fs/cgroup/cpuset"

/* ---- journal in memory ---- */

struct jrn {
    char rec[4096][256];
    int n;
};

static int jrn_record(void *ctx, const char *rec)
{
    struct jrn *j = ctx;
    ck_assert_int_lt(j->n, 4096);
    ck_assert_uint_lt(strlen(rec), sizeof(j->rec[0]));
    snprintf(j->rec[j->n++], sizeof(j->rec[0]), "%s", rec);
    return 0;
}

/* Undo every record, last first; returns how many did not return 0. */
static int jrn_undo(struct jrn *j)
{
    int bad = 0;
    for (int i = j->n; i-- > 0;) {
        char msg[512];
        int rc = sched_reserve_undo(j->rec[i], msg, sizeof(msg));
        if (rc != 0) {
            fprintf(stderr, "undo '%s': %d %s\n", j->rec[i], rc, msg);
            bad++;
        }
    }
    return bad;
}

/* ---- decoys ---- */

static void *spin(void *arg)
{
    (void)arg;
    for (volatile unsigned long i = 0;; i++)
        ;
    return NULL;
}

/* busy: two spinning threads; else one sleeping thread. cpu >= 0: pinned
 * there first (so that restoring its affinity matters). */
static pid_t decoy_start(bool busy, int cpu)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed check must not leave spinners */
        if (busy) {
            pthread_t t;
            pthread_create(&t, NULL, spin, NULL);
            spin(NULL);
        }
        for (;;)
            pause();
    }
    if (cpu >= 0) {
        cpu_set_t m;
        CPU_ZERO(&m);
        CPU_SET(cpu, &m);
        ck_assert_int_eq(sched_setaffinity(pid, sizeof(m), &m), 0);
    }
    if (busy) { /* wait for the second thread */
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/task", (int)pid);
        for (int i = 0; i < 200; i++) {
            struct stat st;
            if (stat(p, &st) == 0 && st.st_nlink >= 4)
                break;
            usleep(5000);
        }
    }
    return pid;
}

static void decoy_stop(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* ---- what the kernel says ---- */

static void read_line(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(buf, (int)len, f))
        buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}

static void write_str(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
    fputs(s, f);
    ck_assert_msg(fclose(f) == 0, "write %s = %s: %s", path, s, strerror(errno));
}

static unsigned long long start_of(pid_t tid)
{
    char p[64], buf[1024];
    snprintf(p, sizeof(p), "/proc/%d/stat", (int)tid);
    read_line(p, buf, sizeof(buf));
    char *r = strrchr(buf, ')');
    ck_assert_ptr_nonnull(r);
    int field = 2;
    for (char *t = strtok(r + 1, " "); t; t = strtok(NULL, " "))
        if (++field == 22)
            return strtoull(t, NULL, 10);
    return 0;
}

static void cpus_of(pid_t tid, char *out, size_t len)
{
    char p[64], line[256];
    out[0] = '\0';
    snprintf(p, sizeof(p), "/proc/%d/status", (int)tid);
    FILE *f = fopen(p, "r");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Cpus_allowed_list: %127s", out) == 1)
            break;
    if (f)
        fclose(f);
    (void)len;
}

static void cpuset_of(pid_t tid, char *out, size_t len)
{
    char p[64], line[512];
    out[0] = '\0';
    snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)tid);
    FILE *f = fopen(p, "r");
    while (f && fgets(line, sizeof(line), f)) {
        char *c = strstr(line, ":cpuset:");
        if (c) {
            snprintf(out, len, "%s", c + 8);
            out[strcspn(out, "\n")] = '\0';
        }
    }
    if (f)
        fclose(f);
}

static int processor_of(pid_t tid)
{
    char p[64], buf[1024];
    snprintf(p, sizeof(p), "/proc/%d/stat", (int)tid);
    read_line(p, buf, sizeof(buf));
    char *r = strrchr(buf, ')');
    if (!r)
        return -1;
    int field = 2, cpu = -1;
    for (char *t = strtok(r + 1, " "); t; t = strtok(NULL, " "))
        if (++field == 39)
            cpu = atoi(t);
    return cpu;
}

/* the threads of a decoy and each one's cpuset and affinity */
struct snap {
    int n;
    pid_t tid[8];
    char cpus[8][128];
    char cpuset[8][256];
};

static void snap_take(pid_t pid, struct snap *s)
{
    memset(s, 0, sizeof(*s));
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/task", (int)pid);
    DIR *d = opendir(p);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) && s->n < 8) {
        if (atoi(e->d_name) <= 0)
            continue;
        s->tid[s->n] = atoi(e->d_name);
        cpus_of(s->tid[s->n], s->cpus[s->n], sizeof(s->cpus[0]));
        cpuset_of(s->tid[s->n], s->cpuset[s->n], sizeof(s->cpuset[0]));
        s->n++;
    }
    closedir(d);
}

static void snap_same(const struct snap *a, const struct snap *b)
{
    ck_assert_int_eq(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        ck_assert_int_eq(a->tid[i], b->tid[i]);
        ck_assert_msg(!strcmp(a->cpus[i], b->cpus[i]), "tid %d: cpus %s, was %s", a->tid[i],
                      b->cpus[i], a->cpus[i]);
        ck_assert_msg(!strcmp(a->cpuset[i], b->cpuset[i]), "tid %d: cpuset %s, was %s",
                      a->tid[i], b->cpuset[i], a->cpuset[i]);
    }
}

/* For ~300 ms, no thread of a busy decoy runs on core 1. */
static void never_on_core1(pid_t pid)
{
    struct snap s;
    snap_take(pid, &s);
    for (int round = 0; round < 30; round++) {
        for (int i = 0; i < s.n; i++) {
            int cpu = processor_of(s.tid[i]);
            ck_assert_msg(cpu == 0, "tid %d ran on cpu %d", s.tid[i], cpu);
        }
        usleep(10000);
    }
}

static bool v1_here(const char *test)
{
    char root[512];
    if (geteuid() != 0) {
        printf("SKIP %s: needs root\n", test);
        return false;
    }
    int v = sched_cpuset_hierarchy(root, sizeof(root));
    if (v != 1 || strcmp(root, CPUSET)) {
        printf("SKIP %s: %s is not a cgroup v1 cpuset mount (hierarchy %d at %s)\n", test, CPUSET,
               v, v > 0 ? root : "-");
        return false;
    }
    struct scc_cpuset on;
    if (scc_cpuset_online(&on) < 0 || !scc_cpuset_isset(&on, 0) || !scc_cpuset_isset(&on, 1)) {
        printf("SKIP %s: needs cores 0 and 1 online\n", test);
        return false;
    }
    return true;
}

static struct sched_reserve_report *new_report(void)
{
    struct sched_reserve_report *r = calloc(1, sizeof(*r));
    ck_assert_ptr_nonnull(r);
    return r;
}

static struct sched_reserve_req core1(const char *name)
{
    struct sched_reserve_req req;
    memset(&req, 0, sizeof(req));
    req.name = name;
    scc_cpuset_zero(&req.cores);
    scc_cpuset_set(&req.cores, 1);
    return req;
}

static bool has_comm(const struct sched_reserve_task *list, int n, const char *prefix)
{
    for (int i = 0; i < n && i < SCHED_RESERVE_MAX_LIST; i++)
        if (!strncmp(list[i].comm, prefix, strlen(prefix)))
            return true;
    return false;
}

/* ---- v1, scope pids ---- */

START_TEST(pids_scope_moves_decoys_off_and_back)
{
    if (!v1_here("pids_scope_moves_decoys_off_and_back"))
        return;
    pid_t busy = decoy_start(true, -1), pinned = decoy_start(false, 1);
    struct snap b0, p0, b1, p1;
    snap_take(busy, &b0);
    snap_take(pinned, &p0);
    ck_assert_int_eq(b0.n, 2);
    ck_assert_str_eq(p0.cpus[0], "1");
    char name[64];
    snprintf(name, sizeof(name), "scc-test-pids-%d", (int)getpid());
    struct sched_reserve_req req = core1(name);
    pid_t pids[] = {busy, pinned};
    pid_t keep[] = {getpid()};
    req.scope = SCHED_SCOPE_PIDS;
    req.pids = pids;
    req.npids = 2;
    req.keep = keep;
    req.nkeep = 1;
    struct jrn *j = calloc(1, sizeof(*j));
    struct sched_journal jr = {j, jrn_record};
    struct sched_reserve_report *rep = new_report();
    char err[512];
    int rc = sched_reserve_apply(&req, &jr, rep, err, sizeof(err));
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_int_eq(rep->cgroup_version, 1);
    char dir[256];
    snprintf(dir, sizeof(dir), CPUSET "/%s.rest", name);
    ck_assert_str_eq(rep->where, dir);
    ck_assert_int_eq(rep->nmoved, 3);
    ck_assert_int_eq(rep->nunmovable, 0);
    snap_take(busy, &b1);
    snap_take(pinned, &p1);
    char want[300];
    snprintf(want, sizeof(want), "/%s.rest", name);
    for (int i = 0; i < b1.n; i++) {
        ck_assert_str_eq(b1.cpus[i], "0");
        ck_assert_str_eq(b1.cpuset[i], want);
    }
    ck_assert_str_eq(p1.cpus[0], "0");
    ck_assert_str_eq(p1.cpuset[0], want);
    never_on_core1(busy);
    /* the journal: affinity before move (so undo restores the affinity last) */
    ck_assert_msg(!strncmp(j->rec[0], "sched-mkdir ", 12), "%s", j->rec[0]);
    ck_assert_msg(!strncmp(j->rec[1], "sched-affinity ", 15), "%s", j->rec[1]);
    ck_assert_msg(!strncmp(j->rec[2], "sched-move ", 11), "%s", j->rec[2]);
    ck_assert(sched_is_record(j->rec[0]) && !sched_is_record("pid 1 2 x"));
    ck_assert_int_eq(jrn_undo(j), 0);
    snap_take(busy, &b1);
    snap_take(pinned, &p1);
    snap_same(&b0, &b1);
    snap_same(&p0, &p1); /* pinned to 1 again, in its old cpuset */
    ck_assert_msg(access(dir, F_OK) != 0, "%s left behind", dir);
    ck_assert_int_eq(jrn_undo(j), 0); /* a second undo finds nothing to do */
    decoy_stop(busy);
    decoy_stop(pinned);
    free(j);
    free(rep);
}
END_TEST

/* ---- v1, scope cgroup ---- */

static void mkcpuset(const char *dir, const char *cpus)
{
    ck_assert_msg(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
    char f[512];
    snprintf(f, sizeof(f), "%s/cpuset.mems", dir);
    write_str(f, "0");
    snprintf(f, sizeof(f), "%s/cpuset.cpus", dir);
    write_str(f, cpus);
}

static void join(const char *dir, pid_t pid)
{
    char f[512], num[24];
    snprintf(f, sizeof(f), "%s/cgroup.procs", dir);
    snprintf(num, sizeof(num), "%d", (int)pid);
    write_str(f, num);
}

START_TEST(cgroup_scope_narrows_and_restores)
{
    if (!v1_here("cgroup_scope_narrows_and_restores"))
        return;
    char top[256], sub[300], name[64], rel[64], f[512], v[128];
    snprintf(rel, sizeof(rel), "scc-test-cg-%d", (int)getpid());
    snprintf(top, sizeof(top), CPUSET "/%s", rel);
    snprintf(sub, sizeof(sub), "%s/inner", top);
    mkcpuset(top, "0-1");
    mkcpuset(sub, "0-1");
    pid_t a = decoy_start(true, -1), b = decoy_start(false, -1);
    join(top, a);
    join(sub, b);
    /* b narrows its own affinity inside its cpuset: that must come back too */
    cpu_set_t m;
    CPU_ZERO(&m);
    CPU_SET(1, &m);
    ck_assert_int_eq(sched_setaffinity(b, sizeof(m), &m), 0);
    struct snap a0, b0, a1, b1;
    snap_take(a, &a0);
    snap_take(b, &b0);
    ck_assert_str_eq(b0.cpus[0], "1");
    snprintf(name, sizeof(name), "scc-test-cgr-%d", (int)getpid());
    struct sched_reserve_req req = core1(name);
    req.scope = SCHED_SCOPE_CGROUP;
    req.cgroup = rel;
    struct jrn *j = calloc(1, sizeof(*j));
    struct sched_journal jr = {j, jrn_record};
    struct sched_reserve_report *rep = new_report();
    char err[512];
    int rc = sched_reserve_apply(&req, &jr, rep, err, sizeof(err));
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_str_eq(rep->where, top);
    ck_assert_int_eq(rep->nmoved, 3);
    snprintf(f, sizeof(f), "%s/cpuset.cpus", top);
    read_line(f, v, sizeof(v));
    ck_assert_str_eq(v, "0");
    snprintf(f, sizeof(f), "%s/cpuset.cpus", sub);
    read_line(f, v, sizeof(v));
    ck_assert_str_eq(v, "0");
    snap_take(a, &a1);
    snap_take(b, &b1);
    ck_assert_str_eq(a1.cpus[0], "0");
    ck_assert_str_eq(a1.cpus[1], "0");
    ck_assert_str_eq(b1.cpus[0], "0");
    never_on_core1(a);
    /* deepest first: the inner cpuset's write is journaled before the outer one's */
    int wi = -1, wo = -1;
    for (int i = 0; i < j->n; i++) {
        if (strstr(j->rec[i], "/inner/cpuset.cpus 0-1"))
            wi = i;
        else if (strstr(j->rec[i], "sched-write ") && strstr(j->rec[i], "/cpuset.cpus 0-1"))
            wo = i;
    }
    ck_assert_msg(wi >= 0 && wo > wi, "inner %d outer %d", wi, wo);
    ck_assert_int_eq(jrn_undo(j), 0);
    snprintf(f, sizeof(f), "%s/cpuset.cpus", top);
    read_line(f, v, sizeof(v));
    ck_assert_str_eq(v, "0-1");
    snprintf(f, sizeof(f), "%s/cpuset.cpus", sub);
    read_line(f, v, sizeof(v));
    ck_assert_str_eq(v, "0-1");
    snap_take(a, &a1);
    snap_take(b, &b1);
    snap_same(&a0, &a1);
    snap_same(&b0, &b1);

    /* refused, changing nothing: a cpuset that has only the reserved core */
    snprintf(f, sizeof(f), "%s/cpuset.cpus", sub);
    write_str(f, "1");
    j->n = 0;
    rc = sched_reserve_apply(&req, &jr, rep, err, sizeof(err));
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_msg(strstr(err, "inner has cpus 1: nothing would be left"), "%s", err);
    ck_assert_int_eq(j->n, 0);
    write_str(f, "0-1");
    /* refused: one of the chain's own tasks is inside */
    pid_t keep[] = {b};
    req.keep = keep;
    req.nkeep = 1;
    rc = sched_reserve_apply(&req, &jr, rep, err, sizeof(err));
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_msg(strstr(err, "one of the chain's own"), "%s", err);
    ck_assert_int_eq(j->n, 0);
    req.keep = NULL;
    req.nkeep = 0;
    req.cgroup = "scc-test-no-such-cgroup";
    ck_assert_int_eq(sched_reserve_apply(&req, &jr, rep, err, sizeof(err)), -ENOENT);
    req.cgroup = "../x";
    ck_assert_int_eq(sched_reserve_apply(&req, &jr, rep, err, sizeof(err)), -EINVAL);

    decoy_stop(a);
    decoy_stop(b);
    ck_assert_int_eq(rmdir(sub), 0);
    ck_assert_int_eq(rmdir(top), 0);
    free(j);
    free(rep);
}
END_TEST

/* ---- undo: start time, gone tasks, files ---- */

START_TEST(undo_skips_reused_pids_and_tolerates_gone_ones)
{
    if (!v1_here("undo_skips_reused_pids_and_tolerates_gone_ones"))
        return;
    pid_t d = decoy_start(false, -1);
    char rec[512], msg[512];
    /* the PID now belongs to another process: its start time differs */
    snprintf(rec, sizeof(rec), "sched-move %d 1 " CPUSET, (int)d);
    ck_assert_int_eq(sched_reserve_undo(rec, msg, sizeof(msg)), 1);
    ck_assert_msg(strstr(msg, "another process"), "%s", msg);
    snprintf(rec, sizeof(rec), "sched-affinity %d 1 1", (int)d);
    ck_assert_int_eq(sched_reserve_undo(rec, msg, sizeof(msg)), 1);
    char cpus[128];
    cpus_of(d, cpus, sizeof(cpus));
    ck_assert_str_ne(cpus, "1"); /* not touched */
    decoy_stop(d);
    /* the task exited: nothing to do */
    snprintf(rec, sizeof(rec), "sched-affinity %d 1 1", (int)d);
    ck_assert_int_eq(sched_reserve_undo(rec, msg, sizeof(msg)), 0);
    snprintf(rec, sizeof(rec), "sched-move %d 1 " CPUSET, (int)d);
    ck_assert_int_eq(sched_reserve_undo(rec, msg, sizeof(msg)), 0);
    /* a cgroup already gone */
    ck_assert_int_eq(sched_reserve_undo("sched-mkdir " CPUSET "/scc-test-gone", msg, sizeof(msg)), 0);
    ck_assert_int_eq(sched_reserve_undo("sched-write " CPUSET "/scc-test-gone/cpuset.cpus 0-1",
                                        msg, sizeof(msg)), 0);
    /* only the files the scheduler writes */
    ck_assert_int_eq(sched_reserve_undo("sched-write /etc/hostname x", msg, sizeof(msg)), -EINVAL);
    ck_assert_int_eq(sched_reserve_undo("sched-write " CPUSET "/../x/cpuset.cpus 0", msg,
                                        sizeof(msg)), -EINVAL);
    ck_assert_int_eq(sched_reserve_undo("pid 1 2 x", msg, sizeof(msg)), -EINVAL);
}
END_TEST

/* sched-write on a cgroup file the test made, and sched-mkdir of a cpuset
 * that still holds a task: the task goes to the parent, the dir goes. */
START_TEST(undo_write_and_mkdir_on_own_cgroup)
{
    if (!v1_here("undo_write_and_mkdir_on_own_cgroup"))
        return;
    char dir[256], f[300], v[64], rec[400], msg[512];
    snprintf(dir, sizeof(dir), CPUSET "/scc-test-undo-%d", (int)getpid());
    mkcpuset(dir, "0");
    snprintf(f, sizeof(f), "%s/cpuset.cpus", dir);
    snprintf(rec, sizeof(rec), "sched-write %s 0-1", f);
    ck_assert_int_eq(sched_reserve_undo(rec, msg, sizeof(msg)), 0);
    read_line(f, v, sizeof(v));
    ck_assert_str_eq(v, "0-1");
    pid_t d = decoy_start(false, -1);
    /* sched-affinity puts the recorded list back (kernels before 6.2 do not
     * restore a task's own affinity when it changes cpuset) */
    char cpus[128];
    snprintf(rec, sizeof(rec), "sched-affinity %d %llu 1", (int)d, start_of(d));
    ck_assert_int_eq(sched_reserve_undo(rec, msg, sizeof(msg)), 0);
    cpus_of(d, cpus, sizeof(cpus));
    ck_assert_str_eq(cpus, "1");
    join(dir, d);
    char cs[256];
    cpuset_of(d, cs, sizeof(cs));
    ck_assert_str_eq(cs, dir + strlen(CPUSET));
    snprintf(rec, sizeof(rec), "sched-mkdir %s", dir);
    int rc = sched_reserve_undo(rec, msg, sizeof(msg));
    cpuset_of(d, cs, sizeof(cs));
    decoy_stop(d);
    ck_assert_msg(rc == 0, "%d %s", rc, msg);
    ck_assert_str_eq(cs, "/");
    ck_assert(access(dir, F_OK) != 0);
}
END_TEST

/* ---- v1, scope all: dry run only ---- */

static int tasks_file(const char *path, pid_t *out, int max)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    int n = 0;
    char line[32];
    while (n < max && fgets(line, sizeof(line), f))
        out[n++] = atoi(line);
    fclose(f);
    return n;
}

START_TEST(all_scope_dry_run_lists_and_changes_nothing)
{
    if (!v1_here("all_scope_dry_run_lists_and_changes_nothing"))
        return;
    static pid_t before[65536], after[65536];
    int nb = tasks_file(CPUSET "/tasks", before, 65536);
    char irq_before[64][64] = {{0}};
    for (int i = 0; i < 64; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/irq/%d/smp_affinity_list", i);
        read_line(p, irq_before[i], sizeof(irq_before[i]));
    }
    char name[64];
    snprintf(name, sizeof(name), "scc-test-all-%d", (int)getpid());
    struct sched_reserve_req req = core1(name);
    pid_t keep[] = {getpid()};
    req.scope = SCHED_SCOPE_ALL;
    req.keep = keep;
    req.nkeep = 1;
    req.dry_run = true;
    req.move_irqs = true;
    struct sched_reserve_report *rep = new_report();
    char err[512];
    int rc = sched_reserve_apply(&req, NULL, rep, err, sizeof(err));
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_int_gt(rep->nmoved, 0);
    ck_assert_msg(has_comm(rep->unmovable, rep->nunmovable, "ksoftirqd/1") ||
                      has_comm(rep->unmovable, rep->nunmovable, "migration/1"),
                  "no per-CPU kthread of core 1 among %d unmovable", rep->nunmovable);
    for (int i = 0; i < rep->nunmovable && i < SCHED_RESERVE_MAX_LIST; i++)
        if (!strncmp(rep->unmovable[i].comm, "ksoftirqd/", 10))
            ck_assert_str_eq(rep->unmovable[i].why,
                             "kernel thread bound to its cores (PF_NO_SETAFFINITY)");
    for (int i = 0; i < rep->nmoved && i < SCHED_RESERVE_MAX_LIST; i++) /* we are kept */
        ck_assert_int_ne(rep->moved[i].pid, getpid());
    for (int i = 0; i < rep->nirqs && i < SCHED_RESERVE_MAX_LIST; i++) {
        ck_assert_str_eq(rep->irqs[i].why, "would move (dry run)");
        struct scc_cpuset to;
        ck_assert_int_eq(scc_cpuset_parse(rep->irqs[i].now, &to), 0);
        ck_assert_msg(!scc_cpuset_isset(&to, 1) && scc_cpuset_count(&to) > 0,
                      "irq %d would go to %s", rep->irqs[i].irq, rep->irqs[i].now);
    }
    /* nothing changed: no cpuset made, no task left the root cpuset, no IRQ moved */
    char dir[256];
    snprintf(dir, sizeof(dir), CPUSET "/%s.rest", name);
    ck_assert(access(dir, F_OK) != 0);
    int na = tasks_file(CPUSET "/tasks", after, 65536);
    for (int i = 0; i < nb; i++) {
        bool there = false;
        for (int k = 0; k < na && !there; k++)
            there = after[k] == before[i];
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d", (int)before[i]);
        ck_assert_msg(there || access(p, F_OK) != 0, "task %d left the root cpuset", before[i]);
    }
    for (int i = 0; i < 64; i++) {
        char p[64], now[64];
        snprintf(p, sizeof(p), "/proc/irq/%d/smp_affinity_list", i);
        read_line(p, now, sizeof(now));
        ck_assert_str_eq(now, irq_before[i]);
    }
    free(rep);
}
END_TEST

START_TEST(refusals)
{
    if (!v1_here("refusals"))
        return;
    struct sched_reserve_req req = core1("scc-test-refuse");
    struct jrn *j = calloc(1, sizeof(*j));
    struct sched_journal jr = {j, jrn_record};
    struct sched_reserve_report *rep = new_report();
    char err[512];
    pid_t me = getpid();
    req.scope = SCHED_SCOPE_PIDS;
    req.pids = &me;
    req.npids = 1;
    scc_cpuset_online(&req.cores);
    ck_assert_int_eq(sched_reserve_apply(&req, &jr, rep, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "would leave no core"), "%s", err);
    scc_cpuset_zero(&req.cores);
    ck_assert_int_eq(sched_reserve_apply(&req, &jr, rep, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "no cores"), "%s", err);
    scc_cpuset_set(&req.cores, SCC_MAX_CPUS - 1);
    ck_assert_int_eq(sched_reserve_apply(&req, &jr, rep, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "is not online"), "%s", err);
    req = core1("scc-test-refuse");
    req.scope = SCHED_SCOPE_PIDS;
    ck_assert_int_eq(sched_reserve_apply(&req, &jr, rep, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "scope pids needs"), "%s", err);
    req.scope = SCHED_SCOPE_CGROUP;
    ck_assert_int_eq(sched_reserve_apply(&req, &jr, rep, err, sizeof(err)), -EINVAL);
    req.scope = SCHED_SCOPE_PIDS;
    req.pids = &me;
    req.npids = 1;
    ck_assert_int_eq(sched_reserve_apply(&req, NULL, rep, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "without a journal"), "%s", err);
    req.name = "../x";
    ck_assert_int_eq(sched_reserve_apply(&req, &jr, rep, err, sizeof(err)), -EINVAL);
    /* a leftover cpuset of the same name */
    char dir[256];
    snprintf(dir, sizeof(dir), CPUSET "/scc-test-left-%d.rest", (int)getpid());
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    char name[64];
    snprintf(name, sizeof(name), "scc-test-left-%d", (int)getpid());
    req.name = name;
    int rc = sched_reserve_apply(&req, &jr, rep, err, sizeof(err));
    rmdir(dir);
    ck_assert_int_eq(rc, -EEXIST);
    ck_assert_msg(strstr(err, "scc cleanup"), "%s", err);
    ck_assert_int_eq(j->n, 0); /* nothing was journaled, so nothing changed */
    /* add_task on v1 has nothing to do */
    ck_assert_int_eq(sched_reserve_add_task(&req, &jr, me, err, sizeof(err)), 0);
    free(j);
    free(rep);
}
END_TEST

/* ---- cgroup v2: layout tests ----
 * cpuset is bound to v1 on this machine, so the v2 code runs against a
 * temporary directory laid out like a v2 mount (req->cgroot): these tests
 * check the file writes, the journal and the read-back parsing. The
 * kernel's own partition behaviour is not exercised here. Affinity changes
 * are real, on the test's decoys only. */

static void layout_make(char *root, size_t len)
{
    snprintf(root, len, "/tmp/scc-test-v2-%d", (int)getpid());
    char f[512];
    ck_assert_int_eq(mkdir(root, 0700), 0);
    snprintf(f, sizeof(f), "%s/cgroup.controllers", root);
    write_str(f, "cpuset cpu io memory pids\n");
    snprintf(f, sizeof(f), "%s/cgroup.subtree_control", root);
    write_str(f, "memory\n");
    snprintf(f, sizeof(f), "%s/cpuset.cpus.effective", root);
    write_str(f, "0-1\n");
    snprintf(f, sizeof(f), "%s/cgroup.procs", root);
    write_str(f, "");
}

static void rm_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (e->d_type == DT_REG)
            unlink(p);
    }
    closedir(d);
}

static void layout_remove(const char *root)
{
    rm_files(root);
    rmdir(root);
}

static void want_file(const char *dir, const char *name, const char *want)
{
    char f[600], v[256];
    snprintf(f, sizeof(f), "%s/%s", dir, name);
    read_line(f, v, sizeof(v));
    ck_assert_msg(!strcmp(v, want), "%s: '%s', expected '%s'", f, v, want);
}

START_TEST(v2_layout_partition_and_undo)
{
    char root[256], dir[320], name[64], err[512];
    layout_make(root, sizeof(root));
    snprintf(name, sizeof(name), "scc-test-part-%d", (int)getpid());
    snprintf(dir, sizeof(dir), "%s/%s", root, name);
    pid_t d = decoy_start(false, -1), late = decoy_start(false, -1);
    char cpus0[128];
    cpus_of(d, cpus0, sizeof(cpus0));
    struct sched_reserve_req req = core1(name);
    /* d is a member (an NF): it moves into the partition; the caller
     * itself is a keep (the launcher): it stays where it is */
    pid_t members[] = {d}, keep[] = {getpid()};
    req.scope = SCHED_SCOPE_ALL;
    req.members = members;
    req.nmembers = 1;
    req.keep = keep;
    req.nkeep = 1;
    req.cgroot = root;
    struct jrn *j = calloc(1, sizeof(*j));
    struct sched_journal jr = {j, jrn_record};
    struct sched_reserve_report *rep = new_report();
    int rc = sched_reserve_apply(&req, &jr, rep, err, sizeof(err));
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_int_eq(rep->cgroup_version, 2);
    ck_assert_str_eq(rep->where, dir);
    ck_assert_str_eq(rep->partition, "isolated");
    want_file(root, "cgroup.subtree_control", "+cpuset");
    want_file(dir, "cpuset.cpus", "1");
    want_file(dir, "cpuset.cpus.partition", "isolated");
    char num[24], cpus[128];
    snprintf(num, sizeof(num), "%d", (int)d);
    want_file(dir, "cgroup.procs", num);
    cpus_of(d, cpus, sizeof(cpus));
    ck_assert_str_eq(cpus, "1"); /* its own affinity, inside the partition */
    /* the journal, in order */
    char w[6][400];
    snprintf(w[0], sizeof(w[0]), "sched-write %s/cgroup.subtree_control -cpuset", root);
    snprintf(w[1], sizeof(w[1]), "sched-mkdir %s", dir);
    snprintf(w[2], sizeof(w[2]), "sched-write %s/cpuset.cpus.partition member", dir);
    snprintf(w[3], sizeof(w[3]), "sched-affinity %d %llu %s", (int)d, start_of(d), cpus0);
    snprintf(w[4], sizeof(w[4]), "sched-move %d %llu %s", (int)d, start_of(d), root);
    ck_assert_int_eq(j->n, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_str_eq(j->rec[i], w[i]);
    /* an NF restarted later joins the partition */
    rc = sched_reserve_add_task(&req, &jr, late, err, sizeof(err));
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    snprintf(num, sizeof(num), "%d", (int)late);
    want_file(dir, "cgroup.procs", num);
    ck_assert_int_eq(j->n, 7);
    ck_assert_msg(!strncmp(j->rec[6], "sched-move ", 11), "%s", j->rec[6]);
    /* a second reservation of the same name finds the leftover */
    ck_assert_int_eq(sched_reserve_apply(&req, &jr, rep, err, sizeof(err)), -EEXIST);
    /* undo all but the mkdir; then, as the kernel would on rmdir, the
     * cgroup's files go and the mkdir record removes the directory */
    for (int i = j->n; i-- > 0;) {
        if (i == 1)
            continue;
        char msg[512];
        rc = sched_reserve_undo(j->rec[i], msg, sizeof(msg));
        ck_assert_msg(rc == 0, "undo '%s': %d %s", j->rec[i], rc, msg);
    }
    want_file(dir, "cpuset.cpus.partition", "member");
    want_file(root, "cgroup.subtree_control", "-cpuset"); /* the write that restores it */
    cpus_of(d, cpus, sizeof(cpus));
    ck_assert_str_eq(cpus, cpus0);
    rm_files(dir);
    char msg[512];
    ck_assert_int_eq(sched_reserve_undo(j->rec[1], msg, sizeof(msg)), 0);
    ck_assert(access(dir, F_OK) != 0);
    decoy_stop(d);
    decoy_stop(late);
    layout_remove(root);
    free(j);
    free(rep);
}
END_TEST

START_TEST(v2_partition_read_back_invalid_is_an_error)
{
    char why[512];
    ck_assert_int_eq(sched_partition_check("isolated", "isolated", why, sizeof(why)), 0);
    ck_assert_int_eq(sched_partition_check("root", "root", why, sizeof(why)), 0);
    ck_assert_int_eq(sched_partition_check("isolated invalid (Cpu list in cpuset.cpus not "
                                           "exclusive)", "isolated", why, sizeof(why)),
                     -EINVAL);
    ck_assert_msg(strstr(why, "the kernel refused the partition: Cpu list in cpuset.cpus not "
                               "exclusive"), "%s", why);
    ck_assert_int_eq(sched_partition_check("root invalid (Parent is not a partition root)",
                                           "root", why, sizeof(why)), -EINVAL);
    ck_assert_msg(strstr(why, "Parent is not a partition root"), "%s", why);
    ck_assert_int_eq(sched_partition_check("member", "isolated", why, sizeof(why)), -EINVAL);
    ck_assert_msg(strstr(why, "reads back 'member' after writing 'isolated'"), "%s", why);
}
END_TEST

START_TEST(v2_layout_dry_run_pids_and_cgroup)
{
    char root[256], name[64], err[512];
    layout_make(root, sizeof(root));
    snprintf(name, sizeof(name), "scc-test-v2d-%d", (int)getpid());
    struct sched_reserve_req req = core1(name);
    pid_t me = getpid();
    req.scope = SCHED_SCOPE_ALL;
    req.cgroot = root;
    req.keep = &me;
    req.nkeep = 1;
    req.dry_run = true;
    struct sched_reserve_report *rep = new_report();
    int rc = sched_reserve_apply(&req, NULL, rep, err, sizeof(err));
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_int_eq(rep->cgroup_version, 2);
    ck_assert_int_gt(rep->nmoved, 0);
    ck_assert(has_comm(rep->unmovable, rep->nunmovable, "ksoftirqd/1") ||
              has_comm(rep->unmovable, rep->nunmovable, "migration/1"));
    char dir[320];
    snprintf(dir, sizeof(dir), "%s/%s", root, name);
    ck_assert(access(dir, F_OK) != 0);
    want_file(root, "cgroup.subtree_control", "memory");

    /* scope pids on v2: the decoys' affinity loses core 1, and comes back */
    pid_t d = decoy_start(true, -1);
    struct snap s0, s1;
    snap_take(d, &s0);
    req.dry_run = false;
    req.scope = SCHED_SCOPE_PIDS;
    req.pids = &d;
    req.npids = 1;
    struct jrn *j = calloc(1, sizeof(*j));
    struct sched_journal jr = {j, jrn_record};
    rc = sched_reserve_apply(&req, &jr, rep, err, sizeof(err));
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_int_eq(rep->nmoved, 2);
    snap_take(d, &s1);
    ck_assert_str_eq(s1.cpus[0], "0");
    ck_assert_str_eq(s1.cpus[1], "0");
    never_on_core1(d);
    ck_assert_int_eq(j->n, 2);
    ck_assert_int_eq(jrn_undo(j), 0);
    snap_take(d, &s1);
    snap_same(&s0, &s1);
    decoy_stop(d);

    /* scope cgroup on v2: an empty cpuset.cpus (inherit) narrows from its
     * effective cpus and is put back empty */
    char grp[320];
    snprintf(grp, sizeof(grp), "%s/grp", root);
    ck_assert_int_eq(mkdir(grp, 0700), 0);
    char f[400];
    snprintf(f, sizeof(f), "%s/cpuset.cpus", grp);
    write_str(f, "\n");
    snprintf(f, sizeof(f), "%s/cpuset.cpus.effective", grp);
    write_str(f, "0-1\n");
    snprintf(f, sizeof(f), "%s/cgroup.procs", grp);
    write_str(f, "");
    req.scope = SCHED_SCOPE_CGROUP;
    req.cgroup = "/grp";
    j->n = 0;
    rc = sched_reserve_apply(&req, &jr, rep, err, sizeof(err));
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    want_file(grp, "cpuset.cpus", "0");
    ck_assert_int_eq(j->n, 1);
    char w[400];
    snprintf(w, sizeof(w), "sched-write %s/cpuset.cpus ", grp);
    ck_assert_str_eq(j->rec[0], w);
    ck_assert_int_eq(jrn_undo(j), 0);
    want_file(grp, "cpuset.cpus", "");
    rm_files(grp);
    rmdir(grp);
    layout_remove(root);
    free(j);
    free(rep);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched_reserve");
    TCase *tc = tcase_create("v1");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, pids_scope_moves_decoys_off_and_back);
    tcase_add_test(tc, cgroup_scope_narrows_and_restores);
    tcase_add_test(tc, undo_skips_reused_pids_and_tolerates_gone_ones);
    tcase_add_test(tc, undo_write_and_mkdir_on_own_cgroup);
    tcase_add_test(tc, all_scope_dry_run_lists_and_changes_nothing);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    TCase *v2 = tcase_create("v2-layout");
    tcase_set_timeout(v2, 30);
    tcase_add_test(v2, v2_layout_partition_and_undo);
    tcase_add_test(v2, v2_partition_read_back_invalid_is_an_error);
    tcase_add_test(v2, v2_layout_dry_run_pids_and_cgroup);
    suite_add_tcase(s, v2);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
