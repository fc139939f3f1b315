/*
 * test_ipfilter_state — IPFilter(STATEFUL, ...) on crafted frames, both
 * directions (nf_pipeline_run_dir): forward frames the rules allow open
 * flows, return-path frames pass only as their replies (TCP, UDP, ICMP echo),
 * as ICMP errors quoting them, or as later fragments between their
 * addresses; everything else is "no-flow". TCP RST and FIN endings, idle
 * timeouts with injected time, a full table's eviction, malformed frames,
 * configuration errors, and the stateless filter's return path unchanged.
 */
#include "nf_testlib.h"

#include <errno.h>

#include "nfs/elements/ipfilter.h"

enum { DENIED, NOMATCH, NOT_IP, NO_FLOW, TRUNC, EV_NEW, EV_EST, RECLAIMED, SWEEPS };
enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10 };

#define S 1000000000ull
#define T0 (1000 * S)

static const uint32_t CLI = 0x0a010001, SRV = 0x0a020001, RTR = 0x0a0200fe; /* 10.1.0.1 ... */

/* The ToIO port a frame reached in direction dir at time now, or -1. */
static int vd(struct nf_pipeline *p, struct nf_pkt *k, enum nf_dir dir, uint64_t now)
{
    struct nf_pkt *one[1] = {k};
    struct nf_batch b = {.n = 1, .cap = 1, .pkts = one};
    nf_pipeline_clear_outputs(p);
    nf_pipeline_run_dir(p, 0, &b, now, dir);
    for (unsigned port = 0; port < 2; port++)
        if (nf_pipeline_output(p, port)->n)
            return (int)port;
    return -1;
}
#define FWD(p, k, now) vd(p, k, NF_DIR_FORWARD, now)
#define RET(p, k, now) vd(p, k, NF_DIR_RETURN, now)

static struct nf_pkt *tcp(struct tframes *t, uint32_t src, uint32_t dst, uint16_t sport,
                          uint16_t dport, uint8_t flags)
{
    struct nf_pkt *k = t_frame(t, NF_IPPROTO_TCP, src, dst, sport, dport, 64, 14 + 20 + 20);
    k->data[14 + 20 + 13] = flags;
    return k;
}

static struct nf_pkt *icmp(struct tframes *t, uint32_t src, uint32_t dst, uint8_t type,
                           uint16_t id)
{
    struct nf_pkt *k = t_frame(t, NF_IPPROTO_ICMP, src, dst, 0, 0, 64, 14 + 20 + 8 + 16);
    uint8_t *l4 = k->data + 34;
    l4[0] = type;
    l4[1] = 0;
    nf_put16(l4 + 4, id);
    return k;
}

/* An ICMP error from `from` to the quoted packet's source, quoting q's IP
 * header and its first 8 L4 bytes (RFC 792). */
static struct nf_pkt *icmp_err(struct tframes *t, uint32_t from, const struct nf_pkt *q,
                               uint8_t type, uint8_t code)
{
    const uint8_t *qip = q->data + 14;
    struct nf_pkt *k = t_frame(t, NF_IPPROTO_ICMP, from, nf_get32(qip + 12), 0, 0, 64,
                               14 + 20 + 8 + 28);
    uint8_t *l4 = k->data + 34;
    memset(l4, 0, 8);
    l4[0] = type;
    l4[1] = code;
    memcpy(l4 + 8, qip, 28);
    return k;
}

static struct nf_pipeline *fw(const char *extra)
{
    char text[512];
    snprintf(text, sizeof(text),
             "FromIO -> f :: IPFilter(STATEFUL%s, allow tcp dst port 80, allow udp dst port 53, "
             "allow icmp, deny all) -> ToIO",
             extra);
    return t_build(text);
}

static unsigned flows(struct nf_pipeline *p)
{
    return nf_ipfilter_flows(nf_pipeline_find(p, "f"));
}

START_TEST(test_reply_passes)
{
    struct nf_pipeline *p = fw("");
    struct tframes t = {0};
    ck_assert_uint_eq(flows(p), 0);
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    ck_assert_uint_eq(flows(p), 1);
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    ck_assert_uint_eq(flows(p), 1); /* refreshed, not doubled */
    /* the reply: its ports are the reverse of the forward ones, and no rule
     * (there is none allowing udp src port 53) is consulted */
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0 + S), 0);
    /* a TCP connection: SYN out, SYN-ACK, data both ways */
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40001, 80, SYN), T0), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40001, SYN | ACK), T0), 0);
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40001, 80, ACK), T0), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40001, PSH | ACK), T0), 0);
    ck_assert_uint_eq(flows(p), 2);
    /* ping: the echo reply with the request's identifier */
    ck_assert_int_eq(FWD(p, icmp(&t, CLI, SRV, 8, 77), T0), 0);
    ck_assert_int_eq(RET(p, icmp(&t, SRV, CLI, 0, 77), T0), 0);
    ck_assert_uint_eq(flows(p), 3);
    for (int r = 0; r <= SWEEPS; r++)
        ck_assert_uint_eq(t_drops(p, "f", r), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_no_flow_dropped)
{
    struct nf_pipeline *p = fw("");
    struct tframes t = {0};
    /* nothing sent yet: a "reply" has no flow */
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 1);
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    /* wrong port, wrong address, wrong protocol: no flow */
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40001), T0), -1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 54, 40000), T0), -1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV + 1, CLI, 53, 40000), T0), -1);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 53, 40000, ACK), T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 5);
    /* a denied forward frame opens nothing: its reply is refused too */
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 54), T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", DENIED), 1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 54, 40000), T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 6);
    /* pings from the far side and other protocols */
    ck_assert_int_eq(RET(p, icmp(&t, SRV, CLI, 8, 5), T0), -1);
    ck_assert_int_eq(RET(p, t_frame(&t, 47, SRV, CLI, 0, 0, 64, 64), T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 8);
    ck_assert_uint_eq(flows(p), 1);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_egress_syn_dropped)
{
    struct nf_pipeline *p = fw("");
    struct tframes t = {0};
    /* a connection opened from the far side towards an allowed port: the
     * rules allow "tcp dst port 80" forward, never on the return path */
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 40000, 80, SYN), T0), -1);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 40000, 22, SYN), T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 2);
    ck_assert_uint_eq(t_drops(p, "f", DENIED), 0);
    ck_assert_uint_eq(flows(p), 0);
    /* the same frame forward is allowed by the rules */
    ck_assert_int_eq(FWD(p, tcp(&t, SRV, CLI, 40000, 80, SYN), T0), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_icmp_related)
{
    struct nf_pipeline *p = fw("");
    struct tframes t = {0};
    struct nf_pkt *q = t_udp(&t, CLI, SRV, 40000, 53);
    uint8_t sent[64];
    memcpy(sent, q->data, 64);
    ck_assert_int_eq(FWD(p, q, T0), 0);
    struct tframes u = {0};
    struct nf_pkt *qs = t_udp(&u, CLI, SRV, 40000, 53);
    memcpy(qs->data, sent, 64);
    /* port unreachable from the server, time exceeded from a router: both
     * quote the allowed flow's packet */
    ck_assert_int_eq(RET(p, icmp_err(&t, SRV, qs, 3, 3), T0), 0);
    ck_assert_int_eq(RET(p, icmp_err(&t, RTR, qs, 11, 0), T0), 0);
    /* an error quoting another flow, or a quote someone else sent */
    struct nf_pkt *other = t_udp(&u, CLI, SRV, 40001, 53);
    ck_assert_int_eq(RET(p, icmp_err(&t, SRV, other, 3, 3), T0), -1);
    struct nf_pkt *spoof = icmp_err(&t, SRV, qs, 3, 3);
    nf_put32(spoof->data + 30, CLI + 1); /* outer destination: not the quote's source */
    ck_assert_int_eq(RET(p, spoof, T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 2);
    /* a cut-off quote cannot be matched: truncated */
    struct nf_pkt *cut = icmp_err(&t, SRV, qs, 3, 3);
    cut->len = 14 + 20 + 8 + 10;
    nf_put16(cut->data + 16, 20 + 8 + 10);
    ck_assert_int_eq(RET(p, cut, T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", TRUNC), 1);
    /* an error about an echo request we sent */
    struct nf_pkt *echo = icmp(&u, CLI, SRV, 8, 9);
    ck_assert_int_eq(FWD(p, icmp(&t, CLI, SRV, 8, 9), T0), 0);
    ck_assert_int_eq(RET(p, icmp_err(&t, RTR, echo, 11, 0), T0), 0);
    /* an error does not keep a flow alive: past the UDP timeout it is refused */
    ck_assert_int_eq(RET(p, icmp_err(&t, SRV, qs, 3, 3), T0 + 31 * S), -1);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_tcp_endings)
{
    struct nf_pipeline *p = fw("");
    struct tframes t = {0};
    /* RST from the far side: passes, and ends the connection: nothing but
     * RSTs (answers to segments in flight) passes after it, and those only
     * during the linger; later data from our side does not revive it */
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40000, 80, SYN), T0), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40000, RST | ACK), T0), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40000, ACK), T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 1);
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40000, 80, PSH | ACK), T0 + S), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40000, RST), T0 + 2 * S), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40000, PSH | ACK), T0 + 2 * S), -1);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40000, RST), T0 + 11 * S), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 3);
    ck_assert_uint_eq(flows(p), 0);
    /* RST from our side ends it too */
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40001, 80, SYN), T0), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40001, SYN | ACK), T0), 0);
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40001, 80, RST), T0), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40001, ACK), T0), -1);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40001, ACK), T0 + 11 * S), -1);
    ck_assert_uint_eq(flows(p), 0);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 5);
    /* a stray RST opens nothing */
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40002, 80, RST), T0), 0);
    ck_assert_uint_eq(flows(p), 0);
    /* FIN both ways: the last ACKs pass during the linger, not after it */
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40003, 80, SYN), T0), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40003, SYN | ACK), T0), 0);
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40003, 80, FIN | ACK), T0), 0);
    /* one FIN only: the established timeout still holds */
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40003, ACK), T0 + 100 * S), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40003, FIN | ACK), T0 + 100 * S), 0);
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40003, 80, ACK), T0 + 101 * S), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40003, FIN | ACK), T0 + 105 * S), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40003, ACK), T0 + 111 * S), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 6);
    /* and the tuple can be used again by a new connection */
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40003, 80, SYN), T0 + 112 * S), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40003, SYN | ACK), T0 + 200 * S), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_timeouts)
{
    struct nf_pipeline *p = fw("");
    struct tframes t = {0};
    /* UDP 30 s idle, refreshed by replies as well */
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0 + 29 * S), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0 + 58 * S), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0 + 89 * S), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 1);
    ck_assert_uint_eq(t_drops(p, "f", RECLAIMED), 1);
    ck_assert_uint_eq(flows(p), 0);
    /* TCP 300 s, ICMP 30 s */
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40000, 80, SYN), T0), 0);
    ck_assert_int_eq(FWD(p, icmp(&t, CLI, SRV, 8, 1), T0), 0);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40000, SYN | ACK), T0 + 299 * S), 0);
    ck_assert_int_eq(RET(p, icmp(&t, SRV, CLI, 0, 1), T0 + 31 * S), -1);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40000, ACK), T0 + 600 * S), -1);
    nf_pipeline_destroy(p);
    /* TIMEOUT sets all, the per-protocol keywords one */
    p = fw(", TIMEOUT 5, TCP_TIMEOUT 20");
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40000, 80, SYN), T0), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0 + 6 * S), -1);
    ck_assert_int_eq(RET(p, tcp(&t, SRV, CLI, 80, 40000, SYN | ACK), T0 + 19 * S), 0);
    nf_pipeline_destroy(p);
    /* an expired flow revived by a new forward frame is a new flow */
    p = fw(", UDP_TIMEOUT 2");
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0 + 10 * S), 0);
    ck_assert_uint_eq(t_drops(p, "f", RECLAIMED), 1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0 + 11 * S), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_table_full)
{
    struct nf_pipeline *p = fw(", MAXFLOWS 4");
    struct tframes t = {0};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, (uint16_t)(40000 + i), 53), T0 + (uint64_t)i),
                         0);
    /* flows 0 and 1 answered: established */
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0 + 10), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40001), T0 + 11), 0);
    ck_assert_uint_eq(flows(p), 4);
    /* a fifth: the least recently seen unreplied flow (40002) makes room */
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40004, 53), T0 + 20), 0);
    ck_assert_uint_eq(flows(p), 4);
    ck_assert_uint_eq(t_drops(p, "f", EV_NEW), 1);
    ck_assert_uint_eq(t_drops(p, "f", SWEEPS), 1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40002), T0 + 21), -1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0 + 22), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40001), T0 + 23), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40003), T0 + 24), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40004), T0 + 25), 0);
    /* all established now: the least recently seen of them (40000) goes */
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40005, 53), T0 + 30), 0);
    ck_assert_uint_eq(t_drops(p, "f", EV_EST), 1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0 + 31), -1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40005), T0 + 32), 0);
    /* the events are not packet drops */
    ck_assert_uint_eq(nf_pipeline_drops(p), t_drops(p, "f", NO_FLOW));
    /* a flood never grows it; expired flows are reclaimed first */
    for (int i = 0; i < 1000; i++) {
        struct tframes u;
        u.n = 0;
        ck_assert_int_eq(FWD(p, t_udp(&u, CLI, SRV + (uint32_t)i, 1, 53), T0 + 40), 0);
        ck_assert_uint_le(flows(p), 4);
    }
    ck_assert_uint_eq(flows(p), 4);
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 50000, 53), T0 + 100 * S), 0);
    ck_assert_uint_ge(t_drops(p, "f", RECLAIMED), 1);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_malformed_return)
{
    struct nf_pipeline *p = fw("");
    struct tframes t = {0};
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    ck_assert_int_eq(FWD(p, tcp(&t, CLI, SRV, 40000, 80, SYN), T0), 0);
    struct nf_pkt *k = t_udp(&t, SRV, CLI, 53, 40000);
    k->data[13] = 6; /* ARP */
    ck_assert_int_eq(RET(p, k, T0), -1);
    k = t_udp(&t, SRV, CLI, 53, 40000);
    k->data[14] = 0x4f; /* IHL past the frame */
    ck_assert_int_eq(RET(p, k, T0), -1);
    k = t_udp(&t, SRV, CLI, 53, 40000);
    k->len = 33;
    ck_assert_int_eq(RET(p, k, T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", NOT_IP), 3);
    /* L4 headers cut short (by the frame, or by the IP total length) */
    k = t_udp(&t, SRV, CLI, 53, 40000);
    k->len = 14 + 20 + 6;
    ck_assert_int_eq(RET(p, k, T0), -1);
    k = tcp(&t, SRV, CLI, 80, 40000, SYN | ACK);
    nf_put16(k->data + 16, 20 + 12);
    ck_assert_int_eq(RET(p, k, T0), -1);
    ck_assert_uint_eq(t_drops(p, "f", TRUNC), 2);
    /* forward, a cut-off header passes by the rules but opens no flow */
    ck_assert_uint_eq(flows(p), 2);
    k = t_udp(&t, CLI, SRV + 5, 40000, 53);
    k->len = 14 + 20 + 6;
    nf_put16(k->data + 16, 20 + 6);
    ck_assert_int_eq(FWD(p, k, T0), 0);
    ck_assert_uint_eq(flows(p), 2);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_fragments)
{
    struct nf_pipeline *p = fw("");
    struct tframes t = {0};
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    /* the reply's first fragment is matched by ports, later ones by address */
    struct nf_pkt *k = t_udp(&t, SRV, CLI, 53, 40000);
    nf_put16(k->data + 20, 0x2000); /* MF */
    ck_assert_int_eq(RET(p, k, T0), 0);
    k = t_udp(&t, SRV, CLI, 1234, 5678); /* bytes of the payload, not ports */
    nf_put16(k->data + 20, 0x0004);
    ck_assert_int_eq(RET(p, k, T0), 0);
    /* a later fragment from another address, or of another protocol */
    k = t_udp(&t, SRV + 1, CLI, 53, 40000);
    nf_put16(k->data + 20, 0x0004);
    ck_assert_int_eq(RET(p, k, T0), -1);
    k = tcp(&t, SRV, CLI, 53, 40000, ACK);
    nf_put16(k->data + 20, 0x0004);
    ck_assert_int_eq(RET(p, k, T0), -1);
    /* and none once the flow has expired */
    k = t_udp(&t, SRV, CLI, 1, 2);
    nf_put16(k->data + 20, 0x0004);
    ck_assert_int_eq(RET(p, k, T0 + 31 * S), -1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 3);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_config)
{
    static const char *const bad[] = {
        "FromIO -> IPFilter(TIMEOUT 5, allow all) -> ToIO",      /* without STATEFUL */
        "FromIO -> IPFilter(STATEFUL, MAXFLOWS 0, allow all) -> ToIO",
        "FromIO -> IPFilter(STATEFUL, MAXFLOWS 2000000, allow all) -> ToIO",
        "FromIO -> IPFilter(STATEFUL, TIMEOUT x, allow all) -> ToIO",
        "FromIO -> IPFilter(STATEFUL, TIMEOUT, allow all) -> ToIO",
        "FromIO -> IPFilter(STATEFUL yes, allow all) -> ToIO",
        "FromIO -> IPFilter(STATEFUL) -> ToIO",                  /* no rule */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct nf_pipeline *p = NULL;
        char err[256] = "";
        ck_assert_msg(nf_pipeline_build(bad[i], NULL, &p, err, sizeof(err)) == -EINVAL,
                      "'%s' built", bad[i]);
        ck_assert_ptr_null(p);
        ck_assert_msg(strstr(err, "IPFilter") != NULL, "%s: %s", bad[i], err);
    }
    /* keywords may stand anywhere; rule numbers in errors skip them */
    struct nf_pipeline *p = NULL;
    char err[256] = "";
    ck_assert_int_eq(nf_pipeline_build("FromIO -> IPFilter(allow udp, STATEFUL, bogus all) -> "
                                       "ToIO", NULL, &p, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "rule 2") != NULL, "%s", err);
    p = t_build("FromIO -> f :: IPFilter(allow udp, MAXFLOWS 8, STATEFUL) -> ToIO");
    ck_assert_uint_eq(flows(p), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_other_outputs)
{
    /* a frame a rule sends to output 1 (here an unreachable for a refused
     * port) opens no flow: only output 0 continues along the chain */
    struct nf_pipeline *p = t_build("f :: IPFilter(STATEFUL, allow udp dst port 53, 1 udp, "
                                    "deny all); FromIO -> f -> ToIO; f[1] -> ToIO(1)");
    struct tframes t = {0};
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 54), T0), 1);
    ck_assert_uint_eq(flows(p), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 54, 40000), T0), -1);
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    ck_assert_uint_eq(flows(p), 1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_stateless_return)
{
    /* without STATEFUL the return path is filtered by the rules, as before */
    struct nf_pipeline *p = t_build("FromIO -> f :: IPFilter(allow udp dst port 53, "
                                    "deny all) -> ToIO");
    struct tframes t = {0};
    ck_assert_int_eq(FWD(p, t_udp(&t, CLI, SRV, 40000, 53), T0), 0);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 53, 40000), T0), -1);
    ck_assert_int_eq(RET(p, t_udp(&t, SRV, CLI, 40000, 53), T0), 0);
    ck_assert_uint_eq(t_drops(p, "f", DENIED), 1);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 0);
    nf_pipeline_destroy(p);
}
END_TEST

START_TEST(test_batch_mixed)
{
    /* one batch, several flows and strays: each frame judged on its own */
    struct nf_pipeline *p = fw("");
    struct tframes t = {0};
    for (int i = 0; i < 16; i++)
        t_udp(&t, CLI, SRV, (uint16_t)(40000 + i), 53);
    ck_assert_uint_eq(t_run(p, &t, T0)->n, 16);
    t.n = 0;
    for (int i = 0; i < 32; i++)
        t_udp(&t, SRV, CLI, 53, (uint16_t)(40000 + i));
    nf_pipeline_clear_outputs(p);
    t.b = (struct nf_batch){.n = (uint32_t)t.n, .cap = T_MAXPKT, .pkts = t.ptr};
    nf_pipeline_run_dir(p, 0, &t.b, T0, NF_DIR_RETURN);
    struct nf_batch *o = nf_pipeline_output(p, 0);
    ck_assert_uint_eq(o->n, 16);
    for (uint32_t i = 0; i < o->n; i++)
        ck_assert_uint_lt(nf_get16(o->pkts[i]->data + 36), 40016);
    ck_assert_uint_eq(t_drops(p, "f", NO_FLOW), 16);
    nf_pipeline_destroy(p);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ipfilter_state");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_reply_passes);
    tcase_add_test(tc, test_no_flow_dropped);
    tcase_add_test(tc, test_egress_syn_dropped);
    tcase_add_test(tc, test_icmp_related);
    tcase_add_test(tc, test_tcp_endings);
    tcase_add_test(tc, test_timeouts);
    tcase_add_test(tc, test_table_full);
    tcase_add_test(tc, test_malformed_return);
    tcase_add_test(tc, test_fragments);
    tcase_add_test(tc, test_config);
    tcase_add_test(tc, test_other_outputs);
    tcase_add_test(tc, test_stateless_return);
    tcase_add_test(tc, test_batch_mixed);
    suite_add_tcase(s, tc);
    return s;
}

T_MAIN(suite)
