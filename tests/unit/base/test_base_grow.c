/*
 * Growing arrays (src/base/grow.c): the first capacity, doubling until
 * the need fits, the elements kept, no reallocation while there is room,
 * and sizes that would overflow refused with the array left as it was;
 * the capacity alone (bh_grow_cap) for tables rebuilt rather than
 * reallocated; and bh_idset, which appends through it.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/grow.h"
#include "base/idset.h"
#include "testutil.h"

START_TEST(first_then_doubles)
{
    size_t cap = 0;
    int *a = bh_grow(NULL, &cap, 1, sizeof *a, 4);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(cap, 4);
    for (int i = 0; i < 4; i++)
        a[i] = i;
    /* room: the same array, the same capacity */
    ck_assert_ptr_eq(bh_grow(a, &cap, 4, sizeof *a, 4), a);
    ck_assert_uint_eq(cap, 4);
    a = bh_grow(a, &cap, 5, sizeof *a, 4);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(cap, 8);
    /* doubled until the need fits: 8 -> 16 -> 32 -> 64 */
    a = bh_grow(a, &cap, 33, sizeof *a, 4);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(cap, 64);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(a[i], i);
    a[63] = 63;
    free(a);
}
END_TEST

START_TEST(first_below_the_need)
{
    size_t cap = 0;
    char *b = bh_grow(NULL, &cap, 5000, 1, 4096);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(cap, 8192);
    b[4999] = 'x';
    free(b);
}
END_TEST

START_TEST(overflow_is_refused)
{
    size_t cap = 4;
    int *a = bh_grow(NULL, &cap, 4, sizeof *a, 4); /* room: arr as it is */
    ck_assert_ptr_null(a);
    ck_assert_uint_eq(cap, 4);
    cap = 0;
    a = bh_grow(NULL, &cap, 2, sizeof *a, 2);
    ck_assert_ptr_nonnull(a);
    a[0] = 7;
    ck_assert_ptr_null(bh_grow(a, &cap, SIZE_MAX, sizeof *a, 2));
    ck_assert_ptr_null(bh_grow(a, &cap, SIZE_MAX / 2, sizeof *a, 2));
    ck_assert_ptr_null(bh_grow(a, &cap, 3, 0, 2));
    /* refused: the array and its capacity unchanged */
    ck_assert_uint_eq(cap, 2);
    ck_assert_int_eq(a[0], 7);
    free(a);
    cap = 0;
    ck_assert_ptr_null(bh_grow(NULL, &cap, 1, 1, 0));
    ck_assert_uint_eq(cap, 0);
}
END_TEST

START_TEST(capacity_alone)
{
    size_t cap = 0;
    ck_assert_int_eq(bh_grow_cap(&cap, 1, 8, 256), 0);
    ck_assert_uint_eq(cap, 256);
    ck_assert_int_eq(bh_grow_cap(&cap, 256, 8, 256), 0); /* room: as it is */
    ck_assert_uint_eq(cap, 256);
    ck_assert_int_eq(bh_grow_cap(&cap, 257, 8, 256), 0);
    ck_assert_uint_eq(cap, 512);
    ck_assert_int_eq(bh_grow_cap(&cap, 3000, 8, 256), 0);
    ck_assert_uint_eq(cap, 4096);
    /* refused: the capacity unchanged */
    ck_assert_int_eq(bh_grow_cap(&cap, SIZE_MAX, 8, 256), -1);
    ck_assert_int_eq(bh_grow_cap(&cap, SIZE_MAX / 4, 8, 256), -1);
    ck_assert_int_eq(bh_grow_cap(&cap, 5000, 0, 256), -1);
    ck_assert_uint_eq(cap, 4096);
    cap = 0;
    ck_assert_int_eq(bh_grow_cap(&cap, 1, 8, 0), -1);
    ck_assert_uint_eq(cap, 0);
}
END_TEST

START_TEST(idset_appends)
{
    bh_idset s = {0};
    for (uint64_t i = 1000; i > 0; i--)
        ck_assert_int_eq(bh_idset_add(&s, i * 3), 0);
    ck_assert_uint_eq(s.n, 1000);
    ck_assert_uint_eq(s.cap, 1024);
    bh_idset_sort(&s);
    ck_assert(bh_idset_has(&s, 3));
    ck_assert(bh_idset_has(&s, 3000));
    ck_assert(!bh_idset_has(&s, 4));
    bh_idset_free(&s);
    ck_assert(!bh_idset_has(&s, 3));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base_grow");
    TCase *tc = tcase_create("grow");
    tcase_add_test(tc, first_then_doubles);
    tcase_add_test(tc, first_below_the_need);
    tcase_add_test(tc, overflow_is_refused);
    tcase_add_test(tc, capacity_alone);
    tcase_add_test(tc, idset_appends);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
