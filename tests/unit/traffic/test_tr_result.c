/*
 * test_tr_result — the typed readers of scc-gen/1 and scc-sink/1: good
 * files load with every field and the right "present" flags; a missing,
 * mistyped or renamed key, a wrong schema, a negative count and a file
 * that is not JSON fail with an error naming the file and the key. A last
 * case runs the real `scc sink` and `scc gen` on loopback and reads what
 * they wrote, so writer and reader cannot drift apart.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/traffic/tr_result.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/scc-trres.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Write text to DIR/name; returns the path (static buffer per call site). */
static const char *fixture(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "we");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

/* Replace the first occurrence of from by to in src (into a static buffer). */
static const char *edit(const char *src, const char *from, const char *to)
{
    static char out[8192];
    const char *p = strstr(src, from);
    ck_assert_msg(p != NULL, "fixture lacks '%s'", from);
    snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - src), src, to, p + strlen(from));
    return out;
}

static const char GEN[] =
    "{ \"schema\": \"scc-gen/1\", \"transport\": \"udp\", \"rate_pps\": 20000.0,\n"
    "  \"sent\": 100000, \"bytes\": 6000000, \"elapsed_s\": 5.0, \"achieved_pps\": 19999.5,\n"
    "  \"gbps\": 0.0096, \"kept_up\": true, \"bursts\": 100000, \"late_bursts\": 3 }\n";

static const char SINK[] =
    "{ \"schema\": \"scc-sink/1\", \"stopped_by\": \"idle\", \"duration_s\": 4.5,\n"
    "  \"rx_pkts\": 90000, \"rx_bytes\": 5400000, \"pps\": 20000.0, \"gbps\": 0.0096,\n"
    "  \"lost\": 5, \"duplicates\": 1, \"reordered\": 2, \"warmup_discarded\": 9990,\n"
    "  \"latency_negative\": 0, \"bad_checksum\": 0,\n"
    "  \"window\": { \"open_ns\": 1000, \"close_ns\": 9000, \"first_rx_ns\": 990,\n"
    "              \"last_rx_ns\": 8000 },\n"
    "  \"kernel\": { \"socket_drops\": 7, \"udp_rcvbuf_errors\": null, \"if_rx_dropped\": null },\n"
    "  \"latency_off\": null,\n"
    "  \"latency_ns\": { \"from_send\": { \"count\": 90000, \"min\": 5000, \"p1\": 6000,\n"
    "      \"p5\": 6500, \"p25\": 10000, \"p50\": 20000, \"p75\": 30000, \"p95\": 50000,\n"
    "      \"p99\": 60000, \"p99.9\": 80000, \"max\": 90000, \"iqr\": 20000,\n"
    "      \"mean\": 21000.5, \"stddev\": 100.25 },\n"
    "    \"from_schedule\": { \"count\": 0 } },\n"
    "  \"series\": [] }\n";

START_TEST(gen_good)
{
    char p[256], err[256];
    struct tr_gen_result g;
    ck_assert_int_eq(tr_result_load_gen(fixture("g.json", GEN, p, sizeof(p)), &g, err, sizeof(err)),
                     0);
    ck_assert_uint_eq(g.sent, 100000);
    ck_assert_uint_eq(g.bytes, 6000000);
    ck_assert(g.have_rate);
    ck_assert_double_eq(g.rate_pps, 20000.0);
    ck_assert_double_eq(g.achieved_pps, 19999.5);
    ck_assert(g.kept_up);
    /* --rate max: rate_pps is null, which is "unpaced", not an error */
    fixture("g.json", edit(GEN, "20000.0", "null"), p, sizeof(p));
    ck_assert_int_eq(tr_result_load_gen(p, &g, err, sizeof(err)), 0);
    ck_assert(!g.have_rate);
}
END_TEST

START_TEST(gen_bad)
{
    char p[256], err[256];
    struct tr_gen_result g;
    /* renamed key */
    fixture("g.json", edit(GEN, "\"sent\"", "\"sent_pkts\""), p, sizeof(p));
    ck_assert_int_eq(tr_result_load_gen(p, &g, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "g.json: sent: missing"), "%s", err);
    ck_assert_uint_eq(g.sent, 0);
    /* wrong type */
    fixture("g.json", edit(GEN, "19999.5", "\"fast\""), p, sizeof(p));
    ck_assert_int_eq(tr_result_load_gen(p, &g, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "achieved_pps: expected a number, found string"), "%s", err);
    fixture("g.json", edit(GEN, "true", "1"), p, sizeof(p));
    ck_assert_int_eq(tr_result_load_gen(p, &g, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "kept_up: expected true or false"), "%s", err);
    /* wrong schema: the sink's report handed to the gen reader */
    fixture("g.json", SINK, p, sizeof(p));
    ck_assert_int_eq(tr_result_load_gen(p, &g, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "schema: \"scc-sink/1\", expected \"scc-gen/1\""), "%s", err);
    /* a --search report is not a run report */
    fixture("g.json", edit(GEN, "\"transport\"", "\"search\": {}, \"transport\""), p, sizeof(p));
    ck_assert_int_eq(tr_result_load_gen(p, &g, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "--search report"), "%s", err);
    /* not JSON, not there */
    fixture("g.json", "{ \"schema\": ", p, sizeof(p));
    ck_assert_int_eq(tr_result_load_gen(p, &g, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "not JSON"), "%s", err);
    snprintf(p, sizeof(p), "%s/none.json", dir);
    ck_assert_int_eq(tr_result_load_gen(p, &g, err, sizeof(err)), -ENOENT);
    ck_assert_msg(strstr(err, "none.json: fopen: "), "%s", err);
}
END_TEST

START_TEST(sink_good)
{
    char p[256], err[256];
    struct tr_sink_result s;
    ck_assert_int_eq(
        tr_result_load_sink(fixture("s.json", SINK, p, sizeof(p)), &s, err, sizeof(err)), 0);
    ck_assert_uint_eq(s.rx_pkts, 90000);
    ck_assert_uint_eq(s.warmup_discarded, 9990);
    ck_assert_double_eq(s.pps, 20000.0);
    ck_assert_double_eq(s.gbps, 0.0096);
    ck_assert_uint_eq(s.lost, 5);
    ck_assert_uint_eq(s.reordered, 2);
    ck_assert_uint_eq(s.duplicates, 1);
    ck_assert(s.have_latency);
    ck_assert_uint_eq(s.lat.count, 90000);
    ck_assert_uint_eq(s.lat.min, 5000);
    ck_assert_uint_eq(s.lat.p1, 6000);
    ck_assert_uint_eq(s.lat.p25, 10000);
    ck_assert_uint_eq(s.lat.p50, 20000);
    ck_assert_uint_eq(s.lat.p75, 30000);
    ck_assert_uint_eq(s.lat.p99, 60000);
    ck_assert_uint_eq(s.lat.p999, 80000);
    ck_assert_uint_eq(s.lat.max, 90000);
    ck_assert_uint_eq(s.lat.iqr, 20000);
    ck_assert(s.have_socket_drops);
    ck_assert_uint_eq(s.socket_drops, 7);
    ck_assert(!s.have_if_rx_dropped); /* null: not read, not 0 */
    ck_assert(s.have_window);
    ck_assert_uint_eq(s.window_open_ns, 1000);
    ck_assert_uint_eq(s.window_close_ns, 9000);
    ck_assert_uint_eq(s.first_rx_ns, 990);
    ck_assert_uint_eq(s.last_rx_ns, 8000);

    /* latency switched off: null plus a reason */
    const char *off = edit(SINK, "\"latency_off\": null", "\"latency_off\": \"two hosts\"");
    char buf[8192];
    snprintf(buf, sizeof(buf), "%s", off);
    const char *l0 = strstr(buf, "\"latency_ns\": {");
    ck_assert_ptr_nonnull(l0);
    snprintf(buf + (l0 - buf), sizeof(buf) - (size_t)(l0 - buf),
             "\"latency_ns\": null, \"series\": [] }\n");
    fixture("s.json", buf, p, sizeof(p));
    ck_assert_int_eq(tr_result_load_sink(p, &s, err, sizeof(err)), 0);
    ck_assert(!s.have_latency);
    ck_assert_str_eq(s.latency_off, "two hosts");
    /* ... but null without a reason is not a report we wrote */
    fixture("s.json", edit(buf, "\"two hosts\"", "null"), p, sizeof(p));
    ck_assert_int_eq(tr_result_load_sink(p, &s, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "latency_ns: null without a latency_off reason"), "%s", err);

    /* nothing counted: an empty histogram (null percentiles), no window */
    snprintf(buf, sizeof(buf), "%s",
             edit(SINK, "\"count\": 90000, \"min\": 5000, \"p1\": 6000,",
                  "\"count\": 0, \"min\": null, \"p1\": null,"));
    char buf2[8192];
    snprintf(buf2, sizeof(buf2), "%s",
             edit(buf, "\"p25\": 10000, \"p50\": 20000, \"p75\": 30000",
                  "\"p25\": null, \"p50\": null, \"p75\": null"));
    snprintf(buf, sizeof(buf), "%s",
             edit(buf2, "\"p99\": 60000, \"p99.9\": 80000, \"max\": 90000, \"iqr\": 20000",
                  "\"p99\": null, \"p99.9\": null, \"max\": null, \"iqr\": null"));
    snprintf(buf2, sizeof(buf2), "%s",
             edit(buf, "\"open_ns\": 1000, \"close_ns\": 9000, \"first_rx_ns\": 990,\n"
                       "              \"last_rx_ns\": 8000",
                  "\"open_ns\": null, \"close_ns\": null, \"first_rx_ns\": null, "
                  "\"last_rx_ns\": null"));
    fixture("s.json", buf2, p, sizeof(p));
    ck_assert_int_eq(tr_result_load_sink(p, &s, err, sizeof(err)), 0);
    ck_assert(!s.have_latency);
    ck_assert_str_eq(s.latency_off, "");
    ck_assert(!s.have_window);
}
END_TEST

START_TEST(sink_bad)
{
    char p[256], err[256];
    struct tr_sink_result s;
    static const struct {
        const char *from, *to, *want;
    } cases[] = {
        /* renamed keys: the accounting would have silently read 0 */
        {"\"rx_pkts\"", "\"rx_packets\"", "s.json: rx_pkts: missing"},
        {"\"socket_drops\"", "\"sock_drops\"", "s.json: kernel.socket_drops: missing"},
        {"\"p99.9\"", "\"p999\"", "s.json: latency_ns.from_send.p99.9: missing"},
        {"\"first_rx_ns\"", "\"first_ns\"", "s.json: window.first_rx_ns: missing"},
        {"\"latency_negative\"", "\"clock_anomalies\"", "latency_negative: missing"},
        /* wrong types */
        {"\"lost\": 5", "\"lost\": 5.5", "lost: expected an integer, found double"},
        {"\"lost\": 5", "\"lost\": \"5\"", "lost: expected an integer, found string"},
        {"\"lost\": 5", "\"lost\": -5", "lost: expected a count >= 0, found -5"},
        {"\"lost\": 5", "\"lost\": null", "lost: null where a value is required"},
        {"\"kernel\": {", "\"kernel\": [ ], \"x\": {", "kernel: expected an object, found array"},
        {"\"p50\": 20000", "\"p50\": true", "latency_ns.from_send.p50: expected an integer"},
        {"\"open_ns\": 1000", "\"open_ns\": null", "window: some members null"},
        /* wrong schema */
        {"scc-sink/1", "scc-sink/2", "schema: \"scc-sink/2\", expected \"scc-sink/1\""},
        {"\"schema\": \"scc-sink/1\"", "\"schema\": 1", "schema: expected a string"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fixture("s.json", edit(SINK, cases[i].from, cases[i].to), p, sizeof(p));
        ck_assert_int_eq(tr_result_load_sink(p, &s, err, sizeof(err)), -EINVAL);
        ck_assert_msg(strstr(err, cases[i].want), "case %zu: got '%s', want '%s'", i, err,
                      cases[i].want);
        ck_assert_uint_eq(s.rx_pkts, 0); /* nothing half-filled */
    }
    fixture("s.json", "[1, 2]", p, sizeof(p));
    ck_assert_int_eq(tr_result_load_sink(p, &s, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "expected a JSON object at the top"), "%s", err);
}
END_TEST

/* The real tools on loopback: what they write, the readers read. */
START_TEST(roundtrip_real_tools)
{
    const char *bin = getenv("SCC_BINARY_DIR");
    if (!bin) {
        fprintf(stderr, "roundtrip_real_tools: SCC_BINARY_DIR unset, skipped\n");
        return;
    }
    int port = 42000 + getpid() % 5000;
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "'%s/bin/scc' -q sink --listen 127.0.0.1:%d --timeout 5 --idle-timeout 0.3 "
             "--json '%s/s.json' --notify '%s/notify' --ready '%s/ready' & "
             "for i in $(seq 100); do [ -e '%s/ready' ] && break; sleep 0.02; done; "
             "'%s/bin/scc' -q gen --dst 127.0.0.1:%d --rate 5000 --count 500 --json '%s/g.json'"
             " && wait $!",
             bin, port, dir, dir, dir, dir, bin, port, dir);
    ck_assert_int_eq(system(cmd), 0);
    char p[256], err[256];
    struct tr_gen_result g;
    struct tr_sink_result s;
    snprintf(p, sizeof(p), "%s/g.json", dir);
    ck_assert_msg(tr_result_load_gen(p, &g, err, sizeof(err)) == 0, "%s", err);
    snprintf(p, sizeof(p), "%s/s.json", dir);
    ck_assert_msg(tr_result_load_sink(p, &s, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(g.sent, 500);
    ck_assert(g.have_rate);
    ck_assert_uint_eq(s.rx_pkts + s.warmup_discarded, 500);
    ck_assert(s.have_latency);
    ck_assert_uint_eq(s.lat.count, s.rx_pkts);
    ck_assert(s.lat.min <= s.lat.p50 && s.lat.p50 <= s.lat.max);
    ck_assert(s.have_window);
    ck_assert(s.window_open_ns >= s.first_rx_ns);
    ck_assert(s.first_rx_ns <= s.last_rx_ns && s.last_rx_ns <= s.window_close_ns);
    ck_assert(s.have_socket_drops);
    /* --notify wrote both lines, in order */
    char np[256], line[64] = "";
    snprintf(np, sizeof(np), "%s/notify", dir);
    FILE *f = fopen(np, "re");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    ck_assert_str_eq(line, "window-open\nwindow-close\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tr_result");
    TCase *tc = tcase_create("result");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, gen_good);
    tcase_add_test(tc, gen_bad);
    tcase_add_test(tc, sink_good);
    tcase_add_test(tc, sink_bad);
    tcase_add_test(tc, roundtrip_real_tools);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
