/*
 * The runner's per-key queues (src/runner/queue.c): the jobs of one chat
 * run one at a time in arrival order, different chats run in parallel, a
 * retry goes first in its chat, keys take turns in the order they became
 * ready, and a key with no work left is forgotten.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "runner/internal.h"
#include "testutil.h"

static bh_queue q;

static void setup(void)
{
    ck_assert_int_eq(bh_queue_init(&q), BH_OK);
}

static void teardown(void)
{
    bh_queue_free(&q);
}

/* A job of chat `chat` of source `source`, numbered id (its update id). */
static bh_qjob *job(int source, int64_t chat, int64_t id)
{
    bh_qjob *j = calloc(1, sizeof *j);
    ck_assert_ptr_nonnull(j);
    j->kind = BH_JOB_UPDATE;
    j->source = source;
    j->attempt = 1;
    j->update_id = id;
    j->key_kind = BH_KEY_CHAT;
    j->key = chat;
    j->json = strdup("{}");
    j->len = 2;
    return j;
}

static void push(bh_qjob *j, int front)
{
    ck_assert_int_eq(bh_queue_push(&q, j, front), BH_OK);
}

/* Takes the next job, checks it is update id, and returns it. */
static bh_qjob *take(int64_t id)
{
    bh_qjob *j = bh_queue_next(&q);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(j->update_id, id);
    return j;
}

/* The job ended: its key is free again. */
static void done(bh_qjob *j)
{
    bh_queue_release(&q, j);
    bh_qjob_free(j);
}

START_TEST(empty_queue_has_nothing_to_run)
{
    ck_assert_ptr_null(bh_queue_next(&q));
    ck_assert_uint_eq(q.queued, 0);
    ck_assert_uint_eq(q.running, 0);
    ck_assert_int_eq(bh_queue_key_active(&q, 0, BH_KEY_CHAT, 1), 0);
}
END_TEST

START_TEST(one_chat_runs_one_job_at_a_time_in_order)
{
    push(job(0, 42, 1), 0);
    push(job(0, 42, 2), 0);
    push(job(0, 42, 3), 0);
    ck_assert_uint_eq(q.queued, 3);
    bh_qjob *j = take(1);
    ck_assert_ptr_null(bh_queue_next(&q)); /* chat 42 is busy */
    ck_assert_uint_eq(q.running, 1);
    done(j);
    j = take(2);
    ck_assert_ptr_null(bh_queue_next(&q));
    done(j);
    done(take(3));
    ck_assert_ptr_null(bh_queue_next(&q));
    ck_assert_uint_eq(q.queued, 0);
    ck_assert_uint_eq(q.running, 0);
}
END_TEST

START_TEST(different_chats_run_in_parallel)
{
    push(job(0, 1, 10), 0);
    push(job(0, 1, 11), 0);
    push(job(0, 2, 20), 0);
    bh_qjob *a = take(10), *b = take(20);
    ck_assert_ptr_null(bh_queue_next(&q)); /* 11 waits for 10 */
    ck_assert_uint_eq(q.running, 2);
    done(b);
    ck_assert_ptr_null(bh_queue_next(&q));
    done(a);
    done(take(11));
}
END_TEST

/* A free worker takes the key that became ready first: one busy chat with
 * a long queue never holds up the others. */
START_TEST(keys_take_turns_oldest_first)
{
    push(job(0, 1, 1), 0);
    push(job(0, 1, 2), 0);
    push(job(0, 2, 3), 0);
    push(job(0, 3, 4), 0);
    bh_qjob *a = take(1);
    done(a);                /* chat 1 is ready again, behind 2 and 3 */
    bh_qjob *b = take(3), *c = take(4), *d = take(2);
    ck_assert_ptr_null(bh_queue_next(&q));
    done(b);
    done(c);
    done(d);
}
END_TEST

/* A job retried after a crash goes back first in its chat, before those
 * that came after it. */
START_TEST(a_retry_goes_first_in_its_chat)
{
    push(job(0, 5, 1), 0);
    push(job(0, 5, 2), 0);
    bh_qjob *j = take(1);
    bh_queue_release(&q, j);
    j->attempt++;
    push(j, 1);
    j = take(1);
    ck_assert_int_eq(j->attempt, 2);
    done(j);
    done(take(2));
}
END_TEST

START_TEST(front_push_on_an_empty_key)
{
    push(job(0, 6, 1), 1);
    push(job(0, 6, 2), 0); /* the tail was set by the front push */
    done(take(1));
    done(take(2));
}
END_TEST

/* The same number under another source or kind is another key. */
START_TEST(source_and_kind_are_part_of_the_key)
{
    bh_qjob *t = job(0, 7, 3);
    t->kind = BH_JOB_TIMER;
    t->key_kind = BH_KEY_TIMER;
    push(job(0, 7, 1), 0);
    push(job(1, 7, 2), 0);
    push(t, 0);
    bh_qjob *a = take(1), *b = take(2), *c = take(3);
    ck_assert_int_eq(bh_queue_key_active(&q, 0, BH_KEY_CHAT, 7), 1);
    ck_assert_int_eq(bh_queue_key_active(&q, 1, BH_KEY_CHAT, 7), 1);
    ck_assert_int_eq(bh_queue_key_active(&q, 0, BH_KEY_TIMER, 7), 1);
    ck_assert_int_eq(bh_queue_key_active(&q, 0, BH_KEY_USER, 7), 0);
    done(a);
    done(b);
    done(c);
}
END_TEST

/* Timers use key_active to never overlap: true while a job of the key is
 * queued or running, false once the last one is released (and the key is
 * forgotten). */
START_TEST(key_active_while_queued_or_running)
{
    ck_assert_int_eq(bh_queue_key_active(&q, 0, BH_KEY_CHAT, 9), 0);
    push(job(0, 9, 1), 0);
    ck_assert_int_eq(bh_queue_key_active(&q, 0, BH_KEY_CHAT, 9), 1);
    bh_qjob *j = take(1);
    ck_assert_int_eq(bh_queue_key_active(&q, 0, BH_KEY_CHAT, 9), 1);
    done(j);
    ck_assert_int_eq(bh_queue_key_active(&q, 0, BH_KEY_CHAT, 9), 0);
}
END_TEST

START_TEST(releasing_a_job_never_taken_is_ignored)
{
    bh_qjob *j = job(0, 1, 1);
    bh_queue_release(&q, j);
    ck_assert_uint_eq(q.running, 0);
    bh_qjob_free(j);
    bh_qjob_free(NULL);
}
END_TEST

/* More chats than buckets, two jobs each: all run, each chat's in order,
 * and every key is forgotten at the end. */
START_TEST(many_chats)
{
    enum { CHATS = 50000 };
    bh_qjob **running = calloc(CHATS, sizeof *running);
    ck_assert_ptr_nonnull(running);
    for (int64_t c = 0; c < CHATS; c++) {
        push(job(0, -c, 2 * c), 0);         /* negative ids: group chats */
        push(job(0, -c, 2 * c + 1), 0);
    }
    ck_assert_uint_eq(q.queued, 2 * CHATS);
    for (int64_t c = 0; c < CHATS; c++)
        running[c] = take(2 * c);           /* first jobs, in arrival order */
    ck_assert_ptr_null(bh_queue_next(&q));
    ck_assert_uint_eq(q.running, CHATS);
    for (int64_t c = CHATS - 1; c >= 0; c--)
        done(running[c]);
    for (int64_t c = CHATS - 1; c >= 0; c--)
        done(take(2 * c + 1));              /* ready again in release order */
    ck_assert_uint_eq(q.queued + q.running, 0);
    for (size_t b = 0; b < q.nbuckets; b++)
        ck_assert_ptr_null(q.buckets[b]);
    free(running);
}
END_TEST

/* Jobs still queued belong to the queue and are freed with it (the
 * sanitizer build checks that nothing leaks). */
START_TEST(free_with_jobs_queued)
{
    for (int64_t c = 0; c < 100; c++)
        push(job(0, c, c), 0);
    done(take(0));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner_queue");
    TCase *tc = tcase_create("queue");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, empty_queue_has_nothing_to_run);
    tcase_add_test(tc, one_chat_runs_one_job_at_a_time_in_order);
    tcase_add_test(tc, different_chats_run_in_parallel);
    tcase_add_test(tc, keys_take_turns_oldest_first);
    tcase_add_test(tc, a_retry_goes_first_in_its_chat);
    tcase_add_test(tc, front_push_on_an_empty_key);
    tcase_add_test(tc, source_and_kind_are_part_of_the_key);
    tcase_add_test(tc, key_active_while_queued_or_running);
    tcase_add_test(tc, releasing_a_job_never_taken_is_ignored);
    tcase_add_test(tc, many_chats);
    tcase_add_test(tc, free_with_jobs_queued);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
