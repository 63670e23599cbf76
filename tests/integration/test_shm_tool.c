/*
 * The bothive shm command, run as a real process against a real store.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "testutil.h"

static char *path;

/* Runs `bothive shm ARGS` (stderr folded into stdout); returns the exit
 * status and the output in *out (malloc'd). */
static int run(char **out, const char *fmt, ...)
{
    char args[1024], cmd[2048], buf[4096];
    va_list ap;
    size_t len = 0, n;
    FILE *p;

    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "BOTHIVE_LOG=off '%s' shm %s 2>&1", getenv("BOTHIVE_BIN"), args);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    *out = calloc(1, 1);
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        *out = realloc(*out, len + n + 1);
        memcpy(*out + len, buf, n);
        len += n;
        (*out)[len] = 0;
    }
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static void setup(void)
{
    char url[512];
    bh_store *st;
    bh_shared *m;

    path = bh_test_tmppath("shm");
    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "bot:42", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(m, "count", 1234567890123LL), BH_OK);
    ck_assert_int_eq(bh_shared_set_str(m, "name", "hive"), BH_OK);
    ck_assert_int_eq(bh_shared_set_json(m, "doc", "{\"a\":[1,2]}"), BH_OK);
    ck_assert_int_eq(bh_shared_set_bytes(m, "raw", "\x01\xff", 2), BH_OK);
    bh_shared_close(m);
    ck_assert_int_eq(bh_shared_open(st, "bot:42/comp", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_bool(m, "flag", 1), BH_OK);
    bh_shared_close(m);
    /* what the bot layer keeps: its callback key, in an internal memory */
    ck_assert_int_eq(bh_shared_open(st, "bothive.bot:42", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_bytes(m, "callback_secret", "\xab\xcd\xef", 3), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

static void teardown(void)
{
    unlink(path);
    free(path);
}

START_TEST(stats_keys_get)
{
    char *out;

    ck_assert_int_eq(run(&out, "stats %s", path), 0);
    ck_assert_ptr_nonnull(strstr(out, "keys        6"));
    ck_assert_ptr_nonnull(strstr(out, "memories    3"));
    free(out);
    ck_assert_int_eq(run(&out, "keys %s bot:42", path), 0);
    ck_assert_ptr_nonnull(strstr(out, "count\n"));
    ck_assert_ptr_nonnull(strstr(out, "name\n"));
    ck_assert_ptr_null(strstr(out, "flag"));
    free(out);
    ck_assert_int_eq(run(&out, "get %s bot:42 count", path), 0);
    ck_assert_str_eq(out, "1234567890123\n");
    free(out);
    ck_assert_int_eq(run(&out, "get %s bot:42 name", path), 0);
    ck_assert_str_eq(out, "hive\n");
    free(out);
    ck_assert_int_eq(run(&out, "get %s bot:42 raw", path), 0);
    ck_assert_str_eq(out, "{\"bytes_hex\":\"01ff\"}\n");
    free(out);
}
END_TEST

START_TEST(dump_is_json_of_every_memory)
{
    char *out;

    ck_assert_int_eq(run(&out, "dump %s", path), 0);
    json_object *o = json_tokener_parse(out);
    ck_assert_ptr_nonnull(o);
    json_object *mem, *v;
    ck_assert(json_object_object_get_ex(o, "bot:42", &mem));
    ck_assert(json_object_object_get_ex(mem, "count", &v));
    ck_assert(json_object_get_int64(v) == 1234567890123LL);
    ck_assert(json_object_object_get_ex(mem, "doc", &v));
    ck_assert(json_object_is_type(v, json_type_object));
    ck_assert(json_object_object_get_ex(o, "bot:42/comp", &mem));
    ck_assert(json_object_object_get_ex(mem, "flag", &v));
    ck_assert(json_object_get_boolean(v));
    json_object_put(o);
    free(out);
}
END_TEST

START_TEST(check_and_errors)
{
    char *out;

    ck_assert_int_eq(run(&out, "check %s", path), 0);
    ck_assert_str_eq(out, "ok\n");
    free(out);
    ck_assert_int_eq(run(&out, "get %s bot:42 missing", path), 1);
    ck_assert_ptr_nonnull(strstr(out, "not found"));
    free(out);
    ck_assert_int_eq(run(&out, "keys %s nosuchmemory", path), 1);
    ck_assert_ptr_nonnull(strstr(out, "no such memory"));
    free(out);
    ck_assert_int_eq(run(&out, "stats /etc/hostname"), 1);
    ck_assert_ptr_nonnull(strstr(out, "not a bothive store"));
    free(out);
    ck_assert_int_eq(run(&out, "stats /nonexistent/store"), 1);
    free(out);
    ck_assert_int_eq(run(&out, "frobnicate %s", path), 2);
    ck_assert_ptr_nonnull(strstr(out, "usage"));
    free(out);
    ck_assert_int_eq(run(&out, "get %s", path), 2);
    free(out);
}
END_TEST

/* The callback key of a bot is left out unless asked for. */
START_TEST(secrets_are_hidden_unless_asked)
{
    char *out;

    ck_assert_int_eq(run(&out, "dump %s", path), 0);
    ck_assert_ptr_null(strstr(out, "abcdef"));
    ck_assert_ptr_nonnull(strstr(out, "callback_secret"));
    ck_assert_ptr_nonnull(strstr(out, "bot:42")); /* the rest is there */
    free(out);
    ck_assert_int_eq(run(&out, "get %s bothive.bot:42 callback_secret", path), 1);
    ck_assert_ptr_null(strstr(out, "abcdef"));
    ck_assert_ptr_nonnull(strstr(out, "--show-secrets"));
    free(out);
    ck_assert_int_eq(run(&out, "dump --show-secrets %s", path), 0);
    ck_assert_ptr_nonnull(strstr(out, "abcdef"));
    free(out);
    ck_assert_int_eq(run(&out, "get --show-secrets %s bothive.bot:42 callback_secret", path), 0);
    ck_assert_ptr_nonnull(strstr(out, "abcdef"));
    free(out);
}
END_TEST

/* check looks and changes nothing: a missing path stays missing, an empty
 * file stays empty, and neither is "ok". */
START_TEST(check_creates_and_changes_nothing)
{
    char *out, *missing = bh_test_tmppath("shm_missing"), *empty = bh_test_tmppath("shm_empty");
    struct stat sb;
    FILE *f;

    unlink(missing);
    ck_assert_int_eq(run(&out, "check %s", missing), 1);
    ck_assert_ptr_nonnull(strstr(out, missing));
    ck_assert_ptr_null(strstr(out, "ok\n"));
    free(out);
    ck_assert_int_ne(stat(missing, &sb), 0);
    ck_assert_ptr_nonnull(f = fopen(empty, "w"));
    fclose(f);
    ck_assert_int_eq(run(&out, "check %s", empty), 1);
    ck_assert_ptr_nonnull(strstr(out, "not a bothive store"));
    free(out);
    ck_assert_int_eq(stat(empty, &sb), 0);
    ck_assert_int_eq(sb.st_size, 0);
    /* a store nobody has open is checked as it is: not even its time moves */
    ck_assert_int_eq(stat(path, &sb), 0);
    struct timespec before = sb.st_mtim;
    usleep(20000);
    ck_assert_int_eq(run(&out, "check %s", path), 0);
    ck_assert_str_eq(out, "ok\n");
    free(out);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert(sb.st_mtim.tv_sec == before.tv_sec && sb.st_mtim.tv_nsec == before.tv_nsec);
    ck_assert_int_eq(run(&out, "check --repair %s", path), 0);
    ck_assert_str_eq(out, "ok\n");
    free(out);
    unlink(empty);
    free(empty);
    free(missing);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shm_tool");
    TCase *tc = tcase_create("shm");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, stats_keys_get);
    tcase_add_test(tc, dump_is_json_of_every_memory);
    tcase_add_test(tc, check_and_errors);
    tcase_add_test(tc, secrets_are_hidden_unless_asked);
    tcase_add_test(tc, check_creates_and_changes_nothing);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
