/*
 * The Lua scripts of the redis:// backend. Every operation that reads and
 * writes, or writes more than one key, is one script: Redis runs a script
 * alone, so the per-key hash, the memory's index and its expiry set change
 * together or not at all, whatever other clients do.
 *
 * Lua numbers in Redis are doubles, so integers never pass through Lua
 * arithmetic: HINCRBY does the int64 sum, and results are read back as the
 * stored decimal text. Times (ms on the Redis server's clock, from TIME)
 * and counters stay far below 2^53, where doubles are exact; they are
 * printed with %d, never with tostring (which would give 1.7e+12).
 *
 * Result codes shared with keys.c: 0 OK, 1 exists, 2 not found, 3 wrong
 * type, 4 overflow, 5 conflict; -1 "the caller holds it already" / "not the
 * owner" in the lock scripts.
 */
#include "redis.h"

/* now(): ms on the server's clock. head(): the first live waiter of a lock
 * (KEYS lq, lb given as q, b), dropping waiters whose heartbeat lapsed.
 * wake(): pushes to the first live waiter's list, which lasts a heartbeat
 * (hb ms): a live waiter pops it sooner, a dead one never does. */
#define LUA_NOW                                                                \
    "local function now_ms() local t = redis.call('TIME') "                    \
    "return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end\n"
#define LUA_HEAD                                                               \
    "local function head(q, b, now) while true do "                            \
    "local h = redis.call('ZRANGE', q, 0, 0) "                                 \
    "if #h == 0 then return nil end "                                          \
    "local hb = tonumber(redis.call('HGET', b, h[1]) or '0') "                 \
    "if hb >= now then return h[1] end "                                       \
    "redis.call('ZREM', q, h[1]) redis.call('HDEL', b, h[1]) end end\n"        \
    "local function wake(q, b, base, name, now, hb) local h = head(q, b, now) " \
    "if h then local w = base .. 'lw:' .. h .. ':' .. name "                   \
    "redis.call('LPUSH', w, '1') redis.call('LTRIM', w, 0, 0) "                \
    "redis.call('PEXPIRE', w, hb) end end\n"
/* Drops from the index the keys whose TTL passed (KEYS idx, ttl; base). */
#define LUA_PURGE                                                              \
    "local function purge(idx, ttl, base) "                                    \
    "local due = redis.call('ZRANGEBYSCORE', ttl, '-inf', "                    \
    "string.format('%d', now_ms())) "                                          \
    "for _, k in ipairs(due) do "                                              \
    "if redis.call('EXISTS', base .. 'k:' .. k) == 0 then "                    \
    "redis.call('SREM', idx, k) redis.call('ZREM', ttl, k) end end end\n"

/* The body of a put (KEYS data, idx, ttl; ARGV key, type, value, flags,
 * ttl_ms) but its final answer: returns 1 (exists) or 2 (not found) for
 * ADD and REPLACE, else writes and goes on. */
#define LUA_PUT                                                                \
    "local exists = redis.call('EXISTS', KEYS[1]) == 1\n"                      \
    "if ARGV[4] == '1' and exists then return 1 end\n"                         \
    "if ARGV[4] == '2' and not exists then return 2 end\n"                     \
    "redis.call('HSET', KEYS[1], 't', ARGV[2], 'v', ARGV[3])\n"                \
    "redis.call('SADD', KEYS[2], ARGV[1])\n"                                   \
    "local ttl = tonumber(ARGV[5])\n"                                          \
    "if ttl > 0 then\n"                                                        \
    "  redis.call('PEXPIRE', KEYS[1], ARGV[5])\n"                              \
    "  redis.call('ZADD', KEYS[3], string.format('%d', now_ms() + ttl), ARGV[1])\n" \
    "else\n"                                                                   \
    "  if exists then redis.call('PERSIST', KEYS[1]) end\n"                    \
    "  redis.call('ZREM', KEYS[3], ARGV[1])\n"                                 \
    "end\n"

/* Rate limits (gcra.c's arithmetic, on the server's clock in µs: below
 * 2^53, exact in doubles). base is the memory's key prefix. tat(): a
 * cell's TAT, 0 when absent, nil when the key holds no integer; one more
 * than an hour ahead came from another clock and is forgotten (sane,
 * false for a pause). put_tat(): the TAT as a bothive integer that
 * expires a second after it stops limiting (KEYS idx, ttl). */
#define LUA_RATE                                                               \
    "local function now_us() local t = redis.call('TIME') "                    \
    "return tonumber(t[1]) * 1000000 + tonumber(t[2]) end\n"                   \
    "local function tat(base, k, now, sane) "                                  \
    "local c = redis.call('HMGET', base .. 'k:' .. k, 't', 'v') "              \
    "if not c[1] then return 0 end "                                           \
    "if c[1] ~= '2' then return nil end "                                      \
    "local v = tonumber(c[2]) "                                                \
    "if sane and v > now + 3600000000 then return 0 end "                      \
    "return v end\n"                                                           \
    "local function put_tat(base, k, v, now) "                                 \
    "local h = base .. 'k:' .. k "                                             \
    "local ttl = math.floor((v - now) / 1000) + 1000 "                         \
    "if ttl <= 0 then ttl = 1000 end "                                         \
    "redis.call('HSET', h, 't', '2', 'v', string.format('%d', v)) "            \
    "redis.call('PEXPIRE', h, ttl) "                                           \
    "redis.call('SADD', KEYS[1], k) "                                          \
    "redis.call('ZADD', KEYS[2], string.format('%d', math.floor(now / 1000) + ttl), k) end\n"

static const char *const scripts[BH_RS_COUNT] = {
    /* KEYS data, idx, ttl; ARGV key, type, value, flags, ttl_ms */
    [BH_RS_PUT] = LUA_NOW LUA_PUT "return 0\n",

    /* KEYS data, idx, ttl, fence; ARGV key, type, value, flags, ttl_ms,
     * fence. Fences are uint64 decimals without leading zeros, compared as
     * text (shorter is lower), never as Lua doubles. 6: a stale fence. */
    /* KEYS idx, ttl; ARGV base, max_wait_us, pause key ('' for none), n,
     * then n times key, interval_us, burst. Answers {code, wait_us}: 0
     * reserved, 3 a key holds no integer, 7 the slot is beyond max_wait. */
    [BH_RS_RATE] = LUA_RATE
    "local base, now, n = ARGV[1], now_us(), tonumber(ARGV[4])\n"
    "local at, tats = now, {}\n"
    "for i = 1, n do\n"
    "  local j = 2 + 3 * i\n"
    "  local t = tat(base, ARGV[j], now, true)\n"
    "  if not t then return {3, '0'} end\n"
    "  tats[i] = t\n"
    "  local a = t - (tonumber(ARGV[j + 2]) - 1) * tonumber(ARGV[j + 1])\n"
    "  if a > at then at = a end\n"
    "end\n"
    "if ARGV[3] ~= '' then\n"
    "  local p = tat(base, ARGV[3], now, false)\n"
    "  if not p then return {3, '0'} end\n"
    "  if p > at then at = p end\n"
    "end\n"
    "local wait = string.format('%d', at - now)\n"
    "local max = tonumber(ARGV[2])\n"
    "if max >= 0 and at - now > max then return {7, wait} end\n"
    "for i = 1, n do\n"
    "  local j = 2 + 3 * i\n"
    "  local t = tats[i]\n"
    "  if at > t then t = at end\n"
    "  put_tat(base, ARGV[j], t + tonumber(ARGV[j + 1]), now)\n"
    "end\n"
    "return {0, wait}\n",

    /* KEYS idx, ttl; ARGV base, pause key, pause_us. 0, or 3: no integer. */
    [BH_RS_RATE_PAUSE] = LUA_RATE
    "local now = now_us()\n"
    "local upto = now + tonumber(ARGV[3])\n"
    "local cur = tat(ARGV[1], ARGV[2], now, false)\n"
    "if not cur then return 3 end\n"
    "if cur < upto then put_tat(ARGV[1], ARGV[2], upto, now) end\n"
    "return 0\n",

    [BH_RS_PUT_FENCED] = LUA_NOW
    "local f = redis.call('HGET', KEYS[4], ARGV[1])\n"
    "if f and (#f > #ARGV[6] or (#f == #ARGV[6] and f > ARGV[6])) then return 6 end\n"
    LUA_PUT
    "redis.call('HSET', KEYS[4], ARGV[1], ARGV[6])\n"
    "return 0\n",

    /* KEYS data, idx, ttl; ARGV key, delta */
    [BH_RS_INCR] =
    "local t = redis.call('HGET', KEYS[1], 't')\n"
    "if not t then\n"
    "  redis.call('HSET', KEYS[1], 't', '2', 'v', '0')\n"
    "  redis.call('SADD', KEYS[2], ARGV[1])\n"
    "  redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "elseif t ~= '2' then return {3} end\n"
    "local r = redis.pcall('HINCRBY', KEYS[1], 'v', ARGV[2])\n"
    "if type(r) == 'table' and r.err then return {4} end\n"
    "return {0, redis.call('HGET', KEYS[1], 'v')}\n",

    /* KEYS data, idx, ttl; ARGV key, has_expected, et, ev, has_desired, dt, dv */
    [BH_RS_CAS] =
    "local cur = redis.call('HMGET', KEYS[1], 't', 'v')\n"
    "local exists = cur[1] ~= false\n"
    "if ARGV[2] == '0' then\n"
    "  if exists then return 5 end\n"
    "else\n"
    "  if not exists then return 2 end\n"
    "  if cur[1] ~= ARGV[3] or cur[2] ~= ARGV[4] then return 5 end\n"
    "end\n"
    "if ARGV[5] == '1' then\n"
    "  redis.call('HSET', KEYS[1], 't', ARGV[6], 'v', ARGV[7])\n"
    "  if not exists then\n"
    "    redis.call('SADD', KEYS[2], ARGV[1]) redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "  end\n"
    "elseif exists then\n"
    "  redis.call('DEL', KEYS[1]) redis.call('SREM', KEYS[2], ARGV[1])\n"
    "  redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "end\n"
    "return 0\n",

    /* KEYS data, idx, ttl; ARGV key */
    [BH_RS_POP] =
    "local cur = redis.call('HMGET', KEYS[1], 't', 'v')\n"
    "if not cur[1] then return {2} end\n"
    "redis.call('DEL', KEYS[1]) redis.call('SREM', KEYS[2], ARGV[1])\n"
    "redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "return {0, cur[1], cur[2]}\n",

    /* KEYS idx, ttl; ARGV base */
    [BH_RS_LEN] = LUA_NOW LUA_PURGE
    "purge(KEYS[1], KEYS[2], ARGV[1])\n"
    "return redis.call('SCARD', KEYS[1])\n",

    /* KEYS idx, ttl; ARGV base. One batch; returns how many are left. */
    [BH_RS_CLEAR] =
    "local ks = redis.call('SPOP', KEYS[1], 500)\n"
    "for _, k in ipairs(ks) do redis.call('DEL', ARGV[1] .. 'k:' .. k) end\n"
    "if #ks > 0 then redis.call('ZREM', KEYS[2], unpack(ks)) end\n"
    "local left = redis.call('SCARD', KEYS[1])\n"
    "if left == 0 then redis.call('DEL', ARGV[1] .. 'fence') end\n"
    "return left\n",

    /* KEYS idx; ARGV cursor, base, count. The live keys of one SSCAN step. */
    [BH_RS_SCAN] =
    "local r = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[3])\n"
    "local live = {}\n"
    "for _, k in ipairs(r[2]) do\n"
    "  if redis.call('EXISTS', ARGV[2] .. 'k:' .. k) == 1 then live[#live + 1] = k end\n"
    "end\n"
    "return {r[1], live}\n",

    /* KEYS l, lh, lq, lb, ctr, own wake list; ARGV token, lease_ms, queue, hb_ms.
     * {-1}: held by the caller; {0|1, fence}: acquired (1 = abandoned);
     * {2}: busy (queued when ARGV[3] is '1'). A free lock goes to the first
     * live waiter, so a releaser that comes straight back cannot barge. */
    [BH_RS_LOCK_TRY] = LUA_NOW LUA_HEAD
    "local now = now_ms()\n"
    "local cur = redis.call('GET', KEYS[1])\n"
    "if cur == ARGV[1] then return {-1} end\n"
    "local prev = redis.call('HGET', KEYS[2], 'owner')\n"
    "if not cur and prev == ARGV[1] then return {-1} end\n"
    "if not cur then\n"
    "  local h = head(KEYS[3], KEYS[4], now)\n"
    "  if h == nil or h == ARGV[1] then\n"
    "    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
    "    redis.call('HINCRBY', KEYS[5], 'fence', 1)\n"
    "    local fence = redis.call('HGET', KEYS[5], 'fence')\n"
    "    redis.call('HSET', KEYS[2], 'owner', ARGV[1], 'fence', fence)\n"
    "    redis.call('ZREM', KEYS[3], ARGV[1]) redis.call('HDEL', KEYS[4], ARGV[1])\n"
    "    redis.call('DEL', KEYS[6])\n"
    "    if prev then return {1, fence} end\n"
    "    return {0, fence}\n"
    "  end\n"
    "end\n"
    "if ARGV[3] == '1' then\n"
    "  if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then\n"
    "    redis.call('HINCRBY', KEYS[5], 'seq', 1)\n"
    "    redis.call('ZADD', KEYS[3], redis.call('HGET', KEYS[5], 'seq'), ARGV[1])\n"
    "  end\n"
    "  redis.call('HSET', KEYS[4], ARGV[1], string.format('%d', now + tonumber(ARGV[4])))\n"
    /* Every heartbeat in them ends by then: a queue whose waiters all
     * died goes, even if nobody touches the lock again. */
    "  redis.call('PEXPIRE', KEYS[3], ARGV[4]) redis.call('PEXPIRE', KEYS[4], ARGV[4])\n"
    "end\n"
    "return {2}\n",

    /* KEYS l, lh, lq, lb; ARGV token, base, name, hb_ms. -1: not the owner;
     * 0: released; 1: released after the lease had run out (nobody took it). */
    [BH_RS_LOCK_RELEASE] = LUA_NOW LUA_HEAD
    "local cur = redis.call('GET', KEYS[1])\n"
    "local late = 0\n"
    "if cur ~= ARGV[1] then\n"
    "  if cur or redis.call('HGET', KEYS[2], 'owner') ~= ARGV[1] then return -1 end\n"
    "  late = 1\n"
    "end\n"
    "redis.call('DEL', KEYS[1], KEYS[2])\n"
    "wake(KEYS[3], KEYS[4], ARGV[2], ARGV[3], now_ms(), ARGV[4])\n"
    "return late\n",

    /* KEYS l, lq, lb, own wake list; ARGV token, base, name, hb_ms: a waiter
     * gives up, and passes a wake-up it may have swallowed on to the next one. */
    [BH_RS_LOCK_LEAVE] = LUA_NOW LUA_HEAD
    "redis.call('ZREM', KEYS[2], ARGV[1]) redis.call('HDEL', KEYS[3], ARGV[1])\n"
    "redis.call('DEL', KEYS[4])\n"
    "if redis.call('EXISTS', KEYS[1]) == 0 then\n"
    "  wake(KEYS[2], KEYS[3], ARGV[2], ARGV[3], now_ms(), ARGV[4])\n"
    "end\n"
    "return 0\n",

    /* KEYS l, lh; ARGV token: the fence of the caller's hold, or nil. */
    [BH_RS_LOCK_FENCE] =
    "local cur = redis.call('GET', KEYS[1])\n"
    "local owner = redis.call('HGET', KEYS[2], 'owner')\n"
    "if owner == ARGV[1] and (cur == ARGV[1] or not cur) then\n"
    "  return redis.call('HGET', KEYS[2], 'fence')\n"
    "end\n"
    "return false\n",

    /* KEYS prepared, preparing; ARGV token, lease_ms. 0 ready, 1 the caller
     * prepares, 2 someone else is preparing, -1 the caller is preparing. */
    [BH_RS_PREP_TRY] =
    "if redis.call('GET', KEYS[1]) == '1' then return 0 end\n"
    "local cur = redis.call('GET', KEYS[2])\n"
    "if cur == ARGV[1] then return -1 end\n"
    "if not cur then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) return 1 end\n"
    "return 2\n",

    /* KEYS prepared, preparing; ARGV token, ok. Returns 1 if the caller
     * still held the preparing lease. */
    [BH_RS_PREP_DONE] =
    "local mine = redis.call('GET', KEYS[2]) == ARGV[1]\n"
    "if ARGV[2] == '1' then redis.call('SET', KEYS[1], '1') end\n"
    "if mine then redis.call('DEL', KEYS[2]) return 1 end\n"
    "return 0\n",

    /* KEYS a held lock or preparing key; ARGV token, lease_ms */
    [BH_RS_RENEW] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1\n"
    "end\n"
    "return 0\n",

    /* KEYS a holder key; ARGV the dead holder's token: deleted only if it
     * still holds that token (nobody took it over meanwhile). */
    [BH_RS_REAP] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end\n"
    "return 0\n",

    /* KEYS idx, ttl; ARGV cursor, base: {next cursor, first problem or ''} */
    [BH_RS_CHECK_IDX] =
    "local r = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', 500)\n"
    "for _, k in ipairs(r[2]) do\n"
    "  local dk = ARGV[2] .. 'k:' .. k\n"
    "  local ty = redis.call('TYPE', dk).ok\n"
    "  if ty == 'none' then\n"
    "    if not redis.call('ZSCORE', KEYS[2], k) then\n"
    "      return {r[1], 'the index names key ' .. k .. ', which does not exist'}\n"
    "    end\n"
    "  elseif ty ~= 'hash' then\n"
    "    return {r[1], 'key ' .. k .. ' is a Redis ' .. ty .. ', not a hash'}\n"
    "  else\n"
    "    local f = redis.call('HMGET', dk, 't', 'v')\n"
    "    if not f[1] or not f[2] or #f[1] ~= 1 or f[1] < '0' or f[1] > '6' then\n"
    "      return {r[1], 'key ' .. k .. ' has no valid type or value'}\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return {r[1], ''}\n",

    /* KEYS idx; ARGV base, then data key names: each must be indexed. */
    [BH_RS_CHECK_KEYS] =
    "local n = #ARGV[1] + 3\n"
    "for i = 2, #ARGV do\n"
    "  local k = string.sub(ARGV[i], n)\n"
    "  if redis.call('SISMEMBER', KEYS[1], k) == 0 then\n"
    "    return 'key ' .. k .. ' exists but is not in the index'\n"
    "  end\n"
    "end\n"
    "return ''\n",
};

const char *bh_redis_script_text(enum bh_rscript s)
{
    return scripts[s];
}
