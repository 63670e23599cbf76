/*
 * Dead letters' keys (src/runner/deadletter.c): "<source>:<id>" on one
 * host, "<bot>:<source>:<id>" in hosts mode, and within the store's key
 * limit whatever the bot's id (a long one is hashed: distinct ids keep
 * distinct keys, the same id the same key); and a dead letter recorded in
 * a store under that key.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/runner.h"
#include "bothive/store.h"
#include "runner/internal.h"
#include "testutil.h"

START_TEST(keys_plain_and_of_a_bot)
{
    char k[BH_DEADLETTER_KEY_MAX];

    bh_deadletter_key(k, sizeof k, NULL, 0, 42);
    ck_assert_str_eq(k, "0:42");
    bh_deadletter_key(k, sizeof k, "4242", 3, 9007199254740993LL);
    ck_assert_str_eq(k, "4242:3:9007199254740993");
}
END_TEST

/* The bot reads back its own keys, of both forms, and no other bot's. */
START_TEST(keys_read_back_by_their_bot)
{
    int64_t id = -1;

    ck_assert_int_eq(bh_deadletter_of("0:42", "4242:T", 0, &id), 1);
    ck_assert_int_eq(id, 42);
    ck_assert_int_eq(bh_deadletter_of("4242:3:9007199254740993", "4242:T", 3, &id), 1);
    ck_assert(id == 9007199254740993LL);
    id = -1;
    ck_assert_int_eq(bh_deadletter_of("4243:3:5", "4242:T", 3, &id), 0); /* another bot */
    ck_assert_int_eq(bh_deadletter_of("4242:2:5", "4242:T", 3, &id), 0); /* another source */
    ck_assert_int_eq(bh_deadletter_of("1:5", "4242:T", 0, &id), 0);
    ck_assert_int_eq(id, -1);
    /* Not dead letters at all. */
    const char *bad[] = {"", ":", "0:", ":5", "x:5", "0:5x", "0:-", "4242::5", NULL};
    for (size_t i = 0; bad[i]; i++)
        ck_assert_msg(!bh_deadletter_of(bad[i], "4242:T", 0, &id), "%s", bad[i]);
    ck_assert_int_eq(bh_deadletter_of(NULL, "4242:T", 0, &id), 0);
}
END_TEST

/* With the bot's part computed once, every key gets the answer it gets
 * from the token: a numeric id and a token without one (hashed). */
START_TEST(keys_read_back_with_the_bot_computed_once)
{
    const char *tokens[] = {"4242:T", "no-number-here", "12345678901234567890123:X"};
    const char *keys[] = {"0:42", "3:7", "4242:3:5", "4242:0:42", "4243:0:42", "4242::5",
                          "x:5", "0:5x", "", ":", NULL};
    char bot[BH_DEADLETTER_BOT_LEN], own[BH_DEADLETTER_KEY_MAX];

    for (size_t t = 0; t < sizeof tokens / sizeof *tokens; t++) {
        bh_deadletter_bot(tokens[t], bot);
        ck_assert_uint_lt(strlen(bot), BH_DEADLETTER_BOT_LEN);
        for (int src = 0; src < 4; src++)
            for (size_t k = 0; keys[k]; k++) {
                int64_t a = -1, b = -1;
                int ra = bh_deadletter_of(keys[k], tokens[t], src, &a);
                ck_assert_int_eq(bh_deadletter_of_bot(keys[k], bot, src, &b), ra);
                ck_assert(a == b);
            }
        /* The bot's own hosts-mode key, whatever form its id has. */
        int64_t id = -1;
        bh_deadletter_key(own, sizeof own, bot, 2, 99);
        ck_assert_int_eq(bh_deadletter_of_bot(own, bot, 2, &id), 1);
        ck_assert(id == 99);
        ck_assert_int_eq(bh_deadletter_of(own, tokens[t], 2, &id), 1);
    }
    bh_deadletter_bot("4242:T", bot);
    ck_assert_str_eq(bot, "4242");
}
END_TEST

START_TEST(keys_bounded_for_a_long_bot)
{
    char a[BH_DEADLETTER_KEY_MAX], b[BH_DEADLETTER_KEY_MAX], c[BH_DEADLETTER_KEY_MAX];
    char bot[2000];

    memset(bot, 'x', sizeof bot - 1);
    bot[sizeof bot - 1] = '\0';
    bh_deadletter_key(a, sizeof a, bot, 2147483647, INT64_MAX);
    ck_assert_uint_le(strlen(a), BH_DEADLETTER_KEY_MAX - 1);
    ck_assert_uint_le(strlen(a), BH_KEY_MAX);
    ck_assert_ptr_nonnull(strstr(a, ":2147483647:9223372036854775807"));
    bh_deadletter_key(b, sizeof b, bot, 2147483647, INT64_MAX);
    ck_assert_str_eq(a, b);
    bot[1000] = 'y';
    bh_deadletter_key(c, sizeof c, bot, 2147483647, INT64_MAX);
    ck_assert_str_ne(a, c);
    /* The longest id kept as it is. */
    bot[BH_DEADLETTER_BOT_MAX] = '\0';
    bh_deadletter_key(a, sizeof a, bot, -1, INT64_MIN);
    ck_assert_uint_eq(strncmp(a, bot, BH_DEADLETTER_BOT_MAX), 0);
    ck_assert_str_eq(a + BH_DEADLETTER_BOT_MAX, ":-1:-9223372036854775808");
}
END_TEST

START_TEST(recorded_under_its_key)
{
    char key[BH_DEADLETTER_KEY_MAX], bot[300];
    bh_store *st;
    bh_shared *m;
    char *val = NULL;
    bh_qjob j = {.source = 1, .update_id = 77, .crashes = 2,
                 .json = "{\"update_id\":77}", .len = 16};

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    memset(bot, '7', sizeof bot - 1);
    bot[sizeof bot - 1] = '\0';
    bh_deadletter_put(st, bot, &j, "killed 2 workers");
    bh_deadletter_key(key, sizeof key, bot, 1, 77);
    ck_assert_int_eq(bh_shared_open(st, BH_DEADLETTER_MEMORY, &m), BH_OK);
    ck_assert_int_eq(bh_shared_get_json(m, key, &val), BH_OK);
    ck_assert_ptr_nonnull(strstr(val, "killed 2 workers"));
    ck_assert_ptr_nonnull(strstr(val, "\"update_id\":77"));
    free(val);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner_deadletter");
    TCase *tc = tcase_create("deadletter");
    tcase_add_test(tc, keys_plain_and_of_a_bot);
    tcase_add_test(tc, keys_bounded_for_a_long_bot);
    tcase_add_test(tc, keys_read_back_by_their_bot);
    tcase_add_test(tc, keys_read_back_with_the_bot_computed_once);
    tcase_add_test(tc, recorded_under_its_key);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
