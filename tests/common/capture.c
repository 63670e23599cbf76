#include "capture.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static int bh_saved_fd = -1;
static int bh_capture_fd = -1;

void bh_test_capture_start(void)
{
    char *path = bh_test_tmppath("stderr");
    fflush(stderr);
    bh_capture_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (bh_capture_fd < 0)
        abort();
    unlink(path);
    free(path);
    bh_saved_fd = dup(2);
    if (bh_saved_fd < 0 || dup2(bh_capture_fd, 2) < 0)
        abort();
}

char *bh_test_capture_stop(void)
{
    struct stat st;
    fflush(stderr);
    dup2(bh_saved_fd, 2);
    close(bh_saved_fd);
    if (fstat(bh_capture_fd, &st))
        abort();
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        abort();
    ssize_t n = pread(bh_capture_fd, buf, (size_t)st.st_size, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(bh_capture_fd);
    bh_capture_fd = bh_saved_fd = -1;
    return buf;
}
