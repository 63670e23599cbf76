/*
 * The subcommands of the bothive command. Each lives in a place of its own
 * and returns the process exit status. child.c (child.h) holds what the
 * command and the tests share to run child processes.
 *
 * Names, in every file under tools/: what other files call carries the
 * prefix of its place (bh_tool_, bh_emu_, bh_chat_, bh_child_); static
 * helpers carry no bh_ prefix at all, since bh_ is the library's namespace
 * and a static there can shadow a public function (the chat's static
 * bh_chat_send once did). Helpers return BH_ codes (bothive/error.h) or
 * the named values of their header, not bare numbers.
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
int bh_tool_api(int argc, char **argv);  /* api.c: the Bot API methods as bothive reaches them */

#endif
