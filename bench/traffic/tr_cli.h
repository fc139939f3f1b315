/*
 * tr_cli — pieces the `scc gen` and `scc sink` commands share: endpoint
 * and enum parsing, a stop flag set by SIGINT/SIGTERM, latency summaries
 * as JSON and as text, and writing a JSON document to a file.
 */
#ifndef TR_CLI_H
#define TR_CLI_H

#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bench/traffic/tr_hist.h"
#include "nfs/nf_io.h"

extern volatile sig_atomic_t tr_stop;
/* SIGINT/SIGTERM set tr_stop (no SA_RESTART, so sleeps end early). */
void tr_install_signals(void);

/* "ADDR:PORT", ":PORT" or "PORT" (address default_addr, host order).
 * 0 or -EINVAL. */
int tr_parse_endpoint(const char *s, uint32_t default_addr, struct sockaddr_in *out);
void tr_format_endpoint(const struct sockaddr_in *a, char *buf, size_t len);
int tr_parse_transport(const char *s, enum nf_io_transport *out);
int tr_parse_idle(const char *s, enum nf_io_idle *out);

/* The percentile set every report uses. */
extern const double tr_pcts[];
extern const char *const tr_pct_names[];
#define TR_NPCTS 9

/* {"count","min","p1",...,"p99.9","max","iqr","mean","stddev"} in ns;
 * everything but count is null when the histogram is empty. */
json_object *tr_hist_json(const struct tr_hist *h);
/* One line: the percentile set in µs, right-aligned under tr_hist_header(). */
void tr_hist_print(FILE *f, const char *label, const struct tr_hist *h);
void tr_hist_header(FILE *f, const char *label);

/* Pretty-print obj to path ("-" = stdout). 0, or -errno with err filled. */
int tr_json_write(json_object *obj, const char *path, char *err, size_t errlen);

/* The I/O options `scc gen` and `scc sink` share: their getopt_long rows
 * (values above any command's own) and one parser, so both commands take
 * and check them the same way. */
enum { TR_O_TRANSPORT = 1000, TR_O_IF, TR_O_VNI, TR_O_BATCH, TR_O_IDLE, TR_O_SQPOLL,
       TR_O_SQCPU, TR_O_XDPQ };
#define TR_IO_LONGOPTS                                                                          \
    {"transport", required_argument, NULL, TR_O_TRANSPORT},                                    \
        {"if", required_argument, NULL, TR_O_IF}, {"vni", required_argument, NULL, TR_O_VNI},  \
        {"batch", required_argument, NULL, TR_O_BATCH},                                        \
        {"idle", required_argument, NULL, TR_O_IDLE},                                          \
        {"uring-sqpoll", no_argument, NULL, TR_O_SQPOLL},                                      \
        {"sqpoll-cpu", required_argument, NULL, TR_O_SQCPU},                                   \
        {"xdp-queues", required_argument, NULL, TR_O_XDPQ}
/* Apply shared option opt (a TR_O_* value) with argument arg to io. On a
 * bad value sets *bad to what a good one looks like; otherwise leaves it. */
void tr_io_option(int opt, const char *arg, struct nf_io_opts *io, const char **bad);
/* End of option parsing: stray arguments, and raw/xdp without --if, get a
 * message naming cmd; --transport uring takes its wire format from --if
 * (raw frames) or its absence (VXLAN-in-UDP). Returns 0, or -1 after
 * printing. */
int tr_io_options_done(const char *cmd, struct nf_io_opts *io, int argc, char **argv);
/* The --transport a handle's options stand for: raw, udp, uring,
 * uring+sqpoll, xdp (cannot fail). */
const char *tr_io_name(const struct nf_io_opts *io);

/* "udp" or "raw". */
const char *tr_transport_name(enum nf_io_transport t);
/* Where io sends or listens, for reports: udp: the remote (gen) or local
 * (sink) ADDR:PORT; raw: the interface. */
void tr_io_where(const struct nf_io_opts *io, bool remote, char *buf, size_t len);
/* The members every report opens with: schema, transport, endpoint, vni,
 * batch (docs/traffic.md). */
void tr_io_json_add(json_object *o, const char *schema, const struct nf_io_opts *io, bool remote);
/* "scc CMD: --NAME 'VALUE': expected WHAT" on stderr; returns -1. */
int tr_bad_value(const char *cmd, const char *name, const char *value, const char *what);

/* Unknown option / missing argument text for getopt_long loops; always
 * returns 2 (the usage-error exit status). */
int tr_bad_option(const char *cmd, int argc, char **argv, int opt);

#endif
