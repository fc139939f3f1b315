/*
 * prof_proc — see prof_proc.h. schedstat is preferred over utime/stime in
 * /proc/PID/stat: those are sampled at the tick (4 ms at HZ=250), too
 * coarse for NFs that run microseconds per wake-up.
 */
#include "profiler/prof_proc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int prof_proc_sample(pid_t pid, struct prof_proc_sample *o)
{
    memset(o, 0, sizeof(*o));
    if (pid <= 0)
        return -EINVAL;
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    unsigned long long run, wait, slices;
    int n = fscanf(f, "%llu %llu %llu", &run, &wait, &slices);
    fclose(f);
    if (n != 3)
        return -EIO;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (!(f = fopen(path, "re")))
        return -errno;
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long v;
        if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1) {
            o->vol_cs = v;
            found++;
        } else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1) {
            o->invol_cs = v;
            found++;
        }
    }
    fclose(f);
    if (found != 2)
        return -EIO;
    o->run_ns = run;
    o->wait_ns = wait;
    o->slices = slices;
    o->valid = true;
    return 0;
}

int prof_proc_accumulate(struct prof_proc_sample *acc, const struct prof_proc_sample *s,
                         const struct prof_proc_sample *e)
{
    if (!s->valid || !e->valid || e->run_ns < s->run_ns || e->wait_ns < s->wait_ns ||
        e->slices < s->slices || e->vol_cs < s->vol_cs || e->invol_cs < s->invol_cs)
        return -EINVAL;
    acc->valid = true;
    acc->run_ns += e->run_ns - s->run_ns;
    acc->wait_ns += e->wait_ns - s->wait_ns;
    acc->slices += e->slices - s->slices;
    acc->vol_cs += e->vol_cs - s->vol_cs;
    acc->invol_cs += e->invol_cs - s->invol_cs;
    return 0;
}

int prof_proc_cputime(pid_t pid, uint64_t *user_ns, uint64_t *sys_ns)
{
    if (pid <= 0)
        return -EINVAL;
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* the command name (field 2) may hold spaces and ')': fields restart
     * after the last ')'; utime and stime are fields 14 and 15 */
    const char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                     &st) != 2)
        return -EIO;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        return -EIO;
    *user_ns = (uint64_t)(ut * (1000000000ULL / (unsigned long long)hz));
    *sys_ns = (uint64_t)(st * (1000000000ULL / (unsigned long long)hz));
    return 0;
}
