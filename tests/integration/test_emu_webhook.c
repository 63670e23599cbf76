/*
 * Webhooks: the emulator POSTs updates to a small HTTP server run by the
 * test, with the secret header, in order, retrying when the hook fails;
 * getUpdates answers 409 while a webhook is set.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "555:hooks"
#define MAX_HOOK_CALLS 64

/* The test's webhook server and what it received. */
static struct {
    pthread_mutex_t lock;
    int fail_remaining;          /* answer 500 to this many calls first */
    int calls;                   /* every call, failed or not */
    int received;                /* accepted calls */
    char *bodies[MAX_HOOK_CALLS];
    char *secrets[MAX_HOOK_CALLS]; /* NULL when the header was absent */
} hook = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct MHD_Daemon *hookd;
static unsigned hook_port;
static bh_emu_proc emu;

typedef struct {
    char *data;
    size_t len;
} body_buf;

static enum MHD_Result hook_access(void *cls, struct MHD_Connection *con, const char *url,
                                   const char *method, const char *version, const char *upload,
                                   size_t *upload_size, void **con_cls)
{
    body_buf *b = *con_cls;
    struct MHD_Response *r;
    enum MHD_Result ret;
    unsigned status = 200;
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    if (!b) {
        *con_cls = calloc(1, sizeof(body_buf));
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        char *d = realloc(b->data, b->len + *upload_size + 1);
        if (!d)
            return MHD_NO;
        memcpy(d + b->len, upload, *upload_size);
        b->data = d;
        b->len += *upload_size;
        d[b->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    const char *secret = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                     "X-Telegram-Bot-Api-Secret-Token");
    pthread_mutex_lock(&hook.lock);
    hook.calls++;
    if (hook.fail_remaining > 0) {
        hook.fail_remaining--;
        status = 500;
    } else if (hook.received < MAX_HOOK_CALLS) {
        hook.bodies[hook.received] = b->data ? strdup(b->data) : strdup("");
        hook.secrets[hook.received] = secret ? strdup(secret) : NULL;
        hook.received++;
    }
    pthread_mutex_unlock(&hook.lock);
    r = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    ret = MHD_queue_response(con, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void hook_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    body_buf *b = *con_cls;
    (void)cls;
    (void)con;
    (void)toe;
    if (b) {
        free(b->data);
        free(b);
        *con_cls = NULL;
    }
}

static void setup(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    hookd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                             hook_access, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                             MHD_OPTION_NOTIFY_COMPLETED, hook_completed, NULL, MHD_OPTION_END);
    ck_assert_ptr_nonnull(hookd);
    hook_port = MHD_get_daemon_info(hookd, MHD_DAEMON_INFO_BIND_PORT)->port;
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
    MHD_stop_daemon(hookd);
    for (int i = 0; i < hook.received; i++) {
        free(hook.bodies[i]);
        free(hook.secrets[i]);
    }
    hook.received = hook.calls = hook.fail_remaining = 0;
}

/* Waits (generously) until the hook accepted n calls; returns the count. */
static int wait_received(int n)
{
    int got = 0;
    for (int i = 0; i < 3000; i++) {
        pthread_mutex_lock(&hook.lock);
        got = hook.received;
        pthread_mutex_unlock(&hook.lock);
        if (got >= n)
            break;
        usleep(10 * 1000);
    }
    return got;
}

static int64_t stat_of(const char *name)
{
    int64_t v = -1;
    ck_assert_msg(bh_emu_stat(&emu, name, &v) == 0, "no stat %s", name);
    return v;
}

static void set_webhook(const char *secret)
{
    char body[256], *resp = NULL, *d;
    if (secret)
        snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%u/hook\",\"secret_token\":\"%s\"}",
                 hook_port, secret);
    else
        snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%u/hook\"}", hook_port);
    ck_assert_int_eq(bh_emu_call(&emu, "setWebhook", body, &resp), 200);
    d = bh_emu_json_str(resp, "description");
    ck_assert_str_eq(d, "Webhook was set");
    free(d);
    free(resp);
}

START_TEST(delivers_with_secret_and_blocks_get_updates)
{
    char *resp = NULL, *s;
    int64_t v;
    set_webhook("s3cret-Token_1");
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 9, 9, "via hook"), 1);
    ck_assert_int_eq(wait_received(1), 1);
    pthread_mutex_lock(&hook.lock);
    ck_assert_ptr_nonnull(hook.secrets[0]);
    ck_assert_str_eq(hook.secrets[0], "s3cret-Token_1");
    ck_assert_int_eq(bh_emu_json_int(hook.bodies[0], "update_id", &v), 0);
    ck_assert_int_eq(v, 1);
    s = bh_emu_json_str(hook.bodies[0], "message.text");
    ck_assert_str_eq(s, "via hook");
    free(s);
    pthread_mutex_unlock(&hook.lock);

    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", NULL, &resp), 409);
    s = bh_emu_json_str(resp, "description");
    ck_assert_str_eq(s, "Conflict: can't use getUpdates method while webhook is active; "
                        "use deleteWebhook to delete the webhook first");
    free(s);
    free(resp);

    /* Delivered means confirmed: nothing stays pending. */
    for (int i = 0; i < 3000 && stat_of("webhook_deliveries") < 1; i++)
        usleep(10 * 1000);
    ck_assert_int_eq(stat_of("updates_confirmed"), 1);
    ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
    s = bh_emu_json_str(resp, "result.url");
    ck_assert_ptr_nonnull(strstr(s, "/hook"));
    free(s);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.pending_update_count", &v), 0);
    ck_assert_int_eq(v, 0);
    free(resp);

    ck_assert_int_eq(bh_emu_call(&emu, "deleteWebhook", NULL, &resp), 200);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", NULL, &resp), 200);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
    s = bh_emu_json_str(resp, "result.url");
    ck_assert_str_eq(s, "");
    free(s);
    free(resp);
}
END_TEST

START_TEST(retries_until_the_hook_answers_2xx)
{
    char *resp = NULL, *s;
    pthread_mutex_lock(&hook.lock);
    hook.fail_remaining = 2;
    pthread_mutex_unlock(&hook.lock);
    set_webhook(NULL);
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 9, 9, "retry me"), 1);
    ck_assert_int_eq(wait_received(1), 1);
    pthread_mutex_lock(&hook.lock);
    ck_assert_int_eq(hook.calls, 3);
    ck_assert_ptr_null(hook.secrets[0]); /* no secret_token, no header */
    s = bh_emu_json_str(hook.bodies[0], "message.text");
    ck_assert_str_eq(s, "retry me");
    free(s);
    pthread_mutex_unlock(&hook.lock);
    ck_assert_int_eq(stat_of("webhook_failures"), 2);
    ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
    s = bh_emu_json_str(resp, "result.last_error_message");
    ck_assert_str_eq(s, "Wrong response from the webhook: 500");
    free(s);
    free(resp);
}
END_TEST

START_TEST(delivers_in_order_including_updates_queued_before)
{
    int64_t v;
    /* Updates queued before the webhook is set are delivered too. */
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(bh_emu_send_user_message(&emu, 9, 9, "early"), i + 1);
    set_webhook("abc");
    for (int i = 3; i < 6; i++)
        ck_assert_int_eq(bh_emu_send_user_message(&emu, 9, 9, "late"), i + 1);
    ck_assert_int_eq(wait_received(6), 6);
    pthread_mutex_lock(&hook.lock);
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(bh_emu_json_int(hook.bodies[i], "update_id", &v), 0);
        ck_assert_int_eq(v, i + 1);
    }
    pthread_mutex_unlock(&hook.lock);
}
END_TEST

START_TEST(set_webhook_validation)
{
    char *resp = NULL;
    ck_assert_int_eq(bh_emu_call(&emu, "setWebhook", "{\"url\":\"ftp://x\"}", &resp), 400);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "setWebhook",
                                 "{\"url\":\"http://127.0.0.1:1/h\",\"secret_token\":\"no spaces\"}", &resp), 400);
    free(resp);
    /* An empty url removes the webhook, as in Telegram. */
    ck_assert_int_eq(bh_emu_call(&emu, "setWebhook", "{\"url\":\"\"}", &resp), 200);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", NULL, &resp), 200);
    free(resp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emu_webhook");
    TCase *tc = tcase_create("webhook");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, delivers_with_secret_and_blocks_get_updates);
    tcase_add_test(tc, retries_until_the_hook_answers_2xx);
    tcase_add_test(tc, delivers_in_order_including_updates_queued_before);
    tcase_add_test(tc, set_webhook_validation);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
