/*
 * test_tr_sink — receive bookkeeping on crafted frame sequences: loss from
 * gaps, duplicates, reordering (per flow), warm-up, foreign frames,
 * latency from send and from schedule, the per-second series, reset;
 * frames received "before" they were sent (clocks that disagree) are
 * counted and kept out of the histograms; no latency when told the clocks
 * are not comparable; the counting (window-open) flag.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bench/traffic/tr_pkt.h"
#include "bench/traffic/tr_sink.h"

static struct tr_pkt_cfg cfg;
static uint8_t frame[64];

static void feed(struct tr_sink *s, uint32_t flow, uint32_t seq, uint64_t tx, uint64_t sched,
                 uint64_t rx)
{
    struct tr_pkt_meta m = {.flow = flow, .seq = seq, .tx_ns = tx, .sched_ns = sched};
    ck_assert_int_eq(tr_pkt_build(frame, sizeof(frame), &cfg, &m, 60), 0);
    ck_assert(tr_sink_account(s, frame, 60, rx));
}

START_TEST(loss_dup_reorder)
{
    tr_pkt_cfg_default(&cfg);
    struct tr_sink_opts o = {0};
    struct tr_sink *s = tr_sink_create(&o);
    uint64_t t = 1000000000;
    /* flow 0: 0 1 2 4 3 5 5 9  -> lost 6,7,8 = 3; dup 1; reordered 1 (3) */
    static const uint32_t f0[] = {0, 1, 2, 4, 3, 5, 5, 9};
    for (size_t i = 0; i < sizeof(f0) / sizeof(f0[0]); i++, t += 1000)
        feed(s, 0, f0[i], t - 500, t - 600, t);
    /* flow 1: 100..199 all, in order */
    for (uint32_t q = 100; q < 200; q++, t += 1000)
        feed(s, 1, q, t - 2000, t - 2000, t);
    /* flow 1 again: a duplicate from long ago (within the window) */
    feed(s, 1, 150, t - 2000, t - 2000, t);
    /* a foreign frame */
    uint8_t junk[60] = {0};
    ck_assert(!tr_sink_account(s, junk, 60, t));
    ck_assert(!tr_sink_account(s, junk, 10, t));
    struct tr_sink_counts n;
    tr_sink_counts(s, &n);
    ck_assert_uint_eq(n.rx, 8 + 100 + 1);
    ck_assert_uint_eq(n.lost, 3);
    ck_assert_uint_eq(n.duplicates, 2);
    ck_assert_uint_eq(n.reordered, 1);
    ck_assert_uint_eq(n.flows, 2);
    ck_assert_uint_eq(n.foreign, 2);
    ck_assert_uint_eq(n.rx_bytes, 60 * n.rx);
    ck_assert_uint_eq(n.bad_checksum, 0);
    /* a frame of ours with a broken IP checksum is counted, and flagged */
    struct tr_pkt_meta m = {.flow = 9, .seq = 0, .tx_ns = t, .sched_ns = t};
    ck_assert_int_eq(tr_pkt_build(frame, sizeof(frame), &cfg, &m, 60), 0);
    frame[14 + 8]--; /* TTL changed without the RFC 1624 update */
    ck_assert(tr_sink_account(s, frame, 60, t + 1000));
    tr_sink_counts(s, &n);
    ck_assert_uint_eq(n.bad_checksum, 1);
    ck_assert_uint_eq(n.flows, 3);
    /* latency: 500 ns from send for flow 0's 8, 2000 for the rest */
    const struct tr_hist *ls = tr_sink_lat_send(s), *lc = tr_sink_lat_sched(s);
    ck_assert_uint_eq(tr_hist_min(ls), 500);
    ck_assert_uint_eq(tr_hist_max(ls), 2000);
    ck_assert_uint_eq(tr_hist_min(lc), 600);
    ck_assert_uint_eq(tr_hist_percentile(ls, 50), 2000);

    tr_sink_reset(s);
    tr_sink_counts(s, &n);
    ck_assert_uint_eq(n.rx, 0);
    ck_assert_uint_eq(n.flows, 0);
    ck_assert_uint_eq(tr_hist_count(tr_sink_lat_send(s)), 0);
    feed(s, 0, 7, t, t, t + 10);
    tr_sink_counts(s, &n);
    ck_assert_uint_eq(n.rx, 1);
    ck_assert_uint_eq(n.lost, 0);
    tr_sink_destroy(s);
}
END_TEST

START_TEST(reorder_beyond_window_and_gap_jump)
{
    tr_pkt_cfg_default(&cfg);
    struct tr_sink_opts o = {0};
    struct tr_sink *s = tr_sink_create(&o);
    uint64_t t = 5000;
    feed(s, 2, 0, t, t, t);
    feed(s, 2, 5000, t, t, t); /* jump: window cleared */
    feed(s, 2, 4999, t, t, t); /* late, inside window */
    feed(s, 2, 10, t, t, t);   /* late, beyond the window: counted as reordered */
    struct tr_sink_counts n;
    tr_sink_counts(s, &n);
    ck_assert_uint_eq(n.reordered, 2);
    ck_assert_uint_eq(n.duplicates, 0);
    ck_assert_uint_eq(n.lost, 5001 - 4);
    tr_sink_destroy(s);
}
END_TEST

START_TEST(warmup_and_series)
{
    tr_pkt_cfg_default(&cfg);
    struct tr_sink_opts o = {.warmup_ns = 500000000, .series = true};
    struct tr_sink *s = tr_sink_create(&o);
    uint64_t t0 = 10000000000ull;
    /* 1000 frames per second for 3 s, 1 ms apart; the first 0.5 s is warm-up */
    for (uint32_t i = 0; i < 3000; i++) {
        uint64_t rx = t0 + (uint64_t)i * 1000000;
        feed(s, 0, i, rx - 10000, rx - 10000, rx);
    }
    tr_sink_finish(s);
    struct tr_sink_counts n;
    tr_sink_counts(s, &n);
    ck_assert_uint_eq(n.warmup, 500);
    ck_assert_uint_eq(n.rx, 2500);
    ck_assert_uint_eq(n.lost, 0); /* sequence tracking starts after warm-up */
    unsigned ns;
    const struct tr_sink_second *ser = tr_sink_series(s, &ns);
    ck_assert_uint_eq(ns, 3);
    ck_assert_uint_eq(ser[0].rx, 1000);
    ck_assert_uint_eq(ser[1].rx, 1000);
    ck_assert_uint_eq(ser[2].rx, 500);
    ck_assert_uint_eq(ser[0].t, 0);
    ck_assert_uint_eq(ser[2].t, 2);
    ck_assert_uint_eq(ser[1].p50_ns, 10000);
    tr_sink_destroy(s);
    tr_sink_destroy(NULL);
}
END_TEST

START_TEST(negative_latency_excluded)
{
    tr_pkt_cfg_default(&cfg);
    struct tr_sink_opts o = {0};
    struct tr_sink *s = tr_sink_create(&o);
    uint64_t t = 2000000000ull;
    /* 10 frames 40 us after they were sent, 5 "received" 1 ms before */
    for (uint32_t i = 0; i < 10; i++)
        feed(s, 0, i, t, t, t + 40000);
    for (uint32_t i = 10; i < 15; i++)
        feed(s, 0, i, t + 1000000, t + 1000000, t);
    struct tr_sink_counts n;
    tr_sink_counts(s, &n);
    ck_assert_uint_eq(n.rx, 15);      /* still received and sequence-tracked */
    ck_assert_uint_eq(n.lost, 0);
    ck_assert_uint_eq(n.latency_negative, 5);
    /* not recorded as 0: min and p1 stay at the real 40 us */
    ck_assert_uint_eq(tr_hist_count(tr_sink_lat_send(s)), 10);
    ck_assert_uint_eq(tr_hist_count(tr_sink_lat_sched(s)), 10);
    ck_assert_uint_eq(tr_hist_min(tr_sink_lat_send(s)), 40000);
    ck_assert_uint_eq(tr_hist_percentile(tr_sink_lat_send(s), 1), 40000);
    tr_sink_destroy(s);
}
END_TEST

START_TEST(no_latency_and_counting)
{
    tr_pkt_cfg_default(&cfg);
    struct tr_sink_opts o = {.warmup_ns = 1000, .no_latency = true};
    struct tr_sink *s = tr_sink_create(&o);
    uint64_t t = 3000000000ull;
    ck_assert(!tr_sink_counting(s));
    feed(s, 0, 0, t - 500, t - 500, t);            /* warm-up */
    ck_assert(!tr_sink_counting(s));
    feed(s, 0, 1, t - 500, t - 500, t + 2000);     /* counted: the window opens */
    ck_assert(tr_sink_counting(s));
    feed(s, 0, 2, t + 9000, t + 9000, t + 3000);   /* "negative", but not measured */
    struct tr_sink_counts n;
    tr_sink_counts(s, &n);
    ck_assert_uint_eq(n.rx, 2);
    ck_assert_uint_eq(n.warmup, 1);
    ck_assert_uint_eq(n.first_ns, t + 2000);
    ck_assert_uint_eq(n.last_ns, t + 3000);
    ck_assert_uint_eq(n.latency_negative, 0);
    ck_assert_uint_eq(tr_hist_count(tr_sink_lat_send(s)), 0);
    ck_assert_uint_eq(tr_hist_count(tr_sink_lat_sched(s)), 0);
    tr_sink_reset(s);
    ck_assert(!tr_sink_counting(s));
    tr_sink_destroy(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tr_sink");
    TCase *tc = tcase_create("sink");
    tcase_add_test(tc, loss_dup_reorder);
    tcase_add_test(tc, reorder_beyond_window_and_gap_jump);
    tcase_add_test(tc, warmup_and_series);
    tcase_add_test(tc, negative_latency_excluded);
    tcase_add_test(tc, no_latency_and_counting);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
