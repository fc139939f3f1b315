/*
 * test_nf_io_xdpq — the xdp engine's socket per RX queue, on a veth pair
 * with 2 queues in a network namespace of the test's own (unshare: the
 * namespace and its veths go with the test process, whatever happens).
 * Frames are steered to one queue deterministically: an AF_PACKET socket
 * with PACKET_QDISC_BYPASS picks the TX queue (sending CPU % queues), and
 * veth hands a frame to the peer's RX queue of that index. So a sender
 * pinned to CPU 1 fills queue 1 only.
 *
 * Checked: a handle with a socket per queue receives what lands on queue
 * 1 (the engine before bound queue 0 only and never saw those frames); a
 * handle capped to queue 0 (opts.xdp_queues 1) does not; the round-robin
 * receive serves a short queue within two batches while another has eight
 * batches waiting; every UMEM frame is accounted for across the sockets;
 * a handle closed and reopened at once on the same queues opens (the
 * kernel frees a closed socket's queue later, in deferred work).
 * Needs root and 2 CPUs (skipped, with a message, otherwise).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nfs/nf_io.h"

#define ETHERTYPE_TEST 0x88b5 /* IEEE 802 local experimental */

static int run(char *const argv[])
{
    pid_t p = fork();
    if (p == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    if (p < 0 || waitpid(p, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A fresh namespace with veth xqa <-> xqb, 2 TX and 2 RX queues each, up,
 * without IPv6 (its router solicitations would land in the sockets).
 * 0, or 1 when the test cannot run here (printed). */
static int setup(const char *test)
{
    if (geteuid() != 0 || sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
        !nf_io_engine_available(NF_IO_XDP)) {
        fprintf(stderr, "%s: SKIPPED: needs root, 2 CPUs and the xdp transport\n", test);
        return 1;
    }
    ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
    write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    char *add[] = {"ip", "link", "add", "xqa", "numtxqueues", "2", "numrxqueues", "2",
                   "type", "veth", "peer", "name", "xqb", "numtxqueues", "2", "numrxqueues",
                   "2", NULL};
    char *upa[] = {"ip", "link", "set", "xqa", "up", NULL};
    char *upb[] = {"ip", "link", "set", "xqb", "up", NULL};
    ck_assert_int_eq(run(add), 0);
    ck_assert_int_eq(run(upa), 0);
    ck_assert_int_eq(run(upb), 0);
    return 0;
}

static struct nf_io *open_xdp(unsigned queues, unsigned batch)
{
    struct nf_io_opts o = {.sz = sizeof(o), .transport = NF_IO_RAW, .batch = batch,
                           .idle = NF_IO_BLOCK, .engine = NF_IO_XDP, .xdp_queues = queues};
    strcpy(o.ifname, "xqb");
    char err[256];
    struct nf_io *io = nf_io_open(&o, err, sizeof(err));
    ck_assert_msg(io != NULL, "nf_io_open(xdp on xqb): %s", err);
    return io;
}

/* n frames out of xqa from CPU cpu (so onto queue cpu % 2), each carrying
 * mark and its number */
static void send_from(int cpu, unsigned n, uint8_t mark)
{
    cpu_set_t old, one;
    ck_assert_int_eq(sched_getaffinity(0, sizeof(old), &old), 0);
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    int one_i = 1;
    ck_assert_int_eq(setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one_i, sizeof(one_i)), 0);
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex("xqa"),
                              .sll_halen = ETH_ALEN};
    ck_assert_int_ne(sll.sll_ifindex, 0);
    uint8_t f[64] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    f[12] = ETHERTYPE_TEST >> 8;
    f[13] = ETHERTYPE_TEST & 0xff;
    f[14] = mark;
    for (unsigned i = 0; i < n; i++) {
        f[15] = (uint8_t)i;
        ck_assert_int_eq(sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll, sizeof(sll)),
                         (int)sizeof(f));
    }
    close(fd);
    ck_assert_int_eq(sched_setaffinity(0, sizeof(old), &old), 0);
}

/* Receive until want test frames arrived or ms passed; per mark counts in
 * got[2]. Returns the test frames received. */
static unsigned drain(struct nf_io *io, unsigned want, int ms, unsigned got[2])
{
    struct nf_pkt *slots[64];
    struct nf_batch b = {.n = 0, .cap = 64, .pkts = slots};
    unsigned total = 0;
    for (int waited = 0; total < want && waited < ms;) {
        int n = nf_io_recv(io, &b, 20);
        ck_assert_int_ge(n, 0);
        if (n == 0)
            waited += 20;
        for (int i = 0; i < n; i++) {
            const uint8_t *d = slots[i]->data;
            if (slots[i]->len >= 16 && d[12] == (ETHERTYPE_TEST >> 8) && d[14] < 2) {
                got[d[14]]++;
                total++;
            }
        }
    }
    return total;
}

static void check_frames(struct nf_io *io, unsigned queues)
{
    struct nf_io_frames f;
    ck_assert_int_eq(nf_io_frames(io, 1, &f), 0);
    ck_assert_msg(f.consistent, "frame accounting does not add up");
    ck_assert_uint_eq(f.errors, 0);
    ck_assert_uint_eq(f.queues, queues);
    ck_assert_uint_eq(f.sockets, queues);
    ck_assert_uint_eq(f.fill + f.held + f.tx + f.free, f.total);
}

START_TEST(test_socket_per_queue)
{
    if (setup("test_socket_per_queue"))
        return;
    struct nf_io *io = open_xdp(0, 32);
    ck_assert_msg(strstr(nf_io_engine_desc(io), ", 2 queues"), "%s", nf_io_engine_desc(io));
    unsigned got[2] = {0, 0};
    send_from(1, 100, 1); /* queue 1 */
    send_from(0, 100, 0); /* queue 0 */
    unsigned n = drain(io, 200, 1000, got);
    ck_assert_msg(n == 200 && got[0] == 100 && got[1] == 100,
                  "received %u of 200 (queue 0: %u of 100, queue 1: %u of 100)", n, got[0],
                  got[1]);
    check_frames(io, 2);
    uint64_t drops = 1;
    ck_assert_int_eq(nf_io_kernel_drops(io, &drops), 0);
    ck_assert_uint_eq(drops, 0);
    nf_io_close(io);
}
END_TEST

/* the control: what lands on queue 1 is not seen by a socket on queue 0,
 * so the test above really crosses queue 1 */
START_TEST(test_queue0_only_misses_queue1)
{
    if (setup("test_queue0_only_misses_queue1"))
        return;
    struct nf_io *io = open_xdp(1, 32);
    ck_assert_msg(!strstr(nf_io_engine_desc(io), "queues"), "%s", nf_io_engine_desc(io));
    unsigned got[2] = {0, 0};
    send_from(1, 50, 1);
    send_from(0, 50, 0);
    drain(io, 100, 200, got);
    ck_assert_uint_eq(got[0], 50);
    ck_assert_uint_eq(got[1], 0);
    check_frames(io, 1);
    nf_io_close(io);
}
END_TEST

/* 64 frames wait on queue 0, 8 on queue 1; batches of 8 serve queue 1 in
 * the first two (a receive that drained queue 0 first would reach it in
 * the ninth) */
START_TEST(test_round_robin)
{
    if (setup("test_round_robin"))
        return;
    struct nf_io *io = open_xdp(0, 8);
    send_from(0, 64, 0);
    send_from(1, 8, 1);
    usleep(50000); /* veth's NAPI has put them on the RX rings */
    struct nf_pkt *slots[8];
    struct nf_batch b = {.n = 0, .cap = 8, .pkts = slots};
    unsigned q1 = 0, total = 0;
    for (int call = 0; call < 2; call++) {
        int n = nf_io_recv(io, &b, 100);
        ck_assert_int_eq(n, 8);
        for (int i = 0; i < n; i++)
            q1 += ((const uint8_t *)slots[i]->data)[14] == 1;
        total += (unsigned)n;
    }
    ck_assert_msg(q1 == 8, "queue 1's 8 frames: %u in the first 2 batches of 8", q1);
    unsigned got[2] = {0, 0};
    total += drain(io, 56, 1000, got);
    ck_assert_uint_eq(total, 72);
    check_frames(io, 2);
    nf_io_close(io);
}
END_TEST

/* a handle closed and opened again at once on the same queues: the kernel
 * releases a closed socket's queue in deferred work, and a bind right
 * after found it taken (EBUSY) until the engine retried */
START_TEST(test_reopen_at_once)
{
    if (setup("test_reopen_at_once"))
        return;
    for (int i = 0; i < 8; i++) {
        struct nf_io *io = open_xdp(0, 32);
        send_from(i & 1, 4, (uint8_t)(i & 1));
        unsigned got[2] = {0, 0};
        ck_assert_uint_eq(drain(io, 4, 500, got), 4);
        nf_io_close(io);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nf_io_xdp");
    TCase *tc = tcase_create("queues");
    tcase_add_test(tc, test_socket_per_queue);
    tcase_add_test(tc, test_queue0_only_misses_queue1);
    tcase_add_test(tc, test_round_robin);
    tcase_add_test(tc, test_reopen_at_once);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
