/*
 * gettext catalogs (.mo files) as bh_bot_catalog reads them: a file from
 * outside is refused (BH_ECORRUPT) or read, never read past its end; and
 * what was read is a sorted table in which every entry is found again,
 * each count giving one of its entry's forms.
 *
 * The same input, as text, is also a catalog header for the plural rule
 * reader (so a seed may be a .mo or a "Plural-Forms: ..." line): a rule is
 * read or refused (BH_EINVAL), and a rule read gives a form below its
 * nplurals for every count, division by zero and the largest counts
 * included, in bounded time and stack.
 */
#include <limits.h>

#include "bot/i18n.h"
#include "bothive/error.h"
#include "fuzz.h"

static const unsigned long counts[] = {0, 1, 2, 3, 4, 5, 11, 12, 21, 22, 101, 111, 1000000,
                                       ULONG_MAX - 1, ULONG_MAX};
#define NCOUNTS (sizeof counts / sizeof counts[0])

/* Every form of a plural rule is below its nplurals (or English's 0/1). */
static void check_rule(const struct bh_plural *p)
{
    for (size_t i = 0; i < NCOUNTS; i++) {
        size_t f = bh_plural_form(p, counts[i]);
        BH_FUZZ_ASSERT(p->nplurals ? f < p->nplurals || f == (counts[i] != 1) : f == (counts[i] != 1));
    }
}

static void fuzz_mo(const uint8_t *data, size_t size)
{
    struct bh_catalog cat = {.n = 0};
    /* An exact copy, so that ASan sees a read past the input's end. */
    unsigned char *copy = malloc(size ? size : 1);

    if (!copy)
        return;
    memcpy(copy, data, size);
    int rc = bh_mo_parse(copy, size, &cat);
    BH_FUZZ_ASSERT(rc == BH_OK || rc == BH_ECORRUPT || rc == BH_ENOMEM);
    check_rule(&cat.plural);
    for (size_t i = 0; i < cat.n; i++) {
        if (i > 0)
            BH_FUZZ_ASSERT(strcmp(cat.e[i - 1].id, cat.e[i].id) < 0); /* sorted, each once */
        BH_FUZZ_ASSERT(bh_catalog_get(&cat, cat.e[i].id) == cat.e[i].text);
        for (size_t k = 0; k < NCOUNTS; k++) {
            const char *f = bh_catalog_nget(&cat, cat.e[i].id, counts[k]);
            BH_FUZZ_ASSERT(f >= cat.e[i].text && f <= cat.e[i].text + cat.e[i].len);
        }
    }
    bh_catalog_clear(&cat);
    free(copy);
}

static void fuzz_rule(const uint8_t *data, size_t size)
{
    char *header = bh_fuzz_cstr(data, size);
    struct bh_plural p;

    if (!header)
        return;
    int rc = bh_plural_parse(header, &p);
    BH_FUZZ_ASSERT(rc == BH_OK || rc == BH_EINVAL || rc == BH_ENOTFOUND);
    BH_FUZZ_ASSERT(rc == BH_OK ? p.nplurals >= 1 && !p.bad : p.nplurals == 0);
    BH_FUZZ_ASSERT(p.nnodes <= BH_PLURAL_MAX_NODES);
    check_rule(&p);
    free(header);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_mo(data, size);
    fuzz_rule(data, size);
    return 0;
}
