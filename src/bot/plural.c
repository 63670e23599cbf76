/*
 * gettext's plural rules: the catalog header's
 *     Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);
 * read without gettext. The expression is C's (n, decimal numbers, ! * / %
 * + - < > <= >= == != && || ?: and parentheses) on unsigned long, as
 * gettext evaluates it. It comes from a file from outside, so the parser
 * bounds everything: the expression's length, its nodes and its nesting
 * (hence the recursion of the parser and of the evaluator), and the
 * evaluator answers an error for a division by zero instead of trapping.
 */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "bothive/error.h"
#include "i18n.h"

#define PLURAL_MAX_LEN 256  /* bytes of the Plural-Forms line */
#define PLURAL_MAX_DEPTH 24 /* nested parentheses, '!' and '?:' */

enum {
    OP_NUM, OP_N, OP_NOT, OP_MUL, OP_DIV, OP_MOD, OP_ADD, OP_SUB, OP_LT, OP_GT, OP_LE, OP_GE,
    OP_EQ, OP_NE, OP_AND, OP_OR, OP_COND
};

/* The binary operators, longest spelling first, with their precedence
 * (higher binds tighter). */
static const struct binop {
    const char *s;
    unsigned char op, prec;
} binops[] = {
    {"||", OP_OR, 1}, {"&&", OP_AND, 2}, {"==", OP_EQ, 3}, {"!=", OP_NE, 3}, {"<=", OP_LE, 4},
    {">=", OP_GE, 4}, {"<", OP_LT, 4},   {">", OP_GT, 4},  {"+", OP_ADD, 5}, {"-", OP_SUB, 5},
    {"*", OP_MUL, 6}, {"/", OP_DIV, 6},  {"%", OP_MOD, 6},
};

struct parser {
    const char *p;
    struct bh_plural *out;
    int depth;
};

static void skip_blanks(struct parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

/* Takes ch (after blanks) if it is next; says whether it was. Never
 * moves past the end of the text. */
static int accept(struct parser *ps, char ch)
{
    skip_blanks(ps);
    if (*ps->p != ch)
        return 0;
    ps->p++;
    return 1;
}

/* Adds a node; its index, or -1 when the expression has too many. */
static int node(struct parser *ps, unsigned char op, int a, int b, int c, unsigned long v)
{
    struct bh_plural *pl = ps->out;

    if (a < 0 || b < 0 || c < 0 || pl->nnodes >= BH_PLURAL_MAX_NODES)
        return -1;
    pl->node[pl->nnodes] = (struct bh_plural_node){op, (unsigned char)a, (unsigned char)b,
                                                   (unsigned char)c, v};
    return pl->nnodes++;
}

static int parse_cond(struct parser *ps);

/* A decimal number, without overflow. */
static int parse_number(struct parser *ps)
{
    unsigned long v = 0;

    while (isdigit((unsigned char)*ps->p)) {
        unsigned d = (unsigned)(*ps->p++ - '0');
        if (v > (ULONG_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    return node(ps, OP_NUM, 0, 0, 0, v);
}

/* n, a number, !x or (x). */
static int parse_unary(struct parser *ps)
{
    int r;

    skip_blanks(ps);
    if (*ps->p == 'n' && !isalnum((unsigned char)ps->p[1]) && ps->p[1] != '_') {
        ps->p++;
        return node(ps, OP_N, 0, 0, 0, 0);
    }
    if (isdigit((unsigned char)*ps->p))
        return parse_number(ps);
    if ((*ps->p != '!' && *ps->p != '(') || ++ps->depth > PLURAL_MAX_DEPTH)
        return -1;
    if (*ps->p++ == '!') {
        r = node(ps, OP_NOT, parse_unary(ps), 0, 0, 0);
    } else if ((r = parse_cond(ps)) >= 0 && !accept(ps, ')')) {
        r = -1;
    }
    ps->depth--;
    return r;
}

/* The binary operator at the parser's position, NULL if none. ("!" alone
 * is no binary operator: "!=" is.) */
static const struct binop *peek_binop(struct parser *ps)
{
    skip_blanks(ps);
    for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
        if (!strncmp(ps->p, binops[i].s, strlen(binops[i].s)))
            return &binops[i];
    return NULL;
}

/* Operands joined by operators of precedence min or more (left to right,
 * by precedence climbing: the loop's recursion is bounded by the 6
 * levels, each level's by the nodes). */
static int parse_binary(struct parser *ps, unsigned min)
{
    int left = parse_unary(ps);
    const struct binop *b;

    while (left >= 0 && (b = peek_binop(ps)) && b->prec >= min) {
        ps->p += strlen(b->s);
        left = node(ps, b->op, left, parse_binary(ps, b->prec + 1u), 0, 0);
    }
    return left;
}

/* c ? x : y, right associative, the lowest precedence. */
static int parse_cond(struct parser *ps)
{
    int c = parse_binary(ps, 1), x, y;

    if (c < 0 || !accept(ps, '?'))
        return c;
    if (++ps->depth > PLURAL_MAX_DEPTH)
        return -1;
    if ((x = parse_cond(ps)) < 0 || !accept(ps, ':'))
        return -1;
    y = parse_cond(ps);
    ps->depth--;
    return node(ps, OP_COND, c, x, y, 0);
}

/* The value after "name", blanks and '=' in line (a name that is not
 * the end of a longer word: "plural" is not the one in "nplurals"), NULL
 * if absent. */
static const char *field(const char *line, const char *name)
{
    size_t nl = strlen(name);

    for (const char *p = line; (p = strstr(p, name)); p += nl) {
        const char *v = p + nl;
        if (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
            continue;
        while (*v == ' ' || *v == '\t')
            v++;
        if (*v == '=')
            return v + 1;
    }
    return NULL;
}

/* Copies the Plural-Forms line of header (without its end of line) into
 * buf. BH_ENOTFOUND if there is none, BH_EINVAL if it is too long. */
static int plural_line(const char *header, char buf[PLURAL_MAX_LEN + 1])
{
    const char *line = header;
    size_t n;

    while (strncmp(line, "Plural-Forms:", 13)) {
        if (!(line = strchr(line, '\n')))
            return BH_ENOTFOUND;
        line++;
    }
    line += 13;
    if ((n = strcspn(line, "\n")) > PLURAL_MAX_LEN)
        return BH_EINVAL;
    memcpy(buf, line, n);
    buf[n] = 0;
    return BH_OK;
}

/* nplurals' value: 1 to BH_PLURAL_MAX_FORMS, else 0. */
static unsigned nplurals_of(const char *s)
{
    unsigned v = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    for (; isdigit((unsigned char)*s) && v <= BH_PLURAL_MAX_FORMS; s++)
        v = v * 10 + (unsigned)(*s - '0');
    return v <= BH_PLURAL_MAX_FORMS ? v : 0;
}

int bh_plural_parse(const char *header, struct bh_plural *out)
{
    char line[PLURAL_MAX_LEN + 1];
    const char *np, *pl;
    struct parser ps = {.out = out};
    unsigned nplurals;
    int rc, root;

    memset(out, 0, sizeof *out);
    if (!header)
        return BH_ENOTFOUND;
    if ((rc = plural_line(header, line)) == BH_ENOTFOUND)
        return rc;
    out->bad = 1;
    if (rc != BH_OK || !(np = field(line, "nplurals")) || !(pl = field(line, "plural")) ||
        !(nplurals = nplurals_of(np)))
        return BH_EINVAL;
    line[pl - line + strcspn(pl, ";")] = 0; /* the expression ends at ';' */
    ps.p = pl;
    if ((root = parse_cond(&ps)) < 0)
        return BH_EINVAL;
    skip_blanks(&ps);
    if (*ps.p)
        return BH_EINVAL; /* something after the expression */
    out->nplurals = (unsigned char)nplurals;
    out->root = (unsigned char)root;
    out->bad = 0;
    return BH_OK;
}

/* The value of node i for n into *v; BH_EINVAL for a division by zero. */
static int eval(const struct bh_plural *p, unsigned i, unsigned long n, unsigned long *v)
{
    const struct bh_plural_node *x = &p->node[i];
    unsigned long a = 0, b = 0;
    int rc = BH_OK;

    if (x->op == OP_NUM || x->op == OP_N) {
        *v = x->op == OP_N ? n : x->v;
        return BH_OK;
    }
    if ((rc = eval(p, x->a, n, &a)) != BH_OK)
        return rc;
    if (x->op == OP_COND)
        return eval(p, a ? x->b : x->c, n, v);
    /* && and || are evaluated in full: no side effects, and no branch
     * of a bounded tree costs much. */
    if (x->op != OP_NOT && (rc = eval(p, x->b, n, &b)) != BH_OK)
        return rc;
    if ((x->op == OP_DIV || x->op == OP_MOD) && b == 0)
        return BH_EINVAL;
    switch (x->op) {
    case OP_NOT: *v = !a; break;
    case OP_MUL: *v = a * b; break;
    case OP_DIV: *v = a / b; break;
    case OP_MOD: *v = a % b; break;
    case OP_ADD: *v = a + b; break;
    case OP_SUB: *v = a - b; break;
    case OP_LT: *v = a < b; break;
    case OP_GT: *v = a > b; break;
    case OP_LE: *v = a <= b; break;
    case OP_GE: *v = a >= b; break;
    case OP_EQ: *v = a == b; break;
    case OP_NE: *v = a != b; break;
    case OP_AND: *v = a && b; break;
    default: *v = a || b; break;
    }
    return BH_OK;
}

size_t bh_plural_form(const struct bh_plural *p, unsigned long n)
{
    unsigned long v;

    if (!p || !p->nplurals || eval(p, p->root, n, &v) != BH_OK || v >= p->nplurals)
        return n != 1; /* English's rule */
    return (size_t)v;
}
