/* common/scc_json: strict parse (duplicate keys and \u0000 with their path,
 * no comments/quotes/trailing commas), the bounded reader, typed getters. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/scc_json.h"

static struct json_object *parse(const char *t, struct scc_json_err *e)
{
    memset(e, 0, sizeof(*e));
    return scc_json_parse(t, strlen(t), e);
}

START_TEST(strict_parse_rejects_with_path)
{
    struct scc_json_err e;
    struct json_object *o = parse("{\"a\": [1, {\"b\": \"x\", \"c\": true}], \"d\": null}", &e);
    ck_assert_ptr_nonnull(o);
    json_object_put(o);

    ck_assert_ptr_null(parse("{\"a\": [1, {\"b\": 1, \"b\": 2}]}", &e));
    ck_assert_str_eq(e.path, "a[1].b");
    ck_assert_ptr_nonnull(strstr(e.msg, "duplicate key"));
    /* the same key spelt with an escape is the same key */
    ck_assert_ptr_null(parse("{\"ab\": 1, \"\\u0061b\": 2}", &e));
    ck_assert_str_eq(e.path, "ab");
    /* non-ASCII keys that differ are not duplicates; equal ones are */
    o = parse("{\"\\u00e9\": 1, \"\\ud83d\\ude00\": 2, \"e\": 3}", &e);
    ck_assert_ptr_nonnull(o);
    json_object_put(o);
    ck_assert_ptr_null(parse("{\"\\u00e9\": 1, \"\xc3\xa9\": 2}", &e));
    /* the first duplicate in the text is the one reported */
    ck_assert_ptr_null(parse("{\"z\": 1, \"y\": 1, \"y\": 2, \"z\": 2}", &e));
    ck_assert_str_eq(e.path, "y");

    ck_assert_ptr_null(parse("{\"r\": [\"ok\", \"allow all\\u0000 deny all\"]}", &e));
    ck_assert_str_eq(e.path, "r[1]");
    ck_assert_ptr_nonnull(strstr(e.msg, "\\u0000"));
    ck_assert_ptr_null(parse("{\"o\": {\"k\\u0000x\": 1}}", &e));
    ck_assert_str_eq(e.path, "o");
    /* an escaped backslash before "u0000" is not an escape */
    o = parse("{\"s\": \"a\\\\u0000\"}", &e);
    ck_assert_ptr_nonnull(o);
    json_object_put(o);

    const char *bad[] = {"{\"a\": 1,}", "[1, 2,]", "{'a': 1}", "{\"a\": 1} // c",
                         "/* c */ {}", "{\"a\": 1} x", "{\"a\": NaN}", "{\"a\": 01}",
                         "[Infinity]", "[-Infinity]", "[1.]", "[1e5x]", "[\"a\tb\"]",
                         "{'a': 1}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(parse(bad[i], &e) == NULL, "accepted: %s", bad[i]);
        ck_assert_str_eq(e.path, "");
        ck_assert_msg(strstr(e.msg, "line 1, column"), "%s: %s", bad[i], e.msg);
    }
    o = parse("[0, -1, 1.5e-3, 2E+2, -0.0, true, false, null, \"\\t\"]", &e);
    ck_assert_msg(o != NULL, "%s", e.msg);
    json_object_put(o);
    ck_assert_ptr_null(scc_json_parse("{\"a\":\0 1}", 9, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "NUL byte at line 1, column 6"));
}
END_TEST

START_TEST(reader_is_bounded_and_refuses_nul)
{
    char path[] = "/tmp/scc_json_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "{\"a\":\n 1}", 9), 9);
    close(fd);
    char *t;
    size_t len;
    struct scc_json_err e;
    ck_assert_int_eq(scc_json_read_file(path, 0, &t, &len, &e), 0);
    ck_assert_uint_eq(len, 9);
    ck_assert_str_eq(t, "{\"a\":\n 1}");
    free(t);
    ck_assert_int_eq(scc_json_read_file(path, 9, &t, &len, &e), 0);
    free(t);
    ck_assert_int_eq(scc_json_read_file(path, 8, &t, &len, &e), -EFBIG);
    ck_assert_ptr_null(t);
    fd = open(path, O_WRONLY | O_APPEND);
    ck_assert_int_eq(write(fd, "\n\n  \0", 5), 5);
    close(fd);
    ck_assert_int_eq(scc_json_read_file(path, 0, &t, &len, &e), -EINVAL);
    ck_assert_msg(strstr(e.msg, "NUL byte at line 4, column 3"), "%s", e.msg);
    unlink(path);
    ck_assert_int_eq(scc_json_read_file("/dev/zero", 0, &t, &len, &e), -EINVAL);
    ck_assert_int_eq(scc_json_read_file("/nonexistent/x.json", 0, &t, &len, &e), -ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/x.json"));
}
END_TEST

struct seen {
    int n;
    char path[SCC_JSON_PATH_MAX], msg[512];
};

static void collect(void *arg, const char *path, const char *msg)
{
    struct seen *s = arg;
    s->n++;
    snprintf(s->path, sizeof(s->path), "%s", path);
    snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

START_TEST(getters_check_type_and_range)
{
    struct scc_json_err e;
    struct json_object *o =
        parse("{\"i\": 7, \"big\": 18446744073709551615, \"f\": 2.5, \"s\": \"x\", "
              "\"b\": true, \"e\": \"busy\", \"o\": {\"k\": -1}, \"a\": [1]}", &e);
    ck_assert_ptr_nonnull(o);
    struct seen seen = {0};
    struct scc_json_sink sk = {collect, &seen};
    int64_t i = 99;
    ck_assert_int_eq(scc_json_get_int(&sk, "", o, "i", true, 0, 10, &i), 1);
    ck_assert_int_eq(i, 7);
    ck_assert_int_eq(scc_json_get_int(&sk, "", o, "i", true, 8, 10, &i), -EINVAL);
    ck_assert_int_eq(i, 7);
    ck_assert_str_eq(seen.path, "i");
    ck_assert_str_eq(seen.msg, "7 is out of range 8..10");
    ck_assert_int_eq(scc_json_get_int(&sk, "", o, "big", true, 0, INT64_MAX, &i), -EINVAL);
    ck_assert_int_eq(scc_json_get_int(&sk, "", o, "f", true, 0, 10, &i), -EINVAL);
    ck_assert_str_eq(seen.msg, "expected an integer, got a number with a fraction");
    ck_assert_int_eq(scc_json_get_int(&sk, "x", o, "none", false, 0, 10, &i), 0);
    int before = seen.n;
    ck_assert_int_eq(scc_json_get_int(&sk, "x", o, "none", true, 0, 10, &i), 0);
    ck_assert_int_eq(seen.n, before + 1);
    ck_assert_str_eq(seen.path, "x.none");
    ck_assert_str_eq(seen.msg, "missing");
    struct json_object *sub = scc_json_get_obj(&sk, "", o, "o", true);
    ck_assert_ptr_nonnull(sub);
    ck_assert_int_eq(scc_json_get_int(&sk, "o", sub, "k", true, 0, 10, &i), -EINVAL);
    ck_assert_str_eq(seen.path, "o.k");
    double d;
    ck_assert_int_eq(scc_json_get_num(&sk, "", o, "f", true, 0, 3, &d), 1);
    ck_assert(d == 2.5);
    ck_assert_int_eq(scc_json_get_num(&sk, "", o, "i", true, 0, 3, &d), -EINVAL);
    const char *str = NULL;
    ck_assert_int_eq(scc_json_get_str(&sk, "", o, "s", true, &str), 1);
    ck_assert_str_eq(str, "x");
    bool b = false;
    ck_assert_int_eq(scc_json_get_bool(&sk, "", o, "b", true, &b), 1);
    ck_assert(b);
    ck_assert_int_eq(scc_json_get_bool(&sk, "", o, "s", true, &b), -EINVAL);
    static const char *const names[] = {"block", "busy", NULL};
    int en = -1;
    ck_assert_int_eq(scc_json_get_enum(&sk, "", o, "e", true, names, &en), 1);
    ck_assert_int_eq(en, 1);
    ck_assert_int_eq(scc_json_get_enum(&sk, "", o, "s", true, names, &en), -EINVAL);
    ck_assert_ptr_nonnull(strstr(seen.msg, "is not one of block, busy"));
    ck_assert_ptr_null(scc_json_get_arr(&sk, "", o, "o", true));
    ck_assert_str_eq(seen.msg, "expected an array, got an object");
    ck_assert_ptr_nonnull(scc_json_get_arr(&sk, "", o, "a", true));
    json_object_put(o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, strict_parse_rejects_with_path);
    tcase_add_test(tc, reader_is_bounded_and_refuses_nul);
    tcase_add_test(tc, getters_check_type_and_range);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
