/*
 * ln_prof's interval mode and rescans, with processes this test starts:
 *  - intervals end on the absolute grid window open + k x interval: a
 *    tick taken late makes that interval longer and the next one shorter,
 *    never shifts the grid; each interval holds the deltas (counters read
 *    without stopping them, packets from packets_now) and they add up to
 *    the window; one line per interval is printed;
 *  - a thread started inside the window is attached at the next rescan
 *    and counted from then; its CPU before the attach is reported.
 * The system-call tracepoints need root: without it only the software
 * events are checked.
 */
#include <check.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_util.h"
#include "launcher/ln_prof.h"

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    ck_assert_msg(json_object_object_get_ex(o, k, &v), "no key %s", k);
    return v;
}

static double num(json_object *o, const char *k)
{
    json_object *v = get(o, k);
    ck_assert_msg(json_object_get_type(v) != json_type_null, "%s is null", k);
    return json_object_get_double(v);
}

static double counter(json_object *nf, const char *name)
{
    json_object *a = get(nf, "counters");
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *c = json_object_array_get_idx(a, i);
        if (!strcmp(json_object_get_string(get(c, "name")), name))
            return json_object_get_double(get(c, "value"));
    }
    ck_abort_msg("no counter %s", name);
    return 0;
}

static void sleep_until(uint64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000ull), (long)(t % 1000000000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
        ;
}

/* A child that, for every byte on `go`, makes 100 write(2) calls to
 * /dev/null and answers one byte on `ack`; it exits at EOF. */
struct kid {
    pid_t pid;
    int go, ack;
};

static struct kid spawn_writer(void)
{
    int g[2], a[2];
    ck_assert_int_eq(pipe(g), 0);
    ck_assert_int_eq(pipe(a), 0);
    pid_t pid = fork();
    if (pid == 0) { /* no ck_* here */
        close(g[1]);
        close(a[0]);
        int fd = open("/dev/null", O_WRONLY);
        char b;
        while (read(g[0], &b, 1) == 1) {
            for (int i = 0; i < 100; i++)
                if (write(fd, "x", 1) != 1)
                    _exit(2);
            if (write(a[1], "a", 1) != 1)
                _exit(3);
        }
        _exit(0);
    }
    ck_assert_int_ge(pid, 0);
    close(g[0]);
    close(a[1]);
    return (struct kid){pid, g[1], a[0]};
}

static void round_trip(struct kid *k)
{
    char b;
    ck_assert_int_eq(write(k->go, "g", 1), 1);
    ck_assert_int_eq(read(k->ack, &b, 1), 1);
}

static uint64_t pk_now;

static int packets_now(void *ctx, uint64_t *rx)
{
    (void)ctx;
    rx[0] = pk_now;
    return 0;
}

START_TEST(intervals_on_an_absolute_grid_add_up_to_the_window)
{
    const struct ln_prof_target tg[1] = {{.name = "nf", .cpu = -1, .policy = PROF_CALIB_CS_OTHER}};
    char *ev[] = {"sched", "syscalls"};
    char err[256], *text = NULL;
    size_t tlen = 0;
    FILE *ivout = open_memstream(&text, &tlen);
    struct ln_prof_cfg cfg = {.n = 1, .targets = tg, .events = ev, .nevents = 2,
                              .interval_ms = 100, .interval_out = ivout,
                              .packets_now = packets_now,
                              .calibration = "/nonexistent/calibration.json"};
    struct ln_prof *p = ln_prof_new(&cfg, err, sizeof(err));
    ck_assert_msg(p != NULL, "%s", err);
    struct ln_hooks h = ln_prof_hooks(p);
    struct kid k = spawn_writer();
    ck_assert_int_eq(h.nf_started(h.ctx, 0, k.pid, 0), 0);
    round_trip(&k); /* before the window: not counted */
    pk_now = 1000;
    uint64_t t0 = scc_now_ns();
    h.window_open(h.ctx, LN_WIN_MEASURE);
    /* five intervals; the third tick is taken 40 ms late. The deadlines
     * stay on the grid of the first one, 100 ms apart, whatever the
     * lateness (load-independent: a relative deadline would give the
     * fourth 140 ms after the third); only a tick more than a whole
     * interval late skips a grid point. */
    uint64_t first = 0, prevd = 0;
    for (int i = 0; i < 5; i++) {
        round_trip(&k);
        pk_now += 10 * (uint64_t)(i + 1);
        uint64_t d = ln_prof_deadline(p);
        ck_assert_uint_gt(d, 0);
        if (!first)
            first = d;
        ck_assert_msg((d - first) % 100000000ull == 0 && (i == 0 || d > prevd),
                      "deadline %d off the grid: %llu ns after the first", i,
                      (unsigned long long)(d - first));
        sleep_until(d + (i == 2 ? 40000000ull : 0));
        uint64_t late = scc_now_ns() - d;
        ck_assert_int_eq(ln_prof_tick(p), 0);
        if (i == 2 && late < 100000000ull)
            ck_assert_uint_eq(ln_prof_deadline(p), d + 100000000ull);
        prevd = d;
    }
    round_trip(&k); /* a last, partial interval up to the close */
    pk_now += 7;
    usleep(20000);
    h.window_close(h.ctx, LN_WIN_MEASURE);
    double window = (double)(scc_now_ns() - t0) / 1e9;
    close(k.go);
    waitpid(k.pid, NULL, 0);
    close(k.ack);

    uint64_t packets[1] = {pk_now - 1000};
    struct ln_prof_figs f = {.packets = packets, .window_s = window, .sink_reason = "no sink"};
    json_object *j = NULL;
    ck_assert_int_eq(ln_prof_report(p, &f, NULL, &j), 0);
    json_object *iv = get(j, "intervals");
    ck_assert_int_eq((int)json_object_array_length(iv), 6);
    double prev = 0, writes = 0;
    for (int i = 0; i < 6; i++) {
        json_object *x = json_object_array_get_idx(iv, (size_t)i);
        double t = num(x, "t_s"), dt = num(x, "dt_s");
        /* contiguous: each starts where the previous one ended (the first
         * where the baselines were read, just after the window opened) */
        if (i == 0)
            ck_assert_msg(t - dt >= 0 && t - dt < 0.05, "%f %f", t, dt);
        else
            ck_assert_msg(fabs(t - dt - prev) < 1e-6, "%d: %f %f %f", i, t, dt, prev);
        prev = t;
        /* never before its grid point: 0.1, 0.2, 0.3 + 40 ms, 0.4, 0.5 */
        double want = 0.1 * (i + 1) + (i == 2 ? 0.04 : 0);
        if (i < 5)
            ck_assert_msg(t >= want - 0.001, "interval %d ends at %f", i, t);
        json_object *nf = json_object_array_get_idx(get(x, "nfs"), 0);
        ck_assert_str_eq(json_object_get_string(get(nf, "name")), "nf");
        int pk = json_object_get_int(get(nf, "packets"));
        ck_assert_int_eq(pk, i < 5 ? 10 * (i + 1) : 7);
        if (geteuid() == 0) {
            /* the 100 writes and the ack of this interval's round */
            double w = json_object_get_double(get(get(nf, "counters"), "syscalls:sys_enter_write"));
            ck_assert_msg(w == 101, "interval %d: %f writes", i, w);
            writes += w;
            /* per packet: every network call's tracepoint of the interval
             * (the writes, the read(2) the child enters for the next round)
             * over the interval's packets */
            double calls = 0;
            json_object_object_foreach(get(nf, "counters"), name, v)
                if (!strncmp(name, "syscalls:", 9) && json_object_get_type(v) != json_type_null)
                    calls += json_object_get_double(v);
            ck_assert_msg(calls >= 102, "interval %d: %f calls", i, calls);
            ck_assert_double_eq_tol(num(nf, "syscalls_per_packet"), calls / pk, 1e-9);
        }
        ck_assert(num(nf, "switches_per_packet") >= 0);
    }
    ck_assert_msg(prev > window - 0.01 && prev <= window, "%f vs %f", prev, window);
    json_object *nf = json_object_array_get_idx(get(j, "nfs"), 0);
    if (geteuid() == 0)
        ck_assert_double_eq(writes, counter(nf, "syscalls:sys_enter_write"));
    fclose(ivout);
    ck_assert_ptr_nonnull(strstr(text, "# interval mode: every 100 ms"));
    int lines = 0; /* "     0.100  nf  ...": the header lines start with '#' */
    for (char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
        double t;
        char name[8];
        lines += *s != '#' && sscanf(s, "%lf %7s", &t, name) == 2 && !strcmp(name, "nf");
    }
    ck_assert_int_eq(lines, 6);
    free(text);
    json_object_put(j);
    ln_prof_free(p);
}
END_TEST

/* A child whose second thread starts when told, spins 400 ms of its own
 * CPU, says so, and waits for EOF. */
static int thr_go, thr_ack;

static void *spinner(void *arg)
{
    (void)arg;
    struct timespec t;
    double end;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    end = (double)t.tv_sec + (double)t.tv_nsec / 1e9 + 0.4;
    for (;;) {
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        if ((double)t.tv_sec + (double)t.tv_nsec / 1e9 >= end)
            break;
    }
    if (write(thr_ack, "d", 1) != 1)
        _exit(3);
    char b;
    while (read(thr_go, &b, 1) == 1)
        ;
    _exit(0);
}

START_TEST(a_thread_started_in_the_window_is_counted_from_its_attach)
{
    int g[2], a[2];
    ck_assert_int_eq(pipe(g), 0);
    ck_assert_int_eq(pipe(a), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(g[1]);
        close(a[0]);
        thr_go = g[0];
        thr_ack = a[1];
        char b;
        if (read(g[0], &b, 1) != 1)
            _exit(1);
        pthread_t t;
        if (pthread_create(&t, NULL, spinner, NULL) != 0)
            _exit(2);
        pthread_join(t, NULL);
        _exit(0);
    }
    ck_assert_int_ge(pid, 0);
    close(g[0]);
    close(a[1]);
    const struct ln_prof_target tg[1] = {{.name = "mt", .cpu = -1, .policy = PROF_CALIB_CS_OTHER}};
    char *ev[] = {"sched"};
    char err[256];
    struct ln_prof_cfg cfg = {.n = 1, .targets = tg, .events = ev, .nevents = 1,
                              .calibration = "/nonexistent/calibration.json"};
    struct ln_prof *p = ln_prof_new(&cfg, err, sizeof(err));
    ck_assert_msg(p != NULL, "%s", err);
    struct ln_hooks h = ln_prof_hooks(p);
    ck_assert_int_eq(h.nf_started(h.ctx, 0, pid, 0), 0);
    uint64_t t0 = scc_now_ns();
    h.window_open(h.ctx, LN_WIN_MEASURE);
    ck_assert_int_eq(write(g[1], "g", 1), 1); /* the thread starts now */
    /* counting mode: the rescans every 100 ms, until the thread is done */
    char b;
    int fl = fcntl(a[0], F_GETFL);
    fcntl(a[0], F_SETFL, fl | O_NONBLOCK);
    while (read(a[0], &b, 1) != 1) {
        uint64_t d = ln_prof_deadline(p);
        ck_assert_uint_gt(d, 0);
        ck_assert_uint_le(d, scc_now_ns() + 100000000ull + 1);
        sleep_until(d);
        ck_assert_int_eq(ln_prof_tick(p), 0);
        ck_assert_uint_lt(scc_now_ns() - t0, 20000000000ull);
    }
    h.window_close(h.ctx, LN_WIN_MEASURE);
    double window = (double)(scc_now_ns() - t0) / 1e9;
    close(g[1]);
    waitpid(pid, NULL, 0);
    close(a[0]);

    uint64_t packets[1] = {0};
    struct ln_prof_figs f = {.packets = packets, .window_s = window, .sink_reason = "no sink"};
    json_object *j = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_int_eq(ln_prof_report(p, &f, out, &j), 0);
    fclose(out);
    json_object *nf = json_object_array_get_idx(get(j, "nfs"), 0);
    ck_assert_int_eq(json_object_get_int(get(nf, "threads")), 2);
    json_object *late = get(nf, "late_threads");
    ck_assert_int_eq(json_object_get_int(get(late, "count")), 1);
    double before = num(late, "cpu_ns_before_attach"), tc = counter(nf, "task-clock");
    /* the thread's 400 ms of CPU: what the counters saw from the attach
     * plus what it had before (the main thread adds next to nothing) */
    ck_assert_msg(tc >= 0.1e9, "task-clock %f (before attach %f)", tc, before);
    ck_assert_msg(tc + before >= 0.38e9 && tc + before <= 0.5e9, "%f + %f", tc, before);
    ck_assert_msg(num(late, "max_lag_ms") < 1000, "%f", num(late, "max_lag_ms"));
    ck_assert_ptr_nonnull(strstr(buf, "mt: 1 thread started in the window, counted from"));
    free(buf);
    json_object_put(j);
    ln_prof_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ln_prof_interval");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, intervals_on_an_absolute_grid_add_up_to_the_window);
    tcase_add_test(tc, a_thread_started_in_the_window_is_counted_from_its_attach);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? 1 : 0;
}
