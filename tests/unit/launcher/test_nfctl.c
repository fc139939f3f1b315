/*
 * ln_nfctl: a sample of an NF's stats page keeps every drop reason whole
 * ("element: reason", both up to the page's 48 characters), and figures
 * over a window add one share per process: a restarted process counts from
 * zero, and a pair of samples that runs backwards (two processes' counters)
 * marks the figure missing instead of wrapping.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "launcher/ln_nfctl.h"
#include "launcher/ln_sampler.h"
#include "nfs/nf_stats.h"

START_TEST(drop_names_are_not_cut)
{
    char name[40], err[256];
    snprintf(name, sizeof(name), "ut-nfctl-%d", (int)getpid());
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    struct nf_stats_page *pg = nf_stats_page(w);
    const char *elem = "ThisElementNameIsLongerThanThirtyCharacters@12";  /* 46 */
    const char *reason = "reason text that goes well past thirty chars"; /* 44 */
    nf_stats_begin(w);
    pg->nelems = 1;
    snprintf(pg->elems[0].name, sizeof(pg->elems[0].name), "%s", elem);
    pg->elems[0].nreasons = 1;
    snprintf(pg->elems[0].reason[0], sizeof(pg->elems[0].reason[0]), "%s", reason);
    pg->elems[0].drops[0] = 7;
    pg->drops = 7;
    pg->rx_pkts = 10;
    nf_stats_end(w);
    struct ln_nf_sample s;
    ln_nf_sample(name, 0, &s);
    nf_stats_destroy(w);
    ck_assert(s.have_stats);
    ck_assert_int_eq(s.c.ndrops, 1);
    char want[LN_DROP_NAME];
    snprintf(want, sizeof(want), "%s: %s", elem, reason);
    ck_assert_str_eq(s.c.drop_name[0], want);
    ck_assert_uint_eq(s.c.drop_count[0], 7);
}
END_TEST

static struct ln_nf_sample smp(uint64_t rx, uint64_t run_ns, uint64_t drops)
{
    struct ln_nf_sample s;
    ln_nf_sample_zero(&s);
    s.c.rx = s.c.tx = rx;
    s.proc.run_ns = run_ns;
    s.task_clock_ns = run_ns / 2;
    s.c.drops = drops;
    if (drops) {
        s.c.ndrops = 1;
        snprintf(s.c.drop_name[0], LN_DROP_NAME, "Counter@1: x");
        s.c.drop_count[0] = drops;
    }
    return s;
}

START_TEST(restart_shares_add_up)
{
    struct ln_nf_figures f = {0};
    /* first process: from the window's start (rx 1000) until it died (1600) */
    struct ln_nf_sample a0 = smp(1000, 5000000, 2), a1 = smp(1600, 8000000, 5);
    ln_nf_figures_add(&f, &a0, &a1);
    /* its replacement starts from zero and runs to the window's end */
    struct ln_nf_sample b0, b1 = smp(900, 4000000, 1);
    ln_nf_sample_zero(&b0);
    ln_nf_figures_add(&f, &b0, &b1);
    ck_assert_int_eq(f.shares, 2);
    ck_assert(f.stats_ok && f.proc_ok && f.task_clock_ok);
    ck_assert_uint_eq(f.c.rx, 600 + 900);
    ck_assert_uint_eq(f.proc.run_ns, 3000000 + 4000000);
    ck_assert_uint_eq(f.task_clock_ns, 1500000 + 2000000);
    ck_assert_uint_eq(f.c.drops, 3 + 1);
    ck_assert_int_eq(f.c.ndrops, 1);
    ck_assert_uint_eq(f.c.drop_count[0], 4);
}
END_TEST

START_TEST(backwards_pair_is_missing_not_wrapped)
{
    /* what the old report did after a restart: "after" from the new
     * process minus "before" from the old one */
    struct ln_nf_figures f = {0};
    struct ln_nf_sample old = smp(5000, 9000000, 0), newer = smp(300, 100000, 0);
    ln_nf_figures_add(&f, &old, &newer);
    ck_assert(!f.stats_ok);
    ck_assert(!f.proc_ok);
    ck_assert(!f.task_clock_ok);
    /* a missing edge is missing too */
    struct ln_nf_figures g = {0};
    struct ln_nf_sample none;
    memset(&none, 0, sizeof(none));
    struct ln_nf_sample end = smp(10, 10, 0);
    ln_nf_figures_add(&g, &none, &end);
    ck_assert(!g.stats_ok && !g.proc_ok);
}
END_TEST

/* The version-4 page fields: the NF's system calls and phase sums reach the
 * sample, and a window's figures carry them only when phase timing ran
 * over every share. */
START_TEST(page_calls_and_phases)
{
    char name[40], err[256];
    snprintf(name, sizeof(name), "ut-nfctl-ph-%d", (int)getpid());
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    struct nf_stats_page *pg = nf_stats_page(w);
    nf_stats_begin(w);
    pg->recvmmsg_calls = 70;
    pg->sendmmsg_calls = 40;
    pg->rx_empty_calls = 30;
    pg->phase_flags = NF_STATS_PHASE_ON | NF_STATS_PHASE_RX_WAITS;
    pg->phase_rx_ns = 1000;
    pg->phase_pipe_ns = 200;
    pg->phase_tx_ns = 3000;
    nf_stats_end(w);
    struct ln_nf_sample a, b;
    ln_nf_sample(name, 0, &a);
    ck_assert(a.have_stats);
    ck_assert_uint_eq(a.c.recvmmsg_calls, 70);
    ck_assert_uint_eq(a.c.sendmmsg_calls, 40);
    ck_assert_uint_eq(a.c.rx_empty_calls, 30);
    ck_assert_int_eq(a.c.phase, 1);
    ck_assert(a.c.phase_rx_waits);
    ck_assert_uint_eq(a.c.phase_tx_ns, 3000);
    nf_stats_begin(w);
    pg->recvmmsg_calls = 170;
    pg->sendmmsg_calls = 90;
    pg->phase_rx_ns = 1500;
    pg->phase_pipe_ns = 260;
    pg->phase_tx_ns = 3900;
    nf_stats_end(w);
    ln_nf_sample(name, 0, &b);
    struct ln_nf_figures f = {0};
    ln_nf_figures_add(&f, &a, &b);
    ck_assert(f.stats_ok);
    ck_assert_int_eq(f.c.phase, 1);
    ck_assert_uint_eq(f.c.recvmmsg_calls, 100);
    ck_assert_uint_eq(f.c.sendmmsg_calls, 50);
    ck_assert_uint_eq(f.c.phase_rx_ns, 500);
    ck_assert_uint_eq(f.c.phase_pipe_ns, 60);
    ck_assert_uint_eq(f.c.phase_tx_ns, 900);
    /* a restarted process (zero start) with timing on keeps it on */
    struct ln_nf_sample z;
    ln_nf_sample_zero(&z);
    ln_nf_figures_add(&f, &z, &b);
    ck_assert_int_eq(f.c.phase, 1);
    ck_assert_uint_eq(f.c.phase_tx_ns, 900 + 3900);
    /* one share without it: the sums are no longer figures */
    nf_stats_begin(w);
    pg->phase_flags = 0;
    nf_stats_end(w);
    struct ln_nf_sample off;
    ln_nf_sample(name, 0, &off);
    ck_assert_int_eq(off.c.phase, 0);
    struct ln_nf_figures g = {0};
    ln_nf_figures_add(&g, &z, &off);
    ck_assert(g.stats_ok);
    ck_assert_int_eq(g.c.phase, 0);
    ck_assert_uint_eq(g.c.recvmmsg_calls, 170);
    nf_stats_destroy(w);
}
END_TEST

/* A fused group's page (3 stages): write it as scc-nf would. */
static void fused_page(struct nf_stats_writer *w, uint64_t scale, bool phase)
{
    struct nf_stats_page *pg = nf_stats_page(w);
    static const char *const st[] = {"fw", "rt", "l2"};
    nf_stats_begin(w);
    pg->nstages = 3;
    pg->nelems = 6;
    pg->phase_flags = phase ? NF_STATS_PHASE_ON : 0;
    pg->rx_pkts = 100 * scale;
    pg->tx_pkts = 80 * scale;
    pg->rx_bytes = 6400 * scale;
    pg->tx_bytes = 5120 * scale;
    pg->rx_calls = pg->recvmmsg_calls = 50 * scale;
    pg->tx_calls = pg->sendmmsg_calls = 40 * scale;
    pg->batches = 50 * scale;
    pg->rx_bad_encap = 1 * scale;
    pg->tx_drops = 2 * scale;
    pg->rx_kernel_drops = 3 * scale;
    pg->phase_rx_ns = 1000 * scale;
    pg->phase_tx_ns = 2000 * scale;
    uint64_t rx[] = {99, 90, 85}, tx[] = {90, 85, 82}, ns[] = {100, 300, 600};
    for (int k = 0; k < 3; k++) {
        snprintf(pg->stages[k].name, sizeof(pg->stages[k].name), "%s", st[k]);
        pg->stages[k].first_elem = (uint32_t)(2 * k);
        pg->stages[k].nelems = 2;
        pg->stages[k].rx_pkts = rx[k] * scale;
        pg->stages[k].tx_pkts = tx[k] * scale;
        pg->stages[k].drops = (rx[k] - tx[k]) * scale;
        pg->stages[k].pipe_ns = phase ? ns[k] * scale : 0;
        for (int e = 0; e < 2; e++) {
            struct nf_stats_elem *el = &pg->elems[2 * k + e];
            snprintf(el->name, sizeof(el->name), "%s/E@%d", st[k], e + 1);
            el->nreasons = e; /* the second element of each stage drops */
            if (e) {
                snprintf(el->reason[0], sizeof(el->reason[0]), "why");
                el->drops[0] = (rx[k] - tx[k]) * scale;
            }
        }
    }
    pg->drops = (9 + 5 + 3) * scale;
    nf_stats_end(w);
}

/* Each NF of a fused group gets its own stage's counters and drops (named
 * as unfused), the group's ends go to the first and last NF, and a stage
 * inside the group makes no system calls. */
START_TEST(fused_stage_samples)
{
    char name[40], err[256];
    snprintf(name, sizeof(name), "ut-nfctl-f%d", (int)getpid());
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    fused_page(w, 1, true);
    struct ln_nf_sample s[3];
    for (int k = 0; k < 3; k++)
        ln_nf_sample_stage(name, 0, k, &s[k]);
    struct ln_nf_sample bad;
    ln_nf_sample_stage(name, 0, 3, &bad); /* no such stage: missing, not zeros */
    nf_stats_destroy(w);
    ck_assert(!bad.have_stats);
    ck_assert_uint_eq(s[0].c.rx, 99);
    ck_assert_uint_eq(s[1].c.rx, 90);
    ck_assert_uint_eq(s[2].c.tx, 82);
    ck_assert_uint_eq(s[0].c.drops, 9 + 1);   /* its elements + bad encapsulation */
    ck_assert_uint_eq(s[1].c.drops, 5);
    ck_assert_uint_eq(s[2].c.drops, 3 + 2);   /* + sends refused */
    ck_assert_uint_eq(s[0].c.kernel_drops, 3);
    ck_assert_uint_eq(s[1].c.kernel_drops, 0);
    ck_assert_uint_eq(s[0].c.rx_calls, 50);
    ck_assert_uint_eq(s[1].c.rx_calls + s[1].c.tx_calls + s[1].c.recvmmsg_calls, 0);
    ck_assert_uint_eq(s[2].c.sendmmsg_calls, 40);
    ck_assert_uint_eq(s[0].c.rx_bytes, 6400);
    ck_assert_uint_eq(s[2].c.tx_bytes, 5120);
    ck_assert_uint_eq(s[1].c.phase_pipe_ns, 300);
    ck_assert_uint_eq(s[0].c.phase_rx_ns, 1000);
    ck_assert_uint_eq(s[1].c.phase_rx_ns + s[1].c.phase_tx_ns, 0);
    ck_assert_int_eq(s[1].c.ndrops, 1);
    ck_assert_str_eq(s[1].c.drop_name[0], "E@2: why"); /* as it reads unfused */
    ck_assert_uint_eq(s[1].c.drop_count[0], 5);
}
END_TEST

/* The sampler: a group's process reported once (on its first NF) gives a
 * row per NF; with phase timing the process's run time is split by the
 * stages' pipeline ns and the shares add up to the whole; without it the
 * first NF keeps the whole and is marked cpu_group. */
static void group_window(bool phase, struct ln_nf_figures *out)
{
    char name[40], err[256];
    snprintf(name, sizeof(name), "ut-nfctl-g%d", (int)getpid());
    struct nf_stats_writer *w = nf_stats_create(name, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    fused_page(w, 1, phase);
    const char *names[3] = {name, name, name};
    struct ln_sampler *sm = ln_sampler_new(3, names);
    ck_assert_int_eq(ln_sampler_set_group(sm, 0, 3), 0);
    ck_assert_int_eq(ln_sampler_set_group(sm, 1, 3), -EINVAL);
    struct ln_hooks h = ln_sampler_hooks(sm);
    h.nf_started(h.ctx, 0, getpid(), 0);
    h.window_open(h.ctx, LN_WIN_RUN);
    volatile uint64_t spin = 0;
    for (int i = 0; i < 3000000; i++) /* some CPU time for the window */
        spin += (uint64_t)i;
    usleep(2000); /* schedstat's run time of a running task moves at a switch */
    fused_page(w, 3, phase);
    h.window_close(h.ctx, LN_WIN_RUN);
    memcpy(out, ln_sampler_figures(sm, LN_WIN_RUN), 3 * sizeof(*out));
    ln_sampler_free(sm);
    nf_stats_destroy(w);
}

START_TEST(fused_group_figures)
{
    struct ln_nf_figures f[3];
    group_window(true, f);
    for (int k = 0; k < 3; k++) {
        ck_assert(f[k].stats_ok);
        ck_assert(f[k].proc_ok);
        ck_assert(f[k].cpu_split);
        ck_assert(!f[k].cpu_group);
    }
    ck_assert_uint_eq(f[0].c.rx, 2 * 99);
    ck_assert_uint_eq(f[1].c.rx, 2 * 90);
    ck_assert_uint_eq(f[2].c.tx, 2 * 82);
    ck_assert_uint_eq(f[1].c.drops, 2 * 5);
    uint64_t total = f[0].proc.run_ns + f[1].proc.run_ns + f[2].proc.run_ns;
    ck_assert_uint_gt(total, 0);
    /* pipeline ns 100 : 300 : 600 */
    ck_assert_uint_le(f[1].proc.run_ns > 3 * f[0].proc.run_ns ? f[1].proc.run_ns - 3 * f[0].proc.run_ns
                                                              : 3 * f[0].proc.run_ns - f[1].proc.run_ns, 4);
    ck_assert_uint_le(f[2].proc.run_ns > 2 * f[1].proc.run_ns ? f[2].proc.run_ns - 2 * f[1].proc.run_ns
                                                              : 2 * f[1].proc.run_ns - f[2].proc.run_ns, 4);

    group_window(false, f);
    ck_assert(f[0].cpu_group && f[1].cpu_group && f[2].cpu_group);
    ck_assert(f[0].proc_ok);
    ck_assert_uint_gt(f[0].proc.run_ns, 0);
    ck_assert(!f[1].proc_ok);
    ck_assert(!f[2].proc_ok);
    ck_assert(f[1].stats_ok);
    ck_assert_uint_eq(f[2].c.rx, 2 * 85);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nfctl");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, drop_names_are_not_cut);
    tcase_add_test(tc, restart_shares_add_up);
    tcase_add_test(tc, backwards_pair_is_missing_not_wrapped);
    tcase_add_test(tc, page_calls_and_phases);
    tcase_add_test(tc, fused_stage_samples);
    tcase_add_test(tc, fused_group_figures);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
