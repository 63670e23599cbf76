/*
 * What reading an update costs: json-c's tokenizer alone (the floor every
 * Bot API client pays), bh_update_parse of a text message with a command
 * (the eager part: chat, sender, reply, command), and the lazy views of a
 * photo message (caption, its entities, the largest size) read when a hook
 * asks. Medians of several runs, ns per update, one process.
 *
 *   bench_views [--quick]
 */
#include <stdio.h>
#include <string.h>

#include "bothive/telegram.h"
#include "util.h"

#define BH_VIEWS_RUNS 5

static const char *const text_update =
    "{\"update_id\":123456789,\"message\":{\"message_id\":4242,\"date\":1700000000,"
    "\"chat\":{\"id\":-1001234567890,\"type\":\"supergroup\",\"title\":\"Hive\"},"
    "\"from\":{\"id\":5000000001,\"is_bot\":false,\"first_name\":\"Ada\",\"username\":\"ada\","
    "\"language_code\":\"en\"},\"text\":\"/count@hive_bot hello \\ud83d\\ude00 friends\","
    "\"entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":15}]}}";

static const char *const photo_update =
    "{\"update_id\":123456790,\"message\":{\"message_id\":4243,\"date\":1700000000,"
    "\"chat\":{\"id\":-1001234567890,\"type\":\"supergroup\",\"title\":\"Hive\"},"
    "\"from\":{\"id\":5000000001,\"is_bot\":false,\"first_name\":\"Ada\"},"
    "\"photo\":[{\"file_id\":\"s\",\"file_unique_id\":\"S\",\"width\":90,\"height\":60},"
    "{\"file_id\":\"l\",\"file_unique_id\":\"L\",\"width\":1280,\"height\":853}],"
    "\"caption\":\"\\ud83d\\udcf7 our #hive at dawn\","
    "\"caption_entities\":[{\"type\":\"hashtag\",\"offset\":7,\"length\":5}]}}";

/* ns per iteration of one of the measured loops. */
static double run(int what, json_object *obj, const char *text, size_t n)
{
    uint64_t t0 = bh_bench_now_ns(), sink = 0;
    for (size_t i = 0; i < n; i++) {
        bh_update *u = NULL;
        json_object *o = what == 0 ? json_tokener_parse(text) : NULL;
        if (what == 0) {
            sink += (uint64_t)json_object_object_length(o);
            json_object_put(o);
            continue;
        }
        bh_update_parse(obj, &u);
        if (what == 2) {
            bh_entity e;
            bh_media m;
            const char *s;
            size_t len;
            sink += (uint64_t)(uintptr_t)bh_message_caption(u->message, &len);
            bh_message_entity(u->message, 1, 0, &e);
            bh_message_entity_text(u->message, 1, &e, &s, &len);
            bh_message_photo(u->message, bh_message_photo_count(u->message) - 1, &m);
            sink += len + (uint64_t)m.width;
        }
        bh_update_free(u);
    }
    bh_bench_sink(sink);
    return (double)(bh_bench_now_ns() - t0) / (double)n;
}

static double median_of(int what, json_object *obj, const char *text, size_t n)
{
    double v[BH_VIEWS_RUNS];
    for (int r = 0; r < BH_VIEWS_RUNS; r++)
        v[r] = run(what, obj, text, n);
    return bh_bench_median(v, BH_VIEWS_RUNS);
}

int main(int argc, char **argv)
{
    size_t n = bh_bench_flag(argc, argv, "--quick") ? 2000 : 200000;
    json_object *text = json_tokener_parse(text_update), *photo = json_tokener_parse(photo_update);
    double tok = median_of(0, NULL, text_update, n);
    double parse = median_of(1, text, NULL, n);
    double lazy = median_of(2, photo, NULL, n);

    printf("INFO bench=views updates=%zu runs=%d\n", n, BH_VIEWS_RUNS);
    printf("RESULT bench=views what=json_tokenize_text_message ns=%.0f\n", tok);
    printf("RESULT bench=views what=update_parse_text_message ns=%.0f\n", parse);
    printf("RESULT bench=views what=update_parse_photo_caption_entity_largest ns=%.0f\n", lazy);
    json_object_put(text);
    json_object_put(photo);
    return 0;
}
