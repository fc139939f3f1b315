/*
 * test_stats_sandbox — the shared-memory stats page (create, 0600 mode,
 * read-back, name clash with a live NF, replacement of a stale page,
 * removal, seqlock consistency against a concurrent writer process, reads
 * that succeed against a writer that never pauses for long) and the
 * sandbox (a call outside the seccomp allow-list kills the process with
 * SIGSYS, calls inside it work; capabilities are gone after the drop).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_util.h"
#include "nfs/nf_sandbox.h"
#include "nfs/nf_stats.h"

static char name[40], path[80];

static void names(const char *what)
{
    snprintf(name, sizeof(name), "ut-%s-%d", what, (int)getpid());
    snprintf(path, sizeof(path), "/dev/shm/scc-nf-%s", name);
}

START_TEST(test_page_lifecycle)
{
    names("life");
    char err[256];
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    struct nf_stats_page *pg = nf_stats_page(w);
    nf_stats_begin(w);
    pg->rx_pkts = 1234;
    pg->ready = 1;
    pg->nelems = 1;
    scc_strlcpy(pg->elems[0].name, "c", sizeof(pg->elems[0].name));
    pg->elems[0].nreasons = 1;
    scc_strlcpy(pg->elems[0].reason[0], "why", NF_STATS_REASON);
    pg->elems[0].drops[0] = 7;
    nf_stats_end(w);
    struct nf_stats_page *rd = malloc(sizeof(*rd));
    ck_assert_int_eq(nf_stats_read(name, rd, err, sizeof(err)), 0);
    ck_assert_uint_eq(rd->rx_pkts, 1234);
    ck_assert_int_eq(rd->pid, getpid());
    ck_assert_str_eq(rd->name, name);
    ck_assert_uint_eq(rd->elems[0].drops[0], 7);
    ck_assert_uint_eq(rd->seq % 2, 0);
    /* the same name while this NF lives: refused */
    ck_assert_ptr_null(nf_stats_create(name, err, sizeof(err)));
    ck_assert_int_eq(errno, EEXIST);
    ck_assert_msg(strstr(err, "another scc-nf"), "%s", err);
    nf_stats_destroy(w);
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(nf_stats_read(name, rd, err, sizeof(err)), -ENOENT);
    ck_assert_msg(strstr(err, "no NF named"), "%s", err);
    nf_stats_destroy(NULL);
    free(rd);
    ck_assert_ptr_null(nf_stats_create("bad/name", err, sizeof(err)));
    ck_assert_ptr_null(nf_stats_create("", err, sizeof(err)));
}
END_TEST

/* `scc stats --json`: every key, in order, with its value; strings escaped;
 * one line in the "key": value form the integration scripts grep for. */
START_TEST(test_print_json)
{
    struct nf_stats_page *pg = calloc(1, sizeof(*pg));
    ck_assert_ptr_nonnull(pg);
    pg->version = NF_STATS_VERSION;
    pg->ready = 1;
    pg->state = 1;
    pg->pid = 4321;
    pg->batch = 16;
    scc_strlcpy(pg->name, "a\"b\\c\td", sizeof(pg->name));
    scc_strlcpy(pg->transport_in, "udp:10.0.0.1:5000", sizeof(pg->transport_in));
    scc_strlcpy(pg->transport_out, "raw:veth0/x", sizeof(pg->transport_out));
    pg->start_ns = 1000000000ull;
    pg->update_ns = 2500000000ull;
    uint64_t *ctr[] = {&pg->rx_pkts, &pg->rx_bytes, &pg->tx_pkts, &pg->tx_bytes,
                       &pg->batches, &pg->rx_calls, &pg->tx_calls, &pg->rx_bad_encap,
                       &pg->rx_truncated, &pg->tx_drops, &pg->drops, &pg->rx_kernel_drops,
                       &pg->rx_empty_calls, &pg->recvmmsg_calls, &pg->sendmmsg_calls,
                       &pg->phase_rx_ns, &pg->phase_pipe_ns, &pg->phase_tx_ns};
    pg->phase_flags = NF_STATS_PHASE_ON;
    for (size_t i = 0; i < SCC_ARRAY_SIZE(ctr); i++)
        *ctr[i] = 100 + i;
    pg->rx_pkts = 18446744073709551615ull; /* uint64 max survives as such */
    pg->nelems = 2;
    scc_strlcpy(pg->elems[0].name, "fw", sizeof(pg->elems[0].name));
    scc_strlcpy(pg->elems[0].cls, "IPFilter", sizeof(pg->elems[0].cls));
    pg->elems[0].in_pkts = 10;
    pg->elems[0].out_pkts = 8;
    pg->elems[0].nreasons = 2;
    scc_strlcpy(pg->elems[0].reason[0], "denied", NF_STATS_REASON);
    pg->elems[0].drops[0] = 2;
    scc_strlcpy(pg->elems[0].reason[1], "bad header", NF_STATS_REASON);
    scc_strlcpy(pg->elems[1].name, "c", sizeof(pg->elems[1].name));
    scc_strlcpy(pg->elems[1].cls, "Counter", sizeof(pg->elems[1].cls));
    pg->elems[1].bytes = 640;
    pg->nstages = 1; /* version 5: a plain NF is one stage named after it */
    scc_strlcpy(pg->stages[0].name, "nf1", sizeof(pg->stages[0].name));
    pg->stages[0].nelems = 2;
    pg->stages[0].rx_pkts = 10;
    pg->stages[0].tx_pkts = 8;
    pg->stages[0].drops = 2;
    pg->stages[0].pipe_ns = 116;
    /* version 6: the return path; forward drops = drops - rev.drops */
    pg->rev = (struct nf_stats_rev){.mode = NF_STATS_REV_PIPELINE, .rx_pkts = 120,
                                    .rx_bytes = 121, .tx_pkts = 122, .tx_bytes = 123,
                                    .batches = 124, .tx_drops = 125, .drops = 10,
                                    .rx_kernel_drops = 127};

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(nf_stats_print(pg, f, true), 0);
    fclose(f);
    char want[4096];
    snprintf(want, sizeof(want),
        "{ \"version\": %u, \"name\": \"a\\\"b\\\\c\\td\", "
        "\"pid\": 4321, \"ready\": true, \"state\": \"running\", \"uptime_s\": 1.500, "
        "\"batch\": 16, \"in\": \"udp:10.0.0.1:5000\", \"out\": \"raw:veth0/x\", "
        "\"rx_pkts\": 18446744073709551615, \"rx_bytes\": 101, \"tx_pkts\": 102, "
        "\"tx_bytes\": 103, \"batches\": 104, \"rx_calls\": 105, \"tx_calls\": 106, "
        "\"rx_bad_encap\": 107, \"rx_truncated\": 108, \"tx_drops\": 109, \"drops\": 110, "
        "\"rx_kernel_drops\": 111, \"rx_empty_calls\": 112, \"recvmmsg_calls\": 113, "
        "\"sendmmsg_calls\": 114, \"phase_timing\": { \"on\": true, "
        "\"rx_includes_wait\": false, \"rx_ns\": 115, \"pipeline_ns\": 116, "
        "\"tx_ns\": 117 }, \"directions\": { \"reverse_mode\": \"pipeline\", "
        "\"forward\": { \"rx_pkts\": 18446744073709551615, \"rx_bytes\": 101, "
        "\"tx_pkts\": 102, \"tx_bytes\": 103, \"tx_drops\": 109, \"drops\": 100, "
        "\"rx_kernel_drops\": 111 }, \"reverse\": { \"rx_pkts\": 120, \"rx_bytes\": 121, "
        "\"tx_pkts\": 122, \"tx_bytes\": 123, \"tx_drops\": 125, \"drops\": 10, "
        "\"rx_kernel_drops\": 127, \"batches\": 124 } }, "
        "\"stages\": [ { \"name\": \"nf1\", \"rx_pkts\": 10, "
        "\"tx_pkts\": 8, \"drops\": 2, \"first_element\": 0, \"elements\": 2, "
        "\"pipeline_ns\": 116 } ], \"elements\": [ "
        "{ \"name\": \"fw\", \"class\": \"IPFilter\", \"in\": 10, \"out\": 8, \"bytes\": 0, "
        "\"drops\": { \"denied\": 2, \"bad header\": 0 } }, "
        "{ \"name\": \"c\", \"class\": \"Counter\", \"in\": 0, \"out\": 0, \"bytes\": 640, "
        "\"drops\": { } } ] }\n", NF_STATS_VERSION);
    ck_assert_str_eq(text, want);
    free(text);
    free(pg);
}
END_TEST

START_TEST(test_stale_page_replaced)
{
    names("stale");
    /* a page left by a process that no longer exists */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    struct nf_stats_page *pg = calloc(1, sizeof(*pg));
    pg->magic = NF_STATS_MAGIC;
    pg->version = NF_STATS_VERSION;
    pg->pid = child;
    ck_assert_int_eq(write(fd, pg, sizeof(*pg)), (ssize_t)sizeof(*pg));
    close(fd);
    free(pg);
    char err[256];
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "stale page not replaced: %s", err);
    ck_assert_int_eq(nf_stats_page(w)->pid, getpid());
    nf_stats_destroy(w);
}
END_TEST

/* a page someone else owns (planted in /dev/shm) is not read */
START_TEST(test_foreign_page_refused)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_foreign_page_refused: SKIPPED: needs root (to give the page "
                        "to another user)\n");
        return;
    }
    names("foreign");
    char err[256];
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    struct nf_stats_page *snap = calloc(1, sizeof(*snap));
    ck_assert_msg(nf_stats_read(name, snap, err, sizeof(err)) == 0, "%s", err);
    int rc = chown(path, 65534, 65534);
    int got = rc == 0 ? nf_stats_read(name, snap, err, sizeof(err)) : 0;
    nf_stats_destroy(w);
    free(snap);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(got, -EPERM);
    ck_assert_msg(strstr(err, "is owned by uid 65534, not by us"), "%s", err);
}
END_TEST

START_TEST(test_seqlock)
{
    names("seq");
    char err[256];
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    /* every element in use: the reader copies only nelems of them */
    nf_stats_page(w)->nelems = NF_STATS_MAX_ELEMS;
    pid_t child = fork();
    if (child == 0) {
        /* writer: rx_pkts == tx_pkts == every element counter, always.
         * It republishes every 100 us, 500x as often as a loaded scc-nf
         * (50 ms): a seqlock reader that copies the whole page cannot win
         * against a writer that never pauses at all (the reason scc-nf
         * publishes on time only), and under ASan one copy takes tens of
         * microseconds. */
        struct nf_stats_page *pg = nf_stats_page(w);
        for (uint64_t v = 1; v < 4000000; v++) {
            nf_stats_begin(w);
            pg->rx_pkts = v;
            for (int i = 0; i < NF_STATS_MAX_ELEMS; i++)
                pg->elems[i].in_pkts = v;
            pg->tx_pkts = v;
            nf_stats_end(w);
            uint64_t t = scc_now_ns();
            while (scc_now_ns() - t < 100000)
                ;
        }
        _exit(0);
    }
    struct nf_stats_page *rd = malloc(sizeof(*rd));
    int reads = 0, torn = 0;
    uint64_t t0 = scc_now_ns();
    while (scc_now_ns() - t0 < 300000000ull) {
        if (nf_stats_read(name, rd, err, sizeof(err)) < 0)
            continue;
        reads++;
        if (rd->rx_pkts != rd->tx_pkts || rd->elems[NF_STATS_MAX_ELEMS - 1].in_pkts != rd->rx_pkts)
            torn++;
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    free(rd);
    nf_stats_destroy(w); /* before the asserts: a failure must not leave the page */
    ck_assert_int_gt(reads, 10);
    ck_assert_int_eq(torn, 0);
}
END_TEST

/* A writer that never pauses for long, as a busy-idle NF that published on
 * every empty spin did (one update, one cheap system call, again): the reader
 * must still get consistent snapshots, promptly, and copy only the elements
 * in use. Before the fix the reader copied the whole ~50 KiB page per try
 * (1.2 us here, two writer periods), so most tries were torn and thrown away,
 * and the unused slots came back with whatever they held. */
START_TEST(test_read_against_busy_writer)
{
    names("busy");
    char err[256];
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    struct nf_stats_page *pg = nf_stats_page(w);
    pg->nelems = 3; /* a typical NF: FromIO -> X -> ToIO */
    pg->ready = 1;
    /* what lies past nelems is not the reader's business: it must come back
     * as zeros, and copying it is what made every try slow */
    for (int i = 3; i < NF_STATS_MAX_ELEMS; i++)
        pg->elems[i].in_pkts = 0xdead;
    /* writer and reader on different cores where there are two, as an NF
     * and `scc stats` would be; otherwise the writer only runs while the
     * reader sleeps, and any reader looks good */
    cpu_set_t wcpu, rcpu, saved;
    bool apart = sched_getaffinity(0, sizeof(saved), &saved) == 0 && CPU_COUNT(&saved) >= 2;
    int c0 = -1, c1 = -1;
    for (int c = 0; apart && c < CPU_SETSIZE && c1 < 0; c++)
        if (CPU_ISSET(c, &saved)) {
            if (c0 < 0)
                c0 = c;
            else
                c1 = c;
        }
    pid_t child = fork();
    if (child == 0) {
        if (apart) {
            CPU_ZERO(&wcpu);
            CPU_SET(c1, &wcpu);
            sched_setaffinity(0, sizeof(wcpu), &wcpu);
        }
        for (uint64_t v = 1;; v++) {
            nf_stats_begin(w);
            pg->rx_pkts = v;
            pg->rx_calls = v;
            for (int i = 0; i < 3; i++)
                pg->elems[i].in_pkts = v;
            pg->tx_pkts = v;
            nf_stats_end(w);
            syscall(SYS_getppid); /* stands in for the empty recvmmsg */
        }
    }
    if (apart) {
        CPU_ZERO(&rcpu);
        CPU_SET(c0, &rcpu);
        sched_setaffinity(0, sizeof(rcpu), &rcpu);
    }
    struct nf_stats_page *rd = malloc(sizeof(*rd));
    int ok = 0, torn = 0;
    uint64_t t0 = scc_now_ns(), worst = 0;
    for (int i = 0; i < 20; i++) {
        uint64_t t = scc_now_ns();
        int rc = nf_stats_read(name, rd, err, sizeof(err));
        t = scc_now_ns() - t;
        worst = t > worst ? t : worst;
        if (rc < 0)
            continue;
        ok++;
        if (rd->rx_pkts != rd->tx_pkts || rd->elems[2].in_pkts != rd->rx_pkts ||
            rd->nelems != 3 || rd->elems[3].in_pkts != 0)
            torn++;
    }
    uint64_t total = scc_now_ns() - t0;
    if (apart)
        sched_setaffinity(0, sizeof(saved), &saved);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    nf_stats_destroy(w); /* before the asserts: a failure must not leave the page */
    ck_assert_msg(ok == 20, "%d of 20 reads failed against a busy writer (last: %s)", 20 - ok,
                  err);
    ck_assert_int_eq(torn, 0);
    ck_assert_msg(worst < 200000000ull, "a read took %.1f ms", (double)worst / 1e6);
    ck_assert_msg(total < 2000000000ull, "20 reads took %.1f ms", (double)total / 1e6);
    free(rd);
}
END_TEST

START_TEST(test_seccomp_kills_outside_calls)
{
    int errp[2];
    ck_assert_int_eq(pipe(errp), 0);
    pid_t c = fork();
    if (c == 0) {
        char err[128];
        dup2(errp[1], STDERR_FILENO);
        if (nf_sandbox_seccomp(-1, err, sizeof(err)) < 0)
            _exit(3);
        poll(NULL, 0, 0);                  /* allowed */
        syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY); /* not allowed */
        _exit(0);
    }
    close(errp[1]);
    char report[512];
    ssize_t n = read(errp[0], report, sizeof(report) - 1);
    report[n > 0 ? n : 0] = '\0';
    close(errp[0]);
    int st;
    waitpid(c, &st, 0);
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
                  "openat under the filter: status %#x, expected SIGSYS", st);
    /* the report names the call, so a missing allow-list entry is found
     * from the NF log, not with strace */
    char want[64];
    snprintf(want, sizeof(want), "system call %d (openat) is not on the", (int)SYS_openat);
    ck_assert_msg(strstr(report, want), "SIGSYS report: '%s', expected '%s'", report, want);

    c = fork();
    if (c == 0) {
        char err[128];
        if (nf_sandbox_seccomp(-1, err, sizeof(err)) < 0)
            _exit(3);
        struct pollfd p = {.fd = -1};
        poll(&p, 1, 1);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        /* the raw call: sanitizer runtimes hook _exit with calls of their own */
        syscall(SYS_exit_group, 0);
    }
    waitpid(c, &st, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "allowed calls: status %#x", st);
}
END_TEST

static int prctl_no_new_privs(void)
{
    return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

START_TEST(test_drop_caps)
{
    if (geteuid() != 0) {
        /* as non-root the raw socket below fails with or without the drop,
         * so passing would prove nothing: say so instead (as perf's tests
         * do) */
        fprintf(stderr, "test_drop_caps: SKIPPED: needs root (the check opens a raw socket, "
                        "which a non-root process cannot open anyway)\n");
        return;
    }
    pid_t c = fork();
    if (c == 0) {
        char err[128];
        unsigned long long eff, perm;
        if (nf_sandbox_drop_caps(err, sizeof(err)) < 0)
            _exit(3);
        if (nf_sandbox_caps(&eff, &perm) < 0 || eff || perm)
            _exit(4);
        /* a raw socket needs CAP_NET_RAW, which is gone even for uid 0 */
        if (syscall(SYS_socket, 17 /* AF_PACKET */, 3 /* SOCK_RAW */, 0) >= 0)
            _exit(5);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exit %d", WEXITSTATUS(st));
}
END_TEST

/* --user: the NF becomes nobody with no capability and no way back */
START_TEST(test_drop_privs_to_user)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_drop_privs_to_user: SKIPPED: needs root (only root can "
                        "switch users)\n");
        return;
    }
    uid_t uid;
    gid_t gid;
    char err[256];
    ck_assert_int_eq(nf_sandbox_lookup_user("no-such-user-scc", &uid, &gid, err, sizeof(err)),
                     -ENOENT);
    ck_assert_msg(strstr(err, "no user named 'no-such-user-scc'"), "%s", err);
    ck_assert_msg(nf_sandbox_lookup_user("nobody", &uid, &gid, err, sizeof(err)) == 0, "%s", err);
    pid_t c = fork();
    if (c == 0) {
        unsigned long long eff, perm;
        if (nf_sandbox_drop_privs(uid, gid, err, sizeof(err)) < 0)
            _exit(3);
        if (getuid() != uid || geteuid() != uid || getgid() != gid)
            _exit(4);
        if (nf_sandbox_caps(&eff, &perm) < 0 || eff || perm)
            _exit(5);
        if (setuid(0) == 0 || prctl_no_new_privs() != 1)
            _exit(6);
        gid_t groups[4];
        if (getgroups(4, groups) != 1 || groups[0] != gid)
            _exit(7);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exit %d", WEXITSTATUS(st));
}
END_TEST

/* docs/security.md lists the allow-list; it must stay what nf_sandbox.c
 * installs: every entry in the doc's table, every table row an entry */
START_TEST(test_allow_list_matches_docs)
{
    char doc[512];
    const char *src = getenv("SCC_SOURCE_DIR");
    snprintf(doc, sizeof(doc), "%s/docs/security.md", src ? src : "..");
    FILE *f = fopen(doc, "r");
    ck_assert_msg(f != NULL, "cannot open %s", doc);
    char line[512], rows[64][64];
    int nrows = 0;
    bool in = false;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "<!-- allow-list", 15) == 0)
            in = !in; /* the table sits between two such markers */
        else if (in && line[0] == '|' && line[2] == '`' && nrows < 64) {
            char *e = strchr(line + 3, '`');
            ck_assert_ptr_nonnull(e);
            *e = '\0';
            scc_strlcpy(rows[nrows++], line + 3, sizeof(rows[0]));
        }
    }
    fclose(f);
    size_t n = 0;
    for (const char *nm; (nm = nf_sandbox_allowed(n, NULL)); n++) {
        bool found = false;
        for (int i = 0; i < nrows; i++)
            found |= strcmp(rows[i], nm) == 0;
        ck_assert_msg(found, "%s: the allow-list has %s; add a row to the table", doc, nm);
    }
    ck_assert_msg((size_t)nrows == n, "%s: %d rows in the allow-list table, nf_sandbox.c "
                  "allows %zu calls: remove the rows of calls it no longer allows", doc,
                  nrows, n);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats_sandbox");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_page_lifecycle);
    tcase_add_test(tc, test_print_json);
    tcase_add_test(tc, test_stale_page_replaced);
    tcase_add_test(tc, test_seqlock);
    tcase_add_test(tc, test_read_against_busy_writer);
    tcase_add_test(tc, test_seccomp_kills_outside_calls);
    tcase_add_test(tc, test_drop_caps);
    tcase_add_test(tc, test_drop_privs_to_user);
    tcase_add_test(tc, test_foreign_page_refused);
    tcase_add_test(tc, test_allow_list_matches_docs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? 1 : 0;
}
