/*
 * scc_log — levelled logging through one replaceable callback.
 *
 * Library code never writes to stderr directly: it calls scc_log(), which
 * hands the formatted line to the installed callback (by default: stderr
 * with a "scc: " prefix, filtered by the current level). Tools set the level
 * from -v/-q; tests install a callback to capture messages.
 */
#ifndef SCC_LOG_H
#define SCC_LOG_H

#include <stdarg.h>

enum scc_log_level {
    SCC_LOG_ERROR = 0,
    SCC_LOG_WARN = 1,
    SCC_LOG_INFO = 2,
    SCC_LOG_DEBUG = 3,
};

typedef void (*scc_log_fn)(enum scc_log_level level, const char *msg, void *ctx);

/* Install a callback (NULL restores the default stderr writer). */
void scc_log_set_callback(scc_log_fn fn, void *ctx);
/* Messages above this level are discarded before formatting. */
void scc_log_set_level(enum scc_log_level level);
enum scc_log_level scc_log_get_level(void);
/* Program name used by the default writer as a prefix ("scc", "scc-nf"). */
void scc_log_set_prog(const char *prog);

void scc_log(enum scc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define scc_err(...) scc_log(SCC_LOG_ERROR, __VA_ARGS__)
#define scc_warn(...) scc_log(SCC_LOG_WARN, __VA_ARGS__)
#define scc_info(...) scc_log(SCC_LOG_INFO, __VA_ARGS__)
#define scc_dbg(...) scc_log(SCC_LOG_DEBUG, __VA_ARGS__)

#endif
