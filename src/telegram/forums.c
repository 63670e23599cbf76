/*
 * Typed methods for the topics of a forum supergroup, the General topic
 * included.
 */
#include <string.h>

#include "telegram/tg.h"

/* Calls method for chat_id (and thread_id when not 0, name when not NULL). */
static int topic_call(bh_client *c, const char *method, int64_t chat_id, int64_t thread_id,
                      const char *name)
{
    bh_params *p = NULL;
    if (!c || thread_id < 0)
        return BH_EINVAL;
    if (bh_params_new(&p) != BH_OK)
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    if (thread_id)
        bh_params_int(p, "message_thread_id", thread_id);
    if (name)
        bh_params_str(p, "name", name);
    return bh_tg_call_true(c, method, p);
}

int bh_client_create_forum_topic(bh_client *c, int64_t chat_id, const char *name, int icon_color,
                                 int64_t *thread_id)
{
    bh_params *p = NULL;
    json_object *res = NULL;
    int rc;
    if (thread_id)
        *thread_id = 0;
    if (!c || !name || !*name || icon_color < 0)
        return BH_EINVAL;
    if (bh_params_new(&p) != BH_OK)
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_str(p, "name", name);
    if (icon_color)
        bh_params_int(p, "icon_color", icon_color);
    if ((rc = bh_tg_call_typed(c, "createForumTopic", p, json_type_object, &res)) != BH_OK)
        return rc;
    if (!bh_tg_get_int64(res, "message_thread_id", thread_id ? thread_id : &(int64_t){0}))
        rc = BH_EPROTO;
    json_object_put(res);
    return rc;
}

int bh_client_edit_forum_topic(bh_client *c, int64_t chat_id, int64_t thread_id, const char *name)
{
    return thread_id ? topic_call(c, "editForumTopic", chat_id, thread_id, name) : BH_EINVAL;
}

int bh_client_close_forum_topic(bh_client *c, int64_t chat_id, int64_t thread_id)
{
    return thread_id ? topic_call(c, "closeForumTopic", chat_id, thread_id, NULL) : BH_EINVAL;
}

int bh_client_reopen_forum_topic(bh_client *c, int64_t chat_id, int64_t thread_id)
{
    return thread_id ? topic_call(c, "reopenForumTopic", chat_id, thread_id, NULL) : BH_EINVAL;
}

int bh_client_delete_forum_topic(bh_client *c, int64_t chat_id, int64_t thread_id)
{
    return thread_id ? topic_call(c, "deleteForumTopic", chat_id, thread_id, NULL) : BH_EINVAL;
}

int bh_client_unpin_all_forum_topic_messages(bh_client *c, int64_t chat_id, int64_t thread_id)
{
    return thread_id ? topic_call(c, "unpinAllForumTopicMessages", chat_id, thread_id, NULL)
                     : BH_EINVAL;
}

int bh_client_edit_general_forum_topic(bh_client *c, int64_t chat_id, const char *name)
{
    return name && *name ? topic_call(c, "editGeneralForumTopic", chat_id, 0, name) : BH_EINVAL;
}

int bh_client_close_general_forum_topic(bh_client *c, int64_t chat_id)
{
    return topic_call(c, "closeGeneralForumTopic", chat_id, 0, NULL);
}

int bh_client_reopen_general_forum_topic(bh_client *c, int64_t chat_id)
{
    return topic_call(c, "reopenGeneralForumTopic", chat_id, 0, NULL);
}

int bh_client_hide_general_forum_topic(bh_client *c, int64_t chat_id)
{
    return topic_call(c, "hideGeneralForumTopic", chat_id, 0, NULL);
}

int bh_client_unhide_general_forum_topic(bh_client *c, int64_t chat_id)
{
    return topic_call(c, "unhideGeneralForumTopic", chat_id, 0, NULL);
}

int bh_client_unpin_all_general_forum_topic_messages(bh_client *c, int64_t chat_id)
{
    return topic_call(c, "unpinAllGeneralForumTopicMessages", chat_id, 0, NULL);
}
