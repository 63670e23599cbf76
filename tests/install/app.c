/* A user's program, built against an installed bothive. */
#include <bothive/bothive.h>
#include <stdio.h>

int main(void)
{
    bh_store *st;
    bh_shared *m;
    int64_t v = 0;

    if (bh_store_open(&st, "mem:", NULL) || bh_shared_open(st, "app", &m))
        return 1;
    if (bh_shared_incr(m, "k", 3, &v) || v != 3)
        return 2;
    bh_shared_close(m);
    bh_store_close(st);
    return 0;
}
