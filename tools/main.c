/*
 * bothive: the command-line tool. Dispatches to its subcommands, each in a
 * place of its own: emu/, chat/, shm.c (see tools.h).
 */
#include <stdio.h>
#include <string.h>

#include "tools.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} tools[] = {
    {"emu", bh_tool_emu, "run a local Bot API emulator"},
    {"chat", bh_tool_chat, "chat with a bot in the terminal, through the emulator"},
    {"shm", bh_tool_shm, "inspect a file: store"},
    {"api", bh_tool_api, "list the Bot API methods: typed, builder only, served by the emulator"},
};

/* Lists the subcommands on f. */
static void usage(FILE *f)
{
    fprintf(f, "usage: bothive COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        fprintf(f, "  %-6s %s\n", tools[i].name, tools[i].help);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? BH_TOOL_EXIT_USAGE : BH_TOOL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!strcmp(argv[1], tools[i].name))
            return tools[i].run(argc - 1, argv + 1);
    fprintf(stderr, "bothive: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return BH_TOOL_EXIT_USAGE;
}
