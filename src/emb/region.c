/*
 * Regions: creating, validating and mapping the memory a store lives in.
 *
 * A file: store is shared by every process that maps it, including ones
 * that start long after the others. Its robust mutexes are only robust while
 * the kernel remembers who held them: after a reboot, or once every process
 * is gone, a mutex in the file may still look held by a pid that no longer
 * means anything. So the first process to open a file that nobody else has
 * open re-initialises every lock in it and repairs every stripe before anyone
 * uses it. "Nobody else" is known from open-file-description locks, which
 * forked workers share with their parent:
 *   byte 0: held exclusively while a process opens the file (serialises opens)
 *   byte 1: held shared by every process using the file; exclusively only by
 *           a first opener during its repair
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bothive/log.h"
#include "emb.h"

static uint64_t align_to(uint64_t n, uint64_t unit)
{
    return (n + unit - 1) & ~(unit - 1);
}

/* Capacity per stripe, in pages, below which a store gets smaller pages,
 * then fewer stripes. */
#define BH_STRIPE_PAGES 512u

/*
 * Page size and stripe count for a capacity. Each stripe keeps a partly
 * used slab of every size class it holds, and each index has room to grow:
 * space no other stripe can use, which grows with stripes x classes x page
 * size. With 4 KiB pages and 64 stripes that is a few per cent of 128 MiB,
 * but most of 1 MiB. So below 128 MiB the pages shrink, down to 1 KiB, then
 * the stripes halve, down to 4, keeping the capacity at 512 pages per
 * stripe: small stores trade write concurrency, which they need least, for
 * space. (At 256 pages per stripe, stores of 2 to 16 MiB filled to 79-81%
 * with strings of 20 to 320 bytes; at 512, to 82-83%.)
 */
static void geometry_shape(uint64_t capacity, uint32_t *page, uint32_t *nstripes)
{
    uint32_t p = BH_PAGE_MAX, n = BH_NSTRIPES_MAX;

    while (p > BH_PAGE_MIN && capacity / ((uint64_t)n * p) < BH_STRIPE_PAGES)
        p /= 2;
    while (n > BH_NSTRIPES_MIN && capacity / ((uint64_t)n * p) < BH_STRIPE_PAGES)
        n /= 2;
    *page = p;
    *nstripes = n;
}

/* Lays out a region of capacity bytes: header, stripes, page map, heap. */
static void geometry(struct bh_header *h, uint64_t capacity)
{
    uint32_t page, nstripes;

    geometry_shape(capacity, &page, &nstripes);
    uint64_t fixed = align_to(sizeof *h, page) +
                     align_to(nstripes * sizeof(struct bh_stripe), page);
    uint64_t npages = (capacity - fixed - page) / (page + 4);

    h->capacity = capacity;
    h->page_size = page;
    h->nstripes = nstripes;
    h->nclasses = BH_NCLASSES;
    h->stripes_off = align_to(sizeof *h, page);
    h->pagemap_off = fixed;
    h->heap_off = fixed + align_to(npages * 4, page);
    h->npages = npages;
}

static void region_bind(struct bh_region *r, void *base, size_t size)
{
    /* readonly is set by the opener before mapping; keep it. */
    r->base = base;
    r->size = size;
    r->hdr = base;
    r->stripes = (struct bh_stripe *)(r->base + r->hdr->stripes_off);
    r->pagemap = (_Atomic uint32_t *)(r->base + r->hdr->pagemap_off);
    r->heap = r->base + r->hdr->heap_off;
    r->heap_off = r->hdr->heap_off;
    r->page_shift = (unsigned)__builtin_ctz(r->hdr->page_size);
    r->nstripes = r->hdr->nstripes;
    r->stripe_shift = 64 - (unsigned)__builtin_ctz(r->nstripes);
    bh_slab_shapes(r);
}

/* Initialises every mutex of the header and the stripes. */
static int init_locks(struct bh_region *r)
{
    for (unsigned s = 0; s < r->nstripes; s++) {
        atomic_store(&r->stripes[s].lock, 0);
        atomic_store(&r->stripes[s].owner_token, 0);
    }
    return bh_mutex_init(&r->hdr->page_mutex);
}

/* Formats a zeroed region. The magic goes last: a file whose creation was
 * interrupted is then "not a store", never a half-made one. */
static int region_format(void *base, uint64_t capacity, struct bh_region *r)
{
    struct bh_header *h = base;
    int rc;

    geometry(h, capacity);
    h->version = BH_FORMAT_VERSION;
    atomic_store(&h->next_memory_no, 1);
    atomic_store(&h->generation, 1);
    region_bind(r, base, capacity);
    for (unsigned s = 0; s < r->nstripes; s++)
        bh_free_lists_clear(r, s);
    if ((rc = init_locks(r)) != BH_OK)
        return rc;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(h->magic, BH_MAGIC, sizeof h->magic);
    return BH_OK;
}

/* Checks that a mapped header describes a store of this format that fits
 * in size bytes, before anything trusts its offsets. */
static int header_valid(bh_store *st, const struct bh_header *h, uint64_t size)
{
    struct bh_header want;

    if (memcmp(h->magic, BH_MAGIC, sizeof h->magic))
        return bh_store_fail(st, BH_ENOTSTORE, "not a bothive store (bad magic)");
    if (h->version > BH_FORMAT_VERSION || h->version < BH_FORMAT_VERSION_OLDEST)
        return bh_store_fail(st, BH_EVERSION, "store format version %u, expected %u",
                             h->version, BH_FORMAT_VERSION);
    if (h->capacity < BH_CAPACITY_MIN || h->capacity > BH_CAPACITY_MAX)
        return bh_store_fail(st, BH_ECORRUPT, "store header: bad capacity");
    if (h->capacity > size)
        return bh_store_fail(st, BH_ENOTSTORE,
                             "store is truncated: %llu bytes, header says %llu",
                             (unsigned long long)size, (unsigned long long)h->capacity);
    memset(&want, 0, sizeof want);
    geometry(&want, h->capacity);
    if (h->page_size != want.page_size || h->nstripes != want.nstripes ||
        h->nclasses != want.nclasses || h->npages != want.npages ||
        h->stripes_off != want.stripes_off || h->pagemap_off != want.pagemap_off ||
        h->heap_off != want.heap_off)
        return bh_store_fail(st, BH_ECORRUPT, "store header: inconsistent geometry");
    return BH_OK;
}

/* Resets the locks of every record in stripe s: memories' preparation
 * mutexes, and named locks (a held one is marked abandoned, so its next
 * acquirer learns that its holder is gone). */
static void reopen_records(struct bh_region *r, unsigned s)
{
    struct bh_index v, *ix = bh_index_view(r, atomic_load(&r->stripes[s].index), &v);

    for (uint64_t i = 0; ix && i < ix->cap; i++) {
        uint64_t slot = ix->slots[i];
        if (slot == BH_SLOT_EMPTY || slot == BH_SLOT_TOMB)
            continue;
        struct bh_entry *e = bh_at(r, BH_SLOT_OFF(slot));
        if (e->type == BH_T_MEMREC)
            bh_mutex_init(&((struct bh_memrec *)bh_entry_value(e))->prep);
        else if (e->type == BH_T_LOCK)
            bh_lockrec_reopen((struct bh_lockrec *)bh_entry_value(e));
    }
}

/*
 * An older format is read only once upgraded, which needs the file to
 * itself: a process of the older version could be using it (and would
 * misread what this one writes), and a read-only opener cannot write.
 */
static int version_refused(bh_store *st, const struct bh_header *h, int readonly)
{
    if (h->version == BH_FORMAT_VERSION)
        return BH_OK;
    if (readonly)
        return bh_store_fail(st, BH_EVERSION,
                             "store format version %u: open it writable once, with no other "
                             "process using it, to upgrade it to version %u",
                             h->version, BH_FORMAT_VERSION);
    return bh_store_fail(st, BH_EVERSION,
                         "store format version %u is in use by another process (an older "
                         "bothive?): it is upgraded to version %u by the first process to "
                         "open it alone",
                         h->version, BH_FORMAT_VERSION);
}

/*
 * From version 5: its index arrays start with a capacity word, and their
 * index words give the array's offset. Each word is made to give the first
 * slot's and marked BH_IXW_LEGACY (region.h), one store per stripe; a
 * process killed half-way leaves the version unchanged and some words
 * marked, which the next upgrade skips.
 */
static void upgrade_index_words(struct bh_region *r)
{
    for (unsigned s = 0; s < r->nstripes; s++) {
        uint64_t w = atomic_load(&r->stripes[s].index);
        if (w && !(w & BH_IXW_LEGACY))
            atomic_store(&r->stripes[s].index, (w + 8) | BH_IXW_LEGACY);
    }
}

/* The first opener's repair: no other process has the file open. */
static int region_reopen(struct bh_region *r)
{
    int rc = init_locks(r);

    if (rc != BH_OK)
        return rc;
    if (r->hdr->version < BH_FORMAT_VERSION)
        upgrade_index_words(r);
    bh_pages_repair(r);
    for (unsigned s = 0; s < r->nstripes; s++) {
        bh_stripe_rebuild_locked(r, s);
        reopen_records(r, s);
        bh_lock_stripe_settle_locked(r, s);
    }
    /* Version 4 differs from 5 only in what was padding, zero in its files
     * (from now on the file may have undo blocks, which version 4 would
     * free); 5 from 6 in the index arrays, upgraded above. */
    r->hdr->version = BH_FORMAT_VERSION;
    atomic_fetch_add(&r->hdr->generation, 1);
    return BH_OK;
}

static int ofd_lock(int fd, short type, off_t start, int wait)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1};
    int rc;

    do
        rc = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
    while (rc < 0 && errno == EINTR);
    return rc;
}

/*
 * Makes the filesystem back every byte of the file's first size bytes. A
 * store's pages are written through the mapping, where a page the
 * filesystem cannot back (a full disk, a sparse file) raises SIGBUS in
 * whoever touches it first, maybe holding a stripe lock: so a file is
 * reserved whole before it is mapped for writing, and a full disk is an
 * error at open. posix_fallocate leaves the data as it is and fills holes.
 */
static int reserve(bh_store *st, int fd, uint64_t size, const char *path)
{
    int err;

    do
        err = posix_fallocate(fd, 0, (off_t)size);
    while (err == EINTR);
    if (err == 0)
        return BH_OK;
    return bh_store_fail(st, err == ENOSPC || err == EFBIG || err == EDQUOT ? BH_ENOSPC : BH_EIO,
                         "cannot reserve %llu bytes for %s: %s", (unsigned long long)size,
                         path, strerror(err));
}

/* Maps an existing file after checking its header through a small mapping;
 * for writing, only once the filesystem has promised every page. */
static int map_existing(struct bh_emb *st, int fd, uint64_t size, void **base,
                        const char *path)
{
    struct bh_header *h;
    int rc;

    if (size < BH_PAGE_MAX)
        return bh_store_fail(&st->base, BH_ENOTSTORE,
                             "not a bothive store (%llu bytes, too short)",
                             (unsigned long long)size);
    h = mmap(NULL, BH_PAGE_MAX, PROT_READ, MAP_SHARED, fd, 0);
    if (h == MAP_FAILED)
        return bh_store_fail(&st->base, BH_EIO, "mmap: %s", strerror(errno));
    rc = header_valid(&st->base, h, size);
    size = h->capacity;
    munmap(h, BH_PAGE_MAX);
    if (rc != BH_OK || (!st->r.readonly && (rc = reserve(&st->base, fd, size, path)) != BH_OK))
        return rc;
    *base = mmap(NULL, size, st->r.readonly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED,
                 fd, 0);
    if (*base == MAP_FAILED)
        return bh_store_fail(&st->base, BH_EIO, "mmap: %s", strerror(errno));
    region_bind(&st->r, *base, size);
    return BH_OK;
}

/* A read-only opener takes no lock at all: it must not make the processes
 * using the file think they are not alone, nor wait for them. */
static int open_file_readonly(struct bh_emb *st, const char *path)
{
    struct stat sb;
    void *base;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bh_store_fail(&st->base, errno == ENOENT ? BH_ENOTFOUND : BH_EIO, "open %s: %s",
                             path, strerror(errno));
    if (fstat(fd, &sb) < 0) {
        rc = bh_store_fail(&st->base, BH_EIO, "stat %s: %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    if ((rc = map_existing(st, fd, (uint64_t)sb.st_size, &base, path)) != BH_OK ||
        (rc = version_refused(&st->base, st->r.hdr, 1)) != BH_OK) {
        if (rc != BH_OK && st->r.base)
            bh_region_close(st);
        close(fd);
        return rc;
    }
    st->fd = fd;
    return BH_OK;
}

static int open_file(struct bh_emb *st, const char *path, size_t capacity)
{
    struct stat sb;
    void *base = MAP_FAILED;
    int fd, rc, alone;

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return bh_store_fail(&st->base, BH_EIO, "open %s: %s", path, strerror(errno));
    if (ofd_lock(fd, F_WRLCK, 0, 1) < 0 || fstat(fd, &sb) < 0) {
        rc = bh_store_fail(&st->base, BH_EIO, "lock %s: %s", path, strerror(errno));
        goto fail;
    }
    alone = ofd_lock(fd, F_WRLCK, 1, 0) == 0;
    if (sb.st_size == 0 && alone) {
        if ((rc = reserve(&st->base, fd, capacity, path)) != BH_OK) {
            /* Empty again, as it was: a store is made there next time. */
            if (ftruncate(fd, 0) < 0)
                bh_log(BH_LOG_WARN, "store: ftruncate %s: %s", path, strerror(errno));
            goto fail;
        }
        base = mmap(NULL, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (base == MAP_FAILED) {
            rc = bh_store_fail(&st->base, BH_EIO, "mmap: %s", strerror(errno));
            goto fail;
        }
        if ((rc = region_format(base, capacity, &st->r)) != BH_OK)
            goto fail;
    } else {
        if ((rc = map_existing(st, fd, (uint64_t)sb.st_size, &base, path)) != BH_OK)
            goto fail;
        if (!alone && (rc = version_refused(&st->base, st->r.hdr, 0)) != BH_OK)
            goto fail;
        if (alone && (rc = region_reopen(&st->r)) != BH_OK)
            goto fail;
    }
    /* From here on this process is one of the users. */
    if (ofd_lock(fd, F_RDLCK, 1, 1) < 0 || ofd_lock(fd, F_UNLCK, 0, 0) < 0) {
        rc = bh_store_fail(&st->base, BH_EIO, "lock %s: %s", path, strerror(errno));
        goto fail;
    }
    st->fd = fd;
    return BH_OK;
fail:
    if (base != MAP_FAILED)
        munmap(base, st->r.size ? st->r.size : capacity);
    st->r.base = NULL;
    st->r.size = 0;
    close(fd);
    return rc;
}

/*
 * Maps the region of a store: an anonymous shared mapping (path NULL), or
 * the file at path, created if missing. Pages are touched only when used,
 * so a large capacity costs address space, not memory.
 */
int bh_region_open(struct bh_emb *st, const char *path, size_t capacity)
{
    void *base;

    st->fd = -1;
    if (path && st->r.readonly)
        return open_file_readonly(st, path);
    if (path)
        return open_file(st, path, capacity);
    base = mmap(NULL, capacity, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return bh_store_fail(&st->base, BH_EIO, "mmap: %s", strerror(errno));
    return region_format(base, capacity, &st->r);
}

void bh_region_close(struct bh_emb *st)
{
    if (st->r.base)
        munmap(st->r.base, st->r.size);
    if (st->fd >= 0)
        close(st->fd);
    st->r.base = NULL;
    st->r.size = 0;
    st->fd = -1;
}
