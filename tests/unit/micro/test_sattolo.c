/* bench/micro: Sattolo's permutation is one cycle through every slot. */
#include <check.h>
#include <stdlib.h>

#include "bench/micro/mb_bench.h"

/* Follow next[] from 0 and count the steps back to 0; with one cycle that is
 * exactly n and every slot is visited once. */
static size_t cycle_len(const uint32_t *next, size_t n, unsigned char *seen)
{
    size_t steps = 0;
    uint32_t i = 0;
    do {
        ck_assert_uint_lt(next[i], n);
        ck_assert_msg(!seen[i], "slot %u visited twice", i);
        seen[i] = 1;
        i = next[i];
        steps++;
    } while (i != 0 && steps <= n);
    return steps;
}

START_TEST(single_cycle_every_size)
{
    static const size_t sizes[] = {2, 3, 4, 7, 8, 64, 1000, 4096, 65537};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        for (uint64_t seed = 1; seed < 6; seed++) {
            uint32_t *next = malloc(n * sizeof(*next));
            unsigned char *seen = calloc(n, 1);
            ck_assert_ptr_nonnull(next);
            ck_assert_ptr_nonnull(seen);
            mb_sattolo(next, n, seed * 7919 + n);
            ck_assert_uint_eq(cycle_len(next, n, seen), n);
            for (size_t i = 0; i < n; i++) {
                ck_assert_msg(seen[i], "slot %zu never visited (n=%zu)", i, n);
                ck_assert_msg(next[i] != i, "fixed point at %zu", i); /* no self-loop */
            }
            free(next);
            free(seen);
        }
    }
}
END_TEST

START_TEST(random_not_sequential_and_seeded)
{
    size_t n = 1024;
    uint32_t *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b)), *c = malloc(n * sizeof(*c));
    mb_sattolo(a, n, 42);
    mb_sattolo(b, n, 42);
    mb_sattolo(c, n, 43);
    size_t seq = 0, same = 0, diff = 0;
    for (size_t i = 0; i < n; i++) {
        seq += a[i] == (i + 1) % n;
        same += a[i] == b[i];
        diff += a[i] != c[i];
    }
    ck_assert_uint_lt(seq, 16);      /* a prefetcher-friendly walk would be n */
    ck_assert_uint_eq(same, n);      /* same seed, same permutation */
    ck_assert_uint_gt(diff, n / 2);  /* another seed, another permutation */
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(one_slot)
{
    uint32_t next[1] = {99};
    mb_sattolo(next, 1, 1);
    ck_assert_uint_eq(next[0], 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mb_sattolo");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, single_cycle_every_size);
    tcase_add_test(tc, random_not_sequential_and_seeded);
    tcase_add_test(tc, one_slot);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
