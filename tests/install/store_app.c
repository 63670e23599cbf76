/* A program that uses the store alone, built against bothive-store: it
 * forks a child that writes, and reads what the child wrote. */
#include <bothive/store.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    bh_store *st;
    bh_shared *m;
    int64_t v = 0;
    int status;

    if (bh_store_open(&st, "mem:", NULL) || bh_shared_open(st, "app", &m))
        return 1;
    pid_t pid = fork();
    if (pid == 0)
        _exit(bh_shared_incr(m, "k", 5, &v) != BH_OK);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
        return 2;
    if (bh_shared_get_int(m, "k", &v) || v != 5)
        return 3;
    bh_shared_close(m);
    bh_store_close(st);
    return 0;
}
