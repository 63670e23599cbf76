/*
 * Stripe recovery (src/store/stripe.c), driven through the internal API so
 * that a process can die at an exact point: holding a stripe's lock with a
 * block allocated that no index refers to. Also the slab's size classes.
 */
#include <check.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emb/emb.h"
#include "emb/region.h"
#include "testutil.h"

/*
 * The child locks stripe s, allocates a block of size bytes and dies without
 * unlocking. With an empty stripe the block is on a slab page that nothing
 * reaches, so the rebuild must free the page, not trip over the empty index.
 */
static void die_holding_stripe(bh_store *st, unsigned s, uint64_t size)
{
    struct bh_region *r = &((struct bh_emb *)st)->r;
    pid_t pid = fork();

    if (pid == 0) {
        bh_stripe_lock(r, s);
        _exit(bh_block_alloc_locked(r, s, size) ? 0 : 1);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
}

static void check_recovered(bh_store *st, uint64_t pages_before)
{
    struct bh_region *r = &((struct bh_emb *)st)->r;
    struct bh_store_stats stats;

    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_store_stats(st, &stats), BH_OK);
    ck_assert_uint_eq(stats.recoveries, 1);
    ck_assert_uint_eq(atomic_load(&r->hdr->pages_used), pages_before);
}

START_TEST(empty_stripe_slab_is_reclaimed)
{
    bh_store *st;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    struct bh_region *r = &((struct bh_emb *)st)->r;
    uint64_t before = atomic_load(&r->hdr->pages_used);
    die_holding_stripe(st, 7, 48);
    ck_assert_uint_gt(atomic_load(&r->hdr->pages_used), before);
    check_recovered(st, before);
    bh_store_close(st);
}
END_TEST

START_TEST(empty_stripe_run_is_reclaimed)
{
    bh_store *st;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    struct bh_region *r = &((struct bh_emb *)st)->r;
    uint64_t before = atomic_load(&r->hdr->pages_used);
    die_holding_stripe(st, 9, 3 * BH_PAGE_SIZE);
    check_recovered(st, before);
    bh_store_close(st);
}
END_TEST

/* The computed size class is the smallest that holds the size, for every
 * size a block can have. */
START_TEST(size_class_is_the_smallest_that_fits)
{
    for (uint64_t size = 0; size <= 9000; size++) {
        unsigned want = BH_NCLASSES;
        for (unsigned c = 0; c < BH_NCLASSES; c++)
            if (bh_class_size(c) >= size) {
                want = c;
                break;
            }
        ck_assert_uint_eq(bh_class_of(size), want);
    }
    ck_assert_uint_eq(bh_class_of(UINT64_MAX / 2), BH_NCLASSES);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stripe");
    TCase *tc = tcase_create("recovery");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, empty_stripe_slab_is_reclaimed);
    tcase_add_test(tc, empty_stripe_run_is_reclaimed);
    suite_add_tcase(s, tc);
    tc = tcase_create("slab");
    tcase_add_test(tc, size_class_is_the_smallest_that_fits);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
