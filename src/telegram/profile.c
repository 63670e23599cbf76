/*
 * Typed methods for the bot's profile (name, description, short
 * description), a chat's title, description and primary link, users'
 * profile photos, and logOut / close.
 */
#include <stdio.h>
#include <string.h>

#include "telegram/tg.h"

/* set<field>: key holds text, for language_code. */
static int set_text(bh_client *c, const char *method, const char *key, const char *text,
                    const char *language_code)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    if (text && *text)
        bh_params_str(p, key, text);
    if (language_code && *language_code)
        bh_params_str(p, "language_code", language_code);
    return bh_tg_call_true(c, method, p);
}

/* get<field>: the string key of the answer's object into out. */
static int get_text(bh_client *c, const char *method, const char *key,
                    const char *language_code, char *out, size_t n)
{
    bh_params *p;
    json_object *res = NULL;
    const char *v;
    int rc;
    if (out && n)
        out[0] = '\0';
    if (!c || !out || !n)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    if (language_code && *language_code)
        bh_params_str(p, "language_code", language_code);
    rc = bh_client_call_params(c, method, p, &res);
    bh_params_free(p);
    if (rc == BH_OK && !(v = bh_tg_get_str(res, key)))
        rc = BH_EPROTO;
    if (rc == BH_OK)
        snprintf(out, n, "%s", v);
    json_object_put(res);
    return rc;
}

int bh_client_set_my_name(bh_client *c, const char *name, const char *language_code)
{
    return set_text(c, "setMyName", "name", name, language_code);
}

int bh_client_set_my_description(bh_client *c, const char *description, const char *language_code)
{
    return set_text(c, "setMyDescription", "description", description, language_code);
}

int bh_client_set_my_short_description(bh_client *c, const char *short_description,
                                       const char *language_code)
{
    return set_text(c, "setMyShortDescription", "short_description", short_description,
                    language_code);
}

int bh_client_get_my_name(bh_client *c, const char *language_code, char *out, size_t n)
{
    return get_text(c, "getMyName", "name", language_code, out, n);
}

int bh_client_get_my_description(bh_client *c, const char *language_code, char *out, size_t n)
{
    return get_text(c, "getMyDescription", "description", language_code, out, n);
}

int bh_client_get_my_short_description(bh_client *c, const char *language_code, char *out,
                                       size_t n)
{
    return get_text(c, "getMyShortDescription", "short_description", language_code, out, n);
}

/* A chat method with one optional string parameter. */
static int chat_text(bh_client *c, const char *method, int64_t chat_id, const char *key,
                     const char *text)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    if (text && *text)
        bh_params_str(p, key, text);
    return bh_tg_call_true(c, method, p);
}

int bh_client_set_chat_title(bh_client *c, int64_t chat_id, const char *title)
{
    return title && *title ? chat_text(c, "setChatTitle", chat_id, "title", title) : BH_EINVAL;
}

int bh_client_set_chat_description(bh_client *c, int64_t chat_id, const char *description)
{
    return chat_text(c, "setChatDescription", chat_id, "description", description);
}

int bh_client_export_chat_invite_link(bh_client *c, int64_t chat_id, char *out, size_t n)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (out && n)
        out[0] = '\0';
    if (!c || !out || !n)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    rc = bh_client_call_params(c, "exportChatInviteLink", p, &res);
    bh_params_free(p);
    if (rc == BH_OK && !json_object_is_type(res, json_type_string))
        rc = BH_EPROTO;
    if (rc == BH_OK)
        snprintf(out, n, "%s", json_object_get_string(res));
    json_object_put(res);
    return rc;
}

int bh_client_get_user_profile_photos(bh_client *c, int64_t user_id, int offset, int limit,
                                      json_object **photos)
{
    bh_params *p;
    json_object *res = NULL;
    int rc;
    if (photos)
        *photos = NULL;
    if (!c || user_id <= 0 || offset < 0 || limit < 0 || limit > 100)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    if (offset)
        bh_params_int(p, "offset", offset);
    if (limit)
        bh_params_int(p, "limit", limit);
    rc = bh_client_call_params(c, "getUserProfilePhotos", p, &res);
    bh_params_free(p);
    if (rc == BH_OK && !json_object_object_get_ex(res, "total_count", NULL))
        rc = BH_EPROTO;
    if (rc == BH_OK && photos)
        *photos = json_object_get(res);
    json_object_put(res);
    return rc;
}

int bh_client_log_out(bh_client *c)
{
    return c ? bh_tg_call_true(c, "logOut", bh_tg_params_new()) : BH_EINVAL;
}

int bh_client_close(bh_client *c)
{
    return c ? bh_tg_call_true(c, "close", bh_tg_params_new()) : BH_EINVAL;
}
