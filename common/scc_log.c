/*
 * scc_log — see scc_log.h. One process-wide sink; the default writes one
 * line per message to stderr so that output of concurrent processes (the
 * launcher and its NFs share a terminal) does not interleave mid-line.
 */
#include "scc_log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static scc_log_fn log_fn;
static void *log_ctx;
static enum scc_log_level log_level = SCC_LOG_INFO;
static const char *log_prog = "scc";

void scc_log_set_callback(scc_log_fn fn, void *ctx)
{
    log_fn = fn;
    log_ctx = ctx;
}

void scc_log_set_level(enum scc_log_level level) { log_level = level; }
enum scc_log_level scc_log_get_level(void) { return log_level; }
void scc_log_set_prog(const char *prog) { log_prog = prog ? prog : "scc"; }

static void default_writer(enum scc_log_level level, const char *msg)
{
    static const char *const tag[] = {"error: ", "warning: ", "", "debug: "};
    char line[2048];
    int n = snprintf(line, sizeof(line), "%s: %s%s\n", log_prog, tag[level], msg);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    /* one write() so lines from several processes stay whole */
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

void scc_log(enum scc_log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char msg[1900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_fn)
        log_fn(level, msg, log_ctx);
    else
        default_writer(level, msg);
}
