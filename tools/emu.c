/* Placeholder until the subcommand lands. */
#include <stdio.h>

#include "tools.h"

int bh_tool_emu(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "bothive emu: not built yet\n");
    return 2;
}
