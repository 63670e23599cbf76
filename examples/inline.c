/*
 * inline: an inline-mode bot ("@yourbot abc" in any chat).
 *
 * A query is answered with an article whose message is the query in upper
 * case ("abc" sends "ABC"), not cached (cache_time 0) and personal. The
 * query "many" pages through 120 numbered articles, 50 a page: the
 * answers' next_offset are "50", "100" and then "" (the end). Each result
 * a user picks increments a counter in the bot's shared memory, and
 * /chosen answers "Chosen results: N".
 *
 * Inline mode is switched on for a bot with @BotFather (/setinline), and
 * chosen results are sent only with /setinlinefeedback.
 *
 *   BOT_TOKEN=123:ABC BOTHIVE_WORKERS=4 ./inline
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bothive/bothive.h>

#define MANY 120
#define PAGE 50

static int prepare(bh_shared *m)
{
    return bh_shared_set_int(m, "chosen", 0);
}

/* The numbered articles of the page the query's offset asks for. */
static int add_many(bh_inline_results *res, const bh_inline_query *q, bh_inline_page *page)
{
    char id[32], title[48];
    int rc = bh_inline_page_of(q->offset, MANY, PAGE, page);
    if (rc != BH_OK && rc != BH_EINVAL) /* a stranger's offset: the first page */
        return rc;
    for (size_t i = page->start; i < page->start + page->count; i++) {
        snprintf(id, sizeof id, "n%zu", i + 1);
        snprintf(title, sizeof title, "Number %zu", i + 1);
        if ((rc = bh_inline_results_article(res, id, title, title)) != BH_OK)
            return rc;
    }
    return BH_OK;
}

/* The query in upper case, as one article. */
static int add_upper(bh_inline_results *res, const bh_inline_query *q)
{
    size_t n = strlen(q->query);
    char *up = malloc(n + 1);
    int rc;
    if (!up)
        return BH_ENOMEM;
    for (size_t i = 0; i <= n; i++)
        up[i] = (char)toupper((unsigned char)q->query[i]);
    rc = bh_inline_results_article(res, "upper", up, up);
    free(up);
    return rc;
}

static int on_inline(bh_ctx *ctx, const bh_inline_query *q)
{
    bh_inline_answer_options o = {.cache_time = 0, .is_personal = 1};
    bh_inline_page page = {0};
    bh_inline_results *res;
    int rc;
    if (!*q->query)
        return BH_CONTINUE; /* nothing typed yet */
    if ((rc = bh_inline_results_new(&res)) != BH_OK)
        return rc;
    if (!strcmp(q->query, "many")) {
        rc = add_many(res, q, &page);
        o.next_offset = page.next_offset;
    } else {
        rc = add_upper(res, q);
    }
    if (rc == BH_OK)
        rc = bh_inline_answer(ctx, q, res, &o);
    bh_inline_results_free(res);
    return rc;
}

static int on_chosen(bh_ctx *ctx, const bh_chosen_inline_result *r)
{
    (void)r;
    return bh_shared_incr(bh_ctx_shared(ctx), "chosen", 1, NULL);
}

static int chosen(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    int64_t n = 0;
    int rc = bh_shared_get_int(bh_ctx_shared(ctx), "chosen", &n);
    (void)args;
    if (rc != BH_OK)
        return rc;
    return bh_chat_sendf(ctx, msg->chat.id, "Chosen results: %lld", (long long)n);
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    if (!bot) {
        fprintf(stderr, "inline: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_bot_about(bot, "Type @me and some text in any chat.");
    bh_bot_prepare_memory(bot, prepare);
    bh_bot_inline_query(bot, on_inline);
    bh_bot_chosen_inline_result(bot, on_chosen);
    bh_bot_command(bot, "chosen", chosen, "How many results were chosen");
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
