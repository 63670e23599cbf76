/*
 * Translations: the bot's catalogs (from .mo files or the table API) over
 * the built-in ones, the language of an update, and the lookup of a text.
 * Also the bot's own texts that /help shows (struct bh_texts holds both, so
 * a bot that sets none of them carries one NULL pointer).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/grow.h"
#include "bothive/log.h"
#include "i18n.h"
#include "internal.h"

struct bh_texts {
    char *strs[4];          /* indexed by BH_TEXTS_* */
    int unknown_off;
    char lang[BH_LANG_MAX]; /* the default language */
    struct bh_catalog *cats;
    size_t ncats;
};

struct bh_texts *bh_bot_texts(bh_bot *bot)
{
    if (!bot->texts && (bot->texts = calloc(1, sizeof *bot->texts)))
        strcpy(bot->texts->lang, "en");
    return bot->texts;
}

void bh_texts_free(struct bh_texts *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < 4; i++)
        free(t->strs[i]);
    for (size_t i = 0; i < t->ncats; i++)
        bh_catalog_clear(&t->cats[i]);
    free(t->cats);
    free(t);
}

const char *bh_texts_get(const bh_bot *bot, int which)
{
    if (which == BH_TEXTS_UNKNOWN && (!bot->texts || !bot->texts->strs[which]))
        return BH_TEXT_UNKNOWN_COMMAND;
    return bot->texts ? bot->texts->strs[which] : NULL;
}

int bh_texts_set(struct bh_texts *t, int which, char *text)
{
    free(t->strs[which]);
    t->strs[which] = text;
    return BH_OK;
}

void bh_texts_set_unknown_off(struct bh_texts *t, int off)
{
    t->unknown_off = off;
}

int bh_texts_unknown_off(const bh_bot *bot)
{
    return bot->texts && bot->texts->unknown_off;
}

/* ---- catalogs ---- */

int bh_lang_norm(const char *tag, char out[BH_LANG_MAX])
{
    size_t n = tag ? strlen(tag) : 0;

    if (n < 2 || n >= BH_LANG_MAX || !isalpha((unsigned char)tag[0]))
        return BH_EINVAL;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)tag[i];
        if (c && !isalnum(c) && c != '-' && c != '_')
            return BH_EINVAL;
        out[i] = c == '_' ? '-' : (char)tolower(c);
    }
    return BH_OK;
}

/* The index of id in cat, or where it would go (*found says which). */
static size_t catalog_find(const struct bh_catalog *cat, const char *id, int *found)
{
    size_t lo = 0, hi = cat->n;

    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(cat->e[mid].id, id);
        if (!c) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int bh_catalog_put_forms(struct bh_catalog *cat, const char *id, const char *forms, size_t len)
{
    int found;
    size_t at = catalog_find(cat, id, &found);
    char *t = malloc(len + 1), *i = found ? NULL : strdup(id);

    if (!t || (!found && !i))
        goto nomem;
    memcpy(t, forms, len);
    t[len] = 0;
    if (found) {
        free(cat->e[at].text);
        cat->e[at].text = t;
        cat->e[at].len = len;
        return BH_OK;
    }
    struct bh_tr_entry *e = bh_grow(cat->e, &cat->cap, cat->n + 1, sizeof *e, 16);
    if (!e)
        goto nomem;
    cat->e = e;
    memmove(cat->e + at + 1, cat->e + at, (cat->n - at) * sizeof *cat->e);
    cat->e[at] = (struct bh_tr_entry){i, t, len};
    cat->n++;
    return BH_OK;
nomem:
    free(t);
    free(i);
    return BH_ENOMEM;
}

int bh_catalog_put(struct bh_catalog *cat, const char *id, const char *text)
{
    return bh_catalog_put_forms(cat, id, text, strlen(text));
}

const char *bh_catalog_get(const struct bh_catalog *cat, const char *id)
{
    int found;
    size_t at = cat ? catalog_find(cat, id, &found) : 0;
    return cat && found ? cat->e[at].text : NULL;
}

/* Form k of e, or its first when it has fewer forms (as gettext). */
static const char *entry_form(const struct bh_tr_entry *e, size_t k)
{
    const char *p = e->text, *end = e->text + e->len;

    for (; k > 0; k--) {
        p += strlen(p) + 1;
        if (p > end)
            return e->text;
    }
    return p;
}

const char *bh_catalog_nget(const struct bh_catalog *cat, const char *id, unsigned long n)
{
    int found;
    size_t at = cat ? catalog_find(cat, id, &found) : 0;

    if (!cat || !found)
        return NULL;
    return entry_form(&cat->e[at], bh_plural_form(&cat->plural, n));
}

void bh_catalog_clear(struct bh_catalog *cat)
{
    for (size_t i = 0; i < cat->n; i++) {
        free(cat->e[i].id);
        free(cat->e[i].text);
    }
    free(cat->e);
    cat->e = NULL;
    cat->n = cat->cap = 0;
}

static struct bh_catalog *bot_catalog(const bh_bot *bot, const char *lang)
{
    for (size_t i = 0; bot->texts && i < bot->texts->ncats; i++)
        if (!strcmp(bot->texts->cats[i].lang, lang))
            return &bot->texts->cats[i];
    return NULL;
}

/* The bot's catalog of the normalised lang, made if it has none. */
static struct bh_catalog *bot_catalog_make(bh_bot *bot, const char *lang)
{
    struct bh_texts *t = bh_bot_texts(bot);
    struct bh_catalog *c = t ? bot_catalog(bot, lang) : NULL, *cats;

    if (c || !t)
        return c;
    if (!(cats = realloc(t->cats, (t->ncats + 1) * sizeof *cats)))
        return NULL;
    t->cats = cats;
    c = &cats[t->ncats++];
    memset(c, 0, sizeof *c);
    strcpy(c->lang, lang);
    return c;
}

int bh_bot_translate(bh_bot *bot, const char *lang, const char *msgid, const char *text)
{
    char l[BH_LANG_MAX];
    struct bh_catalog *c;

    if (!bot || !msgid || !*msgid || !text || bh_lang_norm(lang, l) != BH_OK)
        return BH_EINVAL;
    if (!(c = bot_catalog_make(bot, l)))
        return BH_ENOMEM;
    return bh_catalog_put(c, msgid, text);
}

/* The forms joined as a catalog entry keeps them (each with its NUL) are
 * put into the bot's catalog of lang. */
int bh_bot_translate_plural(bh_bot *bot, const char *lang, const char *msgid,
                            const char *const *forms, size_t nforms)
{
    char l[BH_LANG_MAX], *joined = NULL;
    size_t len = 0;
    struct bh_catalog *c;
    FILE *f;
    int rc;

    if (!bot || !msgid || !*msgid || !forms || nforms < 1 || nforms > BH_PLURAL_MAX_FORMS ||
        bh_lang_norm(lang, l) != BH_OK)
        return BH_EINVAL;
    for (size_t i = 0; i < nforms; i++)
        if (!forms[i])
            return BH_EINVAL;
    if (!(c = bot_catalog_make(bot, l)) || !(f = open_memstream(&joined, &len)))
        return BH_ENOMEM;
    for (size_t i = 0; i < nforms; i++)
        fwrite(forms[i], 1, strlen(forms[i]) + (i + 1 < nforms), f); /* inner NULs */
    rc = fclose(f) == 0 && joined ? bh_catalog_put_forms(c, msgid, joined, len) : BH_ENOMEM;
    free(joined);
    return rc;
}

int bh_bot_plural_rule(bh_bot *bot, const char *lang, const char *rule)
{
    char l[BH_LANG_MAX], *header = NULL;
    struct bh_plural p;
    struct bh_catalog *c;
    int rc;

    if (!bot || !rule || bh_lang_norm(lang, l) != BH_OK || strchr(rule, '\n'))
        return BH_EINVAL;
    if (asprintf(&header, "Plural-Forms: %s", rule) < 0)
        return BH_ENOMEM;
    rc = bh_plural_parse(header, &p) == BH_OK ? BH_OK : BH_EINVAL;
    free(header);
    if (rc != BH_OK)
        return rc;
    if (!(c = bot_catalog_make(bot, l)))
        return BH_ENOMEM;
    c->plural = p;
    return BH_OK;
}

/* Reads the whole file at path (malloc'd into *out, its size in *len). */
static int read_file(const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long size;
    int rc = BH_EIO;

    *out = NULL;
    if (!f)
        return BH_EIO;
    if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        goto out;
    rc = BH_ENOMEM;
    if (!(*out = malloc(size ? (size_t)size : 1)))
        goto out;
    rc = fread(*out, 1, (size_t)size, f) == (size_t)size ? BH_OK : BH_EIO;
    *len = (size_t)size;
out:
    fclose(f);
    if (rc != BH_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* The plural rule of a file loaded into c: a readable one replaces c's;
 * none (or a bad one, logged) leaves c's as it was. */
static void catalog_rule(struct bh_catalog *c, const struct bh_plural *rule, const char *path)
{
    if (rule->nplurals)
        c->plural = *rule;
    else if (rule->bad)
        bh_log(BH_LOG_WARN, "%s: the header's Plural-Forms cannot be read: plurals follow %s",
               path, c->plural.nplurals ? "the rule loaded before" : "English's rule (n != 1)");
}

/* Parsed into a catalog of its own first, so that a damaged file (or no
 * memory half-way) leaves the bot's translations as they were. */
int bh_bot_catalog(bh_bot *bot, const char *lang, const char *path)
{
    struct bh_catalog tmp = {0}, *c;
    unsigned char *data;
    size_t len = 0;
    char l[BH_LANG_MAX];
    int rc;

    if (!bot || !path || bh_lang_norm(lang, l) != BH_OK)
        return BH_EINVAL;
    if ((rc = read_file(path, &data, &len)) != BH_OK)
        return rc;
    if ((rc = bh_mo_parse(data, len, &tmp)) == BH_OK)
        rc = (c = bot_catalog_make(bot, l)) ? BH_OK : BH_ENOMEM;
    for (size_t i = 0; rc == BH_OK && i < tmp.n; i++)
        rc = bh_catalog_put_forms(c, tmp.e[i].id, tmp.e[i].text, tmp.e[i].len);
    if (rc == BH_OK)
        catalog_rule(c, &tmp.plural, path);
    if (rc == BH_ECORRUPT)
        bh_log(BH_LOG_ERROR, "%s: not a gettext .mo file, or damaged", path);
    bh_catalog_clear(&tmp);
    free(data);
    return rc;
}

int bh_bot_catalogs(bh_bot *bot, const char *dir, const char *domain, size_t *loaded)
{
    char l[BH_LANG_MAX], path[4096];
    struct dirent *d;
    DIR *dp;
    int rc = BH_OK;
    size_t n = 0;

    if (!bot || !dir || !domain || !*domain || strchr(domain, '/'))
        return BH_EINVAL;
    if (!(dp = opendir(dir)))
        return BH_EIO;
    while ((d = readdir(dp))) {
        if (bh_lang_norm(d->d_name, l) != BH_OK)
            continue;
        snprintf(path, sizeof path, "%s/%s/LC_MESSAGES/%s.mo", dir, d->d_name, domain);
        if (access(path, R_OK) != 0)
            continue; /* a language of other programs only */
        int r = bh_bot_catalog(bot, d->d_name, path);
        if (r == BH_OK)
            n++;
        else if (rc == BH_OK)
            rc = r;
    }
    closedir(dp);
    if (loaded)
        *loaded = n;
    return rc;
}

/* ---- languages and lookup ---- */

/* The stable name of the normalised lang if the bot has it ("en", or a
 * catalog's), else NULL. */
static const char *have_language(const bh_bot *bot, const char *lang)
{
    const struct bh_catalog *c = bot_catalog(bot, lang);

    if (!strcmp(lang, "en"))
        return "en";
    if (c || (c = bh_builtin_catalog(lang)))
        return c->lang;
    return NULL;
}

int bh_bot_language(bh_bot *bot, const char *lang)
{
    char l[BH_LANG_MAX];

    if (!bot || bh_lang_norm(lang, l) != BH_OK)
        return BH_EINVAL;
    if (!have_language(bot, l))
        return BH_ENOTFOUND;
    if (!bh_bot_texts(bot))
        return BH_ENOMEM;
    strcpy(bot->texts->lang, l);
    return BH_OK;
}

size_t bh_bot_languages(const bh_bot *bot, const char **out, size_t max)
{
    size_t n = bh_builtin_languages(out, max);

    for (size_t i = 0; bot->texts && i < bot->texts->ncats && n < max; i++)
        if (!bh_builtin_catalog(bot->texts->cats[i].lang))
            out[n++] = bot->texts->cats[i].lang;
    return n;
}

static const char *default_language(const bh_bot *bot)
{
    return bot->texts ? bot->texts->lang : "en";
}

const char *bh_bot_tr(bh_bot *bot, const char *lang, const char *msgid)
{
    char l[BH_LANG_MAX];
    const char *t;

    if (!msgid || !bot)
        return msgid;
    if (!lang || bh_lang_norm(lang, l) != BH_OK)
        strcpy(l, default_language(bot));
    if ((t = bh_catalog_get(bot_catalog(bot, l), msgid)) ||
        (t = bh_catalog_get(bh_builtin_catalog(l), msgid)))
        return t;
    return msgid;
}

const char *bh_bot_ntr(bh_bot *bot, const char *lang, const char *msgid,
                       const char *msgid_plural, unsigned long n)
{
    char l[BH_LANG_MAX];
    const char *t;

    if (!msgid || !msgid_plural)
        return NULL;
    if (bot) {
        if (!lang || bh_lang_norm(lang, l) != BH_OK)
            strcpy(l, default_language(bot));
        if ((t = bh_catalog_nget(bot_catalog(bot, l), msgid, n)) ||
            (t = bh_catalog_nget(bh_builtin_catalog(l), msgid, n)))
            return t;
    }
    return n == 1 ? msgid : msgid_plural;
}

/* The sender's language_code of the update: the message's or callback's
 * sender, else the "from" (or "user") of the kind's object. */
static const char *sender_language(const bh_update *u)
{
    json_object *from, *code;

    if (!u)
        return NULL;
    if (u->message && u->message->from)
        return u->message->from->language_code;
    if (u->callback_query)
        return u->callback_query->from.language_code;
    if (!u->object || (!json_object_object_get_ex(u->object, "from", &from) &&
                       !json_object_object_get_ex(u->object, "user", &from)))
        return NULL;
    if (!json_object_object_get_ex(from, "language_code", &code) ||
        !json_object_is_type(code, json_type_string))
        return NULL;
    return json_object_get_string(code);
}

const char *bh_ctx_language(bh_ctx *ctx)
{
    const char *code, *have = NULL;
    char l[BH_LANG_MAX], *dash;

    if (!ctx)
        return "en";
    code = sender_language(ctx->update);
    if (code && bh_lang_norm(code, l) == BH_OK && !(have = have_language(ctx->bot, l)) &&
        (dash = strchr(l, '-'))) {
        *dash = 0; /* "pt-br" without a translation: "pt" */
        have = have_language(ctx->bot, l);
    }
    return have ? have : default_language(ctx->bot);
}

const char *bh_ctx_tr(bh_ctx *ctx, const char *msgid)
{
    if (!ctx)
        return msgid;
    return bh_bot_tr(ctx->bot, bh_ctx_language(ctx), msgid);
}

const char *bh_ctx_ntr(bh_ctx *ctx, const char *msgid, const char *msgid_plural,
                       unsigned long n)
{
    return bh_bot_ntr(ctx ? ctx->bot : NULL, ctx ? bh_ctx_language(ctx) : NULL, msgid,
                      msgid_plural, n);
}

char *bh_text_subst(const char *tmpl, const char *name, const char *value)
{
    if (!tmpl || !name || !value)
        return NULL;
    size_t nl = strlen(name), vl = strlen(value), n = 0, len = 0;
    const char *p;
    char *out;

    for (p = tmpl; (p = strchr(p, '{')); p++)
        n += !strncmp(p + 1, name, nl) && p[1 + nl] == '}';
    if (!(out = malloc(strlen(tmpl) + n * vl + 1)))
        return NULL;
    for (p = tmpl; *p;) {
        if (*p == '{' && !strncmp(p + 1, name, nl) && p[1 + nl] == '}') {
            memcpy(out + len, value, vl);
            len += vl;
            p += nl + 2;
        } else {
            out[len++] = *p++;
        }
    }
    out[len] = 0;
    return out;
}
