/*
 * Test helper: Update objects built with json-c, for suites that run a
 * bot's chain with bh_bot_process without a Telegram to fetch them from.
 */
#ifndef BH_TEST_UPDATES_H
#define BH_TEST_UPDATES_H

#include <stdint.h>

/*
 * The update `id` of a message from user in chat (a negative chat is a
 * group, else private): with text, or (photo non-zero) a photo with text
 * as its caption, or (text NULL) a photo without a caption. malloc'd.
 */
char *bh_test_message_update(int64_t id, int64_t chat, int64_t user, const char *text,
                             int photo);

#endif
