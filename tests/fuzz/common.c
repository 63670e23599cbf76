/* The helpers of fuzz.h that are not inline. */
#include <stdio.h>

#include "bothive/log.h"
#include "fuzz.h"

void bh_fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
    abort();
}

static void bh_fuzz_drop_log(int level, const char *msg, void *arg)
{
    (void)level;
    (void)msg;
    (void)arg;
}

void bh_fuzz_quiet(void)
{
    bh_log_set_handler(bh_fuzz_drop_log, NULL);
}

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_file_io.h"

int bh_fuzz_write_store(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), err;
    size_t done = 0;

    if (fd < 0)
        return -1;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        done += (size_t)n;
    }
    if (size < BH_FUZZ_STORE_SIZE && ftruncate(fd, (off_t)BH_FUZZ_STORE_SIZE) != 0)
        goto fail;
    return close(fd);
fail:
    err = errno;
    close(fd);
    errno = err;
    return -1;
}

uint8_t *bh_fuzz_read_stripped(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *buf = NULL;
    size_t done = 0;

    if (fd < 0 || fstat(fd, &st) != 0 || !(buf = malloc((size_t)st.st_size + 1)))
        goto fail;
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
        if (n <= 0)
            goto fail;
        done += (size_t)n;
    }
    close(fd);
    while (done && !buf[done - 1])
        done--;
    *len = done;
    return buf;
fail:
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}
