/*
 * Walks a view in full: every string is read to its end (so ASan sees a
 * pointer that went stale or past its JSON), every pointer that the header
 * says is never NULL is checked, and the command fields are checked against
 * the text they were cut from.
 */
#include <string.h>

#include "fuzz.h"
#include "views.h"

/* Where the walk's reads go, so the compiler cannot drop them. */
static volatile size_t bh_fuzz_sink;

static void bh_fuzz_read(const char *s)
{
    if (s)
        bh_fuzz_sink += strlen(s);
}

void bh_fuzz_walk_user(const bh_user *u)
{
    BH_FUZZ_ASSERT(u->first_name != NULL); /* "" if absent */
    bh_fuzz_read(u->first_name);
    bh_fuzz_read(u->last_name);
    bh_fuzz_read(u->username);
    bh_fuzz_read(u->language_code);
    BH_FUZZ_ASSERT(u->json != NULL);
    bh_fuzz_sink += (size_t)u->id + (size_t)u->is_bot;
}

/* The command, its bot and its arguments all come from the text, or,
 * for a message without a text, from its caption. */
static void bh_fuzz_check_command(const bh_message *m)
{
    const char *src = m->text ? m->text : bh_message_caption(m, NULL);

    if (!m->command) {
        BH_FUZZ_ASSERT(m->command_bot == NULL && m->command_args == NULL);
        return;
    }
    BH_FUZZ_ASSERT(src != NULL && src[0] == '/');
    BH_FUZZ_ASSERT(m->command_args != NULL);
    size_t tlen = strlen(src), clen = strlen(m->command);
    BH_FUZZ_ASSERT(m->command_args >= src && m->command_args <= src + tlen);
    BH_FUZZ_ASSERT(strchr(m->command, '@') == NULL);
    /* "/" then the command, as written in the text. */
    BH_FUZZ_ASSERT(clen < tlen && !memcmp(src + 1, m->command, clen));
    if (m->command_bot) {
        size_t blen = strlen(m->command_bot);
        BH_FUZZ_ASSERT(src[1 + clen] == '@');
        BH_FUZZ_ASSERT(2 + clen + blen <= tlen && !memcmp(src + 2 + clen, m->command_bot, blen));
    }
    bh_fuzz_read(m->command_args);
}

void bh_fuzz_walk_message(const bh_message *m)
{
    int depth = 0;
    for (; m; m = m->reply_to, depth++) {
        BH_FUZZ_ASSERT(depth <= 16);
        BH_FUZZ_ASSERT(m->json != NULL);
        BH_FUZZ_ASSERT(m->chat.type != NULL); /* "" if absent */
        bh_fuzz_read(m->chat.type);
        bh_fuzz_read(m->chat.title);
        bh_fuzz_read(m->chat.username);
        bh_fuzz_read(m->chat.first_name);
        bh_fuzz_read(m->text);
        if (m->from)
            bh_fuzz_walk_user(m->from);
        bh_fuzz_check_command(m);
        bh_fuzz_sink += (size_t)m->message_id + (size_t)m->date + (size_t)m->edit_date + (size_t)m->chat.id;
    }
}

void bh_fuzz_walk_update(const bh_update *u)
{
    const char *name = bh_update_kind_name(u->kind);

    BH_FUZZ_ASSERT(name != NULL);
    BH_FUZZ_ASSERT(bh_update_json(u) != NULL);
    switch (u->kind) {
    case BH_UPDATE_MESSAGE:
    case BH_UPDATE_EDITED_MESSAGE:
    case BH_UPDATE_CHANNEL_POST:
    case BH_UPDATE_EDITED_CHANNEL_POST:
        BH_FUZZ_ASSERT(u->message != NULL && u->callback_query == NULL);
        BH_FUZZ_ASSERT(strcmp(name, "other") != 0);
        bh_fuzz_walk_message(u->message);
        break;
    case BH_UPDATE_CALLBACK_QUERY: {
        const bh_callback_query *q = u->callback_query;
        BH_FUZZ_ASSERT(q != NULL && u->message == NULL);
        BH_FUZZ_ASSERT(q->id != NULL && q->chat_instance != NULL);
        bh_fuzz_read(q->id);
        bh_fuzz_walk_user(&q->from);
        bh_fuzz_walk_message(q->message);
        bh_fuzz_read(q->inline_message_id);
        bh_fuzz_read(q->chat_instance);
        bh_fuzz_read(q->data);
        break;
    }
    default:
        /* Kinds without a typed view (more may get one later). */
        break;
    }
}
