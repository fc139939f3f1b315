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

/* When set, ln_run_tool runs nothing: it hands each command line to the
 * dry-run output (below) and returns 0. */
extern bool ln_dry_run;

/* Where ln_run_tool sends the command lines it would run under ln_dry_run:
 * fn(line, ctx) once per command. Library code does not print; the caller
 * decides (ln_dry_run_to_file with a FILE * as ctx prints "  LINE\n").
 * fn NULL (the default) drops the lines. */
typedef void (*ln_line_fn)(const char *line, void *ctx);
void ln_set_dry_run_output(ln_line_fn fn, void *ctx);
void ln_dry_run_to_file(const char *line, void *stdio_file);

/* Run argv (argv[0] searched in PATH) to completion. Returns its exit
 * status (0..255), or -errno when it could not be started; stderr of the
 * tool goes to the log at debug level unless quiet_fail is false and it
 * fails, in which case it is logged as an error. */
int ln_run_tool(const char *const argv[], bool quiet_fail);

/* Run a tool that only reads (`ip link show ...`), even under ln_dry_run,
 * and keep the start of its stdout in out (NUL-terminated; out may be
 * NULL). Returns its exit status or -errno; failures are logged at debug
 * level only (a query's "no" is an answer, not an error). */
int ln_query_tool(const char *const argv[], char *out, size_t outlen);

struct ln_spawn_opts {
    const struct scc_cpuset *cpus; /* pin before exec (NULL: don't) */
    const char *stdout_path;       /* redirect stdout (NULL: inherit) */
    const char *stderr_path;       /* redirect stderr (NULL: inherit) */
    bool new_pgrp;                 /* own process group, so a terminal's ^C reaches only us */
};

/* Start argv in the background; returns the child's pid or -errno. The
 * child gets stdin from /dev/null and no descriptor above 2: whatever the
 * caller of `scc` left open is closed before exec (ln_run_tool and
 * ln_query_tool do the same). */
pid_t ln_spawn(const char *const argv[], const struct ln_spawn_opts *o);

/* Format argv as one printable line (for --dry-run and logs). */
void ln_argv_format(const char *const argv[], char *buf, size_t len);

/* State (field 3 of /proc/PID/stat: R, S, D, Z, ...) and start time
 * (field 22, clock ticks since boot) of a process; either pointer may be
 * NULL. The pid and the start time name a process uniquely, so cleanup
 * never signals a recycled pid. Returns 0, or -errno (-ENOENT: no such
 * process; -EPROTO: a line this parser does not understand). */
int ln_proc_stat(pid_t pid, char *state, unsigned long long *starttime);

/* The start time alone (see ln_proc_stat); 0 when the process does not exist. */
unsigned long long ln_proc_starttime(pid_t pid);

/* Sleep ms milliseconds (a signal may cut it short). Cannot fail. */
void ln_sleep_ms(int ms);

/* Absolute path of a sibling executable of the running one (bin/scc-nf
 * next to bin/scc), or NULL when it does not exist. Caller frees. */
char *ln_sibling_exe(const char *name);

/* The running executable's path (/proc/self/exe) into buf: 0, or -errno.
 * When the file was replaced since we started (a rebuild during a long
 * `scc experiment`), the kernel's link reads "PATH (deleted)"; that suffix
 * is dropped, so what we exec by path (the generator and sink, under `ip
 * netns exec`) is the file now at PATH rather than a name that does not
 * exist. */
int ln_self_exe(char *buf, size_t len);

/* Drop a trailing " (deleted)" from path in place (ln_self_exe's rule). */
void ln_exe_path_undeleted(char *path);

#endif
