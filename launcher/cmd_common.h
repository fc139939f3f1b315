/*
 * cmd_common — what the `scc` subcommands that take a chain share.
 */
#ifndef CMD_COMMON_H
#define CMD_COMMON_H

#include "launcher/scc_spec.h"

/* Load the chain of subcommand cmd ("validate", "run"): the file at path,
 * or the built-in default chain when path is NULL. The loader's warnings
 * go to stderr either way; a chain that does not load has its problems
 * printed ("WHAT: N problems:" then one per line). Returns the chain, or
 * NULL with *status set to the exit status (2 invalid, 1 out of memory). */
struct scc_chain *cmd_load_chain(const char *cmd, const char *path, int *status);

#endif
