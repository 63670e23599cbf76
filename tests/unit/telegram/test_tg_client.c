/*
 * The Bot API client against a real HTTP server on loopback: requests as
 * sent, and every error path (429, 5xx, 403, migration, malformed answers,
 * refused connections, timeouts, cancellation), and that the token never
 * leaks into error messages or logs.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/log.h"
#include "bothive/telegram.h"
#include "capture.h"
#include "httpstub.h"
#include "testutil.h"

#define TOKEN "123456789:AAHsecretPartOfTheTokenXYZ_-abc"
#define SECRET "AAHsecretPartOfTheTokenXYZ_-abc"

static bh_httpstub *stub;

static void setup(void)
{
    stub = bh_httpstub_start();
}

static void teardown(void)
{
    bh_httpstub_stop(stub);
    stub = NULL;
}

/* A client on the stub with fast retries, so tests do not sleep long. */
static bh_client *fast_client(int max_retries)
{
    bh_client *c = NULL;
    bh_client_options o = {0};
    o.max_retries = max_retries;
    o.backoff_initial_ms = 10;
    o.backoff_max_ms = 40;
    o.timeout_ms = 5000;
    ck_assert_int_eq(bh_client_new(&c, TOKEN, bh_httpstub_url(stub), &o), BH_OK);
    return c;
}

static json_object *body_json(size_t i)
{
    bh_stub_request *r = bh_httpstub_request(stub, i);
    ck_assert_ptr_nonnull(r);
    json_object *o = json_tokener_parse(r->body);
    ck_assert_msg(o != NULL, "request body is not JSON: %s", r->body);
    bh_stub_request_free(r);
    return o;
}

START_TEST(test_new_rejects_bad_arguments)
{
    bh_client *c = (bh_client *)1;
    bh_client_options bad = {0};
    ck_assert_int_eq(bh_client_new(NULL, TOKEN, "http://x", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_new(&c, NULL, "http://x", NULL), BH_EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(bh_client_new(&c, "", "http://x", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_new(&c, "12:ab/../x", "http://x", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_new(&c, "12:ab cd", "http://x", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_new(&c, TOKEN, "", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_new(&c, TOKEN, "///", NULL), BH_EINVAL);
    bad.timeout_ms = -1;
    ck_assert_int_eq(bh_client_new(&c, TOKEN, "http://x", &bad), BH_EINVAL);
    bh_client_free(NULL);
}
END_TEST

START_TEST(test_call_posts_json_to_method_path)
{
    bh_client *c = fast_client(0);
    json_object *res = NULL;
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":{\"message_id\":5}}", 0);
    ck_assert_int_eq(bh_client_call(c, "sendMessage", "{\"chat_id\":-1001234567890123,\"text\":\"hi\"}", &res),
                     BH_OK);
    ck_assert_ptr_nonnull(res);
    ck_assert_int_eq(json_object_get_int64(json_object_object_get(res, "message_id")), 5);
    json_object_put(res);

    bh_stub_request *r = bh_httpstub_request(stub, 0);
    ck_assert_str_eq(r->method, "POST");
    ck_assert_str_eq(r->path, "/bot" TOKEN "/sendMessage");
    ck_assert_str_eq(r->content_type, "application/json");
    bh_stub_request_free(r);
    json_object *b = body_json(0);
    ck_assert(json_object_get_int64(json_object_object_get(b, "chat_id")) == -1001234567890123LL);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(b, "text")), "hi");
    json_object_put(b);
    ck_assert_int_eq(bh_client_last_error(c)->error_code, 0);
    bh_client_free(c);
}
END_TEST

START_TEST(test_call_without_params_and_result_discarded)
{
    bh_client *c = fast_client(0);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_OK);
    bh_stub_request *r = bh_httpstub_request(stub, 0);
    ck_assert_str_eq(r->body, "{}");
    bh_stub_request_free(r);
    bh_client_free(c);
}
END_TEST

START_TEST(test_call_rejects_bad_params_and_methods)
{
    bh_client *c = fast_client(0);
    json_object *res = (json_object *)1;
    ck_assert_int_eq(bh_client_call(c, "sendMessage", "{\"chat_id\":", &res), BH_EJSON);
    ck_assert_ptr_null(res);
    ck_assert_int_eq(bh_client_call(c, "sendMessage", "[1,2]", NULL), BH_EJSON);
    ck_assert_int_eq(bh_client_call(c, "sendMessage", "{} x", NULL), BH_EJSON);
    ck_assert_int_eq(bh_client_call(c, "send/../Message", "{}", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_call(c, "", "{}", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_call(c, NULL, "{}", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_call(NULL, "getMe", NULL, NULL), BH_EINVAL);
    json_object *arr = json_object_new_array();
    ck_assert_int_eq(bh_client_call_json(c, "getMe", arr, NULL), BH_EJSON);
    json_object_put(arr);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 0);
    bh_client_free(c);
}
END_TEST

START_TEST(test_base_url_from_environment_and_trailing_slash)
{
    bh_client *c = NULL;
    setenv("BOTHIVE_API_URL", bh_httpstub_url(stub), 1);
    ck_assert_int_eq(bh_client_new(&c, TOKEN, NULL, NULL), BH_OK);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_OK);
    bh_client_free(c);
    unsetenv("BOTHIVE_API_URL");

    char url[128];
    snprintf(url, sizeof url, "%s//", bh_httpstub_url(stub));
    ck_assert_int_eq(bh_client_new(&c, TOKEN, url, NULL), BH_OK);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_OK);
    bh_client_free(c);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 2);
    for (size_t i = 0; i < 2; i++) {
        bh_stub_request *r = bh_httpstub_request(stub, i);
        ck_assert_str_eq(r->path, "/bot" TOKEN "/getMe");
        bh_stub_request_free(r);
    }
}
END_TEST

START_TEST(test_429_waits_retry_after_then_retries)
{
    bh_client *c = fast_client(3);
    bh_httpstub_push(stub, 429,
                     "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 1\","
                     "\"parameters\":{\"retry_after\":1}}",
                     0);
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":true}", 0);
    ck_assert_int_eq(bh_client_call(c, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL), BH_OK);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 2);
    bh_stub_request *a = bh_httpstub_request(stub, 0), *b = bh_httpstub_request(stub, 1);
    /* never earlier than retry_after (a little slack for clock granularity) */
    ck_assert_msg(b->t_ms - a->t_ms >= 950, "retried after %lld ms", (long long)(b->t_ms - a->t_ms));
    bh_stub_request_free(a);
    bh_stub_request_free(b);
    bh_client_free(c);
}
END_TEST

START_TEST(test_429_exhausting_retries)
{
    bh_client *c = fast_client(1);
    bh_httpstub_set_default(stub, 429,
                            "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests\","
                            "\"parameters\":{\"retry_after\":1}}",
                            0);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_client_call(c, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL), BH_EAPI);
    ck_assert_int_ge(bh_test_now_ms() - t0, 950);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 2);
    const bh_api_error *e = bh_client_last_error(c);
    ck_assert_int_eq(e->error_code, 429);
    ck_assert_int_eq(e->http_status, 429);
    ck_assert_int_eq(e->retry_after, 1);
    ck_assert_str_eq(e->description, "Too Many Requests");
    bh_client_free(c);
}
END_TEST

START_TEST(test_429_with_long_retry_after_is_returned)
{
    bh_client *c = NULL;
    bh_client_options o = {0};
    o.max_retry_after_s = 2;
    ck_assert_int_eq(bh_client_new(&c, TOKEN, bh_httpstub_url(stub), &o), BH_OK);
    bh_httpstub_push(stub, 429,
                     "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 35\","
                     "\"parameters\":{\"retry_after\":35}}",
                     0);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_client_call(c, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL), BH_EAPI);
    ck_assert_int_lt(bh_test_now_ms() - t0, 10000);
    ck_assert_int_eq(bh_client_last_error(c)->retry_after, 35);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 1);
    bh_client_free(c);
}
END_TEST

START_TEST(test_429_page_without_json_is_retried)
{
    bh_client *c = fast_client(2);
    bh_httpstub_push_ct(stub, 429, "<html>slow down</html>", 0, "text/html");
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":true}", 0);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_OK);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 2);
    bh_client_free(c);
}
END_TEST

START_TEST(test_5xx_retried_then_success)
{
    bh_client *c = fast_client(3);
    bh_httpstub_push_ct(stub, 502, "<html><body>Bad Gateway</body></html>", 0, "text/html");
    bh_httpstub_push(stub, 500, "{\"ok\":false,\"error_code\":500,\"description\":\"Internal Server Error\"}", 0);
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":{\"id\":1,\"is_bot\":true,\"first_name\":\"B\"}}", 0);
    json_object *res = NULL;
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, &res), BH_OK);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 3);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(res, "id")), 1);
    json_object_put(res);
    ck_assert_int_eq(bh_client_last_error(c)->error_code, 0);
    ck_assert_str_eq(bh_client_last_error(c)->description, "");
    bh_client_free(c);
}
END_TEST

START_TEST(test_5xx_exhausting_retries)
{
    bh_client *c = fast_client(2);
    bh_httpstub_set_default(stub, 503, "{\"ok\":false,\"error_code\":503,\"description\":\"Service Unavailable\"}", 0);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_EAPI);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 3);
    ck_assert_int_eq(bh_client_last_error(c)->error_code, 503);
    ck_assert_str_eq(bh_client_last_error(c)->description, "Service Unavailable");
    bh_client_free(c);

    /* no retries at all */
    bh_client_options o = {0};
    o.max_retries = BH_TG_NO_RETRY;
    ck_assert_int_eq(bh_client_new(&c, TOKEN, bh_httpstub_url(stub), &o), BH_OK);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_EAPI);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 4);
    bh_client_free(c);
}
END_TEST

START_TEST(test_5xx_html_exhausting_retries_reports_status)
{
    bh_client *c = fast_client(1);
    bh_httpstub_set_default(stub, 502, "<html>Bad Gateway</html>", 0);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_EAPI);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 2);
    ck_assert_int_eq(bh_client_last_error(c)->error_code, 502);
    ck_assert_int_eq(bh_client_last_error(c)->http_status, 502);
    bh_client_free(c);
}
END_TEST

START_TEST(test_403_is_api_error_not_retried)
{
    bh_client *c = fast_client(3);
    bh_httpstub_push(stub, 403,
                     "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot was blocked by the user\"}", 0);
    ck_assert_int_eq(bh_client_call(c, "sendMessage", "{\"chat_id\":7,\"text\":\"x\"}", NULL), BH_EAPI);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 1);
    ck_assert_int_eq(bh_client_last_error(c)->error_code, 403);
    ck_assert_str_eq(bh_client_last_error(c)->description, "Forbidden: bot was blocked by the user");
    ck_assert_int_eq(bh_client_last_error(c)->retry_after, 0);
    bh_client_free(c);
}
END_TEST

START_TEST(test_400_migrate_resends_send_message)
{
    bh_client *c = fast_client(0);
    bh_message *m = NULL;
    bh_httpstub_push(stub, 400,
                     "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: group chat was upgraded to a supergroup chat\","
                     "\"parameters\":{\"migrate_to_chat_id\":-1001234567890123}}",
                     0);
    bh_httpstub_push(stub, 200,
                     "{\"ok\":true,\"result\":{\"message_id\":9,\"date\":1700000000,"
                     "\"chat\":{\"id\":-1001234567890123,\"type\":\"supergroup\",\"title\":\"G\"},\"text\":\"hello\"}}",
                     0);
    ck_assert_int_eq(bh_client_send_message(c, -4242, "hello", NULL, &m), BH_OK);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 2);
    json_object *b0 = body_json(0), *b1 = body_json(1);
    ck_assert(json_object_get_int64(json_object_object_get(b0, "chat_id")) == -4242);
    ck_assert(json_object_get_int64(json_object_object_get(b1, "chat_id")) == -1001234567890123LL);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(b1, "text")), "hello");
    json_object_put(b0);
    json_object_put(b1);
    ck_assert(bh_client_migrated_to(c) == -1001234567890123LL);
    ck_assert(m->chat.id == -1001234567890123LL);
    bh_message_free(m);

    /* the next call starts clean */
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_OK);
    ck_assert(bh_client_migrated_to(c) == 0);
    bh_client_free(c);
}
END_TEST

START_TEST(test_400_migrate_resent_only_once_and_only_for_sends)
{
    bh_client *c = fast_client(0);
    const char *mig = "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: migrated\","
                      "\"parameters\":{\"migrate_to_chat_id\":-1009999999999}}";
    bh_httpstub_set_default(stub, 400, mig, 0);
    ck_assert_int_eq(bh_client_call(c, "sendMessage", "{\"chat_id\":-1,\"text\":\"x\"}", NULL), BH_EAPI);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 2);
    ck_assert(bh_client_last_error(c)->migrate_to_chat_id == -1009999999999LL);

    ck_assert_int_eq(bh_client_delete_message(c, -1, 5), BH_EAPI);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 3);
    ck_assert_int_eq(bh_client_last_error(c)->error_code, 400);
    ck_assert(bh_client_last_error(c)->migrate_to_chat_id == -1009999999999LL);
    ck_assert(bh_client_migrated_to(c) == 0);
    bh_client_free(c);
}
END_TEST

START_TEST(test_malformed_answers_are_eproto)
{
    static const char *bodies[] = {
        "{\"ok\":tru",              /* cut JSON */
        "{\"ok\":true}",            /* no result */
        "[1,2,3]",                  /* not an object */
        "{\"result\":1}",           /* no ok */
        "{\"ok\":\"yes\",\"result\":1}", /* ok not a boolean */
        "",                         /* empty */
        "{\"ok\":true,\"result\":1} trailing",
    };
    bh_client *c = fast_client(3);
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        json_object *res = (json_object *)1;
        bh_httpstub_push(stub, 200, bodies[i], 0);
        bh_test_capture_start();
        int rc = bh_client_call(c, "getMe", NULL, &res);
        char *log = bh_test_capture_stop();
        ck_assert_msg(rc == BH_EPROTO, "body %zu gave %d", i, rc);
        ck_assert_ptr_null(res);
        ck_assert_msg(strstr(log, "telegram: getMe") != NULL, "no log line for body %zu: %s", i, log);
        free(log);
    }
    /* not retried */
    ck_assert_int_eq((int)bh_httpstub_count(stub), (int)(sizeof bodies / sizeof bodies[0]));
    bh_client_free(c);
}
END_TEST

START_TEST(test_wrong_content_is_eproto)
{
    bh_client *c = fast_client(3);
    bh_httpstub_push_ct(stub, 200, "<html><body>Welcome to nginx!</body></html>", 0, "text/html");
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_EPROTO);
    bh_httpstub_push_ct(stub, 404, "<html>Not Found</html>", 0, "text/html");
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_EPROTO);
    ck_assert_int_eq(bh_client_last_error(c)->http_status, 404);
    /* A real Bot API 404 (unknown method) is an API error */
    bh_httpstub_push(stub, 404, "{\"ok\":false,\"error_code\":404,\"description\":\"Not Found\"}", 0);
    ck_assert_int_eq(bh_client_call(c, "noSuchMethod", NULL, NULL), BH_EAPI);
    ck_assert_int_eq(bh_client_last_error(c)->error_code, 404);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 3);
    bh_client_free(c);
}
END_TEST

START_TEST(test_connection_refused_is_enet)
{
    bh_client *c = NULL;
    bh_client_options o = {0};
    char url[64];
    o.max_retries = 2;
    o.backoff_initial_ms = 10;
    snprintf(url, sizeof url, "http://127.0.0.1:%u", bh_test_free_port());
    ck_assert_int_eq(bh_client_new(&c, TOKEN, url, &o), BH_OK);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_ENET);
    const bh_api_error *e = bh_client_last_error(c);
    ck_assert_int_eq(e->error_code, 0);
    ck_assert_int_eq(e->http_status, 0);
    ck_assert_ptr_nonnull(strstr(e->description, "getMe: network error"));
    ck_assert_ptr_null(strstr(e->description, SECRET));
    bh_client_free(c);
}
END_TEST

START_TEST(test_dropped_connection_is_retried)
{
    bh_client *c = fast_client(2);
    bh_httpstub_push(stub, BH_STUB_DROP, NULL, 0);
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":true}", 0);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_OK);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 2);
    bh_client_free(c);
}
END_TEST

START_TEST(test_server_that_never_answers_times_out)
{
    bh_client *c = NULL;
    bh_client_options o = {0};
    o.timeout_ms = 300;
    o.max_retries = 3;
    ck_assert_int_eq(bh_client_new(&c, TOKEN, bh_httpstub_url(stub), &o), BH_OK);
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":true}", 30000);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_ETIMEDOUT);
    int64_t dt = bh_test_now_ms() - t0;
    ck_assert_msg(dt >= 250 && dt < 10000, "timed out after %lld ms", (long long)dt);
    /* a timeout is not retried: the request may have been executed */
    ck_assert_int_eq((int)bh_httpstub_count(stub), 1);
    ck_assert_ptr_null(strstr(bh_client_last_error(c)->description, SECRET));
    bh_client_free(c);
}
END_TEST

START_TEST(test_long_poll_extends_the_timeout)
{
    bh_client *c = NULL;
    bh_client_options o = {0};
    o.timeout_ms = 300;
    ck_assert_int_eq(bh_client_new(&c, TOKEN, bh_httpstub_url(stub), &o), BH_OK);
    /* answered after 1 s: beyond timeout_ms, within timeout 3 s + timeout_ms */
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":[]}", 1000);
    bh_update_batch b;
    ck_assert_int_eq(bh_client_get_updates(c, 0, 0, 3, NULL, &b), BH_OK);
    ck_assert_int_eq((int)b.count, 0);
    bh_update_batch_free(&b);
    bh_client_free(c);
}
END_TEST

static volatile sig_atomic_t cancel_flag;

static void *set_cancel_later(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    cancel_flag = 1;
    return NULL;
}

START_TEST(test_cancel_stops_a_long_poll_and_a_retry_wait)
{
    bh_client *c = NULL;
    bh_client_options o = {0};
    pthread_t th;
    o.cancel = &cancel_flag;
    ck_assert_int_eq(bh_client_new(&c, TOKEN, bh_httpstub_url(stub), &o), BH_OK);

    cancel_flag = 0;
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":[]}", 30000);
    pthread_create(&th, NULL, set_cancel_later, NULL);
    int64_t t0 = bh_test_now_ms();
    bh_update_batch b;
    ck_assert_int_eq(bh_client_get_updates(c, 0, 0, 50, NULL, &b), BH_EINTR);
    ck_assert_int_lt(bh_test_now_ms() - t0, 10000);
    pthread_join(th, NULL);

    cancel_flag = 0;
    bh_httpstub_push(stub, 429, "{\"ok\":false,\"error_code\":429,\"description\":\"x\",\"parameters\":{\"retry_after\":30}}", 0);
    pthread_create(&th, NULL, set_cancel_later, NULL);
    t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_EINTR);
    ck_assert_int_lt(bh_test_now_ms() - t0, 10000);
    pthread_join(th, NULL);
    bh_client_free(c);
}
END_TEST

START_TEST(test_token_never_in_errors_or_logs)
{
    bh_client *c = fast_client(1);
    bh_client *dead = NULL;
    bh_client_options o = {0};
    char url[64];

    bh_log_set_level(BH_LOG_DEBUG);
    bh_test_capture_start();
    /* a server that echoes the token in its description and in garbage */
    bh_httpstub_push(stub, 401, "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized: " TOKEN "\"}", 0);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_EAPI);
    ck_assert_ptr_null(strstr(bh_client_last_error(c)->description, SECRET));
    ck_assert_ptr_nonnull(strstr(bh_client_last_error(c)->description, "Unauthorized: <token>"));
    bh_httpstub_push(stub, 200, "<html>no bot " TOKEN " and " SECRET "</html>", 0);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_EPROTO);
    ck_assert_ptr_null(strstr(bh_client_last_error(c)->description, SECRET));
    bh_httpstub_push(stub, 500, "{\"ok\":false,\"error_code\":500,\"description\":\"" SECRET "\"}", 0);
    bh_httpstub_push(stub, 500, "oops /bot" TOKEN "/getMe", 0);
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_EAPI);
    ck_assert_ptr_null(strstr(bh_client_last_error(c)->description, SECRET));
    bh_httpstub_push(stub, 200, "{}", 30000);
    o.timeout_ms = 200;
    o.max_retries = 1;
    o.backoff_initial_ms = 10;
    ck_assert_int_eq(bh_client_new(&dead, TOKEN, bh_httpstub_url(stub), &o), BH_OK);
    ck_assert_int_eq(bh_client_call(dead, "getMe", NULL, NULL), BH_ETIMEDOUT);
    ck_assert_ptr_null(strstr(bh_client_last_error(dead)->description, SECRET));
    bh_client_free(dead);
    snprintf(url, sizeof url, "http://127.0.0.1:%u", bh_test_free_port());
    ck_assert_int_eq(bh_client_new(&dead, TOKEN, url, &o), BH_OK);
    ck_assert_int_eq(bh_client_call(dead, "getMe", NULL, NULL), BH_ENET);
    ck_assert_ptr_null(strstr(bh_client_last_error(dead)->description, SECRET));
    bh_client_free(dead);
    char *log = bh_test_capture_stop();
    bh_log_set_level(BH_LOG_INFO);

    ck_assert_msg(strstr(log, "telegram:") != NULL, "expected log lines, got: %s", log);
    ck_assert_msg(strstr(log, SECRET) == NULL, "token leaked into the log: %s", log);
    ck_assert_msg(strstr(log, "123456789:") == NULL, "token leaked into the log: %s", log);
    free(log);
    bh_client_free(c);
}
END_TEST

START_TEST(test_client_refuses_use_across_fork)
{
    bh_client *c = fast_client(0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int rc = bh_client_call(c, "getMe", NULL, NULL);
        _exit(rc == BH_EINVAL ? 0 : 1);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 0);
    /* the parent can still use it */
    ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_OK);
    bh_client_free(c);
}
END_TEST

START_TEST(test_connection_is_kept_alive)
{
    bh_client *c = fast_client(0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(bh_client_call(c, "getMe", NULL, NULL), BH_OK);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 5);
    bh_stub_request *first = bh_httpstub_request(stub, 0);
    ck_assert_uint_ne(first->client_port, 0);
    for (size_t i = 1; i < 5; i++) {
        bh_stub_request *r = bh_httpstub_request(stub, i);
        ck_assert_uint_eq(r->client_port, first->client_port);
        bh_stub_request_free(r);
    }
    bh_stub_request_free(first);
    bh_client_free(c);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tg_client");
    TCase *tc = tcase_create("client");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_new_rejects_bad_arguments);
    tcase_add_test(tc, test_call_posts_json_to_method_path);
    tcase_add_test(tc, test_call_without_params_and_result_discarded);
    tcase_add_test(tc, test_call_rejects_bad_params_and_methods);
    tcase_add_test(tc, test_base_url_from_environment_and_trailing_slash);
    tcase_add_test(tc, test_429_waits_retry_after_then_retries);
    tcase_add_test(tc, test_429_exhausting_retries);
    tcase_add_test(tc, test_429_with_long_retry_after_is_returned);
    tcase_add_test(tc, test_429_page_without_json_is_retried);
    tcase_add_test(tc, test_5xx_retried_then_success);
    tcase_add_test(tc, test_5xx_exhausting_retries);
    tcase_add_test(tc, test_5xx_html_exhausting_retries_reports_status);
    tcase_add_test(tc, test_403_is_api_error_not_retried);
    tcase_add_test(tc, test_400_migrate_resends_send_message);
    tcase_add_test(tc, test_400_migrate_resent_only_once_and_only_for_sends);
    tcase_add_test(tc, test_malformed_answers_are_eproto);
    tcase_add_test(tc, test_wrong_content_is_eproto);
    tcase_add_test(tc, test_connection_refused_is_enet);
    tcase_add_test(tc, test_dropped_connection_is_retried);
    tcase_add_test(tc, test_server_that_never_answers_times_out);
    tcase_add_test(tc, test_long_poll_extends_the_timeout);
    tcase_add_test(tc, test_cancel_stops_a_long_poll_and_a_retry_wait);
    tcase_add_test(tc, test_token_never_in_errors_or_logs);
    tcase_add_test(tc, test_client_refuses_use_across_fork);
    tcase_add_test(tc, test_connection_is_kept_alive);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
