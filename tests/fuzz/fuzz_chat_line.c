/*
 * The line editor of `bothive chat` (tools/chat/line.c): any bytes typed,
 * escape sequences and control keys included, one at a time. The line
 * stays within its buffer and NUL-terminated when entered, and history
 * browsing never loses track of what it holds.
 */
#include <stdio.h>

#include "chat/chat.h"
#include "fuzz.h"

static FILE *bh_fuzz_out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The echo is not looked at: only that writing it is sound. */
    if (!(bh_fuzz_out = fopen("/dev/null", "w")))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bh_chat_line l;

    /* Not started on a terminal: the editor works the same, the terminal
     * settings are simply not touched. */
    memset(&l, 0, sizeof l);
    for (size_t i = 0; i < size; i++) {
        int rc = bh_chat_line_feed(&l, data[i], bh_fuzz_out);
        BH_FUZZ_ASSERT(l.len < sizeof l.buf);
        BH_FUZZ_ASSERT(l.nhist >= 0 && l.nhist <= BH_CHAT_LINE_HISTORY);
        if (rc == BH_CHAT_LINE_DONE) {
            BH_FUZZ_ASSERT(memchr(l.buf, '\0', sizeof l.buf) != NULL);
            l.len = 0;
        } else if (rc == BH_CHAT_LINE_REDRAW) {
            bh_chat_line_draw(&l, bh_fuzz_out, "> ");
        } else {
            BH_FUZZ_ASSERT(rc == BH_CHAT_LINE_NONE || rc == BH_CHAT_LINE_EOF);
        }
    }
    bh_chat_line_stop(&l);
    return 0;
}
