/*
 * nf_stats — the shared-memory counters page (see nf_stats.h for the layout
 * and the seqlock protocol). The page is a plain file in /dev/shm created
 * with openat() on a directory fd kept open, so the NF can remove it at
 * exit with unlinkat() on that fd alone, the only filesystem call its
 * seccomp filter allows.
 */
#include "nfs/nf_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/scc_util.h"

#define SHM_DIR "/dev/shm"

struct nf_stats_writer {
    int dirfd;
    char file[80];
    struct nf_stats_page *page;
};

int nf_stats_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 32)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || (c == '.' && i > 0)))
            return -EINVAL;
    }
    return 0;
}

/* An existing page whose writer is gone may be replaced. */
static bool stale(int dirfd, const char *file)
{
    int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    struct nf_stats_page hdr;
    ssize_t r = read(fd, &hdr, offsetof(struct nf_stats_page, name));
    close(fd);
    if (r != (ssize_t)offsetof(struct nf_stats_page, name) || hdr.magic != NF_STATS_MAGIC ||
        hdr.pid <= 0)
        return true;
    return kill(hdr.pid, 0) < 0 && errno == ESRCH;
}

struct nf_stats_writer *nf_stats_create(const char *name, char *err, size_t errlen)
{
    if (nf_stats_name_ok(name) < 0) {
        scc_errf(err, errlen, "NF name '%s': use 1..32 of A-Z a-z 0-9 _ - .", name);
        errno = EINVAL;
        return NULL;
    }
    struct nf_stats_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->dirfd = -1;
    snprintf(w->file, sizeof(w->file), "scc-nf-%s", name);
    w->dirfd = open(SHM_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->dirfd < 0) {
        scc_errf(err, errlen, "open: %s: %s", strerror(errno), SHM_DIR);
        goto fail;
    }
    int fd = openat(w->dirfd, w->file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST && stale(w->dirfd, w->file)) {
        unlinkat(w->dirfd, w->file, 0);
        fd = openat(w->dirfd, w->file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST)
            scc_errf(err, errlen, "stats page " SHM_DIR "/%s exists and its NF is alive "
                     "(another scc-nf named '%s' runs)", w->file, name);
        else
            scc_errf(err, errlen, "open(O_CREAT|O_EXCL): %s: %s", strerror(e), w->file);
        errno = e;
        goto fail;
    }
    if (ftruncate(fd, sizeof(struct nf_stats_page)) < 0) {
        int e = errno;
        scc_errf(err, errlen, "ftruncate: %s: %s", strerror(e), w->file);
        close(fd);
        unlinkat(w->dirfd, w->file, 0);
        errno = e;
        goto fail;
    }
    void *m = mmap(NULL, sizeof(struct nf_stats_page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED) {
        scc_errf(err, errlen, "mmap: %s: %s", strerror(e), w->file);
        unlinkat(w->dirfd, w->file, 0);
        errno = e;
        goto fail;
    }
    w->page = m;
    w->page->magic = NF_STATS_MAGIC;
    w->page->version = NF_STATS_VERSION;
    w->page->size = sizeof(struct nf_stats_page);
    w->page->pid = (int32_t)getpid();
    scc_strlcpy(w->page->name, name, sizeof(w->page->name));
    w->page->start_ns = scc_now_ns();
    return w;
fail: {
        int e2 = errno;
        if (w->dirfd >= 0)
            close(w->dirfd);
        free(w);
        errno = e2;
        return NULL;
    }
}

struct nf_stats_page *nf_stats_page(struct nf_stats_writer *w) { return w->page; }
int nf_stats_dirfd(const struct nf_stats_writer *w) { return w->dirfd; }

void nf_stats_begin(struct nf_stats_writer *w)
{
    __atomic_store_n(&w->page->seq, w->page->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

void nf_stats_end(struct nf_stats_writer *w)
{
    __atomic_store_n(&w->page->seq, w->page->seq + 1, __ATOMIC_RELEASE);
}

void nf_stats_destroy(struct nf_stats_writer *w)
{
    if (!w)
        return;
    if (w->page) {
        nf_stats_begin(w);
        w->page->ready = 0;
        w->page->state = 2;
        nf_stats_end(w);
        munmap(w->page, sizeof(struct nf_stats_page));
    }
    if (w->dirfd >= 0) {
        unlinkat(w->dirfd, w->file, 0);
        close(w->dirfd);
    }
    free(w);
}

/* One consistent copy of the mapped page into out, or -EAGAIN, -EPROTO.
 *
 * Only the used part is copied: the header, then nelems elements (the page
 * holds NF_STATS_MAX_ELEMS, ~50 KiB; an NF uses a handful). A short copy fits
 * between two updates of a busy writer; copying the whole page did not, and
 * against an NF that published on every spin every try failed.
 *
 * Retries: first READ_TRIES_SPIN at once (the budget the reader always had;
 * against a writer on another core that never pauses, success waits for
 * that writer to be preempted), then with a 20 us sleep between tries, so a
 * writer that shares our core, or was preempted mid-update, gets to
 * finish; READ_TRIES_SLEEP sleeps (~0.1 s) more before -EAGAIN. */
#define READ_TRIES_SPIN 100000
#define READ_TRIES_SLEEP 1000

static int read_snapshot(const struct nf_stats_page *p, struct nf_stats_page *out)
{
    const size_t hdr = offsetof(struct nf_stats_page, elems);
    for (int tries = 0; tries < READ_TRIES_SPIN + READ_TRIES_SLEEP; tries++) {
        if (tries >= READ_TRIES_SPIN) {
            struct timespec ts = {0, 20000};
            nanosleep(&ts, NULL);
        }
        uint32_t s1 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
        if (s1 & 1)
            continue;
        memcpy(out, (const void *)p, hdr);
        /* nelems may be torn mid-update; clamp it so the copy stays in the
         * page, and the seq check below throws a torn copy away */
        uint32_t n = out->nelems <= NF_STATS_MAX_ELEMS ? out->nelems : NF_STATS_MAX_ELEMS;
        memcpy(out->elems, (const void *)p->elems, n * sizeof(p->elems[0]));
        /* version 6: the return path's counters sit after the elements,
         * version 7's ring_calls after them: copy to the end of the page */
        memcpy(&out->rev, (const void *)&p->rev,
               sizeof(*p) - offsetof(struct nf_stats_page, rev));
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&p->seq, __ATOMIC_RELAXED) != s1)
            continue;
        if (out->magic != NF_STATS_MAGIC || out->version != NF_STATS_VERSION)
            return -EPROTO;
        out->nelems = n;
        if (out->nstages > NF_STATS_MAX_STAGES)
            out->nstages = NF_STATS_MAX_STAGES;
        /* the slots not in use read as zeros, never as stale memory */
        memset(&out->elems[n], 0, (NF_STATS_MAX_ELEMS - n) * sizeof(out->elems[0]));
        return 0;
    }
    return -EAGAIN;
}

int nf_stats_read(const char *name, struct nf_stats_page *out, char *err, size_t errlen)
{
    char path[96];
    if (nf_stats_name_ok(name) < 0) {
        scc_errf(err, errlen, "'%s' is not an NF name", name);
        return -EINVAL;
    }
    snprintf(path, sizeof(path), SHM_DIR "/scc-nf-%s", name);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            scc_errf(err, errlen, "no NF named '%s' is running (%s does not exist)", name, path);
        else
            scc_errf(err, errlen, "open: %s: %s", strerror(e), path);
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || (size_t)st.st_size != sizeof(struct nf_stats_page)) {
        /* Say which version wrote it: the header's first words are the same
         * in every version. */
        uint32_t hdr[2] = {0, 0};
        bool known = pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
                     hdr[0] == NF_STATS_MAGIC;
        close(fd);
        if (known)
            scc_errf(err, errlen, "%s: stats page version %u, this scc reads version %u: "
                     "the NF runs another build of scc-nf; restart it with this one",
                     path, hdr[1], NF_STATS_VERSION);
        else
            scc_errf(err, errlen, "%s: size %lld, expected %zu (not an scc-nf stats page?)",
                     path, (long long)st.st_size, sizeof(struct nf_stats_page));
        return -EPROTO;
    }
    /* /dev/shm is everyone's: a page another user made (planted, or an NF
     * of theirs) is not read as one of ours. Pages are created 0600 by
     * their NF before it drops privileges, so ours are owned by us. */
    if (st.st_uid != geteuid()) {
        close(fd);
        scc_errf(err, errlen, "%s is owned by uid %u, not by us (uid %u): not a page an NF "
                 "of ours wrote; refusing to read it", path, (unsigned)st.st_uid,
                 (unsigned)geteuid());
        return -EPERM;
    }
    const struct nf_stats_page *p =
        mmap(NULL, sizeof(*p), PROT_READ, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) {
        scc_errf(err, errlen, "mmap: %s: %s", strerror(e), path);
        return -e;
    }
    int rc = read_snapshot(p, out);
    munmap((void *)p, sizeof(*p));
    if (rc == -EPROTO) {
        scc_errf(err, errlen, "%s: magic %#x version %u, expected %#x version %u (another "
                     "build of scc-nf: restart the NF with this one)", path,
                     out->magic, out->version, NF_STATS_MAGIC, NF_STATS_VERSION);
        return -EPROTO;
    }
    if (rc < 0)
        scc_errf(err, errlen, "%s: the writer never finished an update", path);
    return rc;
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
    json_object_object_add(o, key, json_object_new_uint64(v));
}

/* The page as `scc stats --json` prints it (one line, "key": value). */
static struct json_object *page_json(const struct nf_stats_page *p, const char *state, double up,
                                     unsigned n)
{
    struct json_object *o = json_object_new_object(), *elems = json_object_new_array();
    if (!o || !elems) {
        json_object_put(o);
        json_object_put(elems);
        return NULL;
    }
    char ds[32];
    snprintf(ds, sizeof(ds), "%.3f", up); /* milliseconds, not the double's noise */
    json_object_object_add(o, "version", json_object_new_int64(p->version));
    json_object_object_add(o, "name", json_object_new_string(p->name));
    json_object_object_add(o, "pid", json_object_new_int(p->pid));
    json_object_object_add(o, "ready", json_object_new_boolean(p->ready));
    json_object_object_add(o, "state", json_object_new_string(state));
    json_object_object_add(o, "uptime_s", json_object_new_double_s(up, ds));
    json_object_object_add(o, "batch", json_object_new_int64(p->batch));
    json_object_object_add(o, "in", json_object_new_string(p->transport_in));
    json_object_object_add(o, "out", json_object_new_string(p->transport_out));
    add_u64(o, "rx_pkts", p->rx_pkts);
    add_u64(o, "rx_bytes", p->rx_bytes);
    add_u64(o, "tx_pkts", p->tx_pkts);
    add_u64(o, "tx_bytes", p->tx_bytes);
    add_u64(o, "batches", p->batches);
    add_u64(o, "rx_calls", p->rx_calls);
    add_u64(o, "tx_calls", p->tx_calls);
    add_u64(o, "rx_bad_encap", p->rx_bad_encap);
    add_u64(o, "rx_truncated", p->rx_truncated);
    add_u64(o, "tx_drops", p->tx_drops);
    add_u64(o, "drops", p->drops);
    add_u64(o, "rx_kernel_drops", p->rx_kernel_drops);
    add_u64(o, "rx_empty_calls", p->rx_empty_calls);
    add_u64(o, "recvmmsg_calls", p->recvmmsg_calls);
    add_u64(o, "sendmmsg_calls", p->sendmmsg_calls);
    if (p->ring_calls) /* only an NF in a chain-order token ring makes them */
        add_u64(o, "ring_calls", p->ring_calls);
    /* phase sums only when measured: absent means off, never 0 */
    struct json_object *ph = json_object_new_object();
    if (ph) {
        bool on = p->phase_flags & NF_STATS_PHASE_ON;
        json_object_object_add(ph, "on", json_object_new_boolean(on));
        if (on) {
            json_object_object_add(ph, "rx_includes_wait",
                                   json_object_new_boolean(p->phase_flags &
                                                           NF_STATS_PHASE_RX_WAITS));
            add_u64(ph, "rx_ns", p->phase_rx_ns);
            add_u64(ph, "pipeline_ns", p->phase_pipe_ns);
            add_u64(ph, "tx_ns", p->phase_tx_ns);
        }
        json_object_object_add(o, "phase_timing", ph);
    }
    /* version 6: the return path, per direction ("forward" repeats the
     * top-level rx/tx keys, which stay for older scripts) */
    static const char *const rev_modes[] = {"none", "pipeline", "straight"};
    struct json_object *dirs = json_object_new_object();
    if (dirs) {
        struct json_object *fw = json_object_new_object(), *rv = json_object_new_object();
        json_object_object_add(dirs, "reverse_mode",
                               json_object_new_string(p->rev.mode < 3 ? rev_modes[p->rev.mode]
                                                                      : "unknown"));
        if (fw) {
            add_u64(fw, "rx_pkts", p->rx_pkts);
            add_u64(fw, "rx_bytes", p->rx_bytes);
            add_u64(fw, "tx_pkts", p->tx_pkts);
            add_u64(fw, "tx_bytes", p->tx_bytes);
            add_u64(fw, "tx_drops", p->tx_drops);
            add_u64(fw, "drops", p->drops - p->rev.drops);
            add_u64(fw, "rx_kernel_drops", p->rx_kernel_drops);
            json_object_object_add(dirs, "forward", fw);
        }
        if (rv) {
            add_u64(rv, "rx_pkts", p->rev.rx_pkts);
            add_u64(rv, "rx_bytes", p->rev.rx_bytes);
            add_u64(rv, "tx_pkts", p->rev.tx_pkts);
            add_u64(rv, "tx_bytes", p->rev.tx_bytes);
            add_u64(rv, "tx_drops", p->rev.tx_drops);
            add_u64(rv, "drops", p->rev.drops);
            add_u64(rv, "rx_kernel_drops", p->rev.rx_kernel_drops);
            add_u64(rv, "batches", p->rev.batches);
            json_object_object_add(dirs, "reverse", rv);
        }
        json_object_object_add(o, "directions", dirs);
    }
    /* version 5: the stages of a fused group (one for a plain NF) */
    struct json_object *stages = json_object_new_array();
    if (!stages) {
        json_object_put(elems);
        json_object_put(o);
        return NULL;
    }
    json_object_object_add(o, "stages", stages);
    unsigned ns = p->nstages < NF_STATS_MAX_STAGES ? p->nstages : NF_STATS_MAX_STAGES;
    for (unsigned i = 0; i < ns; i++) {
        const struct nf_stats_stage *st = &p->stages[i];
        struct json_object *js = json_object_new_object();
        if (!js) {
            json_object_put(elems);
            json_object_put(o);
            return NULL;
        }
        json_object_array_add(stages, js);
        json_object_object_add(js, "name", json_object_new_string(st->name));
        add_u64(js, "rx_pkts", st->rx_pkts);
        add_u64(js, "tx_pkts", st->tx_pkts);
        add_u64(js, "drops", st->drops);
        add_u64(js, "first_element", st->first_elem);
        add_u64(js, "elements", st->nelems);
        if (p->phase_flags & NF_STATS_PHASE_ON) /* absent means not measured */
            add_u64(js, "pipeline_ns", st->pipe_ns);
    }
    json_object_object_add(o, "elements", elems);
    for (unsigned i = 0; i < n; i++) {
        const struct nf_stats_elem *e = &p->elems[i];
        struct json_object *je = json_object_new_object(), *drops = json_object_new_object();
        if (!je || !drops) {
            json_object_put(je);
            json_object_put(drops);
            json_object_put(o);
            return NULL;
        }
        json_object_array_add(elems, je);
        json_object_object_add(je, "name", json_object_new_string(e->name));
        json_object_object_add(je, "class", json_object_new_string(e->cls));
        add_u64(je, "in", e->in_pkts);
        add_u64(je, "out", e->out_pkts);
        add_u64(je, "bytes", e->bytes);
        json_object_object_add(je, "drops", drops);
        unsigned nr = e->nreasons < NF_STATS_MAX_REASONS ? e->nreasons : NF_STATS_MAX_REASONS;
        for (unsigned r = 0; r < nr; r++)
            add_u64(drops, e->reason[r], e->drops[r]);
    }
    return o;
}

int nf_stats_print(const struct nf_stats_page *p, FILE *f, bool json)
{
    static const char *const states[] = {"starting", "running", "stopped"};
    const char *state = p->state < 3 ? states[p->state] : "unknown";
    double up = p->update_ns > p->start_ns ? (double)(p->update_ns - p->start_ns) / 1e9 : 0;
    unsigned n = p->nelems < NF_STATS_MAX_ELEMS ? p->nelems : NF_STATS_MAX_ELEMS;
    if (json) {
        struct json_object *o = page_json(p, state, up, n);
        const char *text = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
                                                                    JSON_C_TO_STRING_NOSLASHESCAPE)
                             : NULL;
        if (text)
            fprintf(f, "%s\n", text);
        json_object_put(o);
        return text ? 0 : -ENOMEM;
    }
    fprintf(f, "NF %s (pid %d, %s, up %.1f s, batch %u)\n", p->name, p->pid, state, up, p->batch);
    fprintf(f, "  in %s  out %s\n", p->transport_in, p->transport_out);
    double calls_rx = p->rx_calls ? (double)p->rx_pkts / (double)p->rx_calls : 0;
    double calls_tx = p->tx_calls ? (double)p->tx_pkts / (double)p->tx_calls : 0;
    fprintf(f, "  %14llu rx packets   %14llu rx bytes   %10llu recv calls (%.1f pkt/call)\n",
            (unsigned long long)p->rx_pkts, (unsigned long long)p->rx_bytes,
            (unsigned long long)p->rx_calls, calls_rx);
    fprintf(f, "  %14llu tx packets   %14llu tx bytes   %10llu send calls (%.1f pkt/call)\n",
            (unsigned long long)p->tx_pkts, (unsigned long long)p->tx_bytes,
            (unsigned long long)p->tx_calls, calls_tx);
    fprintf(f, "  %14llu batches      %14llu element drops %6llu empty recv calls\n",
            (unsigned long long)p->batches, (unsigned long long)p->drops,
            (unsigned long long)p->rx_empty_calls);
    fprintf(f, "  %14llu rx bad encap %14llu rx truncated %8llu tx refused\n",
            (unsigned long long)p->rx_bad_encap, (unsigned long long)p->rx_truncated,
            (unsigned long long)p->tx_drops);
    fprintf(f, "  %14llu rx dropped by the kernel (receive queue full)\n",
            (unsigned long long)p->rx_kernel_drops);
    fprintf(f, "  %14llu recvmmsg calls %12llu sendmmsg calls\n",
            (unsigned long long)p->recvmmsg_calls, (unsigned long long)p->sendmmsg_calls);
    if (p->ring_calls)
        fprintf(f, "  %14llu token-ring calls (futex, liveness, idle poll)\n",
                (unsigned long long)p->ring_calls);
    if (p->rev.mode != NF_STATS_REV_NONE) {
        /* the lines above count the forward direction (in -> out) */
        fprintf(f, "  reverse (%s; out -> in):\n",
                p->rev.mode == NF_STATS_REV_PIPELINE ? "through the pipeline" : "straight back");
        fprintf(f, "  %14llu rx packets   %14llu rx bytes   %10llu batches\n",
                (unsigned long long)p->rev.rx_pkts, (unsigned long long)p->rev.rx_bytes,
                (unsigned long long)p->rev.batches);
        fprintf(f, "  %14llu tx packets   %14llu tx bytes   %10llu tx refused\n",
                (unsigned long long)p->rev.tx_pkts, (unsigned long long)p->rev.tx_bytes,
                (unsigned long long)p->rev.tx_drops);
        fprintf(f, "  %14llu element drops %13llu rx dropped by the kernel\n",
                (unsigned long long)p->rev.drops, (unsigned long long)p->rev.rx_kernel_drops);
    }
    if (p->phase_flags & NF_STATS_PHASE_ON) {
        uint64_t sum = p->phase_rx_ns + p->phase_pipe_ns + p->phase_tx_ns;
        double pk = p->rx_pkts ? (double)p->rx_pkts : 1;
        fprintf(f, "  phase timing (ns per packet received; %% of the three):\n");
        const char *names[] = {p->phase_flags & NF_STATS_PHASE_RX_WAITS
                                   ? "receive (incl. wait for the first packet)"
                                   : "receive",
                               "pipeline", "send"};
        uint64_t v[] = {p->phase_rx_ns, p->phase_pipe_ns, p->phase_tx_ns};
        for (int i = 0; i < 3; i++)
            fprintf(f, "  %14.1f %-42s %5.1f%%  (%llu ns)\n", (double)v[i] / pk, names[i],
                    sum ? 100.0 * (double)v[i] / (double)sum : 0.0, (unsigned long long)v[i]);
    } else {
        fprintf(f, "  phase timing: off (scc-nf --phase-timing)\n");
    }
    unsigned ns = p->nstages < NF_STATS_MAX_STAGES ? p->nstages : NF_STATS_MAX_STAGES;
    if (ns > 1) {
        /* a fused group: one row per original NF, in chain order */
        bool ph = p->phase_flags & NF_STATS_PHASE_ON;
        fprintf(f, "  %u fused stages (chain order):\n", ns);
        fprintf(f, "  %-24s %12s %12s %12s %s\n", "stage", "rx", "tx", "drops",
                ph ? "  pipeline ns/pkt" : "");
        for (unsigned i = 0; i < ns; i++) {
            const struct nf_stats_stage *st = &p->stages[i];
            fprintf(f, "  %-24s %12llu %12llu %12llu", st->name,
                    (unsigned long long)st->rx_pkts, (unsigned long long)st->tx_pkts,
                    (unsigned long long)st->drops);
            if (ph)
                fprintf(f, "  %16.1f", st->rx_pkts ? (double)st->pipe_ns / (double)st->rx_pkts
                                                   : 0.0);
            fputc('\n', f);
        }
    }
    fprintf(f, "  %-24s %-15s %12s %12s\n", "element", "class", "in", "out");
    for (unsigned i = 0; i < n; i++) {
        const struct nf_stats_elem *e = &p->elems[i];
        fprintf(f, "  %-24s %-15s %12llu %12llu", e->name, e->cls,
                (unsigned long long)e->in_pkts, (unsigned long long)e->out_pkts);
        if (e->bytes)
            fprintf(f, "  %llu bytes", (unsigned long long)e->bytes);
        fputc('\n', f);
        unsigned nr = e->nreasons < NF_STATS_MAX_REASONS ? e->nreasons : NF_STATS_MAX_REASONS;
        for (unsigned r = 0; r < nr; r++)
            if (e->drops[r])
                fprintf(f, "  %-24s   drop: %-28s %12llu\n", "", e->reason[r],
                        (unsigned long long)e->drops[r]);
    }
    return 0;
}
