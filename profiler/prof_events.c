/*
 * prof_events — the per-microarchitecture hardware event tables of the
 * latency model and their libpfm4 encoding (see prof_events.h).
 *
 * Why these events:
 * - Intel (Skylake-SP and every later server core libpfm4 4.13 knows:
 *   skx, clx, icx, spr; client cores such as icl lack the remote-DRAM
 *   event) has retired-load events by where the load was
 *   served (MEM_LOAD_RETIRED.*), counted per thread at retirement, so
 *   L1/L2/L3/DRAM hits map one to one onto L_D1..L_DM. The DRAM split
 *   local/remote and the load/store totals are information.
 * - AMD Zen 2/3/4 has no "load hit L1" event: L_D1 is the dispatched loads
 *   minus the demand fills into L1D (the L1D misses), and the fills by
 *   source give L2, the local CCX's L3 (the per-process proxy for L3:
 *   Zen's L3 counters are in the L3 PMU, system-wide only), other caches
 *   and DRAM. Zen counts at dispatch, so wrong-path loads are included.
 * Both vendors' DTLB events give first-level misses that hit the STLB
 * (L_T1) and page walks (L_T2); neither says per thread where a walk's
 * page-table loads were served, so L_TM has no event on either (the model
 * reports it unavailable with that reason).
 */
#include "profiler/prof_events.h"

#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <string.h>

const char *const prof_term_names[PROF_NTERMS] = {
    "L_D1", "L_D2", "L_D3", "L_DM", "L_T1", "L_T2", "L_TM", "L_CS", "L_SC",
};

const char *const prof_term_words[PROF_NTERMS] = {
    "loads served by L1D",
    "loads served by L2",
    "loads served by L3",
    "loads served by DRAM",
    "DTLB misses that hit the STLB",
    "page walks",
    "page walks to DRAM",
    "context switches",
    "system calls",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const intel_pmus[] = {"skx", "clx", "icx", "spr", NULL};
static const struct prof_event_def intel_events[] = {
    {"MEM_LOAD_RETIRED:L1_HIT", PROF_TERM_D1, PROF_EV_HITS, false, "retired loads that hit L1D"},
    {"MEM_LOAD_RETIRED:L2_HIT", PROF_TERM_D2, PROF_EV_HITS, false, "retired loads that hit L2"},
    {"MEM_LOAD_RETIRED:L3_HIT", PROF_TERM_D3, PROF_EV_HITS, false, "retired loads that hit L3"},
    {"MEM_LOAD_RETIRED:L3_MISS", PROF_TERM_DM, PROF_EV_HITS, false,
     "retired loads that missed L3 (served by DRAM or another socket)"},
    {"MEM_LOAD_L3_MISS_RETIRED:LOCAL_DRAM", PROF_TERM_DM, PROF_EV_INFO, false,
     "of those, served by local DRAM"},
    {"MEM_LOAD_L3_MISS_RETIRED:REMOTE_DRAM", PROF_TERM_DM, PROF_EV_INFO, false,
     "of those, served by remote DRAM"},
    {"DTLB_LOAD_MISSES:STLB_HIT", PROF_TERM_T1, PROF_EV_HITS, false,
     "loads that missed the DTLB and hit the STLB"},
    {"DTLB_STORE_MISSES:STLB_HIT", PROF_TERM_T1, PROF_EV_HITS, false,
     "stores that missed the DTLB and hit the STLB"},
    {"DTLB_LOAD_MISSES:WALK_COMPLETED", PROF_TERM_T2, PROF_EV_HITS, false,
     "loads whose STLB miss completed a page walk"},
    {"DTLB_STORE_MISSES:WALK_COMPLETED", PROF_TERM_T2, PROF_EV_HITS, false,
     "stores whose STLB miss completed a page walk"},
    {"MEM_INST_RETIRED:ALL_LOADS", PROF_TERM_D1, PROF_EV_INFO, false, "all retired loads"},
    {"MEM_INST_RETIRED:ALL_STORES", PROF_TERM_D1, PROF_EV_INFO, false, "all retired stores"},
};

/* The DTLB reload events are the same on Zen 2, 3 and 4. */
#define ZEN_TLB_EVENTS                                                                        \
    {"L1_DTLB_MISS:TLB_RELOAD_4K_L2_HIT:TLB_RELOAD_2M_L2_HIT:TLB_RELOAD_1G_L2_HIT:"            \
     "TLB_RELOAD_COALESCED_PAGE_HIT",                                                        \
     PROF_TERM_T1, PROF_EV_HITS, false, "L1 DTLB misses that hit the L2 DTLB"},              \
    {"L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS:TLB_RELOAD_2M_L2_MISS:TLB_RELOAD_1G_L2_MISS:"        \
     "TLB_RELOAD_COALESCED_PAGE_MISS",                                                       \
     PROF_TERM_T2, PROF_EV_HITS, false, "L2 DTLB misses (page walks)"},                       \
    {"LS_DISPATCH:STORE_DISPATCH", PROF_TERM_D1, PROF_EV_INFO, false, "stores dispatched"}

#define ZEN_LIMITS                                                                            \
    "Zen counts at dispatch (wrong-path loads included, no retired-load-by-source events); " \
    "L1D hits are dispatched loads minus demand fills; the true L3 counters are in the L3 "  \
    "PMU, system-wide only, so L_D3 counts fills from the local CCX (L3 or a sibling L2) "   \
    "and from other CCXs; no event says where a page walk was served (no L_TM)"

static const char *const zen2_pmus[] = {"amd64_fam17h_zen2", NULL};
static const struct prof_event_def zen2_events[] = {
    {"LS_DISPATCH:LD_DISPATCH", PROF_TERM_D1, PROF_EV_ACCESSES, false,
     "loads dispatched (L1D accesses)"},
    {"DATA_CACHE_REFILLS_FROM_SYSTEM:MABRESP_LCL_L2", PROF_TERM_D2, PROF_EV_HITS, true,
     "L1D fills from the local L2"},
    {"DATA_CACHE_REFILLS_FROM_SYSTEM:LS_MABRESP_LCL_CACHE", PROF_TERM_D3, PROF_EV_HITS, true,
     "L1D fills from the local CCX's L3 or a sibling core's cache"},
    {"DATA_CACHE_REFILLS_FROM_SYSTEM:LS_MABRESP_RMT_CACHE", PROF_TERM_D3, PROF_EV_HITS, true,
     "L1D fills from a cache of another die"},
    {"DATA_CACHE_REFILLS_FROM_SYSTEM:LS_MABRESP_LCL_DRAM:LS_MABRESP_RMT_DRAM", PROF_TERM_DM,
     PROF_EV_HITS, true, "L1D fills from DRAM (local or remote)"},
    ZEN_TLB_EVENTS,
};

static const char *const zen3_pmus[] = {"amd64_fam19h_zen3", NULL};
static const struct prof_event_def zen3_events[] = {
    {"LS_DISPATCH:LD_DISPATCH", PROF_TERM_D1, PROF_EV_ACCESSES, false,
     "loads dispatched (L1D accesses)"},
    {"DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:LCL_L2", PROF_TERM_D2, PROF_EV_HITS, true,
     "demand L1D fills from the local L2"},
    {"DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:INT_CACHE", PROF_TERM_D3, PROF_EV_HITS, true,
     "demand L1D fills from the local CCX (its L3 or a sibling L2)"},
    {"DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:EXT_CACHE_LCL:EXT_CACHE_RMT", PROF_TERM_D3,
     PROF_EV_HITS, true, "demand L1D fills from another CCX's cache"},
    {"DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:MEM_IO_LCL:MEM_IO_RMT", PROF_TERM_DM, PROF_EV_HITS, true,
     "demand L1D fills from DRAM or I/O (local or remote)"},
    ZEN_TLB_EVENTS,
};

static const char *const zen4_pmus[] = {"amd64_fam19h_zen4", NULL};
static const struct prof_event_def zen4_events[] = {
    {"LS_DISPATCH:LD_DISPATCH", PROF_TERM_D1, PROF_EV_ACCESSES, false,
     "loads dispatched (L1D accesses)"},
    {"DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:LCL_L2", PROF_TERM_D2, PROF_EV_HITS, true,
     "demand L1D fills from the local L2"},
    {"DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:LOCAL_CCX", PROF_TERM_D3, PROF_EV_HITS, true,
     "demand L1D fills from the local CCX (its L3 or a sibling L2)"},
    {"DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:NEAR_CACHE_NEAR_FAR:FAR_CACHE_NEAR_FAR", PROF_TERM_D3,
     PROF_EV_HITS, true, "demand L1D fills from another CCX's cache"},
    {"DEMAND_DATA_CACHE_FILLS_FROM_SYSTEM:DRAM_IO_NEAR:DRAM_IO_FAR:ALT_MEM_NEAR_FAR", PROF_TERM_DM,
     PROF_EV_HITS, true, "demand L1D fills from DRAM, CXL or I/O"},
    ZEN_TLB_EVENTS,
};

static const struct prof_event_table tables[] = {
    {"intel-skx+", "Intel", intel_pmus, intel_events, N(intel_events),
     "MEM_LOAD_RETIRED counts loads only (stores are not in L_D*); a load served by another "
     "socket's cache counts as L3_MISS; no event says where a page walk was served (no L_TM)"},
    {"amd-zen2", "AMD", zen2_pmus, zen2_events, N(zen2_events), ZEN_LIMITS},
    {"amd-zen3", "AMD", zen3_pmus, zen3_events, N(zen3_events), ZEN_LIMITS},
    {"amd-zen4", "AMD", zen4_pmus, zen4_events, N(zen4_events), ZEN_LIMITS},
};

const struct prof_event_table *prof_events_tables(size_t *n)
{
    *n = N(tables);
    return tables;
}

const struct prof_event_table *prof_events_table_for_pmu(const char *pmu)
{
    for (size_t t = 0; t < N(tables); t++)
        for (const char *const *p = tables[t].pmus; *p; p++)
            if (strcmp(*p, pmu) == 0)
                return &tables[t];
    return NULL;
}

static int pfm_ret = 1; /* 1 = not yet called */

int prof_events_init(char *err, size_t errlen)
{
    if (pfm_ret == 1)
        pfm_ret = pfm_initialize();
    if (pfm_ret != PFM_SUCCESS) {
        snprintf(err, errlen, "pfm_initialize: %s", pfm_strerror(pfm_ret));
        return -EIO;
    }
    return 0;
}

int prof_events_detect(char *pmu, size_t pmulen, const struct prof_event_table **table)
{
    char err[128];
    *table = NULL;
    if (pmulen)
        pmu[0] = '\0';
    if (prof_events_init(err, sizeof(err)) < 0)
        return -EIO;
    int i;
    pfm_for_all_pmus(i)
    {
        pfm_pmu_info_t info;
        memset(&info, 0, sizeof(info));
        info.size = sizeof(info);
        if (pfm_get_pmu_info(i, &info) != PFM_SUCCESS || !info.is_present)
            continue;
        /* the generic "perf" and "perf_raw" PMUs are always present */
        if (info.type != PFM_PMU_TYPE_CORE || strncmp(info.name, "perf", 4) == 0)
            continue;
        if (pmulen && !pmu[0])
            snprintf(pmu, pmulen, "%s", info.name);
        const struct prof_event_table *t = prof_events_table_for_pmu(info.name);
        if (t) {
            snprintf(pmu, pmulen, "%s", info.name);
            *table = t;
            return 0;
        }
    }
    return -ENOENT;
}

int prof_events_encode(const char *pmu, const char *name, struct perf_event_attr *attr,
                       char *err, size_t errlen)
{
    int r = prof_events_init(err, errlen);
    if (r < 0)
        return r;
    char full[512];
    if (pmu && !strstr(name, "::"))
        snprintf(full, sizeof(full), "%s::%s", pmu, name);
    else
        snprintf(full, sizeof(full), "%s", name);

    memset(attr, 0, sizeof(*attr));
    pfm_perf_encode_arg_t arg;
    memset(&arg, 0, sizeof(arg));
    arg.size = sizeof(arg);
    arg.attr = attr;
    /* kernel time included: the network path of an NF's packets is kernel time */
    int ret = pfm_get_os_event_encoding(full, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
    attr->size = sizeof(*attr);
    if (ret == PFM_SUCCESS)
        return 0;
    snprintf(err, errlen, "libpfm4 cannot encode %s: %s", full, pfm_strerror(ret));
    switch (ret) {
    case PFM_ERR_NOTFOUND:
    case PFM_ERR_NOTSUPP:
        return -ENOENT;
    case PFM_ERR_ATTR:
    case PFM_ERR_ATTR_VAL:
    case PFM_ERR_ATTR_SET:
    case PFM_ERR_INVAL:
    case PFM_ERR_FEATCOMB:
    case PFM_ERR_UMASK:
        return -EINVAL;
    default:
        return -EIO;
    }
}

int prof_events_pmu_counters(const char *pmu)
{
    char err[128];
    if (prof_events_init(err, sizeof(err)) < 0)
        return -EIO;
    int i;
    pfm_for_all_pmus(i)
    {
        pfm_pmu_info_t info;
        memset(&info, 0, sizeof(info));
        info.size = sizeof(info);
        if (pfm_get_pmu_info(i, &info) == PFM_SUCCESS && info.name &&
            strcmp(info.name, pmu) == 0)
            return info.num_cntrs;
    }
    return -ENOENT;
}
