/*
 * bothive shm: look inside a file: store.
 *
 *   bothive shm stats FILE
 *   bothive shm keys  FILE MEMORY
 *   bothive shm get   FILE MEMORY KEY
 *   bothive shm dump  FILE            every memory as one JSON object
 *   bothive shm check FILE
 *
 * Everything but check opens the store read-only (BH_STORE_READONLY): it
 * takes no lock and writes nothing, so it can look at a store that a runner
 * is using without disturbing it. check validates the structure under the
 * store's locks, one at a time, so it opens the file for writing (it changes
 * no data; like any first opener, it repairs a store nobody else has open).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/bothive.h"
#include "tools.h"

/* Says how to call it; returns the exit status of a usage error. */
static int usage(void)
{
    fprintf(stderr, "usage: bothive shm stats FILE\n"
                    "       bothive shm keys FILE MEMORY\n"
                    "       bothive shm get FILE MEMORY KEY\n"
                    "       bothive shm dump FILE\n"
                    "       bothive shm check FILE\n");
    return BH_TOOL_EXIT_USAGE;
}

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

/* shm get: one value, a string as itself, anything else as JSON. */
static int cmd_get(bh_store *st, const char *memory, const char *key)
{
    bh_shared *m;
    bh_value v;
    int rc;

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

/* Adds key and its value to the JSON object arg. */
static void dump_key(bh_shared *m, const char *key, void *arg)
{
    bh_value v;
    /* a key may vanish between the listing and the read */
    if (bh_shared_get(m, key, &v) != BH_OK)
        return;
    json_object_object_add(arg, key, value_json(&v));
    bh_value_free(&v);
}

/* Adds every key of one memory to obj. */
static int dump_memory(bh_store *st, const char *id, json_object *obj)
{
    return for_each_key(st, id, dump_key, obj);
}

/* shm dump: every memory as one JSON object of its keys. */
static int cmd_dump(bh_store *st)
{
    json_object *all = json_object_new_object();
    char **ids;
    size_t n;
    int rc = bh_store_memories(st, &ids, &n);

    for (size_t i = 0; rc == BH_OK && i < n; i++) {
        json_object *mem = json_object_new_object();
        json_object_object_add(all, ids[i], mem);
        rc = dump_memory(st, ids[i], mem);
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

int bh_tool_shm(int argc, char **argv)
{
    bh_store *st;
    const char *cmd;
    int rc;

    if (argc < 3)
        return usage();
    cmd = argv[1];
    if (!((!strcmp(cmd, "stats") && argc == 3) || (!strcmp(cmd, "keys") && argc == 4) ||
          (!strcmp(cmd, "get") && argc == 5) || (!strcmp(cmd, "dump") && argc == 3) ||
          (!strcmp(cmd, "check") && argc == 3)))
        return usage();
    if (open_store(argv[2], strcmp(cmd, "check") != 0, &st) != BH_OK)
        return BH_TOOL_EXIT_FAILURE;
    if (!strcmp(cmd, "stats"))
        rc = cmd_stats(st);
    else if (!strcmp(cmd, "keys"))
        rc = cmd_keys(st, argv[3]);
    else if (!strcmp(cmd, "get"))
        rc = cmd_get(st, argv[3], argv[4]);
    else if (!strcmp(cmd, "dump"))
        rc = cmd_dump(st);
    else
        rc = cmd_check(st);
    bh_store_close(st);
    return rc == BH_OK ? BH_TOOL_EXIT_OK : BH_TOOL_EXIT_FAILURE;
}
