/*
 * The logging facility: line format, level from BOTHIVE_LOG and from
 * bh_log_set_level, and the cut of long lines. The level is read from the
 * environment once per process; bh_log_set_level(-1) makes it read again,
 * which the environment tests use in a forked child.
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
    bh_log_set_level(BH_LOG_INFO);
    bh_log_set_tag("worker 3");
    bh_test_capture_start();
    bh_log(BH_LOG_WARN, "disk %s at %d%%", "full", 99);
    char *out = bh_test_capture_stop();
    bh_log_set_tag(NULL);
    snprintf(want, sizeof want, "WARN  [%d worker 3] disk full at 99%%\n", (int)getpid());
    ck_assert_msg(strstr(out, want) != NULL, "got: %s", out);
    ck_assert_int_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} ",
                             REG_EXTENDED), 0);
    ck_assert_msg(regexec(&re, out, 0, NULL, 0) == 0, "bad prefix: %s", out);
    regfree(&re);
    free(out);
}
END_TEST

/* In a forked child: with BOTHIVE_LOG=env (NULL: unset), is a line at
 * `hidden` left out and one at `shown` written? Exit status 0 if so. */
static int child_threshold(const char *env, int hidden, int shown)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (env)
            setenv("BOTHIVE_LOG", env, 1);
        else
            unsetenv("BOTHIVE_LOG");
        bh_log_set_level(-1); /* read the environment again */
        bh_test_capture_start();
        bh_log(hidden, "hidden-line");
        bh_log(shown, "shown-line");
        char *out = bh_test_capture_stop();
        int ok = !strstr(out, "hidden-line") && strstr(out, "shown-line");
        free(out);
        _exit(ok ? 0 : 1);
    }
    return bh_test_wait(pid);
}

START_TEST(test_level_from_environment)
{
    ck_assert_int_eq(child_threshold(NULL, BH_LOG_DEBUG, BH_LOG_INFO), 0);
    ck_assert_int_eq(child_threshold("bogus", BH_LOG_DEBUG, BH_LOG_INFO), 0);
    ck_assert_int_eq(child_threshold("error", BH_LOG_WARN, BH_LOG_ERROR), 0);
    ck_assert_int_eq(child_threshold("WARN", BH_LOG_INFO, BH_LOG_WARN), 0);
    ck_assert_int_eq(child_threshold("debug", BH_LOG_OFF, BH_LOG_DEBUG), 0);
}
END_TEST

START_TEST(test_set_level_overrides_environment)
{
    setenv("BOTHIVE_LOG", "off", 1);
    bh_log_set_level(BH_LOG_DEBUG);
    ck_assert_int_eq(bh_log_level(), BH_LOG_DEBUG);
    bh_test_capture_start();
    bh_log(BH_LOG_DEBUG, "dbg");
    bh_log_set_level(BH_LOG_OFF);
    bh_log(BH_LOG_ERROR, "silenced");
    char *out = bh_test_capture_stop();
    ck_assert_ptr_nonnull(strstr(out, "DEBUG ["));
    ck_assert_ptr_nonnull(strstr(out, "dbg"));
    ck_assert_ptr_null(strstr(out, "silenced"));
    free(out);
    unsetenv("BOTHIVE_LOG");
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
    ck_assert_uint_lt(len, sizeof big);
    ck_assert_int_eq(out[len - 1], '\n');
    free(out);
}
END_TEST

struct sink {
    int calls, level;
    char msg[128];
};

static void sink_fn(int level, const char *msg, void *arg)
{
    struct sink *k = arg;

    k->calls++;
    k->level = level;
    snprintf(k->msg, sizeof k->msg, "%s", msg);
}

/* A handler gets the message alone, at or above the level, and nothing
 * reaches stderr; NULL restores stderr. */
START_TEST(test_handler_receives_lines)
{
    struct sink k = {0};

    bh_log_set_level(BH_LOG_INFO);
    bh_log_set_handler(sink_fn, &k);
    bh_test_capture_start();
    bh_log(BH_LOG_DEBUG, "hidden");
    bh_log(BH_LOG_ERROR, "disk %s", "full");
    char *out = bh_test_capture_stop();
    bh_log_set_handler(NULL, NULL);
    ck_assert_int_eq(k.calls, 1);
    ck_assert_int_eq(k.level, BH_LOG_ERROR);
    ck_assert_str_eq(k.msg, "disk full");
    ck_assert_str_eq(out, "");
    free(out);
    bh_test_capture_start();
    bh_log(BH_LOG_WARN, "back");
    out = bh_test_capture_stop();
    ck_assert_ptr_nonnull(strstr(out, "back\n"));
    ck_assert_int_eq(k.calls, 1);
    free(out);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("base_log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, test_line_format);
    tcase_add_test(tc, test_level_from_environment);
    tcase_add_test(tc, test_set_level_overrides_environment);
    tcase_add_test(tc, test_long_lines_are_cut_not_overflowed);
    tcase_add_test(tc, test_handler_receives_lines);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
