/*
 * A full disk. A file: store is written through its mapping, and a page
 * the filesystem cannot back raises SIGBUS in whoever writes it first: so
 * the store reserves its whole file at open, and a full filesystem is
 * BH_ENOSPC there. Tested on a real full filesystem, a 2 MiB tmpfs mounted
 * for the test (skipped, saying so, where mounting is not permitted). The
 * risky parts run in forked children, so that a SIGBUS is seen as such,
 * and the tests unmount before they assert.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "testutil.h"

#define FS_SIZE "size=2m"

static char mnt[] = "/tmp/bothive-diskfull-XXXXXX";

/* Mounts a 2 MiB tmpfs at mnt; 0 if that is not possible here. */
static int mount_small(void)
{
    if (!mkdtemp(mnt))
        return 0;
    if (mount("tmpfs", mnt, "tmpfs", 0, FS_SIZE) == 0)
        return 1;
    fprintf(stderr, "test_diskfull: skipped: cannot mount a tmpfs at %s: %s\n", mnt,
            strerror(errno));
    rmdir(mnt);
    return 0;
}

static void unmount_small(void)
{
    umount2(mnt, MNT_DETACH);
    rmdir(mnt);
}

/* Fills a memory until the store is full or a write fails otherwise. */
static int fill(bh_store *st)
{
    bh_shared *m;
    char key[32];
    int rc = BH_OK;

    if ((rc = bh_shared_open(st, "fill", &m)) != BH_OK)
        return rc;
    for (int i = 0; rc == BH_OK && i < 100000; i++) {
        snprintf(key, sizeof key, "key%d", i);
        rc = bh_shared_set_str(m, key, "a value long enough to fill the store with, soon");
    }
    bh_shared_close(m);
    return rc;
}

/* In a child: opens path with capacity, fills it if it opened; exits with
 * 0 if the open gave want and the store filled to BH_ENOSPC (or want is
 * an error), 1 otherwise. A SIGBUS shows as the signal. */
static int child_open(const char *path, size_t capacity, int want)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        bh_store_options o = {.capacity = capacity};
        char url[512];
        bh_store *st;
        snprintf(url, sizeof url, "file:%s", path);
        int rc = bh_store_open(&st, url, &o);
        if (rc != want) {
            fprintf(stderr, "open: %s (%s), expected %s\n", bh_strerror(rc),
                    bh_store_errmsg(NULL), bh_strerror(want));
            if (rc == BH_OK) /* what then comes of writing to it */
                fill(st);
            _exit(1);
        }
        if (rc != BH_OK)
            _exit(0);
        rc = fill(st);
        rc = rc == BH_ENOSPC ? bh_store_check(st) : rc;
        bh_store_close(st);
        _exit(rc == BH_OK ? 0 : 1);
    }
    return bh_test_wait(pid);
}

static off_t file_size(const char *path)
{
    struct stat sb;

    ck_assert_int_eq(stat(path, &sb), 0);
    return sb.st_size;
}

START_TEST(too_large_for_the_disk_is_enospc)
{
    char path[256];

    if (!mount_small())
        return;
    snprintf(path, sizeof path, "%s/store", mnt);
    int big = child_open(path, 4u << 20, BH_ENOSPC);
    /* Left empty, so that a store fitting the disk can be made there. */
    off_t left = file_size(path);
    int made = child_open(path, 1u << 20, BH_OK), again = child_open(path, 1u << 20, BH_OK);
    unmount_small();
    ck_assert_int_eq(big, 0);
    ck_assert_int_eq(left, 0);
    ck_assert_int_eq(made, 0);
    ck_assert_int_eq(again, 0);
}
END_TEST

/* Copies src to dst leaving every all-zero page a hole: a store made
 * sparse, as stores were before they reserved their files. */
static void copy_sparse(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    static const char zero[4096];
    char buf[4096];
    off_t off = 0;
    ssize_t n;

    ck_assert_int_ge(in, 0);
    ck_assert_int_ge(out, 0);
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (memcmp(buf, zero, (size_t)n))
            ck_assert_int_eq(pwrite(out, buf, (size_t)n, off), n);
        off += n;
    }
    ck_assert_int_eq(ftruncate(out, off), 0);
    close(in);
    close(out);
}

START_TEST(sparse_file_larger_than_the_disk_is_enospc)
{
    char *made = bh_test_tmppath("sparse"), path[256];
    bh_store_options o = {.capacity = 4u << 20};
    char url[512];
    bh_store *st;
    bh_shared *m;

    if (!mount_small()) {
        free(made);
        return;
    }
    snprintf(url, sizeof url, "file:%s", made);
    ck_assert_int_eq(bh_store_open(&st, url, &o), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(m, "n", 7), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
    snprintf(path, sizeof path, "%s/store", mnt);
    copy_sparse(made, path);
    int writable = child_open(path, 0, BH_ENOSPC);
    /* Read-only, it opens: reading reserves nothing. */
    snprintf(url, sizeof url, "file:%s", path);
    o = (bh_store_options){.flags = BH_STORE_READONLY};
    int readonly = bh_store_open(&st, url, &o);
    if (readonly == BH_OK)
        bh_store_close(st);
    unlink(made);
    free(made);
    unmount_small();
    ck_assert_int_eq(writable, 0);
    ck_assert_int_eq(readonly, BH_OK);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("diskfull");

    bh_test_add_case(s, "too_large_for_the_disk_is_enospc", too_large_for_the_disk_is_enospc,
                     NULL, NULL, 60);
    bh_test_add_case(s, "sparse_file_larger_than_the_disk_is_enospc",
                     sparse_file_larger_than_the_disk_is_enospc, NULL, NULL, 60);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
