/*
 * The coordination of several hosts over Redis, its later calls, against a
 * private redis-server: crashes counted in an entry's delivery count
 * across hosts (re-reading pending entries counts none; a claim by the
 * next owner keeps the count), the wait for a new entry (returns at once
 * when one is there, after its bound when none comes) and the shared
 * wake-up of scheduled jobs (the earliest kept; a past one replaced).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "bothive/bothive.h"
#include "redis_proc.h"
#include "store/hosts.h"
#include "testutil.h"

static bh_redis_proc rp;
static bh_hosts *a, *b;

static void setup(void)
{
    int parts;

    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
    ck_assert_int_eq(bh_hosts_open(&a, rp.url, "77", "ha-1"), BH_OK);
    ck_assert_int_eq(bh_hosts_open(&b, rp.url, "77", "hb-1"), BH_OK);
    ck_assert_int_eq(bh_hosts_setup(a, 2, &parts), BH_OK);
}

static void teardown(void)
{
    bh_hosts_close(a);
    bh_hosts_close(b);
}

/* Puts update ids first.. (n of them) into partition part. */
static void put(int64_t first, size_t n, int part)
{
    bh_hosts_entry e[8];
    char json[8][48];
    uint64_t ei;

    ck_assert_uint_le(n, 8);
    ck_assert_int_eq(bh_hosts_lease(a, "intake", 60000, &ei), 1);
    for (size_t i = 0; i < n; i++) {
        snprintf(json[i], sizeof json[i], "{\"update_id\":%lld}", (long long)(first + (int64_t)i));
        e[i] = (bh_hosts_entry){.part = part, .update_id = first + (int64_t)i, .json = json[i],
                                .len = strlen(json[i])};
    }
    ck_assert_int_eq(bh_hosts_put(a, ei, e, n, 0), BH_OK);
}

/* Reads part as h (after as bh_hosts_want's); the count read. */
static size_t read_n(bh_hosts *h, int part, uint64_t epoch, int64_t after)
{
    bh_hosts_want w = {.part = part, .epoch = epoch, .after = after};
    bh_hosts_entry *e;
    size_t n;
    int status;

    ck_assert_int_eq(bh_hosts_read(h, &w, 1, 100, &status, &e, &n), BH_OK);
    ck_assert_int_eq(status, BH_HOSTS_READ_OK);
    bh_hosts_entries_free(e, n);
    return n;
}

START_TEST(crashes_counted_across_hosts)
{
    uint64_t ea, eb;
    size_t moved, len;
    int crashes;
    char *json;

    put(5, 2, 1);
    ck_assert_int_eq(bh_hosts_lease(a, "p1", 60000, &ea), 1);
    ck_assert_uint_eq(read_n(a, 1, ea, -1), 2);
    /* Rewinds read pending entries again: no delivery counted. */
    ck_assert_uint_eq(read_n(a, 1, ea, 0), 2);
    ck_assert_uint_eq(read_n(a, 1, ea, 0), 2);
    ck_assert_int_eq(bh_hosts_crash(a, 1, ea, 5, &crashes, &json, &len), BH_OK);
    ck_assert_int_eq(crashes, 1);
    ck_assert_str_eq(json, "{\"update_id\":5}");
    ck_assert_uint_eq(len, strlen(json));
    free(json);
    /* The host dies; the next owner claims the entries with their count. */
    ck_assert_int_eq(bh_redis_do(&rp, "DEL bothive:h:{77}:lease:p1"), 1);
    ck_assert_int_eq(bh_hosts_lease(b, "p1", 60000, &eb), 1);
    ck_assert_int_eq(bh_hosts_crash(a, 1, ea, 5, &crashes, &json, &len), BH_ENOTOWNER);
    ck_assert_int_eq(bh_hosts_claim(b, 1, eb, &moved), BH_OK);
    ck_assert_uint_eq(moved, 2);
    ck_assert_uint_eq(read_n(b, 1, eb, 0), 2);
    ck_assert_int_eq(bh_hosts_crash(b, 1, eb, 5, &crashes, &json, &len), BH_OK);
    ck_assert_int_eq(crashes, 2);
    free(json);
    ck_assert_int_eq(bh_hosts_crash(b, 1, eb, 6, &crashes, &json, &len), BH_OK);
    ck_assert_int_eq(crashes, 1); /* each entry its own count */
    free(json);
    /* Acknowledged: gone, nothing to count. */
    int64_t five = 5;
    ck_assert_int_eq(bh_hosts_ack(b, 1, eb, &five, 1), BH_OK);
    ck_assert_int_eq(bh_hosts_crash(b, 1, eb, 5, &crashes, &json, &len), BH_OK);
    ck_assert_int_eq(crashes, 0);
    ck_assert_str_eq(json, "");
    free(json);
    ck_assert_int_eq(bh_hosts_crash(b, -1, eb, 5, &crashes, &json, &len), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_crash(b, 1, eb, 5, NULL, &json, &len), BH_EINVAL);
}
END_TEST

START_TEST(wait_for_an_entry)
{
    int parts[2] = {0, 1};
    int64_t after[2] = {0, 0};
    uint64_t e0;

    ck_assert_int_eq(bh_hosts_lease(a, "p0", 60000, &e0), 1);
    /* Nothing there: the bound ends it (1 ms, so that no test waits). */
    ck_assert_int_eq(bh_hosts_wait(a, parts, after, 2, 1), 0);
    put(3, 1, 1);
    ck_assert_int_eq(bh_hosts_wait(a, parts, after, 2, 1000), 1);
    /* Above the entry already read: nothing new. */
    after[1] = 3;
    ck_assert_int_eq(bh_hosts_wait(a, parts, after, 2, 1), 0);
    after[0] = -1; /* above the last one there now */
    ck_assert_int_eq(bh_hosts_wait(a, parts, after, 2, 1), 0);
    ck_assert_int_eq(bh_hosts_wait(a, parts, after, 2, 0), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_wait(a, parts, after, 0, 10), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_wait(a, parts, after, 2, BH_HOSTS_WAIT_MAX_MS + 1), BH_EINVAL);
    after[0] = -2;
    ck_assert_int_eq(bh_hosts_wait(a, parts, after, 2, 10), BH_EINVAL);
}
END_TEST

START_TEST(shared_wake_up)
{
    int64_t now = bh_clock_wall_ms(), next;

    ck_assert_int_eq(bh_hosts_wake(a, -1, &next), BH_OK);
    ck_assert_int_eq(next, -1);
    ck_assert_int_eq(bh_hosts_wake(a, now + 60000, &next), BH_OK);
    ck_assert_int_eq(next, now + 60000);
    /* Another host: a later time keeps the earlier, an earlier one wins. */
    ck_assert_int_eq(bh_hosts_wake(b, now + 90000, &next), BH_OK);
    ck_assert_int_eq(next, now + 60000);
    ck_assert_int_eq(bh_hosts_wake(b, now + 30000, &next), BH_OK);
    ck_assert_int_eq(next, now + 30000);
    ck_assert_int_eq(bh_hosts_wake(a, -1, &next), BH_OK);
    ck_assert_int_eq(next, now + 30000);
    /* A time past is replaced by the next one given, even a later one. */
    ck_assert_int_eq(bh_redis_do(&rp, "SET bothive:h:{77}:wake %lld", (long long)(now - 5000)),
                     0);
    ck_assert_int_eq(bh_hosts_wake(b, now + 90000, &next), BH_OK);
    ck_assert_int_eq(next, now + 90000);
    ck_assert_int_eq(bh_hosts_wake(a, -2, &next), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_wake(a, 1, NULL), BH_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("redis_hosts_crash");
    TCase *tc = tcase_create("hosts_crash");
    if (bh_redis_start(&rp) != 0)
        return 1;
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, crashes_counted_across_hosts);
    tcase_add_test(tc, wait_for_an_entry);
    tcase_add_test(tc, shared_wake_up);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
