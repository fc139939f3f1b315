/*
 * ln_exec — running programs without a shell: fork + execve with an argv
 * array (never a command line built from config strings), optionally
 * pinned to CPUs and with stdout sent to a file.
 */
#ifndef LN_EXEC_H
#define LN_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/scc_util.h"

/* When set, ln_run_tool only prints the command line it would run. */
extern bool ln_dry_run;

/* Run argv (argv[0] searched in PATH) to completion. Returns its exit
 * status (0..255), or -errno when it could not be started; stderr of the
 * tool goes to the log at debug level unless quiet_fail is false and it
 * fails, in which case it is logged as an error. */
int ln_run_tool(const char *const argv[], bool quiet_fail);

struct ln_spawn_opts {
    const struct scc_cpuset *cpus; /* pin before exec (NULL: don't) */
    const char *stdout_path;       /* redirect stdout (NULL: inherit) */
    const char *stderr_path;       /* redirect stderr (NULL: inherit) */
    bool new_pgrp;                 /* own process group, so a terminal's ^C reaches only us */
};

/* Start argv in the background; returns the child's pid or -errno. */
pid_t ln_spawn(const char *const argv[], const struct ln_spawn_opts *o);

/* Format argv as one printable line (for --dry-run and logs). */
void ln_argv_format(const char *const argv[], char *buf, size_t len);

/* Start time of a process (field 22 of /proc/PID/stat, clock ticks since
 * boot): with the pid it names a process uniquely, so cleanup never
 * signals a recycled pid. Returns 0 when the process does not exist. */
unsigned long long ln_proc_starttime(pid_t pid);

/* Absolute path of a sibling executable of the running one (bin/scc-nf
 * next to bin/scc), or NULL when it does not exist. Caller frees. */
char *ln_sibling_exe(const char *name);

#endif
