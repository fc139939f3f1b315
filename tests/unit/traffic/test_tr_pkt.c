/*
 * test_tr_pkt — test frames: build/parse round trip at every size class
 * and many flows; IP and UDP checksums checked by an independent
 * straightforward RFC 1071 implementation here and by tr_pkt_verify; a
 * flipped bit is caught; foreign and short frames are rejected; the 48-bit
 * send time is restored across a wrap.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/traffic/tr_pkt.h"

/* Reference: RFC 1071 section 4.1, word by word. */
static uint16_t ref_csum(const uint8_t *p, size_t n, uint32_t sum)
{
    while (n > 1) {
        sum += (uint32_t)(p[0] << 8 | p[1]);
        p += 2;
        n -= 2;
    }
    if (n)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void check_checksums(const uint8_t *f, unsigned len)
{
    const uint8_t *ip = f + 14, *udp = ip + 20;
    ck_assert_uint_eq(ref_csum(ip, 20, 0), 0); /* header incl. checksum sums to 0xffff */
    unsigned ul = (unsigned)(udp[4] << 8 | udp[5]);
    ck_assert_uint_eq(ul, len - 34);
    uint32_t pseudo = 0;
    for (int i = 12; i < 20; i += 2)
        pseudo += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    pseudo += 17 + ul;
    ck_assert_uint_eq(ref_csum(udp, ul, pseudo), 0);
}

START_TEST(round_trip)
{
    struct tr_pkt_cfg c;
    tr_pkt_cfg_default(&c);
    static uint8_t buf[TR_MAX_FRAME];
    static const unsigned lens[] = {60, 61, 86, 116, 590, 1000, 1513, 1514};
    for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
        for (uint32_t flow = 0; flow < 600; flow += 37) {
            memset(buf, 0xee, sizeof(buf));
            struct tr_pkt_meta m = {.flow = flow, .seq = 0xfffffff0u + flow, .tx_ns = 123456789012345ull,
                                    .sched_ns = 123456789000000ull, .ip_id = 7};
            ck_assert_int_eq(tr_pkt_build(buf, sizeof(buf), &c, &m, lens[li]), 0);
            check_checksums(buf, lens[li]);
            ck_assert_int_eq(tr_pkt_verify(buf, lens[li]), 0);
            struct tr_pkt_info in;
            ck_assert_int_eq(tr_pkt_parse(buf, lens[li], 123456789999999ull, &in), 0);
            ck_assert_uint_eq(in.flow, flow);
            ck_assert_uint_eq(in.seq, m.seq);
            ck_assert_uint_eq(in.tx_ns, m.tx_ns);
            ck_assert_uint_eq(in.sched_ns, m.sched_ns);
            ck_assert_uint_eq(in.src_ip, 0x0a000001u + flow % 254);
            ck_assert_uint_eq(in.dst_ip, 0x0a000102u);
            ck_assert_uint_eq(in.src_port, 10000 + flow);
            ck_assert_uint_eq(in.dst_port, 9000);
            ck_assert_uint_eq(in.ttl, 64);
            /* Ethernet: dst, src, type */
            ck_assert_uint_eq(buf[5], 0x02);
            ck_assert_uint_eq(buf[11], 0x01);
            ck_assert_uint_eq(buf[12], 0x08);
            /* padding is zero */
            for (unsigned k = TR_MIN_FRAME; k < lens[li]; k++)
                ck_assert_uint_eq(buf[k], 0);
        }
    }
}
END_TEST

START_TEST(corruption_caught)
{
    struct tr_pkt_cfg c;
    tr_pkt_cfg_default(&c);
    uint8_t buf[200];
    struct tr_pkt_meta m = {.flow = 3, .seq = 9, .tx_ns = 1000, .sched_ns = 1000};
    ck_assert_int_eq(tr_pkt_build(buf, sizeof(buf), &c, &m, 200), 0);
    for (unsigned byte = 14; byte < 200; byte += 13) {
        if (byte >= 14 + 20 + 6 && byte < 14 + 20 + 8)
            continue; /* flipping the UDP checksum field itself may give 0 = none */
        buf[byte] ^= 0x10;
        ck_assert_msg(tr_pkt_verify(buf, 200) != 0, "flip at %u not caught", byte);
        buf[byte] ^= 0x10;
    }
    ck_assert_int_eq(tr_pkt_verify(buf, 200), 0);
}
END_TEST

START_TEST(foreign_and_short)
{
    struct tr_pkt_cfg c;
    tr_pkt_cfg_default(&c);
    uint8_t buf[100];
    struct tr_pkt_meta m = {0};
    struct tr_pkt_info in;
    ck_assert_int_eq(tr_pkt_build(buf, sizeof(buf), &c, &m, 60), 0);
    ck_assert_int_eq(tr_pkt_parse(buf, 59, 0, &in), -EMSGSIZE); /* cut */
    ck_assert_int_eq(tr_pkt_parse(buf, 20, 0, &in), -EMSGSIZE);
    buf[42] ^= 1; /* magic */
    ck_assert_int_eq(tr_pkt_parse(buf, 60, 0, &in), -EPROTO);
    buf[42] ^= 1;
    buf[23] = 6; /* TCP */
    ck_assert_int_eq(tr_pkt_parse(buf, 60, 0, &in), -EPROTO);
    buf[23] = 17;
    buf[12] = 0x86, buf[13] = 0xdd; /* IPv6 ethertype */
    ck_assert_int_eq(tr_pkt_parse(buf, 60, 0, &in), -EPROTO);
    /* bad build arguments */
    ck_assert_int_eq(tr_pkt_build(buf, sizeof(buf), &c, &m, 59), -EINVAL);
    ck_assert_int_eq(tr_pkt_build(buf, sizeof(buf), &c, &m, 101), -EINVAL);
    m.flow = 60000; /* 10000 + 60000 > 65535 */
    ck_assert_int_eq(tr_pkt_build(buf, sizeof(buf), &c, &m, 60), -EINVAL);
}
END_TEST

START_TEST(timestamp_wrap_and_lag)
{
    struct tr_pkt_cfg c;
    tr_pkt_cfg_default(&c);
    uint8_t buf[60];
    struct tr_pkt_info in;
    /* sent just before a 2^48 boundary, received just after */
    uint64_t tx = (3ull << 48) - 500;
    struct tr_pkt_meta m = {.tx_ns = tx, .sched_ns = tx - 77};
    ck_assert_int_eq(tr_pkt_build(buf, sizeof(buf), &c, &m, 60), 0);
    ck_assert_int_eq(tr_pkt_parse(buf, 60, (3ull << 48) + 1000, &in), 0);
    ck_assert_uint_eq(in.tx_ns, tx);
    ck_assert_uint_eq(in.sched_ns, tx - 77);
    /* a lag over 2^32 ns saturates */
    m.sched_ns = tx - (10ull << 32);
    ck_assert_int_eq(tr_pkt_build(buf, sizeof(buf), &c, &m, 60), 0);
    ck_assert_int_eq(tr_pkt_parse(buf, 60, tx + 10, &in), 0);
    ck_assert_uint_eq(in.tx_ns - in.sched_ns, UINT32_MAX);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tr_pkt");
    TCase *tc = tcase_create("pkt");
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, corruption_caught);
    tcase_add_test(tc, foreign_and_short);
    tcase_add_test(tc, timestamp_wrap_and_lag);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
