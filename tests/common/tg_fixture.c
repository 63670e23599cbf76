/* The Bot API client suites' fixture (see tg_fixture.h). */
#include <check.h>
#include <stdio.h>

#include "bothive/log.h"
#include "testutil.h"
#include "tg_fixture.h"

static struct {
    bh_emu_proc *emu;
    bh_client **cl;
    const char *token;
    int64_t user;
} fx;

void bh_tgfx_use(bh_emu_proc *emu, bh_client **cl, const char *token, int64_t user)
{
    fx.emu = emu;
    fx.cl = cl;
    fx.token = token;
    fx.user = user;
}

void bh_tgfx_setup(void)
{
    bh_client_options o = {.max_retries = BH_TG_NO_RETRY};
    ck_assert_msg(fx.emu && fx.cl && fx.token, "bh_tgfx_use was not called");
    bh_log_set_level(BH_LOG_ERROR + 1);
    ck_assert_int_eq(bh_emu_start(fx.emu, fx.token), 0);
    ck_assert_int_eq(bh_client_new(fx.cl, fx.token, fx.emu->url, &o), BH_OK);
    ck_assert_int_ge(bh_emu_send_user_message(fx.emu, fx.user, fx.user, "hi"), 1);
}

void bh_tgfx_teardown(void)
{
    bh_client_free(*fx.cl);
    *fx.cl = NULL;
    ck_assert_int_eq(bh_emu_stop(fx.emu), 0);
}

void bh_tgfx_add(Suite *s, const char *name, const TTest *t)
{
    bh_test_add_case(s, name, t, bh_tgfx_setup, bh_tgfx_teardown, 60);
}

const char *bh_tgfx_desc(void)
{
    return bh_client_last_error(*fx.cl)->description;
}

int64_t bh_tgfx_calls(const char *method)
{
    char path[96];
    int64_t n = 0;
    snprintf(path, sizeof path, "by_method.%s", method);
    if (bh_emu_stat(fx.emu, path, &n) != 0)
        return 0;
    return n;
}

json_object *bh_tgfx_field(const bh_message *m, const char *a, const char *b)
{
    json_object *v, *w;
    ck_assert_msg(json_object_object_get_ex(m->json, a, &v), "no %s", a);
    if (!b)
        return v;
    ck_assert_msg(json_object_object_get_ex(v, b, &w), "no %s.%s", a, b);
    return w;
}
