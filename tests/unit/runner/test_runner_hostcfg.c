/*
 * Hosts mode's settings and names (src/runner/hostcfg.c): when it applies,
 * the environment's lease and partition count (bad values fall back to the
 * defaults), the bot's id from its token, a key's partition (in range,
 * the same on every host), and host ids unique to a run.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "runner/hosts.h"
#include "testutil.h"

START_TEST(mode_needs_a_spanning_store)
{
    bh_runner_source polled = {.token = "1:A"};
    bh_runner_source fed = {.token = "1:A", .feed = (int (*)(void *, int, bh_runner_feeder *))1};
    bh_runner_app app = {.sources = &polled, .nsources = 1};
    bh_run_options o = {.store_url = "redis://127.0.0.1:1/0"};

    unsetenv("BOTHIVE_HOSTS");
    /* (A build without the redis:// backend has no store that spans hosts.) */
    ck_assert_int_eq(bh_hosts_mode(&app, &o, 0), bh_hosts_supported(o.store_url));
    setenv("BOTHIVE_HOSTS", "0", 1);
    ck_assert(!bh_hosts_mode(&app, &o, 0));
    unsetenv("BOTHIVE_HOSTS");
    /* A webhook too: every host serves it. */
    o.webhook_url = "https://example.org/hook";
    ck_assert_int_eq(bh_hosts_mode(&app, &o, 0), bh_hosts_supported(o.store_url));
    o.webhook_url = NULL;
    o.store_url = "redis+sentinel://127.0.0.1:1/m/0";
    ck_assert_int_eq(bh_hosts_mode(&app, &o, 0), bh_hosts_supported("redis://127.0.0.1:1/0"));
    o.store_url = "file:/tmp/x";
    ck_assert(!bh_hosts_mode(&app, &o, 0));
    o.store_url = "redis://127.0.0.1:1/0";
    app.sources = &fed;
    ck_assert(!bh_hosts_mode(&app, &o, 0));
}
END_TEST

START_TEST(settings_from_the_environment)
{
    bh_hosts_cfg c;

    unsetenv("BOTHIVE_HOSTS_LEASE_MS");
    unsetenv("BOTHIVE_HOSTS_PARTITIONS");
    bh_hosts_cfg_get(&c);
    ck_assert_int_eq(c.lease_ms, 10000);
    ck_assert_int_eq(c.parts, 16);
    setenv("BOTHIVE_HOSTS_LEASE_MS", "2500", 1);
    setenv("BOTHIVE_HOSTS_PARTITIONS", "64", 1);
    bh_hosts_cfg_get(&c);
    ck_assert_int_eq(c.lease_ms, 2500);
    ck_assert_int_eq(c.parts, 64);
    setenv("BOTHIVE_HOSTS_LEASE_MS", "10ms", 1);
    setenv("BOTHIVE_HOSTS_PARTITIONS", "100000", 1);
    bh_hosts_cfg_get(&c);
    ck_assert_int_eq(c.lease_ms, 10000);
    ck_assert_int_eq(c.parts, 16);
}
END_TEST

START_TEST(names)
{
    char bot[BH_HOSTS_NAME_MAX + 1], a[BH_HOSTS_NAME_MAX + 1], b[BH_HOSTS_NAME_MAX + 1];

    bh_hosts_bot_id("123456:ABC-def", bot, sizeof bot);
    ck_assert_str_eq(bot, "123456");
    bh_hosts_bot_id("no-number", bot, sizeof bot);
    ck_assert_int_eq(bot[0], 't');
    ck_assert_uint_eq(strlen(bot), 17);
    setenv("BOTHIVE_HOST_NAME", "web|1", 1);
    bh_hosts_new_id(a, sizeof a);
    bh_hosts_new_id(b, sizeof b);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(strncmp(a, "web_1-", 6), 0); /* no '|': the lease's separator */
    unsetenv("BOTHIVE_HOST_NAME");
}
END_TEST

START_TEST(partitions_in_range_and_spread)
{
    int seen[16] = {0};

    for (int64_t key = -500; key < 500; key++) {
        int p = bh_hosts_part_of(1, key, 16);
        ck_assert_int_ge(p, 0);
        ck_assert_int_lt(p, 16);
        ck_assert_int_eq(p, bh_hosts_part_of(1, key, 16));
        seen[p]++;
    }
    for (int p = 0; p < 16; p++)
        ck_assert_int_gt(seen[p], 20);
    ck_assert_int_eq(bh_hosts_part_of(1, 42, 1), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner_hostcfg");
    TCase *tc = tcase_create("hostcfg");
    tcase_add_test(tc, mode_needs_a_spanning_store);
    tcase_add_test(tc, settings_from_the_environment);
    tcase_add_test(tc, names);
    tcase_add_test(tc, partitions_in_range_and_spread);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
