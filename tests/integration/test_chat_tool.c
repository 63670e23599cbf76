/*
 * The bothive chat command, run as a real process with a real bot (the
 * echo bot of tests/integration/echo_bot.c) through the real emulator. The
 * conversation is fed through a pipe and the transcript is read back.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define WAIT_MS 20000

/* One run of `bothive chat`: its stdin, and its stdout and stderr together. */
typedef struct chat_run {
    pid_t pid;
    int in_fd, out_fd;
    char *out;
    size_t len;
} chat_run;

/* Starts `bothive chat OPTS... -- BOT BOTARGS...`; both lists end with
 * NULL. */
static void chat_start_bot(chat_run *r, const char *const *opts, const char *bot,
                           const char *const *botargs)
{
    const char *argv[32];
    int in[2], out[2], n = 0;

    memset(r, 0, sizeof *r);
    argv[n++] = getenv("BOTHIVE_BIN");
    ck_assert_ptr_nonnull(argv[0]);
    argv[n++] = "chat";
    for (; opts && *opts; opts++)
        argv[n++] = *opts;
    argv[n++] = "--";
    argv[n++] = bot;
    for (; botargs && *botargs; botargs++)
        argv[n++] = *botargs;
    argv[n] = NULL;
    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(pipe(out), 0);
    r->pid = fork();
    ck_assert_int_ge(r->pid, 0);
    if (r->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(out[1], STDERR_FILENO);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execv(argv[0], (char **)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    r->in_fd = in[1];
    r->out_fd = out[0];
    r->out = calloc(1, 1);
}

/* Starts `bothive chat OPTS... -- echo_bot BOTARGS...`. */
static void chat_start(chat_run *r, const char *const *opts, const char *const *botargs)
{
    chat_start_bot(r, opts, BH_ECHO_BOT, botargs);
}

/* Reads what the chat printed, for up to ms. Returns 0 at EOF, else 1. */
static int chat_read(chat_run *r, int ms)
{
    struct pollfd p = {.fd = r->out_fd, .events = POLLIN};
    char buf[4096];
    ssize_t n;
    if (r->out_fd < 0)
        return 0;
    if (poll(&p, 1, ms) <= 0)
        return 1;
    n = read(r->out_fd, buf, sizeof buf);
    if (n <= 0) {
        close(r->out_fd);
        r->out_fd = -1;
        return 0;
    }
    r->out = realloc(r->out, r->len + (size_t)n + 1);
    memcpy(r->out + r->len, buf, (size_t)n);
    r->len += (size_t)n;
    r->out[r->len] = '\0';
    return 1;
}

/* Waits until the transcript contains needle; returns 1, or 0 on timeout. */
static int chat_wait_for(chat_run *r, const char *needle)
{
    int64_t deadline = bh_test_now_ms() + WAIT_MS;
    while (!strstr(r->out, needle)) {
        if (bh_test_now_ms() > deadline || !chat_read(r, 100)) {
            if (!strstr(r->out, needle))
                fprintf(stderr, "--- waited for '%s' in:\n%s---\n", needle, r->out);
            return strstr(r->out, needle) != NULL;
        }
    }
    return 1;
}

static void chat_say(chat_run *r, const char *line)
{
    size_t n = strlen(line);
    ck_assert_int_eq(write(r->in_fd, line, n), (ssize_t)n);
    ck_assert_int_eq(write(r->in_fd, "\n", 1), 1);
}

/* Closes the chat's stdin (unless already closed), reads to the end and
 * reaps it. Returns its exit status (128+signal when killed). */
static int chat_finish(chat_run *r)
{
    int64_t deadline = bh_test_now_ms() + WAIT_MS;
    if (r->in_fd >= 0)
        close(r->in_fd);
    r->in_fd = -1;
    while (chat_read(r, 100))
        if (bh_test_now_ms() > deadline) {
            kill(r->pid, SIGKILL);
            ck_abort_msg("the chat did not end:\n%s", r->out);
        }
    return bh_test_wait(r->pid);
}

/* The pid after `marker` in the transcript, e.g. "bot '...' (pid " */
static pid_t pid_after(const char *out, const char *marker)
{
    const char *p = strstr(out, marker);
    ck_assert_msg(p != NULL, "no '%s' in:\n%s", marker, out);
    p = strstr(p, "(pid ");
    ck_assert_ptr_nonnull(p);
    return (pid_t)atoi(p + 5);
}

/* Neither the bot (nor anything in its process group) nor the emulator is
 * left running: everything the chat started has ended. */
static void assert_nothing_left(const chat_run *r)
{
    pid_t bot = pid_after(r->out, "bothive chat: bot '");
    pid_t emu = pid_after(r->out, "emulator http://");
    ck_assert_msg(kill(bot, 0) < 0 && errno == ESRCH, "bot %d still there", (int)bot);
    ck_assert_msg(kill(-bot, 0) < 0 && errno == ESRCH, "bot's group %d still there", (int)bot);
    ck_assert_msg(kill(emu, 0) < 0 && errno == ESRCH, "emulator %d still there", (int)emu);
}

static void chat_free(chat_run *r)
{
    if (r->in_fd >= 0)
        close(r->in_fd);
    if (r->out_fd >= 0)
        close(r->out_fd);
    free(r->out);
}

START_TEST(replies_are_printed_and_eof_ends_everything)
{
    chat_run r;
    chat_start(&r, NULL, NULL);
    chat_say(&r, "hello");
    chat_say(&r, "how are you?");
    ck_assert_int_eq(chat_finish(&r), 0);
    ck_assert_ptr_nonnull(strstr(r.out, "you> hello\nbot> echo: hello\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "you> how are you?\nbot> echo: how are you?\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "the bot's output goes to "));
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

START_TEST(buttons_are_numbered_and_pressable)
{
    chat_run r;
    chat_start(&r, NULL, NULL);
    chat_say(&r, "/keyboard");
    ck_assert(chat_wait_for(&r, "bot> pick one\n     [1] Yes  [2] No\n     [3] Docs <https://example.org/docs>\n"));
    chat_say(&r, ":press 2");
    /* message 1 is the user's /keyboard, 2 the bot's keyboard */
    ck_assert(chat_wait_for(&r, "bot> pressed no by user 1001 on message 2\n"));
    ck_assert(chat_wait_for(&r, "bot> (answer) got no\n"));
    chat_say(&r, ":1");
    ck_assert(chat_wait_for(&r, "bot> pressed yes by user 1001 on message 2\n"));
    chat_say(&r, ":3");
    ck_assert(chat_wait_for(&r, "that button opens https://example.org/docs"));
    chat_say(&r, ":press 9");
    ck_assert(chat_wait_for(&r, "has no button 9"));
    /* A reply keyboard's button sends its text. */
    chat_say(&r, "/reply");
    ck_assert(chat_wait_for(&r, "bot> choose\n     [1] Red  [2] Blue\n"));
    chat_say(&r, ":2");
    ck_assert(chat_wait_for(&r, "you> Blue\nbot> echo: Blue\n"));
    ck_assert_int_eq(chat_finish(&r), 0);
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

START_TEST(reply_keyboards_media_and_inline_mode)
{
    chat_run r;
    chat_start(&r, NULL, NULL);
    /* a reply keyboard's buttons say what they send; pressing the location
     * button sends a location */
    chat_say(&r, "/where");
    ck_assert(chat_wait_for(&r, "bot> where?\n     [1] Here (sends a location)  [2] Nowhere\n"));
    chat_say(&r, ":1");
    ck_assert(chat_wait_for(&r, "you> Here (sends a location)\nbot> location 0.00 0.00\n"));
    chat_say(&r, ":press 2");
    ck_assert(chat_wait_for(&r, "you> Nowhere\nbot> echo: Nowhere\n"));
    /* photos and documents show as a line naming them, with the caption */
    chat_say(&r, "/photo");
    ck_assert(chat_wait_for(&r, "bot> [photo] a cat\n"));
    chat_say(&r, "/document");
    ck_assert(chat_wait_for(&r, "bot> [document"));
    ck_assert(chat_wait_for(&r, "] the report\n"));
    /* an inline query lists the bot's results; a pick is sent via the bot */
    chat_say(&r, ":pick 1");
    ck_assert(chat_wait_for(&r, "no inline results to pick from"));
    chat_say(&r, ":inline hello world");
    ck_assert(chat_wait_for(&r, "bot> (2 inline results)\n     [1] Upper\n     [2] Same\n"));
    chat_say(&r, ":pick 3");
    ck_assert(chat_wait_for(&r, "which result? :pick N, N from 1 to 2"));
    chat_say(&r, ":pick 1");
    ck_assert(chat_wait_for(&r, "you> (via bot) HELLO WORLD\n"));
    ck_assert(chat_wait_for(&r, "bot> chosen up for hello world\n"));
    chat_say(&r, ":pick 2");
    ck_assert(chat_wait_for(&r, "you> (via bot) hello world\n"));
    ck_assert(chat_wait_for(&r, "bot> chosen same for hello world\n"));
    /* that result has a button: the message it sent is the bot's to edit */
    ck_assert(chat_wait_for(&r, "you> (via bot, edited) edited: hello world\n"));
    ck_assert_int_eq(chat_finish(&r), 0);
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

START_TEST(user_and_chat_switch)
{
    chat_run r;
    chat_start(&r, NULL, NULL);
    chat_say(&r, "/whoami");
    ck_assert(chat_wait_for(&r, "bot> chat 1001 type private user 1001\n"));
    chat_say(&r, ":user 77");
    chat_say(&r, "/whoami");
    ck_assert(chat_wait_for(&r, "bot> chat 77 type private user 77\n"));
    chat_say(&r, ":chat -5");
    chat_say(&r, "/whoami");
    ck_assert(chat_wait_for(&r, "bot> chat -5 type group user 77\n"));
    chat_say(&r, ":user 88");
    chat_say(&r, "/whoami");
    ck_assert(chat_wait_for(&r, "bot> chat -5 type group user 88\n"));
    chat_say(&r, ":private");
    chat_say(&r, "/whoami");
    ck_assert(chat_wait_for(&r, "bot> chat 88 type private user 88\n"));
    chat_say(&r, ":bogus");
    ck_assert(chat_wait_for(&r, "unknown command ':bogus'"));
    chat_say(&r, "::literal");
    ck_assert(chat_wait_for(&r, "bot> echo: :literal\n"));
    ck_assert_int_eq(chat_finish(&r), 0);
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

START_TEST(options_choose_user_and_group)
{
    chat_run r;
    const char *opts[] = {"--group", "--user", "5", NULL};
    chat_start(&r, opts, NULL);
    chat_say(&r, "/whoami");
    ck_assert_int_eq(chat_finish(&r), 0);
    ck_assert_ptr_nonnull(strstr(r.out, "bot> chat -1001 type group user 5\n"));
    chat_free(&r);
}
END_TEST

/* --lang and :lang: the user's updates carry that language_code, as the
 * echo bot sees it. */
START_TEST(lang_option_and_command_set_language_code)
{
    chat_run r;
    const char *opts[] = {"--lang", "pt_BR", NULL};
    chat_start(&r, opts, NULL);
    ck_assert(chat_wait_for(&r, "(language_code pt-br)"));
    chat_say(&r, "/lang");
    ck_assert(chat_wait_for(&r, "bot> language_code pt-br\n"));
    chat_say(&r, ":lang it");
    ck_assert(chat_wait_for(&r, "now writing with language_code it"));
    chat_say(&r, "/lang");
    ck_assert(chat_wait_for(&r, "bot> language_code it\n"));
    chat_say(&r, ":lang");
    ck_assert(chat_wait_for(&r, "writing with language_code it\n"));
    chat_say(&r, ":lang x!y");
    ck_assert(chat_wait_for(&r, "which language? :lang CODE"));
    chat_say(&r, ":user 42"); /* the language is the player's, whoever they play */
    chat_say(&r, "/lang");
    ck_assert(chat_wait_for(&r, "bot> language_code it\n"));
    ck_assert_int_eq(chat_finish(&r), 0);
    chat_free(&r);
    /* Without --lang, the emulator's default. */
    chat_start(&r, NULL, NULL);
    chat_say(&r, "/lang");
    ck_assert(chat_wait_for(&r, "bot> language_code en\n"));
    ck_assert_int_eq(chat_finish(&r), 0);
    chat_free(&r);
}
END_TEST

/* A bothive bot (examples/counter) answers an Italian user in Italian,
 * and the same user in English once they switch. */
START_TEST(an_italian_user_gets_italian_from_a_bothive_bot)
{
    chat_run r;
    char bot[4096];
    const char *opts[] = {"--lang", "it", NULL};
    ck_assert_ptr_nonnull(getenv("BOTHIVE_EXAMPLES"));
    snprintf(bot, sizeof bot, "%s/counter", getenv("BOTHIVE_EXAMPLES"));
    chat_start_bot(&r, opts, bot, NULL);
    chat_say(&r, "/nope");
    ck_assert(chat_wait_for(&r, "bot> Comando sconosciuto: /nope. Prova /help.\n"));
    chat_say(&r, "/help");
    ck_assert(chat_wait_for(&r, "bot> Questo bot supporta questi comandi:\n"));
    ck_assert(chat_wait_for(&r, "/help - Mostra questo messaggio di aiuto\n"));
    chat_say(&r, "/start");
    ck_assert(chat_wait_for(&r, "Usa /help per vedere cosa sa fare questo bot.\n"));
    chat_say(&r, ":lang en");
    chat_say(&r, "/nope");
    ck_assert(chat_wait_for(&r, "bot> Unknown command: /nope. Try /help.\n"));
    ck_assert_int_eq(chat_finish(&r), 0);
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

START_TEST(late_replies_and_edits_are_printed)
{
    chat_run r;
    chat_start(&r, NULL, NULL);
    chat_say(&r, "/later");
    ck_assert(chat_wait_for(&r, "bot> soon\n"));
    /* Nothing more is typed: the background poll prints it. */
    ck_assert(chat_wait_for(&r, "bot> later!\n"));
    chat_say(&r, "/edit");
    ck_assert(chat_wait_for(&r, "bot> (edited) done\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "bot> working...\n"));
    ck_assert_int_eq(chat_finish(&r), 0);
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

START_TEST(quit_command_ends_the_chat)
{
    chat_run r;
    chat_start(&r, NULL, NULL);
    chat_say(&r, "one");
    chat_say(&r, ":quit");
    chat_say(&r, "two");
    ck_assert_int_eq(chat_finish(&r), 0);
    ck_assert_ptr_nonnull(strstr(r.out, "bot> echo: one\n"));
    ck_assert_ptr_null(strstr(r.out, "two"));
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

START_TEST(sigint_ends_the_chat)
{
    chat_run r;
    chat_start(&r, NULL, NULL);
    chat_say(&r, "ping");
    ck_assert(chat_wait_for(&r, "bot> echo: ping\n"));
    kill(r.pid, SIGINT);
    ck_assert_int_eq(chat_finish(&r), 0);
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

START_TEST(bot_failing_at_start_is_reported)
{
    chat_run r;
    const char *botargs[] = {"--exit-now", "3", NULL};
    chat_start(&r, NULL, botargs);
    ck_assert(chat_wait_for(&r, "the bot exited with status 3"));
    ck_assert_int_eq(chat_finish(&r), 3);
    ck_assert_ptr_nonnull(strstr(r.out, "failing at start on purpose"));
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

START_TEST(bot_dying_mid_chat_is_reported)
{
    chat_run r;
    chat_start(&r, NULL, NULL);
    chat_say(&r, "hi");
    chat_say(&r, "/exit 5");
    chat_say(&r, "after");
    ck_assert_int_eq(chat_finish(&r), 5);
    ck_assert_ptr_nonnull(strstr(r.out, "bot> echo: hi\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "the bot exited with status 5"));
    ck_assert_ptr_null(strstr(r.out, "you> after"));
    assert_nothing_left(&r);
    chat_free(&r);
}
END_TEST

/* Runs `bothive chat ARGS` with no input; returns its status and output. */
static int run_plain(char **out, const char *args)
{
    char cmd[1024], buf[4096];
    size_t len = 0, n;
    FILE *p;
    snprintf(cmd, sizeof cmd, "'%s' chat %s </dev/null 2>&1", getenv("BOTHIVE_BIN"), args);
    ck_assert_ptr_nonnull(p = popen(cmd, "r"));
    *out = calloc(1, 1);
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        *out = realloc(*out, len + n + 1);
        memcpy(*out + len, buf, n);
        len += n;
        (*out)[len] = 0;
    }
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

START_TEST(usage_errors_exit_2)
{
    char *out;
    ck_assert_int_eq(run_plain(&out, ""), 2);
    ck_assert_ptr_nonnull(strstr(out, "usage: bothive chat"));
    free(out);
    ck_assert_int_eq(run_plain(&out, "--"), 2);
    free(out);
    ck_assert_int_eq(run_plain(&out, "--frob -- true"), 2);
    ck_assert_ptr_nonnull(strstr(out, "unknown option '--frob'"));
    free(out);
    ck_assert_int_eq(run_plain(&out, "--user x -- true"), 2);
    free(out);
    ck_assert_int_eq(run_plain(&out, "--token nocolon -- true"), 2);
    free(out);
    ck_assert_int_eq(run_plain(&out, "--lang x -- true"), 2);
    ck_assert_ptr_nonnull(strstr(out, "bad language code 'x'"));
    free(out);
    ck_assert_int_eq(run_plain(&out, "--lang 'i t' -- true"), 2);
    free(out);
    ck_assert_int_eq(run_plain(&out, "--help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: bothive chat"));
    free(out);
    /* A command that cannot run is a bot that dies with 127. */
    ck_assert_int_eq(run_plain(&out, "-- /nonexistent/bot"), 127);
    ck_assert_ptr_nonnull(strstr(out, "cannot run '/nonexistent/bot'"));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chat_tool");
    TCase *tc = tcase_create("chat");
    tcase_add_test(tc, replies_are_printed_and_eof_ends_everything);
    tcase_add_test(tc, buttons_are_numbered_and_pressable);
    tcase_add_test(tc, reply_keyboards_media_and_inline_mode);
    tcase_add_test(tc, user_and_chat_switch);
    tcase_add_test(tc, options_choose_user_and_group);
    tcase_add_test(tc, lang_option_and_command_set_language_code);
    tcase_add_test(tc, an_italian_user_gets_italian_from_a_bothive_bot);
    tcase_add_test(tc, late_replies_and_edits_are_printed);
    tcase_add_test(tc, quit_command_ends_the_chat);
    tcase_add_test(tc, sigint_ends_the_chat);
    tcase_add_test(tc, bot_failing_at_start_is_reported);
    tcase_add_test(tc, bot_dying_mid_chat_is_reported);
    tcase_add_test(tc, usage_errors_exit_2);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
