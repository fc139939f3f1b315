/*
 * scc_write_file_atomic: the whole text or the old file, never a part; no
 * temporary file left behind; the failing step named.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/scc_util.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/scc-ut-atomic.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

START_TEST(writes_and_replaces_whole)
{
    char path[128], buf[64], err[256];
    snprintf(path, sizeof(path), "%s/run.json", dir);
    ck_assert_int_eq(scc_write_file_atomic(path, "{ \"a\": 1 }\n", 11, err, sizeof(err)), 0);
    slurp(path, buf, sizeof(buf));
    ck_assert_str_eq(buf, "{ \"a\": 1 }\n");
    ck_assert_int_eq(scc_write_file_atomic(path, "{}\n", 3, err, sizeof(err)), 0);
    slurp(path, buf, sizeof(buf));
    ck_assert_str_eq(buf, "{}\n");
    ck_assert_int_eq(entries(), 1); /* no temporary file left */
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    mode_t um = umask(0);
    umask(um);
    ck_assert_uint_eq(st.st_mode & 0777, 0644 & ~um);
}
END_TEST

START_TEST(failure_names_the_file_and_leaves_nothing)
{
    char path[160], err[256];
    snprintf(path, sizeof(path), "%s/no-such-dir/run.json", dir);
    ck_assert_int_eq(scc_write_file_atomic(path, "x", 1, err, sizeof(err)), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
    /* a directory in the way of the rename: the temporary file is removed */
    snprintf(path, sizeof(path), "%s/adir", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_lt(scc_write_file_atomic(path, "x", 1, err, sizeof(err)), 0);
    ck_assert_ptr_nonnull(strstr(err, "rename"));
    ck_assert_int_eq(entries(), 1);
    rmdir(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("atomic_write");
    TCase *tc = tcase_create("atomic_write");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, writes_and_replaces_whole);
    tcase_add_test(tc, failure_names_the_file_and_leaves_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
