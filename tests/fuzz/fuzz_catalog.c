/*
 * gettext catalogs (.mo files) as bh_bot_catalog reads them: a file from
 * outside is refused (BH_ECORRUPT) or read, never read past its end; and
 * what was read is a sorted table in which every entry is found again.
 */
#include "bot/i18n.h"
#include "bothive/error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bh_catalog cat = {.n = 0};
    /* An exact copy, so that ASan sees a read past the input's end. */
    unsigned char *copy = malloc(size ? size : 1);

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    int rc = bh_mo_parse(copy, size, &cat);
    if (rc != BH_OK && rc != BH_ECORRUPT && rc != BH_ENOMEM)
        abort();
    for (size_t i = 0; i < cat.n; i++) {
        if (i > 0 && strcmp(cat.e[i - 1].id, cat.e[i].id) >= 0)
            abort(); /* sorted, each msgid once */
        if (bh_catalog_get(&cat, cat.e[i].id) != cat.e[i].text)
            abort();
    }
    bh_catalog_clear(&cat);
    free(copy);
    return 0;
}
