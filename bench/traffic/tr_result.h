/*
 * tr_result — typed readers for the reports `scc gen --json` (scc-gen/1)
 * and `scc sink --json` (scc-sink/1) write, for the launcher and anything
 * else that consumes them (experiment sweeps, the profiler).
 *
 * One loader per schema fills a struct. The schema string is checked, and
 * every key a reader relies on is required: a missing key, a key of the
 * wrong type or a negative count is an error that names the file and the
 * key ("sink.json: latency_ns.from_send.p99: missing"), never a silent 0.
 * What a run can legitimately lack is a key whose value is null (the
 * kernel counter that could not be read, latency that was not measured,
 * a window that never opened) and shows up as a false `have_*` flag, so a
 * reader can print "-" instead of 0. The field meanings are documented in
 * docs/traffic.md.
 */
#ifndef TR_RESULT_H
#define TR_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A latency histogram summary (ns): the percentile set of every report. */
struct tr_lat_summary {
    uint64_t count;
    uint64_t min, p1, p25, p50, p75, p99, p999, max;
    uint64_t iqr;           /* p75 - p25 */
};

/* scc-gen/1, a run report (not --search). */
struct tr_gen_result {
    uint64_t sent;          /* frames the kernel accepted */
    uint64_t bytes;
    bool have_rate;         /* false: --rate max (unpaced) */
    double rate_pps;        /* target rate */
    double achieved_pps;
    double elapsed_s;
    bool kept_up;
};

/* scc-sink/1. */
struct tr_sink_result {
    uint64_t rx_pkts;       /* counted, after warm-up */
    uint64_t rx_bytes;
    uint64_t warmup_discarded;
    double duration_s, pps, gbps;
    uint64_t lost, reordered, duplicates;
    uint64_t latency_negative; /* receive before send: excluded from latency */
    /* One-way latency from send. have_latency is false when the sink was
     * told the clocks are not comparable (latency_off holds its reason) or
     * when no sample was recorded (latency_off is then empty). */
    bool have_latency;
    struct tr_lat_summary lat;
    char latency_off[128];
    /* Kernel counters: false when the sink could not read them. */
    bool have_socket_drops, have_if_rx_dropped;
    uint64_t socket_drops, if_rx_dropped;
    /* The measurement window (CLOCK_MONOTONIC ns): when the sink started
     * and stopped counting, and the receive times of the first and last
     * counted frame. False when no frame was counted. */
    bool have_window;
    uint64_t window_open_ns, window_close_ns, first_rx_ns, last_rx_ns;
};

/* Read the file at path. 0 on success; -errno on failure with err naming
 * the file and the problem: -ENOENT/-EACCES/... (cannot read), -EINVAL
 * (not JSON, wrong schema, a missing or mistyped key). out is zeroed
 * first and is only meaningful on success. */
int tr_result_load_gen(const char *path, struct tr_gen_result *out, char *err, size_t errlen);
int tr_result_load_sink(const char *path, struct tr_sink_result *out, char *err, size_t errlen);

#endif
