/*
 * bothive shm: look inside a file: store.
 *
 *   bothive shm stats FILE
 *   bothive shm keys  FILE MEMORY
 *   bothive shm get   [--show-secrets] FILE MEMORY KEY
 *   bothive shm dump  [--show-secrets] FILE   every memory as one JSON object
 *   bothive shm check [--repair] FILE
 *
 * An inspector never creates or changes a file unless asked. Everything but
 * check opens the store read-only (BH_STORE_READONLY): it takes no lock and
 * writes nothing, so it can look at a store that a runner is using without
 * disturbing it. check validates the structure under the store's locks,
 * which needs a writable mapping, and the first writable opener of a file
 * repairs it: so check validates a private copy of the file (in memory),
 * and only check --repair opens the file itself for writing.
 *
 * Memories whose id starts with "bothive." are the framework's own; in
 * them, a key whose name contains "secret" holds key material (the bot's
 * callback key), which get and dump leave out unless --show-secrets.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "tools.h"

/* Says how to call it; returns the exit status of a usage error. */
static int usage(void)
{
    fprintf(stderr, "usage: bothive shm stats FILE\n"
                    "       bothive shm keys FILE MEMORY\n"
                    "       bothive shm get [--show-secrets] FILE MEMORY KEY\n"
                    "       bothive shm dump [--show-secrets] FILE\n"
                    "       bothive shm check [--repair] FILE\n");
    return BH_TOOL_EXIT_USAGE;
}

/* The options, which may come anywhere after the subcommand. */
typedef struct shm_flags {
    int show_secrets;
    int repair;
} shm_flags;

/* Takes the options out of argv (keeping the rest in order); -1 for an
 * unknown one. */
static int take_flags(int *argc, char **argv, shm_flags *f)
{
    int n = 0;

    for (int i = 0; i < *argc; i++) {
        if (!strcmp(argv[i], "--show-secrets"))
            f->show_secrets = 1;
        else if (!strcmp(argv[i], "--repair"))
            f->repair = 1;
        else if (i > 0 && !strncmp(argv[i], "--", 2))
            return -1;
        else
            argv[n++] = argv[i];
    }
    *argc = n;
    return 0;
}

/* Whether key of memory holds key material of the framework (see the top). */
static int is_secret(const char *memory, const char *key)
{
    return !strncmp(memory, "bothive.", 8) && strstr(key, "secret") != NULL;
}

#define SHM_HIDDEN "(a secret: --show-secrets shows it)"

static int open_store(const char *file, int readonly, bh_store **st)
{
    char *url;
    bh_store_options o = {.flags = readonly ? BH_STORE_READONLY : 0};
    int rc;

    if (asprintf(&url, "file:%s", file) < 0)
        return BH_ENOMEM;
    rc = bh_store_open(st, url, &o);
    free(url);
    if (rc != BH_OK)
        fprintf(stderr, "bothive shm: %s: %s\n", file,
                *bh_store_errmsg(NULL) ? bh_store_errmsg(NULL) : bh_strerror(rc));
    return rc;
}

static int open_memory(bh_store *st, const char *id, bh_shared **m)
{
    int rc = bh_shared_open(st, id, m);
    if (rc != BH_OK)
        fprintf(stderr, "bothive shm: memory '%s': %s\n", id,
                rc == BH_ENOTFOUND ? "no such memory" : bh_strerror(rc));
    return rc;
}

/* A value as JSON: scalars as themselves, strings as strings, JSON
 * documents embedded, bytes as {"bytes_hex": "..."}. */
static json_object *value_json(const bh_value *v)
{
    switch (v->type) {
    case BH_NIL: return NULL;
    case BH_BOOL: return json_object_new_boolean(v->u.b);
    case BH_INT: return json_object_new_int64(v->u.i);
    case BH_DOUBLE: return json_object_new_double(v->u.d);
    case BH_STR: return json_object_new_string_len(v->u.s.data, (int)v->u.s.len);
    case BH_JSON: {
        json_object *o = json_tokener_parse(v->u.s.data);
        return o ? o : json_object_new_string(v->u.s.data);
    }
    case BH_BYTES: {
        json_object *o = json_object_new_object();
        char *hex = malloc(v->u.s.len * 2 + 1);
        if (!hex)
            return o;
        for (size_t i = 0; i < v->u.s.len; i++)
            sprintf(hex + 2 * i, "%02x", ((unsigned char *)v->u.s.data)[i]);
        hex[v->u.s.len * 2] = 0;
        json_object_object_add(o, "bytes_hex", json_object_new_string(hex));
        free(hex);
        return o;
    }
    }
    return NULL;
}

/* shm stats: the store's figures, one per line. */
static int cmd_stats(bh_store *st)
{
    struct bh_store_stats s;
    int rc = bh_store_stats(st, &s);

    if (rc != BH_OK)
        return rc;
    printf("capacity    %zu\nused        %zu\nfree        %zu\nkeys        %llu\n"
           "memories    %llu\nlocks       %llu\nrecoveries  %llu\ngeneration  %llu\n",
           s.capacity, s.used, s.free, (unsigned long long)s.keys,
           (unsigned long long)s.memories, (unsigned long long)s.locks,
           (unsigned long long)s.recoveries, (unsigned long long)s.generation);
    return BH_OK;
}

/* Calls fn(m, key, arg) for every key of memory `id`, in the cursor's
 * order. Returns BH_OK, or the error that opening or walking it gave. */
static int for_each_key(bh_store *st, const char *id,
                        void (*fn)(bh_shared *m, const char *key, void *arg), void *arg)
{
    bh_shared *m;
    bh_cursor *c;
    const char *key;
    int rc;

    if ((rc = open_memory(st, id, &m)) != BH_OK)
        return rc;
    if ((rc = bh_cursor_open(m, &c)) == BH_OK) {
        while ((rc = bh_cursor_next(c, &key)) == BH_OK)
            fn(m, key, arg);
        bh_cursor_close(c);
        if (rc == BH_ENOTFOUND)
            rc = BH_OK;
    }
    bh_shared_close(m);
    return rc;
}

static void print_key(bh_shared *m, const char *key, void *arg)
{
    (void)m;
    (void)arg;
    printf("%s\n", key);
}

/* shm keys: the keys of one memory, one per line. */
static int cmd_keys(bh_store *st, const char *memory)
{
    return for_each_key(st, memory, print_key, NULL);
}

/* shm get: one value, a string as itself, anything else as JSON; a
 * secret only when asked. */
static int cmd_get(bh_store *st, const char *memory, const char *key, int show_secrets)
{
    bh_shared *m;
    bh_value v;
    int rc;

    if (!show_secrets && is_secret(memory, key)) {
        fprintf(stderr, "bothive shm: key '%s': %s\n", key, SHM_HIDDEN);
        return BH_EINVAL;
    }
    if ((rc = open_memory(st, memory, &m)) != BH_OK)
        return rc;
    rc = bh_shared_get(m, key, &v);
    if (rc == BH_OK) {
        if (v.type == BH_STR) {
            printf("%s\n", (char *)v.u.s.data);
        } else {
            json_object *o = value_json(&v);
            printf("%s\n", o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "null");
            json_object_put(o);
        }
        bh_value_free(&v);
    } else {
        fprintf(stderr, "bothive shm: key '%s': %s\n", key, bh_strerror(rc));
    }
    bh_shared_close(m);
    return rc;
}

/* Where dump_key puts what it reads. */
typedef struct dump_to {
    json_object *obj;
    const char *memory;
    int show_secrets;
} dump_to;

/* Adds key and its value (a secret's only when asked) to the JSON object. */
static void dump_key(bh_shared *m, const char *key, void *arg)
{
    dump_to *to = arg;
    bh_value v;

    if (!to->show_secrets && is_secret(to->memory, key)) {
        json_object_object_add(to->obj, key, json_object_new_string(SHM_HIDDEN));
        return;
    }
    /* a key may vanish between the listing and the read */
    if (bh_shared_get(m, key, &v) != BH_OK)
        return;
    json_object_object_add(to->obj, key, value_json(&v));
    bh_value_free(&v);
}

/* Adds every key of one memory to obj. */
static int dump_memory(bh_store *st, const char *id, json_object *obj, int show_secrets)
{
    dump_to to = {.obj = obj, .memory = id, .show_secrets = show_secrets};
    return for_each_key(st, id, dump_key, &to);
}

/* shm dump: every memory as one JSON object of its keys. */
static int cmd_dump(bh_store *st, int show_secrets)
{
    json_object *all = json_object_new_object();
    char **ids;
    size_t n;
    int rc = bh_store_memories(st, &ids, &n);

    for (size_t i = 0; rc == BH_OK && i < n; i++) {
        json_object *mem = json_object_new_object();
        json_object_object_add(all, ids[i], mem);
        rc = dump_memory(st, ids[i], mem, show_secrets);
    }
    if (rc == BH_OK)
        printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_SPACED));
    bh_store_memories_free(ids, n);
    json_object_put(all);
    return rc;
}

/* shm check: validates the store's structure (see bh_store_check). */
static int cmd_check(bh_store *st)
{
    int rc = bh_store_check(st);

    if (rc == BH_OK)
        printf("ok\n");
    else
        fprintf(stderr, "bothive shm: check failed: %s\n",
                bh_store_errmsg(st)[0] ? bh_store_errmsg(st) : bh_strerror(rc));
    return rc;
}

/* Copies bytes [off, end) of in to the same place in out; 0 or -1. */
static int copy_range(int in, int out, off_t off, off_t end)
{
    char buf[1 << 16];
    ssize_t n;

    for (; off < end; off += n) {
        size_t want = end - off < (off_t)sizeof buf ? (size_t)(end - off) : sizeof buf;
        if ((n = pread(in, buf, want, off)) <= 0 || pwrite(out, buf, (size_t)n, off) != n)
            return -1;
    }
    return 0;
}

/* Copies file into a new memory-only file, holes kept as holes (a store is
 * mostly untouched pages); the copy's descriptor, or -1 (said why). */
static int copy_to_memory(const char *file)
{
    int in = open(file, O_RDONLY | O_CLOEXEC), out = memfd_create("bothive-shm-check", MFD_CLOEXEC);
    off_t size = in >= 0 ? lseek(in, 0, SEEK_END) : -1, off = 0, end;

    if (in < 0 || out < 0 || size < 0 || ftruncate(out, size) < 0)
        goto fail;
    while ((off = lseek(in, off, SEEK_DATA)) >= 0) {
        if ((end = lseek(in, off, SEEK_HOLE)) < 0 || copy_range(in, out, off, end) < 0)
            goto fail;
        off = end;
    }
    if (errno != ENXIO) /* ENXIO: no data past off */
        goto fail;
    close(in);
    return out;
fail:
    fprintf(stderr, "bothive shm: %s: cannot copy it to check: %s\n", file, strerror(errno));
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return -1;
}

/* shm check without --repair: the file must be a store (opened read-only
 * first, so that a missing or empty file is refused and left as it is);
 * its private copy is opened for writing and checked. The file itself is
 * never written to. */
static int cmd_check_copy(const char *file)
{
    struct bh_store_stats before = {0}, after = {0};
    char path[64];
    bh_store *st;
    int fd, rc;

    if (open_store(file, 1, &st) != BH_OK)
        return BH_ENOTSTORE;
    bh_store_stats(st, &before);
    bh_store_close(st);
    if ((fd = copy_to_memory(file)) < 0)
        return BH_EIO;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if ((rc = open_store(path, 0, &st)) == BH_OK) {
        /* Opening the copy repaired it: what that had to drop or repair
         * is damage of the file, which a check of the copy alone would
         * not see. */
        if (bh_store_stats(st, &after) == BH_OK && after.recoveries > before.recoveries) {
            fprintf(stderr, "bothive shm: check failed: %s is damaged: opening it repairs "
                    "%llu structures (see the log; check --repair does it)\n", file,
                    (unsigned long long)(after.recoveries - before.recoveries));
            rc = BH_ECORRUPT;
        } else {
            rc = cmd_check(st);
        }
        bh_store_close(st);
    }
    close(fd);
    return rc;
}

/* Whether argv (options taken out) is a whole call of a subcommand. */
static int well_formed(int argc, char **argv)
{
    const char *cmd = argv[1];

    return (!strcmp(cmd, "stats") && argc == 3) || (!strcmp(cmd, "keys") && argc == 4) ||
           (!strcmp(cmd, "get") && argc == 5) || (!strcmp(cmd, "dump") && argc == 3) ||
           (!strcmp(cmd, "check") && argc == 3);
}

/* Runs a subcommand on the store st, open as it needs. */
static int run_on(bh_store *st, char **argv, const shm_flags *f)
{
    const char *cmd = argv[1];

    if (!strcmp(cmd, "stats"))
        return cmd_stats(st);
    if (!strcmp(cmd, "keys"))
        return cmd_keys(st, argv[3]);
    if (!strcmp(cmd, "get"))
        return cmd_get(st, argv[3], argv[4], f->show_secrets);
    if (!strcmp(cmd, "dump"))
        return cmd_dump(st, f->show_secrets);
    return cmd_check(st);
}

int bh_tool_shm(int argc, char **argv)
{
    shm_flags f = {0};
    bh_store *st;
    int rc, check;

    if (take_flags(&argc, argv, &f) < 0 || argc < 3 || !well_formed(argc, argv))
        return usage();
    check = !strcmp(argv[1], "check");
    if ((f.repair && !check) || (f.show_secrets && strcmp(argv[1], "get") && strcmp(argv[1], "dump")))
        return usage();
    if (check && !f.repair) {
        rc = cmd_check_copy(argv[2]);
    } else {
        if (open_store(argv[2], !check, &st) != BH_OK)
            return BH_TOOL_EXIT_FAILURE;
        rc = run_on(st, argv, &f);
        bh_store_close(st);
    }
    return rc == BH_OK ? BH_TOOL_EXIT_OK : BH_TOOL_EXIT_FAILURE;
}
