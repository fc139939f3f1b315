/*
 * cmd_stats — `scc stats NAME`: print the live counters of a running
 * scc-nf from its shared-memory page (nf_stats.h), as text or JSON.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scc_cmds.h"
#include "common/scc_log.h"
#include "nfs/nf_stats.h"

int cmd_stats(int argc, char **argv)
{
    const char *name = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: scc stats [--json] NAME\n\n"
                   "Print the counters of the running NF NAME (rx/tx packets and bytes,\n"
                   "batches, receive/send system calls, drops per element and reason),\n"
                   "read from its stats page /dev/shm/scc-nf-NAME. A fused group (one\n"
                   "scc-nf running several NFs, docs/fusion.md) also shows a row per NF:\n"
                   "its packets in and out, drops and pipeline time.\n"
                   "  --json   one JSON object instead of the table\n"
                   "docs: docs/elements.md\n");
            return 0;
        }
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "scc stats: unknown option '%s' (see scc stats --help)\n", argv[i]);
            return 2;
        } else if (name) {
            fprintf(stderr, "scc stats: one NF name, please ('%s' and '%s')\n", name, argv[i]);
            return 2;
        } else {
            name = argv[i];
        }
    }
    if (!name) {
        fprintf(stderr, "usage: scc stats [--json] NAME\n");
        return 2;
    }
    struct nf_stats_page *pg = malloc(sizeof(*pg));
    if (!pg) {
        scc_err("out of memory");
        return 1;
    }
    char err[256];
    if (nf_stats_read(name, pg, err, sizeof(err)) < 0) {
        scc_err("%s", err);
        free(pg);
        return 1;
    }
    nf_stats_print(pg, stdout, json);
    free(pg);
    return 0;
}
