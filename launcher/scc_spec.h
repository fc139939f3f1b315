/*
 * scc_spec — the chain specification: JSON in, one validated, normalised
 * struct out (every default filled in), or every problem found, each with
 * the JSON path where it is and a hint.
 *
 * The field-by-field reference is docs/chain-spec.md. The struct is plain
 * data read by every part of SCC (launcher, NF process, scheduler,
 * profiler); only this module writes it.
 */
#ifndef SCC_SPEC_H
#define SCC_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/scc_util.h"

struct json_object;

#define SCC_NAME_MAX 33      /* chain, NF and host names: 1..32 characters */
#define SCC_MAX_NFS 64
#define SCC_MAX_HOSTS 16
#define SCC_MAX_ROUTES 1024

enum scc_mode { SCC_MODE_PROFILE, SCC_MODE_RUNTIME };
enum scc_transport { SCC_TRANSPORT_RAW, SCC_TRANSPORT_UDP, SCC_TRANSPORT_URING, SCC_TRANSPORT_XDP };
enum scc_idle { SCC_IDLE_BLOCK, SCC_IDLE_BUSY };
enum scc_link { SCC_LINK_B2B, SCC_LINK_BRIDGE, SCC_LINK_UDP };
enum scc_env { SCC_ENV_NATIVE, SCC_ENV_NETNS };
enum scc_nf_type { SCC_NF_PIPELINE, SCC_NF_ROUTER, SCC_NF_FIREWALL, SCC_NF_L2FWD,
                   SCC_NF_NAT, SCC_NF_COUNTER };
enum scc_policy { SCC_POLICY_OTHER, SCC_POLICY_BATCH, SCC_POLICY_RR, SCC_POLICY_FIFO,
                  SCC_POLICY_IDLE };
enum scc_sched_mode { SCC_SCHED_PINNED, SCC_SCHED_UNIPROCESSOR, SCC_SCHED_CHAIN_ORDER,
                      SCC_SCHED_FUSED };
enum scc_reserve_scope { SCC_RESERVE_ALL, SCC_RESERVE_CGROUP, SCC_RESERVE_PIDS };
enum scc_restart { SCC_RESTART_NO, SCC_RESTART_ON_FAILURE };
enum scc_size_dist { SCC_DIST_FIXED, SCC_DIST_IMIX, SCC_DIST_DATACENTER };
/* nfs[i].reverse: how an NF forwards replies (docs/endpoints.md). auto is
 * resolved at load time to the type's default (nf_type_default_reverse). */
enum scc_reverse { SCC_REVERSE_AUTO, SCC_REVERSE_PIPELINE, SCC_REVERSE_STRAIGHT,
                   SCC_REVERSE_NONE };

/* Name tables, indexed by the enums above (for printing and docs). */
extern const char *const scc_mode_names[];
extern const char *const scc_transport_names[];
extern const char *const scc_idle_names[];
extern const char *const scc_link_names[];
extern const char *const scc_env_names[];
extern const char *const scc_nf_type_names[];
extern const char *const scc_policy_names[];
extern const char *const scc_sched_mode_names[];
extern const char *const scc_reserve_scope_names[];
extern const char *const scc_chain_order_names[];
extern const char *const scc_restart_names[];
extern const char *const scc_size_dist_names[];
extern const char *const scc_reverse_names[];

struct scc_io_spec {
    enum scc_transport transport; /* default raw; uring/xdp: frames as the interconnect
                                     carries them (raw, or VXLAN over udp), moved by
                                     io_uring / AF_XDP */
    bool uring_sqpoll;            /* uring only: a kernel submission thread */
    struct scc_cpuset uring_sqpoll_cpus; /* uring_sqpoll only: its one core (SQ_AFF); empty =
                                            the thread takes the NF's affinity */
    unsigned uring_spin_us;       /* uring_sqpoll only: 0 (default) .. 10000, the receive
                                     spin before sleeping (scc-nf --uring-spin-us) */
    unsigned batch;               /* 1..1024, default 32 */
    enum scc_idle idle;           /* default block */
    unsigned udp_port;            /* default 4789 */
    uint32_t vni;                 /* 0..16777215, default 1 */
    unsigned queues;              /* 1..64, default 1: TX and RX queues of every veth the
                                     chain makes (an xdp NF binds a socket to each) */
};

struct scc_sched_params {
    enum scc_policy policy;  /* default other */
    int nice;                /* -20..19, default 0 */
    int rt_priority;         /* 1..99 for rr/fifo, else 0 */
    double slice_ms;         /* 0 = kernel default; else 0.1..100 (sched_setattr runtime) */
};

struct scc_route {
    uint32_t prefix;  /* host order, already masked */
    int len;          /* 0..32 */
    int port;         /* 0 = forward along the chain; other ports are dropped and counted */
    bool has_mac;
    uint8_t mac[6];   /* next-hop MAC written as the frame's destination */
};

struct scc_nf_spec {
    char name[SCC_NAME_MAX];
    enum scc_nf_type type;
    char *pipeline;              /* the pipeline string (given, or expanded from type) */
    enum scc_env env;            /* default netns */
    struct scc_cpuset cpus;      /* empty = not pinned */
    char host[SCC_NAME_MAX];     /* "" = every host / single-host */
    struct scc_sched_params sched; /* chain default merged with this NF's overrides */
    enum scc_restart restart;    /* default no */
    bool fuse;                   /* default true; false: never fused with a neighbour
                                    (scheduler.mode "fused", docs/fusion.md) */
    char user[SCC_NAME_MAX];     /* user the NF becomes once its sockets are open
                                    (the chain's nf_user unless given); "" = stay */
    enum scc_reverse reverse;    /* replies (with endpoints); never auto after loading */
    /* typed configuration (kept for printing; already expanded into pipeline) */
    struct scc_route *routes;
    int nroutes;
    char **rules;
    int nrules;
    bool has_src_mac, has_dst_mac;
    uint8_t src_mac[6], dst_mac[6];
    uint32_t router_addr;        /* router: ICMP Time Exceeded source; 0 = none given */
    uint32_t nat_addr_lo, nat_addr_hi;
    unsigned nat_port_lo, nat_port_hi;
    unsigned nat_timeout_s;
};

struct scc_host_spec {
    char name[SCC_NAME_MAX];
    uint32_t address; /* host order */
};

#define SCC_MAX_RESERVE_PIDS 64
#define SCC_CGROUP_MAX 256

/* chain-order's hand-off (docs/scheduler.md): sched_yield() after each
 * batch, or a futex token passed round the NFs of a core (nfs/nf_ring.h) */
enum scc_chain_order { SCC_CHAIN_ORDER_YIELD, SCC_CHAIN_ORDER_TOKEN };

struct scc_sched_spec {
    struct scc_sched_params defaults;
    unsigned rr_timeslice_ms;         /* 0 = leave the sysctl alone */
    struct scc_cpuset reserve_cores;  /* empty = reserve nothing */
    enum scc_reserve_scope reserve_scope; /* default pids */
    char reserve_cgroup[SCC_CGROUP_MAX]; /* scope cgroup: the cgroup whose tasks leave */
    int reserve_pids[SCC_MAX_RESERVE_PIDS]; /* scope pids: the tasks that leave */
    int nreserve_pids;
    bool reserve_irqs;                /* also move IRQ affinities off the reserved cores */
    enum scc_sched_mode mode;         /* default pinned */
    /* uniprocessor mode: the core every NF runs on. Resolved at load time:
     * the given core, else the first core of nfs[0].cpu, else the first
     * online core; -1 when the mode is another. Every NF's cpus (and, with
     * uniprocessor_traffic, traffic.gen_cpu/sink_cpu) are set to it. */
    int uniprocessor_cpu;
    bool uniprocessor_traffic;        /* the generator and sink run on that core too */
    enum scc_chain_order chain_order; /* mode chain-order: how a stage hands the core on */
};

#define SCC_MAX_EVENTS 32
struct scc_profiler_spec {
    char *events[SCC_MAX_EVENTS];   /* default: {"default"} */
    int nevents;
    unsigned interval_ms;           /* 0 = counting mode (read at the end) */
    char *calibration;              /* path or NULL (built-in defaults) */
};

struct scc_traffic_spec {
    bool present;             /* a traffic block was given */
    uint64_t rate_pps;        /* default 10000 */
    enum scc_size_dist dist;  /* default fixed */
    unsigned size;            /* fixed frame size 64..1518, default 64 */
    double duration_s;        /* default 5 */
    uint64_t count;           /* 0 = run for duration */
    unsigned flows;           /* default 1 */
    double warmup_s;          /* default 0.5 */
    /* Placement and pacing of the measuring instruments (issue 10). Empty
     * cpusets mean automatic placement by the launcher (docs/launcher.md). */
    struct scc_cpuset gen_cpus;   /* traffic.gen_cpu */
    struct scc_cpuset sink_cpus;  /* traffic.sink_cpu */
    int gen_spin_us;              /* traffic.gen_spin_us: 0..1000000, or -1 = auto (spin
                                   * only on a core of its own) */
    unsigned gen_batch;           /* traffic.gen_batch: 1..1024; 0 (absent) = io.batch */
    unsigned sink_batch;          /* traffic.sink_batch: 1..1024; 0 (absent) = io.batch */
    enum scc_idle sink_idle;      /* traffic.sink_idle: default block */
    bool clocks_synced;           /* traffic.clocks_synced: hosts' clocks are synchronised (PTP) */
};

/* The endpoints block (docs/endpoints.md): two namespaces at the chain's
 * ends for ordinary applications, instead of the generator and sink. */
struct scc_endpoints_spec {
    bool present;          /* the block was given (or scc run --endpoints) */
    uint32_t ingress;      /* host order; default 10.201.1.1 */
    uint32_t egress;       /* host order; default 10.201.2.1 */
    unsigned prefix_len;   /* 8..30, default 24: each endpoint's subnet */
};

/* Each endpoint's gateway: the last usable address of its subnet (the
 * address its default route points at; the NFs answer no ARP, so the
 * launcher writes the gateway's neighbour entry). */
uint32_t scc_endpoint_gateway(uint32_t addr, unsigned prefix_len);

struct scc_chain {
    char name[SCC_NAME_MAX];
    enum scc_mode mode;             /* default runtime */
    struct scc_io_spec io;
    enum scc_link interconnect;     /* default b2b */
    char nf_user[SCC_NAME_MAX];     /* every NF's user (docs/security.md); "" = root */
    struct scc_host_spec hosts[SCC_MAX_HOSTS];
    int nhosts;
    struct scc_nf_spec nfs[SCC_MAX_NFS];
    int nnfs;
    struct scc_sched_spec sched;
    struct scc_profiler_spec profiler;
    struct scc_traffic_spec traffic;
    struct scc_endpoints_spec endpoints;
};

struct scc_diags;
/* Check the endpoints block against the rest of the chain (interconnect,
 * hosts, scheduler mode, traffic, addresses); called by the loader when
 * the block is given and by `scc run --endpoints` after setting present.
 * Adds errors to diags (a NULL diags is allowed: then it only counts).
 * Returns the number of errors. */
int scc_spec_check_endpoints(const struct scc_chain *chain, struct scc_diags *diags);

/* With endpoints: give every router without config.addr its default
 * address (the ingress gateway minus the NF's position in the chain, so
 * each hop answers from its own address; docs/endpoints.md) and expand its
 * pipeline again, so it answers expired TTLs. Call after
 * scc_spec_check_endpoints passed. Returns 0 or -ENOMEM. */
int scc_spec_endpoint_defaults(struct scc_chain *chain);

/*
 * Problems found while loading, each with a JSON path ("" = the document)
 * and a message. Two severities:
 *   errors    the chain is refused (the loaders return NULL);
 *   warnings  the chain loads, but something in it will mislead or hurt a
 *             measurement (e.g. an idle "busy" NF sharing a core). The
 *             loaders record them and never print; callers show them
 *             (`scc validate` prints "warning: path: msg" to stderr).
 * scc_diags_count/path/msg see the errors only (index i < count), so a load
 * fails exactly when scc_diags_count() grew; the _warning_ functions see
 * the warnings (i < scc_diags_nwarnings()). Both keep the order found.
 */
struct scc_diags;
struct scc_diags *scc_diags_new(void);
void scc_diags_free(struct scc_diags *d); /* accepts NULL */
size_t scc_diags_count(const struct scc_diags *d); /* errors */
const char *scc_diags_path(const struct scc_diags *d, size_t i);
const char *scc_diags_msg(const struct scc_diags *d, size_t i);
size_t scc_diags_nwarnings(const struct scc_diags *d);
const char *scc_diags_warning_path(const struct scc_diags *d, size_t i);
const char *scc_diags_warning_msg(const struct scc_diags *d, size_t i);
/* Errors as "path: msg" per line, to a stdio stream (FILE *). */
void scc_diags_print(const struct scc_diags *d, void *stdio_file);
/* Warnings as "warning: path: msg" per line. */
void scc_diags_print_warnings(const struct scc_diags *d, void *stdio_file);

struct scc_spec_opts {
    size_t sz;
    const struct scc_cpuset *online; /* NULL: read /sys/devices/system/cpu/online */
    bool skip_file_checks;           /* don't open the calibration file */
};

/*
 * Load and validate. Returns a chain when there were no errors (warnings
 * may have been added to diags); NULL when there was at least one error
 * (all of them are in diags) or on allocation failure (errno = ENOMEM, a
 * diag says so). diags must not be NULL.
 */
struct scc_chain *scc_spec_load_file(const char *path, const struct scc_spec_opts *opts,
                                     struct scc_diags *diags);
struct scc_chain *scc_spec_load_string(const char *json, const struct scc_spec_opts *opts,
                                       struct scc_diags *diags);
void scc_chain_free(struct scc_chain *chain); /* accepts NULL */

/* The normalised chain as JSON (every default explicit); NULL on ENOMEM.
 * Loading this JSON again gives the same chain. */
struct json_object *scc_chain_to_json(const struct scc_chain *chain);

/* NF by name, or NULL. */
const struct scc_nf_spec *scc_chain_find_nf(const struct scc_chain *chain, const char *name);

/* The built-in default chain (firewall -> router -> l2fwd, netns + b2b, batch 32). */
extern const char scc_default_chain_json[];

#endif
