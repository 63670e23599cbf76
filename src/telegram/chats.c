/*
 * Typed methods about a chat as a whole (getChat, leaveChat,
 * getChatAdministrators, getChatMemberCount), reactions, and forwarding or
 * copying several messages at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telegram/tg.h"

/* A builder with chat_id set; NULL when out of memory. */
static bh_params *chat_params(int64_t chat_id)
{
    bh_params *p = NULL;
    if (bh_params_new(&p) != BH_OK)
        return NULL;
    bh_params_int(p, "chat_id", chat_id);
    return p;
}

/* Calls method with p (freed); *res its result. */
static int call(bh_client *c, const char *method, bh_params *p, json_object **res)
{
    int rc = bh_client_call_params(c, method, p, res);
    bh_params_free(p);
    return rc;
}

static void copy_str(json_object *obj, const char *key, char *out, size_t n)
{
    const char *v = bh_tg_get_str(obj, key);
    snprintf(out, n, "%s", v ? v : "");
}

int bh_client_get_chat(bh_client *c, int64_t chat_id, bh_chat_info *out)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || !out)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    if ((rc = call(c, "getChat", p, &res)) != BH_OK)
        return rc;
    if (!bh_tg_get_int64(res, "id", &out->id) || !bh_tg_get_str(res, "type")) {
        json_object_put(res);
        return BH_EPROTO;
    }
    copy_str(res, "type", out->type, sizeof out->type);
    copy_str(res, "title", out->title, sizeof out->title);
    copy_str(res, "username", out->username, sizeof out->username);
    out->json = res;
    return BH_OK;
}

void bh_chat_info_clear(bh_chat_info *info)
{
    if (!info)
        return;
    json_object_put(info->json);
    memset(info, 0, sizeof *info);
}

int bh_client_leave_chat(bh_client *c, int64_t chat_id)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    return bh_tg_call_true(c, "leaveChat", p);
}

/* The ChatMember objects of an array result into *out. */
static int parse_members(json_object *res, bh_chat_member **out, size_t *n)
{
    size_t len;
    bh_chat_member *m;
    if (!json_object_is_type(res, json_type_array))
        return BH_EPROTO;
    len = json_object_array_length(res);
    if (!(m = calloc(len ? len : 1, sizeof *m)))
        return BH_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        if (bh_tg_member_parse(json_object_array_get_idx(res, i), &m[i]) != BH_OK) {
            bh_chat_members_free(m, i);
            return BH_EPROTO;
        }
    }
    *out = m;
    *n = len;
    return BH_OK;
}

int bh_client_get_chat_administrators(bh_client *c, int64_t chat_id, bh_chat_member **out,
                                      size_t *n)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (!c || !out || !n)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    if ((rc = call(c, "getChatAdministrators", p, &res)) == BH_OK)
        rc = parse_members(res, out, n);
    json_object_put(res);
    return rc;
}

void bh_chat_members_free(bh_chat_member *members, size_t n)
{
    if (!members)
        return;
    for (size_t i = 0; i < n; i++)
        bh_chat_member_clear(&members[i]);
    free(members);
}

int bh_client_get_chat_member_count(bh_client *c, int64_t chat_id, int64_t *count)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (count)
        *count = 0;
    if (!c)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    if ((rc = call(c, "getChatMemberCount", p, &res)) == BH_OK) {
        if (!json_object_is_type(res, json_type_int))
            rc = BH_EPROTO;
        else if (count)
            *count = json_object_get_int64(res);
    }
    json_object_put(res);
    return rc;
}

int bh_client_set_message_reaction(bh_client *c, int64_t chat_id, int64_t message_id,
                                   const char *emoji, int is_big)
{
    bh_params *p;
    json_object *arr;
    if (!c || !message_id || (emoji && !*emoji))
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)) || !(arr = json_object_new_array())) {
        bh_params_free(p);
        return BH_ENOMEM;
    }
    bh_params_int(p, "message_id", message_id);
    if (emoji) {
        json_object *rx = json_object_new_object();
        json_object_object_add(rx, "type", json_object_new_string("emoji"));
        json_object_object_add(rx, "emoji", json_object_new_string(emoji));
        json_object_array_add(arr, rx);
    }
    bh_params_json(p, "reaction", arr);
    json_object_put(arr);
    if (is_big)
        bh_params_bool(p, "is_big", 1);
    return bh_tg_call_true(c, "setMessageReaction", p);
}

/* forwardMessages and copyMessages. */
static int bulk(bh_client *c, const char *method, int64_t chat_id, int64_t from_chat_id,
                const int64_t *ids, size_t n, int64_t *new_ids, size_t *nsent)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (nsent)
        *nsent = 0;
    if (!c || !ids || n < 1 || n > 100)
        return BH_EINVAL;
    if (!(p = chat_params(chat_id)))
        return BH_ENOMEM;
    bh_params_int(p, "from_chat_id", from_chat_id);
    bh_tg_params_ids(p, "message_ids", ids, n);
    if ((rc = call(c, method, p, &res)) == BH_OK && !json_object_is_type(res, json_type_array))
        rc = BH_EPROTO;
    for (size_t i = 0; rc == BH_OK && i < json_object_array_length(res) && i < n; i++) {
        int64_t id = 0;
        if (!bh_tg_get_int64(json_object_array_get_idx(res, i), "message_id", &id))
            rc = BH_EPROTO;
        else if (new_ids)
            new_ids[i] = id;
        if (rc == BH_OK && nsent)
            *nsent = i + 1;
    }
    json_object_put(res);
    return rc;
}

int bh_client_forward_messages(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                               const int64_t *ids, size_t n, int64_t *new_ids, size_t *nsent)
{
    return bulk(c, "forwardMessages", chat_id, from_chat_id, ids, n, new_ids, nsent);
}

int bh_client_copy_messages(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                            const int64_t *ids, size_t n, int64_t *new_ids, size_t *nsent)
{
    return bulk(c, "copyMessages", chat_id, from_chat_id, ids, n, new_ids, nsent);
}
