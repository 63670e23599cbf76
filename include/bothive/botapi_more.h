/*
 * bothive: more typed methods of the Bot API, part of the client of
 * telegram.h. botapi.h includes this header at its end, after the types
 * it uses: include telegram.h or botapi.h, not this one alone.
 */
#ifndef BOTHIVE_BOTAPI_MORE_H
#define BOTHIVE_BOTAPI_MORE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Sticker sets, gifts, games, reactions, business accounts, checklists -- */
/* The rules and errors of the typed methods of botapi.h: each goes through
 * bh_client_call_params and returns its errors, BH_EINVAL for a NULL or
 * empty required argument (or one out of the range its comment gives),
 * the builder's errors for a file, and BH_EPROTO when the result does not
 * have the documented type. Outputs may be NULL when not wanted. Objects returned
 * through json_object ** are new references the caller puts. */

/* A sticker to add to a set (InputSticker). */
typedef struct bh_input_sticker {
    bh_input_file file;          /* an upload goes as an attach:// part */
    const char *format;          /* "static", "animated" or "video" */
    const char *const *emoji;    /* NULL-terminated, 1..20 emoji */
    const char *const *keywords; /* NULL-terminated, or NULL for none */
} bh_input_sticker;

/** createNewStickerSet name (ending in "_by_<bot username>") owned by
 *  user_id, with n (1..50) stickers; sticker_type NULL for "regular".
 *  Errors: also BH_EINVAL for a sticker without format or emoji. */
int bh_client_create_new_sticker_set(bh_client *c, int64_t user_id, const char *name,
                                     const char *title, const bh_input_sticker *stickers,
                                     size_t n, const char *sticker_type);
/** addStickerToSet / replaceStickerInSet (old_sticker: its file_id). */
int bh_client_add_sticker_to_set(bh_client *c, int64_t user_id, const char *name,
                                 const bh_input_sticker *sticker);
int bh_client_replace_sticker_in_set(bh_client *c, int64_t user_id, const char *name,
                                     const char *old_sticker, const bh_input_sticker *sticker);
/** setStickerPositionInSet (0-based) / deleteStickerFromSet of a sticker's file_id. */
int bh_client_set_sticker_position_in_set(bh_client *c, const char *sticker, int position);
int bh_client_delete_sticker_from_set(bh_client *c, const char *sticker);
/** setStickerEmojiList (NULL-terminated, required) / setStickerKeywords
 *  (NULL removes them) / setStickerMaskPosition (a MaskPosition, NULL removes it). */
int bh_client_set_sticker_emoji_list(bh_client *c, const char *sticker, const char *const *emoji);
int bh_client_set_sticker_keywords(bh_client *c, const char *sticker, const char *const *keywords);
int bh_client_set_sticker_mask_position(bh_client *c, const char *sticker, json_object *mask_position);
/** setStickerSetTitle / deleteStickerSet. */
int bh_client_set_sticker_set_title(bh_client *c, const char *name, const char *title);
int bh_client_delete_sticker_set(bh_client *c, const char *name);
/** setStickerSetThumbnail in format ("static", "animated", "video");
 *  thumbnail NULL drops it. setCustomEmojiStickerSetThumbnail: NULL drops it. */
int bh_client_set_sticker_set_thumbnail(bh_client *c, const char *name, int64_t user_id,
                                        const bh_input_file *thumbnail, const char *format);
int bh_client_set_custom_emoji_sticker_set_thumbnail(bh_client *c, const char *name,
                                                     const char *custom_emoji_id);

/** sendGift gift_id to a user or a chat (exactly one of them non-zero);
 *  text NULL for none. */
int bh_client_send_gift(bh_client *c, int64_t user_id, int64_t chat_id, const char *gift_id,
                        const char *text);
/** giftPremiumSubscription: month_count 3, 6 or 12 for star_count Stars. */
int bh_client_gift_premium_subscription(bh_client *c, int64_t user_id, int month_count,
                                        int64_t star_count, const char *text);
/** getUserGifts / getChatGifts into *gifts (an OwnedGifts); offset NULL
 *  for the first page, limit 0 for the server's default (1..100). */
int bh_client_get_user_gifts(bh_client *c, int64_t user_id, const char *offset, int limit,
                             json_object **gifts);
int bh_client_get_chat_gifts(bh_client *c, int64_t chat_id, const char *offset, int limit,
                             json_object **gifts);
/** setGameScore of user_id in the game message message_id of chat_id;
 *  force allows a lower score. *edited: the game message. */
int bh_client_set_game_score(bh_client *c, int64_t user_id, int64_t score, int64_t chat_id,
                             int64_t message_id, int force, bh_message **edited);
/** getGameHighScores into *scores (an array of GameHighScore). */
int bh_client_get_game_high_scores(bh_client *c, int64_t user_id, int64_t chat_id,
                                   int64_t message_id, json_object **scores);
/** deleteMessageReaction / deleteAllMessageReactions: the reactions of a
 *  user (user_id) or of a chat (actor_chat_id): exactly one non-zero. */
int bh_client_delete_message_reaction(bh_client *c, int64_t chat_id, int64_t message_id,
                                      int64_t user_id, int64_t actor_chat_id);
int bh_client_delete_all_message_reactions(bh_client *c, int64_t chat_id, int64_t user_id,
                                           int64_t actor_chat_id);
/** setChatMemberTag (NULL or "" removes it). */
int bh_client_set_chat_member_tag(bh_client *c, int64_t chat_id, int64_t user_id, const char *tag);
/** setUserEmojiStatus (custom_emoji_id NULL removes it; expiration_date 0: none). */
int bh_client_set_user_emoji_status(bh_client *c, int64_t user_id, const char *custom_emoji_id,
                                    int64_t expiration_date);
/** setMyProfilePhoto (a static photo, uploaded) / removeMyProfilePhoto. */
int bh_client_set_my_profile_photo(bh_client *c, const bh_input_file *photo);
int bh_client_remove_my_profile_photo(bh_client *c);
/** createChatSubscriptionInviteLink: period 2592000 (30 days), price
 *  1..10000 Stars; editChatSubscriptionInviteLink: its name. */
int bh_client_create_chat_subscription_invite_link(bh_client *c, int64_t chat_id, const char *name,
                                                   int64_t period, int64_t price,
                                                   bh_invite_link *out);
int bh_client_edit_chat_subscription_invite_link(bh_client *c, int64_t chat_id,
                                                 const char *invite_link, const char *name,
                                                 bh_invite_link *out);

/** readBusinessMessage / deleteBusinessMessages (n: 1..100) on behalf of
 *  the business account of business_connection_id. */
int bh_client_read_business_message(bh_client *c, const char *business_connection_id,
                                    int64_t chat_id, int64_t message_id);
int bh_client_delete_business_messages(bh_client *c, const char *business_connection_id,
                                       const int64_t *ids, size_t n);
/** setBusinessAccountName (last_name NULL for none) / Username / Bio
 *  (NULL or "" removes them). */
int bh_client_set_business_account_name(bh_client *c, const char *business_connection_id,
                                        const char *first_name, const char *last_name);
int bh_client_set_business_account_username(bh_client *c, const char *business_connection_id,
                                            const char *username);
int bh_client_set_business_account_bio(bh_client *c, const char *business_connection_id,
                                       const char *bio);
/** getBusinessAccountStarBalance into *amount; transferBusinessAccountStars
 *  (1..10000) to the bot. */
int bh_client_get_business_account_star_balance(bh_client *c, const char *business_connection_id,
                                                int64_t *amount);
int bh_client_transfer_business_account_stars(bh_client *c, const char *business_connection_id,
                                              int64_t star_count);
/** sendChecklist (a InputChecklist, not consumed) on behalf of a business
 *  account; editMessageChecklist of one sent so. */
int bh_client_send_checklist(bh_client *c, const char *business_connection_id, int64_t chat_id,
                             json_object *checklist, const bh_send_options *opt,
                             bh_message **sent);
int bh_client_edit_message_checklist(bh_client *c, const char *business_connection_id,
                                     int64_t chat_id, int64_t message_id, json_object *checklist,
                                     bh_message **edited);

/* ---- Managed bots, drafts, ephemeral messages, suggested posts, stories, gifts of
 *      business accounts, star subscriptions, Passport, join request queries */
/* The same rules and errors as the typed methods at the head of this file. */

/** removeBusinessAccountProfilePhoto (is_public: the public one). */
int bh_client_remove_business_account_profile_photo(bh_client *c,
                                                    const char *business_connection_id,
                                                    int is_public);
/** getBusinessAccountGifts into *gifts (an OwnedGifts); as bh_client_get_user_gifts. */
int bh_client_get_business_account_gifts(bh_client *c, const char *business_connection_id,
                                         const char *offset, int limit, json_object **gifts);
/** convertGiftToStars / upgradeGift (star_count 0: free, if it is) /
 *  transferGift (to new_owner_chat_id; star_count 0: free) of an owned gift. */
int bh_client_convert_gift_to_stars(bh_client *c, const char *business_connection_id,
                                    const char *owned_gift_id);
int bh_client_upgrade_gift(bh_client *c, const char *business_connection_id,
                           const char *owned_gift_id, int64_t star_count);
int bh_client_transfer_gift(bh_client *c, const char *business_connection_id,
                            const char *owned_gift_id, int64_t new_owner_chat_id,
                            int64_t star_count);
/** deleteStory / repostStory (for active_period seconds; *story the Story). */
int bh_client_delete_story(bh_client *c, const char *business_connection_id, int64_t story_id);
int bh_client_repost_story(bh_client *c, const char *business_connection_id, int64_t from_chat_id,
                           int64_t from_story_id, int active_period, json_object **story);

/** getManagedBotToken / replaceManagedBotToken of the bot user_id manages
 *  through this one, into out (size n; the token: keep it secret). */
int bh_client_get_managed_bot_token(bh_client *c, int64_t user_id, char *out, size_t n);
int bh_client_replace_managed_bot_token(bh_client *c, int64_t user_id, char *out, size_t n);
/** getManagedBotAccessSettings into *settings (a BotAccessSettings);
 *  setManagedBotAccessSettings (n added users, may be 0). */
int bh_client_get_managed_bot_access_settings(bh_client *c, int64_t user_id, json_object **settings);
int bh_client_set_managed_bot_access_settings(bh_client *c, int64_t user_id, int is_access_restricted,
                                              const int64_t *added_user_ids, size_t n);
/** sendMessageDraft: the text of draft draft_id (non-zero) streamed to a
 *  private chat; parse_mode NULL for none. */
int bh_client_send_message_draft(bh_client *c, int64_t chat_id, int64_t draft_id, const char *text,
                                 const char *parse_mode);
/** deleteEphemeralMessage shown to receiver_user_id. */
int bh_client_delete_ephemeral_message(bh_client *c, int64_t chat_id, int64_t receiver_user_id,
                                       int64_t ephemeral_message_id);
/** approveSuggestedPost (send_date 0: at once) / declineSuggestedPost
 *  (comment NULL for none). */
int bh_client_approve_suggested_post(bh_client *c, int64_t chat_id, int64_t message_id,
                                     int64_t send_date);
int bh_client_decline_suggested_post(bh_client *c, int64_t chat_id, int64_t message_id,
                                     const char *comment);
/** getUserPersonalChatMessages: the last limit (1..100) messages of a
 *  user's personal chat into *messages (an array of Message). */
int bh_client_get_user_personal_chat_messages(bh_client *c, int64_t user_id, int limit,
                                              json_object **messages);
/** getUserProfileAudios into *audios (a UserProfileAudios); limit 0 for
 *  the server's default. */
int bh_client_get_user_profile_audios(bh_client *c, int64_t user_id, int offset, int limit,
                                      json_object **audios);
/** editUserStarSubscription: cancel (is_canceled 1) or renew it. */
int bh_client_edit_user_star_subscription(bh_client *c, int64_t user_id, const char *charge_id,
                                          int is_canceled);
/** setPassportDataErrors: errors, an array of PassportElementError (not consumed). */
int bh_client_set_passport_data_errors(bh_client *c, int64_t user_id, json_object *errors);
/** answerChatJoinRequestQuery with result "approve", "decline" or "queue";
 *  sendChatJoinRequestWebApp: a Web App for the query instead. */
int bh_client_answer_chat_join_request_query(bh_client *c, const char *query_id, const char *result);
int bh_client_send_chat_join_request_web_app(bh_client *c, const char *query_id,
                                             const char *web_app_url);

/* ---- Live photos, paid media, rich messages, ephemeral edits, stories ---- */
/* The same rules and errors as the typed methods at the head of this file. */

/** sendLivePhoto: the video live_photo and its still photo. */
int bh_client_send_live_photo(bh_client *c, int64_t chat_id, const bh_input_file *live_photo,
                              const bh_input_file *photo, const char *caption,
                              const bh_send_options *opt, bh_message **sent);
/** sendPaidMedia: n (1..10) photos or videos (media[i].type "photo" or
 *  "video"; their caption fields are not used) for star_count (1..10000) Stars. */
int bh_client_send_paid_media(bh_client *c, int64_t chat_id, int64_t star_count,
                              const bh_input_media *media, size_t n, const char *caption,
                              const bh_send_options *opt, bh_message **sent);
/** sendRichMessage / sendRichMessageDraft of an InputRichMessage object
 *  (not consumed); a draft's draft_id is non-zero. */
int bh_client_send_rich_message(bh_client *c, int64_t chat_id, json_object *rich_message,
                                const bh_send_options *opt, bh_message **sent);
int bh_client_send_rich_message_draft(bh_client *c, int64_t chat_id, int64_t draft_id,
                                      json_object *rich_message);
/** answerGuestQuery with result (an InlineQueryResult, not consumed); the
 *  sent message's inline_message_id into inline_message_id (size n; may be NULL). */
int bh_client_answer_guest_query(bh_client *c, const char *guest_query_id, json_object *result,
                                 char *inline_message_id, size_t n);
/** savePreparedKeyboardButton (a KeyboardButton, not consumed) for
 *  user_id; its id into id (size n; may be NULL). */
int bh_client_save_prepared_keyboard_button(bh_client *c, int64_t user_id, json_object *button,
                                            char *id, size_t n);
/** editEphemeralMessageText / Caption (opt: parse_mode, entities,
 *  reply_markup or markup) / ReplyMarkup (NULL removes it) / Media of
 *  the ephemeral message shown to receiver_user_id. */
int bh_client_edit_ephemeral_message_text(bh_client *c, int64_t chat_id, int64_t receiver_user_id,
                                          int64_t ephemeral_message_id, const char *text,
                                          const bh_send_options *opt);
int bh_client_edit_ephemeral_message_caption(bh_client *c, int64_t chat_id,
                                             int64_t receiver_user_id,
                                             int64_t ephemeral_message_id, const char *caption,
                                             const bh_send_options *opt);
int bh_client_edit_ephemeral_message_reply_markup(bh_client *c, int64_t chat_id,
                                                  int64_t receiver_user_id,
                                                  int64_t ephemeral_message_id,
                                                  const bh_keyboard *markup);
int bh_client_edit_ephemeral_message_media(bh_client *c, int64_t chat_id, int64_t receiver_user_id,
                                           int64_t ephemeral_message_id,
                                           const bh_input_media *media);
/** setBusinessAccountProfilePhoto (a static photo; is_public: the public
 *  one) / setBusinessAccountGiftSettings (an AcceptedGiftTypes, not consumed). */
int bh_client_set_business_account_profile_photo(bh_client *c, const char *business_connection_id,
                                                 const bh_input_file *photo, int is_public);
int bh_client_set_business_account_gift_settings(bh_client *c, const char *business_connection_id,
                                                 int show_gift_button,
                                                 json_object *accepted_gift_types);
/** postStory of a photo or a video (is_video) for active_period seconds
 *  (6, 12, 24 or 48 hours) / editStory story_id; *out the Story. */
int bh_client_post_story(bh_client *c, const char *business_connection_id,
                         const bh_input_file *file, int is_video, int active_period,
                         const char *caption, json_object **out);
int bh_client_edit_story(bh_client *c, const char *business_connection_id, int64_t story_id,
                         const bh_input_file *file, int is_video, const char *caption,
                         json_object **out);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_BOTAPI_MORE_H */
