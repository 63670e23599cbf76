/*
 * Translations inside the bot layer: a catalog is one language's
 * msgid -> text table, kept sorted by msgid. Catalogs come from gettext
 * .mo files (mo.c), from the table API, and built in (builtin.c).
 */
#ifndef BH_BOT_I18N_H
#define BH_BOT_I18N_H

#include <stddef.h>

#define BH_LANG_MAX 16 /* a language tag of at most 15 bytes, and its NUL */

struct bh_tr_entry {
    char *id;
    char *text;
};

struct bh_catalog {
    char lang[BH_LANG_MAX];
    struct bh_tr_entry *e;
    size_t n, cap;
};

/* Normalises tag ("pt_BR" -> "pt-br") into out. BH_OK, or BH_EINVAL when
 * it is not 2-15 of letters, digits and '-' starting with a letter. */
int bh_lang_norm(const char *tag, char out[BH_LANG_MAX]);

/* Sets id's text in cat (copies both). BH_OK, BH_ENOMEM. */
int bh_catalog_put(struct bh_catalog *cat, const char *id, const char *text);
/* id's text in cat, or NULL. */
const char *bh_catalog_get(const struct bh_catalog *cat, const char *id);
void bh_catalog_clear(struct bh_catalog *cat);

/* Parses the .mo file of len bytes at data into cat (entries added with
 * bh_catalog_put; the header entry, msgid "", is skipped). Every offset and
 * length is checked against len before it is used. BH_OK, BH_ECORRUPT
 * (not a .mo, or damaged: cat is left as it was), BH_ENOMEM. */
int bh_mo_parse(const unsigned char *data, size_t len, struct bh_catalog *cat);

/* The built-in catalogs (Italian), parsed once per process; NULL if lang
 * has none. */
const struct bh_catalog *bh_builtin_catalog(const char *lang);

/* The languages built in, and their count (at most max). */
size_t bh_builtin_languages(const char **out, size_t max);

#endif
