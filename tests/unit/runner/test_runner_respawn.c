/*
 * The runner's respawn delay (bh_respawn_delay in src/runner/supervise.c):
 * the first crash is replaced at once, crashes in a row wait longer and
 * longer up to a cap, and a quiet minute forgets them. Times are given, not
 * read from a clock. A worker slot whose worker finished a job starts its
 * backoff over; the last worker alive is replaced at once when killed by
 * an update, or the first time since a job finished.
 *
 * Then the runner itself, with real forked workers SIGKILLed at a steady
 * pace while updates flow: the workers keep coming back (a worker that
 * finished a job was not crash-looping) and every update is processed.
 */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "runner/internal.h"
#include "runner_app.h"
#include "testutil.h"

#define T0 1000000 /* any monotonic time but 0 (0 means "no crash yet") */

static bh_respawn respawn(int64_t initial_ms, int64_t max_ms)
{
    return (bh_respawn){.b = {.initial_ms = initial_ms, .max_ms = max_ms}};
}

START_TEST(the_first_crash_respawns_at_once)
{
    bh_respawn r = respawn(100, 10000);
    ck_assert_int_eq(bh_respawn_delay(&r, T0), 0);
}
END_TEST

START_TEST(crashes_in_a_row_double_the_delay_up_to_the_cap)
{
    static const int64_t want[] = {0, 100, 200, 400, 800, 1000, 1000, 1000};
    bh_respawn r = respawn(100, 1000);
    int64_t now = T0;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int64_t d = bh_respawn_delay(&r, now);
        ck_assert_int_eq(d, want[i]);
        now += d + 10; /* the replacement crashes soon after it starts */
    }
}
END_TEST

START_TEST(a_quiet_minute_forgets_the_crashes)
{
    bh_respawn r = respawn(100, 10000);
    int64_t now = T0;
    for (int i = 0; i < 5; i++)
        now += bh_respawn_delay(&r, now) + 1;
    ck_assert_int_gt(r.b.cur_ms, 100);
    now += BH_RESPAWN_QUIET_MS + 1;
    ck_assert_int_eq(bh_respawn_delay(&r, now), 0);
    ck_assert_int_eq(bh_respawn_delay(&r, now + 1), 100);
}
END_TEST

/* Exactly a minute is not quiet enough: the limit is "more than". */
START_TEST(a_minute_exactly_is_not_quiet)
{
    bh_respawn r = respawn(100, 10000);
    ck_assert_int_eq(bh_respawn_delay(&r, T0), 0);
    ck_assert_int_eq(bh_respawn_delay(&r, T0 + 1), 100);
    ck_assert_int_eq(bh_respawn_delay(&r, T0 + 1 + BH_RESPAWN_QUIET_MS), 200);
}
END_TEST

/* Each slot kind has its own backoff: the master keeps one for the workers
 * and one for the updaters. */
START_TEST(two_backoffs_are_independent)
{
    bh_respawn w = respawn(100, 10000), u = respawn(100, 10000);
    bh_respawn_delay(&w, T0);
    bh_respawn_delay(&w, T0 + 1);
    bh_respawn_delay(&w, T0 + 2);
    ck_assert_int_eq(bh_respawn_delay(&u, T0 + 3), 0);
    ck_assert_int_eq(bh_respawn_delay(&w, T0 + 3), 400);
}
END_TEST

/* A slot's death as the master sees it: c.rescue starts unused. */
static bh_respawn_case dead(int others_alive, int had_job, int64_t jobs_done)
{
    return (bh_respawn_case){.others_alive = others_alive, .had_job = had_job,
                             .jobs_done = jobs_done, .rescue = 1};
}

/* The last worker, killed by an update, is replaced at once however many
 * crashes came before; the crashes still count for the others. */
START_TEST(the_last_worker_is_replaced_at_once)
{
    bh_respawn r = respawn(100, 10000);
    int64_t now = T0;
    for (int i = 0; i < 8; i++, now += 10) {
        bh_respawn_case c = dead(0, 1, 0);
        ck_assert_int_eq(bh_respawn_worker_delay(&r, now, &c), 0);
    }
    bh_respawn_case c = dead(1, 1, 0);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, now, &c), 10000);
}
END_TEST

/* A worker that died idle before finishing a job (at its start, say)
 * while others live keeps the backoff: respawning it at once would spin. */
START_TEST(a_worker_dead_before_any_job_keeps_the_backoff)
{
    bh_respawn r = respawn(100, 10000);
    bh_respawn_case c = dead(2, 0, 0);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0, &c), 0);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0 + 1, &c), 100);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0 + 2, &c), 200);
    ck_assert_int_eq(c.rescue, 1); /* others were alive: not used */
}
END_TEST

/* A worker that finished a job was not crash-looping: however many
 * crashes came before, its slot's backoff starts over, and only a crash
 * before any job backs off again. */
START_TEST(a_worker_that_finished_a_job_resets_the_backoff)
{
    bh_respawn r = respawn(100, 10000);
    int64_t now = T0;
    for (int i = 0; i < 10; i++, now += 10) {
        bh_respawn_case c = dead(3, 0, 0);
        bh_respawn_worker_delay(&r, now, &c);
    }
    ck_assert_int_eq(r.b.cur_ms, 10000);
    for (int i = 0; i < 10; i++, now += 10) {
        bh_respawn_case c = dead(3, i % 2, 1 + i);
        ck_assert_int_eq(bh_respawn_worker_delay(&r, now, &c), 0);
    }
    bh_respawn_case c = dead(3, 0, 0);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, now, &c), 100);
}
END_TEST

/* The last worker, dead idle before any job, is replaced at once the
 * first time (c.rescue is used up); the next time it backs off. */
START_TEST(the_last_worker_dead_idle_is_rescued_once)
{
    bh_respawn r = respawn(100, 10000);
    bh_respawn_case c = dead(0, 0, 0);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0, &c), 0);
    ck_assert_int_eq(c.rescue, 1); /* the first crash is free anyway */
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0 + 1, &c), 0);
    ck_assert_int_eq(c.rescue, 0);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0 + 2, &c), 200);
    ck_assert_int_eq(bh_respawn_worker_delay(&r, T0 + 3, &c), 400);
}
END_TEST

/* ---- the runner under a steady kill loop ---- */

#define KL_WORKERS 4
#define KL_KILLS 30
#define KL_ROUNDS (4 * KL_KILLS) /* a round without a live worker kills none */
#define KL_GAP_MS 300          /* between two kills */
#define KL_MSGS_PER_KILL 8
#define KL_CHATS 8
#define KL_SAMPLE_US 10000
#define KL_ZERO_MAX_MS 5000    /* generous: the backoff's cap is 10 s */

static bh_test_runner_fx fx;

static void kl_setup(void)
{
    bh_test_runner_fx_setup(&fx, "778:RESPAWN", "respawn", BH_LOG_ERROR);
}

static void kl_teardown(void)
{
    bh_test_runner_fx_teardown(&fx);
}

/* The live workers of master (zombies not counted) into pids; how many. */
static int kl_live_workers(pid_t master, pid_t *pids, int max)
{
    return bh_test_runner_children(master, "bh worker", pids, max);
}

/* What the sampling saw: how many samples, the sum of the live counts,
 * and the longest time with no worker alive. */
typedef struct kl_stats {
    int64_t samples, live_sum, zero_since, zero_max_ms;
} kl_stats;

static int kl_sample(kl_stats *s, pid_t master, pid_t *pids, int max)
{
    int n = kl_live_workers(master, pids, max);
    int64_t now = bh_test_now_ms();

    s->samples++;
    s->live_sum += n;
    if (n > 0) {
        s->zero_since = 0;
    } else if (!s->zero_since) {
        s->zero_since = now;
    } else if (now - s->zero_since > s->zero_max_ms) {
        s->zero_max_ms = now - s->zero_since;
    }
    return n;
}

/* Sends the next few updates (each a short piece of work in its own
 * chat) and records their ids. */
static void kl_send(int64_t *ids, int *nsent)
{
    for (int k = 0; k < KL_MSGS_PER_KILL; k++, (*nsent)++) {
        ids[*nsent] = bh_emu_send_user_message(&fx.emu, 500 + *nsent % KL_CHATS,
                                               500 + *nsent % KL_CHATS, "sleep:20");
        ck_assert_msg(ids[*nsent] >= 0, "the emulator refused message %d", *nsent);
    }
}

/* Waits until every update in ids was processed at least once. */
static void kl_wait_processed(const int64_t *ids, int n)
{
    char key[64];

    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "p:%lld", (long long)ids[i]);
        ck_assert_msg(bh_test_runner_wait(fx.st, key, 1, 60000) >= 1,
                      "update %lld was never processed", (long long)ids[i]);
    }
}

/*
 * With a worker SIGKILLed every KL_GAP_MS, each one having finished jobs
 * since it started, every replacement starts at once: the runner keeps
 * about all its workers (before the fix it ran on 0 or 1, every slot
 * waiting out the backoff's 10 s cap), never has none for long, and
 * processes every update.
 */
START_TEST(steady_kills_keep_the_workers)
{
    static int64_t ids[KL_ROUNDS * KL_MSGS_PER_KILL];
    bh_test_runner r;
    kl_stats s = {0};
    pid_t pids[KL_WORKERS + 4];
    int nsent = 0, kills = 0;
    int64_t deadline = bh_test_now_ms() + 60000;

    srand(12345);
    bh_test_runner_fx_init(&fx, &r, KL_WORKERS);
    r.opts.process_backlog = 1;
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    while (kl_live_workers(r.pid, pids, KL_WORKERS + 4) < KL_WORKERS &&
           bh_test_now_ms() < deadline)
        usleep(KL_SAMPLE_US);
    for (int round = 0; kills < KL_KILLS && round < KL_ROUNDS; round++) {
        int64_t next = bh_test_now_ms() + KL_GAP_MS;
        int n;
        kl_send(ids, &nsent);
        do {
            n = kl_sample(&s, r.pid, pids, KL_WORKERS + 4);
            usleep(KL_SAMPLE_US);
        } while (bh_test_now_ms() < next);
        if (n > 0 && kill(pids[rand() % n], SIGKILL) == 0)
            kills++;
    }
    ck_assert_int_eq(kills, KL_KILLS);
    kl_wait_processed(ids, nsent);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    fprintf(stderr, "%d kills: %.2f of %d workers alive on average, none for at most %lld ms\n",
            kills, (double)s.live_sum / (double)s.samples, KL_WORKERS, (long long)s.zero_max_ms);
    ck_assert_msg(s.live_sum * 2 >= s.samples * KL_WORKERS,
                  "on average %.2f of %d workers alive over %lld samples",
                  (double)s.live_sum / (double)s.samples, KL_WORKERS, (long long)s.samples);
    ck_assert_msg(s.zero_max_ms < KL_ZERO_MAX_MS, "no worker alive for %lld ms",
                  (long long)s.zero_max_ms);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner_respawn");
    TCase *tc = tcase_create("respawn");
    tcase_add_test(tc, the_first_crash_respawns_at_once);
    tcase_add_test(tc, crashes_in_a_row_double_the_delay_up_to_the_cap);
    tcase_add_test(tc, a_quiet_minute_forgets_the_crashes);
    tcase_add_test(tc, a_minute_exactly_is_not_quiet);
    tcase_add_test(tc, two_backoffs_are_independent);
    tcase_add_test(tc, the_last_worker_is_replaced_at_once);
    tcase_add_test(tc, a_worker_dead_before_any_job_keeps_the_backoff);
    tcase_add_test(tc, a_worker_that_finished_a_job_resets_the_backoff);
    tcase_add_test(tc, the_last_worker_dead_idle_is_rescued_once);
    suite_add_tcase(s, tc);
    bh_test_add_case(s, "steady_kills", steady_kills_keep_the_workers, kl_setup, kl_teardown,
                     240);
    return bh_test_run_suite(s);
}
