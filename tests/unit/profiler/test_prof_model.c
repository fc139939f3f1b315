/* profiler: the latency model driven by recorded counter fixtures
 * (tests/fixtures/profiler/), every figure computed by hand below from the
 * fixture's counts and its calibration:
 *   L1 1 ns, L2 4, L3 20, DRAM 100; tlb.stlb_hit 8, tlb.walk 30, walk_dram
 *   unavailable; ctxsw other 2000, batch 1500, rr 1800, fifo unavailable;
 *   syscalls getppid 100, recvmmsg 400, sendmmsg 1000. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prof_fixture.h"
#include "profiler/prof_model.h"

#define NEAR(a, b)                                                                        \
    ck_assert_msg(fabs((double)(a) - (double)(b)) < 1e-6 * (1 + fabs((double)(b))),           \
                  "%s = %.9g, want %.9g", #a, (double)(a), (double)(b))
#define BIT(k) (1u << (k))

static struct fixture fx;

static struct prof_model *model(const char *file)
{
    fixture_load(&fx, file);
    struct prof_model *m = prof_model_new(fx.in, fx.n, &fx.cal);
    ck_assert_ptr_nonnull(m);
    return m;
}

static void term(const struct prof_nf_result *r, enum prof_term k, double ev_per_pkt, double cost,
                 double ns)
{
    const struct prof_term_val *t = &r->term[k];
    ck_assert_msg(t->available, "%s %s unavailable: %s", r->name, prof_term_names[k], t->reason);
    NEAR(t->events_per_pkt, ev_per_pkt);
    NEAR(t->cost_ns, cost);
    NEAR(t->ns_per_pkt, ns);
}

static void lacks(const struct prof_nf_result *r, enum prof_term k, const char *reason_part)
{
    const struct prof_term_val *t = &r->term[k];
    ck_assert_msg(!t->available, "%s %s available", r->name, prof_term_names[k]);
    ck_assert(r->lacking & BIT(k));
    ck_assert_msg(strstr(t->reason, reason_part), "%s %s: \"%s\" lacks \"%s\"", r->name,
                  prof_term_names[k], t->reason, reason_part);
    ck_assert_double_eq(t->ns_per_pkt, 0);
}

static void fig(const struct prof_figure *f, double v)
{
    ck_assert_msg(f->available, "unavailable: %s", f->reason);
    NEAR(f->v, v);
}

START_TEST(intel_two_nfs_on_one_core)
{
    struct prof_model *m = model("intel.json");
    ck_assert_uint_eq(prof_model_nnfs(m), 2);
    const struct prof_nf_result *fw = prof_model_nf(m, 0), *rt = prof_model_nf(m, 1);
    ck_assert_str_eq(fw->name, "fw");
    /* fw, 100000 packets: L1 20e6 → 200/pkt × 1 ns; L2 1e6 → 10 × 4; L3 2e5 → 2 × 20;
     * L3_MISS 5e4 → 0.5 × 100; STLB hits 8e4 + 2e4 → 1 × 8; walks 8e3 + 2e3 → 0.1 × 30;
     * 150000 switches → 1.5 × 2000; 1e5 recvmmsg × 400 + 1e5 sendmmsg × 1000 → 2/pkt at
     * 700 ns = 1400 */
    term(fw, PROF_TERM_D1, 200, 1, 200);
    term(fw, PROF_TERM_D2, 10, 4, 40);
    term(fw, PROF_TERM_D3, 2, 20, 40);
    term(fw, PROF_TERM_DM, 0.5, 100, 50);
    term(fw, PROF_TERM_T1, 1, 8, 8);
    term(fw, PROF_TERM_T2, 0.1, 30, 3);
    lacks(fw, PROF_TERM_TM, "no Intel event says where a page walk");
    term(fw, PROF_TERM_CS, 1.5, 2000, 3000);
    term(fw, PROF_TERM_SC, 2, 700, 1400);
    ck_assert_str_eq(fw->term[PROF_TERM_SC].reason, "");
    NEAR(fw->total_ns_per_pkt, 4741);
    ck_assert_uint_eq(fw->lacking, BIT(PROF_TERM_TM));
    NEAR(fw->counted_ratio, 1);
    ck_assert(!fw->term[PROF_TERM_D1].scaled);
    /* schedstat: run 5e8, wait 4.1e8, window 1e9 → blocked 9e7 */
    fig(&fw->run_ns_per_pkt, 5000);
    fig(&fw->wait_ns_per_pkt, 4100);
    fig(&fw->blocked_ns_per_pkt, 900);
    fig(&fw->user_ns_per_pkt, 1500);
    fig(&fw->sys_ns_per_pkt, 3500);
    fig(&fw->wait_over_run, 0.82);
    fig(&fw->contention_over_run, 50000.0 * 2000 / 5e8); /* 0.2 */
    fig(&fw->switches_per_pkt, 1.5);
    fig(&fw->invol_per_pkt, 0.5);
    fig(&fw->syscalls_per_pkt, 2);

    /* rt: 100 + 20 + 20 + 10 + 4 + 1.5 + 2000 + 1400 */
    term(rt, PROF_TERM_D1, 100, 1, 100);
    term(rt, PROF_TERM_DM, 0.1, 100, 10);
    term(rt, PROF_TERM_T1, 0.5, 8, 4);
    term(rt, PROF_TERM_T2, 0.05, 30, 1.5);
    NEAR(rt->total_ns_per_pkt, 3555.5);
    fig(&rt->blocked_ns_per_pkt, 5000);
    fig(&rt->wait_over_run, 0.25);
    fig(&rt->contention_over_run, 0.05);

    /* the chain: per-packet terms summed, ratios from the sums */
    const struct prof_nf_result *c = prof_model_chain(m);
    ck_assert_str_eq(c->name, "chain");
    term(c, PROF_TERM_D1, 300, 1, 300);
    term(c, PROF_TERM_T2, 0.15, 30, 4.5);
    term(c, PROF_TERM_CS, 2.5, 2000, 5000);
    term(c, PROF_TERM_SC, 4, 700, 2800);
    lacks(c, PROF_TERM_TM, "fw: no Intel event");
    NEAR(c->total_ns_per_pkt, 4741 + 3555.5);
    ck_assert_uint_eq(c->lacking, BIT(PROF_TERM_TM));
    fig(&c->wait_over_run, 5.1e8 / 9e8);
    fig(&c->contention_over_run, (1e8 + 2e7) / 9e8);
    fig(&c->wait_ns_per_pkt, 5100);
    char buf[64];
    prof_model_lacking_str(c->lacking, buf, sizeof(buf));
    ck_assert_str_eq(buf, "L_TM");
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

START_TEST(amd_l1_hits_from_dispatch_minus_fills)
{
    struct prof_model *m = model("amd.json");
    const struct prof_nf_result *r = prof_model_nf(m, 0);
    /* 200000 packets. L1 hits = 50e6 dispatched − (2e6 + 4e5 + 0 + 1e5) fills = 47.5e6 */
    term(r, PROF_TERM_D1, 237.5, 1, 237.5);
    term(r, PROF_TERM_D2, 10, 4, 40);
    term(r, PROF_TERM_D3, 2, 20, 40); /* local CCX 4e5 + other CCX 0 */
    term(r, PROF_TERM_DM, 0.5, 100, 50);
    term(r, PROF_TERM_T1, 1, 8, 8);
    term(r, PROF_TERM_T2, 0.1, 30, 3);
    lacks(r, PROF_TERM_TM, "no AMD event says where a page walk");
    /* context-switches refused: /proc's 150000 + 50000 at the batch cost */
    term(r, PROF_TERM_CS, 1, 1500, 1500);
    ck_assert_ptr_nonnull(strstr(r->term[PROF_TERM_CS].reason, "from /proc/PID/status"));
    ck_assert_ptr_nonnull(strstr(r->term[PROF_TERM_CS].reason, "perf_event_paranoid"));
    /* 2e4 × 400 + 2e4 × 1000 + 2e4 poll × 100 (getppid cost) = 3e7 ns over 6e4 calls */
    term(r, PROF_TERM_SC, 0.3, 500, 150);
    ck_assert_ptr_nonnull(strstr(r->term[PROF_TERM_SC].reason, "20000 calls other than"));
    NEAR(r->total_ns_per_pkt, 2028.5);
    ck_assert_uint_eq(r->lacking, BIT(PROF_TERM_TM));
    fig(&r->wait_ns_per_pkt, 0);
    fig(&r->blocked_ns_per_pkt, 2000);
    fig(&r->wait_over_run, 0);
    fig(&r->contention_over_run, 0.125);
    fig(&r->switches_per_pkt, 1);
    fig(&r->syscalls_per_pkt, 0.3);
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

/* No PMU: hardware terms unavailable with the open's reason (never 0);
 * switches, system calls and schedstat are real. */
START_TEST(nopmu_hardware_unavailable_with_reason)
{
    struct prof_model *m = model("nopmu.json");
    const struct prof_nf_result *fw = prof_model_nf(m, 0), *rt = prof_model_nf(m, 1);
    lacks(fw, PROF_TERM_D1, "LS_DISPATCH:LD_DISPATCH: not supported here (No such file");
    lacks(fw, PROF_TERM_D2, "LCL_L2: not supported here");
    lacks(fw, PROF_TERM_DM, "not supported here");
    lacks(fw, PROF_TERM_T1, "not supported here");
    lacks(fw, PROF_TERM_T2, "not supported here");
    term(fw, PROF_TERM_CS, 2, 2000, 4000);
    term(fw, PROF_TERM_SC, 2, 700, 1400);
    ck_assert_ptr_nonnull(strstr(fw->term[PROF_TERM_SC].reason, "not counted: epoll_wait"));
    NEAR(fw->total_ns_per_pkt, 5400);
    ck_assert_uint_eq(fw->lacking, BIT(PROF_TERM_D1) | BIT(PROF_TERM_D2) | BIT(PROF_TERM_D3) |
                                       BIT(PROF_TERM_DM) | BIT(PROF_TERM_T1) | BIT(PROF_TERM_T2) |
                                       BIT(PROF_TERM_TM));
    fig(&fw->wait_ns_per_pkt, 4200);
    fig(&fw->blocked_ns_per_pkt, 9800);
    fig(&fw->wait_over_run, 0.7);
    ck_assert(!fw->user_ns_per_pkt.available);
    ck_assert_ptr_nonnull(strstr(fw->user_ns_per_pkt.reason, "no user/system split"));

    /* rt: no table at all, tracefs not mounted, RR cost 1800 */
    for (int k = PROF_TERM_D1; k <= PROF_TERM_TM; k++)
        lacks(rt, (enum prof_term)k, "hardware events: libpfm4 knows no core PMU");
    term(rt, PROF_TERM_CS, 1, 1800, 1800);
    lacks(rt, PROF_TERM_SC, "tracefs is not mounted");
    ck_assert(!rt->syscalls_per_pkt.available);
    NEAR(rt->total_ns_per_pkt, 1800);
    fig(&rt->blocked_ns_per_pkt, 15000);

    const struct prof_nf_result *c = prof_model_chain(m);
    lacks(c, PROF_TERM_D1, "fw: LS_DISPATCH:LD_DISPATCH");
    lacks(c, PROF_TERM_SC, "rt: syscalls:sys_enter_recvmmsg: tracefs is not mounted");
    term(c, PROF_TERM_CS, 3, 5800.0 / 3, 5800);
    NEAR(c->total_ns_per_pkt, 5800);
    ck_assert_uint_eq(c->lacking, ~BIT(PROF_TERM_CS) & (BIT(PROF_NTERMS) - 1));
    ck_assert(!c->syscalls_per_pkt.available);
    char buf[64];
    prof_model_lacking_str(c->lacking, buf, sizeof(buf));
    ck_assert_str_eq(buf, "L_D1 L_D2 L_D3 L_DM L_T1 L_T2 L_TM L_SC");
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

/* The NFs' own figures (nfown.json): L_CS costed with the calibration row
 * of the policy each NF runs under, L_SC from the NF's own system-call
 * counts where the tracepoints are unavailable, and the measured phase
 * breakdown per packet. */
START_TEST(own_policy_calls_and_phases)
{
    struct prof_model *m = model("nfown.json");
    const struct prof_nf_result *fw = prof_model_nf(m, 0), *nat = prof_model_nf(m, 1);
    /* fw, SCHED_BATCH: 100000 switches / 50000 packets = 2 × ctxsw[batch] 1500 (not other's
     * 2000) = 3000 */
    term(fw, PROF_TERM_CS, 2, 1500, 3000);
    ck_assert_str_eq(fw->cs_policy, "batch");
    ck_assert_str_eq(fw->policy_seen, "batch nice 0 (read back with sched_getattr)");
    /* tracepoints unavailable: 60000 recvmmsg × 400 + 50000 sendmmsg × 1000 = 74e6 ns over
     * 110000 calls → 2.2 per packet at 672.727 ns = 1480 ns/pkt */
    term(fw, PROF_TERM_SC, 2.2, 74e6 / 110000, 1480);
    ck_assert_ptr_nonnull(strstr(fw->term[PROF_TERM_SC].reason, "from the NF's own counts"));
    ck_assert_ptr_nonnull(strstr(fw->term[PROF_TERM_SC].reason, "tracefs is not mounted"));
    fig(&fw->syscalls_per_pkt, 2.2);
    fig(&fw->nf_syscalls_per_pkt, 2.2);
    NEAR(fw->total_ns_per_pkt, 4480);
    /* phases: 25e6 / 50e6 / 75e6 ns over 50000 packets; measured CPU = the sum */
    fig(&fw->phase_rx_per_pkt, 500);
    fig(&fw->phase_pipe_per_pkt, 1000);
    fig(&fw->phase_tx_per_pkt, 1500);
    fig(&fw->measured_cpu_per_pkt, 3000);
    ck_assert(!fw->phase_rx_waits);

    /* nat, other nice -19: 1 switch/pkt × 2100; tracepoints counted (the NF's own counts only
     * cross-check them): 40000 × 400 + 50000 × 1000 = 66e6 → 1.8/pkt, 1320 ns/pkt */
    term(nat, PROF_TERM_CS, 1, 2100, 2100);
    ck_assert_str_eq(nat->cs_policy, "other nice -19");
    term(nat, PROF_TERM_SC, 1.8, 66e6 / 90000, 1320);
    ck_assert_ptr_null(strstr(nat->term[PROF_TERM_SC].reason, "own counts"));
    fig(&nat->nf_syscalls_per_pkt, 1.8);
    NEAR(nat->total_ns_per_pkt, 3420);
    /* block idle: receive (10000 ns/pkt) includes waiting, so the measured CPU is pipeline
     * 800 + send 1200 */
    fig(&nat->phase_rx_per_pkt, 10000);
    fig(&nat->measured_cpu_per_pkt, 2000);
    ck_assert(nat->phase_rx_waits);

    const struct prof_nf_result *c = prof_model_chain(m);
    term(c, PROF_TERM_CS, 3, 5100.0 / 3, 5100);
    term(c, PROF_TERM_SC, 4, 2800.0 / 4, 2800);
    fig(&c->measured_cpu_per_pkt, 5000);
    fig(&c->phase_rx_per_pkt, 10500);
    ck_assert(c->phase_rx_waits);
    prof_model_free(m);

    /* the same NFs without phase timing and without their own counts: no silent 0s */
    fx.in[0].have_phases = fx.in[0].have_nf_calls = false;
    fx.in[0].phase_reason = NULL;
    m = prof_model_new(fx.in, fx.n, &fx.cal);
    fw = prof_model_nf(m, 0);
    lacks(fw, PROF_TERM_SC, "tracefs is not mounted");
    ck_assert(!fw->measured_cpu_per_pkt.available);
    ck_assert_ptr_nonnull(strstr(fw->measured_cpu_per_pkt.reason, "--phase-timing"));
    ck_assert(!prof_model_chain(m)->measured_cpu_per_pkt.available);
    ck_assert_ptr_nonnull(strstr(prof_model_chain(m)->measured_cpu_per_pkt.reason, "fw: "));
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

/* rt's memory group ran 25% of the window and its TLB group 50%: values
 * scaled by enabled/running; mon's L3_MISS never ran: "not counted". */
START_TEST(multiplexed_values_are_scaled)
{
    struct prof_model *m = model("multiplexed.json");
    const struct prof_nf_result *rt = prof_model_nf(m, 0), *mon = prof_model_nf(m, 1);
    /* raw 5e6 × 4 = 2e7 → 200/pkt; 2.5e5 × 4 → 10; 5e4 × 4 → 2; 12500 × 4 → 0.5 */
    term(rt, PROF_TERM_D1, 200, 1, 200);
    term(rt, PROF_TERM_D2, 10, 4, 40);
    term(rt, PROF_TERM_D3, 2, 20, 40);
    term(rt, PROF_TERM_DM, 0.5, 100, 50);
    /* raw 5e4 × 2 → 1/pkt; 5e3 × 2 → 0.1 */
    term(rt, PROF_TERM_T1, 1, 8, 8);
    term(rt, PROF_TERM_T2, 0.1, 30, 3);
    ck_assert(rt->term[PROF_TERM_D1].scaled);
    NEAR(rt->term[PROF_TERM_D1].counted_ratio, 0.25);
    NEAR(rt->term[PROF_TERM_T1].counted_ratio, 0.5);
    ck_assert(!rt->term[PROF_TERM_CS].scaled);
    NEAR(rt->counted_ratio, 0.25);
    NEAR(rt->total_ns_per_pkt, 200 + 40 + 40 + 50 + 8 + 3 + 2000 + 1400);

    lacks(mon, PROF_TERM_DM, "MEM_LOAD_RETIRED:L3_MISS: not counted");
    term(mon, PROF_TERM_D1, 10, 1, 10);
    term(mon, PROF_TERM_D3, 0, 20, 0); /* counted, and a real 0 */
    term(mon, PROF_TERM_SC, 1, 400, 400);
    NEAR(mon->total_ns_per_pkt, 614);
    ck_assert_uint_eq(mon->lacking, BIT(PROF_TERM_DM) | BIT(PROF_TERM_TM));

    const struct prof_nf_result *c = prof_model_chain(m);
    lacks(c, PROF_TERM_DM, "mon: MEM_LOAD_RETIRED:L3_MISS: not counted");
    term(c, PROF_TERM_D1, 210, 1, 210);
    NEAR(c->counted_ratio, 0.25);
    ck_assert(c->term[PROF_TERM_D1].scaled);
    prof_model_free(m);
    fixture_free(&fx);
}
END_TEST

START_TEST(no_calibration_and_no_packets)
{
    fixture_load(&fx, "intel.json");
    struct prof_model *m = prof_model_new(fx.in, 1, NULL);
    const struct prof_nf_result *r = prof_model_nf(m, 0);
    for (int k = 0; k < PROF_NTERMS; k++)
        ck_assert(!r->term[k].available);
    ck_assert_ptr_nonnull(strstr(r->term[PROF_TERM_D1].reason, "no calibration"));
    ck_assert_ptr_nonnull(strstr(r->term[PROF_TERM_SC].reason, "no calibration"));
    ck_assert_double_eq(r->total_ns_per_pkt, 0);
    prof_model_free(m);

    fx.in[0].packets = 0;
    m = prof_model_new(fx.in, 1, &fx.cal);
    r = prof_model_nf(m, 0);
    lacks(r, PROF_TERM_D1, "no packets in the window");
    lacks(r, PROF_TERM_CS, "no packets in the window");
    ck_assert(!r->wait_ns_per_pkt.available);
    prof_model_free(m);

    /* an older calibration (no tlb section): L_T2 falls back to dtlb.miss, L_T1 says why */
    fx.in[0].packets = 100000;
    for (int i = 0; i < PROF_CALIB_NTLB; i++) {
        fx.cal.tlb[i].available = false;
        snprintf(fx.cal.tlb[i].reason, sizeof(fx.cal.tlb[i].reason), "not in this calibration file");
    }
    fx.cal.dtlb_miss = (struct prof_calib_stat){.available = true, .ns = 25};
    m = prof_model_new(fx.in, 1, &fx.cal);
    r = prof_model_nf(m, 0);
    lacks(r, PROF_TERM_T1, "calibration tlb.stlb_hit: not in this calibration file");
    term(r, PROF_TERM_T2, 0.1, 25, 2.5);
    ck_assert_ptr_nonnull(strstr(r->term[PROF_TERM_T2].reason, "dtlb.miss"));
    prof_model_free(m);

    errno = 0;
    ck_assert_ptr_null(prof_model_new(fx.in, 0, &fx.cal));
    ck_assert_int_eq(errno, EINVAL);
    prof_model_free(NULL);
    fixture_free(&fx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prof_model");
    TCase *tc = tcase_create("fixtures");
    tcase_add_test(tc, intel_two_nfs_on_one_core);
    tcase_add_test(tc, amd_l1_hits_from_dispatch_minus_fills);
    tcase_add_test(tc, nopmu_hardware_unavailable_with_reason);
    tcase_add_test(tc, multiplexed_values_are_scaled);
    tcase_add_test(tc, no_calibration_and_no_packets);
    tcase_add_test(tc, own_policy_calls_and_phases);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
