/*
 * Typed methods about stickers (uploading a sticker file, reading a set,
 * the forum topic icons) and the bot's star balance.
 */
#include <stdio.h>
#include <string.h>

#include "telegram/tg.h"

int bh_client_upload_sticker_file(bh_client *c, int64_t user_id, const bh_input_file *sticker,
                                  const char *format, bh_file_info *out)
{
    bh_params *p = NULL;
    json_object *res = NULL;
    const char *v;
    int rc;
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || user_id <= 0 || !sticker || !format ||
        (sticker->kind != BH_INPUT_PATH && sticker->kind != BH_INPUT_MEMORY))
        return BH_EINVAL;
    if (bh_params_new(&p) != BH_OK)
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    bh_params_file(p, "sticker", sticker);
    bh_params_str(p, "sticker_format", format);
    if ((rc = bh_tg_call_typed(c, "uploadStickerFile", p, json_type_object, &res)) != BH_OK)
        return rc;
    if (!(v = bh_tg_get_str(res, "file_id"))) {
        json_object_put(res);
        return BH_EPROTO;
    }
    if (out) {
        snprintf(out->file_id, sizeof out->file_id, "%s", v);
        v = bh_tg_get_str(res, "file_unique_id");
        snprintf(out->file_unique_id, sizeof out->file_unique_id, "%s", v ? v : "");
        v = bh_tg_get_str(res, "file_path");
        snprintf(out->file_path, sizeof out->file_path, "%s", v ? v : "");
        bh_tg_get_int64(res, "file_size", &out->file_size);
    }
    json_object_put(res);
    return BH_OK;
}

int bh_client_get_sticker_set(bh_client *c, const char *name, json_object **set)
{
    bh_params *p = NULL;
    if (set)
        *set = NULL;
    if (!c || !name || !*name)
        return BH_EINVAL;
    if (bh_params_new(&p) != BH_OK)
        return BH_ENOMEM;
    bh_params_str(p, "name", name);
    return bh_tg_call_typed(c, "getStickerSet", p, json_type_object, set);
}

int bh_client_get_forum_topic_icon_stickers(bh_client *c, json_object **stickers)
{
    if (stickers)
        *stickers = NULL;
    if (!c)
        return BH_EINVAL;
    return bh_tg_call_typed(c, "getForumTopicIconStickers", NULL, json_type_array, stickers);
}

int bh_client_get_my_star_balance(bh_client *c, int64_t *amount)
{
    json_object *res = NULL;
    int rc;
    if (amount)
        *amount = 0;
    if (!c)
        return BH_EINVAL;
    if ((rc = bh_tg_call_typed(c, "getMyStarBalance", NULL, json_type_object, &res)) != BH_OK)
        return rc;
    if (!bh_tg_get_int64(res, "amount", amount ? amount : &(int64_t){0}))
        rc = BH_EPROTO;
    json_object_put(res);
    return rc;
}
