/*
 * Translations inside the bot layer: a catalog is one language's
 * msgid -> text table, kept sorted by msgid. Catalogs come from gettext
 * .mo files (mo.c), from the table API, and built in (builtin.c).
 */
#ifndef BH_BOT_I18N_H
#define BH_BOT_I18N_H

#include <stddef.h>

#define BH_LANG_MAX 16 /* a language tag of at most 15 bytes, and its NUL */

/* text holds the entry's forms one after the other, each ending with its
 * NUL (gettext's layout: one form unless the msgid has a plural); len is
 * their bytes without the last NUL. */
struct bh_tr_entry {
    char *id;
    char *text;
    size_t len;
};

#define BH_PLURAL_MAX_NODES 64 /* of one plural expression */
#define BH_PLURAL_MAX_FORMS 16 /* nplurals */

struct bh_plural_node {
    unsigned char op, a, b, c; /* the operator and its operands' nodes */
    unsigned long v;           /* a number's value */
};

/* A catalog's plural rule, parsed from its header's Plural-Forms.
 * nplurals 0: none (English's rule); bad: the header had a rule that
 * could not be read. */
struct bh_plural {
    unsigned char nplurals, nnodes, root, bad;
    struct bh_plural_node node[BH_PLURAL_MAX_NODES];
};

struct bh_catalog {
    char lang[BH_LANG_MAX];
    struct bh_tr_entry *e;
    size_t n, cap;
    struct bh_plural plural;
};

/* Normalises tag ("pt_BR" -> "pt-br") into out. BH_OK, or BH_EINVAL when
 * it is not 2-15 of letters, digits and '-' starting with a letter. */
int bh_lang_norm(const char *tag, char out[BH_LANG_MAX]);

/* Sets id's text in cat (copies both). BH_OK, BH_ENOMEM. */
int bh_catalog_put(struct bh_catalog *cat, const char *id, const char *text);
/* Sets id's forms in cat: len bytes of NUL-separated forms at forms
 * (copied). BH_OK, BH_ENOMEM. */
int bh_catalog_put_forms(struct bh_catalog *cat, const char *id, const char *forms, size_t len);
/* id's text (its first form) in cat, or NULL. */
const char *bh_catalog_get(const struct bh_catalog *cat, const char *id);
/* id's form for n in cat by cat's plural rule (its first form when it
 * lacks that one), or NULL when cat has no id. */
const char *bh_catalog_nget(const struct bh_catalog *cat, const char *id, unsigned long n);

/* Parses the Plural-Forms line of a catalog's header (the text of the
 * msgid "", "Name: value" lines) into out. BH_OK; BH_ENOTFOUND (no such
 * line: out is no rule); BH_EINVAL (a line gettext could not read either:
 * no nplurals from 1 to BH_PLURAL_MAX_FORMS, no plural=, an expression
 * that does not parse or is too long or deep; out is no rule, marked bad). */
int bh_plural_parse(const char *header, struct bh_plural *out);
/* The form for n by rule p: English's (n != 1) when p is NULL or no rule,
 * or when the expression divides by zero or gives a form >= nplurals. */
size_t bh_plural_form(const struct bh_plural *p, unsigned long n);
void bh_catalog_clear(struct bh_catalog *cat);

/* Parses the .mo file of len bytes at data into cat (entries added with
 * bh_catalog_put; the header entry, msgid "", is skipped). Every offset and
 * length is checked against len before it is used. A plural entry keeps
 * all its forms (msgid_plural is not kept: the singular is the key, as in
 * gettext); the header's Plural-Forms goes into cat->plural (marked bad
 * when unreadable, which does not fail the parse). BH_OK, BH_ECORRUPT
 * (not a .mo, or damaged: cat is left as it was), BH_ENOMEM. */
int bh_mo_parse(const unsigned char *data, size_t len, struct bh_catalog *cat);

/* The built-in catalogs (Italian), parsed once per process; NULL if lang
 * has none. */
const struct bh_catalog *bh_builtin_catalog(const char *lang);

/* The languages built in, and their count (at most max). */
size_t bh_builtin_languages(const char **out, size_t max);

#endif
