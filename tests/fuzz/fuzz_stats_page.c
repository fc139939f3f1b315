/*
 * fuzz_stats_page — libFuzzer target for the stats-page readers: a page
 * written by a crashed or hostile NF. The input is laid over a zeroed page
 * (struct nf_stats_page, host order) written to /dev/shm/scc-nf-NAME
 * (NAME from $FUZZ_STATS_NAME, default fz-<pid>; created and removed on
 * each run); byte 0 of the input picks whether the header is made valid
 * (magic, version, size, even seq) so the readers past it are reached with
 * fuzzed counts and strings (no NULs, counts past the arrays). Then
 * nf_stats_read, nf_stats_print (text and JSON) and the launcher's
 * ln_nf_sample_stage (whole page, first/last stage and past the end) read it. Invariants: no
 * crash; a page with a wrong magic/version is refused (-EPROTO) with a
 * message; an accepted snapshot has nelems and nstages within the arrays.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/scc_log.h"
#include "launcher/ln_nfctl.h"
#include "nfs/nf_stats.h"

static struct nf_stats_page page, snap;
static char name[40], path[96];
static FILE *devnull;

static void quiet(enum scc_log_level l, const char *m, void *c)
{
    (void)l;
    (void)m;
    (void)c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    scc_log_set_callback(quiet, NULL);
    const char *n = getenv("FUZZ_STATS_NAME");
    if (n && *n)
        snprintf(name, sizeof(name), "%s", n);
    else
        snprintf(name, sizeof(name), "fz-%d", (int)getpid());
    snprintf(path, sizeof(path), "/dev/shm/scc-nf-%s", name);
    devnull = fopen("/dev/null", "w");
    if (!devnull || nf_stats_name_ok(name) < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool valid_hdr = data[0] & 1;
    data++;
    size--;
    memset(&page, 0, sizeof(page));
    memcpy(&page, data, size < sizeof(page) ? size : sizeof(page));
    if (valid_hdr) {
        page.magic = NF_STATS_MAGIC;
        page.version = NF_STATS_VERSION;
        page.size = sizeof(page);
    }
    /* an odd seq is a writer mid-update: the reader retries for ~20 ms and
     * says so (-EAGAIN); that path is not worth the fuzzer's time */
    page.seq &= ~1u;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    if (write(fd, &page, sizeof(page)) != (ssize_t)sizeof(page))
        abort();
    close(fd);

    char err[256] = "";
    int rc = nf_stats_read(name, &snap, err, sizeof(err));
    if (rc == 0) {
        if (snap.nelems > NF_STATS_MAX_ELEMS || snap.nstages > NF_STATS_MAX_STAGES)
            abort(); /* out-of-range counts must not reach the printers */
        nf_stats_print(&snap, devnull, false);
        nf_stats_print(&snap, devnull, true);
    } else {
        if (err[0] == '\0')
            abort();
        if ((page.magic != NF_STATS_MAGIC ||
                                    page.version != NF_STATS_VERSION) && rc != -EPROTO)
            abort(); /* a foreign page must be refused as such */
    }
    struct ln_nf_sample s;
    ln_nf_sample_stage(name, 0, -1, &s);
    /* the first and last stage, one past the page's count, one past the array */
    int last = (int)(page.nstages < NF_STATS_MAX_STAGES ? page.nstages : NF_STATS_MAX_STAGES);
    const int stages[] = {0, last - 1, last, NF_STATS_MAX_STAGES};
    for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
        if (stages[i] >= 0)
            ln_nf_sample_stage(name, 0, stages[i], &s);
    unlink(path);
    return 0;
}
