/*
 * scc_cmds — the subcommands of `scc`. Each is `int fn(int argc, char **argv)`
 * with argv[0] = the subcommand name; it returns the process exit status
 * (0 ok, 1 runtime failure, 2 usage or invalid input). Modules that add a
 * subcommand declare it here and add one row to the table in scc_main.c.
 * It lives in common/ (not launcher/, which owns the table) because the
 * modules that implement commands (nfs, bench) sit below the launcher and
 * must not include its headers (scripts/check_layering.sh).
 */
#ifndef SCC_CMDS_H
#define SCC_CMDS_H

int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_sink(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
int cmd_tune(int argc, char **argv);

#endif
