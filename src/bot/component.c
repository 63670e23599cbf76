/*
 * Components and the registration of hooks. A bot registers into its main
 * component, so every hook kind is written once, for components, and the
 * bot's functions forward to it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "internal.h"

static int name_valid(const char *name, size_t max, int (*ok)(int))
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)name[i]))
            return 0;
    return 1;
}

static int component_char(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '-';
}

static int command_char(int c)
{
    return islower(c) || isdigit(c) || c == '_';
}

bh_component *bh_component_create(const char *name)
{
    bh_component *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(name))) {
        free(c);
        return NULL;
    }
    c->refs = 1;
    return c;
}

bh_component *bh_component_new(const char *name)
{
    if (!name_valid(name, 64, component_char))
        return NULL;
    return bh_component_create(name);
}

static void hook_clear(struct bh_hook *h)
{
    free(h->text);
    free(h->help);
    free(h->long_help);
    if (h->has_re)
        regfree(&h->re);
    bh_filter_free(h->filter);
}

void bh_component_free(bh_component *c)
{
    if (!c || --c->refs > 0)
        return;
    for (size_t i = 0; i < c->nhooks; i++)
        hook_clear(&c->hooks[i]);
    bh_component_extras_free(c);
    bh_schedule_regs_free(c->sched, c->nsched);
    free(c->hooks);
    free(c->preparers);
    free(c->name);
    free(c);
}

/* Appends a copy of h (taking ownership of its strings and regex). */
static int hook_add(bh_component *c, struct bh_hook *h)
{
    struct bh_hook *p = bh_grow(c->hooks, &c->cap, c->nhooks + 1, sizeof *p, 8);
    if (!p) {
        hook_clear(h);
        return BH_ENOMEM;
    }
    c->hooks = p;
    c->hooks[c->nhooks++] = *h;
    return BH_OK;
}

/* Registers h for c if its function is set; fn_set says so, since the
 * union's members have different types. */
static int hook_register(bh_component *c, struct bh_hook *h, int fn_set)
{
    if (!c || !fn_set) {
        hook_clear(h);
        return BH_EINVAL;
    }
    return hook_add(c, h);
}

int bh_component_hook_add(bh_component *c, struct bh_hook *h, int fn_set)
{
    return hook_register(c, h, fn_set);
}

/* A hook keyed by text (equals, contains, callback name): a copy of text. */
static int hook_text(bh_component *c, struct bh_hook *h, const char *text, int fn_set)
{
    if (!text || !*text)
        return BH_EINVAL;
    if (!(h->text = strdup(text)))
        return BH_ENOMEM;
    return hook_register(c, h, fn_set);
}

int bh_component_before_processing(bh_component *c, bh_update_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_BEFORE, .fn.update = fn};
    return hook_register(c, &h, fn != NULL);
}

int bh_component_process_message(bh_component *c, bh_message_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_PROCESS, .fn.message = fn};
    return hook_register(c, &h, fn != NULL);
}

int bh_component_message_equals(bh_component *c, const char *text, unsigned flags,
                                bh_message_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_EQUALS, .flags = flags, .fn.message = fn};
    return hook_text(c, &h, text, fn != NULL);
}

int bh_component_message_contains(bh_component *c, const char *word, unsigned flags,
                                  bh_message_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_CONTAINS, .flags = flags, .fn.message = fn};
    return hook_text(c, &h, word, fn != NULL);
}

int bh_component_message_matches(bh_component *c, const char *regex, unsigned flags,
                                 bh_matches_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_MATCHES, .flags = flags, .fn.matches = fn};
    if (!regex || regcomp(&h.re, regex, REG_EXTENDED | (flags & BH_IGNORE_CASE ? REG_ICASE : 0)))
        return BH_EINVAL;
    h.has_re = 1;
    return hook_register(c, &h, fn != NULL);
}

int bh_component_command_ex(bh_component *c, const char *name, bh_command_fn fn,
                            const char *help, unsigned flags, int order)
{
    struct bh_hook h = {.kind = BH_HOOK_COMMAND, .flags = flags, .order = order,
                        .fn.command = fn};
    if (!name_valid(name, 32, command_char))
        return BH_EINVAL;
    if (help && !(h.help = strdup(help)))
        return BH_ENOMEM;
    return hook_text(c, &h, name, fn != NULL);
}

int bh_component_command(bh_component *c, const char *name, bh_command_fn fn, const char *help)
{
    return bh_component_command_ex(c, name, fn, help, 0, 0);
}

/* Callback names travel in the button's data, before a ':'. */
int bh_component_callback(bh_component *c, const char *name, bh_callback_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_CALLBACK, .fn.callback = fn};
    if (!name || strchr(name, ':') || strlen(name) > 32)
        return BH_EINVAL;
    return hook_text(c, &h, name, fn != NULL);
}

int bh_component_message_edited(bh_component *c, bh_message_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_EDITED, .fn.message = fn};
    return hook_register(c, &h, fn != NULL);
}

int bh_component_channel_post(bh_component *c, bh_message_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_CHANNEL_POST, .fn.message = fn};
    return hook_register(c, &h, fn != NULL);
}

int bh_component_chat_unavailable(bh_component *c, bh_unavailable_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_UNAVAILABLE, .fn.unavailable = fn};
    return hook_register(c, &h, fn != NULL);
}

int bh_component_timer(bh_component *c, int seconds, bh_timer_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_TIMER, .seconds = seconds, .fn.timer = fn};
    return hook_register(c, &h, fn != NULL && seconds >= 1);
}

int bh_component_add_memory_preparer(bh_component *c, bh_memory_preparer_fn fn)
{
    bh_memory_preparer_fn *p;
    if (!c || !fn)
        return BH_EINVAL;
    if (!(p = realloc(c->preparers, (c->npreparers + 1) * sizeof *p)))
        return BH_ENOMEM;
    p[c->npreparers++] = fn;
    c->preparers = p;
    return BH_OK;
}

/* ---- The bot's registration functions forward to its main component ---- */

#define MAIN(bot) ((bot) ? (bot)->main : NULL)

int bh_bot_before_processing(bh_bot *b, bh_update_fn fn)
{
    return bh_component_before_processing(MAIN(b), fn);
}

int bh_bot_process_message(bh_bot *b, bh_message_fn fn)
{
    return bh_component_process_message(MAIN(b), fn);
}

int bh_bot_message_equals(bh_bot *b, const char *text, unsigned flags, bh_message_fn fn)
{
    return bh_component_message_equals(MAIN(b), text, flags, fn);
}

int bh_bot_message_contains(bh_bot *b, const char *word, unsigned flags, bh_message_fn fn)
{
    return bh_component_message_contains(MAIN(b), word, flags, fn);
}

int bh_bot_message_matches(bh_bot *b, const char *regex, unsigned flags, bh_matches_fn fn)
{
    return bh_component_message_matches(MAIN(b), regex, flags, fn);
}

int bh_bot_command(bh_bot *b, const char *name, bh_command_fn fn, const char *help)
{
    return bh_component_command(MAIN(b), name, fn, help);
}

int bh_bot_command_ex(bh_bot *b, const char *name, bh_command_fn fn, const char *help,
                      unsigned flags, int order)
{
    return bh_component_command_ex(MAIN(b), name, fn, help, flags, order);
}

int bh_bot_callback(bh_bot *b, const char *name, bh_callback_fn fn)
{
    return bh_component_callback(MAIN(b), name, fn);
}

int bh_bot_message_edited(bh_bot *b, bh_message_fn fn)
{
    return bh_component_message_edited(MAIN(b), fn);
}

int bh_bot_channel_post(bh_bot *b, bh_message_fn fn)
{
    return bh_component_channel_post(MAIN(b), fn);
}

int bh_bot_chat_unavailable(bh_bot *b, bh_unavailable_fn fn)
{
    return bh_component_chat_unavailable(MAIN(b), fn);
}

int bh_bot_timer(bh_bot *b, int seconds, bh_timer_fn fn)
{
    return bh_component_timer(MAIN(b), seconds, fn);
}

int bh_bot_prepare_memory(bh_bot *b, bh_memory_preparer_fn fn)
{
    return bh_component_add_memory_preparer(MAIN(b), fn);
}
