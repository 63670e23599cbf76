/*
 * The connection of the redis:// backend against real servers: the URL
 * forms (redis+unix://, redis+sentinel://, a percent-encoded password),
 * a unix socket, a wrong password named as such, and a server that hangs
 * (SIGSTOP): a lock wait keeps its timeout and answers BH_ETIMEDOUT, a
 * command's failure says "timed out". The sentinel's failover is
 * test_redis_failover's.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "redis/redis.h"
#include "redis_proc.h"
#include "testutil.h"

/* ---- URLs, parsed without a server ---- */

START_TEST(unix_url)
{
    struct bh_redis_conf c;

    ck_assert_int_eq(bh_redis_conf_parse("redis+unix:///run/redis/redis%20server.sock?db=3"
                                         "&prefix=p", &c), BH_OK);
    ck_assert_str_eq(c.socket, "/run/redis/redis server.sock");
    ck_assert_ptr_null(c.host);
    ck_assert_int_eq(c.db, 3);
    ck_assert_str_eq(c.prefix, "p");
    bh_redis_conf_free(&c);
    ck_assert_int_eq(bh_redis_conf_parse("redis+unix://:s%3Acret@/tmp/r.sock", &c), BH_OK);
    ck_assert_str_eq(c.socket, "/tmp/r.sock");
    ck_assert_str_eq(c.password, "s:cret");
    ck_assert_int_eq(c.db, 0);
    bh_redis_conf_free(&c);
    ck_assert_int_eq(bh_redis_conf_parse("redis+unix://relative.sock", &c), BH_EINVAL);
    ck_assert_int_eq(bh_redis_conf_parse("redis+unix://", &c), BH_EINVAL);
}
END_TEST

START_TEST(sentinel_url)
{
    struct bh_redis_conf c;

    ck_assert_int_eq(bh_redis_conf_parse("redis+sentinel://:pw@10.0.0.1:5000,[::1],s3/mymaster/2"
                                         "?timeout_ms=700", &c), BH_OK);
    ck_assert_uint_eq(c.nsentinels, 3);
    ck_assert_str_eq(c.sentinels[0].host, "10.0.0.1");
    ck_assert_int_eq(c.sentinels[0].port, 5000);
    ck_assert_str_eq(c.sentinels[1].host, "::1");
    ck_assert_int_eq(c.sentinels[1].port, BH_REDIS_SENTINEL_PORT_DEFAULT);
    ck_assert_str_eq(c.sentinels[2].host, "s3");
    ck_assert_str_eq(c.service, "mymaster");
    ck_assert_int_eq(c.db, 2);
    ck_assert_str_eq(c.password, "pw");
    ck_assert_int_eq(c.timeout_ms, 700);
    ck_assert_ptr_null(c.host);
    bh_redis_conf_free(&c);
    static const char *const bad[] = {
        "redis+sentinel://h1:26379",          /* no master name */
        "redis+sentinel://h1:26379/",         /* an empty one */
        "redis+sentinel://h1,,h2/m",          /* an empty host */
        "redis+sentinel://h1:0/m",            /* port 0 */
        "redis+sentinel:///m",                /* no sentinel */
        "redis+sentinel://h1/m/x",            /* a database that is no number */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(bh_redis_conf_parse(bad[i], &c) == BH_EINVAL, "accepted %s", bad[i]);
}
END_TEST

START_TEST(password_is_percent_decoded)
{
    struct bh_redis_conf c;

    ck_assert_int_eq(bh_redis_conf_parse("redis://us%65r:p%40ss%3Aw%2Frd%25@h:1/0", &c), BH_OK);
    ck_assert_str_eq(c.user, "user");
    ck_assert_str_eq(c.password, "p@ss:w/rd%");
    ck_assert_str_eq(c.host, "h");
    bh_redis_conf_free(&c);
    ck_assert_int_eq(bh_redis_conf_parse("redis://:bad%2@h", &c), BH_EINVAL);
    ck_assert_int_eq(bh_redis_conf_parse("redis://:bad%zz@h", &c), BH_EINVAL);
    ck_assert_int_eq(bh_redis_conf_parse("redis://:nul%00@h", &c), BH_EINVAL);
    ck_assert_int_eq(bh_redis_conf_parse("rediss://h", &c), BH_EINVAL);
}
END_TEST

/* ---- real servers ---- */

/* A store of url and its memory "t"; fails the test if either cannot be
 * opened. */
static bh_shared *open_memory(bh_store **st, const char *url)
{
    bh_shared *m;

    ck_assert_msg(bh_store_open(st, url, NULL) == BH_OK, "%s: %s", url, bh_store_errmsg(NULL));
    ck_assert_int_eq(bh_shared_open(*st, "t", &m), BH_OK);
    return m;
}

START_TEST(unix_socket)
{
    char *path = bh_test_tmppath("redis.sock"), url[512], tcp[256];
    const char *const extra[] = {"--unixsocket", path, "--unixsocketperm", "700", NULL};
    bh_redis_proc u;
    bh_store *st, *st2;
    int64_t v = 0;

    ck_assert_int_eq(bh_redis_start_with(&u, extra, NULL), 0);
    snprintf(url, sizeof url, "redis+unix://%s?db=3", path);
    bh_shared *m = open_memory(&st, url);
    ck_assert_int_eq(bh_shared_set_int(m, "k", 42), BH_OK);
    /* The same key seen over TCP, in database 3: the same server. */
    snprintf(tcp, sizeof tcp, "redis://127.0.0.1:%d/3", u.port);
    bh_shared *m2 = open_memory(&st2, tcp);
    ck_assert_int_eq(bh_shared_get_int(m2, "k", &v), BH_OK);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(bh_redis_do(&u, "DBSIZE"), 0); /* nothing in database 0 */
    bh_shared_close(m2);
    bh_store_close(st2);
    bh_shared_close(m);
    bh_store_close(st);
    bh_redis_stop(&u);
    unlink(path);
    free(path);
}
END_TEST

/* A wrong password is reported as one, at bh_store_open, and a missing
 * one at the first command; the right one, percent-encoded in the URL,
 * logs in. */
START_TEST(wrong_password_says_so)
{
    static const char *const extra[] = {"--requirepass", "p@ss:w/rd%", NULL};
    bh_redis_proc a;
    bh_store *st;
    char url[256];
    int64_t v = 0;

    ck_assert_int_eq(bh_redis_start_with(&a, extra, "p@ss:w/rd%"), 0);
    snprintf(url, sizeof url, "redis://:wrong@127.0.0.1:%d/0", a.port);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_EINVAL);
    ck_assert_msg(strstr(bh_store_errmsg(NULL), "authentication") != NULL, "%s",
                  bh_store_errmsg(NULL));

    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", a.port);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    bh_shared *m;
    ck_assert_int_eq(bh_shared_open(st, "t", &m), BH_EINVAL);
    ck_assert_msg(strstr(bh_store_errmsg(st), "authentication failed") != NULL, "%s",
                  bh_store_errmsg(st));
    bh_store_close(st);

    snprintf(url, sizeof url, "redis://:p%%40ss%%3Aw%%2Frd%%25@127.0.0.1:%d/0", a.port);
    m = open_memory(&st, url);
    ck_assert_int_eq(bh_shared_set_int(m, "k", 7), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "k", &v), BH_OK);
    ck_assert_int_eq(v, 7);
    bh_shared_close(m);
    bh_store_close(st);
    bh_redis_stop(&a);
}
END_TEST

/* With the server stopped, a lock wait of 1000 ms gives up as a timeout
 * (the URL's per-command timeout, 20 s here, would have kept it waiting
 * for its answer), and the store works again once the server goes on. */
START_TEST(lock_wait_keeps_its_timeout_on_a_hung_server)
{
    bh_redis_proc h;
    bh_store *st;
    char url[256];
    int64_t t0, took;

    ck_assert_int_eq(bh_redis_start(&h), 0);
    snprintf(url, sizeof url, "%s?timeout_ms=20000", h.url);
    bh_shared *m = open_memory(&st, url);
    ck_assert_int_eq(bh_shared_set_int(m, "k", 1), BH_OK);
    ck_assert_int_eq(kill(h.pid, SIGSTOP), 0);
    t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_lock_acquire(m, "x", 1000), BH_ETIMEDOUT);
    took = bh_test_now_ms() - t0;
    ck_assert_msg(strstr(bh_store_errmsg(st), "timed out") != NULL, "%s", bh_store_errmsg(st));
    fprintf(stderr, "a 1000 ms lock wait on a stopped server returned after %lld ms\n",
            (long long)took);
    ck_assert_int_eq(kill(h.pid, SIGCONT), 0);
    ck_assert_int_eq(bh_shared_set_int(m, "k", 2), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
    bh_redis_stop(&h);
}
END_TEST

/* A command that gets no answer says it timed out, not "Resource
 * temporarily unavailable". */
START_TEST(timeout_message_says_timed_out)
{
    bh_redis_proc h;
    bh_store *st;
    char url[256];
    int64_t v;

    ck_assert_int_eq(bh_redis_start(&h), 0);
    snprintf(url, sizeof url, "%s?timeout_ms=300", h.url);
    bh_shared *m = open_memory(&st, url);
    ck_assert_int_eq(bh_shared_set_int(m, "k", 1), BH_OK);
    ck_assert_int_eq(kill(h.pid, SIGSTOP), 0);
    ck_assert_int_eq(bh_shared_get_int(m, "k", &v), BH_ENET);
    const char *msg = bh_store_errmsg(st);
    ck_assert_msg(strstr(msg, "timed out") != NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "temporarily") == NULL, "%s", msg);
    ck_assert_int_eq(kill(h.pid, SIGCONT), 0);
    ck_assert_int_eq(bh_shared_get_int(m, "k", &v), BH_OK);
    ck_assert_int_eq(v, 1);
    bh_shared_close(m);
    bh_store_close(st);
    bh_redis_stop(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("redis_conn");
    TCase *tc = tcase_create("url");
    tcase_add_test(tc, unix_url);
    tcase_add_test(tc, sentinel_url);
    tcase_add_test(tc, password_is_percent_decoded);
    suite_add_tcase(s, tc);
    tc = tcase_create("servers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, unix_socket);
    tcase_add_test(tc, wrong_password_says_so);
    tcase_add_test(tc, lock_wait_keeps_its_timeout_on_a_hung_server);
    tcase_add_test(tc, timeout_message_says_timed_out);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
