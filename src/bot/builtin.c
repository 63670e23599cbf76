/*
 * The built-in translations: po/<lang>.po, compiled by the build with
 * msgfmt and carried inside the library as the bytes of the .mo
 * (cmake/embed.cmake), parsed by the same reader as a bot's own catalogs
 * the first time a text is looked up in this process.
 */
#include <pthread.h>
#include <string.h>

#include "bothive/error.h"
#include "bothive/log.h"
#include "i18n.h"

static const unsigned char mo_it[] = {
#include "bh_mo_it.inc"
};

static struct builtin {
    const char *lang;
    const unsigned char *mo;
    size_t len;
    struct bh_catalog cat;
} builtins[] = {
    {"it", mo_it, sizeof mo_it, {.n = 0}},
};

#define NBUILTIN (sizeof builtins / sizeof builtins[0])

static pthread_once_t parsed = PTHREAD_ONCE_INIT;

static void parse_all(void)
{
    for (size_t i = 0; i < NBUILTIN; i++) {
        strcpy(builtins[i].cat.lang, builtins[i].lang);
        if (bh_mo_parse(builtins[i].mo, builtins[i].len, &builtins[i].cat) != BH_OK)
            bh_log(BH_LOG_ERROR, "the built-in %s translations could not be read",
                   builtins[i].lang);
    }
}

const struct bh_catalog *bh_builtin_catalog(const char *lang)
{
    pthread_once(&parsed, parse_all);
    for (size_t i = 0; i < NBUILTIN; i++)
        if (!strcmp(builtins[i].lang, lang))
            return &builtins[i].cat;
    return NULL;
}

size_t bh_builtin_languages(const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < NBUILTIN && n < max; i++)
        out[n++] = builtins[i].lang;
    return n;
}
