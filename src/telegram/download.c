/*
 * Files down: getFile, then the bytes from <base>/file/bot<token>/<path>
 * (or, with a local Bot API server, from the absolute path it answers), to
 * a buffer or to a file on disk.
 *
 * A download to disk goes to a temporary file beside the destination,
 * renamed over it only once complete: a failure (network, size cap, full
 * disk) leaves nothing behind. The URL holds the token, so it is never
 * logged and no error names it; errors name the file_path instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/grow.h"
#include "bothive/log.h"
#include "telegram/tg.h"

/* Where the bytes go: a file descriptor, or a growing buffer. */
typedef struct bh_sink {
    int fd;           /* -1: the buffer */
    char *buf;
    size_t len, cap;
    int64_t max;
    int too_big, io_error;
} bh_sink;

/* Appends n bytes to the sink; returns 0, or -1 (too big, I/O, memory). */
static int sink_put(bh_sink *s, const char *p, size_t n)
{
    if ((int64_t)(s->len + n) > s->max) {
        s->too_big = 1;
        return -1;
    }
    if (s->fd >= 0) {
        for (size_t off = 0; off < n;) {
            ssize_t w = write(s->fd, p + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                s->io_error = 1;
                return -1;
            }
            off += (size_t)w;
        }
        s->len += n;
        return 0;
    }
    char *b = bh_grow(s->buf, &s->cap, s->len + n + 1, 1, 65536);
    if (!b)
        return -1;
    s->buf = b;
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return 0;
}

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    return sink_put(arg, ptr, size * nmemb) == 0 ? size * nmemb : 0;
}

/* A local Bot API server's file: read from the disk. */
static int fetch_local(bh_client *c, const char *path, bh_sink *s)
{
    char buf[65536];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = BH_OK;
    if (fd < 0) {
        bh_client_describe(c, "download: cannot read %s: %s", path, strerror(errno));
        return BH_EIO;
    }
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || sink_put(s, buf, (size_t)n) != 0) {
            rc = s->too_big ? BH_ETOOBIG : n < 0 || s->io_error ? BH_EIO : BH_ENOMEM;
            break;
        }
    }
    close(fd);
    if (rc == BH_ETOOBIG)
        bh_client_describe(c, "download: %s is larger than %lld bytes", path, (long long)s->max);
    return rc;
}

/* Puts the handle back as the JSON calls expect it. */
static void restore_handle(bh_client *c)
{
    curl_easy_setopt(c->curl, CURLOPT_FAILONERROR, 0L);
    curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0);
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    bh_tg_restore_writer(c);
}

/* Maps the end of a download transfer to an error code, described. */
static int fetch_result(bh_client *c, const char *path, CURLcode cc, const bh_sink *s)
{
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    c->err.http_status = (int)status;
    if (cc == CURLE_OK)
        return BH_OK;
    if (s->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        bh_client_describe(c, "download of %s: larger than %lld bytes", path, (long long)s->max);
        return BH_ETOOBIG;
    }
    if (cc == CURLE_HTTP_RETURNED_ERROR) {
        c->err.error_code = (int)status;
        bh_client_describe(c, "download of %s: HTTP %ld", path, status);
        return BH_EAPI;
    }
    if (cc == CURLE_WRITE_ERROR) {
        bh_client_describe(c, "download of %s: cannot write", path);
        return s->io_error ? BH_EIO : BH_ENOMEM;
    }
    if (cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_ABORTED_BY_CALLBACK) {
        bh_client_describe(c, "download of %s: %s", path,
                           cc == CURLE_OPERATION_TIMEDOUT ? "timed out" : "cancelled");
        return cc == CURLE_OPERATION_TIMEDOUT ? BH_ETIMEDOUT : BH_EINTR;
    }
    bh_client_describe(c, "download of %s: network error: %s", path, curl_easy_strerror(cc));
    return BH_ENET;
}

/* The bytes of file_path into s, over HTTP or from the local disk. */
static int fetch(bh_client *c, const char *path, bh_sink *s)
{
    char *url;
    CURLcode cc;
    memset(&c->err, 0, sizeof c->err);
    if (path[0] == '/')
        return fetch_local(c, path, s);
    if (asprintf(&url, "%s%s", c->file_prefix, path) < 0)
        return BH_ENOMEM;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c->curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->opt.timeout_ms + (long)(s->max >> 10));
    cc = curl_easy_perform(c->curl);
    restore_handle(c);
    explicit_bzero(url, strlen(url));
    free(url);
    return fetch_result(c, path, cc, s);
}

/* Checks the arguments every download takes. */
static int download_begin(bh_client *c, const char *path, int64_t *max)
{
    if (!c || !path || !*path)
        return BH_EINVAL;
    if (bh_client_usable(c) != BH_OK)
        return BH_EINVAL;
    if (*max <= 0)
        *max = BH_DOWNLOAD_MAX;
    return BH_OK;
}

int bh_client_download_buffer(bh_client *c, const char *file_path, int64_t max_bytes,
                              char **data, size_t *len)
{
    bh_sink s = {.fd = -1, .max = max_bytes};
    int rc;
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    if (!data || !len)
        return BH_EINVAL;
    if ((rc = download_begin(c, file_path, &s.max)) != BH_OK)
        return rc;
    if ((rc = fetch(c, file_path, &s)) != BH_OK) {
        free(s.buf);
        return rc;
    }
    if (!s.buf && !(s.buf = calloc(1, 1)))
        return BH_ENOMEM;
    *data = s.buf;
    *len = s.len;
    return BH_OK;
}

int bh_client_download(bh_client *c, const char *file_path, const char *dest, int64_t max_bytes)
{
    bh_sink s = {.max = max_bytes};
    char *tmp;
    int rc;
    if (!dest || !*dest)
        return BH_EINVAL;
    if ((rc = download_begin(c, file_path, &s.max)) != BH_OK)
        return rc;
    if (asprintf(&tmp, "%s.partXXXXXX", dest) < 0)
        return BH_ENOMEM;
    if ((s.fd = mkstemp(tmp)) < 0) {
        bh_client_describe(c, "download: cannot create a file beside %s: %s", dest, strerror(errno));
        free(tmp);
        return BH_EIO;
    }
    rc = fetch(c, file_path, &s);
    if (close(s.fd) != 0 && rc == BH_OK)
        rc = BH_EIO;
    if (rc == BH_OK && rename(tmp, dest) != 0) {
        bh_client_describe(c, "download: cannot rename to %s: %s", dest, strerror(errno));
        rc = BH_EIO;
    }
    if (rc != BH_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* Copies the string member key of obj into out (size n), "" if absent. */
static void copy_str(json_object *obj, const char *key, char *out, size_t n)
{
    const char *v = bh_tg_get_str(obj, key);
    snprintf(out, n, "%s", v ? v : "");
}

int bh_client_get_file(bh_client *c, const char *file_id, bh_file_info *out)
{
    json_object *params, *res = NULL;
    int rc;
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || !file_id || !*file_id || !out)
        return BH_EINVAL;
    if (!(params = json_object_new_object()))
        return BH_ENOMEM;
    json_object_object_add(params, "file_id", json_object_new_string(file_id));
    rc = bh_client_call_json(c, "getFile", params, &res);
    json_object_put(params);
    if (rc != BH_OK)
        return rc;
    if (!bh_tg_get_str(res, "file_id")) {
        json_object_put(res);
        return BH_EPROTO;
    }
    copy_str(res, "file_id", out->file_id, sizeof out->file_id);
    copy_str(res, "file_unique_id", out->file_unique_id, sizeof out->file_unique_id);
    copy_str(res, "file_path", out->file_path, sizeof out->file_path);
    bh_tg_get_int64(res, "file_size", &out->file_size);
    json_object_put(res);
    return BH_OK;
}

int bh_client_download_file(bh_client *c, const char *file_id, const char *dest,
                            int64_t max_bytes)
{
    bh_file_info fi;
    int64_t max = max_bytes > 0 ? max_bytes : BH_DOWNLOAD_MAX;
    int rc = bh_client_get_file(c, file_id, &fi);
    if (rc != BH_OK)
        return rc;
    if (!fi.file_path[0]) {
        bh_client_describe(c, "getFile: no file_path for %s", file_id);
        return BH_EPROTO;
    }
    if (fi.file_size > max) {
        bh_client_describe(c, "download of %s: %lld bytes, above %lld", fi.file_path,
                           (long long)fi.file_size, (long long)max);
        return BH_ETOOBIG;
    }
    return bh_client_download(c, fi.file_path, dest, max);
}
