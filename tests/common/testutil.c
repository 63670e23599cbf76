#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *bh_test_tmppath(const char *tag)
{
    static unsigned counter;
    const char *dir = getenv("TMPDIR");
    char *p = NULL;
    if (!dir || !*dir)
        dir = "/tmp";
    if (asprintf(&p, "%s/bothive-test-%s-%d-%u", dir, tag, (int)getpid(), counter++) < 0)
        abort();
    unlink(p);
    return p;
}

int64_t bh_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int bh_test_wait(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

int bh_test_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

void bh_test_add_case(Suite *s, const char *name, const TTest *t, void (*setup)(void),
                      void (*teardown)(void), int timeout_s)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, timeout_s);
    tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
}
