/*
 * scc_util — small helpers every module needs: checked number parsing,
 * monotonic time, CPU lists, MAC and IPv4 text forms, "did you mean".
 *
 * Conventions: int functions return 0 on success or -errno (-EINVAL for
 * malformed text, -ERANGE for out-of-range numbers); they never print.
 */
#ifndef SCC_UTIL_H
#define SCC_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SCC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SCC_MAX_CPUS 1024

/* Parse a whole integer within [min, max]: decimal ("010" is ten, never
 * octal), or hexadecimal after an explicit "0x". An optional leading '-';
 * no '+', no whitespace. -EINVAL for malformed text, -ERANGE out of range. */
int scc_parse_long(const char *s, long min, long max, long *out);
/* The same for an unsigned 64-bit value (no sign at all). */
int scc_parse_u64(const char *s, uint64_t *out);
/* Parse a non-negative decimal number with optional fraction ("2.5"). */
int scc_parse_double(const char *s, double min, double max, double *out);

/* CLOCK_MONOTONIC in nanoseconds. Cannot fail on Linux. */
uint64_t scc_now_ns(void);

/* Copy with truncation; always NUL-terminates when size > 0. Returns strlen(src). */
size_t scc_strlcpy(char *dst, const char *src, size_t size);

/* A set of CPU ids as a bitmap; small and copyable. */
struct scc_cpuset {
    uint64_t bits[SCC_MAX_CPUS / 64];
};
void scc_cpuset_zero(struct scc_cpuset *s);
void scc_cpuset_set(struct scc_cpuset *s, int cpu);
bool scc_cpuset_isset(const struct scc_cpuset *s, int cpu);
int scc_cpuset_count(const struct scc_cpuset *s);
int scc_cpuset_first(const struct scc_cpuset *s); /* -1 when empty */
/* "0-3,5,7-8" <-> set. Parse returns -EINVAL/-ERANGE. */
int scc_cpuset_parse(const char *s, struct scc_cpuset *out);
void scc_cpuset_format(const struct scc_cpuset *s, char *buf, size_t len);
/* Online CPUs from /sys/devices/system/cpu/online (or sysconf fallback). */
int scc_cpuset_online(struct scc_cpuset *out);

/* The value of one hex digit, or -1 when c is not one. */
int scc_hexval(char c);

/* "02:00:00:00:00:01" <-> 6 bytes: exactly six pairs of hex digits joined
 * by ':' (either case), nothing else. */
int scc_mac_parse(const char *s, uint8_t mac[6]);
void scc_mac_format(const uint8_t mac[6], char *buf, size_t len);

/* Dotted quad <-> host-order uint32. */
int scc_ipv4_parse(const char *s, uint32_t *addr);
/* "10.0.0.0/8" (a bare address means /32). Host order. */
int scc_prefix_parse(const char *s, uint32_t *addr, int *len);
void scc_ipv4_format(uint32_t addr, char *buf, size_t len);

/* Levenshtein distance, for "did you mean" hints. */
int scc_edit_distance(const char *a, const char *b);
/* The candidate closest to word (case-insensitive), or NULL when none is
 * close enough to be a plausible typo. */
const char *scc_suggest(const char *word, const char *const *candidates, size_t n);

/* Write an error message into buf (len bytes; buf NULL or len 0: write
 * nothing), cut to fit, and return -EINVAL, so a parser can say
 * `return scc_errf(err, errlen, "...", ...);`. */
int scc_errf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same with a va_list, as "PREFIX: message" when prefix is not NULL
 * (an element's name, a column), for helpers with their own prefix. */
int scc_verrf(char *buf, size_t len, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* splitmix64 (Steele, Lea, Flood 2014): advance *state and return the next
 * well-mixed 64-bit value. For seeding and shuffling, not cryptography. */
uint64_t scc_splitmix64(uint64_t *state);

/* 32-bit FNV-1a over len bytes, continuing from h (SCC_FNV1A_INIT to start),
 * so a hash over several pieces is a chain of calls. Not for adversaries. */
#define SCC_FNV1A_INIT 2166136261u
uint32_t scc_fnv1a(uint32_t h, const void *data, size_t len);

/* Write len bytes to path so that path is either its old self or the whole
 * new text, never a truncated file that looks complete (a full or
 * read-only file system, a crash mid-write): the text goes to a temporary
 * file in path's directory (".NAME.XXXXXX"), is fsync'd, gets mode 0644
 * less the umask (what fopen would give), and is renamed over path; the
 * directory is fsync'd too. On failure the temporary file is removed,
 * path is untouched, and err says which step failed and why. Returns 0 or
 * -errno. */
int scc_write_file_atomic(const char *path, const void *data, size_t len, char *err,
                          size_t errlen);

#endif
