/*
 * Store URLs: a redis://, redis+unix:// or redis+sentinel:// URL is parsed
 * (host, port, socket, sentinels, db, user, password, query parameters)
 * without connecting; other bytes are parsed with the redis:// prefix
 * added, so the mutations need not keep it. A file: URL
 * is opened for real, inside a directory of its own (paths with ".." or a
 * leading "/" are kept inside it), and anything it made is removed; mem:
 * and unknown schemes go through bh_store_open.
 */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bothive/store.h"
#include "fuzz.h"
#include "redis/redis.h"

static char bh_fuzz_dir[256];

static void bh_fuzz_rmdir(void)
{
    rmdir(bh_fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    snprintf(bh_fuzz_dir, sizeof bh_fuzz_dir, "%s/bh-fuzz-url-%ld", tmp, (long)getpid());
    if (mkdir(bh_fuzz_dir, 0700) != 0)
        abort();
    atexit(bh_fuzz_rmdir);
    return 0;
}

static void parse_redis(const char *url)
{
    struct bh_redis_conf c;

    if (bh_redis_conf_parse(url, &c) != BH_OK)
        return;
    /* Exactly one way to reach the server. */
    BH_FUZZ_ASSERT((c.host != NULL) + (c.socket != NULL) + (c.service != NULL) == 1);
    BH_FUZZ_ASSERT(!c.service == !c.nsentinels && c.nsentinels <= BH_REDIS_SENTINELS_MAX);
    BH_FUZZ_ASSERT(c.prefix != NULL);
    BH_FUZZ_ASSERT(c.port >= 0 && c.port <= 65535 && c.db >= 0);
    BH_FUZZ_ASSERT(c.lease_ms > 0 && c.timeout_ms >= 0 && c.connect_timeout_ms >= 0);
    for (size_t i = 0; i < c.nsentinels; i++)
        BH_FUZZ_ASSERT(c.sentinels[i].host[0] && c.sentinels[i].port > 0 &&
                       c.sentinels[i].port <= 65535);
    if (c.host)
        (void)strlen(c.host);
    if (c.socket)
        BH_FUZZ_ASSERT(c.socket[0] == '/');
    if (c.service)
        BH_FUZZ_ASSERT(c.service[0] != 0);
    if (c.user)
        (void)strlen(c.user);
    if (c.password)
        (void)strlen(c.password);
    bh_redis_conf_free(&c);
}

/* Empties the sandbox: a file: URL may have created a store in it. */
static void clean_dir(void)
{
    DIR *d = opendir(bh_fuzz_dir);
    struct dirent *de;
    char path[600];

    if (!d)
        return;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", bh_fuzz_dir, de->d_name);
            unlink(path);
        }
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = bh_fuzz_cstr(data, size);
    bh_store *st = NULL;

    if (!url || size > 4096) {
        free(url);
        return 0;
    }
    if (!strncmp(url, BH_REDIS_SCHEME, strlen(BH_REDIS_SCHEME)) ||
        !strncmp(url, BH_REDIS_UNIX_SCHEME, strlen(BH_REDIS_UNIX_SCHEME)) ||
        !strncmp(url, BH_REDIS_SENTINEL_SCHEME, strlen(BH_REDIS_SENTINEL_SCHEME))) {
        parse_redis(url);
    } else {
        char *r = malloc(size + sizeof BH_REDIS_SCHEME);
        BH_FUZZ_ASSERT(r != NULL);
        memcpy(r, BH_REDIS_SCHEME, sizeof BH_REDIS_SCHEME - 1);
        memcpy(r + sizeof BH_REDIS_SCHEME - 1, url, size + 1);
        parse_redis(r);
        free(r);
    }
    if (!strncmp(url, "file:", 5)) {
        /* Inside the sandbox, in one level: no '/' (and so no ".."). */
        char *path = url + 5, full[4500];
        for (char *p = path; *p; p++)
            if (*p == '/')
                *p = '_';
        snprintf(full, sizeof full, "file:%s/%s", bh_fuzz_dir, path);
        bh_store_options opt = {.capacity = BH_CAPACITY_MIN};
        if (bh_store_open(&st, full, &opt) == BH_OK) {
            BH_FUZZ_ASSERT(bh_store_check(st) == BH_OK);
            bh_store_close(st);
        }
        bh_store_options ro = {.flags = BH_STORE_READONLY};
        if (bh_store_open(&st, full, &ro) == BH_OK)
            bh_store_close(st);
        clean_dir();
    } else if (strncmp(url, BH_REDIS_SCHEME, strlen(BH_REDIS_SCHEME)) && strncmp(url, "redis", 5)) {
        /* mem: and the rest: never a network connection. */
        bh_store_options opt = {.capacity = BH_CAPACITY_MIN};
        if (bh_store_open(&st, url, &opt) == BH_OK)
            bh_store_close(st);
    }
    free(url);
    return 0;
}
