/*
 * Typed methods that manage the bot's sticker sets: create one, add,
 * replace, move and delete its stickers, change their emoji, keywords and
 * mask positions, the set's title and thumbnail, delete the set. A
 * sticker's file is an InputSticker's "sticker" field: an upload goes as an
 * attach:// part of the request (bh_params_attach), a file_id or URL as it is.
 */
#include <string.h>

#include "telegram/tg.h"

/* A builder with the string key set to value; NULL when out of memory. */
static bh_params *str_params(const char *key, const char *value)
{
    bh_params *p = bh_tg_params_new();
    if (p)
        bh_params_str(p, key, value);
    return p;
}

/* The InputSticker object of s (a new reference), its file attached to p;
 * NULL on error (p keeps it, or NULL file or emoji: BH_EINVAL for the caller). */
static json_object *input_sticker(bh_params *p, const bh_input_sticker *s)
{
    char ref[512];
    json_object *o;
    if (!s || !s->format || !s->emoji || !s->emoji[0] ||
        bh_params_attach(p, &s->file, 0, ref, sizeof ref) != BH_OK ||
        !(o = json_object_new_object()))
        return NULL;
    json_object_object_add(o, "sticker", json_object_new_string(ref));
    json_object_object_add(o, "format", json_object_new_string(s->format));
    json_object_object_add(o, "emoji_list", bh_tg_string_array(s->emoji));
    if (s->keywords)
        json_object_object_add(o, "keywords", bh_tg_string_array(s->keywords));
    return o;
}

/* Sets key of p to the InputSticker s; the error (BH_EINVAL for a sticker
 * without file, format or emoji). */
static int put_sticker(bh_params *p, const char *key, const bh_input_sticker *s)
{
    json_object *o = input_sticker(p, s);
    int rc;
    if (!o)
        return p->rc != BH_OK ? p->rc : BH_EINVAL;
    rc = bh_params_json(p, key, o);
    json_object_put(o);
    return rc;
}

/* Item i of a sticker set's stickers: an InputSticker (bh_tg_params_array). */
static int sticker_item(bh_params *p, const void *items, size_t i, json_object **out)
{
    *out = input_sticker(p, (const bh_input_sticker *)items + i);
    return *out ? BH_OK : p->rc != BH_OK ? p->rc : BH_EINVAL;
}

/* Calls a True method with p, unless building p failed with rc. */
static int call_built(bh_client *c, const char *method, bh_params *p, int rc)
{
    if (rc != BH_OK && p && p->rc == BH_OK) {
        bh_params_free(p);
        return rc;
    }
    return bh_tg_call_true(c, method, p);
}

int bh_client_create_new_sticker_set(bh_client *c, int64_t user_id, const char *name,
                                     const char *title, const bh_input_sticker *stickers,
                                     size_t n, const char *sticker_type)
{
    bh_params *p;
    if (!c || !name || !*name || !title || !*title || !stickers || n < 1 || n > 50)
        return BH_EINVAL;
    if (!(p = str_params("name", name)))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    bh_params_str(p, "title", title);
    if (sticker_type)
        bh_params_str(p, "sticker_type", sticker_type);
    return call_built(c, "createNewStickerSet", p,
                      bh_tg_params_array(p, "stickers", stickers, n, sticker_item));
}

int bh_client_add_sticker_to_set(bh_client *c, int64_t user_id, const char *name,
                                 const bh_input_sticker *sticker)
{
    bh_params *p;
    if (!c || !name || !*name || !sticker)
        return BH_EINVAL;
    if (!(p = str_params("name", name)))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    return call_built(c, "addStickerToSet", p, put_sticker(p, "sticker", sticker));
}

int bh_client_replace_sticker_in_set(bh_client *c, int64_t user_id, const char *name,
                                     const char *old_sticker, const bh_input_sticker *sticker)
{
    bh_params *p;
    if (!c || !name || !*name || !old_sticker || !*old_sticker || !sticker)
        return BH_EINVAL;
    if (!(p = str_params("name", name)))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    bh_params_str(p, "old_sticker", old_sticker);
    return call_built(c, "replaceStickerInSet", p, put_sticker(p, "sticker", sticker));
}

int bh_client_set_sticker_position_in_set(bh_client *c, const char *sticker, int position)
{
    bh_params *p;
    if (!c || !sticker || !*sticker || position < 0)
        return BH_EINVAL;
    if (!(p = str_params("sticker", sticker)))
        return BH_ENOMEM;
    bh_params_int(p, "position", position);
    return bh_tg_call_true(c, "setStickerPositionInSet", p);
}

int bh_client_delete_sticker_from_set(bh_client *c, const char *sticker)
{
    bh_params *p;
    if (!c || !sticker || !*sticker)
        return BH_EINVAL;
    if (!(p = str_params("sticker", sticker)))
        return BH_ENOMEM;
    return bh_tg_call_true(c, "deleteStickerFromSet", p);
}

/* setStickerEmojiList and setStickerKeywords: a list of strings for sticker. */
static int sticker_list(bh_client *c, const char *method, const char *key, const char *sticker,
                        const char *const *list)
{
    bh_params *p;
    json_object *arr;
    if (!c || !sticker || !*sticker || (!list && !strcmp(key, "emoji_list")))
        return BH_EINVAL;
    if (!(p = str_params("sticker", sticker)))
        return BH_ENOMEM;
    if (list) {
        if (!(arr = bh_tg_string_array(list))) {
            bh_params_free(p);
            return BH_ENOMEM;
        }
        bh_params_json(p, key, arr);
        json_object_put(arr);
    }
    return bh_tg_call_true(c, method, p);
}

int bh_client_set_sticker_emoji_list(bh_client *c, const char *sticker, const char *const *emoji)
{
    return sticker_list(c, "setStickerEmojiList", "emoji_list", sticker, emoji);
}

int bh_client_set_sticker_keywords(bh_client *c, const char *sticker, const char *const *keywords)
{
    return sticker_list(c, "setStickerKeywords", "keywords", sticker, keywords);
}

int bh_client_set_sticker_mask_position(bh_client *c, const char *sticker, json_object *mask_position)
{
    bh_params *p;
    if (!c || !sticker || !*sticker)
        return BH_EINVAL;
    if (!(p = str_params("sticker", sticker)))
        return BH_ENOMEM;
    if (mask_position)
        bh_params_json(p, "mask_position", mask_position);
    return bh_tg_call_true(c, "setStickerMaskPosition", p);
}

int bh_client_set_sticker_set_title(bh_client *c, const char *name, const char *title)
{
    bh_params *p;
    if (!c || !name || !*name || !title || !*title)
        return BH_EINVAL;
    if (!(p = str_params("name", name)))
        return BH_ENOMEM;
    bh_params_str(p, "title", title);
    return bh_tg_call_true(c, "setStickerSetTitle", p);
}

int bh_client_delete_sticker_set(bh_client *c, const char *name)
{
    bh_params *p;
    if (!c || !name || !*name)
        return BH_EINVAL;
    if (!(p = str_params("name", name)))
        return BH_ENOMEM;
    return bh_tg_call_true(c, "deleteStickerSet", p);
}

int bh_client_set_sticker_set_thumbnail(bh_client *c, const char *name, int64_t user_id,
                                        const bh_input_file *thumbnail, const char *format)
{
    bh_params *p;
    if (!c || !name || !*name || !format || !*format)
        return BH_EINVAL;
    if (!(p = str_params("name", name)))
        return BH_ENOMEM;
    bh_params_int(p, "user_id", user_id);
    bh_params_str(p, "format", format);
    if (thumbnail)
        bh_params_file(p, "thumbnail", thumbnail);
    return bh_tg_call_true(c, "setStickerSetThumbnail", p);
}

int bh_client_set_custom_emoji_sticker_set_thumbnail(bh_client *c, const char *name,
                                                     const char *custom_emoji_id)
{
    bh_params *p;
    if (!c || !name || !*name)
        return BH_EINVAL;
    if (!(p = str_params("name", name)))
        return BH_ENOMEM;
    if (custom_emoji_id)
        bh_params_str(p, "custom_emoji_id", custom_emoji_id);
    return bh_tg_call_true(c, "setCustomEmojiStickerSetThumbnail", p);
}
