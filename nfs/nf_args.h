/*
 * nf_args — strict parsing of element arguments, one place for every
 * element (as Click's Args): a keyword and its value, decimal integers with
 * bounds, IPv4 addresses, prefixes and ranges, port ranges, MAC addresses.
 *
 * Strict means: decimal is decimal ("010" is 10, never octal 8; no "0x"),
 * no sign, no spaces inside or around a value, no overflow (a number too
 * long for a long is out of range, not undefined behaviour), and every
 * character used. Every function returns 0, or -EINVAL (not of that form),
 * -ERANGE (the form is right, a value is out of bounds) or -EDOM (a range
 * whose first value is larger than its last); the outputs are written only
 * on success.
 */
#ifndef NF_ARGS_H
#define NF_ARGS_H

#include <stdint.h>

/* "KEYWORD VALUE": the index of KEYWORD in keywords (NULL-terminated,
 * compared case-insensitively), *value pointing at VALUE (spaces after the
 * keyword skipped). -EINVAL if VALUE is missing, -ENOENT if no keyword
 * matches (the first word is the unknown keyword). */
int nf_args_keyword(const char *arg, const char *const *keywords, const char **value);
/* A decimal integer in min..max. */
int nf_args_int(const char *s, long min, long max, long *out);
/* Dotted-quad IPv4, each part decimal 0..255; *addr in host order. */
int nf_args_ipv4(const char *s, uint32_t *addr);
/* A/LEN with LEN 0..32, or a bare A meaning A/32 (host order; the address
 * is not masked). */
int nf_args_prefix(const char *s, uint32_t *addr, int *len);
/* "A" or "A-B" with A <= B (host order; A-A is one address). */
int nf_args_ipv4_range(const char *s, uint32_t *lo, uint32_t *hi);
/* "P" or "P-Q", each in min..max, P <= Q. */
int nf_args_port_range(const char *s, long min, long max, long *lo, long *hi);
/* Six groups of one or two hex digits separated by ':'. */
int nf_args_mac(const char *s, uint8_t mac[6]);

#endif
