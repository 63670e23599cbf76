/*
 * The log of several hosts as Redis Streams (hosts.h): one stream per
 * partition, entry id "UPDATE_ID-0", so that the stream's own order is the
 * updates' and an update can enter it once only; one consumer group, one
 * consumer per host. Each step is a script fenced by the caller's lease.
 *
 * Commands carry at most BH_REDIS_ARGV_MAX strings, so long batches go in
 * chunks; each chunk is whole in itself (the offset moves with the last
 * entry of a chunk put).
 *
 * Names: bh_rhosts_* (the Redis side of bh_hosts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "bothive/error.h"
#include "hosts.h"

/* Entries per put, wants per read: within the bound of strings per
 * command (acknowledged ids go joined in one string). */
#define BH_RHOSTS_PUT_CHUNK 14
#define BH_RHOSTS_READ_CHUNK 11 /* 5 strings each, beside EVAL's 3 and 2 */
/* Entries moved per XAUTOCLAIM step. */
#define BH_RHOSTS_CLAIM_STEP 100

/* KEYS: intake lease, offset, then each entry's stream; ARGV: token, next,
 * then id, json per entry. The count put, or -1 when not the holder. */
static const char bh_rhosts_lua_put[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
    "local n = 0\n"
    "for i = 3, #KEYS do\n"
    "  local id = tonumber(ARGV[2 * i - 3])\n"
    "  if id >= nxt then\n"
    "    redis.call('XADD', KEYS[i], id .. '-0', 'u', ARGV[2 * i - 2])\n"
    "    nxt = id + 1\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "if tonumber(ARGV[2]) > nxt then nxt = tonumber(ARGV[2]) end\n"
    "redis.call('SET', KEYS[2], nxt)\n"
    "return n\n";

/* KEYS: lease, stream; ARGV: token, host, start. {next start, moved}, or
 * -1 when not the holder. */
static const char bh_rhosts_lua_claim[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "local r = redis.call('XAUTOCLAIM', KEYS[2], 'g', ARGV[2], 0, ARGV[3], 'COUNT', 100,"
    " 'JUSTID')\n"
    "return {r[1], #r[2]}\n";

/* KEYS: lease, stream per want; ARGV: host, count, then token, start
 * ("" to read nothing), acks (ids joined by commas) per want. Per want: -1
 * (not the holder), or {id, json, id, json...}. */
static const char bh_rhosts_lua_read[] =
    "local out = {}\n"
    "for i = 1, #KEYS / 2 do\n"
    "  if redis.call('GET', KEYS[2 * i - 1]) ~= ARGV[3 * i] then out[i] = -1\n"
    "  else\n"
    "    local acks = {}\n"
    "    for id in string.gmatch(ARGV[3 * i + 2], '[^,]+') do acks[#acks + 1] = id end\n"
    "    if #acks > 0 then\n"
    "      redis.call('XACK', KEYS[2 * i], 'g', unpack(acks))\n"
    "      redis.call('XDEL', KEYS[2 * i], unpack(acks))\n"
    "    end\n"
    "    local flat = {}\n"
    "    if ARGV[3 * i + 1] == '>' then\n"
    "      local r = redis.call('XREADGROUP', 'GROUP', 'g', ARGV[1], 'COUNT', ARGV[2],"
    " 'STREAMS', KEYS[2 * i], '>')\n"
    "      if r then\n"
    "        for _, e in ipairs(r[1][2]) do\n"
    "          flat[#flat + 1] = e[1]\n"
    "          flat[#flat + 1] = e[2] and e[2][2] or ''\n"
    "        end\n"
    "      end\n"
    /* A pending entry read again is not delivered again: XPENDING and
     * XRANGE leave its delivery count alone, so that the count is one
     * plus the crashes bh_hosts_crash recorded (XREADGROUP would add one
     * per rewind). */
    "    elseif ARGV[3 * i + 1] ~= '' then\n"
    "      local pend = redis.call('XPENDING', KEYS[2 * i], 'g', '(' .. ARGV[3 * i + 1],"
    " '+', ARGV[2], ARGV[1])\n"
    "      for _, pe in ipairs(pend) do\n"
    "        local r = redis.call('XRANGE', KEYS[2 * i], pe[1], pe[1])\n"
    "        flat[#flat + 1] = pe[1]\n"
    "        flat[#flat + 1] = r[1] and r[1][2][2] or ''\n"
    "      end\n"
    "    end\n"
    "    out[i] = flat\n"
    "  end\n"
    "end\n"
    "return out\n";

/* KEYS: lease, stream; ARGV: token, ids joined by commas. The count, or
 * -1. */
static const char bh_rhosts_lua_ack[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "local ids = {}\n"
    "for id in string.gmatch(ARGV[2], '[^,]+') do ids[#ids + 1] = id end\n"
    "redis.call('XACK', KEYS[2], 'g', unpack(ids))\n"
    "redis.call('XDEL', KEYS[2], unpack(ids))\n"
    "return #ids\n";

/* "N-0" of an update id. */
static void bh_rhosts_entry_id(int64_t id, char *buf, size_t len)
{
    snprintf(buf, len, "%lld-0", (long long)id);
}

/* The entry ids of ids joined by commas, malloc'd ("" for none). */
static char *bh_rhosts_id_list(const int64_t *ids, size_t n)
{
    char *s = malloc(n * 24 + 1), *p = s;

    if (!s)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%lld-0", i ? "," : "", (long long)ids[i]);
    return s;
}

int bh_rhosts_groups(struct bh_redis_hosts *h, int parts)
{
    int rc = BH_OK;

    for (int p = 0; p < parts && rc == BH_OK; p++) {
        struct bh_redis_argv a = {0};
        redisReply *rep;
        bh_redis_argv_str(&a, "XGROUP");
        bh_redis_argv_str(&a, "CREATE");
        bh_rhosts_key(h, &a, "s:%d", p);
        bh_redis_argv_str(&a, BH_RHOSTS_GROUP);
        bh_redis_argv_str(&a, "0");
        bh_redis_argv_str(&a, "MKSTREAM");
        rc = bh_redis_cmd_run(h->r, 1, &rep, &a);
        bh_redis_argv_free(&a);
        if (rc != BH_OK)
            break;
        /* BUSYGROUP: another host made it first. */
        if (rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "BUSYGROUP", 9))
            rc = bh_redis_reply_fail(h->r, rep);
        freeReplyObject(rep);
    }
    return rc;
}

/* One chunk of a put (n <= BH_RHOSTS_PUT_CHUNK). */
static int bh_rhosts_put_chunk(struct bh_redis_hosts *h, const char *tok,
                               const bh_hosts_entry *e, size_t n, int64_t next)
{
    struct bh_redis_argv a = {0};
    long long put = 0;
    int rc;

    bh_rhosts_key(h, &a, "lease:intake");
    bh_rhosts_key(h, &a, "offset");
    for (size_t i = 0; i < n; i++)
        bh_rhosts_key(h, &a, "s:%d", e[i].part);
    bh_redis_argv_str(&a, tok);
    bh_redis_argv_int(&a, (long long)next);
    for (size_t i = 0; i < n; i++) {
        bh_redis_argv_int(&a, (long long)e[i].update_id);
        bh_redis_argv_add(&a, e[i].json, e[i].len);
    }
    /* Idempotent: a repeat drops what the first run put. */
    rc = bh_rhosts_eval_int(h, bh_rhosts_lua_put, 1, 2 + (int)n, &a, &put);
    bh_redis_argv_free(&a);
    if (rc == BH_OK && put < 0)
        rc = BH_ENOTOWNER;
    return rc;
}

int bh_rhosts_put(bh_hosts *hh, uint64_t epoch, const bh_hosts_entry *e, size_t n, int64_t next)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    char tok[BH_RHOSTS_TOKEN_MAX];
    int rc = BH_OK;

    bh_rhosts_token(h, epoch, tok, sizeof tok);
    for (size_t i = 0; i < n && rc == BH_OK; i += BH_RHOSTS_PUT_CHUNK) {
        size_t k = n - i < BH_RHOSTS_PUT_CHUNK ? n - i : BH_RHOSTS_PUT_CHUNK;
        rc = bh_rhosts_put_chunk(h, tok, e + i, k, i + k == n ? next : 0);
    }
    if (rc == BH_OK && n == 0)
        rc = bh_rhosts_put_chunk(h, tok, NULL, 0, next);
    return rc;
}

/* One XAUTOCLAIM step from start (updated to the next one). */
static int bh_rhosts_claim_step(struct bh_redis_hosts *h, int part, const char *tok,
                                char *start, size_t len, size_t *moved)
{
    struct bh_redis_argv a = {0};
    redisReply *rep;
    int rc;

    bh_rhosts_key(h, &a, "lease:p%d", part);
    bh_rhosts_key(h, &a, "s:%d", part);
    bh_redis_argv_str(&a, tok);
    bh_redis_argv_str(&a, h->host);
    bh_redis_argv_str(&a, start);
    rc = bh_rhosts_eval(h, bh_rhosts_lua_claim, 1, 2, &a, &rep);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    if (rep->type == REDIS_REPLY_INTEGER) {
        rc = BH_ENOTOWNER;
    } else if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
               rep->element[0]->type == REDIS_REPLY_STRING &&
               rep->element[1]->type == REDIS_REPLY_INTEGER) {
        snprintf(start, len, "%s", rep->element[0]->str);
        *moved += (size_t)rep->element[1]->integer;
    } else {
        rc = BH_EPROTO;
    }
    freeReplyObject(rep);
    return rc;
}

int bh_rhosts_claim(bh_hosts *hh, int part, uint64_t epoch, size_t *moved)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    char tok[BH_RHOSTS_TOKEN_MAX], start[48] = "0-0";
    int rc;

    *moved = 0;
    bh_rhosts_token(h, epoch, tok, sizeof tok);
    do
        rc = bh_rhosts_claim_step(h, part, tok, start, sizeof start, moved);
    while (rc == BH_OK && strcmp(start, "0-0"));
    return rc;
}

/* Appends the entries of one want's answer (id, json pairs) to *out. */
static int bh_rhosts_read_take(const redisReply *r, int part, bh_hosts_entry **out, size_t *n,
                               size_t *cap)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *id = r->element[i], *js = r->element[i + 1];
        if (id->type != REDIS_REPLY_STRING || js->type != REDIS_REPLY_STRING)
            return BH_EPROTO;
        if (js->len == 0)
            continue; /* deleted: acknowledged already */
        bh_hosts_entry *ne = bh_grow(*out, cap, *n + 1, sizeof *ne, 64);
        if (!ne)
            return BH_ENOMEM;
        *out = ne;
        bh_hosts_entry *e = &(*out)[*n];
        if (!(e->json = malloc(js->len + 1)))
            return BH_ENOMEM;
        memcpy(e->json, js->str, js->len + 1);
        e->len = js->len;
        e->part = part;
        e->update_id = strtoll(id->str, NULL, 10);
        (*n)++;
    }
    return BH_OK;
}

/* One chunk of a read (nw <= BH_RHOSTS_READ_CHUNK). */
static int bh_rhosts_read_chunk(struct bh_redis_hosts *h, const bh_hosts_want *w, size_t nw,
                                size_t count, int *status, bh_hosts_entry **out, size_t *n,
                                size_t *cap)
{
    struct bh_redis_argv a = {0};
    char tok[BH_RHOSTS_TOKEN_MAX], start[48];
    redisReply *rep;
    int rc;

    for (size_t i = 0; i < nw; i++) {
        bh_rhosts_key(h, &a, "lease:p%d", w[i].part);
        bh_rhosts_key(h, &a, "s:%d", w[i].part);
    }
    bh_redis_argv_str(&a, h->host);
    bh_redis_argv_int(&a, (long long)(count ? count : 1));
    for (size_t i = 0; i < nw; i++) {
        bh_rhosts_token(h, w[i].epoch, tok, sizeof tok);
        bh_redis_argv_own(&a, strdup(tok), strlen(tok));
        if (w[i].after == BH_HOSTS_ACK_ONLY)
            start[0] = '\0';
        else if (w[i].after < 0)
            snprintf(start, sizeof start, ">");
        else
            bh_rhosts_entry_id(w[i].after, start, sizeof start);
        bh_redis_argv_own(&a, strdup(start), strlen(start));
        char *acks = bh_rhosts_id_list(w[i].acks, w[i].nacks);
        bh_redis_argv_own(&a, acks, acks ? strlen(acks) : 0);
    }
    rc = bh_rhosts_eval(h, bh_rhosts_lua_read, 0, 2 * (int)nw, &a, &rep);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != nw)
        rc = BH_EPROTO;
    for (size_t i = 0; rc == BH_OK && i < nw; i++) {
        const redisReply *r = rep->element[i];
        status[i] = r->type == REDIS_REPLY_ARRAY ? BH_HOSTS_READ_OK : BH_HOSTS_READ_LOST;
        if (r->type == REDIS_REPLY_ARRAY)
            rc = bh_rhosts_read_take(r, w[i].part, out, n, cap);
    }
    freeReplyObject(rep);
    return rc;
}

int bh_rhosts_read(bh_hosts *hh, const bh_hosts_want *w, size_t nw, size_t count, int *status,
                   bh_hosts_entry **out, size_t *nout)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    size_t cap = 0;
    int rc = BH_OK;

    for (size_t i = 0; i < nw && rc == BH_OK; i += BH_RHOSTS_READ_CHUNK) {
        size_t k = nw - i < BH_RHOSTS_READ_CHUNK ? nw - i : BH_RHOSTS_READ_CHUNK;
        rc = bh_rhosts_read_chunk(h, w + i, k, count, status + i, out, nout, &cap);
    }
    if (rc != BH_OK) {
        bh_hosts_entries_free(*out, *nout);
        *out = NULL;
        *nout = 0;
    }
    return rc;
}

int bh_rhosts_ack(bh_hosts *hh, int part, uint64_t epoch, const int64_t *ids, size_t n)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    char tok[BH_RHOSTS_TOKEN_MAX], *list = bh_rhosts_id_list(ids, n);
    long long done = 0;
    int rc;

    bh_rhosts_token(h, epoch, tok, sizeof tok);
    bh_rhosts_key(h, &a, "lease:p%d", part);
    bh_rhosts_key(h, &a, "s:%d", part);
    bh_redis_argv_str(&a, tok);
    bh_redis_argv_own(&a, list, list ? strlen(list) : 0);
    rc = bh_rhosts_eval_int(h, bh_rhosts_lua_ack, 1, 2, &a, &done);
    bh_redis_argv_free(&a);
    if (rc == BH_OK && done < 0)
        rc = BH_ENOTOWNER;
    return rc;
}

/* KEYS: lease, stream; ARGV: token, host, id. {delivery count, json} after
 * counting one more delivery (XCLAIM without JUSTID adds one), or -1 when
 * not the holder. */
static const char bh_rhosts_lua_crash[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "local r = redis.call('XCLAIM', KEYS[2], 'g', ARGV[2], 0, ARGV[3])\n"
    "local p = redis.call('XPENDING', KEYS[2], 'g', ARGV[3], ARGV[3], 1)\n"
    "if not p[1] then return {0, ''} end\n"
    "return {p[1][4], r[1] and r[1][2][2] or ''}\n";

/* The answer of the crash script into *crashes and the entry's JSON. */
static int bh_rhosts_crash_take(const redisReply *rep, int *crashes, char **json, size_t *len)
{
    if (rep->type == REDIS_REPLY_INTEGER)
        return BH_ENOTOWNER;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
        rep->element[0]->type != REDIS_REPLY_INTEGER ||
        rep->element[1]->type != REDIS_REPLY_STRING)
        return BH_EPROTO;
    /* Delivered once, then once more per crash. */
    *crashes = rep->element[0]->integer > 0 ? (int)rep->element[0]->integer - 1 : 0;
    if (!(*json = malloc(rep->element[1]->len + 1)))
        return BH_ENOMEM;
    memcpy(*json, rep->element[1]->str, rep->element[1]->len + 1);
    *len = rep->element[1]->len;
    return BH_OK;
}

int bh_rhosts_crash(bh_hosts *hh, int part, uint64_t epoch, int64_t id, int *crashes,
                    char **json, size_t *len)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    char tok[BH_RHOSTS_TOKEN_MAX], eid[32];
    redisReply *rep;
    int rc;

    bh_rhosts_token(h, epoch, tok, sizeof tok);
    bh_rhosts_entry_id(id, eid, sizeof eid);
    bh_rhosts_key(h, &a, "lease:p%d", part);
    bh_rhosts_key(h, &a, "s:%d", part);
    bh_redis_argv_str(&a, tok);
    bh_redis_argv_str(&a, h->host);
    bh_redis_argv_str(&a, eid);
    /* Not idempotent: a repeat would count the crash twice. */
    rc = bh_rhosts_eval(h, bh_rhosts_lua_crash, 0, 2, &a, &rep);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    rc = bh_rhosts_crash_take(rep, crashes, json, len);
    freeReplyObject(rep);
    return rc;
}

/*
 * A plain XREAD BLOCK over the partitions' streams (a blocking command
 * cannot run in a script, and this one changes nothing: no group, no
 * delivery), COUNT 1: it returns as soon as the intake adds an entry.
 * Sent once only: a repeat after a broken connection is the caller's
 * next turn.
 */
int bh_rhosts_wait(bh_hosts *hh, const int *parts, const int64_t *after, size_t n, int ms)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    char id[32];
    redisReply *rep;
    int rc;

    /* Well within the URL's timeout: a wait is not a hung server. */
    if (h->r->conf.timeout_ms > 0 && ms > h->r->conf.timeout_ms / 2)
        ms = h->r->conf.timeout_ms / 2 > 0 ? (int)(h->r->conf.timeout_ms / 2) : 1;
    bh_redis_argv_str(&a, "XREAD");
    bh_redis_argv_str(&a, "COUNT");
    bh_redis_argv_str(&a, "1");
    bh_redis_argv_str(&a, "BLOCK");
    bh_redis_argv_int(&a, ms);
    bh_redis_argv_str(&a, "STREAMS");
    for (size_t i = 0; i < n; i++)
        bh_rhosts_key(h, &a, "s:%d", parts[i]);
    for (size_t i = 0; i < n; i++) {
        if (after[i] < 0)
            snprintf(id, sizeof id, "$");
        else
            bh_rhosts_entry_id(after[i], id, sizeof id);
        bh_redis_argv_own(&a, strdup(id), strlen(id));
    }
    rc = bh_redis_cmd_run(h->r, 0, &rep, &a);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    if (rep->type == REDIS_REPLY_ERROR)
        rc = bh_redis_reply_fail(h->r, rep);
    else
        rc = rep->type == REDIS_REPLY_ARRAY && rep->elements > 0;
    freeReplyObject(rep);
    return rc;
}

/* KEYS: stream, offset; ARGV: id, json. 1 put, 0 not (an entry of that id
 * or above is in the stream already: XADD refuses an id not above the
 * stream's last one, even after that one was deleted). */
static const char bh_rhosts_lua_push[] =
    "local r = redis.pcall('XADD', KEYS[1], ARGV[1] .. '-0', 'u', ARGV[2])\n"
    "if type(r) == 'table' and r.err then\n"
    "  if string.find(r.err, 'equal or smaller', 1, true) then return 0 end\n"
    "  return redis.error_reply(r.err)\n"
    "end\n"
    "local id = tonumber(ARGV[1])\n"
    "if id >= tonumber(redis.call('GET', KEYS[2]) or '0') then\n"
    "  redis.call('SET', KEYS[2], id + 1)\n"
    "end\n"
    "return 1\n";

/* KEYS: lease, note; ARGV: token, value. 1, or -1 when not the holder. */
static const char bh_rhosts_lua_note[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end\n"
    "redis.call('SET', KEYS[2], ARGV[2])\n"
    "return 1\n";

/* Idempotent (a second run finds the entry in), so a reconnection may run
 * it again. */
int bh_rhosts_push(bh_hosts *hh, const bh_hosts_entry *e)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    long long put = 0;
    int rc;

    bh_rhosts_key(h, &a, "s:%d", e->part);
    bh_rhosts_key(h, &a, "offset");
    bh_redis_argv_int(&a, (long long)e->update_id);
    bh_redis_argv_add(&a, e->json, e->len);
    rc = bh_rhosts_eval_int(h, bh_rhosts_lua_push, 1, 2, &a, &put);
    bh_redis_argv_free(&a);
    return rc == BH_OK ? (int)(put > 0) : rc;
}

int bh_rhosts_note_get(bh_hosts *hh, const char *name, char *buf, size_t len)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    redisReply *rep;
    int rc;

    bh_redis_argv_str(&a, "GET");
    bh_rhosts_key(h, &a, "note:%s", name);
    rc = bh_redis_cmd_run(h->r, 1, &rep, &a);
    bh_redis_argv_free(&a);
    if (rc != BH_OK)
        return rc;
    buf[0] = '\0';
    if (rep->type == REDIS_REPLY_STRING && rep->len < len)
        memcpy(buf, rep->str, rep->len + 1);
    else if (rep->type == REDIS_REPLY_STRING)
        rc = BH_EINVAL;
    else if (rep->type != REDIS_REPLY_NIL)
        rc = bh_redis_reply_fail(h->r, rep);
    freeReplyObject(rep);
    return rc;
}

int bh_rhosts_note_set(bh_hosts *hh, const char *lease, uint64_t epoch, const char *name,
                       const char *value)
{
    struct bh_redis_hosts *h = bh_rhosts_of(hh);
    struct bh_redis_argv a = {0};
    char tok[BH_RHOSTS_TOKEN_MAX];
    long long done = 0;
    int rc;

    bh_rhosts_token(h, epoch, tok, sizeof tok);
    bh_rhosts_key(h, &a, "lease:%s", lease);
    bh_rhosts_key(h, &a, "note:%s", name);
    bh_redis_argv_str(&a, tok);
    bh_redis_argv_str(&a, value);
    rc = bh_rhosts_eval_int(h, bh_rhosts_lua_note, 1, 2, &a, &done);
    bh_redis_argv_free(&a);
    if (rc == BH_OK && done < 0)
        rc = BH_ENOTOWNER;
    return rc;
}
