/*
 * prof_events — which hardware events feed which term of the per-packet
 * latency model (paper Table 3), per microarchitecture, and their encoding
 * into perf_event attributes through libpfm4.
 *
 *   L_D1 L_D2 L_D3 L_DM   loads served by L1D, L2, L3 (the LLC), DRAM
 *   L_T1 L_T2 L_TM        first-level DTLB misses that hit the second-level
 *                         TLB (STLB), STLB misses (page walks), page walks
 *                         whose page-table loads went to DRAM
 *   L_CS L_SC             context switches, system calls (software events
 *                         and tracepoints: prof_group, not these tables)
 *
 * Each table entry names a libpfm4 event (without its PMU prefix: the table
 * says which libpfm4 PMUs it serves) and says how it feeds its term:
 * directly (each event is one hit at that level), as the L1D access count
 * from which the L1 misses of the table are subtracted (AMD has no L1-hit
 * event), or for information only (shown in the report, not multiplied).
 *
 * What each vendor cannot give is part of the table (`limits`) and is
 * printed where the terms are: the model never pretends.
 *
 * Encoding needs no PMU: with LIBPFM_ENCODE_INACTIVE=1 in the environment
 * before the first call, libpfm4 encodes any PMU's events, which is how
 * the unit tests check every name offline. Whether an event *counts* here
 * is only known by opening it (prof_group), never from the CPU model.
 */
#ifndef PROF_EVENTS_H
#define PROF_EVENTS_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>

enum prof_term {
    PROF_TERM_D1,
    PROF_TERM_D2,
    PROF_TERM_D3,
    PROF_TERM_DM,
    PROF_TERM_T1,
    PROF_TERM_T2,
    PROF_TERM_TM,
    PROF_TERM_CS,
    PROF_TERM_SC,
    PROF_NTERMS
};

/* "L_D1" .. "L_SC" */
extern const char *const prof_term_names[PROF_NTERMS];
/* In words, for the report: "loads served by L1D", "context switches"... */
extern const char *const prof_term_words[PROF_NTERMS];

enum prof_ev_use {
    PROF_EV_HITS,     /* each event is one event of its term */
    PROF_EV_ACCESSES, /* L1D accesses: term events = this − the table's l1_miss entries */
    PROF_EV_INFO,     /* reported, not multiplied into a term */
};

struct prof_event_def {
    const char *name;     /* libpfm4 name without PMU: "MEM_LOAD_RETIRED:L1_HIT" */
    enum prof_term term;  /* term it feeds (for INFO: the term it details) */
    enum prof_ev_use use;
    bool l1_miss;         /* a fill into L1D: also one L1D miss */
    const char *what;     /* one line for --list-events and the docs */
};

struct prof_event_table {
    const char *id;             /* "intel-skx+", "amd-zen2", ... */
    const char *vendor;         /* "Intel", "AMD" */
    const char *const *pmus;    /* libpfm4 core PMU names served; NULL-terminated */
    const struct prof_event_def *events;
    size_t nevents;
    const char *limits;         /* what this vendor's counters cannot give */
};

/* All tables; *n gets their number. Cannot fail. */
const struct prof_event_table *prof_events_tables(size_t *n);
/* The table serving libpfm4 PMU `pmu` ("skx", "amd64_fam19h_zen3"), or NULL. */
const struct prof_event_table *prof_events_table_for_pmu(const char *pmu);

/* Initialise libpfm4 (once per process; later calls return the first
 * result). Returns 0 or -EIO with the libpfm4 message in err. Set
 * LIBPFM_ENCODE_INACTIVE / LIBPFM_FORCE_PMU before the first call. */
int prof_events_init(char *err, size_t errlen);

/* The core PMU libpfm4 detects on this CPU (from CPUID: it says nothing
 * about whether a PMU is exposed, e.g. in a VM), and the table serving it.
 * Returns 0, -ENOENT when no present core PMU has a table (pmu still
 * names the detected PMU, or "" when none), or -EIO when libpfm4 fails. */
int prof_events_detect(char *pmu, size_t pmulen, const struct prof_event_table **table);

/* Encode `name` ("EVENT:UMASK", optionally "pmu::EVENT:UMASK"; with
 * pmu != NULL the name is looked up in that PMU) into *attr for
 * perf_event_open, counting user and kernel. *attr is zeroed first and
 * attr->size set. Returns 0, -ENOENT (unknown event or PMU), -EINVAL
 * (bad attribute) or -EIO; err says what libpfm4 said about which name. */
int prof_events_encode(const char *pmu, const char *name, struct perf_event_attr *attr,
                       char *err, size_t errlen);

/* Number of general-purpose counters of libpfm4 PMU `pmu` (what one
 * event group may hold), or -ENOENT. */
int prof_events_pmu_counters(const char *pmu);

#endif
