/*
 * `scc validate` — load a chain spec, print every problem with its JSON
 * path (exit 2), or print the normalised chain with every default filled in
 * (exit 0).
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "common/scc_cmds.h"
#include "launcher/cmd_common.h"
#include "launcher/scc_spec.h"

static void validate_usage(FILE *f)
{
    fprintf(f,
            "usage: scc validate [--quiet] CHAIN.json\n"
            "       scc validate --default\n\n"
            "Check a chain spec against docs/chain-spec.md and this machine (online\n"
            "cores, files it names). Valid: prints the chain with every default\n"
            "filled in, exit 0. Invalid: prints each problem as `json.path: what and\n"
            "how to fix it`, exit 2. Warnings (`warning: json.path: ...`, on stderr,\n"
            "also with -q) do not change the exit status.\n\n"
            "  --default    validate the built-in default chain (configs/default.json)\n"
            "  -q, --quiet  print nothing when valid\n"
            "  -h, --help   this text\n");
}

int cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"default", no_argument, NULL, 'd'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    bool use_default = false, quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': use_default = true; break;
        case 'q': quiet = true; break;
        case 'h': validate_usage(stdout); return 0;
        default: validate_usage(stderr); return 2;
        }
    }
    if (use_default == (optind < argc) || argc - optind > 1) {
        validate_usage(stderr);
        return 2;
    }
    const char *what = use_default ? "built-in default chain" : argv[optind];
    int status;
    struct scc_chain *ch = cmd_load_chain("validate", use_default ? NULL : argv[optind], &status);
    if (!ch)
        return status;
    if (!quiet) {
        struct json_object *j = scc_chain_to_json(ch);
        if (!j) {
            fprintf(stderr, "scc validate: out of memory\n");
            scc_chain_free(ch);
            return 1;
        }
        printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
                                                             JSON_C_TO_STRING_SPACED |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(j);
        fprintf(stderr, "%s: valid (%d NF%s, %s interconnect, %s transport, batch %u)\n", what,
                ch->nnfs, ch->nnfs == 1 ? "" : "s", scc_link_names[ch->interconnect],
                scc_transport_names[ch->io.transport], ch->io.batch);
    }
    scc_chain_free(ch);
    return 0;
}
