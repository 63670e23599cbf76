/*
 * The runner's messages (src/runner/proto.c): one message per send over a
 * SOCK_SEQPACKET pair, what a receive reports (a message, nothing yet, the
 * peer gone), and the dispatch key of an update (its chat, else its user,
 * else its id).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bothive/error.h"
#include "runner/internal.h"
#include "testutil.h"

static int fds[2];
static char *buf;

static void setup(void)
{
    ck_assert_int_eq(bh_proto_pair(fds), BH_OK);
    buf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1);
    ck_assert_ptr_nonnull(buf);
}

static void teardown(void)
{
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    free(buf);
}

START_TEST(messages_keep_their_boundaries)
{
    bh_msg_hdr h = {.type = BH_MSG_UPDATE, .source = 3, .update_id = 77, .a = -5, .b = 9};
    bh_msg m;

    ck_assert_int_eq(bh_proto_send(fds[1], &h, "{\"a\":1}", 7), BH_OK);
    h.update_id = 78;
    ck_assert_int_eq(bh_proto_send(fds[1], &h, NULL, 0), BH_OK);
    ck_assert_int_eq(bh_proto_recv(fds[0], buf, &m), BH_PROTO_MSG);
    ck_assert_int_eq(m.h.type, BH_MSG_UPDATE);
    ck_assert_int_eq(m.h.source, 3);
    ck_assert_int_eq(m.h.update_id, 77);
    ck_assert_int_eq(m.h.a, -5);
    ck_assert_int_eq(m.h.b, 9);
    ck_assert_uint_eq(m.len, 7);
    ck_assert_str_eq(m.body, "{\"a\":1}");
    ck_assert_int_eq(bh_proto_recv(fds[0], buf, &m), BH_PROTO_MSG);
    ck_assert_int_eq(m.h.update_id, 78);
    ck_assert_ptr_null(m.body); /* no body */
    ck_assert_uint_eq(m.len, 0);
}
END_TEST

START_TEST(nothing_yet_then_the_peer_gone)
{
    bh_msg m;

    ck_assert_int_eq(bh_proto_recv(fds[0], buf, &m), BH_PROTO_NONE);
    close(fds[1]);
    fds[1] = -1;
    ck_assert_int_eq(bh_proto_recv(fds[0], buf, &m), BH_PROTO_EOF);
}
END_TEST

START_TEST(a_send_to_a_gone_peer_fails)
{
    bh_msg_hdr h = {.type = BH_MSG_DONE};

    close(fds[0]);
    fds[0] = -1;
    ck_assert_int_eq(bh_proto_send(fds[1], &h, NULL, 0), BH_EIO);
}
END_TEST

START_TEST(a_body_over_the_maximum_is_too_big)
{
    bh_msg_hdr h = {.type = BH_MSG_UPDATE};
    char *big = calloc(1, BH_RUNNER_MSG_MAX + 1);

    ck_assert_ptr_nonnull(big);
    ck_assert_int_eq(bh_proto_send(fds[1], &h, big, BH_RUNNER_MSG_MAX + 1), BH_ETOOBIG);
    free(big);
}
END_TEST

/* The key of an update given as JSON text. */
static void key_of(const char *json, int64_t update_id, int *kind, int64_t *key)
{
    json_object *u = json ? json_tokener_parse(json) : NULL;
    bh_proto_update_key(u, update_id, kind, key);
    json_object_put(u);
}

START_TEST(update_keys)
{
    static const struct {
        const char *json;
        int kind;
        int64_t key;
    } cases[] = {
        {"{\"update_id\":1,\"message\":{\"chat\":{\"id\":-100},\"from\":{\"id\":5}}}",
         BH_KEY_CHAT, -100},
        {"{\"update_id\":1,\"callback_query\":{\"from\":{\"id\":5},"
         "\"message\":{\"chat\":{\"id\":42}}}}", BH_KEY_CHAT, 42},
        {"{\"update_id\":1,\"inline_query\":{\"from\":{\"id\":5}}}", BH_KEY_USER, 5},
        {"{\"update_id\":1,\"poll_answer\":{\"user\":{\"id\":6}}}", BH_KEY_USER, 6},
        {"{\"update_id\":1,\"poll\":{\"id\":\"x\"}}", BH_KEY_UPDATE, 1},
        {"{\"update_id\":1,\"message\":{\"chat\":{\"id\":\"not a number\"}}}", BH_KEY_UPDATE, 1},
        {"{\"update_id\":1}", BH_KEY_UPDATE, 1},
        {"[1,2]", BH_KEY_UPDATE, 1},
        {NULL, BH_KEY_UPDATE, 1},
        /* the kinds that belong to a chat keep its order */
        {"{\"update_id\":1,\"chat_member\":{\"chat\":{\"id\":-7},\"from\":{\"id\":5}}}",
         BH_KEY_CHAT, -7},
        {"{\"update_id\":1,\"my_chat_member\":{\"chat\":{\"id\":-8},\"from\":{\"id\":5}}}",
         BH_KEY_CHAT, -8},
        {"{\"update_id\":1,\"chat_join_request\":{\"chat\":{\"id\":-9},\"from\":{\"id\":5}}}",
         BH_KEY_CHAT, -9},
        {"{\"update_id\":1,\"message_reaction\":{\"chat\":{\"id\":-3},\"user\":{\"id\":5}}}",
         BH_KEY_CHAT, -3},
        {"{\"update_id\":1,\"message_reaction_count\":{\"chat\":{\"id\":-4}}}", BH_KEY_CHAT, -4},
        {"{\"update_id\":1,\"chat_boost\":{\"chat\":{\"id\":-2}}}", BH_KEY_CHAT, -2},
        /* one user's inline session keeps its order; a press on an inline
         * message (no message) is the user's */
        {"{\"update_id\":1,\"chosen_inline_result\":{\"from\":{\"id\":5}}}", BH_KEY_USER, 5},
        {"{\"update_id\":1,\"callback_query\":{\"from\":{\"id\":5},"
         "\"inline_message_id\":\"x\"}}", BH_KEY_USER, 5},
        /* a kind the Bot API may add later, of the same shape */
        {"{\"update_id\":1,\"future_kind\":{\"chat\":{\"id\":7}}}", BH_KEY_CHAT, 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int kind = 0;
        int64_t key = 0;
        key_of(cases[i].json, 1, &kind, &key);
        ck_assert_msg(kind == cases[i].kind && key == cases[i].key, "case %zu: kind %d key %lld",
                      i, kind, (long long)key);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner_proto");
    TCase *tc = tcase_create("proto");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, messages_keep_their_boundaries);
    tcase_add_test(tc, nothing_yet_then_the_peer_gone);
    tcase_add_test(tc, a_send_to_a_gone_peer_fails);
    tcase_add_test(tc, a_body_over_the_maximum_is_too_big);
    tcase_add_test(tc, update_keys);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
