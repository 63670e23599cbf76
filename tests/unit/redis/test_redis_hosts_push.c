/*
 * Webhook mode's calls of the hosts' contract over Redis (store/hosts.h,
 * src/redis/stream.c), against a private redis-server: a push from any
 * host, without a lease, puts an update once (a redelivery to this host or
 * another is not put again, even after it was acknowledged and deleted),
 * moves the intake's offset, and reads back as the polling intake's puts
 * do; a note is read by any host and written only under its lease's epoch.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    ck_assert_int_eq(bh_hosts_setup(a, 4, &parts), BH_OK);
    ck_assert_int_eq(bh_hosts_setup(b, 4, &parts), BH_OK);
}

static void teardown(void)
{
    bh_hosts_close(a);
    bh_hosts_close(b);
}

/* Pushes update id into part as h: 1 put, 0 not. */
static int push(bh_hosts *h, int part, int64_t id)
{
    char json[64];
    snprintf(json, sizeof json, "{\"update_id\":%lld}", (long long)id);
    bh_hosts_entry e = {.part = part, .update_id = id, .json = json, .len = strlen(json)};
    return bh_hosts_push(h, &e);
}

START_TEST(bad_arguments)
{
    bh_hosts_entry e = {.part = 0, .update_id = 0, .json = "{}", .len = 2};
    char buf[8];

    ck_assert_int_eq(bh_hosts_push(a, &e), BH_EINVAL);
    e.update_id = 1;
    e.part = BH_HOSTS_PARTS_MAX;
    ck_assert_int_eq(bh_hosts_push(a, &e), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_push(a, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_note_get(a, "", buf, sizeof buf), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_note_get(a, "x", buf, 0), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_note_set(a, "intake", 1, "x", NULL), BH_EINVAL);
}
END_TEST

START_TEST(push_once_from_any_host)
{
    uint64_t ep;
    int64_t off;
    bh_hosts_want w = {.part = 1, .after = -1};
    bh_hosts_entry *got;
    size_t n;
    int status;

    ck_assert_int_eq(push(a, 1, 10), 1);
    ck_assert_int_eq(push(b, 1, 10), 0); /* redelivered to another host */
    ck_assert_int_eq(push(b, 1, 11), 1);
    ck_assert_int_eq(push(a, 2, 12), 1);
    ck_assert_int_eq(bh_hosts_offset(a, &off), BH_OK);
    ck_assert_int_eq(off, 13);
    /* The owner of partition 1 reads 10 and 11, once each, and
     * acknowledges them: a late redelivery is still not put again. */
    ck_assert_int_eq(bh_hosts_lease(b, "p1", 60000, &ep), 1);
    w.epoch = ep;
    ck_assert_int_eq(bh_hosts_read(b, &w, 1, 100, &status, &got, &n), BH_OK);
    ck_assert_int_eq(status, BH_HOSTS_READ_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(got[0].update_id, 10);
    ck_assert_int_eq(got[1].update_id, 11);
    ck_assert_ptr_nonnull(strstr(got[1].json, "11"));
    bh_hosts_entries_free(got, n);
    ck_assert_int_eq(bh_hosts_ack(b, 1, ep, (int64_t[]){10, 11}, 2), BH_OK);
    ck_assert_int_eq(push(a, 1, 10), 0);
    ck_assert_int_eq(push(a, 1, 11), 0);
    ck_assert_int_eq(bh_hosts_read(b, &w, 1, 100, &status, &got, &n), BH_OK);
    ck_assert_uint_eq(n, 0);
    bh_hosts_entries_free(got, n);
}
END_TEST

START_TEST(note_fenced_by_lease)
{
    uint64_t ea, eb;
    char buf[64];

    ck_assert_int_eq(bh_hosts_note_get(b, "webhook", buf, sizeof buf), BH_OK);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(bh_hosts_note_set(a, "intake", 1, "webhook", "v1"), BH_ENOTOWNER);
    ck_assert_int_eq(bh_hosts_lease(a, "intake", 60000, &ea), 1);
    ck_assert_int_eq(bh_hosts_note_set(a, "intake", ea, "webhook", "v1"), BH_OK);
    ck_assert_int_eq(bh_hosts_note_get(b, "webhook", buf, sizeof buf), BH_OK);
    ck_assert_str_eq(buf, "v1");
    /* The lease passes on: the old holder's write is refused. */
    ck_assert_int_eq(bh_redis_do(&rp, "DEL bothive:h:{77}:lease:intake"), 1);
    ck_assert_int_eq(bh_hosts_lease(b, "intake", 60000, &eb), 1);
    ck_assert_int_eq(bh_hosts_note_set(a, "intake", ea, "webhook", "stale"), BH_ENOTOWNER);
    ck_assert_int_eq(bh_hosts_note_set(b, "intake", eb, "webhook", "v2"), BH_OK);
    ck_assert_int_eq(bh_hosts_note_get(a, "webhook", buf, sizeof buf), BH_OK);
    ck_assert_str_eq(buf, "v2");
    /* A buffer too small for the value. */
    ck_assert_int_eq(bh_hosts_note_get(a, "webhook", buf, 2), BH_EINVAL);
}
END_TEST

int main(void)
{
    if (bh_redis_start(&rp) != 0)
        return 1;
    Suite *s = suite_create("redis_hosts_push");
    TCase *tc = tcase_create("push");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, push_once_from_any_host);
    tcase_add_test(tc, note_fenced_by_lease);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
