/*
 * The logging facility: line format, threshold from the environment and
 * from bh_log_set_level. The threshold is read from the environment once
 * per process; the tests of that reading run in a forked child that
 * changes its environment and calls bh_log_reset.
 */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/log.h"
#include "capture.h"
#include "testutil.h"

START_TEST(test_line_format)
{
    char want[64];
    regex_t re;
    unsetenv("BOTHIVE_LOG");
    bh_test_capture_start();
    bh_log(BH_LOG_WARN, "disk %s at %d%%", "full", 99);
    char *out = bh_test_capture_stop();
    snprintf(want, sizeof want, "[%d] WARN  disk full at 99%%\n", (int)getpid());
    ck_assert_msg(strstr(out, want) != NULL, "got: %s", out);
    ck_assert_int_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z \\[",
                             REG_EXTENDED), 0);
    ck_assert_msg(regexec(&re, out, 0, NULL, 0) == 0, "bad prefix: %s", out);
    regfree(&re);
    free(out);
}
END_TEST

/* In a fresh child: with BOTHIVE_LOG=env (NULL: unset), is a line at
 * `hidden` left out and one at `shown` written? Exit status 0 if so. */
static int child_threshold(const char *env, bh_log_level hidden, bh_log_level shown)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (env)
            setenv("BOTHIVE_LOG", env, 1);
        else
            unsetenv("BOTHIVE_LOG");
        bh_log_reset();
        bh_test_capture_start();
        bh_log(hidden, "hidden-line");
        bh_log(shown, "shown-line");
        char *out = bh_test_capture_stop();
        int ok = !strstr(out, "hidden-line") && strstr(out, "shown-line") &&
                 !bh_log_enabled(hidden) && bh_log_enabled(shown);
        free(out);
        _exit(ok ? 0 : 1);
    }
    return bh_test_wait(pid);
}

START_TEST(test_default_threshold_is_info)
{
    ck_assert_int_eq(child_threshold(NULL, BH_LOG_DEBUG, BH_LOG_INFO), 0);
    ck_assert_int_eq(child_threshold("bogus", BH_LOG_DEBUG, BH_LOG_INFO), 0);
}
END_TEST

START_TEST(test_threshold_from_environment)
{
    ck_assert_int_eq(child_threshold("error", BH_LOG_WARN, BH_LOG_ERROR), 0);
    ck_assert_int_eq(child_threshold("WARN", BH_LOG_INFO, BH_LOG_WARN), 0);
    ck_assert_int_eq(child_threshold("debug", BH_LOG_OFF, BH_LOG_DEBUG), 0);
}
END_TEST

START_TEST(test_set_level_overrides_environment)
{
    setenv("BOTHIVE_LOG", "off", 1);
    bh_log_set_level(BH_LOG_DEBUG);
    bh_test_capture_start();
    bh_log(BH_LOG_DEBUG, "dbg");
    bh_log_set_level(BH_LOG_OFF);
    bh_log(BH_LOG_ERROR, "silenced");
    char *out = bh_test_capture_stop();
    ck_assert_ptr_nonnull(strstr(out, "DEBUG dbg"));
    ck_assert_ptr_null(strstr(out, "silenced"));
    free(out);
}
END_TEST

START_TEST(test_long_lines_are_cut_not_overflowed)
{
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bh_log_set_level(BH_LOG_INFO);
    bh_test_capture_start();
    bh_log(BH_LOG_INFO, "%s", big);
    char *out = bh_test_capture_stop();
    size_t len = strlen(out);
    ck_assert_uint_gt(len, 1000);
    ck_assert_uint_lt(len, 1200);
    ck_assert_int_eq(out[len - 1], '\n');
    free(out);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("base_log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, test_line_format);
    tcase_add_test(tc, test_default_threshold_is_info);
    tcase_add_test(tc, test_threshold_from_environment);
    tcase_add_test(tc, test_set_level_overrides_environment);
    tcase_add_test(tc, test_long_lines_are_cut_not_overflowed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
