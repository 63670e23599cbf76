/*
 * Test helper: an example bot as a process (see example_proc.h).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "example_proc.h"
#include "testutil.h"

#define BH_EXAMPLE_START_MS 60000

/* How many getUpdates calls the emulator has answered. */
static int64_t bh_example_polls(bh_emu_proc *e)
{
    int64_t n = 0;
    return bh_emu_stat(e, "by_method.getUpdates", &n) == 0 ? n : 0;
}

pid_t bh_example_start(bh_emu_proc *e, const char *token, const char *name,
                       const char *store_url)
{
    char exe[1024];
    int64_t before = bh_example_polls(e), end = bh_test_now_ms() + BH_EXAMPLE_START_MS;
    pid_t pid;

    snprintf(exe, sizeof exe, "%s/%s", getenv("BOTHIVE_EXAMPLES"), name);
    ck_assert_int_ge(pid = fork(), 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setenv("BOT_TOKEN", token, 1);
        setenv("BOTHIVE_API_URL", e->url, 1);
        setenv("BOTHIVE_WORKERS", "4", 1);
        setenv("BOTHIVE_STORE", store_url, 1);
        setenv("BOTHIVE_LOG", "warn", 1);
        execl(exe, exe, (char *)NULL);
        _exit(127);
    }
    while (bh_example_polls(e) <= before && bh_test_now_ms() < end)
        usleep(20 * 1000);
    ck_assert_msg(bh_example_polls(e) > before, "%s never polled", name);
    return pid;
}

int bh_example_stop(pid_t pid)
{
    kill(pid, SIGTERM);
    return bh_test_wait(pid);
}
