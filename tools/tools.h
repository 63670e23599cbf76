/*
 * The subcommands of the bothive command. Each lives in its own file and
 * returns the process exit status.
 */
#ifndef BOTHIVE_TOOLS_H
#define BOTHIVE_TOOLS_H

/* Exit statuses of the bothive command and its subcommands. */
#define BH_TOOL_EXIT_OK 0
#define BH_TOOL_EXIT_FAILURE 1
#define BH_TOOL_EXIT_USAGE 2    /* bad options or arguments */

int bh_tool_emu(int argc, char **argv);  /* emu/: the Bot API emulator */
int bh_tool_chat(int argc, char **argv); /* chat/: terminal chat with a bot */
int bh_tool_shm(int argc, char **argv);  /* shm.c: inspect a store */

#endif
