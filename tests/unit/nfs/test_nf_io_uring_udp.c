/*
 * test_nf_io_uring_udp — the uring engine of nf_io over real loopback UDP
 * (VXLAN) sockets, with and without SQPOLL: frames arrive intact at batch
 * 1, 8 and 64 and never more than the batch per receive; far more frames
 * than the ring has buffers get through (buffers return to the ring at the
 * next receive); a forwarder that sends straight from received buffers
 * delivers intact frames; malformed datagrams are dropped and counted (bad
 * encapsulation, truncation); an empty receive times out; SQPOLL starts one
 * kernel thread for two sharing handles and bounds the enters. The raw wire format
 * over uring: tests/integration/test_nf_io_uring.sh.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/scc_util.h"
#include "nfs/nf_io.h"

#define VNI 77u

/* _i of a loop test: 0 = plain, 1 = SQPOLL */
static struct nf_io *open_u(unsigned batch, uint16_t remote_port, int sqpoll, int idle)
{
    struct nf_io_opts o = {.sz = sizeof(o), .transport = NF_IO_UDP, .batch = batch,
                           .idle = idle, .vni = VNI, .rcvbuf = 4 << 20, .timestamp = 1,
                           .engine = NF_IO_URING, .uring_sqpoll = sqpoll};
    o.local.sin_family = AF_INET;
    o.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (remote_port) {
        o.remote.sin_family = AF_INET;
        o.remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        o.remote.sin_port = htons(remote_port);
    }
    char err[256];
    struct nf_io *io = nf_io_open(&o, err, sizeof(err));
    ck_assert_msg(io != NULL, "nf_io_open(uring%s): %s", sqpoll ? "+sqpoll" : "", err);
    ck_assert_int_eq(nf_io_get_engine(io), NF_IO_URING);
    ck_assert_str_eq(nf_io_engine_desc(io), sqpoll ? "uring+sqpoll" : "uring");
    return io;
}

static uint16_t port_of(struct nf_io *io)
{
    struct sockaddr_in a;
    ck_assert_int_eq(nf_io_local_addr(io, &a), 0);
    return ntohs(a.sin_port);
}

static uint32_t frame_len(unsigned i)
{
    return 60 + (i * 97) % (1518 - 60 + 1);
}
static uint8_t frame_byte(unsigned i, uint32_t k)
{
    return (uint8_t)(i * 31 + k * 7);
}

/* Send n distinct frames from tx; receive them on rx (checking every byte
 * and the batch bound), optionally forwarding each received batch through
 * fwd to fin, and return how many came. */
static unsigned pump(struct nf_io *tx, struct nf_io *rx, unsigned n, unsigned batch)
{
    static uint8_t bufs[64][1518];
    struct nf_pkt pkts[64];
    struct nf_pkt *ptrs[64];
    unsigned got = 0, sent = 0, expect = 0;
    struct nf_pkt *in[1024];
    struct nf_batch b = {.cap = 1024, .pkts = in};
    uint64_t t0 = scc_now_ns();
    while (got < n && scc_now_ns() - t0 < 5000000000ull) {
        unsigned k = 0;
        for (; k < 64 && sent + k < n; k++) {
            unsigned id = sent + k;
            for (uint32_t j = 0; j < frame_len(id); j++)
                bufs[k][j] = frame_byte(id, j);
            pkts[k] = (struct nf_pkt){.data = bufs[k], .len = frame_len(id), .cap = 1518};
            ptrs[k] = &pkts[k];
        }
        if (k)
            ck_assert_int_eq(nf_io_send(tx, ptrs, k), (int)k);
        sent += k;
        int r;
        while ((r = nf_io_recv(rx, &b, 200)) > 0) {
            ck_assert_uint_le((unsigned)r, batch);
            for (int q = 0; q < r; q++, got++, expect++) {
                ck_assert_uint_eq(in[q]->len, frame_len(expect));
                uint32_t j = 0; /* one assertion per frame: Check's are slow */
                while (j < in[q]->len && in[q]->data[j] == frame_byte(expect, j))
                    j++;
                ck_assert_msg(j == in[q]->len, "frame %u differs at byte %u", expect, j);
                ck_assert_uint_ne(in[q]->ts_ns, 0);
            }
            if (got >= sent)
                break;
        }
        ck_assert_int_ge(r, 0);
    }
    return got;
}

static void round_trip(unsigned batch, int sqpoll)
{
    /* 1000 frames: several times the ring's buffers (4 x batch, >= 256),
     * so they must return to the ring for the receive to go on */
    enum { N = 1000 };
    struct nf_io *rx = open_u(batch, 0, sqpoll, NF_IO_BLOCK);
    struct nf_io *tx = open_u(batch, port_of(rx), sqpoll, NF_IO_BLOCK);
    ck_assert_uint_eq(pump(tx, rx, N, batch), N);
    const struct nf_io_stats *ts = nf_io_get_stats(tx), *rs = nf_io_get_stats(rx);
    ck_assert_uint_eq(ts->tx_pkts, N);
    ck_assert_uint_eq(rs->rx_pkts, N);
    ck_assert_uint_eq(rs->rx_bytes, ts->tx_bytes);
    ck_assert_uint_eq(ts->tx_drop_again + ts->tx_drop_nobufs + ts->tx_drop_other, 0);
    ck_assert_uint_eq(rs->rx_bad_encap + rs->rx_truncated, 0);
    struct nf_pkt *in[8];
    struct nf_batch b = {.cap = 8, .pkts = in};
    ck_assert_int_eq(nf_io_recv(rx, &b, 0), 0);
    nf_io_close(tx);
    nf_io_close(rx);
}

START_TEST(round_trip_batch_1) { round_trip(1, _i); }
END_TEST
START_TEST(round_trip_batch_8) { round_trip(8, _i); }
END_TEST
START_TEST(round_trip_batch_64) { round_trip(64, _i); }
END_TEST

/* A forwarder: gen -> A (uring) -> send from A's ring buffers via B ->
 * sink. The frames arrive intact, so sending from a received buffer reads
 * it before the buffer goes back to the ring. */
START_TEST(forward_from_ring_buffers)
{
    enum { N = 1000 };
    struct nf_io *sink = open_u(32, 0, _i, NF_IO_BLOCK);
    struct nf_io *a = open_u(32, 0, _i, NF_IO_BLOCK);
    struct nf_io *b = open_u(32, port_of(sink), _i, NF_IO_BLOCK);
    struct nf_io *gen = open_u(32, port_of(a), _i, NF_IO_BLOCK);
    static uint8_t f[N][128];
    struct nf_pkt pk[32];
    struct nf_pkt *pp[32];
    struct nf_pkt *in[32], *in2[32];
    struct nf_batch bi = {.cap = 32, .pkts = in}, bo = {.cap = 32, .pkts = in2};
    unsigned sent = 0, fwd = 0, got = 0;
    uint64_t t0 = scc_now_ns();
    while (got < N && scc_now_ns() - t0 < 5000000000ull) {
        unsigned k = 0;
        for (; k < 32 && sent < N; k++, sent++) {
            for (unsigned j = 0; j < 128; j++)
                f[sent][j] = (uint8_t)(sent * 13 + j);
            pk[k] = (struct nf_pkt){.data = f[sent], .len = 64 + sent % 64, .cap = 128};
            pp[k] = &pk[k];
        }
        if (k)
            ck_assert_int_eq(nf_io_send(gen, pp, k), (int)k);
        int r = nf_io_recv(a, &bi, 100);
        ck_assert_int_ge(r, 0);
        if (r > 0)
            ck_assert_int_eq(nf_io_send(b, bi.pkts, (unsigned)r), r);
        fwd += (unsigned)(r > 0 ? r : 0);
        while ((r = nf_io_recv(sink, &bo, fwd > got ? 100 : 0)) > 0)
            for (int q = 0; q < r; q++, got++) {
                ck_assert_uint_eq(in2[q]->len, 64 + got % 64);
                unsigned j = 0;
                while (j < in2[q]->len && in2[q]->data[j] == (uint8_t)(got * 13 + j))
                    j++;
                ck_assert_msg(j == in2[q]->len, "frame %u differs at byte %u", got, j);
            }
    }
    ck_assert_uint_eq(got, N);
    nf_io_close(gen);
    nf_io_close(b);
    nf_io_close(a);
    nf_io_close(sink);
}
END_TEST

static void plain_sendto(int fd, uint16_t port, const void *buf, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)len);
}

/* Malformed datagrams are dropped and counted; their buffers go back to
 * the ring like any other (the good one after them still arrives). */
START_TEST(malformed_dropped_and_counted)
{
    struct nf_io *rx = open_u(8, 0, _i, NF_IO_BLOCK);
    uint16_t port = port_of(rx);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    uint8_t d[8 + 64];
    memset(d, 0xab, sizeof(d));
    memset(d, 0, 8);
    plain_sendto(fd, port, d, sizeof(d));          /* no I flag */
    d[0] = 0x08;
    d[6] = 9;
    plain_sendto(fd, port, d, sizeof(d));          /* wrong VNI */
    d[4] = (uint8_t)(VNI >> 16), d[5] = (uint8_t)(VNI >> 8), d[6] = (uint8_t)VNI;
    plain_sendto(fd, port, d, 8 + 13);             /* too short */
    plain_sendto(fd, port, "hello", 5);            /* not VXLAN */
    static uint8_t big[8 + NF_FRAME_MAX + 100];
    memcpy(big, d, 8);
    plain_sendto(fd, port, big, sizeof(big));      /* longer than NF_FRAME_MAX */
    plain_sendto(fd, port, d, sizeof(d));          /* good */
    close(fd);
    struct nf_pkt *got[8];
    struct nf_batch b = {.cap = 8, .pkts = got};
    const struct nf_io_stats *s = nf_io_get_stats(rx);
    unsigned good = 0;
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
    nf_io_close(rx);
}
END_TEST

/* An empty receive waits about its timeout (block: in io_uring_enter;
 * busy: spinning) and returns 0; timeout 0 returns at once. */
START_TEST(empty_receive_times_out)
{
    for (int idle = NF_IO_BLOCK; idle <= NF_IO_BUSY; idle++) {
        struct nf_io *rx = open_u(4, 0, _i, idle);
        struct nf_pkt *got[4];
        struct nf_batch b = {.cap = 4, .pkts = got};
        uint64_t t0 = scc_now_ns();
        ck_assert_int_eq(nf_io_recv(rx, &b, 0), 0);
        ck_assert_int_eq(nf_io_recv(rx, &b, 50), 0);
        uint64_t dt = scc_now_ns() - t0;
        ck_assert_msg(dt >= 45000000u && dt < 1000000000u, "waited %llu ns",
                      (unsigned long long)dt);
        ck_assert_uint_eq(nf_io_get_stats(rx)->rx_pkts, 0);
        nf_io_close(rx);
    }
}
END_TEST

/* Threads of this process. The SQPOLL thread is one from io_uring_setup
 * on (its name, iou-sqp-PID, is set only once it first runs). */
static int threads(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* SQPOLL: one kernel submission thread serves a handle and the handle that
 * shares it (an NF's input and output); without SQPOLL there is none. The
 * enter counts: without SQPOLL every send batch is at least one enter;
 * with it at most a wake-up and a wait per batch (how many fewer than that
 * depends on whether the thread gets a CPU while the sender spins: on a
 * loaded 2-vCPU box it often does not; docs/io.md has measured figures). */
START_TEST(sqpoll_thread_and_enters)
{
    enum { N = 2000, B = 32 };
    struct nf_io_opts o = {.sz = sizeof(o), .transport = NF_IO_UDP, .batch = B,
                           .idle = NF_IO_BUSY, .vni = VNI, .rcvbuf = 4 << 20,
                           .engine = NF_IO_URING, .uring_sqpoll = _i, .timestamp = 1};
    o.local.sin_family = AF_INET;
    o.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char err[256];
    int t0 = threads();
    struct nf_io *rx = nf_io_open(&o, err, sizeof(err));
    ck_assert_msg(rx != NULL, "%s", err);
    o.remote = o.local;
    o.remote.sin_port = htons(port_of(rx));
    o.uring_share = rx;
    struct nf_io *tx = nf_io_open(&o, err, sizeof(err));
    ck_assert_msg(tx != NULL, "%s", err);
    ck_assert_int_eq(threads() - t0, (_i ? 1 : 0));
    ck_assert_uint_eq(pump(tx, rx, N, B), N);
    const struct nf_io_stats *ts = nf_io_get_stats(tx);
    unsigned batches = (N + B - 1) / B;
    if (_i)
        ck_assert_msg(ts->tx_calls <= 2 * batches, "sqpoll: %llu enters for %u send batches",
                      (unsigned long long)ts->tx_calls, batches);
    else
        ck_assert_uint_ge(ts->tx_calls, batches);
    nf_io_close(tx);
    nf_io_close(rx);
}
END_TEST

START_TEST(bad_options_refused)
{
    char err[256];
    struct nf_io_opts o = {.sz = sizeof(o), .transport = NF_IO_UDP, .batch = 8,
                           .engine = NF_IO_SOCKETS, .uring_sqpoll = 1};
    o.local.sin_family = AF_INET;
    o.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    errno = 0;
    ck_assert_ptr_null(nf_io_open(&o, err, sizeof(err)));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "uring"));
    o.uring_sqpoll = 0;
    o.engine = (enum nf_io_engine)9;
    ck_assert_ptr_null(nf_io_open(&o, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "engine"));
    if (!nf_io_engine_available(NF_IO_URING))
        return;
    /* the receive spin peeks for what the SQPOLL thread completes */
    o.engine = NF_IO_URING;
    o.uring_spin_set = 1;
    o.uring_spin_us = 50;
    errno = 0;
    ck_assert_ptr_null(nf_io_open(&o, err, sizeof(err)));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "uring_spin_us needs uring_sqpoll"));
    o.uring_sqpoll = 1;
    const int bad[] = {-1, NF_IO_URING_SPIN_MAX_US + 1};
    for (unsigned i = 0; i < 2; i++) {
        o.uring_spin_us = bad[i];
        errno = 0;
        ck_assert_ptr_null(nf_io_open(&o, err, sizeof(err)));
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "out of range"));
    }
    /* in range (unpinned: accepted, and the engine does not spin) */
    o.uring_spin_us = NF_IO_URING_SPIN_MAX_US;
    struct nf_io *io = nf_io_open(&o, err, sizeof(err));
    ck_assert_msg(io != NULL, "%s", err);
    nf_io_close(io);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nf_io_uring");
    TCase *tc = tcase_create("uring");
    tcase_set_timeout(tc, 60);
    if (!nf_io_engine_available(NF_IO_URING)) {
        /* a build without liburing: the engine is refused, not faked */
        tcase_add_test(tc, bad_options_refused);
    } else {
        tcase_add_loop_test(tc, round_trip_batch_1, 0, 2);
        tcase_add_loop_test(tc, round_trip_batch_8, 0, 2);
        tcase_add_loop_test(tc, round_trip_batch_64, 0, 2);
        tcase_add_loop_test(tc, forward_from_ring_buffers, 0, 2);
        tcase_add_loop_test(tc, malformed_dropped_and_counted, 0, 2);
        tcase_add_loop_test(tc, empty_receive_times_out, 0, 2);
        tcase_add_loop_test(tc, sqpoll_thread_and_enters, 0, 2);
        tcase_add_test(tc, bad_options_refused);
    }
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
