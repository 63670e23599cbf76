#include <check.h>
#include <string.h>

#include "bothive/error.h"
#include "testutil.h"

START_TEST(every_code_has_a_message)
{
    for (int rc = BH_ERR_FIRST; rc >= BH_ERR_LAST; rc--) {
        const char *msg = bh_strerror(rc);
        ck_assert_ptr_nonnull(msg);
        ck_assert_str_ne(msg, "unknown error");
    }
    ck_assert_str_eq(bh_strerror(BH_OK), "success");
    ck_assert_str_eq(bh_strerror(BH_ERR_LAST - 1), "unknown error");
    ck_assert_str_eq(bh_strerror(BH_ENOSPC), "store is full");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("codes");
    tcase_add_test(tc, every_code_has_a_message);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
