/*
 * Hosts mode's settings and names (hosts.h): when it applies, the lease
 * and the partition count from the environment, the bot's id in the log,
 * a key's partition, a host's id.
 *
 * Names: every function here is bh_hosts_* (the runner's side).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hosts.h"

#define BH_HOSTS_LEASE_DEFAULT_MS 10000
#define BH_HOSTS_LEASE_MIN_MS 500
#define BH_HOSTS_PARTS_DEFAULT 16

int bh_hosts_mode(const bh_runner_app *app, const bh_run_options *o, int s)
{
    const char *env = getenv("BOTHIVE_HOSTS");

    if (env && !strcmp(env, "0"))
        return 0;
    return !app->sources[s].feed && bh_hosts_supported(o->store_url);
}

/* A number of the environment within lo..hi, else dflt. */
static long long bh_hosts_env(const char *name, long long dflt, long long lo, long long hi)
{
    const char *v = getenv(name);
    char *end;
    long long n;

    if (!v || !*v)
        return dflt;
    n = strtoll(v, &end, 10);
    return *end || n < lo || n > hi ? dflt : n;
}

void bh_hosts_cfg_get(bh_hosts_cfg *c)
{
    c->lease_ms = bh_hosts_env("BOTHIVE_HOSTS_LEASE_MS", BH_HOSTS_LEASE_DEFAULT_MS,
                               BH_HOSTS_LEASE_MIN_MS, 3600000);
    c->parts = (int)bh_hosts_env("BOTHIVE_HOSTS_PARTITIONS", BH_HOSTS_PARTS_DEFAULT, 1,
                                 BH_HOSTS_PARTS_MAX);
}

/* The digits before the token's ':' are the bot's id, the same for every
 * host; a token without them is named by a hash (FNV-1a) of it. */
void bh_hosts_bot_id(const char *token, char *out, size_t n)
{
    size_t d = 0;
    uint64_t h = 1469598103934665603ull;

    while (token && isdigit((unsigned char)token[d]) && d < 20)
        d++;
    if (d && token[d] == ':') {
        snprintf(out, n, "%.*s", (int)d, token);
        return;
    }
    for (const char *p = token ? token : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    snprintf(out, n, "t%016llx", (unsigned long long)h);
}

int bh_hosts_part_of(int kind, int64_t key, int parts)
{
    uint64_t x = (uint64_t)key * 0x9E3779B97F4A7C15ull + (uint64_t)kind;

    x ^= x >> 29;
    return (int)(x % (uint64_t)parts);
}

/* "<BOTHIVE_HOST_NAME, else the host name>-<random>": readable in the
 * store and the logs, and unique to the run (a restart is a new host). */
void bh_hosts_new_id(char *out, size_t n)
{
    const char *env = getenv("BOTHIVE_HOST_NAME");
    char name[40] = "";
    unsigned char r[4];
    unsigned long v = 0;

    if (env && *env)
        snprintf(name, sizeof name, "%s", env);
    else if (gethostname(name, sizeof name - 1) != 0)
        name[0] = 0;
    for (char *p = name; *p; p++)
        if (*p == '|' || *p == '{' || *p == '}')
            *p = '_';

    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        v = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16);
    else
        for (size_t i = 0; i < sizeof r; i++)
            v = v << 8 | r[i];
    snprintf(out, n, "%s-%08lx", name[0] ? name : "host", v & 0xffffffffUL);
}
