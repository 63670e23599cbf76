/*
 * bothive: keyboards of every kind and inline mode, part of the client of
 * telegram.h (botapi.h includes this header; include any of them).
 */
#ifndef BOTHIVE_KEYBOARDS_H
#define BOTHIVE_KEYBOARDS_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "botapi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Keyboards of every kind ---------------------------------------------- */
/*
 * A bh_keyboard is any reply_markup: an inline keyboard (bh_keyboard_new,
 * in telegram.h), a reply keyboard shown in place of the user's keyboard,
 * a removal of the reply keyboard, or a forced reply. Every send and edit
 * that takes a bh_keyboard (bh_send_options.reply_markup, and the edit
 * functions) takes any kind; Telegram accepts only inline keyboards on
 * edits and on messages sent via inline mode, and refuses the others.
 *
 * The Bot API's limits are checked when a button is added: callback data
 * of 1..64 bytes, at most 100 buttons, at most 8 a row on an inline
 * keyboard, callback_game and pay first in the first row, https:// URLs
 * for web_app and login_url, a button of one kind of keyboard refused on
 * the other. A refused button changes nothing, and bh_keyboard_error says
 * why. Every button function returns BH_OK, BH_EINVAL (NULL keyboard, a
 * NULL or empty text, a button of the other kind of keyboard or of a
 * markup without buttons, a bad argument: see each), BH_ETOOBIG (the
 * 101st button, the 9th of an inline row) or BH_ENOMEM.
 */

typedef enum bh_keyboard_kind {
    BH_KEYBOARD_INLINE = 0,  /* InlineKeyboardMarkup */
    BH_KEYBOARD_REPLY,       /* ReplyKeyboardMarkup */
    BH_KEYBOARD_REMOVE,      /* ReplyKeyboardRemove */
    BH_KEYBOARD_FORCE_REPLY  /* ForceReply */
} bh_keyboard_kind;

/* The options of a reply keyboard; zero is Telegram's default for each. */
typedef struct bh_reply_keyboard_options {
    int resize;      /* fit the keyboard's height to its buttons */
    int one_time;    /* hide it once a button is pressed */
    int persistent;  /* always shown while the input field is */
    int selective;   /* only for the users mentioned / replied to */
    const char *input_field_placeholder; /* 0..64 characters; NULL: none */
} bh_reply_keyboard_options;

/** A new empty reply keyboard with opt (NULL: the defaults).
 *  Errors: BH_EINVAL (NULL out, a placeholder above 64 characters), BH_ENOMEM. */
int bh_keyboard_new_reply(bh_keyboard **out, const bh_reply_keyboard_options *opt);
/** A markup that removes the reply keyboard (selective: only for the users
 *  mentioned / replied to). Errors: BH_EINVAL (NULL out), BH_ENOMEM. */
int bh_keyboard_new_remove(bh_keyboard **out, int selective);
/** A markup that opens a reply to the message (placeholder NULL: none).
 *  Errors: BH_EINVAL (NULL out, a placeholder above 64 characters), BH_ENOMEM. */
int bh_keyboard_new_force_reply(bh_keyboard **out, const char *input_field_placeholder,
                                int selective);

/** The kind of k (BH_KEYBOARD_INLINE for NULL). */
bh_keyboard_kind bh_keyboard_kind_of(const bh_keyboard *k);
/** "inline", "reply", "remove_keyboard", "force_reply" ("unknown" out of range). */
const char *bh_keyboard_kind_name(bh_keyboard_kind kind);
/** The number of buttons of k (0 for NULL). */
size_t bh_keyboard_count(const bh_keyboard *k);
/** Why the last refused call on k was refused ("" after a success); never NULL. */
const char *bh_keyboard_error(const bh_keyboard *k);

/* -- Inline buttons (besides callback and url, in telegram.h). A signed
 * callback button is bh_button_signed (bot.h). -- */

/** A button that opens inline mode in a chat the user picks (current_chat
 *  0) or in the current chat (non-zero), with query typed (NULL: ""). */
int bh_keyboard_button_switch_inline(bh_keyboard *k, const char *text, const char *query,
                                     int current_chat);

/* The chats a switch_inline_query_chosen_chat button offers. */
typedef struct bh_switch_inline_chosen {
    const char *query; /* NULL: "" */
    int allow_user_chats, allow_bot_chats, allow_group_chats, allow_channel_chats;
} bh_switch_inline_chosen;
/** Errors: also BH_EINVAL when chosen is NULL or allows no kind of chat. */
int bh_keyboard_button_switch_inline_chosen(bh_keyboard *k, const char *text,
                                            const bh_switch_inline_chosen *chosen);

/* A Telegram Login button (LoginUrl). */
typedef struct bh_login_url {
    const char *url;          /* https://, required */
    const char *forward_text; /* NULL: none */
    const char *bot_username; /* NULL: this bot */
    int request_write_access;
} bh_login_url;
/** Errors: also BH_EINVAL for a NULL login or a URL that is not https://. */
int bh_keyboard_button_login_url(bh_keyboard *k, const char *text, const bh_login_url *login);
/** A button that copies copy (1..256 characters) to the clipboard. */
int bh_keyboard_button_copy_text(bh_keyboard *k, const char *text, const char *copy);
/** The button that starts a game (sendGame); first in the first row. */
int bh_keyboard_button_callback_game(bh_keyboard *k, const char *text);
/** The Pay button of an invoice; first in the first row. */
int bh_keyboard_button_pay(bh_keyboard *k, const char *text);

/* -- A button of either kind -- */

/** A button that opens the Web App at url (https://). */
int bh_keyboard_button_web_app(bh_keyboard *k, const char *text, const char *url);

/* -- Reply keyboard buttons -- */

/** A button that sends its text. */
int bh_keyboard_button_text(bh_keyboard *k, const char *text);
/** A button that sends the user's phone number as a contact (private chats). */
int bh_keyboard_button_request_contact(bh_keyboard *k, const char *text);
/** A button that sends the user's location (private chats). */
int bh_keyboard_button_request_location(bh_keyboard *k, const char *text);
/** A button that lets the user create a poll of type "quiz", "regular" or
 *  NULL (any). Errors: also BH_EINVAL for another type. */
int bh_keyboard_button_request_poll(bh_keyboard *k, const char *text, const char *type);

/* The users a request_users button asks for. The int criteria are 1
 * (must), -1 (must not) or 0 (either). */
typedef struct bh_request_users {
    int32_t request_id;  /* comes back in the users_shared message */
    int user_is_bot, user_is_premium;
    int max_quantity;    /* 1..10; 0: 1 */
    int request_name, request_username, request_photo;
} bh_request_users;
/** Errors: also BH_EINVAL for a NULL req or max_quantity out of 0..10. */
int bh_keyboard_button_request_users(bh_keyboard *k, const char *text,
                                     const bh_request_users *req);

/* The chat a request_chat button asks for; criteria as above. */
typedef struct bh_request_chat {
    int32_t request_id;  /* comes back in the chat_shared message */
    int chat_is_channel; /* 1: a channel; 0: a group or supergroup */
    int chat_is_forum, chat_has_username;
    int chat_is_created, bot_is_member;
    const bh_admin_rights *user_administrator_rights; /* NULL: none asked */
    const bh_admin_rights *bot_administrator_rights;
    int request_title, request_username, request_photo;
} bh_request_chat;
/** Errors: also BH_EINVAL for a NULL req. */
int bh_keyboard_button_request_chat(bh_keyboard *k, const char *text, const bh_request_chat *req);


/* ---- Inline mode: results, answers, pages, inline messages ----------------- */
/*
 * The results of an answer to an inline query are built one at a time in
 * a bh_inline_results, and checked as Telegram checks them before anything
 * is sent: at most 50 results, ids of 1..64 bytes and unique, each type
 * with the fields it needs, a result's keyboard an inline one. A refused
 * result changes nothing, and bh_inline_results_error says why.
 */

typedef struct bh_inline_results bh_inline_results;

/* The kinds of InputMessageContent: what choosing a result sends. */
typedef enum bh_content_kind {
    BH_CONTENT_NONE = 0,
    BH_CONTENT_TEXT,     /* text (1..4096 characters), parse_mode, link preview off */
    BH_CONTENT_LOCATION, /* latitude, longitude */
    BH_CONTENT_VENUE,    /* latitude, longitude, title, address */
    BH_CONTENT_CONTACT,  /* phone_number, first_name, last_name (may be NULL) */
    BH_CONTENT_INVOICE   /* invoice */
} bh_content_kind;

typedef struct bh_input_content {
    bh_content_kind kind;
    const char *text, *parse_mode;
    int disable_web_page_preview;
    double latitude, longitude;
    const char *title, *address;
    const char *phone_number, *first_name, *last_name;
    const bh_invoice *invoice;
} bh_input_content;

/*
 * One InlineQueryResult. type is the Bot API's: "article", "photo", "gif",
 * "mpeg4_gif", "video", "audio", "voice", "document", "sticker",
 * "location", "venue", "contact", "game". A media result is a cached one
 * (InlineQueryResultCached*) when file_id is given and url is not; a
 * sticker is always cached. What each type needs, as in the Bot API:
 *   article   title, content (url: an optional link)
 *   photo, gif, mpeg4_gif   url and thumbnail_url, or file_id
 *   video     title; url, mime_type and thumbnail_url, or file_id
 *   audio     url and title, or file_id
 *   voice     title; url or file_id
 *   document  title; url and mime_type, or file_id
 *   sticker   file_id
 *   location  title, latitude, longitude; venue: also address
 *   contact   phone_number, first_name
 *   game      game_short_name
 * Fields a type does not have are left NULL / 0.
 */
typedef struct bh_inline_result {
    const char *type;
    const char *id;                    /* 1..64 bytes, unique in the answer */
    const char *title, *description;
    const char *url;                   /* the file's URL (photo_url, ...); an article's link */
    const char *file_id;               /* a cached result's file */
    const char *thumbnail_url, *mime_type;
    const char *caption, *parse_mode;
    const char *performer;             /* audio */
    double latitude, longitude;        /* location, venue */
    const char *address;               /* venue */
    const char *phone_number, *first_name, *last_name; /* contact */
    const char *game_short_name;       /* game */
    const bh_keyboard *reply_markup;   /* an inline keyboard (copied); NULL for none */
    const bh_input_content *content;   /* what choosing it sends; NULL: the result itself */
} bh_inline_result;

/** A new empty list of results. Errors: BH_EINVAL (NULL out), BH_ENOMEM. */
int bh_inline_results_new(bh_inline_results **out);
void bh_inline_results_free(bh_inline_results *r);
/**
 * Adds res (copied: its strings may go once this returns).
 * Errors: BH_EINVAL (NULL r or res, an unknown type, an id that is not
 * 1..64 bytes, a field its type needs missing, an incomplete content, a
 * reply_markup that is not an inline keyboard), BH_EEXISTS (the id is
 * already used), BH_ETOOBIG (a 51st result), BH_ENOMEM.
 */
int bh_inline_results_add(bh_inline_results *r, const bh_inline_result *res);
/** An article titled title whose choice sends text. Errors: those of
 *  bh_inline_results_add. */
int bh_inline_results_article(bh_inline_results *r, const char *id, const char *title,
                              const char *text);
/** The number of results of r (0 for NULL). */
size_t bh_inline_results_count(const bh_inline_results *r);
/** Why the last refused add was refused ("" after a success); never NULL. */
const char *bh_inline_results_error(const bh_inline_results *r);
/** The results array (owned by r). */
json_object *bh_inline_results_json(const bh_inline_results *r);

#define BH_INLINE_CACHE_DEFAULT (-1)

/* The options of answerInlineQuery. */
typedef struct bh_inline_answer_options {
    int cache_time;          /* seconds; 0: not cached; BH_INLINE_CACHE_DEFAULT: Telegram's (300) */
    int is_personal;         /* cached for this user only */
    const char *next_offset; /* the offset of the next page (0..64 bytes); NULL or "": the end */
    /* A button above the results: its text, and either a Web App to open
     * (https://) or a start parameter for a private chat with the bot
     * (1..64 of A-Za-z0-9_-); button_text NULL for none. */
    const char *button_text, *button_web_app_url, *button_start_parameter;
} bh_inline_answer_options;

/**
 * answerInlineQuery of inline_query_id with results; opt NULL: cache_time
 * BH_INLINE_CACHE_DEFAULT and nothing else.
 * Errors: those of bh_client_call, BH_EINVAL (NULL client, id or results,
 * cache_time below -1, next_offset above 64 bytes, a button with a text
 * and not exactly one of a Web App URL (https://) or a valid start
 * parameter, or one without a text).
 */
int bh_client_answer_inline(bh_client *c, const char *inline_query_id,
                            const bh_inline_results *results, const bh_inline_answer_options *opt);

/* One page of a long list of results. */
typedef struct bh_inline_page {
    size_t start, count;     /* the slice [start, start + count) to answer */
    char next_offset[24];    /* the answer's next_offset; "" on the last page */
} bh_inline_page;

/**
 * The page of a list of total results that offset (what the client sent:
 * "" for the first page, else a next_offset this function made) asks for,
 * per_page (1..50) at a time. An offset at or past the end is an empty
 * page. Errors: BH_EINVAL (NULL out, per_page out of 1..50; and an offset
 * that is not one this function made, for which *out is still the first
 * page, so that the caller may answer it).
 */
int bh_inline_page_of(const char *offset, size_t total, size_t per_page, bh_inline_page *out);

/*
 * Edits of messages sent via inline mode, named by the inline_message_id
 * of a chosen_inline_result or of a callback query. Telegram answers true
 * (there is no Message to return). They take an inline keyboard only, and
 * a new file only as a file_id or URL (no upload into an inline message).
 * Errors: those of bh_client_call, BH_EINVAL (NULL client, NULL or empty
 * id or text, a markup that is not an inline keyboard, an upload).
 */

/** editMessageText; opt may be NULL (parse_mode, disable_web_page_preview
 *  and reply_markup are used). */
int bh_client_edit_inline_text(bh_client *c, const char *inline_message_id, const char *text,
                               const bh_send_options *opt);
/** editMessageCaption (NULL or "" removes it); opt as above. */
int bh_client_edit_inline_caption(bh_client *c, const char *inline_message_id,
                                  const char *caption, const bh_send_options *opt);
/** editMessageMedia: media by file_id or URL; markup may be NULL. */
int bh_client_edit_inline_media(bh_client *c, const char *inline_message_id,
                                const bh_input_media *media, const bh_keyboard *markup);
/** editMessageReplyMarkup: markup NULL removes the keyboard. */
int bh_client_edit_inline_reply_markup(bh_client *c, const char *inline_message_id,
                                       const bh_keyboard *markup);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_KEYBOARDS_H */
