/*
 * bothive chat: the two children, the emulator and the bot. Each runs in a
 * process group of its own, for two reasons: Ctrl-C in the terminal reaches
 * only the chat (which then stops them in order, instead of all three dying
 * at once mid-request), and stopping a bot stops what it started too (a
 * shell-script bot's curl in a long poll would otherwise outlive it).
 * Both die with the chat (child.h), so they do not outlive a chat that is
 * killed. The emulator is started by the launcher the tests use too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bothive/error.h"
#include "chat.h"
#include "emu/launch.h"

#define BH_CHAT_EMU_START_MS 10000

/* The bothive binary, to run its emu subcommand: the path /proc/self/exe
 * names, when it can still be run by that path. Under valgrind the link is
 * resolved to the program being checked, while exec of /proc/self/exe
 * itself would start valgrind's tool binary; when the binary was replaced
 * since it started, only /proc/self/exe still reaches the right one. */
static void self_path(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n > 0 && (size_t)n < size - 1) {
        buf[n] = '\0';
        if (access(buf, X_OK) == 0)
            return;
    }
    snprintf(buf, size, "/proc/self/exe");
}

int bh_chat_emu_start(bh_child *emu, const char *token, int log_fd, char *url, size_t urlsize)
{
    char self[4096];
    bh_emu_launch_opts o = {.bin = self, .token = token, .log_fd = log_fd, .group = true,
                            .start_ms = BH_CHAT_EMU_START_MS, .who = "bothive chat"};
    int rc;

    self_path(self, sizeof self);
    rc = bh_emu_launch(emu, &o, url, urlsize);
    if (rc == BH_EPROTO)
        fprintf(stderr, "bothive chat: the emulator did not start (see its log)\n");
    return rc;
}

/* The emulator is new, so every update pending when the bot starts is
 * one the user typed while it was starting: a bothive bot is told to
 * process them (BOTHIVE_PROCESS_BACKLOG=1, unless the environment sets
 * it), rather than skip them as at a first start on Telegram. */
int bh_chat_bot_start(bh_child *bot, char **argv, const char *url, const char *token,
                      int out_fd)
{
    const char *env[] = {"BOTHIVE_API_URL", url, "BOT_TOKEN", token, NULL, NULL, NULL};
    if (!getenv("BOTHIVE_PROCESS_BACKLOG")) {
        env[4] = "BOTHIVE_PROCESS_BACKLOG";
        env[5] = "1";
    }
    bh_child_spec s = {.argv = argv, .env = env, .out_fd = out_fd, .err_fd = out_fd,
                       .group = true, .who = "bothive chat"};
    return bh_child_start(bot, &s);
}
