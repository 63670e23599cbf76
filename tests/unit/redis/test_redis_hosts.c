/*
 * The coordination of several hosts over Redis (store/hosts.h, src/redis/
 * lease.c and stream.c), call by call against a private redis-server:
 * leases and their epochs, the heartbeat's places, the fenced put that
 * keeps each update once, reads fenced by the partition's lease, the
 * acknowledgement a stale owner cannot make, and the claim of a previous
 * owner's pending entries in order.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    ck_assert_int_eq(bh_hosts_open(&a, rp.url, "99", "ha-1"), BH_OK);
    ck_assert_int_eq(bh_hosts_open(&b, rp.url, "99", "hb-1"), BH_OK);
    ck_assert_int_eq(bh_hosts_setup(a, 4, &parts), BH_OK);
    ck_assert_int_eq(parts, 4);
    /* The first host's count wins. */
    ck_assert_int_eq(bh_hosts_setup(b, 8, &parts), BH_OK);
    ck_assert_int_eq(parts, 4);
}

static void teardown(void)
{
    bh_hosts_close(a);
    bh_hosts_close(b);
}

START_TEST(bad_arguments)
{
    bh_hosts *h;
    uint64_t e;
    int parts;

    ck_assert_int_eq(bh_hosts_open(&h, "mem:", "1", "x"), BH_ENOTSUP);
    ck_assert_int_eq(bh_hosts_open(&h, rp.url, "", "x"), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_open(NULL, rp.url, "1", "x"), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_lease(a, "x", 0, &e), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_setup(a, 0, &parts), BH_EINVAL);
    ck_assert_int_eq(bh_hosts_setup(a, BH_HOSTS_PARTS_MAX + 1, &parts), BH_EINVAL);
    ck_assert(bh_hosts_supported(rp.url));
    ck_assert(!bh_hosts_supported("file:/tmp/x"));
}
END_TEST

/* A lease lapses: its key expires (made at once here, so that no wait
 * depends on the machine's speed). */
static void lapse(const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "bothive:h:{99}:lease:%s", name);
    ck_assert_int_eq(bh_redis_do(&rp, "DEL %s", key), 1);
}

START_TEST(leases_and_epochs)
{
    uint64_t ea = 0, eb = 0, e2 = 0;

    ck_assert_int_eq(bh_hosts_lease(a, "intake", 60000, &ea), 1);
    ck_assert_int_eq(bh_hosts_lease(b, "intake", 60000, &eb), 0);
    ck_assert_int_eq(bh_hosts_lease(a, "intake", 60000, &e2), 1);
    ck_assert_uint_eq(e2, ea); /* renewed: the same epoch */
    /* Lapsed: the other takes it with a newer epoch. */
    lapse("intake");
    ck_assert_int_eq(bh_hosts_lease(b, "intake", 60000, &eb), 1);
    ck_assert_uint_gt(eb, ea);
    ck_assert_int_eq(bh_hosts_lease(a, "intake", 60000, &e2), 0);
    /* A stale release is a no-op; the holder's frees it. */
    ck_assert_int_eq(bh_hosts_release(a, "intake", ea), BH_OK);
    ck_assert_int_eq(bh_hosts_lease(a, "intake", 60000, &e2), 0);
    ck_assert_int_eq(bh_hosts_release(b, "intake", eb), BH_OK);
    ck_assert_int_eq(bh_hosts_lease(a, "intake", 60000, &e2), 1);
    ck_assert_uint_gt(e2, eb);
    /* The real expiry, too. */
    ck_assert_int_eq(bh_hosts_lease(a, "short", 1, &ea), 1);
    usleep(20000);
    ck_assert_int_eq(bh_hosts_lease(b, "short", 60000, &eb), 1);
    ck_assert_uint_gt(eb, ea);
}
END_TEST

START_TEST(heartbeat_places)
{
    int ia, na, ib, nb;

    ck_assert_int_eq(bh_hosts_beat(a, 60000, &ia, &na), BH_OK);
    ck_assert_int_eq(na, 1);
    ck_assert_int_eq(bh_hosts_beat(b, 60000, &ib, &nb), BH_OK);
    ck_assert_int_eq(bh_hosts_beat(a, 60000, &ia, &na), BH_OK);
    ck_assert_int_eq(na, 2);
    ck_assert_int_eq(nb, 2);
    ck_assert_int_eq(ia, 0); /* "ha-1" < "hb-1" */
    ck_assert_int_eq(ib, 1);
    /* b's last beat gives it 1 ms: past that, a is alone. */
    ck_assert_int_eq(bh_hosts_beat(b, 1, &ib, &nb), BH_OK);
    usleep(20000);
    ck_assert_int_eq(bh_hosts_beat(a, 60000, &ia, &na), BH_OK);
    ck_assert_int_eq(na, 1);
    ck_assert_int_eq(ia, 0);
}
END_TEST

/* Entries of update ids first..first+n-1, all in partition part. */
static void entries(bh_hosts_entry *e, int64_t first, size_t n, int part)
{
    for (size_t i = 0; i < n; i++) {
        char *j = malloc(64);
        snprintf(j, 64, "{\"update_id\":%lld}", (long long)(first + (int64_t)i));
        e[i] = (bh_hosts_entry){.part = part, .update_id = first + (int64_t)i, .json = j,
                                .len = strlen(j)};
    }
}

static void entries_free(bh_hosts_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].json);
}

/* Reads partition part as h under epoch; the ids into ids, their count
 * returned (-1: the lease is lost). */
static int read_ids(bh_hosts *h, int part, uint64_t epoch, int64_t after, int64_t *ids)
{
    bh_hosts_want w = {.part = part, .epoch = epoch, .after = after};
    bh_hosts_entry *e;
    size_t n;
    int status;

    ck_assert_int_eq(bh_hosts_read(h, &w, 1, 100, &status, &e, &n), BH_OK);
    for (size_t i = 0; i < n; i++) {
        ids[i] = e[i].update_id;
        ck_assert_ptr_nonnull(strstr(e[i].json, "update_id"));
    }
    bh_hosts_entries_free(e, n);
    return status == BH_HOSTS_READ_LOST ? -1 : (int)n;
}

START_TEST(put_once_and_fenced)
{
    bh_hosts_entry e[30];
    uint64_t ei, stale;
    int64_t off, ids[100];

    ck_assert_int_eq(bh_hosts_offset(a, &off), BH_OK);
    ck_assert_int_eq(off, -1); /* the bot's very first start */
    ck_assert_int_eq(bh_hosts_lease(a, "intake", 5000, &ei), 1);
    entries(e, 10, 30, 2); /* more than one chunk */
    ck_assert_int_eq(bh_hosts_put(a, ei, e, 20, 0), BH_OK);
    ck_assert_int_eq(bh_hosts_offset(a, &off), BH_OK);
    ck_assert_int_eq(off, 30);
    /* A batch that overlaps the last: only the new ids go in. */
    ck_assert_int_eq(bh_hosts_put(a, ei, e + 15, 15, 50), BH_OK);
    ck_assert_int_eq(bh_hosts_offset(a, &off), BH_OK);
    ck_assert_int_eq(off, 50); /* next beyond the last id: skipped ones */
    uint64_t ep;
    ck_assert_int_eq(bh_hosts_lease(a, "p2", 5000, &ep), 1);
    ck_assert_int_eq(read_ids(a, 2, ep, -1, ids), 30);
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq(ids[i], 10 + i);
    /* A stale intake epoch puts nothing. */
    stale = ei;
    ck_assert_int_eq(bh_hosts_release(a, "intake", ei), BH_OK);
    ck_assert_int_eq(bh_hosts_lease(b, "intake", 5000, &ei), 1);
    bh_hosts_entry more[1];
    entries(more, 60, 1, 2);
    ck_assert_int_eq(bh_hosts_put(a, stale, more, 1, 0), BH_ENOTOWNER);
    ck_assert_int_eq(bh_hosts_offset(a, &off), BH_OK);
    ck_assert_int_eq(off, 50);
    entries_free(e, 30);
    entries_free(more, 1);
}
END_TEST

START_TEST(stale_owner_refused_and_claimed)
{
    bh_hosts_entry e[10];
    uint64_t ei, ea, eb;
    int64_t ids[100];
    size_t moved;

    ck_assert_int_eq(bh_hosts_lease(a, "intake", 5000, &ei), 1);
    entries(e, 1, 10, 1);
    ck_assert_int_eq(bh_hosts_put(a, ei, e, 10, 0), BH_OK);
    ck_assert_int_eq(bh_hosts_lease(a, "p1", 60000, &ea), 1);
    ck_assert_int_eq(read_ids(a, 1, ea, -1, ids), 10);
    ck_assert_int_eq(bh_hosts_ack(a, 1, ea, ids, 3), BH_OK); /* 1..3 done */
    /* a stalls past its lease; b takes the partition. */
    lapse("p1");
    ck_assert_int_eq(bh_hosts_lease(b, "p1", 5000, &eb), 1);
    ck_assert_uint_gt(eb, ea);
    /* a, stale, can neither read nor acknowledge. */
    ck_assert_int_eq(read_ids(a, 1, ea, -1, ids), -1);
    int64_t four = 4;
    ck_assert_int_eq(bh_hosts_ack(a, 1, ea, &four, 1), BH_ENOTOWNER);
    /* b claims a's pending entries and reads them in order, then nothing
     * new. */
    ck_assert_int_eq(bh_hosts_claim(b, 1, eb, &moved), BH_OK);
    ck_assert_uint_eq(moved, 7);
    ck_assert_int_eq(read_ids(b, 1, eb, 0, ids), 7);
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(ids[i], 4 + i);
    ck_assert_int_eq(read_ids(b, 1, eb, -1, ids), 0);
    /* Acknowledged with the read: pending ones left after 4..8 are 9, 10. */
    bh_hosts_want w = {.part = 1, .epoch = eb, .after = 0, .acks = (int64_t[]){4, 5, 6, 7, 8},
                       .nacks = 5};
    bh_hosts_entry *got;
    size_t n;
    int status;
    ck_assert_int_eq(bh_hosts_read(b, &w, 1, 100, &status, &got, &n), BH_OK);
    ck_assert_int_eq(status, BH_HOSTS_READ_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(got[0].update_id, 9);
    bh_hosts_entries_free(got, n);
    entries_free(e, 10);
}
END_TEST

int main(void)
{
    if (bh_redis_start(&rp) != 0)
        return 1;
    Suite *s = suite_create("redis_hosts");
    TCase *tc = tcase_create("hosts");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, leases_and_epochs);
    tcase_add_test(tc, heartbeat_places);
    tcase_add_test(tc, put_once_and_fenced);
    tcase_add_test(tc, stale_owner_refused_and_claimed);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
