/*
 * bothive: the Bot API beyond the basics, part of the client of
 * telegram.h (which includes this header; include either).
 *
 * Every method goes through one call path, the one of bh_client_call:
 * the limiter before each send (shared flood limits, shared 429 pauses),
 * retries of 429, 5xx and network errors, migration to a supergroup, and
 * the error details in bh_api_error. Parameters are built with bh_params
 * (json-c writes every body); a parameter may be a file, from a path
 * (streamed as it is sent), from memory, by file_id or by URL, and a file
 * to upload makes the request multipart/form-data. Downloads go to a
 * buffer or to a file (through a temporary name, so a failure leaves
 * nothing). Typed wrappers cover the methods bots use most.
 */
#ifndef BOTHIVE_BOTAPI_H
#define BOTHIVE_BOTAPI_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "telegram.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The call path's limiter ---------------------------------------------- */
/*
 * The client knows no store: a program that wants the flood limits shared
 * by several processes (the bot layer does, with its store-backed rate
 * limiter) gives the client a limiter. Before each attempt of a method that
 * sends to a chat (every send* but sendChatAction, copy*, forward*), the
 * client calls wait(); after each 429 it calls paused() with retry_after,
 * so the limiter can hold back every process of the bot for that time.
 */
typedef struct bh_limiter {
    /* Blocks until a message may go to chat_id (0 when the chat is given
     * as @username). A non-zero return is logged and the send goes anyway:
     * a broken limiter must not silence the bot. */
    int (*wait)(void *arg, const char *method, int64_t chat_id);
    /* A 429 answered method for chat_id: nothing may be sent for
     * retry_after seconds. */
    void (*paused)(void *arg, const char *method, int64_t chat_id, int retry_after);
    void *arg;
} bh_limiter;

/** Sets (or with NULL removes) the client's limiter; *l is copied.
 *  Errors: BH_EINVAL (NULL client). */
int bh_client_set_limiter(bh_client *c, const bh_limiter *l);

/** Whether method sends to a chat and so waits for the limiter (1 or 0). */
int bh_method_sends_to_chat(const char *method);

/* ---- Files to upload -------------------------------------------------------- */

typedef enum bh_input_kind {
    BH_INPUT_NONE = 0,
    BH_INPUT_PATH,    /* a file on disk, streamed as it is sent */
    BH_INPUT_MEMORY,  /* bytes in memory (copied by the builder) */
    BH_INPUT_FILE_ID, /* a file already on Telegram's servers */
    BH_INPUT_URL      /* a URL Telegram fetches itself */
} bh_input_kind;

/* A file for any parameter that takes one. Make it with the functions
 * below; the strings and bytes it points to must live until it is added
 * to a bh_params (which copies them). */
typedef struct bh_input_file {
    bh_input_kind kind;
    const char *value;    /* path, file_id or URL */
    const void *data;     /* BH_INPUT_MEMORY: the bytes */
    size_t len;
    const char *filename; /* name shown to users; NULL: the path's base name, or "file" */
} bh_input_file;

#define BH_UPLOAD_MAX ((int64_t)50 << 20)    /* any upload, as the Bot API limits it */
#define BH_PHOTO_MAX ((int64_t)10 << 20)     /* a photo */
#define BH_DOWNLOAD_MAX ((int64_t)20 << 20)  /* what getFile serves */

bh_input_file bh_file_path(const char *path);
bh_input_file bh_file_memory(const void *data, size_t len, const char *filename);
bh_input_file bh_file_id(const char *file_id);
bh_input_file bh_file_url(const char *url);

/* ---- The parameter builder ------------------------------------------------ */
/*
 * The parameters of any method, built without writing JSON: json-c makes
 * the body. A file to upload makes the request multipart/form-data. A
 * setter that fails keeps its error, which the call returns (so a chain of
 * setters may be checked once, at the call); bh_params_error says why.
 */
typedef struct bh_params bh_params;

/** Errors: BH_EINVAL (NULL out), BH_ENOMEM. */
int bh_params_new(bh_params **out);
void bh_params_free(bh_params *p);
/* Each setter replaces an earlier value of key. Errors: BH_EINVAL (NULL p,
 * key or value), BH_ENOMEM, or the first error of an earlier setter. */
int bh_params_str(bh_params *p, const char *key, const char *value);
int bh_params_int(bh_params *p, const char *key, int64_t value);
int bh_params_bool(bh_params *p, const char *key, int value);
int bh_params_double(bh_params *p, const char *key, double value);
/** Any JSON value (takes a new reference; the caller keeps its own). */
int bh_params_json(bh_params *p, const char *key, json_object *value);
/** A JSON value given as text. Errors: also BH_EJSON (not JSON). */
int bh_params_json_text(bh_params *p, const char *key, const char *json);
/** reply_markup from an inline keyboard (copied). */
int bh_params_keyboard(bh_params *p, const bh_keyboard *k);
/**
 * A file for key: a file_id or URL goes as a string, a path or bytes as an
 * upload part. Checked at once: a path that cannot be opened for reading
 * (BH_EIO, the description naming the path), a file above BH_UPLOAD_MAX,
 * or above BH_PHOTO_MAX for key "photo" (BH_ETOOBIG, naming the limit).
 * Errors: BH_EINVAL (NULL, empty or BH_INPUT_NONE file), BH_EIO,
 * BH_ETOOBIG, BH_ENOMEM.
 */
int bh_params_file(bh_params *p, const char *key, const bh_input_file *f);
/**
 * A file referred to from inside another parameter (InputMedia's "media"):
 * an upload becomes a part of its own, and ref receives "attach://<part>";
 * a file_id or URL is copied to ref as it is. max_bytes: the limit of that
 * use (BH_PHOTO_MAX for a photo; 0 for BH_UPLOAD_MAX).
 * Errors: those of bh_params_file, BH_ETOOBIG also when ref is too small.
 */
int bh_params_attach(bh_params *p, const bh_input_file *f, int64_t max_bytes, char *ref,
                     size_t refsz);
/** Why the first failed setter failed ("" if none); never NULL. */
const char *bh_params_error(const bh_params *p);
/** The JSON object of the non-file parameters (owned by p). */
json_object *bh_params_object(const bh_params *p);

/**
 * Calls method with p (NULL for none; not consumed). Goes through the same
 * path as bh_client_call (limiter, retries, 429, migration); as
 * multipart/form-data when p has an upload, the files streamed from disk.
 * Errors: those of bh_client_call, and the error of a failed setter of p
 * (its description in bh_client_last_error).
 */
int bh_client_call_params(bh_client *c, const char *method, const bh_params *p,
                          json_object **result);

/* ---- Downloads -------------------------------------------------------------- */

typedef struct bh_file_info {
    char file_id[256];
    char file_unique_id[128];
    int64_t file_size;    /* 0 when Telegram does not say */
    char file_path[1024]; /* "" when the file cannot be downloaded */
} bh_file_info;

/** getFile. Errors: those of bh_client_call, BH_EINVAL (NULL/empty id),
 *  BH_EPROTO (no File in the answer). */
int bh_client_get_file(bh_client *c, const char *file_id, bh_file_info *out);

/**
 * Downloads file_path (from getFile) from <base>/file/bot<token>/ to dest:
 * written to a temporary file beside it and renamed when complete, so a
 * failed download leaves no file at dest (nor the temporary). The file is
 * created with mode 0600 (a user's file is nobody else's business until
 * the program says so); an existing dest is replaced. An absolute
 * file_path (a local Bot API server) is copied from the local disk.
 * max_bytes: 0 for BH_DOWNLOAD_MAX. The URL is never logged.
 * Errors: BH_EINVAL (NULL argument, empty path), BH_ETOOBIG (larger than
 * max_bytes), BH_EAPI (HTTP error; error_code is the status), BH_EIO
 * (cannot write dest or read a local file), BH_ENET, BH_ETIMEDOUT,
 * BH_EINTR, BH_ENOMEM.
 */
int bh_client_download(bh_client *c, const char *file_path, const char *dest,
                       int64_t max_bytes);

/** As bh_client_download, into *data (malloc'd, NUL-terminated, caller
 *  frees) and *len. Errors: those of bh_client_download. */
int bh_client_download_buffer(bh_client *c, const char *file_path, int64_t max_bytes,
                              char **data, size_t *len);

/** getFile of file_id and then bh_client_download to dest.
 *  Errors: those of both. */
int bh_client_download_file(bh_client *c, const char *file_id, const char *dest,
                            int64_t max_bytes);

/* ---- Typed methods with files, and chat management ------------------------- */
/*
 * Each goes through bh_client_call_params (the limiter, retries, 429,
 * migration), and returns its errors, plus BH_EINVAL for a NULL or empty
 * required argument, the builder's errors for a file (BH_EIO for an
 * unreadable path, BH_ETOOBIG above the limits, each described in
 * bh_client_last_error), and BH_EPROTO when the result does not have the
 * documented type. Outputs may be NULL when not wanted.
 */

/** sendPhoto of photo (at most BH_PHOTO_MAX) with caption (NULL: none);
 *  opt may be NULL. */
int bh_client_send_photo(bh_client *c, int64_t chat_id, const bh_input_file *photo,
                         const char *caption, const bh_send_options *opt, bh_message **sent);

/** sendDocument of document (at most BH_UPLOAD_MAX); as bh_client_send_photo. */
int bh_client_send_document(bh_client *c, int64_t chat_id, const bh_input_file *document,
                            const char *caption, const bh_send_options *opt, bh_message **sent);

/** sendAudio, sendVideo, sendAnimation, sendVoice, sendVideoNote: as
 *  bh_client_send_document (video notes take no caption: pass NULL). */
int bh_client_send_audio(bh_client *c, int64_t chat_id, const bh_input_file *audio,
                         const char *caption, const bh_send_options *opt, bh_message **sent);
int bh_client_send_video(bh_client *c, int64_t chat_id, const bh_input_file *video,
                         const char *caption, const bh_send_options *opt, bh_message **sent);
int bh_client_send_animation(bh_client *c, int64_t chat_id, const bh_input_file *animation,
                             const char *caption, const bh_send_options *opt, bh_message **sent);
int bh_client_send_voice(bh_client *c, int64_t chat_id, const bh_input_file *voice,
                         const char *caption, const bh_send_options *opt, bh_message **sent);
int bh_client_send_video_note(bh_client *c, int64_t chat_id, const bh_input_file *video_note,
                              const char *caption, const bh_send_options *opt, bh_message **sent);
/** sendSticker (a sticker has no caption). */
int bh_client_send_sticker(bh_client *c, int64_t chat_id, const bh_input_file *sticker,
                           const bh_send_options *opt, bh_message **sent);

/* One item of an album. */
typedef struct bh_input_media {
    const char *type;      /* "photo", "video", "document" or "audio" */
    bh_input_file file;    /* uploads go as attach:// parts */
    const char *caption;   /* NULL: none */
    const char *parse_mode;
} bh_input_media;

/**
 * sendMediaGroup of n (2..10) items as one album. *sent receives the n
 * messages (free with bh_messages_free), *nsent their number.
 * Errors: also BH_EINVAL for n out of 2..10 or an item without type.
 */
int bh_client_send_media_group(bh_client *c, int64_t chat_id, const bh_input_media *media,
                               size_t n, const bh_send_options *opt, bh_message ***sent,
                               size_t *nsent);
/** Frees an array of n messages. NULL is a no-op. */
void bh_messages_free(bh_message **msgs, size_t n);

/** deleteMessages of n (1..100) ids. */
int bh_client_delete_messages(bh_client *c, int64_t chat_id, const int64_t *ids, size_t n);

/** pinChatMessage. */
int bh_client_pin_chat_message(bh_client *c, int64_t chat_id, int64_t message_id,
                               int disable_notification);

/** banChatMember until until_date (unix time; 0: for ever); revoke_messages
 *  deletes the user's messages too. */
int bh_client_ban_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                              int64_t until_date, int revoke_messages);

/* What a restricted member may do; every field is sent (0 is "no"). */
typedef struct bh_chat_permissions {
    int can_send_messages, can_send_audios, can_send_documents, can_send_photos;
    int can_send_videos, can_send_video_notes, can_send_voice_notes, can_send_polls;
    int can_send_other_messages, can_add_web_page_previews, can_change_info;
    int can_invite_users, can_pin_messages, can_manage_topics;
} bh_chat_permissions;

/** restrictChatMember to perm until until_date (0: for ever). */
int bh_client_restrict_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                                   const bh_chat_permissions *perm, int64_t until_date);

typedef struct bh_chat_member {
    char status[24];    /* creator, administrator, member, restricted, left, kicked */
    int64_t user_id;
    int64_t until_date; /* 0 when none */
    json_object *json;  /* the ChatMember object; released by bh_chat_member_clear */
} bh_chat_member;

/** getChatMember into *out (clear it with bh_chat_member_clear). */
int bh_client_get_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                              bh_chat_member *out);
void bh_chat_member_clear(bh_chat_member *m);

/* ---- Editing, copying, unbanning, unpinning ------------------------------- */
/* The same rules and errors as the typed methods above. */

/** editMessageMedia: message_id in chat_id shows media instead (an upload
 *  goes as an attach:// part); markup may be NULL. *edited: the message. */
int bh_client_edit_message_media(bh_client *c, int64_t chat_id, int64_t message_id,
                                 const bh_input_media *media, const bh_keyboard *markup,
                                 bh_message **edited);

/** editMessageCaption: caption (NULL or "" removes it); opt may be NULL
 *  (only parse_mode and reply_markup are used). */
int bh_client_edit_message_caption(bh_client *c, int64_t chat_id, int64_t message_id,
                                   const char *caption, const bh_send_options *opt,
                                   bh_message **edited);

/** copyMessage of message_id from from_chat_id to chat_id; caption, when
 *  not NULL, replaces a media message's caption. *new_id: the copy's id. */
int bh_client_copy_message(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                           int64_t message_id, const char *caption,
                           const bh_send_options *opt, int64_t *new_id);

/** unbanChatMember; only_if_banned leaves a member who is not banned alone. */
int bh_client_unban_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                                int only_if_banned);

/** unpinChatMessage of message_id (0: the most recently pinned). */
int bh_client_unpin_chat_message(bh_client *c, int64_t chat_id, int64_t message_id);

/** unpinAllChatMessages. */
int bh_client_unpin_all_chat_messages(bh_client *c, int64_t chat_id);

/* ---- Text for the parse modes -------------------------------------------- */

/**
 * A copy of text (malloc'd; the caller frees it) that shows as itself with
 * parse_mode "HTML" (&, <, > and " escaped) or "MarkdownV2" (each of
 * _*[]()~`>#+-=|{}.! and \ preceded by a backslash): for putting what a
 * user wrote inside formatted text. NULL when text is NULL or out of memory.
 */
char *bh_text_escape_html(const char *text);
char *bh_text_escape_markdown_v2(const char *text);

/* ---- Locations, venues, contacts, dice, polls ------------------------------- */
/* The same rules and errors as the typed methods above; opt may be NULL. */

/** sendLocation. Errors: also BH_EINVAL (latitude outside -90..90,
 *  longitude outside -180..180). */
int bh_client_send_location(bh_client *c, int64_t chat_id, double latitude, double longitude,
                            const bh_send_options *opt, bh_message **sent);
/** sendVenue (title and address required). */
int bh_client_send_venue(bh_client *c, int64_t chat_id, double latitude, double longitude,
                         const char *title, const char *address, const bh_send_options *opt,
                         bh_message **sent);
/** sendContact; last_name may be NULL. */
int bh_client_send_contact(bh_client *c, int64_t chat_id, const char *phone_number,
                           const char *first_name, const char *last_name,
                           const bh_send_options *opt, bh_message **sent);
/** sendDice; emoji NULL for the server's default (a die). */
int bh_client_send_dice(bh_client *c, int64_t chat_id, const char *emoji,
                        const bh_send_options *opt, bh_message **sent);
/** sendPoll with n (2..10) options. */
int bh_client_send_poll(bh_client *c, int64_t chat_id, const char *question,
                        const char *const *options, size_t n, const bh_send_options *opt,
                        bh_message **sent);

/* ---- Chats: information, leaving, reactions, bulk forwards and copies ------- */
/* The same rules and errors as the typed methods above. */

typedef struct bh_chat_info {
    int64_t id;
    char type[16];      /* private, group, supergroup, channel */
    char title[256];    /* "" for private chats */
    char username[64];  /* "" when none */
    json_object *json;  /* the ChatFullInfo object; released by bh_chat_info_clear */
} bh_chat_info;

/** getChat into *out (clear it with bh_chat_info_clear). */
int bh_client_get_chat(bh_client *c, int64_t chat_id, bh_chat_info *out);
void bh_chat_info_clear(bh_chat_info *info);

/** leaveChat. */
int bh_client_leave_chat(bh_client *c, int64_t chat_id);

/** getChatAdministrators: *out receives *n members (free them with
 *  bh_chat_members_free). */
int bh_client_get_chat_administrators(bh_client *c, int64_t chat_id, bh_chat_member **out,
                                      size_t *n);
void bh_chat_members_free(bh_chat_member *members, size_t n);

/** getChatMemberCount. */
int bh_client_get_chat_member_count(bh_client *c, int64_t chat_id, int64_t *count);

/** setMessageReaction: emoji (NULL removes the bot's reaction). */
int bh_client_set_message_reaction(bh_client *c, int64_t chat_id, int64_t message_id,
                                   const char *emoji, int is_big);

/**
 * forwardMessages / copyMessages of n (1..100) ids of from_chat_id to
 * chat_id. new_ids (room for n, or NULL) receives the ids of the messages
 * sent, *nsent (may be NULL) their number (ids that name no message are
 * skipped by Telegram).
 */
int bh_client_forward_messages(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                               const int64_t *ids, size_t n, int64_t *new_ids, size_t *nsent);
int bh_client_copy_messages(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                            const int64_t *ids, size_t n, int64_t *new_ids, size_t *nsent);

/* ---- Webhooks, commands, keyboards of sent messages, polls, rights -------- */
/* The same rules and errors as the typed methods above. */

typedef struct bh_webhook_options {
    const char *secret_token;            /* NULL: none */
    const char *const *allowed_updates;  /* NULL-terminated; NULL: keep the server's */
    int max_connections;                 /* 0: the server's default */
    int drop_pending_updates;
} bh_webhook_options;

/** setWebhook to url; opt may be NULL. */
int bh_client_set_webhook(bh_client *c, const char *url, const bh_webhook_options *opt);
/** deleteWebhook. */
int bh_client_delete_webhook(bh_client *c, int drop_pending_updates);

typedef struct bh_webhook_info {
    char url[512];                 /* "" when none is set */
    int64_t pending_update_count;
    int64_t last_error_date;       /* 0 when none */
    char last_error_message[256];
    json_object *json;             /* the WebhookInfo; released by bh_webhook_info_clear */
} bh_webhook_info;

/** getWebhookInfo into *out (clear it with bh_webhook_info_clear). */
int bh_client_get_webhook_info(bh_client *c, bh_webhook_info *out);
void bh_webhook_info_clear(bh_webhook_info *info);

/** getMyCommands: *commands (may be NULL) receives the array of
 *  BotCommand objects (a new reference the caller puts). */
int bh_client_get_my_commands(bh_client *c, json_object **commands);

/** deleteMyCommands (of the default scope and language). */
int bh_client_delete_my_commands(bh_client *c);

/** editMessageReplyMarkup: markup NULL removes the inline keyboard. */
int bh_client_edit_message_reply_markup(bh_client *c, int64_t chat_id, int64_t message_id,
                                        const bh_keyboard *markup, bh_message **edited);

/** stopPoll: closes the poll of message_id; *poll (may be NULL) receives the
 *  Poll object (a new reference the caller puts). */
int bh_client_stop_poll(bh_client *c, int64_t chat_id, int64_t message_id, json_object **poll);

/* The rights of an administrator; every field is sent (0 is "no"). */
typedef struct bh_admin_rights {
    int is_anonymous, can_manage_chat, can_delete_messages, can_manage_video_chats;
    int can_restrict_members, can_promote_members, can_change_info, can_invite_users;
    int can_pin_messages, can_post_stories, can_edit_stories, can_delete_stories;
    int can_manage_topics;
} bh_admin_rights;

/** promoteChatMember with rights (all zero demotes to a member). */
int bh_client_promote_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                                  const bh_admin_rights *rights);

/** setChatPermissions: what members may do by default. */
int bh_client_set_chat_permissions(bh_client *c, int64_t chat_id, const bh_chat_permissions *perm);

/* ---- Invite links, join requests, inline answers, live locations, scoped commands */
/* The same rules and errors as the typed methods above. */

typedef struct bh_invite_link {
    char invite_link[256];
    int is_revoked;
    json_object *json;   /* the ChatInviteLink; released by bh_invite_link_clear */
} bh_invite_link;

/** createChatInviteLink; name may be NULL, expire_date and member_limit 0
 *  for none. */
int bh_client_create_chat_invite_link(bh_client *c, int64_t chat_id, const char *name,
                                      int64_t expire_date, int member_limit,
                                      int creates_join_request, bh_invite_link *out);
/** revokeChatInviteLink of invite_link; *out (may be NULL) the revoked link. */
int bh_client_revoke_chat_invite_link(bh_client *c, int64_t chat_id, const char *invite_link,
                                      bh_invite_link *out);
void bh_invite_link_clear(bh_invite_link *link);

/** approveChatJoinRequest / declineChatJoinRequest of user_id. */
int bh_client_approve_chat_join_request(bh_client *c, int64_t chat_id, int64_t user_id);
int bh_client_decline_chat_join_request(bh_client *c, int64_t chat_id, int64_t user_id);

/** answerInlineQuery with results (a JSON array of InlineQueryResult, not
 *  consumed); cache_time < 0 for the server's default; next_offset may be NULL. */
int bh_client_answer_inline_query(bh_client *c, const char *inline_query_id, json_object *results,
                                  int cache_time, int is_personal, const char *next_offset);

/** editMessageLiveLocation / stopMessageLiveLocation of message_id. */
int bh_client_edit_message_live_location(bh_client *c, int64_t chat_id, int64_t message_id,
                                         double latitude, double longitude, bh_message **edited);
int bh_client_stop_message_live_location(bh_client *c, int64_t chat_id, int64_t message_id,
                                         bh_message **stopped);

/* The scope of a command list (BotCommandScope). */
typedef struct bh_command_scope {
    const char *type; /* "default", "all_private_chats", "all_group_chats",
                       * "all_chat_administrators", "chat", "chat_administrators",
                       * "chat_member"; NULL is "default" */
    int64_t chat_id;  /* chat, chat_administrators, chat_member */
    int64_t user_id;  /* chat_member */
} bh_command_scope;

/** setMyCommands for a scope (NULL: default) and a language (NULL or "":
 *  every language). Errors: those of bh_client_set_my_commands. */
int bh_client_set_my_commands_ex(bh_client *c, const bh_bot_command_info *cmds, size_t n,
                                 const bh_command_scope *scope, const char *language_code);

/* ---- The bot's profile, chat titles, logOut and close ----------------------- */
/* The same rules and errors as the typed methods above. language_code NULL
 * or "" means every language. */

/** setMyName / setMyDescription / setMyShortDescription (text NULL or ""
 *  removes it). */
int bh_client_set_my_name(bh_client *c, const char *name, const char *language_code);
int bh_client_set_my_description(bh_client *c, const char *description, const char *language_code);
int bh_client_set_my_short_description(bh_client *c, const char *short_description,
                                       const char *language_code);
/** getMyName / getMyDescription / getMyShortDescription into out (size n,
 *  always terminated; cut if needed). */
int bh_client_get_my_name(bh_client *c, const char *language_code, char *out, size_t n);
int bh_client_get_my_description(bh_client *c, const char *language_code, char *out, size_t n);
int bh_client_get_my_short_description(bh_client *c, const char *language_code, char *out,
                                       size_t n);

/** setChatTitle (1..128 characters) / setChatDescription (NULL or "" removes it). */
int bh_client_set_chat_title(bh_client *c, int64_t chat_id, const char *title);
int bh_client_set_chat_description(bh_client *c, int64_t chat_id, const char *description);

/** exportChatInviteLink: a new primary link into out (size n). */
int bh_client_export_chat_invite_link(bh_client *c, int64_t chat_id, char *out, size_t n);

/** getUserProfilePhotos: *photos (may be NULL) receives the
 *  UserProfilePhotos object (a new reference the caller puts); limit 0 for
 *  the server's default (100). */
int bh_client_get_user_profile_photos(bh_client *c, int64_t user_id, int offset, int limit,
                                      json_object **photos);

/** logOut (from the cloud Bot API server, before moving to a local one)
 *  and close (before moving a bot between local servers). */
int bh_client_log_out(bh_client *c);
int bh_client_close(bh_client *c);

/* ---- Chat photos, menu buttons, default rights, sender chats, stickers, stars */
/* The same rules and errors as the typed methods above. Objects returned
 * through json_object ** are new references the caller puts. */

/** setChatPhoto: photo must be an upload (a path or bytes; BH_EINVAL for a
 *  file_id or a URL, which Telegram does not take here). */
int bh_client_set_chat_photo(bh_client *c, int64_t chat_id, const bh_input_file *photo);
/** deleteChatPhoto. */
int bh_client_delete_chat_photo(bh_client *c, int64_t chat_id);

/** setChatMenuButton for chat_id (0: the default one) to menu_button (a
 *  MenuButton object, not consumed; NULL: back to the default). */
int bh_client_set_chat_menu_button(bh_client *c, int64_t chat_id, json_object *menu_button);
/** getChatMenuButton of chat_id (0: the default one) into *menu_button. */
int bh_client_get_chat_menu_button(bh_client *c, int64_t chat_id, json_object **menu_button);

/** setMyDefaultAdministratorRights (rights NULL clears them), for channels
 *  or for groups. */
int bh_client_set_my_default_administrator_rights(bh_client *c, const bh_admin_rights *rights,
                                                  int for_channels);
/** getMyDefaultAdministratorRights into *rights (a ChatAdministratorRights). */
int bh_client_get_my_default_administrator_rights(bh_client *c, int for_channels,
                                                  json_object **rights);

/** banChatSenderChat / unbanChatSenderChat. */
int bh_client_ban_chat_sender_chat(bh_client *c, int64_t chat_id, int64_t sender_chat_id);
int bh_client_unban_chat_sender_chat(bh_client *c, int64_t chat_id, int64_t sender_chat_id);

/** uploadStickerFile of sticker (an upload) in format "static", "animated"
 *  or "video" for user_id; *out (may be NULL) the File. */
int bh_client_upload_sticker_file(bh_client *c, int64_t user_id, const bh_input_file *sticker,
                                  const char *format, bh_file_info *out);
/** getStickerSet of name into *set (a StickerSet). */
int bh_client_get_sticker_set(bh_client *c, const char *name, json_object **set);
/** getForumTopicIconStickers into *stickers (an array of Sticker). */
int bh_client_get_forum_topic_icon_stickers(bh_client *c, json_object **stickers);
/** getMyStarBalance: the bot's Telegram Stars (whole stars) into *amount. */
int bh_client_get_my_star_balance(bh_client *c, int64_t *amount);

/* ---- Forum topics -------------------------------------------------------- */
/* The same rules and errors as the typed methods above. */

/** createForumTopic named name (1..128 characters); icon_color 0 for the
 *  server's default; *thread_id (may be NULL) its message_thread_id. */
int bh_client_create_forum_topic(bh_client *c, int64_t chat_id, const char *name, int icon_color,
                                 int64_t *thread_id);
/** editForumTopic: a new name (NULL keeps it). */
int bh_client_edit_forum_topic(bh_client *c, int64_t chat_id, int64_t thread_id, const char *name);
/** closeForumTopic, reopenForumTopic, deleteForumTopic, unpinAllForumTopicMessages. */
int bh_client_close_forum_topic(bh_client *c, int64_t chat_id, int64_t thread_id);
int bh_client_reopen_forum_topic(bh_client *c, int64_t chat_id, int64_t thread_id);
int bh_client_delete_forum_topic(bh_client *c, int64_t chat_id, int64_t thread_id);
int bh_client_unpin_all_forum_topic_messages(bh_client *c, int64_t chat_id, int64_t thread_id);
/** editGeneralForumTopic: the General topic's name. */
int bh_client_edit_general_forum_topic(bh_client *c, int64_t chat_id, const char *name);
/** closeGeneralForumTopic, reopenGeneralForumTopic, hideGeneralForumTopic,
 *  unhideGeneralForumTopic, unpinAllGeneralForumTopicMessages. */
int bh_client_close_general_forum_topic(bh_client *c, int64_t chat_id);
int bh_client_reopen_general_forum_topic(bh_client *c, int64_t chat_id);
int bh_client_hide_general_forum_topic(bh_client *c, int64_t chat_id);
int bh_client_unhide_general_forum_topic(bh_client *c, int64_t chat_id);
int bh_client_unpin_all_general_forum_topic_messages(bh_client *c, int64_t chat_id);

/* ---- Payments, boosts, gifts, custom emoji ------------------------------- */
/* The same rules and errors as the typed methods above. Objects returned
 * through json_object ** are new references the caller puts. */

typedef struct bh_labeled_price {
    const char *label;
    int64_t amount;        /* in the smallest units of the currency */
} bh_labeled_price;

typedef struct bh_invoice {
    const char *title;          /* 1..32 characters */
    const char *description;    /* 1..255 characters */
    const char *payload;        /* 1..128 bytes, not shown to the user */
    const char *currency;       /* "XTR" for Telegram Stars, or ISO 4217 */
    const char *provider_token; /* NULL for Telegram Stars */
    const bh_labeled_price *prices;
    size_t nprices;             /* at least 1 */
} bh_invoice;

/** sendInvoice of inv to chat_id. */
int bh_client_send_invoice(bh_client *c, int64_t chat_id, const bh_invoice *inv,
                           const bh_send_options *opt, bh_message **sent);
/** createInvoiceLink of inv into out (size n). */
int bh_client_create_invoice_link(bh_client *c, const bh_invoice *inv, char *out, size_t n);
/** answerShippingQuery: ok with shipping_options (an array of ShippingOption,
 *  not consumed), or not ok with error_message. */
int bh_client_answer_shipping_query(bh_client *c, const char *shipping_query_id, int ok,
                                    json_object *shipping_options, const char *error_message);
/** answerPreCheckoutQuery: ok, or not ok with error_message. */
int bh_client_answer_pre_checkout_query(bh_client *c, const char *pre_checkout_query_id, int ok,
                                        const char *error_message);
/** getStarTransactions into *transactions (a StarTransactions); limit 0 for
 *  the server's default. */
int bh_client_get_star_transactions(bh_client *c, int offset, int limit,
                                    json_object **transactions);
/** refundStarPayment of telegram_payment_charge_id to user_id. */
int bh_client_refund_star_payment(bh_client *c, int64_t user_id, const char *charge_id);

/** getUserChatBoosts of user_id in chat_id into *boosts (a UserChatBoosts). */
int bh_client_get_user_chat_boosts(bh_client *c, int64_t chat_id, int64_t user_id,
                                   json_object **boosts);
/** getAvailableGifts into *gifts (a Gifts object). */
int bh_client_get_available_gifts(bh_client *c, json_object **gifts);
/** getCustomEmojiStickers of n (1..200) ids into *stickers (an array). */
int bh_client_get_custom_emoji_stickers(bh_client *c, const char *const *ids, size_t n,
                                        json_object **stickers);

/** editChatInviteLink: a new name (NULL keeps it), expire_date and
 *  member_limit (negative keeps them, 0 removes them). */
int bh_client_edit_chat_invite_link(bh_client *c, int64_t chat_id, const char *invite_link,
                                    const char *name, int64_t expire_date, int member_limit,
                                    bh_invite_link *out);

/* ---- Custom titles, group sticker sets, apps, games, verification ---------- */
/* The same rules and errors as the typed methods above. */

/** setChatAdministratorCustomTitle (0..16 characters) of an administrator. */
int bh_client_set_chat_administrator_custom_title(bh_client *c, int64_t chat_id, int64_t user_id,
                                                  const char *custom_title);
/** setChatStickerSet / deleteChatStickerSet of a supergroup. */
int bh_client_set_chat_sticker_set(bh_client *c, int64_t chat_id, const char *sticker_set_name);
int bh_client_delete_chat_sticker_set(bh_client *c, int64_t chat_id);
/** getBusinessConnection into *connection (a BusinessConnection, a new
 *  reference the caller puts). */
int bh_client_get_business_connection(bh_client *c, const char *business_connection_id,
                                      json_object **connection);
/** answerWebAppQuery with result (an InlineQueryResult, not consumed). */
int bh_client_answer_web_app_query(bh_client *c, const char *web_app_query_id,
                                   json_object *result);
/** verifyUser / verifyChat (description NULL for none) and their removals. */
int bh_client_verify_user(bh_client *c, int64_t user_id, const char *description);
int bh_client_verify_chat(bh_client *c, int64_t chat_id, const char *description);
int bh_client_remove_user_verification(bh_client *c, int64_t user_id);
int bh_client_remove_chat_verification(bh_client *c, int64_t chat_id);
/** sendGame game_short_name to chat_id. */
int bh_client_send_game(bh_client *c, int64_t chat_id, const char *game_short_name,
                        const bh_send_options *opt, bh_message **sent);


#ifdef __cplusplus
}
#endif
#include "apitable.h"
#include "botapi_more.h"

/* Keyboards of every kind and inline mode. */
#include "keyboards.h"

#endif /* BOTHIVE_BOTAPI_H */
