/*
 * scc_json — SCC's input files as strict JSON (chain specs, calibration
 * files): a bounded whole-file reader that refuses NUL bytes, a strict
 * parser, and typed getters that name the JSON path of every problem.
 *
 * Strict means RFC 8259 and nothing more: no comments, no single quotes, no
 * trailing commas (json-c's JSON_TOKENER_STRICT), exactly one value, and two
 * things json-c cannot see by itself: a key given twice in one object (json-c
 * keeps the last, silently) and "\u0000" inside a string (json-c keeps it,
 * and every C consumer then cuts the string there: "allow all\u0000 deny
 * all" would deploy as "allow all").
 *
 * Paths are written as the spec docs write them: "nfs[2].config.rules[0]";
 * "" is the document as a whole. Functions return 0 or -errno and fill a
 * struct scc_json_err; nothing here prints.
 */
#ifndef SCC_JSON_H
#define SCC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define SCC_JSON_PATH_MAX 160
#define SCC_JSON_MAX_FILE (16u << 20) /* a spec or calibration is a few KiB */

/* One problem: where (a JSON path, "" for the whole document) and what. */
struct scc_json_err {
    char path[SCC_JSON_PATH_MAX];
    char msg[320];
};

/*
 * Read the file at path whole: *out is malloc'd, NUL-terminated, *len
 * excludes the terminator. At most max bytes (0 = SCC_JSON_MAX_FILE): a
 * larger file, or an endless one such as /dev/zero, is -EFBIG. A NUL byte
 * is -EINVAL with "NUL byte at line L, column C". Errors: -errno of
 * open/read, -ENOMEM; err says which file and why.
 */
int scc_json_read_file(const char *path, size_t max, char **out, size_t *len,
                       struct scc_json_err *err);

/*
 * Parse len bytes of text as one strict JSON value (see above). Returns the
 * value (release with json_object_put) or NULL with errno = EINVAL (err
 * filled: syntax errors carry "line L, column C") or ENOMEM.
 */
struct json_object *scc_json_parse(const char *text, size_t len, struct scc_json_err *err);

/* ---- typed getters ------------------------------------------------------
 *
 * Each getter reads one member `key` of object `obj` (or, for the _val
 * forms, one value already in hand) whose path is `base` ("" at the root).
 * Problems go to the sink, one call per problem, with the member's path:
 *   absent:            returns 0, *out untouched; "missing" if required;
 *   wrong type/range:  returns -EINVAL, *out untouched, reported;
 *   good:              returns 1, *out set.
 * Messages: "expected an integer, got a string", "70000 is out of range
 * 1..65535", "'x' is not one of a, b (did you mean 'b'?)", "missing".
 */
struct scc_json_sink {
    void (*report)(void *arg, const char *path, const char *msg);
    void *arg;
};

/* "an integer", "a string", ... for messages. */
const char *scc_json_type_word(struct json_object *v);
/* base + "." + key, base + "[i]" (cut at SCC_JSON_PATH_MAX; only shown to
 * people). out may alias base. */
void scc_json_path_key(char out[SCC_JSON_PATH_MAX], const char *base, const char *key);
void scc_json_path_idx(char out[SCC_JSON_PATH_MAX], const char *base, size_t i);
/* The member, or NULL when obj is not an object or has no such key. */
struct json_object *scc_json_member(struct json_object *obj, const char *key);

int scc_json_val_int(const struct scc_json_sink *s, const char *path, struct json_object *v,
                     int64_t min, int64_t max, int64_t *out);
int scc_json_val_num(const struct scc_json_sink *s, const char *path, struct json_object *v,
                     double min, double max, double *out);

int scc_json_get_str(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                     const char *key, bool required, const char **out);
int scc_json_get_int(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                     const char *key, bool required, int64_t min, int64_t max, int64_t *out);
/* An integer or a fraction within [min, max]; NaN never passes. */
int scc_json_get_num(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                     const char *key, bool required, double min, double max, double *out);
int scc_json_get_bool(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                      const char *key, bool required, bool *out);
/* One of names[] (NULL-terminated); *out = its index. */
int scc_json_get_enum(const struct scc_json_sink *s, const char *base, struct json_object *obj,
                      const char *key, bool required, const char *const *names, int *out);
/* An object or an array member; NULL when absent or of another type. */
struct json_object *scc_json_get_obj(const struct scc_json_sink *s, const char *base,
                                     struct json_object *obj, const char *key, bool required);
struct json_object *scc_json_get_arr(const struct scc_json_sink *s, const char *base,
                                     struct json_object *obj, const char *key, bool required);

#endif
