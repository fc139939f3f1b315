/*
 * ln_sched — see ln_sched.h.
 *
 * Why the policy is set from the launcher after the spawn (the nf_started
 * hook) and not in the child before exec: the hook runs for the first start
 * and for every restart alike, and the read-back that follows is of the
 * very process that runs. NFs in a namespace run as `ip netns exec NS
 * scc-nf ...`: ip execs without forking, so the pid is the NF's, and the
 * policy set on it survives the exec. SCHED_FLAG_RESET_ON_FORK keeps a
 * real-time policy from leaking into anything the NF might start.
 *
 * The default (other, nice 0, no custom slice) is applied too: the run is
 * then explicit and never inherits the launcher's own scheduling.
 */
#include "launcher/ln_sched.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "common/scc_util.h"
#include "launcher/ln_exec.h"
#include "scheduler/sched_policy.h"
#include "scheduler/sched_reserve.h"

#define RR_SYSCTL "/proc/sys/kernel/sched_rr_timeslice_ms"

#define SLICE_CUSTOM "custom (sched_runtime)"
#define SLICE_DEFAULT "kernel default"
#define SLICE_FALLBACK "kernel default (custom slices need Linux 6.12+)"

struct ln_sched {
    const struct scc_chain *ch;
    const struct ln_plan *plan;
    struct ln_state *state;
    struct ln_sched_row rows[SCC_MAX_NFS];
    bool idle_nice_warned;
    /* the reservation, once made (restarted NFs join it) */
    bool reserved;
    char reserve_err[300];
    struct sched_reserve_req rreq;
    char rname[2 * SCC_NAME_MAX + 8];
    pid_t rpids[SCC_MAX_RESERVE_PIDS];
    pid_t keep[1];
    pid_t members[SCC_MAX_NFS];
    struct sched_reserve_report *rep;
};

struct ln_sched *ln_sched_new(const struct scc_chain *ch, const struct ln_plan *plan)
{
    struct ln_sched *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->ch = ch;
    s->plan = plan;
    for (int i = 0; i < ch->nnfs; i++)
        snprintf(s->rows[i].name, sizeof(s->rows[i].name), "%s", ch->nfs[i].name);
    return s;
}

void ln_sched_free(struct ln_sched *s)
{
    if (!s)
        return;
    free(s->rep);
    free(s);
}

void ln_sched_set_state(struct ln_sched *s, struct ln_state *st)
{
    s->state = st;
}

/* ---- reading back ------------------------------------------------------- */

static int kernel_policy(enum scc_policy p)
{
    switch (p) {
    case SCC_POLICY_BATCH: return SCHED_BATCH;
    case SCC_POLICY_RR: return SCHED_RR;
    case SCC_POLICY_FIFO: return SCHED_FIFO;
    case SCC_POLICY_IDLE: return SCHED_IDLE;
    default: return SCHED_OTHER;
    }
}

static bool fair(int policy)
{
    return policy == SCHED_OTHER || policy == SCHED_BATCH;
}

static bool rt(int policy)
{
    return policy == SCHED_RR || policy == SCHED_FIFO;
}

/* The value after "key" and a colon on a line of a /proc file ("" when absent). */
static int proc_field(const char *path, const char *key, char *out, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char line[512];
    size_t kl = strlen(key);
    int rc = -ENOENT;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, kl) || (line[kl] != ' ' && line[kl] != ':' && line[kl] != '\t'))
            continue;
        char *v = strchr(line + kl, ':');
        if (!v)
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = '\0';
        snprintf(out, len, "%s", v);
        rc = 0;
        break;
    }
    fclose(f);
    return rc;
}

/* The path of pid's cgroup for a v1 controller ("cpuset", "cpu"), from
 * /proc/PID/cgroup; the v2 ("0::") path when no v1 hierarchy carries it. */
static int task_cgroup(pid_t pid, const char *ctl, char *out, size_t len)
{
    char path[64], line[1024], v2[512] = "";
    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int rc = -ENOENT;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        if (c1[1] == '\0') { /* "0::/path": the unified hierarchy */
            snprintf(v2, sizeof(v2), "%s", c2 + 1);
            continue;
        }
        for (char *tok = strtok(c1 + 1, ","); tok; tok = strtok(NULL, ","))
            if (!strcmp(tok, ctl)) {
                snprintf(out, len, "%s", c2 + 1);
                rc = 0;
            }
        if (rc == 0)
            break;
    }
    fclose(f);
    if (rc < 0 && v2[0]) {
        snprintf(out, len, "%s", v2);
        rc = 0;
    }
    return rc;
}

/* How the slice came out: a requested slice the kernel did not keep is
 * reported, not an error (kernels before 6.12 ignore sched_runtime). */
static const char *slice_how(const struct ln_sched_row *row)
{
    if (!row->have || !fair(row->view.policy))
        return "-";
    if (row->asked_known) {
        if (!row->asked_slice)
            return SLICE_DEFAULT;
        return row->view.slice_ns == row->asked_slice_ns ? SLICE_CUSTOM : SLICE_FALLBACK;
    }
    /* what was asked is not known here (`scc sched show`): the kernel reports
     * a custom slice's value like the default's, so compare with the slice
     * of this process, which has the default (a custom slice equal to the
     * default is the same thing) */
    if (row->view.custom_slice)
        return SLICE_CUSTOM;
    char val[64];
    if (!row->view.slice_ns || proc_field("/proc/self/sched", "se.slice", val, sizeof(val)) < 0)
        return SLICE_DEFAULT;
    return strtoull(val, NULL, 10) == row->view.slice_ns ? SLICE_DEFAULT : SLICE_CUSTOM;
}

int ln_sched_read_row(pid_t pid, struct ln_sched_row *row)
{
    row->pid = pid;
    int rc = sched_view_read(pid, &row->view);
    row->have = rc == 0;
    row->slice_how = slice_how(row);
    return rc;
}

/* ---- applying ------------------------------------------------------------ */

/* The mount point of the v1 hierarchy carrying controller ctl. */
static int v1_mount(const char *ctl, char *out, size_t len)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -errno;
    char line[2048];
    int rc = -ENOENT;
    while (rc < 0 && fgets(line, sizeof(line), f)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS */
        char *sep = strstr(line, " - ");
        if (!sep)
            continue;
        char fstype[32], src[256], sopts[1024], mnt[1024];
        if (sscanf(sep + 3, "%31s %255s %1023s", fstype, src, sopts) != 3 ||
            strcmp(fstype, "cgroup"))
            continue;
        if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1)
            continue;
        for (char *tok = strtok(sopts, ","); tok; tok = strtok(NULL, ","))
            if (!strcmp(tok, ctl)) {
                scc_strlcpy(out, mnt, len);
                rc = 0;
            }
    }
    fclose(f);
    return rc;
}

static bool have_cap_sys_nice(void)
{
    char val[64];
    if (proc_field("/proc/self/status", "CapEff", val, sizeof(val)) < 0)
        return false;
    unsigned long long caps = strtoull(val, NULL, 16);
    return (caps >> 23) & 1; /* CAP_SYS_NICE */
}

/* EPERM on rr/fifo: say which of the three causes it is and what to do. */
static void rt_eperm_advice(pid_t pid, int prio, char *out, size_t len)
{
    char cg[512], mnt[512], file[1100], val[64];
    if (task_cgroup(pid, "cpu", cg, sizeof(cg)) == 0 && v1_mount("cpu", mnt, sizeof(mnt)) == 0) {
        snprintf(file, sizeof(file), "%s%s/cpu.rt_runtime_us", mnt, strcmp(cg, "/") ? cg : "");
        FILE *f = fopen(file, "re");
        if (f) {
            bool zero = fgets(val, sizeof(val), f) && atoll(val) == 0;
            fclose(f);
            if (zero) {
                snprintf(out, len,
                         "the NF's cpu cgroup %.300s (cgroup v1 with RT group scheduling) has "
                         "cpu.rt_runtime_us 0, so no real-time task may run in it: give it "
                         "real-time time (echo 950000 > %.500s; its parents need at least as "
                         "much) or start scc from a cpu cgroup that has some, e.g. the root "
                         "(echo $$ > %.400s/tasks)", cg, file, mnt);
                return;
            }
        }
    }
    if (!have_cap_sys_nice()) {
        struct rlimit rl;
        unsigned long cur = getrlimit(RLIMIT_RTPRIO, &rl) == 0 ? (unsigned long)rl.rlim_cur : 0;
        snprintf(out, len,
                 "scc lacks CAP_SYS_NICE and RLIMIT_RTPRIO is %lu, below priority %d: run "
                 "scc as root, or raise the limit (ulimit -r %d; rtprio in "
                 "/etc/security/limits.conf)", cur, prio, prio);
        return;
    }
    snprintf(out, len, "CAP_SYS_NICE is present and the cpu cgroup has real-time time; "
                       "check the RT bandwidth (/proc/sys/kernel/sched_rt_runtime_us)");
}

static struct sched_policy_req nf_request(struct ln_sched *s, int nf)
{
    const struct scc_sched_params *sp = &s->ch->nfs[nf].sched;
    struct sched_policy_req req = {.policy = kernel_policy(sp->policy), .reset_on_fork = true};
    if (rt(req.policy))
        req.rt_priority = sp->rt_priority;
    if (sp->policy == SCC_POLICY_IDLE && sp->nice && !s->idle_nice_warned) {
        /* SCHED_IDLE has one fixed, minimal weight: nice does nothing there */
        scc_warn("nice %d of NF %s has no effect under policy idle (the kernel gives idle "
                 "tasks the minimum weight)", sp->nice, s->ch->nfs[nf].name);
        s->idle_nice_warned = true;
    }
    if (fair(req.policy)) {
        req.nice = sp->nice;
        req.slice_ns = (uint64_t)(sp->slice_ms * 1e6 + 0.5);
    }
    return req;
}

static int journal_rec(void *ctx, const char *rec)
{
    struct ln_sched *s = ctx;
    return s->state ? ln_state_add(s->state, "%s", rec) : -EINVAL;
}

static int on_started(void *ctx, int nf, pid_t pid, int incarnation)
{
    struct ln_sched *s = ctx;
    if (nf < 0 || nf >= s->ch->nnfs)
        return 0;
    const char *name = s->ch->nfs[nf].name;
    struct ln_sched_row *row = &s->rows[nf];
    struct sched_policy_req req = nf_request(s, nf);
    char err[300], adv[1600] = "";
    int rc = sched_policy_apply(pid, &req, err, sizeof(err));
    if (rc == -EINVAL && req.slice_ns) {
        /* a kernel that refuses sched_runtime for a fair task: run with its
         * default slice, reported as such in the table */
        struct sched_policy_req r2 = req;
        r2.slice_ns = 0;
        if (sched_policy_apply(pid, &r2, NULL, 0) == 0)
            rc = 0;
    }
    if (rc < 0) {
        if (rc == -EPERM && rt(req.policy)) {
            /* sched_policy's advice names both usual causes; say which one */
            rt_eperm_advice(pid, req.rt_priority, adv, sizeof(adv));
            scc_err("NF %s (pid %d): cannot set its scheduling: sched_setattr(%s, priority "
                    "%d): %s: %s", name, (int)pid, req.policy == SCHED_FIFO ? "SCHED_FIFO"
                                                                             : "SCHED_RR",
                    req.rt_priority, strerror(-rc), adv);
        } else
            scc_err("NF %s (pid %d): cannot set its scheduling: %s", name, (int)pid, err);
        return -1;
    }
    row->asked_known = true;
    row->asked_slice = req.slice_ns != 0;
    row->asked_slice_ns = req.slice_ns;
    rc = ln_sched_read_row(pid, row);
    if (rc < 0) {
        scc_err("NF %s (pid %d): cannot read its scheduling back: %s", name, (int)pid,
                strerror(-rc));
        return -1;
    }
    const struct sched_view *v = &row->view;
    if (v->policy != req.policy || (rt(req.policy) && v->rt_priority != req.rt_priority) ||
        (fair(req.policy) && v->nice != req.nice)) {
        scc_err("NF %s (pid %d): asked for %s %s %d, the kernel reports %s %s %d", name,
                (int)pid, sched_policy_name(req.policy), rt(req.policy) ? "priority" : "nice",
                rt(req.policy) ? req.rt_priority : req.nice, sched_policy_name(v->policy),
                rt(v->policy) ? "priority" : "nice", rt(v->policy) ? v->rt_priority : v->nice);
        return -1;
    }
    if (row->asked_slice && !strcmp(row->slice_how, SLICE_FALLBACK) && incarnation == 0)
        scc_warn("NF %s: slice %.2f ms asked, the kernel keeps %.2f ms: slice: %s", name,
                 (double)req.slice_ns / 1e6, (double)v->slice_ns / 1e6, SLICE_FALLBACK);
    scc_dbg("NF %s (pid %d%s): %s nice %d prio %d slice %" PRIu64 " ns (%s), cpus %s", name,
            (int)pid, incarnation ? ", restarted" : "", sched_policy_name(v->policy), v->nice,
            v->rt_priority, v->slice_ns, row->slice_how, v->cpus);
    if (s->reserved) { /* a restart: the new process joins the reservation */
        struct sched_journal j = {s, journal_rec};
        rc = sched_reserve_add_task(&s->rreq, &j, pid, err, sizeof(err));
        if (rc < 0) {
            scc_err("NF %s (pid %d): cannot add it to the reserved cores: %s", name, (int)pid,
                    err);
            return -1;
        }
    }
    return 0;
}

struct ln_hooks ln_sched_hooks(struct ln_sched *s)
{
    return (struct ln_hooks){.ctx = s, .nf_started = on_started};
}

/* ---- chain-wide ---------------------------------------------------------- */

static bool overlap(const struct scc_cpuset *a, const struct scc_cpuset *b)
{
    for (size_t i = 0; i < SCC_ARRAY_SIZE(a->bits); i++)
        if (a->bits[i] & b->bits[i])
            return true;
    return false;
}

int ln_sched_check(const struct ln_sched *s, const struct ln_placement *pl, char *err,
                   size_t errlen)
{
    const struct scc_cpuset *rc = &s->ch->sched.reserve_cores;
    if (!scc_cpuset_count(rc))
        return 0;
    char cores[128];
    scc_cpuset_format(rc, cores, sizeof(cores));
    struct scc_cpuset online;
    if (scc_cpuset_online(&online) == 0) {
        bool all = true;
        for (int c = 0; c < SCC_MAX_CPUS; c++)
            if (scc_cpuset_isset(&online, c) && !scc_cpuset_isset(rc, c))
                all = false;
        if (all) {
            snprintf(err, errlen, "scheduler.reserve_cores: %s is every online core; leave at "
                                  "least one for the rest of the system", cores);
            return -EINVAL;
        }
    }
    if (pl && (overlap(rc, &pl->gen) || overlap(rc, &pl->sink))) {
        char g[64], k[64];
        scc_cpuset_format(&pl->gen, g, sizeof(g));
        scc_cpuset_format(&pl->sink, k, sizeof(k));
        snprintf(err, errlen,
                 "scheduler.reserve_cores: %s includes a core of the generator (%s) or the "
                 "sink (%s); the reserved cores are the NFs': reserve other cores, or place "
                 "the traffic elsewhere (traffic.gen_cpu, traffic.sink_cpu)", cores, g, k);
        return -EINVAL;
    }
    return 0;
}

int ln_sched_before_nfs(struct ln_sched *s)
{
    unsigned ms = s->ch->sched.rr_timeslice_ms;
    if (!ms)
        return 0;
    char v[32];
    snprintf(v, sizeof(v), "%u", ms);
    if (ln_dry_run) {
        printf("  echo %s > %s   (scheduler.rr_timeslice_ms; restored afterwards)\n", v,
               RR_SYSCTL);
        return 0;
    }
    if (ln_state_set_sysctl(s->state, RR_SYSCTL, v) < 0)
        return -1;
    char now[64] = "";
    FILE *f = fopen(RR_SYSCTL, "re");
    if (f) {
        if (!fgets(now, sizeof(now), f))
            now[0] = '\0';
        fclose(f);
    }
    now[strcspn(now, "\n")] = '\0';
    if (strcmp(now, v))
        scc_warn("%s reads %s after writing %s", RR_SYSCTL, now[0] ? now : "nothing", v);
    scc_info("sched_rr_timeslice_ms = %s for this run", v);
    return 0;
}

static bool token_mode(const struct scc_chain *ch)
{
    return ch->sched.mode == SCC_SCHED_CHAIN_ORDER &&
           ch->sched.chain_order == SCC_CHAIN_ORDER_TOKEN;
}

bool ln_sched_nf_ring(const struct scc_chain *ch, const struct ln_plan *plan, int nf,
                      unsigned *idx, unsigned *n, int *core)
{
    if (!token_mode(ch) || scc_cpuset_count(&ch->nfs[nf].cpus) != 1)
        return false;
    int c = -1;
    for (int k = 0; k < SCC_MAX_CPUS && c < 0; k++)
        if (scc_cpuset_isset(&ch->nfs[nf].cpus, k))
            c = k;
    unsigned i = 0, cnt = 0;
    for (int s = 1; s < plan->nstages - 1; s++) {
        int j = plan->stages[s].nf;
        if (j < 0 || !plan->stages[s].local || scc_cpuset_count(&ch->nfs[j].cpus) != 1 ||
            !scc_cpuset_isset(&ch->nfs[j].cpus, c))
            continue;
        if (j == nf)
            i = cnt;
        cnt++;
    }
    if (cnt < 2)
        return false;
    *idx = i;
    *n = cnt;
    *core = c;
    return true;
}

void ln_sched_ring_path(const struct ln_plan *plan, int core, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.ring%d", ln_state_dir(), plan->state_name, core);
}

bool ln_sched_nf_yields(const struct scc_chain *ch, const struct ln_plan *plan, int nf)
{
    if (ch->sched.mode != SCC_SCHED_CHAIN_ORDER || token_mode(ch))
        return false;
    const struct scc_cpuset *mine = &ch->nfs[nf].cpus;
    for (int s = 1; s < plan->nstages - 1; s++) {
        int j = plan->stages[s].nf;
        if (j == nf || j < 0 || !plan->stages[s].local)
            continue;
        /* an unpinned NF may run on any core: it shares with everyone */
        if (!scc_cpuset_count(mine) || !scc_cpuset_count(&ch->nfs[j].cpus) ||
            overlap(mine, &ch->nfs[j].cpus))
            return true;
    }
    return false;
}

static enum sched_scope scope_of(enum scc_reserve_scope s)
{
    switch (s) {
    case SCC_RESERVE_ALL: return SCHED_SCOPE_ALL;
    case SCC_RESERVE_CGROUP: return SCHED_SCOPE_CGROUP;
    default: return SCHED_SCOPE_PIDS;
    }
}

static void print_tasks(FILE *out, const char *what, const struct sched_reserve_task *t, int n)
{
    int shown = n < SCHED_RESERVE_MAX_LIST ? n : SCHED_RESERVE_MAX_LIST;
    fprintf(out, "    %s: %d\n", what, n);
    for (int i = 0; i < shown; i++)
        fprintf(out, "      %d %s%s%s\n", (int)t[i].pid, t[i].comm, t[i].why[0] ? ": " : "",
                t[i].why);
}

static void print_reservation(const struct ln_sched *s, FILE *out, bool details)
{
    const struct scc_sched_spec *sc = &s->ch->sched;
    if (!scc_cpuset_count(&sc->reserve_cores))
        return;
    char cores[128];
    scc_cpuset_format(&sc->reserve_cores, cores, sizeof(cores));
    if (!s->reserved) {
        fprintf(out, "  reserved cores %s (scope %s): %s\n", cores,
                scc_reserve_scope_names[sc->reserve_scope],
                s->reserve_err[0] ? s->reserve_err : "not reserved");
        return;
    }
    const struct sched_reserve_report *r = s->rep;
    fprintf(out, "  reserved cores %s (scope %s, cgroup v%d, %s%s%s): %d task%s %s, %d "
                 "unmovable, %d IRQ%s\n",
            cores, scc_reserve_scope_names[sc->reserve_scope], r->cgroup_version, r->where,
            r->partition[0] ? ", partition " : "", r->partition, r->nmoved,
            r->nmoved == 1 ? "" : "s", ln_dry_run ? "would move" : "moved", r->nunmovable,
            r->nirqs, r->nirqs == 1 ? "" : "s");
    if (details)
        print_tasks(out, ln_dry_run ? "would move" : "moved", r->moved, r->nmoved);
    int shown = r->nunmovable < SCHED_RESERVE_MAX_LIST ? r->nunmovable : SCHED_RESERVE_MAX_LIST;
    if (shown)
        print_tasks(out, "cannot move", r->unmovable, r->nunmovable);
    shown = r->nirqs < SCHED_RESERVE_MAX_LIST ? r->nirqs : SCHED_RESERVE_MAX_LIST;
    /* one line per run of IRQs that share their masks and reason (a
     * machine has dozens, mostly alike), numbers as ranges: "irqs 24-43" */
    for (int i = 0; i < shown;) {
        const struct sched_reserve_irq *q = &r->irqs[i];
        int j = i + 1;
        while (j < shown && !strcmp(r->irqs[j].was, q->was) && !strcmp(r->irqs[j].now, q->now) &&
               !strcmp(r->irqs[j].why, q->why))
            j++;
        char nums[512] = "";
        size_t len = 0;
        for (int k = i; k < j && len < sizeof(nums) - 24;) {
            int e = k;
            while (e + 1 < j && r->irqs[e + 1].irq == r->irqs[e].irq + 1)
                e++;
            len += (size_t)snprintf(nums + len, sizeof(nums) - len, "%s%d", k > i ? "," : "",
                                    r->irqs[k].irq);
            if (e > k)
                len += (size_t)snprintf(nums + len, sizeof(nums) - len, "-%d", r->irqs[e].irq);
            k = e + 1;
        }
        fprintf(out, "      irq%s %s: %s%s%s%s%s\n", j - i > 1 ? "s" : "", nums, q->was,
                q->now[0] ? " -> " : "", q->now, q->why[0] ? ": " : "", q->why);
        i = j;
    }
}

int ln_sched_reserve(struct ln_sched *s, FILE *out)
{
    const struct scc_sched_spec *sc = &s->ch->sched;
    if (!scc_cpuset_count(&sc->reserve_cores))
        return 0;
    if (!s->rep && !(s->rep = calloc(1, sizeof(*s->rep)))) {
        scc_err("core reservation: out of memory");
        return -1;
    }
    snprintf(s->rname, sizeof(s->rname), "scc-%s", s->plan->state_name);
    for (int i = 0; i < sc->nreserve_pids; i++)
        s->rpids[i] = (pid_t)sc->reserve_pids[i];
    /* the NFs run on the reserved cores (members: on v2 they join the
     * partition); the launcher is only kept where it is: the generator and
     * sink it starts next inherit its cgroup, and they run elsewhere */
    int nmembers = 0;
    for (int i = 0; i < s->ch->nnfs; i++)
        if (s->rows[i].pid > 0)
            s->members[nmembers++] = s->rows[i].pid;
    int nkeep = 0;
    s->keep[nkeep++] = getpid();
    s->rreq = (struct sched_reserve_req){
        .name = s->rname,
        .cores = sc->reserve_cores,
        .scope = scope_of(sc->reserve_scope),
        .cgroup = sc->reserve_cgroup[0] ? sc->reserve_cgroup : NULL,
        .pids = s->rpids,
        .npids = sc->nreserve_pids,
        .keep = s->keep,
        .nkeep = nkeep,
        .members = s->members,
        .nmembers = nmembers,
        .move_irqs = sc->reserve_irqs,
        .dry_run = ln_dry_run,
    };
    struct sched_journal j = {s, journal_rec};
    char err[256] = "";
    int rc = sched_reserve_apply(&s->rreq, &j, s->rep, err, sizeof(err));
    if (rc < 0) {
        snprintf(s->reserve_err, sizeof(s->reserve_err), "%s", err[0] ? err : strerror(-rc));
        if (ln_dry_run) {
            fprintf(out, "  reserve cores (scheduler.reserve_cores): %s\n", s->reserve_err);
            return 0;
        }
        scc_err("scheduler.reserve_cores: %s", s->reserve_err);
        return -1;
    }
    s->reserved = true;
    if (ln_dry_run) {
        fprintf(out, "  reserve cores (scheduler.reserve_cores), as the reservation reports:\n");
        print_reservation(s, out, true);
    }
    return 0;
}

/* ---- the table ----------------------------------------------------------- */

static void nice_prio(const struct sched_view *v, char *buf, size_t len)
{
    if (rt(v->policy))
        snprintf(buf, len, "prio %d", v->rt_priority);
    else if (fair(v->policy))
        snprintf(buf, len, "nice %d", v->nice);
    else
        snprintf(buf, len, "-");
}

static void slice_text(const struct ln_sched_row *r, char *buf, size_t len)
{
    const struct sched_view *v = &r->view;
    if (v->policy == SCHED_RR && v->rr_timeslice_ns)
        snprintf(buf, len, "rr %.1f ms", (double)v->rr_timeslice_ns / 1e6);
    else if (!fair(v->policy))
        snprintf(buf, len, "-");
    else if (v->slice_ns)
        snprintf(buf, len, "%.2f ms %s", (double)v->slice_ns / 1e6, r->slice_how);
    else
        snprintf(buf, len, "%s", r->slice_how);
}

void ln_sched_table(const struct ln_sched_row *rows, int n, FILE *out)
{
    fprintf(out, "  %-12s %8s  %-6s %-9s %-40s %-8s %s\n", "NF", "PID", "POLICY", "NICE/PRIO",
            "SLICE", "CPUS", "CPUSET");
    for (int i = 0; i < n; i++) {
        const struct ln_sched_row *r = &rows[i];
        if (!r->pid)
            continue;
        if (!r->have) {
            fprintf(out, "  %-12s %8d  (gone)\n", r->name, (int)r->pid);
            continue;
        }
        char np[32], sl[96];
        nice_prio(&r->view, np, sizeof(np));
        slice_text(r, sl, sizeof(sl));
        fprintf(out, "  %-12s %8d  %-6s %-9s %-40s %-8s %s\n", r->name, (int)r->pid,
                sched_policy_name(r->view.policy), np, sl, r->view.cpus,
                r->view.cpuset[0] ? r->view.cpuset : "-");
    }
}

static struct json_object *jstr_or_null(const char *s)
{
    return s && s[0] ? json_object_new_string(s) : NULL;
}

struct json_object *ln_sched_rows_json(const struct ln_sched_row *rows, int n)
{
    struct json_object *a = json_object_new_array();
    for (int i = 0; a && i < n; i++) {
        const struct ln_sched_row *r = &rows[i];
        if (!r->pid)
            continue;
        const struct sched_view *v = &r->view;
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(r->name));
        json_object_object_add(o, "pid", json_object_new_int(r->pid));
        if (!r->have) {
            json_object_object_add(o, "policy", NULL);
            json_object_array_add(a, o);
            continue;
        }
        json_object_object_add(o, "policy", json_object_new_string(sched_policy_name(v->policy)));
        json_object_object_add(o, "nice", fair(v->policy) ? json_object_new_int(v->nice) : NULL);
        json_object_object_add(o, "rt_priority",
                               rt(v->policy) ? json_object_new_int(v->rt_priority) : NULL);
        json_object_object_add(o, "reset_on_fork", json_object_new_boolean(v->reset_on_fork));
        json_object_object_add(o, "slice_ns", fair(v->policy) && v->slice_ns
                                                  ? json_object_new_int64((int64_t)v->slice_ns)
                                                  : NULL);
        json_object_object_add(o, "slice", fair(v->policy) ? json_object_new_string(r->slice_how)
                                                           : NULL);
        json_object_object_add(o, "rr_timeslice_ns",
                               v->rr_timeslice_ns
                                   ? json_object_new_int64((int64_t)v->rr_timeslice_ns)
                                   : NULL);
        json_object_object_add(o, "cpus", jstr_or_null(v->cpus));
        json_object_object_add(o, "cpuset", jstr_or_null(v->cpuset));
        json_object_object_add(o, "cpu_cgroup", jstr_or_null(v->cpu_cgroup));
        json_object_array_add(a, o);
    }
    return a;
}

void ln_sched_print(struct ln_sched *s, FILE *out)
{
    for (int i = 0; i < s->ch->nnfs; i++)
        if (s->rows[i].pid > 0) /* what was asked stays in the row */
            ln_sched_read_row(s->rows[i].pid, &s->rows[i]);
    const struct scc_sched_spec *sc = &s->ch->sched;
    fprintf(out, "\nscheduling (read back from the kernel), mode %s", scc_sched_mode_names[sc->mode]);
    if (sc->mode == SCC_SCHED_UNIPROCESSOR)
        fprintf(out, " on core %d", sc->uniprocessor_cpu);
    if (sc->mode == SCC_SCHED_CHAIN_ORDER)
        fprintf(out, " (%s)", scc_chain_order_names[sc->chain_order]);
    if (sc->rr_timeslice_ms)
        fprintf(out, ", sched_rr_timeslice_ms %u", sc->rr_timeslice_ms);
    fprintf(out, ":\n");
    ln_sched_table(s->rows, s->ch->nnfs, out);
    print_reservation(s, out, false);
}

struct json_object *ln_sched_json(const struct ln_sched *s)
{
    const struct scc_sched_spec *sc = &s->ch->sched;
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "mode", json_object_new_string(scc_sched_mode_names[sc->mode]));
    json_object_object_add(o, "uniprocessor_cpu", sc->mode == SCC_SCHED_UNIPROCESSOR
                                                      ? json_object_new_int(sc->uniprocessor_cpu)
                                                      : NULL);
    json_object_object_add(o, "chain_order", sc->mode == SCC_SCHED_CHAIN_ORDER
                                                 ? json_object_new_string(
                                                       scc_chain_order_names[sc->chain_order])
                                                 : NULL);
    json_object_object_add(o, "rr_timeslice_ms",
                           sc->rr_timeslice_ms ? json_object_new_int((int)sc->rr_timeslice_ms)
                                               : NULL);
    json_object_object_add(o, "nfs", ln_sched_rows_json(s->rows, s->ch->nnfs));
    struct json_object *r = NULL;
    if (scc_cpuset_count(&sc->reserve_cores)) {
        char cores[128];
        scc_cpuset_format(&sc->reserve_cores, cores, sizeof(cores));
        r = json_object_new_object();
        json_object_object_add(r, "cores", json_object_new_string(cores));
        json_object_object_add(r, "scope",
                               json_object_new_string(scc_reserve_scope_names[sc->reserve_scope]));
        json_object_object_add(r, "reserved", json_object_new_boolean(s->reserved));
        if (!s->reserved)
            json_object_object_add(r, "error", jstr_or_null(s->reserve_err));
        else {
            const struct sched_reserve_report *p = s->rep;
            json_object_object_add(r, "cgroup_version", json_object_new_int(p->cgroup_version));
            json_object_object_add(r, "where", jstr_or_null(p->where));
            json_object_object_add(r, "partition", jstr_or_null(p->partition));
            json_object_object_add(r, "moved", json_object_new_int(p->nmoved));
            struct json_object *u = json_object_new_array();
            int nu = p->nunmovable < SCHED_RESERVE_MAX_LIST ? p->nunmovable
                                                            : SCHED_RESERVE_MAX_LIST;
            for (int i = 0; i < nu; i++) {
                struct json_object *t = json_object_new_object();
                json_object_object_add(t, "pid", json_object_new_int(p->unmovable[i].pid));
                json_object_object_add(t, "comm", json_object_new_string(p->unmovable[i].comm));
                json_object_object_add(t, "why", json_object_new_string(p->unmovable[i].why));
                json_object_array_add(u, t);
            }
            json_object_object_add(r, "unmovable", u);
            struct json_object *q = json_object_new_array();
            int ni = p->nirqs < SCHED_RESERVE_MAX_LIST ? p->nirqs : SCHED_RESERVE_MAX_LIST;
            for (int i = 0; i < ni; i++) {
                struct json_object *t = json_object_new_object();
                json_object_object_add(t, "irq", json_object_new_int(p->irqs[i].irq));
                json_object_object_add(t, "was", json_object_new_string(p->irqs[i].was));
                json_object_object_add(t, "now", jstr_or_null(p->irqs[i].now));
                json_object_object_add(t, "why", jstr_or_null(p->irqs[i].why));
                json_object_array_add(q, t);
            }
            json_object_object_add(r, "irqs", q);
        }
    }
    json_object_object_add(o, "reservation", r);
    return o;
}
