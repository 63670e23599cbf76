/*
 * The emulator's control API (what tests and `bothive chat` call): a
 * sequence of calls on one fresh emulator, each answered with a status and
 * a JSON body. At the end, the updates the calls queued are fetched with
 * getUpdates and must parse as Updates, none skipped: what the emulator
 * makes is what bots will read.
 *
 * Input: calls separated by a line "--"; each is a line
 * "METHOD what?query" (the path after /control/) and then the body.
 */
#include <json-c/json.h>

#include "bothive/error.h"
#include "emu/emu.h"
#include "fuzz.h"
#include "views.h"

#define BH_FUZZ_TOKEN "123456:fuzz-token"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    return 0;
}

/* Answers are JSON with a status a server may send. */
static void check_reply(bh_emu_reply *r)
{
    int ready = bh_emu_reply_finish(r);
    BH_FUZZ_ASSERT(ready == BH_EMU_REPLY_READY);
    BH_FUZZ_ASSERT(r->status >= 200 && r->status < 600 && r->body != NULL);
    json_object *o = json_tokener_parse(r->body);
    BH_FUZZ_ASSERT(o != NULL);
    json_object_put(o);
}

static void one_call(bh_emu *e, const char *call, size_t len)
{
    const char *nl = memchr(call, '\n', len);
    size_t llen = nl ? (size_t)(nl - call) : len;
    char *line = bh_fuzz_cstr((const uint8_t *)call, llen);
    const char *body = nl ? nl + 1 : call + len;
    size_t blen = (size_t)(call + len - body);
    bh_emu_params *q = bh_emu_params_new();
    bh_emu_reply r = {0};

    BH_FUZZ_ASSERT(line != NULL && q != NULL);
    char *sp = strchr(line, ' '), *what = sp ? sp + 1 : line + llen;
    if (sp)
        *sp = '\0';
    char *qm = strchr(what, '?');
    if (qm) {
        *qm = '\0';
        BH_FUZZ_ASSERT(bh_emu_params_add_form(q, qm + 1, strlen(qm + 1)) == BH_OK);
    }
    /* The body as libmicrohttpd hands it: exactly its bytes. */
    char *b = malloc(blen ? blen : 1);
    BH_FUZZ_ASSERT(b != NULL);
    memcpy(b, body, blen);
    bh_emu_control_handle(e, line, what, q, b, blen, &r);
    check_reply(&r);
    free(r.body);
    free(b);
    json_object_put(q);
    free(line);
}

/* getUpdates without waiting: what the calls queued, as a bot gets it. */
static void fetch_updates(bh_emu *e)
{
    bh_emu_params *p = bh_emu_params_new();
    bh_emu_reply r = {0};
    json_object *o, *res;
    bh_update_batch b;

    json_object_object_add(p, "timeout", json_object_new_int(0));
    json_object_object_add(p, "limit", json_object_new_int(100));
    /* The faults the calls set would delay or refuse the fetch: a fuzz run
     * must not sleep, and the fetch is there to read the updates. */
    memset(&e->faults, 0, sizeof e->faults);
    bh_emu_api_handle(e, "getUpdates", p, &r);
    json_object_put(p);
    if (bh_emu_reply_finish(&r) != BH_EMU_REPLY_READY)
        return;
    o = json_tokener_parse(r.body);
    if (o && r.status == 200 && json_object_object_get_ex(o, "result", &res) &&
        bh_updates_parse(res, &b) == BH_OK) {
        BH_FUZZ_ASSERT(b.skipped == 0);
        for (size_t i = 0; i < b.count; i++)
            bh_fuzz_walk_update(b.items[i]);
        bh_update_batch_free(&b);
    }
    json_object_put(o);
    free(r.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    bh_emu e;
    int calls = 0;

    if (size > 65536)
        return 0;
    BH_FUZZ_ASSERT(bh_emu_init(&e, BH_FUZZ_TOKEN) == BH_OK);
    e.rng = 0x2545f4914f6cdd1dULL; /* faults drawn the same way every run */
    while (p < end && calls++ < 64) {
        const char *sep = memmem(p, (size_t)(end - p), "\n--\n", 4);
        size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
        one_call(&e, p, n);
        p += n + (sep ? 4 : 0);
    }
    fetch_updates(&e);
    bh_emu_destroy(&e);
    return 0;
}
