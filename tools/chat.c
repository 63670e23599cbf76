/* Placeholder until the subcommand lands. */
#include <stdio.h>

#include "tools.h"

int bh_tool_chat(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "bothive chat: not built yet\n");
    return 2;
}
