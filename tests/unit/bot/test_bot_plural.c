/*
 * Plural forms: gettext catalogs compiled by msgfmt at test time with
 * gettext's own rules (Polish's three forms, Italian's two, Japanese's
 * one), a header without Plural-Forms and headers whose rule cannot be
 * read (English's rule then), counts up to ULONG_MAX, and the expression
 * reader on its own: precedence, division by zero, nesting and length
 * bounds.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/i18n.h"
#include "bothive/bothive.h"
#include "testutil.h"

#define TOKEN "4343:TEST"
#define POLISH "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"

static char dir[] = "/tmp/bh_plural_XXXXXX";

static void setup(void)
{
    strcpy(dir, "/tmp/bh_plural_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    bh_log_set_level(BH_LOG_ERROR + 1);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Compiles a catalog whose header has the Plural-Forms rule (NULL: no such
 * line) and the entries "%d file" / "%d files" with forms (NUL-free,
 * '|'-separated), into dir/name.mo; msgfmt checks the rule when check. */
static const char *make_mo(const char *name, const char *rule, const char *forms, int check)
{
    static char mo[256];
    char po[256], cmd[1024], buf[256], *f, *save = NULL;
    int i = 0;

    snprintf(po, sizeof po, "%s/%s.po", dir, name);
    snprintf(mo, sizeof mo, "%s/%s.mo", dir, name);
    FILE *out = fopen(po, "w");
    ck_assert_ptr_nonnull(out);
    fprintf(out, "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n");
    if (rule)
        fprintf(out, "\"Plural-Forms: %s\\n\"\n", rule);
    fprintf(out, "\nmsgid \"Hello\"\nmsgstr \"Cześć\"\n\n"
                 "msgid \"{n} file\"\nmsgid_plural \"{n} files\"\n");
    snprintf(buf, sizeof buf, "%s", forms);
    for (f = strtok_r(buf, "|", &save); f; f = strtok_r(NULL, "|", &save))
        fprintf(out, "msgstr[%d] \"%s\"\n", i++, f);
    fclose(out);
    snprintf(cmd, sizeof cmd, "msgfmt %s -o '%s' '%s' 2>/dev/null", check ? "--check" : "", mo, po);
    ck_assert_msg(system(cmd) == 0, "msgfmt failed on %s (package gettext)", po);
    return mo;
}

static const char *files(bh_bot *bot, const char *lang, unsigned long n)
{
    return bh_bot_ntr(bot, lang, "{n} file", "{n} files", n);
}

START_TEST(polish_three_forms)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    ck_assert_int_eq(bh_bot_catalog(bot, "pl", make_mo("pl", POLISH, "{n} plik|{n} pliki|{n} plików", 1)),
                     BH_OK);
    const struct { unsigned long n; const char *want; } cases[] = {
        {0, "{n} plików"}, {1, "{n} plik"},    {2, "{n} pliki"},   {4, "{n} pliki"},
        {5, "{n} plików"}, {11, "{n} plików"}, {12, "{n} plików"}, {14, "{n} plików"},
        {21, "{n} plików"}, {22, "{n} pliki"}, {104, "{n} pliki"}, {112, "{n} plików"},
        /* n is unsigned long, as for ngettext: the largest still follows the rule
         * (ULONG_MAX ends in ...615 on 64 bits, ...295 on 32: many). */
        {ULONG_MAX, "{n} plików"}, {ULONG_MAX - 13, "{n} pliki"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(!strcmp(files(bot, "pl", cases[i].n), cases[i].want), "n=%lu: %s", cases[i].n,
                      files(bot, "pl", cases[i].n));
    ck_assert_str_eq(bh_bot_tr(bot, "pl", "{n} file"), "{n} plik");
    ck_assert_str_eq(bh_bot_ntr(bot, "pl", "Hello", "Hellos", 5), "Cześć"); /* one form only */
    /* Not translated: English's forms. */
    ck_assert_str_eq(bh_bot_ntr(bot, "pl", "a cat", "cats", 1), "a cat");
    ck_assert_str_eq(bh_bot_ntr(bot, "pl", "a cat", "cats", 0), "cats");
    ck_assert_str_eq(files(bot, "de", 3), "{n} files"); /* no German */
    ck_assert_ptr_null(bh_bot_ntr(bot, "pl", NULL, "x", 1));
    ck_assert_ptr_null(bh_bot_ntr(bot, "pl", "x", NULL, 1));
    ck_assert_str_eq(bh_bot_ntr(NULL, "pl", "x", "xs", 2), "xs");
    ck_assert_str_eq(bh_ctx_ntr(NULL, "x", "xs", 1), "x");
    /* The default language is the one of a NULL lang. */
    ck_assert_int_eq(bh_bot_language(bot, "pl"), BH_OK);
    ck_assert_str_eq(files(bot, NULL, 3), "{n} pliki");
    bh_bot_free(bot);
}
END_TEST

/* One form for every n (Japanese), and a catalog with fewer forms than
 * its rule asks for (msgfmt without --check lets it through): the first. */
START_TEST(one_form_and_missing_forms)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    ck_assert_int_eq(bh_bot_catalog(bot, "ja", make_mo("ja", "nplurals=1; plural=0;", "{n} ファイル", 1)),
                     BH_OK);
    ck_assert_str_eq(files(bot, "ja", 1), "{n} ファイル");
    ck_assert_str_eq(files(bot, "ja", 7), "{n} ファイル");
    ck_assert_int_eq(bh_bot_catalog(bot, "cs", make_mo("cs", POLISH, "{n} soubor|{n} soubory", 0)), BH_OK);
    ck_assert_str_eq(files(bot, "cs", 3), "{n} soubory");
    ck_assert_str_eq(files(bot, "cs", 5), "{n} soubor"); /* form 2 is missing */
    bh_bot_free(bot);
}
END_TEST

/* A header without Plural-Forms, or with one that cannot be read, is
 * English's rule: the file still loads. */
START_TEST(bad_or_missing_rule_is_english)
{
    const char *bad[] = {
        NULL,
        "nplurals=2; plural=n+;",          /* not an expression */
        "nplurals=2; plural=(n != 1;",     /* unbalanced */
        "nplurals=2; plural=n != 1 x;",    /* something after it */
        "nplurals=0; plural=0;",           /* no forms */
        "nplurals=99; plural=n;",          /* too many */
        "nplurals=2;",                     /* no plural= */
        "plural=n != 1;",                  /* no nplurals= */
        "nplurals=2; plural=nn != 1;",     /* an unknown name */
        "nplurals=2; plural=99999999999999999999999 != n;", /* a number too big */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[16];
        bh_bot *bot = bh_bot_new(TOKEN);
        snprintf(name, sizeof name, "bad%zu", i);
        ck_assert_int_eq(bh_bot_catalog(bot, "de", make_mo(name, bad[i], "{n} Datei|{n} Dateien", 0)),
                         BH_OK);
        ck_assert_msg(!strcmp(files(bot, "de", 1), "{n} Datei"), "rule %zu", i);
        ck_assert_msg(!strcmp(files(bot, "de", 0), "{n} Dateien"), "rule %zu", i);
        ck_assert_msg(!strcmp(files(bot, "de", ULONG_MAX), "{n} Dateien"), "rule %zu", i);
        bh_bot_free(bot);
    }
}
END_TEST

/* A good rule loaded before is kept when a later file's cannot be read. */
START_TEST(later_bad_rule_keeps_the_earlier)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    ck_assert_int_eq(bh_bot_catalog(bot, "pl", make_mo("a", POLISH, "{n} plik|{n} pliki|{n} plików", 1)),
                     BH_OK);
    ck_assert_int_eq(bh_bot_catalog(bot, "pl", make_mo("b", "nplurals=2; plural=((n;", "x|y", 0)), BH_OK);
    ck_assert_str_eq(files(bot, "pl", 5), "x"); /* form 2: missing in b's entry, so its first */
    ck_assert_str_eq(files(bot, "pl", 2), "y");
    bh_bot_free(bot);
}
END_TEST

/* The table API: forms, and a rule of their own. */
START_TEST(table_plurals)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    const char *pl[] = {"{n} plik", "{n} pliki", "{n} plików"}, *bad[] = {"a", NULL};
    ck_assert_int_eq(bh_bot_translate_plural(bot, "pl", "{n} file", pl, 3), BH_OK);
    ck_assert_str_eq(files(bot, "pl", 1), "{n} plik");
    ck_assert_str_eq(files(bot, "pl", 5), "{n} pliki"); /* English's rule until one is set */
    ck_assert_int_eq(bh_bot_plural_rule(bot, "pl", POLISH), BH_OK);
    ck_assert_str_eq(files(bot, "pl", 5), "{n} plików");
    ck_assert_str_eq(files(bot, "pl", 3), "{n} pliki");
    ck_assert_str_eq(bh_bot_tr(bot, "pl", "{n} file"), "{n} plik");
    /* A rule set before the forms, in another language; an empty form. */
    ck_assert_int_eq(bh_bot_plural_rule(bot, "ja", "nplurals=1; plural=0;"), BH_OK);
    const char *ja[] = {""};
    ck_assert_int_eq(bh_bot_translate_plural(bot, "ja", "{n} file", ja, 1), BH_OK);
    ck_assert_str_eq(files(bot, "ja", 9), "");
    /* Errors leave the rule as it was. */
    ck_assert_int_eq(bh_bot_plural_rule(bot, "pl", "nplurals=2; plural=n +;"), BH_EINVAL);
    ck_assert_int_eq(bh_bot_plural_rule(bot, "pl", "nplurals=2; plural=n;\nX: y"), BH_EINVAL);
    ck_assert_str_eq(files(bot, "pl", 5), "{n} plików");
    ck_assert_int_eq(bh_bot_plural_rule(NULL, "pl", POLISH), BH_EINVAL);
    ck_assert_int_eq(bh_bot_plural_rule(bot, "p l", POLISH), BH_EINVAL);
    ck_assert_int_eq(bh_bot_plural_rule(bot, "pl", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_bot_translate_plural(bot, "pl", "x", bad, 2), BH_EINVAL);
    ck_assert_int_eq(bh_bot_translate_plural(bot, "pl", "x", pl, 0), BH_EINVAL);
    ck_assert_int_eq(bh_bot_translate_plural(bot, "pl", "x", pl, 17), BH_EINVAL);
    ck_assert_int_eq(bh_bot_translate_plural(bot, "pl", "", pl, 3), BH_EINVAL);
    ck_assert_int_eq(bh_bot_translate_plural(bot, "pl", "x", NULL, 3), BH_EINVAL);
    ck_assert_int_eq(bh_bot_translate_plural(NULL, "pl", "x", pl, 3), BH_EINVAL);
    bh_bot_free(bot);
}
END_TEST

/* Italian is built in, with its n != 1 rule. */
START_TEST(builtin_italian_plural)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    ck_assert_str_eq(bh_bot_ntr(bot, "it", BH_TEXT_HELP_LEFT_OUT, BH_TEXT_HELP_LEFT_OUT_PLURAL, 1),
                     "...e {count} altro comando.");
    ck_assert_str_eq(bh_bot_ntr(bot, "it", BH_TEXT_HELP_LEFT_OUT, BH_TEXT_HELP_LEFT_OUT_PLURAL, 3),
                     "...e altri {count} comandi.");
    ck_assert_str_eq(bh_bot_ntr(bot, "en", BH_TEXT_HELP_LEFT_OUT, BH_TEXT_HELP_LEFT_OUT_PLURAL, 3),
                     BH_TEXT_HELP_LEFT_OUT_PLURAL);
    bh_bot_free(bot);
}
END_TEST

/* The reader alone: the form for n by a header's rule. */
static size_t form(const char *rule, unsigned long n)
{
    char header[1024];
    struct bh_plural p;
    snprintf(header, sizeof header, "Language: xx\nPlural-Forms: %s\nX-Other: 1\n", rule);
    ck_assert_msg(bh_plural_parse(header, &p) == BH_OK, "%s", rule);
    return bh_plural_form(&p, n);
}

START_TEST(expressions)
{
    /* Precedence and associativity as in C. */
    ck_assert_uint_eq(form("nplurals=16; plural=1 + 2 * 3;", 0), 7);
    ck_assert_uint_eq(form("nplurals=16; plural=(1 + 2) * 3;", 0), 9);
    ck_assert_uint_eq(form("nplurals=16; plural=10 - 4 - 3;", 0), 3);
    ck_assert_uint_eq(form("nplurals=16; plural=n / 2 / 2;", 13), 3);
    ck_assert_uint_eq(form("nplurals=16; plural=n % 5 * 2;", 13), 6);
    ck_assert_uint_eq(form("nplurals=16; plural=n == 1 ? 0 : n == 2 ? 1 : 2;", 2), 1);
    ck_assert_uint_eq(form("nplurals=16; plural=n == 1 ? 0 : n == 2 ? 1 : 2;", 9), 2);
    ck_assert_uint_eq(form("nplurals=2; plural=!(n == 1);", 1), 0);
    ck_assert_uint_eq(form("nplurals=2; plural=!!n;", 7), 1);
    ck_assert_uint_eq(form("nplurals=2; plural=n > 1 || n < 1;", 1), 0);
    ck_assert_uint_eq(form("nplurals=2; plural=n >= 2 && n <= 3;", 3), 1);
    ck_assert_uint_eq(form("nplurals=2; plural=n != 1;", 1), 0);
    ck_assert_uint_eq(form("plural = n != 1 ; nplurals = 2", 5), 1); /* either order, blanks */
    /* Unsigned arithmetic, as gettext's: 0 - 1 is the largest. */
    ck_assert_uint_eq(form("nplurals=2; plural=n - 1 > 5;", 0), 1);
    ck_assert_uint_eq(form("nplurals=3; plural=n * n % 3;", ULONG_MAX), 1); /* wraps to 1 */
    /* Division by zero, or a form past nplurals: English's rule. */
    ck_assert_uint_eq(form("nplurals=3; plural=2 / (n - 5);", 5), 1);
    ck_assert_uint_eq(form("nplurals=3; plural=7 % (n - 1);", 1), 0);
    ck_assert_uint_eq(form("nplurals=3; plural=2 / (n - 5);", 6), 2);
    ck_assert_uint_eq(form("nplurals=2; plural=n;", 7), 1);
    ck_assert_uint_eq(form("nplurals=2; plural=n;", 1), 1);
    ck_assert_uint_eq(bh_plural_form(NULL, 1), 0);
    ck_assert_uint_eq(bh_plural_form(NULL, 2), 1);
}
END_TEST

START_TEST(bounds)
{
    struct bh_plural p;
    char header[4096], expr[2048];
    size_t k;

    ck_assert_int_eq(bh_plural_parse("Language: xx\n", &p), BH_ENOTFOUND);
    ck_assert_int_eq(bh_plural_parse(NULL, &p), BH_ENOTFOUND);
    ck_assert_int_eq(bh_plural_parse("", &p), BH_ENOTFOUND);
    ck_assert_int_eq(bh_plural_parse("Plural-Forms: nplurals=2; plural=\n", &p), BH_EINVAL);
    ck_assert_uint_eq(bh_plural_form(&p, 1), 0);
    ck_assert_uint_eq(bh_plural_form(&p, 3), 1);
    /* Nesting: 20 parentheses are read, 30 are too deep. */
    for (int depth = 20; depth <= 30; depth += 10) {
        k = 0;
        for (int i = 0; i < depth; i++)
            expr[k++] = '(';
        expr[k++] = 'n';
        for (int i = 0; i < depth; i++)
            expr[k++] = ')';
        expr[k] = 0;
        snprintf(header, sizeof header, "Plural-Forms: nplurals=9; plural=%s;", expr);
        ck_assert_int_eq(bh_plural_parse(header, &p), depth == 20 ? BH_OK : BH_EINVAL);
    }
    /* As many '!' (each nests one more), and a long chain of nodes. */
    memset(expr, '!', 100);
    strcpy(expr + 100, "n");
    snprintf(header, sizeof header, "Plural-Forms: nplurals=2; plural=%s;", expr);
    ck_assert_int_eq(bh_plural_parse(header, &p), BH_EINVAL);
    k = 0;
    for (int i = 0; i < 60; i++)
        k += (size_t)snprintf(expr + k, sizeof expr - k, "n+");
    strcpy(expr + k, "1");
    snprintf(header, sizeof header, "Plural-Forms: nplurals=2; plural=%s;", expr);
    ck_assert_int_eq(bh_plural_parse(header, &p), BH_EINVAL); /* 121 nodes */
    memset(expr, ' ', 300);
    strcpy(expr + 300, "n != 1");
    snprintf(header, sizeof header, "Plural-Forms: nplurals=2; plural=%s;", expr);
    ck_assert_int_eq(bh_plural_parse(header, &p), BH_EINVAL); /* a line too long */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_plural");
    TCase *tc = tcase_create("plural");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, polish_three_forms);
    tcase_add_test(tc, one_form_and_missing_forms);
    tcase_add_test(tc, bad_or_missing_rule_is_english);
    tcase_add_test(tc, later_bad_rule_keeps_the_earlier);
    tcase_add_test(tc, table_plurals);
    tcase_add_test(tc, builtin_italian_plural);
    tcase_add_test(tc, expressions);
    tcase_add_test(tc, bounds);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
