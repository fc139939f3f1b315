/*
 * tr_cli — shared command-line and report helpers of `scc gen` and
 * `scc sink` (see tr_cli.h).
 */
#include "bench/traffic/tr_cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_util.h"

volatile sig_atomic_t tr_stop;

static void on_signal(int sig)
{
    (void)sig;
    tr_stop = 1;
}

void tr_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int tr_parse_endpoint(const char *s, uint32_t default_addr, struct sockaddr_in *out)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    const char *port_s = colon ? colon + 1 : s;
    uint32_t addr = default_addr;
    if (colon && colon != s) {
        size_t n = (size_t)(colon - s);
        if (n >= sizeof(host))
            return -EINVAL;
        memcpy(host, s, n);
        host[n] = '\0';
        if (scc_ipv4_parse(host, &addr) < 0)
            return -EINVAL;
    }
    long port;
    if (scc_parse_long(port_s, 0, 65535, &port) < 0)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    out->sin_addr.s_addr = htonl(addr);
    out->sin_port = htons((uint16_t)port);
    return 0;
}

void tr_format_endpoint(const struct sockaddr_in *a, char *buf, size_t len)
{
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    snprintf(buf, len, "%s:%u", ip, ntohs(a->sin_port));
}

int tr_parse_transport(const char *s, enum nf_io_transport *out)
{
    if (!strcmp(s, "raw"))
        *out = NF_IO_RAW;
    else if (!strcmp(s, "udp"))
        *out = NF_IO_UDP;
    else
        return -EINVAL;
    return 0;
}

int tr_parse_idle(const char *s, enum nf_io_idle *out)
{
    if (!strcmp(s, "block"))
        *out = NF_IO_BLOCK;
    else if (!strcmp(s, "busy"))
        *out = NF_IO_BUSY;
    else
        return -EINVAL;
    return 0;
}

const double tr_pcts[TR_NPCTS] = {1, 5, 25, 50, 75, 95, 99, 99.9, 0};
const char *const tr_pct_names[TR_NPCTS] = {"p1", "p5", "p25", "p50", "p75", "p95", "p99", "p99.9", NULL};

json_object *tr_hist_json(const struct tr_hist *h)
{
    /* An empty histogram measured nothing: null, never 0 (docs/traffic.md). */
    const bool any = tr_hist_count(h) > 0;
#define V(x) (any ? json_object_new_int64((int64_t)(x)) : NULL)
    json_object *o = json_object_new_object();
    json_object_object_add(o, "count", json_object_new_int64((int64_t)tr_hist_count(h)));
    json_object_object_add(o, "min", V(tr_hist_min(h)));
    for (int i = 0; tr_pct_names[i]; i++)
        json_object_object_add(o, tr_pct_names[i], V(tr_hist_percentile(h, tr_pcts[i])));
    json_object_object_add(o, "max", V(tr_hist_max(h)));
    json_object_object_add(o, "iqr", V(tr_hist_percentile(h, 75) - tr_hist_percentile(h, 25)));
#undef V
    json_object_object_add(o, "mean", any ? json_object_new_double(tr_hist_mean(h)) : NULL);
    json_object_object_add(o, "stddev", any ? json_object_new_double(tr_hist_stddev(h)) : NULL);
    return o;
}

void tr_hist_header(FILE *f, const char *label)
{
    fprintf(f, "  %-16s %9s", label, "min");
    for (int i = 0; tr_pct_names[i]; i++)
        fprintf(f, " %9s", tr_pct_names[i]);
    fprintf(f, " %9s %9s %9s\n", "max", "mean", "stddev");
}

void tr_hist_print(FILE *f, const char *label, const struct tr_hist *h)
{
    fprintf(f, "  %-16s %9.1f", label, (double)tr_hist_min(h) / 1e3);
    for (int i = 0; tr_pct_names[i]; i++)
        fprintf(f, " %9.1f", (double)tr_hist_percentile(h, tr_pcts[i]) / 1e3);
    fprintf(f, " %9.1f %9.1f %9.1f\n", (double)tr_hist_max(h) / 1e3, tr_hist_mean(h) / 1e3,
            tr_hist_stddev(h) / 1e3);
}

int tr_json_write(json_object *obj, const char *path, char *err, size_t errlen)
{
    const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!strcmp(path, "-")) {
        fprintf(stdout, "%s\n", s);
        return 0;
    }
    /* temporary file + rename: never a truncated result that looks whole */
    size_t n = strlen(s);
    char *buf = malloc(n + 2);
    if (!buf) {
        snprintf(err, errlen, "write: %s: %s", strerror(ENOMEM), path);
        return -ENOMEM;
    }
    memcpy(buf, s, n);
    buf[n] = '\n';
    int rc = scc_write_file_atomic(path, buf, n + 1, err, errlen);
    free(buf);
    return rc;
}

const char *tr_transport_name(enum nf_io_transport t)
{
    return t == NF_IO_UDP ? "udp" : "raw";
}

void tr_io_where(const struct nf_io_opts *io, bool remote, char *buf, size_t len)
{
    if (io->transport == NF_IO_UDP)
        tr_format_endpoint(remote ? &io->remote : &io->local, buf, len);
    else
        scc_strlcpy(buf, io->ifname, len);
}

void tr_io_json_add(json_object *o, const char *schema, const struct nf_io_opts *io, bool remote)
{
    char where[64];
    tr_io_where(io, remote, where, sizeof(where));
    json_object_object_add(o, "schema", json_object_new_string(schema));
    json_object_object_add(o, "transport", json_object_new_string(tr_io_name(io)));
    /* the frames' form on the wire, whichever transport moves them */
    json_object_object_add(o, "wire", json_object_new_string(tr_transport_name(io->transport)));
    json_object_object_add(o, "endpoint", json_object_new_string(where));
    json_object_object_add(o, "vni", json_object_new_int64(io->vni));
    json_object_object_add(o, "batch", json_object_new_int64(io->batch));
}

int tr_bad_value(const char *cmd, const char *name, const char *value, const char *what)
{
    fprintf(stderr, "scc %s: --%s '%s': expected %s\n", cmd, name, value, what);
    return -1;
}

int tr_bad_option(const char *cmd, int argc, char **argv, int opt)
{
    const char *what = optind - 1 < argc && optind >= 1 ? argv[optind - 1] : "?";
    if (opt == ':')
        fprintf(stderr, "scc %s: option '%s' needs a value; see `scc %s --help`\n", cmd, what,
                cmd);
    else
        fprintf(stderr, "scc %s: unknown option '%s'; see `scc %s --help`\n", cmd, what, cmd);
    return 2;
}

void tr_io_option(int opt, const char *a, struct nf_io_opts *io, const char **bad)
{
    long v;
    switch (opt) {
    case TR_O_TRANSPORT:
        io->engine = NF_IO_SOCKETS;
        if (!strcmp(a, "uring"))
            io->engine = NF_IO_URING; /* wire format: tr_io_options_done */
        else if (!strcmp(a, "xdp"))
            io->engine = NF_IO_XDP, io->transport = NF_IO_RAW;
        else if (tr_parse_transport(a, &io->transport) < 0)
            *bad = "raw, udp, uring or xdp";
        break;
    case TR_O_SQPOLL:
        io->uring_sqpoll = 1;
        break;
    case TR_O_SQCPU: /* online and allowed: io_uring_setup says (EINVAL) */
        if (scc_parse_long(a, 0, 4095, &v) < 0) {
            *bad = "a CPU number";
        } else {
            io->uring_sqpoll_pin = 1;
            io->uring_sqpoll_cpu = (int)v;
        }
        break;
    case TR_O_XDPQ:
        if (scc_parse_long(a, 1, NF_IO_XDP_MAX_QUEUES, &v) < 0)
            *bad = "a queue count in 1..64";
        else
            io->xdp_queues = (unsigned)v;
        break;
    case TR_O_IF:
        if (!*a || scc_strlcpy(io->ifname, a, sizeof(io->ifname)) >= sizeof(io->ifname))
            *bad = "an interface name of at most 15 characters";
        break;
    case TR_O_VNI:
        if (scc_parse_long(a, 0, 0xffffff, &v) < 0)
            *bad = "a VNI in 0..16777215";
        else
            io->vni = (uint32_t)v;
        break;
    case TR_O_BATCH:
        if (scc_parse_long(a, 1, NF_BATCH_MAX, &v) < 0)
            *bad = "a batch size in 1..1024";
        else
            io->batch = (unsigned)v;
        break;
    case TR_O_IDLE:
        if (tr_parse_idle(a, &io->idle) < 0)
            *bad = "block or busy";
        break;
    default:
        break;
    }
}

int tr_io_options_done(const char *cmd, struct nf_io_opts *io, int argc, char **argv)
{
    if (optind < argc) {
        fprintf(stderr, "scc %s: unexpected argument '%s'; see `scc %s --help`\n", cmd,
                argv[optind], cmd);
        return -1;
    }
    if (io->engine == NF_IO_URING)
        io->transport = io->ifname[0] ? NF_IO_RAW : NF_IO_UDP;
    if (io->transport == NF_IO_RAW && !io->ifname[0]) {
        fprintf(stderr, "scc %s: --transport %s needs --if IFNAME\n", cmd, tr_io_name(io));
        return -1;
    }
    if (io->uring_sqpoll && io->engine != NF_IO_URING) {
        fprintf(stderr, "scc %s: --uring-sqpoll needs --transport uring\n", cmd);
        return -1;
    }
    if (io->xdp_queues && io->engine != NF_IO_XDP) {
        fprintf(stderr, "scc %s: --xdp-queues needs --transport xdp\n", cmd);
        return -1;
    }
    if (io->uring_sqpoll_pin && !io->uring_sqpoll) {
        fprintf(stderr, "scc %s: --sqpoll-cpu needs --uring-sqpoll\n", cmd);
        return -1;
    }
    if (!nf_io_engine_available(io->engine)) {
        fprintf(stderr, "scc %s: --transport %s: not in this build (built without %s)\n", cmd,
                tr_io_name(io), io->engine == NF_IO_URING ? "liburing" : "libxdp");
        return -1;
    }
    return 0;
}

const char *tr_io_name(const struct nf_io_opts *io)
{
    switch (io->engine) {
    case NF_IO_URING: return io->uring_sqpoll ? "uring+sqpoll" : "uring";
    case NF_IO_XDP: return "xdp";
    default: return tr_transport_name(io->transport);
    }
}
