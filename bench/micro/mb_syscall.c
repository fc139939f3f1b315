/*
 * mb_syscall — cost of the network I/O system calls an NF makes per batch,
 * next to the cheapest syscall as a baseline:
 *   getppid              the bare kernel entry/exit (raw syscall(2), so no
 *                        libc caching can hide it);
 *   recvmmsg (empty)     non-blocking receive on an empty UDP socket: what a
 *                        poll-free busy NF pays when no packet is waiting;
 *   sendmmsg (64 B)      one 64-byte datagram to a loopback socket we own.
 *                        The receive side (softirq, socket enqueue) runs in
 *                        the sender's context on loopback, so this is the
 *                        full delivery cost; the receiving socket is drained
 *                        between timed blocks, outside the timing.
 * The process pins itself to the chosen core first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench/micro/mb_bench.h"
#include "common/scc_log.h"
#include "common/scc_util.h"

#define SEND_BLOCK 32

static int udp_bound(struct sockaddr_in *addr, char *err, size_t errlen)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket(AF_INET, SOCK_DGRAM): %s", strerror(errno));
        return -1;
    }
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(*addr);
    if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
        getsockname(fd, (struct sockaddr *)addr, &len) < 0) {
        snprintf(err, errlen, "bind(127.0.0.1:0): %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static unsigned drain(int fd)
{
    static char bufs[SEND_BLOCK][128];
    struct iovec iov[SEND_BLOCK];
    struct mmsghdr m[SEND_BLOCK];
    memset(m, 0, sizeof(m));
    for (int i = 0; i < SEND_BLOCK; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = sizeof(bufs[i]);
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    unsigned got = 0;
    int r;
    while ((r = recvmmsg(fd, m, SEND_BLOCK, MSG_DONTWAIT, NULL)) > 0)
        got += (unsigned)r;
    return got;
}

int mb_run_syscall(const struct mb_opts *o, struct prof_calib *c)
{
    int e = mb_pin(o->cpu);
    if (e < 0) {
        scc_err("sched_setaffinity(cpu %d): %s: syscall bench", o->cpu, strerror(-e));
        return e;
    }
    c->have |= PROF_CALIB_HAVE_SYSCALL;
    unsigned reps = o->reps > 32 ? 32 : o->reps;
    double v[32];
    /* Size the loops from the getppid cost: about 80 ms per repetition
     * (15 ms with --quick), at least 2000 calls. */
    mb_progress(o, "syscall: getppid");
    uint64_t t0 = scc_now_ns();
    for (unsigned i = 0; i < 2000; i++)
        syscall(SYS_getppid);
    double est = (double)(scc_now_ns() - t0) / 2000.0;
    unsigned n = (unsigned)((o->quick ? 15e6 : 80e6) / (est > 20 ? est : 20));
    if (n < 2000)
        n = 2000;
    for (unsigned k = 0; k < reps; k++) {
        t0 = scc_now_ns();
        for (unsigned i = 0; i < n; i++)
            syscall(SYS_getppid);
        v[k] = (double)(scc_now_ns() - t0) / n;
    }
    mb_stat_from(&c->sc_getppid, v, reps);

    char err[PROF_CALIB_REASON_MAX];
    struct sockaddr_in rx_addr, tx_addr;
    int rx = udp_bound(&rx_addr, err, sizeof(err));
    if (rx < 0) {
        mb_stat_unavailable(&c->sc_recvmmsg, "%s", err);
        mb_stat_unavailable(&c->sc_sendmmsg, "%s", err);
        return 0;
    }
    int tx = udp_bound(&tx_addr, err, sizeof(err));
    if (tx < 0) {
        mb_stat_unavailable(&c->sc_sendmmsg, "%s", err);
    }

    mb_progress(o, "syscall: recvmmsg on an empty socket");
    {
        char buf[128];
        struct iovec iov = {buf, sizeof(buf)};
        struct mmsghdr m;
        memset(&m, 0, sizeof(m));
        m.msg_hdr.msg_iov = &iov;
        m.msg_hdr.msg_iovlen = 1;
        unsigned k = 0;
        int bad = 0;
        for (; k < reps && !bad; k++) {
            t0 = scc_now_ns();
            for (unsigned i = 0; i < n / 2; i++)
                if (recvmmsg(rx, &m, 1, MSG_DONTWAIT, NULL) >= 0 || errno != EAGAIN) {
                    bad = errno ? errno : EEXIST;
                    break;
                }
            v[k] = (double)(scc_now_ns() - t0) / (n / 2);
        }
        if (bad)
            mb_stat_unavailable(&c->sc_recvmmsg, "recvmmsg on an empty socket: %s",
                                bad == EEXIST ? "a datagram arrived" : strerror(bad));
        else
            mb_stat_from(&c->sc_recvmmsg, v, reps);
    }

    if (tx >= 0) {
        mb_progress(o, "syscall: sendmmsg of 64 B to loopback");
        char payload[64];
        memset(payload, 0xa5, sizeof(payload));
        struct iovec iov = {payload, sizeof(payload)};
        struct mmsghdr m;
        memset(&m, 0, sizeof(m));
        m.msg_hdr.msg_name = &rx_addr;
        m.msg_hdr.msg_namelen = sizeof(rx_addr);
        m.msg_hdr.msg_iov = &iov;
        m.msg_hdr.msg_iovlen = 1;
        unsigned per_rep = n / 8 + SEND_BLOCK;
        int bad = 0;
        unsigned k = 0;
        for (; k < reps && !bad; k++) {
            uint64_t busy = 0;
            unsigned sent = 0, recvd = 0;
            while (sent < per_rep && !bad) {
                t0 = scc_now_ns();
                for (int i = 0; i < SEND_BLOCK; i++)
                    if (sendmmsg(tx, &m, 1, 0) != 1) {
                        bad = errno;
                        break;
                    }
                busy += scc_now_ns() - t0;
                sent += SEND_BLOCK;
                recvd += drain(rx); /* outside the timing */
            }
            v[k] = (double)busy / sent;
            if (!bad && recvd != sent) /* every datagram must have arrived */
                bad = recvd < sent ? ENOBUFS : EPROTO;
        }
        if (bad)
            mb_stat_unavailable(&c->sc_sendmmsg, "sendmmsg(1 x 64 B to 127.0.0.1:%u): %s",
                                ntohs(rx_addr.sin_port), strerror(bad));
        else
            mb_stat_from(&c->sc_sendmmsg, v, reps);
        close(tx);
    }
    close(rx);
    return 0;
}
