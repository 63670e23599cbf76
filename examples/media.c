/*
 * media: files up and down.
 *
 * /photo answers with a photo uploaded from an image file shipped with the
 * examples (examples/assets/cell-1.png: the bytes are sent, not a URL);
 * /album answers with an album of the three images of examples/assets; a
 * document a user sends is downloaded and sent back to them as a new
 * upload, with the caption "sha256: <hex>" of its bytes (the bytes sent
 * back are the bytes received, so the user can check the hash).
 *
 *   BOT_TOKEN=123:ABC BOTHIVE_WORKERS=4 ./media
 *
 * MEDIA_ASSETS names the folder of the images (default: the source
 * tree's examples/assets).
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include <bothive/bothive.h>

#ifndef MEDIA_ASSETS_DIR
#define MEDIA_ASSETS_DIR "examples/assets"
#endif

/* The path of image n (1..3) of the assets, in buf. */
static const char *asset(char *buf, size_t n, int i)
{
    const char *dir = getenv("MEDIA_ASSETS");
    snprintf(buf, n, "%s/cell-%d.png", dir && *dir ? dir : MEDIA_ASSETS_DIR, i);
    return buf;
}

static int photo(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    char path[1024];
    bh_input_file f = bh_file_path(asset(path, sizeof path, 1));
    (void)args;
    return bh_message_reply_photo(ctx, msg, &f, "A cell of the hive");
}

static int album(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    char paths[3][1024];
    bh_input_media items[3];
    bh_message **sent = NULL;
    size_t nsent = 0;
    (void)args;
    for (int i = 0; i < 3; i++)
        items[i] = (bh_input_media){.type = "photo",
                                    .file = bh_file_path(asset(paths[i], sizeof paths[i], i + 1))};
    items[0].caption = "Three cells";
    int rc = bh_client_send_media_group(bh_ctx_client(ctx), msg->chat.id, items, 3, NULL, &sent,
                                        &nsent);
    bh_messages_free(sent, nsent);
    return rc;
}

/* "sha256: " and the hex SHA-256 of data, into out (at least 73 bytes). */
static int sha256_caption(const char *data, size_t len, char *out, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || n < 8 + 2 * (size_t)mdlen + 1)
        return BH_ENOMEM;
    int k = snprintf(out, n, "sha256: ");
    for (unsigned int i = 0; i < mdlen; i++)
        k += snprintf(out + k, n - (size_t)k, "%02x", md[i]);
    return BH_OK;
}

/* A document: downloaded (up to the Bot API's 20 MB), hashed, and sent
 * back as a new upload of the same bytes. */
static int document(bh_ctx *ctx, const bh_message *msg)
{
    bh_client *cl = bh_ctx_client(ctx);
    bh_media doc;
    bh_file_info fi;
    char caption[96], *data = NULL;
    size_t len = 0;
    int rc;

    if (bh_message_media(msg, BH_MEDIA_DOCUMENT, &doc) != BH_OK)
        return BH_CONTINUE;
    if ((rc = bh_client_get_file(cl, doc.file_id, &fi)) != BH_OK ||
        (rc = bh_client_download_buffer(cl, fi.file_path, 0, &data, &len)) != BH_OK) {
        bh_message_reply(ctx, msg, "Sorry, I could not download that file.");
        return rc;
    }
    if ((rc = sha256_caption(data, len, caption, sizeof caption)) == BH_OK) {
        bh_input_file f = bh_file_memory(data, len, doc.file_name ? doc.file_name : "file");
        rc = bh_message_reply_document(ctx, msg, &f, caption);
    }
    free(data);
    return rc == BH_OK ? BH_HANDLED : rc;
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    if (!bot) {
        fprintf(stderr, "media: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_bot_about(bot, "Send me a document and I send it back with its SHA-256; /photo, /album.");
    bh_bot_command(bot, "photo", photo, "A photo, uploaded");
    bh_bot_command(bot, "album", album, "An album of three photos");
    bh_bot_process_message(bot, document);
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
