/*
 * The version: one source (bothive/version.h) for the headers, the library
 * and, through CMake, the pkg-config files (checked by install_smoke).
 */
#include <check.h>
#include <stdio.h>

#include "bothive/version.h"
#include "testutil.h"

START_TEST(test_version_matches_headers)
{
    char want[32];
    int n = -1;

    snprintf(want, sizeof want, "%d.%d.%d", BH_VERSION_MAJOR, BH_VERSION_MINOR, BH_VERSION_PATCH);
    ck_assert_str_eq(bh_version(&n), want);
    ck_assert_str_eq(bh_version(NULL), BH_VERSION_STRING);
    ck_assert_int_eq(n, BH_VERSION_MAJOR * 10000 + BH_VERSION_MINOR * 100 + BH_VERSION_PATCH);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("base_version");
    TCase *tc = tcase_create("version");
    tcase_add_test(tc, test_version_matches_headers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
