/*
 * cmd_common — see cmd_common.h.
 */
#include <stdio.h>

#include "launcher/cmd_common.h"

struct scc_chain *cmd_load_chain(const char *cmd, const char *path, int *status)
{
    struct scc_diags *d = scc_diags_new();
    if (!d) {
        fprintf(stderr, "scc %s: out of memory\n", cmd);
        *status = 1;
        return NULL;
    }
    struct scc_chain *ch = path ? scc_spec_load_file(path, NULL, d)
                                : scc_spec_load_string(scc_default_chain_json, NULL, d);
    if (!ch) {
        fprintf(stderr, "%s: %zu problem%s:\n", path ? path : "built-in default chain",
                scc_diags_count(d), scc_diags_count(d) == 1 ? "" : "s");
        scc_diags_print(d, stderr);
        *status = 2;
    }
    /* warnings even when the chain is refused, and with -q: they are about
     * the measurement, not the text */
    scc_diags_print_warnings(d, stderr);
    scc_diags_free(d);
    return ch;
}
