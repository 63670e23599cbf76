/*
 * The shared rate limiter: processes sharing a mem: store must together
 * stay within the limits.
 *
 * Only bounds that cannot flake are asserted: no window holds more sends
 * than the limit allows (the limiter reserves exact slots, so slowness only
 * spreads sends out), and a run is never faster than the limit permits.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bothive/store.h"
#include "bothive/bot.h"
#include "testutil.h"

#define MAXSENDS 64

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Forks nproc children that each do n sends to chat (chat + child index if
 * distinct), through one limiter per child on the shared memory; returns
 * the sorted send times (µs) in out, and their count.
 */
static int run(const bh_ratelimit_options *opt, int nproc, int n, int64_t chat, int distinct,
               int is_group, int64_t *out)
{
    bh_store *st = NULL;
    int fds[2];
    int total = 0;
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(pipe(fds), 0);
    for (int p = 0; p < nproc; p++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            bh_shared *m = NULL;
            bh_ratelimit *rl = NULL;
            close(fds[0]);
            if (bh_shared_open(st, "bothive.ratelimit.test", &m) != BH_OK ||
                bh_ratelimit_new(&rl, m, opt) != BH_OK)
                _exit(2);
            for (int i = 0; i < n; i++) {
                if (bh_ratelimit_wait(rl, distinct ? chat + p : chat, is_group, -1) != BH_OK)
                    _exit(3);
                int64_t t = now_us();
                if (write(fds[1], &t, sizeof t) != sizeof t)
                    _exit(4);
            }
            bh_ratelimit_free(rl);
            bh_shared_close(m);
            _exit(0);
        }
    }
    close(fds[1]);
    int64_t t;
    while (read(fds[0], &t, sizeof t) == sizeof t && total < MAXSENDS)
        out[total++] = t;
    close(fds[0]);
    for (int p = 0; p < nproc; p++)
        ck_assert_int_eq(bh_test_wait(-1), 0);
    bh_store_close(st);
    /* sort */
    for (int i = 1; i < total; i++)
        for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
            int64_t x = out[j];
            out[j] = out[j - 1];
            out[j - 1] = x;
        }
    return total;
}

/* The most sends in any half-open window of `window` µs. The tests pass a
 * window 100 ms shorter than the limit's: a send is stamped after its wait
 * returns, and a process descheduled in between stamps it late, closer to
 * the next ones (seen on a loaded 2-core machine). */
#define SLACK_US 100000
static int max_in_window(const int64_t *t, int n, int64_t window)
{
    int best = 0;
    for (int i = 0; i < n; i++) {
        int k = 0;
        for (int j = i; j < n && t[j] < t[i] + window; j++)
            k++;
        if (k > best)
            best = k;
    }
    return best;
}

START_TEST(test_two_processes_share_the_chat_limit)
{
    bh_ratelimit_options o = {0};
    int64_t t[MAXSENDS];
    o.global_per_sec = 1000;
    o.chat_per_sec = 5;
    o.chat_burst = 2;
    int n = run(&o, 2, 6, 777, 0, 0, t);
    ck_assert_int_eq(n, 12);
    ck_assert_int_le(max_in_window(t, n, 1000000 - SLACK_US), 2 + 5);
    /* 12 sends, 2 at once, then one per 200 ms: at least 2 s */
    ck_assert_int_ge(t[n - 1] - t[0], 2000000 - SLACK_US);
}
END_TEST

START_TEST(test_two_processes_share_the_global_limit)
{
    bh_ratelimit_options o = {0};
    int64_t t[MAXSENDS];
    o.global_per_sec = 20;
    o.chat_per_sec = 1000;
    o.chat_burst = 100;
    int n = run(&o, 2, 15, -1001234567890123LL, 1, 0, t);
    ck_assert_int_eq(n, 30);
    ck_assert_int_le(max_in_window(t, n, 1000000 - SLACK_US), 20 + 1);
    ck_assert_int_ge(t[n - 1] - t[0], 1450000 - SLACK_US);
}
END_TEST

START_TEST(test_group_limit)
{
    bh_ratelimit_options o = {0};
    int64_t t[MAXSENDS];
    o.global_per_sec = 1000;
    o.chat_per_sec = 1000;
    o.chat_burst = 100;
    o.group_per_min = 120; /* one per 500 ms */
    o.group_burst = 1;
    int n = run(&o, 2, 3, -42, 0, 1, t);
    ck_assert_int_eq(n, 6);
    ck_assert_int_ge(t[n - 1] - t[0], 2500000 - SLACK_US);
    for (int i = 1; i < n; i++)
        ck_assert_int_ge(t[i] - t[i - 1], 500000 - SLACK_US);
}
END_TEST

START_TEST(test_max_wait_and_disabled)
{
    bh_store *st = NULL;
    bh_shared *m = NULL;
    bh_ratelimit *rl = NULL;
    bh_ratelimit_options o = {0};
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "rl", &m), BH_OK);
    o.chat_per_sec = 0.1; /* one per 10 s */
    o.chat_burst = 1;
    o.global_burst = 10;  /* so that only the chat limit is at play */
    ck_assert_int_eq(bh_ratelimit_new(&rl, m, &o), BH_OK);
    ck_assert_int_eq(bh_ratelimit_wait(rl, 5, 0, 0), BH_OK);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_ratelimit_wait(rl, 5, 0, 100), BH_ETIMEDOUT);
    ck_assert_int_lt(bh_test_now_ms() - t0, 5000);
    /* another chat is not limited by this one */
    ck_assert_int_eq(bh_ratelimit_wait(rl, 6, 0, 0), BH_OK);
    bh_ratelimit_free(rl);

    o.disabled = 1;
    ck_assert_int_eq(bh_ratelimit_new(&rl, m, &o), BH_OK);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(bh_ratelimit_wait(rl, 5, 0, 0), BH_OK);
    bh_ratelimit_free(rl);

    o.disabled = 0;
    o.chat_burst = -1;
    ck_assert_int_eq(bh_ratelimit_new(&rl, m, &o), BH_EINVAL);
    ck_assert_int_eq(bh_ratelimit_new(&rl, NULL, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_ratelimit_wait(NULL, 1, 0, 0), BH_EINVAL);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tg_ratelimit");
    TCase *tc = tcase_create("ratelimit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_two_processes_share_the_chat_limit);
    tcase_add_test(tc, test_two_processes_share_the_global_limit);
    tcase_add_test(tc, test_group_limit);
    tcase_add_test(tc, test_max_wait_and_disabled);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
