/*
 * Dead letters: an update that killed two workers is not tried again (it
 * would take the whole pool down, one worker at a time, for ever). It is
 * kept in the memory "bothive.deadletter" under "<source>:<update_id>",
 * with the reason, so an operator can see it (`bothive shm dump`) and
 * replay it by hand. In hosts mode the key starts with the bot's id,
 * "<bot>:<source>:<update_id>", as one Redis may serve several bots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/siphash.h"
#include "bothive/error.h"
#include "bothive/log.h"
#include "bothive/store.h"
#include "bothive/runner.h"
#include "hosts.h"
#include "internal.h"

void bh_deadletter_key(char *out, size_t n, const char *bot, int source, int64_t id)
{
    static const unsigned char k[16] = "bothive.dead.key";
    size_t len = bot ? strlen(bot) : 0;

    if (!bot)
        snprintf(out, n, "%d:%lld", source, (long long)id);
    else if (len <= BH_DEADLETTER_BOT_MAX)
        snprintf(out, n, "%s:%d:%lld", bot, source, (long long)id);
    else
        /* Bounded whatever the bot's id: a hash of it stands for it. */
        snprintf(out, n, "h%016llx:%d:%lld", (unsigned long long)bh_siphash(k, bot, len),
                 source, (long long)id);
}

/* The "<source>:<update_id>" at the end of key: 1 and the two, or 0. */
static int bh_deadletter_tail(const char *key, int *source, int64_t *id)
{
    const char *last = strrchr(key, ':'), *p = last;
    char *end;

    if (!last || last == key)
        return 0;
    while (p > key && p[-1] != ':')
        p--;
    *source = (int)strtol(p, &end, 10);
    if (end != last || p == last)
        return 0;
    *id = strtoll(last + 1, &end, 10);
    return *end == '\0' && end != last + 1;
}

/* The bot's id as the hosts write it (bh_hosts_bot_id) fits, whole. */
_Static_assert(BH_DEADLETTER_BOT_LEN >= BH_HOSTS_NAME_MAX + 1, "room for a bot id");
_Static_assert(BH_DEADLETTER_BOT_LEN <= BH_DEADLETTER_BOT_MAX + 1, "a bot id is never hashed");

void bh_deadletter_bot(const char *token, char *out)
{
    bh_hosts_bot_id(token, out, BH_DEADLETTER_BOT_LEN);
}

int bh_deadletter_of_bot(const char *key, const char *bot, int source, int64_t *update_id)
{
    char mine[BH_DEADLETTER_KEY_MAX];
    int64_t id;
    int s;

    if (!key || !bh_deadletter_tail(key, &s, &id) || s != source)
        return 0;
    /* Either no bot part, or exactly the one this bot's hosts write. */
    bh_deadletter_key(mine, sizeof mine, bot, source, id);
    if (strchr(key, ':') != strrchr(key, ':') && strcmp(key, mine) != 0)
        return 0;
    *update_id = id;
    return 1;
}

int bh_deadletter_of(const char *key, const char *token, int source, int64_t *update_id)
{
    char bot[BH_DEADLETTER_BOT_LEN];

    bh_deadletter_bot(token, bot);
    return bh_deadletter_of_bot(key, bot, source, update_id);
}

void bh_deadletter_put(bh_store *st, const char *bot, const bh_qjob *j, const char *reason)
{
    bh_shared *m = NULL;
    json_object *o = json_object_new_object(), *u = NULL;
    char key[BH_DEADLETTER_KEY_MAX];
    int rc = BH_ENOMEM;

    bh_deadletter_key(key, sizeof key, bot, j->source, j->update_id);
    bh_log(BH_LOG_ERROR, "update %lld of source %d set aside in %s as %s: %s",
           (long long)j->update_id, j->source, BH_DEADLETTER_MEMORY, key, reason);
    if (!o)
        goto fail;
    json_object_object_add(o, "source", json_object_new_int(j->source));
    json_object_object_add(o, "update_id", json_object_new_int64(j->update_id));
    json_object_object_add(o, "reason", json_object_new_string(reason));
    json_object_object_add(o, "crashes", json_object_new_int(j->crashes));
    if (j->json && (u = json_tokener_parse(j->json)))
        json_object_object_add(o, "update", u);
    else if (j->json)
        json_object_object_add(o, "update_text", json_object_new_string(j->json));
    if ((rc = bh_shared_open(st, BH_DEADLETTER_MEMORY, &m)) != BH_OK)
        goto fail;
    rc = bh_shared_set_json(m, key, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
fail:
    if (rc != BH_OK)
        bh_log(BH_LOG_ERROR, "cannot record dead letter %s: %s", key, bh_strerror(rc));
    bh_shared_close(m);
    json_object_put(o);
}
