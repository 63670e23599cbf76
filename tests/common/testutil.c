#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The state letter of /proc/<pid>/stat (R, S, D, Z...), or 0. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    FILE *f;
    char state = 0;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r")))
        return 0;
    if (fgets(buf, sizeof buf, f)) {
        char *p = strrchr(buf, ')'); /* the name in parentheses may hold anything */
        if (p && p[1] == ' ')
            state = p[2];
    }
    fclose(f);
    return state;
}

int bh_test_wait_asleep(pid_t pid, int timeout_ms)
{
    /* A process that merely waits for a reply or a page is asleep for a
     * moment only: several looks apart tell a blocked one from it. */
    enum { LOOKS = 5, APART_US = 2000 };
    int64_t end = bh_test_now_ms() + timeout_ms;
    int asleep = 0;

    while (asleep < LOOKS) {
        char state = proc_state(pid);
        if (!state || state == 'Z' || state == 'X' || bh_test_now_ms() > end)
            return -1;
        asleep = state == 'S' ? asleep + 1 : 0;
        usleep(APART_US);
    }
    return 0;
}

int bh_test_count_in_file(const char *path, const char *what)
{
    char line[1024];
    int n = 0;
    FILE *f = fopen(path, "r");

    ck_assert_msg(f != NULL, "cannot open %s", path);
    while (fgets(line, sizeof line, f))
        n += strstr(line, what) != NULL;
    fclose(f);
    return n;
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
