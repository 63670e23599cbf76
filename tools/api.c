/*
 * bothive api: what bothive reaches of the Bot API, from the method table
 * (src/telegram/methods.def) and the emulator's dispatch: each method as
 * typed (its wrapper named) or builder only, and as served by `bothive emu`
 * with a handler of its own, from its row of the table, or not yet; then
 * the counts. --markdown prints docs/api-coverage.md (the test
 * api_coverage compares the two); --method NAME prints one row whole.
 */
#include <stdio.h>
#include <string.h>

#include "bothive/telegram.h"
#include "emu/emu.h"
#include "tools.h"

static const char *const served_as[] = {"not yet", "from the table", "own handler"};

/* The counts of the table: typed, and served by each way (0, 1, 2). */
typedef struct counts {
    size_t total, typed, served[3];
} counts;

static counts count_all(void)
{
    counts n = {0};
    for (size_t i = 0; i < bh_api_method_count(); i++) {
        const bh_api_method *m = bh_api_method_at(i);
        n.total++;
        n.typed += m->wrapper != NULL;
        n.served[bh_emu_api_serves(m->name)]++;
    }
    return n;
}

/* The plain list: one line a method, then the counts. */
static void print_list(FILE *f)
{
    counts n = count_all();
    fprintf(f, "%-36s %-50s %s\n", "method", "typed", "emulator");
    for (size_t i = 0; i < n.total; i++) {
        const bh_api_method *m = bh_api_method_at(i);
        fprintf(f, "%-36s %-50s %s\n", m->name, m->wrapper ? m->wrapper_name : "builder only",
                served_as[bh_emu_api_serves(m->name)]);
    }
    fprintf(f, "%zu methods: %zu typed, %zu builder only; the emulator serves %zu "
               "(%zu with a handler of their own, %zu from the table), %zu not yet\n",
            n.total, n.typed, n.total - n.typed, n.served[1] + n.served[2], n.served[2],
            n.served[1], n.served[0]);
}

/* The page docs/api-coverage.md, as scripts/api-coverage.sh prints it. */
static void print_markdown(FILE *f)
{
    counts n = count_all();
    fprintf(f, "# Bot API coverage\n\n"
               "*Part of [the bothive guide](README.md).*\n\n"
               "Made by `scripts/api-coverage.sh` from the method table `src/telegram/methods.def`\n"
               "(checked by the test `api_coverage`; `bothive api` prints the same).\n"
               "Every method is reachable through the call path with the parameter builder\n"
               "(`bh_client_call_params`, which checks the call against the table);\n"
               "typed: %zu of %zu; served by `bothive emu`: %zu of %zu, %zu with a handler\n"
               "of their own, the others from their row (parameters checked, an answer of the "
               "result type).\n\n"
               "| method | result | typed wrapper | served by the emulator |\n|---|---|---|---|\n",
            n.typed, n.total, n.served[1] + n.served[2], n.total, n.served[2]);
    for (size_t i = 0; i < n.total; i++) {
        const bh_api_method *m = bh_api_method_at(i);
        char typed[96];
        snprintf(typed, sizeof typed, m->wrapper ? "`%s`" : "builder only", m->wrapper_name);
        fprintf(f, "| `%s` | %s | %s | %s |\n", m->name, m->result, typed,
                served_as[bh_emu_api_serves(m->name)]);
    }
}

/* One method's row: its result and each parameter with its type. */
static int print_method(FILE *f, const char *name)
{
    const bh_api_method *m = bh_api_method_find(name);
    const char *cur;
    bh_api_param p;
    if (!m) {
        fprintf(stderr, "bothive api: %s is not a method of the Bot API's table\n", name);
        return BH_TOOL_EXIT_FAILURE;
    }
    fprintf(f, "%s -> %s\ntyped: %s\nemulator: %s\n", m->name, m->result,
            m->wrapper ? m->wrapper_name : "builder only", served_as[bh_emu_api_serves(m->name)]);
    for (cur = m->params; bh_api_param_next(&cur, &p);)
        fprintf(f, "  %-32s %s%s\n", p.name, bh_api_type_name(p.type),
                p.required ? ", required" : "");
    return BH_TOOL_EXIT_OK;
}

int bh_tool_api(int argc, char **argv)
{
    if (argc == 1) {
        print_list(stdout);
        return BH_TOOL_EXIT_OK;
    }
    if (argc == 2 && !strcmp(argv[1], "--markdown")) {
        print_markdown(stdout);
        return BH_TOOL_EXIT_OK;
    }
    if (argc == 3 && !strcmp(argv[1], "--method"))
        return print_method(stdout, argv[2]);
    fprintf(argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) ? stdout : stderr,
            "usage: bothive api [--markdown | --method NAME]\n\n"
            "Lists each Bot API method as typed or builder only, and as served by\n"
            "`bothive emu`, with the counts; --markdown prints docs/api-coverage.md;\n"
            "--method NAME prints one method's result and parameters.\n");
    return argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
               ? BH_TOOL_EXIT_OK
               : BH_TOOL_EXIT_USAGE;
}
