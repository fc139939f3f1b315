/* nfs: a real scc-nf over UDP loopback with and without --phase-timing:
 * the NF's own system-call counts match what the test made it do (one
 * datagram in flight at a time: every batch is one recvmmsg that returned a
 * packet and one sendmmsg), the phase sums are measured (> 0, within the
 * process's CPU time) only with the flag, and marked off without it. */
#include <check.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_util.h"
#include "nfs/nf_stats.h"
#include "nf_testlib.h"

#define ROUNDS 200

struct nf_run {
    pid_t pid;
    char name[40];
    int tx, rx;              /* the test's sender and sink sockets */
    struct sockaddr_in to;   /* the NF's input */
    struct nf_stats_page *pg;
};

static bool read_page(struct nf_run *r)
{
    char err[256];
    return nf_stats_read(r->name, r->pg, err, sizeof(err)) == 0;
}

static void start(struct nf_run *r, const char *tag, const char *idle, bool timing)
{
    const char *bin = getenv("SCC_BINARY_DIR");
    char exe[512], in[64], out[64];
    snprintf(exe, sizeof(exe), "%s/bin/scc-nf", bin ? bin : "build");
    snprintf(r->name, sizeof(r->name), "ut-ph%s-%d", tag, (int)getpid());
    struct sockaddr_in sink;
    r->rx = t_bound_udp(&sink);
    unsigned port = t_free_port();
    snprintf(in, sizeof(in), "udp:127.0.0.1:%u", port);
    snprintf(out, sizeof(out), "udp:127.0.0.1:%u", ntohs(sink.sin_port));
    r->tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    memset(&r->to, 0, sizeof(r->to));
    r->to.sin_family = AF_INET;
    r->to.sin_port = htons((uint16_t)port);
    r->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->pg = malloc(sizeof(*r->pg));
    r->pid = fork();
    ck_assert_int_ge(r->pid, 0);
    if (r->pid == 0) {
        /* a failed assertion ends the test process: the NF then ends too,
         * removing its page, instead of running on */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        const char *argv[17] = {exe, "--name", r->name, "--pipeline", "FromIO -> ToIO",
                                "--in", in, "--out", out, "--batch", "32", "--idle", idle,
                                "-q", NULL, NULL, NULL};
        int k = 14;
        if (timing)
            argv[k++] = "--phase-timing";
#if defined(__SANITIZE_ADDRESS__)
        /* the sanitizer runtime's exit-time calls are outside the NF's
         * seccomp allow-list (docs/elements.md: --no-seccomp for these) */
        argv[k++] = "--no-seccomp";
#endif
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) { /* up to 5 s */
        if (read_page(r) && r->pg->ready)
            return;
        int st;
        ck_assert_msg(waitpid(r->pid, &st, WNOHANG) == 0, "%s exited early", exe);
        usleep(10000);
    }
    ck_abort_msg("scc-nf %s never became ready", r->name);
}

/* ROUNDS datagrams, each sent only after the previous one came out. */
static void ping_pong(struct nf_run *r)
{
    uint8_t d[8 + 60] = {0x08, 0, 0, 0, 0, 0, 1, 0}; /* VXLAN, VNI 1, then a frame */
    memset(d + 8, 0x02, 12);
    d[20] = 0x08;
    for (int i = 0; i < ROUNDS; i++) {
        d[30] = (uint8_t)i;
        ck_assert_int_eq(sendto(r->tx, d, sizeof(d), 0, (struct sockaddr *)&r->to,
                                sizeof(r->to)), (ssize_t)sizeof(d));
        struct pollfd p = {.fd = r->rx, .events = POLLIN};
        ck_assert_msg(poll(&p, 1, 2000) == 1, "datagram %d did not come out", i);
        uint8_t buf[256];
        ck_assert_int_eq(recv(r->rx, buf, sizeof(buf), 0), (ssize_t)sizeof(d));
    }
    /* the page is published after every batch that carried packets, but
     * after our recv returned; wait for the last one */
    for (int i = 0; i < 200 && (!read_page(r) || r->pg->tx_pkts < ROUNDS); i++)
        usleep(5000);
}

/* ns on the CPU (/proc/PID/schedstat's first field: the task clock) and,
 * with wait, ns runnable but waiting for a CPU (its second field). */
static uint64_t cpu_wait_ns(pid_t pid, uint64_t *wait)
{
    char path[64];
    unsigned long long run = 0, w = 0;
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%llu %llu", &run, &w), 2);
    fclose(f);
    if (wait)
        *wait = w;
    return run;
}


static void stop(struct nf_run *r)
{
    kill(r->pid, SIGTERM);
    int st;
    ck_assert_int_eq(waitpid(r->pid, &st, 0), r->pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char path[96];
    snprintf(path, sizeof(path), "/dev/shm/scc-nf-%s", r->name);
    struct stat sb;
    ck_assert_int_ne(stat(path, &sb), 0);
    close(r->tx);
    close(r->rx);
    free(r->pg);
}

/* Counts the test can predict without strace: ROUNDS batches of one
 * packet, so ROUNDS sendmmsg calls and ROUNDS recvmmsg calls that returned
 * a packet; every other recvmmsg returned nothing. */
static void check_calls(const struct nf_stats_page *p)
{
    ck_assert_uint_eq(p->rx_pkts, ROUNDS);
    ck_assert_uint_eq(p->tx_pkts, ROUNDS);
    ck_assert_uint_eq(p->batches, ROUNDS);
    ck_assert_uint_eq(p->sendmmsg_calls, ROUNDS);
    ck_assert_uint_eq(p->tx_calls, ROUNDS);
    ck_assert_uint_eq(p->rx_calls, ROUNDS);
    ck_assert_uint_eq(p->recvmmsg_calls, p->rx_calls + p->rx_empty_calls);
}

START_TEST(phase_timing_busy)
{
    struct nf_run r;
    start(&r, "b", "busy", true);
    ping_pong(&r);
    ck_assert(read_page(&r));
    uint64_t wait = 0;
    uint64_t cpu = cpu_wait_ns(r.pid, &wait);
    const struct nf_stats_page *p = r.pg;
    check_calls(p);
    /* busy idle spins between our datagrams: many empty calls */
    ck_assert_uint_gt(p->rx_empty_calls, 0);
    ck_assert_uint_eq(p->phase_flags, NF_STATS_PHASE_ON);
    ck_assert_uint_gt(p->phase_rx_ns, 0);
    ck_assert_uint_gt(p->phase_pipe_ns, 0);
    ck_assert_uint_gt(p->phase_tx_ns, 0);
    uint64_t sum = p->phase_rx_ns + p->phase_pipe_ns + p->phase_tx_ns;
    /* busy: the NF never sleeps, so a phase (wall time, read before the
     * clocks) is time on the CPU or time preempted in the run queue; on an
     * idle machine the wait is ~0, on a busy one the spinner is preempted
     * (a phase then measured 16.2 ms against 12.1 ms of task clock) */
    ck_assert_msg(sum <= cpu + wait, "phases %llu ns > task clock %llu ns + run-queue wait %llu ns",
                  (unsigned long long)sum, (unsigned long long)cpu, (unsigned long long)wait);
    /* sending a datagram through loopback costs more than FromIO -> ToIO */
    ck_assert_uint_gt(p->phase_tx_ns, p->phase_pipe_ns);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nf_stats_print(p, f, false);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "phase timing (ns per packet"));
    free(text);
    stop(&r);
}
END_TEST

START_TEST(phase_timing_block)
{
    struct nf_run r;
    start(&r, "k", "block", true);
    ping_pong(&r);
    ck_assert(read_page(&r));
    uint64_t wait = 0;
    uint64_t cpu = cpu_wait_ns(r.pid, &wait);
    const struct nf_stats_page *p = r.pg;
    check_calls(p);
    /* block idle: a receive that returned a packet slept until it came, so
     * the page says its sum includes waiting; pipeline and send are CPU */
    ck_assert_uint_eq(p->phase_flags, NF_STATS_PHASE_ON | NF_STATS_PHASE_RX_WAITS);
    ck_assert_uint_gt(p->phase_rx_ns, 0);
    ck_assert_uint_gt(p->phase_pipe_ns, 0);
    ck_assert_uint_gt(p->phase_tx_ns, 0);
    /* (plus any preemption inside them, as in the busy case) */
    ck_assert_uint_le(p->phase_pipe_ns + p->phase_tx_ns, cpu + wait);
    stop(&r);
}
END_TEST

START_TEST(phase_timing_off)
{
    struct nf_run r;
    start(&r, "o", "block", false);
    ping_pong(&r);
    ck_assert(read_page(&r));
    const struct nf_stats_page *p = r.pg;
    check_calls(p); /* the call counts do not need the flag */
    ck_assert_uint_eq(p->phase_flags, 0);
    ck_assert_uint_eq(p->phase_rx_ns, 0);
    ck_assert_uint_eq(p->phase_pipe_ns, 0);
    ck_assert_uint_eq(p->phase_tx_ns, 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nf_stats_print(p, f, true);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "\"phase_timing\": { \"on\": false }"));
    ck_assert_ptr_null(strstr(text, "pipeline_ns"));
    free(text);
    stop(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nf_phase");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, phase_timing_busy);
    tcase_add_test(tc, phase_timing_block);
    tcase_add_test(tc, phase_timing_off);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
