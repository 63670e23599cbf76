/*
 * Escaping for the Bot API's parse modes, so that a user's text put inside
 * formatted text shows as typed instead of breaking the markup (Telegram
 * refuses a message whose markup does not parse).
 */
#include <stdlib.h>
#include <string.h>

#include "bothive/telegram.h"

char *bh_text_escape_html(const char *text)
{
    size_t n = 0, o = 0;
    char *out;
    if (!text)
        return NULL;
    for (const char *p = text; *p; p++)
        n += *p == '&' ? 5 : *p == '<' || *p == '>' ? 4 : *p == '"' ? 6 : 1;
    if (!(out = malloc(n + 1)))
        return NULL;
    for (const char *p = text; *p; p++) {
        const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
                        : *p == '"' ? "&quot;" : NULL;
        if (rep) {
            memcpy(out + o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}

char *bh_text_escape_markdown_v2(const char *text)
{
    static const char special[] = "_*[]()~`>#+-=|{}.!\\";
    size_t n = 0, o = 0;
    char *out;
    if (!text)
        return NULL;
    for (const char *p = text; *p; p++)
        n += strchr(special, *p) ? 2 : 1;
    if (!(out = malloc(n + 1)))
        return NULL;
    for (const char *p = text; *p; p++) {
        if (strchr(special, *p))
            out[o++] = '\\';
        out[o++] = *p;
    }
    out[o] = '\0';
    return out;
}
