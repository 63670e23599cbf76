/*
 * Typed methods that send something other than text or a file: a
 * location, a venue, a contact, a die, a poll.
 */
#include <string.h>

#include "telegram/tg.h"

/* A builder for a send to chat_id; NULL when out of memory. */
static bh_params *send_params(int64_t chat_id)
{
    bh_params *p = NULL;
    if (bh_params_new(&p) != BH_OK)
        return NULL;
    bh_params_int(p, "chat_id", chat_id);
    return p;
}

static int place_valid(double lat, double lon)
{
    return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
}

int bh_client_send_location(bh_client *c, int64_t chat_id, double latitude, double longitude,
                            const bh_send_options *opt, bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || !place_valid(latitude, longitude))
        return BH_EINVAL;
    if (!(p = send_params(chat_id)))
        return BH_ENOMEM;
    bh_params_double(p, "latitude", latitude);
    bh_params_double(p, "longitude", longitude);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendLocation", p, sent);
}

int bh_client_send_venue(bh_client *c, int64_t chat_id, double latitude, double longitude,
                         const char *title, const char *address, const bh_send_options *opt,
                         bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || !place_valid(latitude, longitude) || !title || !*title || !address || !*address)
        return BH_EINVAL;
    if (!(p = send_params(chat_id)))
        return BH_ENOMEM;
    bh_params_double(p, "latitude", latitude);
    bh_params_double(p, "longitude", longitude);
    bh_params_str(p, "title", title);
    bh_params_str(p, "address", address);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendVenue", p, sent);
}

int bh_client_send_contact(bh_client *c, int64_t chat_id, const char *phone_number,
                           const char *first_name, const char *last_name,
                           const bh_send_options *opt, bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c || !phone_number || !*phone_number || !first_name || !*first_name)
        return BH_EINVAL;
    if (!(p = send_params(chat_id)))
        return BH_ENOMEM;
    bh_params_str(p, "phone_number", phone_number);
    bh_params_str(p, "first_name", first_name);
    if (last_name)
        bh_params_str(p, "last_name", last_name);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendContact", p, sent);
}

int bh_client_send_dice(bh_client *c, int64_t chat_id, const char *emoji,
                        const bh_send_options *opt, bh_message **sent)
{
    bh_params *p;
    if (sent)
        *sent = NULL;
    if (!c)
        return BH_EINVAL;
    if (!(p = send_params(chat_id)))
        return BH_ENOMEM;
    if (emoji)
        bh_params_str(p, "emoji", emoji);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendDice", p, sent);
}

/* The options of a poll as InputPollOption objects (NULL if no memory). */
static json_object *poll_options(const char *const *options, size_t n)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_object *o = json_object_new_object();
        if (!o || json_object_array_add(arr, o)) {
            json_object_put(o);
            json_object_put(arr);
            return NULL;
        }
        json_object_object_add(o, "text", json_object_new_string(options[i]));
    }
    return arr;
}

int bh_client_send_poll(bh_client *c, int64_t chat_id, const char *question,
                        const char *const *options, size_t n, const bh_send_options *opt,
                        bh_message **sent)
{
    bh_params *p;
    json_object *arr;
    if (sent)
        *sent = NULL;
    if (!c || !question || !*question || !options || n < 2 || n > 10)
        return BH_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!options[i] || !*options[i])
            return BH_EINVAL;
    if (!(p = send_params(chat_id)) || !(arr = poll_options(options, n))) {
        bh_params_free(p);
        return BH_ENOMEM;
    }
    bh_params_str(p, "question", question);
    bh_params_json(p, "options", arr);
    json_object_put(arr);
    bh_tg_send_options(p, opt);
    return bh_tg_call_message(c, "sendPoll", p, sent);
}
