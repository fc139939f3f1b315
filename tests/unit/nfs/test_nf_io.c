/*
 * test_nf_io — the udp (VXLAN) transport of nf_io over real loopback
 * sockets: frames arrive intact at batch sizes 1, 8 and 64, no receive ever
 * returns more than the batch, foreign datagrams are counted as bad
 * encapsulation, oversize ones as truncated, a squeezed receive buffer's
 * losses show up in the kernel drop count, and bad options are refused.
 * Block idle receives with one recvmmsg per wake-up, counts empty calls
 * apart, and a signal without SA_RESTART ends its wait.
 * The raw transport needs namespaces and root: see
 * tests/integration/test_nf_io_raw.sh.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/scc_util.h"
#include "nfs/nf_io.h"

#define VNI 4242u

static struct nf_io *open_udp(unsigned batch, uint16_t remote_port, int rcvbuf)
{
    struct nf_io_opts o = {.sz = sizeof(o), .transport = NF_IO_UDP, .batch = batch,
                           .idle = NF_IO_BLOCK, .vni = VNI, .rcvbuf = rcvbuf, .timestamp = 1};
    o.local.sin_family = AF_INET;
    o.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (remote_port) {
        o.remote.sin_family = AF_INET;
        o.remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        o.remote.sin_port = htons(remote_port);
    }
    char err[256];
    struct nf_io *io = nf_io_open(&o, err, sizeof(err));
    ck_assert_msg(io != NULL, "nf_io_open: %s", err);
    return io;
}

static uint16_t port_of(struct nf_io *io)
{
    struct sockaddr_in a;
    ck_assert_int_eq(nf_io_local_addr(io, &a), 0);
    ck_assert_uint_ne(ntohs(a.sin_port), 0);
    return ntohs(a.sin_port);
}

/* Frame i: length 60..1518 varying with i, every byte a function of i. */
static uint32_t frame_len(unsigned i)
{
    return 60 + (i * 97) % (1518 - 60 + 1);
}
static void fill_frame(uint8_t *buf, unsigned i)
{
    uint32_t len = frame_len(i);
    for (uint32_t k = 0; k < len; k++)
        buf[k] = (uint8_t)(i * 31 + k * 7);
}

static void check_round_trip(unsigned batch)
{
    enum { N = 300 };
    struct nf_io *rx = open_udp(batch, 0, 4 << 20);
    struct nf_io *tx = open_udp(batch, port_of(rx), 0);
    static uint8_t bufs[N][1518];
    struct nf_pkt pkts[N];
    struct nf_pkt *ptrs[N];
    for (unsigned i = 0; i < N; i++) {
        fill_frame(bufs[i], i);
        pkts[i] = (struct nf_pkt){.data = bufs[i], .len = frame_len(i), .cap = 1518};
        ptrs[i] = &pkts[i];
    }
    ck_assert_int_eq(nf_io_send(tx, ptrs, N), N);
    const struct nf_io_stats *ts = nf_io_get_stats(tx);
    ck_assert_uint_eq(ts->tx_pkts, N);
    /* ceil(N / batch) calls at the least: never more than batch per call. */
    ck_assert_uint_ge(ts->tx_calls, (N + batch - 1) / batch);

    struct nf_pkt *got[NF_BATCH_MAX];
    struct nf_batch b = {.cap = NF_BATCH_MAX, .pkts = got};
    unsigned seen = 0, max_n = 0;
    uint8_t expect[1518];
    while (seen < N) {
        int r = nf_io_recv(rx, &b, 1000);
        ck_assert_int_gt(r, 0);
        ck_assert_uint_eq(b.n, (unsigned)r);
        ck_assert_uint_le((unsigned)r, batch);
        if ((unsigned)r > max_n)
            max_n = (unsigned)r;
        for (int k = 0; k < r; k++, seen++) {
            /* Loopback UDP keeps order within one socket pair. */
            fill_frame(expect, seen);
            ck_assert_uint_eq(got[k]->len, frame_len(seen));
            ck_assert_msg(!memcmp(got[k]->data, expect, got[k]->len), "frame %u differs", seen);
            ck_assert_uint_ne(got[k]->ts_ns, 0);
        }
    }
    if (batch > 1) /* all N were queued before the first recv */
        ck_assert_uint_eq(max_n, batch);
    const struct nf_io_stats *rs = nf_io_get_stats(rx);
    ck_assert_uint_eq(rs->rx_pkts, N);
    ck_assert_uint_eq(rs->rx_bad_encap, 0);
    ck_assert_uint_eq(rs->rx_bytes, ts->tx_bytes);
    /* Nothing left. */
    ck_assert_int_eq(nf_io_recv(rx, &b, 0), 0);
    nf_io_close(tx);
    nf_io_close(rx);
}

START_TEST(round_trip_batch_1) { check_round_trip(1); }
END_TEST
START_TEST(round_trip_batch_8) { check_round_trip(8); }
END_TEST
START_TEST(round_trip_batch_64) { check_round_trip(64); }
END_TEST

/* A small caller batch caps the receive below the handle's batch. */
START_TEST(recv_respects_caller_cap)
{
    struct nf_io *rx = open_udp(64, 0, 0);
    struct nf_io *tx = open_udp(64, port_of(rx), 0);
    uint8_t f[64] = {0};
    struct nf_pkt p = {.data = f, .len = sizeof(f), .cap = sizeof(f)};
    struct nf_pkt *ptrs[10];
    for (int i = 0; i < 10; i++)
        ptrs[i] = &p;
    ck_assert_int_eq(nf_io_send(tx, ptrs, 10), 10);
    struct nf_pkt *got[3];
    struct nf_batch b = {.cap = 3, .pkts = got};
    ck_assert_int_eq(nf_io_recv(rx, &b, 1000), 3);
    nf_io_close(tx);
    nf_io_close(rx);
}
END_TEST

static void raw_sendto(int fd, uint16_t port, const void *buf, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)len);
}

START_TEST(bad_encap_counted)
{
    struct nf_io *rx = open_udp(8, 0, 0);
    uint16_t port = port_of(rx);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    uint8_t d[8 + 64];
    memset(d, 0xab, sizeof(d));
    /* 1: no I flag */
    memset(d, 0, 8);
    raw_sendto(fd, port, d, sizeof(d));
    /* 2: wrong VNI */
    d[0] = 0x08;
    d[4] = 0, d[5] = 0, d[6] = 7;
    raw_sendto(fd, port, d, sizeof(d));
    /* 3: too short to hold a header and an Ethernet header */
    d[4] = (uint8_t)(VNI >> 16), d[5] = (uint8_t)(VNI >> 8), d[6] = (uint8_t)VNI;
    raw_sendto(fd, port, d, 8 + 13);
    /* 4: plain text, not VXLAN at all */
    raw_sendto(fd, port, "hello", 5);
    /* 5: good; reserved bits set must be ignored (RFC 7348 section 5) */
    d[1] = 0xff, d[7] = 0xff, d[0] = 0x08 | 0x40;
    raw_sendto(fd, port, d, sizeof(d));
    /* 6: longer than NF_FRAME_MAX */
    static uint8_t big[8 + NF_FRAME_MAX + 100];
    memcpy(big, d, 8);
    raw_sendto(fd, port, big, sizeof(big));
    close(fd);

    struct nf_pkt *got[8];
    struct nf_batch b = {.cap = 8, .pkts = got};
    unsigned good = 0;
    const struct nf_io_stats *s = nf_io_get_stats(rx);
    uint64_t t0 = scc_now_ns();
    while (s->rx_bad_encap + s->rx_truncated + good < 6 && scc_now_ns() - t0 < 2000000000u) {
        int r = nf_io_recv(rx, &b, 200);
        ck_assert_int_ge(r, 0);
        for (int k = 0; k < r; k++) {
            ck_assert_uint_eq(got[k]->len, 64);
            ck_assert_uint_eq(got[k]->data[0], 0xab);
        }
        good += (unsigned)r;
    }
    ck_assert_uint_eq(good, 1);
    ck_assert_uint_eq(s->rx_bad_encap, 4);
    ck_assert_uint_eq(s->rx_truncated, 1);
    ck_assert_uint_eq(s->rx_pkts, 1);
    nf_io_close(rx);
}
END_TEST

/* Overrun a squeezed receive buffer: every frame is either received or in
 * the socket's kernel drop count. */
START_TEST(kernel_drops_account_for_loss)
{
    enum { N = 2000 };
    struct nf_io *rx = open_udp(64, 0, 4096);
    struct nf_io *tx = open_udp(64, port_of(rx), 0);
    static uint8_t f[256];
    struct nf_pkt p = {.data = f, .len = sizeof(f), .cap = sizeof(f)};
    struct nf_pkt *ptrs[N];
    for (int i = 0; i < N; i++)
        ptrs[i] = &p;
    ck_assert_int_eq(nf_io_send(tx, ptrs, N), N);
    struct nf_pkt *got[64];
    struct nf_batch b = {.cap = 64, .pkts = got};
    while (nf_io_recv(rx, &b, 100) > 0)
        ;
    uint64_t drops = 0;
    ck_assert_int_eq(nf_io_kernel_drops(rx, &drops), 0);
    const struct nf_io_stats *s = nf_io_get_stats(rx);
    ck_assert_uint_gt(drops, 0);
    ck_assert_uint_eq(s->rx_pkts + drops, N);
    nf_io_close(tx);
    nf_io_close(rx);
}
END_TEST

START_TEST(recv_timeout_and_idle)
{
    struct nf_io *rx = open_udp(4, 0, 0);
    struct nf_pkt *got[4];
    struct nf_batch b = {.cap = 4, .pkts = got};
    uint64_t t0 = scc_now_ns();
    ck_assert_int_eq(nf_io_recv(rx, &b, 50), 0);
    uint64_t dt = scc_now_ns() - t0;
    ck_assert_uint_ge(dt, 40000000u);
    ck_assert_uint_lt(dt, 1000000000u);
    t0 = scc_now_ns();
    ck_assert_int_eq(nf_io_recv(rx, &b, 0), 0);
    ck_assert_uint_lt(scc_now_ns() - t0, 20000000u);
    nf_io_close(rx);

    /* busy idle: spins for the timeout, then returns 0 */
    struct nf_io_opts o = {.sz = sizeof(o), .transport = NF_IO_UDP, .batch = 4, .idle = NF_IO_BUSY};
    o.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char err[128];
    rx = nf_io_open(&o, err, sizeof(err));
    ck_assert_ptr_nonnull(rx);
    t0 = scc_now_ns();
    ck_assert_int_eq(nf_io_recv(rx, &b, 30), 0);
    ck_assert_uint_ge(scc_now_ns() - t0, 30000000u);
    /* it spun: many calls, all empty, none counted as receive calls */
    ck_assert_uint_gt(nf_io_get_stats(rx)->rx_empty_calls, 2);
    ck_assert_uint_eq(nf_io_get_stats(rx)->rx_calls, 0);
    nf_io_close(rx);
}
END_TEST

/* Block idle: one recvmmsg per wake-up (the calls are counted as they are
 * made), empty calls counted apart from those that returned packets. */
START_TEST(block_one_call_per_wakeup)
{
    struct nf_io *rx = open_udp(8, 0, 0);
    struct nf_io *tx = open_udp(8, port_of(rx), 0);
    const struct nf_io_stats *st = nf_io_get_stats(rx);
    struct nf_pkt *got[8];
    struct nf_batch b = {.cap = 8, .pkts = got};
    /* a wait that times out: one empty call */
    ck_assert_int_eq(nf_io_recv(rx, &b, 20), 0);
    ck_assert_uint_eq(st->rx_empty_calls, 1);
    ck_assert_uint_eq(st->rx_calls, 0);
    /* three frames queued: one call takes them all (MSG_WAITFORONE) */
    uint8_t f[64] = {0};
    struct nf_pkt p = {.data = f, .len = sizeof(f), .cap = sizeof(f)};
    struct nf_pkt *ptrs[3] = {&p, &p, &p};
    ck_assert_int_eq(nf_io_send(tx, ptrs, 3), 3);
    usleep(10000);
    ck_assert_int_eq(nf_io_recv(rx, &b, 1000), 3);
    ck_assert_uint_eq(st->rx_calls, 1);
    ck_assert_uint_eq(st->rx_empty_calls, 1);
    /* a wait woken by one frame: one call, not recvmmsg + poll + recvmmsg */
    pid_t c = fork();
    if (c == 0) {
        usleep(30000);
        nf_io_send(tx, ptrs, 1);
        _exit(0);
    }
    uint64_t t0 = scc_now_ns();
    ck_assert_int_eq(nf_io_recv(rx, &b, 5000), 1);
    ck_assert_uint_lt(scc_now_ns() - t0, 2000000000u);
    waitpid(c, NULL, 0);
    ck_assert_uint_eq(st->rx_calls, 2);
    ck_assert_uint_eq(st->rx_empty_calls, 1);
    ck_assert_uint_eq(st->rx_pkts, 4);
    nf_io_close(tx);
    nf_io_close(rx);
}
END_TEST

static void on_alarm(int sig) { (void)sig; }

/* A signal whose handler has no SA_RESTART (scc-nf's SIGTERM) ends a
 * blocking wait at once, even one without a time limit. */
START_TEST(block_wait_interrupted_by_signal)
{
    struct nf_io *rx = open_udp(4, 0, 0);
    struct nf_pkt *got[4];
    struct nf_batch b = {.cap = 4, .pkts = got};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval it = {.it_value = {0, 50000}};
    ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
    uint64_t t0 = scc_now_ns();
    ck_assert_int_eq(nf_io_recv(rx, &b, -1), 0);
    uint64_t dt = scc_now_ns() - t0;
    ck_assert_uint_ge(dt, 40000000u);
    ck_assert_uint_lt(dt, 2000000000u);
    ck_assert_uint_eq(nf_io_get_stats(rx)->rx_empty_calls, 1);
    nf_io_close(rx);
}
END_TEST

START_TEST(send_without_remote_refused)
{
    struct nf_io *io = open_udp(4, 0, 0);
    uint8_t f[64] = {0};
    struct nf_pkt p = {.data = f, .len = 64, .cap = 64};
    struct nf_pkt *pp = &p;
    ck_assert_int_eq(nf_io_send(io, &pp, 1), -EDESTADDRREQ);
    nf_io_close(io);
}
END_TEST

/* Connected sender, nobody listening: each datagram's ICMP port
 * unreachable surfaces as ECONNREFUSED on the next send; nf_io retries
 * the packet instead of dropping it, and counts the error. */
START_TEST(connected_to_closed_port)
{
    struct nf_io *probe = open_udp(1, 0, 0);
    uint16_t closed = port_of(probe);
    nf_io_close(probe); /* the port is now closed */
    struct nf_io_opts o = {.sz = sizeof(o), .transport = NF_IO_UDP, .batch = 8,
                           .idle = NF_IO_BLOCK, .vni = VNI, .connect_remote = 1};
    o.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    o.remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    o.remote.sin_port = htons(closed);
    char err[128];
    struct nf_io *tx = nf_io_open(&o, err, sizeof(err));
    ck_assert_msg(tx != NULL, "%s", err);
    uint8_t f[64] = {0};
    struct nf_pkt p = {.data = f, .len = 64, .cap = 64};
    struct nf_pkt *ptrs[16];
    for (int i = 0; i < 16; i++)
        ptrs[i] = &p;
    ck_assert_int_eq(nf_io_send(tx, ptrs, 16), 16);
    const struct nf_io_stats *s = nf_io_get_stats(tx);
    ck_assert_uint_gt(s->tx_err_refused, 0);
    ck_assert_uint_eq(s->tx_drop_other, 0);
    ck_assert_uint_eq(s->tx_pkts, 16);
    nf_io_close(tx);
}
END_TEST

START_TEST(bad_options_refused)
{
    char err[256];
    struct nf_io_opts o = {.sz = sizeof(o), .transport = NF_IO_UDP, .batch = 0};
    errno = 0;
    ck_assert_ptr_null(nf_io_open(&o, err, sizeof(err)));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "batch"));
    o.batch = NF_BATCH_MAX + 1;
    ck_assert_ptr_null(nf_io_open(&o, err, sizeof(err)));
    o.batch = 1;
    o.vni = 1u << 24;
    ck_assert_ptr_null(nf_io_open(&o, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "VNI"));
    o.vni = 0;
    o.transport = (enum nf_io_transport)7;
    ck_assert_ptr_null(nf_io_open(&o, err, sizeof(err)));
    struct nf_io_opts r = {.sz = sizeof(r), .transport = NF_IO_RAW, .batch = 1};
    scc_strlcpy(r.ifname, "nosuchif0", sizeof(r.ifname));
    ck_assert_ptr_null(nf_io_open(&r, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "nosuchif0"));
    ck_assert_ptr_null(nf_io_open(NULL, err, sizeof(err)));
    nf_io_close(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nf_io");
    TCase *tc = tcase_create("udp");
    tcase_add_test(tc, round_trip_batch_1);
    tcase_add_test(tc, round_trip_batch_8);
    tcase_add_test(tc, round_trip_batch_64);
    tcase_add_test(tc, recv_respects_caller_cap);
    tcase_add_test(tc, bad_encap_counted);
    tcase_add_test(tc, kernel_drops_account_for_loss);
    tcase_add_test(tc, recv_timeout_and_idle);
    tcase_add_test(tc, block_one_call_per_wakeup);
    tcase_add_test(tc, block_wait_interrupted_by_signal);
    tcase_add_test(tc, send_without_remote_refused);
    tcase_add_test(tc, bad_options_refused);
    tcase_add_test(tc, connected_to_closed_port);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
