#!/bin/sh
# make demo: the counter bot (examples/counter.c) with 4 workers, offline,
# against bothive's Bot API emulator. Users in private chats and groups
# write a few hundred messages; the bot counts them in its shared memory;
# the demo ends with the bot's /count reply, which must equal the number of
# messages sent. Needs curl; leaves no process running.
# Usage: scripts/demo.sh BUILD_DIR
set -eu
build=${1:-build}
bin="$build/tools/bothive"
counter="$build/examples/counter"
token="123456:DEMO"
tmp=$(mktemp -d)
emu_pid=""
bot_pid=""

cleanup() {
    [ -n "$bot_pid" ] && kill -TERM "$bot_pid" 2>/dev/null && wait "$bot_pid" 2>/dev/null
    [ -n "$emu_pid" ] && kill -TERM "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# The emulator prints its URL on its first line.
"$bin" emu --port 0 --token "$token" >"$tmp/emu.out" 2>"$tmp/emu.log" &
emu_pid=$!
for _ in $(seq 100); do
    [ -s "$tmp/emu.out" ] && break
    sleep 0.1
done
url=$(head -n 1 "$tmp/emu.out")
[ -n "$url" ] || { echo "demo: the emulator did not start" >&2; cat "$tmp/emu.log" >&2; exit 1; }
echo "emulator:  $url"

BOT_TOKEN="$token" BOTHIVE_API_URL="$url" BOTHIVE_WORKERS=4 BOTHIVE_LOG=warn \
    "$counter" 2>"$tmp/bot.log" &
bot_pid=$!
echo "bot:       examples/counter, 4 workers (pid $bot_pid)"

post() { curl -sf -X POST -H 'Content-Type: application/json' -d "$2" "$url$1"; }
get() { curl -sf "$url$1"; }

# Wait until the bot polls: messages sent before it starts are its backlog,
# which a bot skips by default, as botogram does.
for _ in $(seq 100); do
    get /control/stats | grep -q '"getUpdates":[1-9]' && break
    sleep 0.1
done

users="Ada Bob Cleo Dan Eve Finn Gus Hana Ivo Jo Kai Lea"
lines="hello everyone|how is it going?|I love this bot|what does it do?|it counts messages|that is all?|yes, and it never loses one|even with four workers|nice|see you"
sent=0
i=0
for name in $users; do
    i=$((i + 1))
    uid=$((1000 + i))
    # each user writes in a private chat and in one of three groups
    group=$((-100 - i % 3))
    n=0
    for round in 1 2 3; do
        IFS='|'
        for text in $lines; do
            n=$((n + 1))
            if [ $((n % 2)) -eq 0 ]; then chat=$group; type=group; else chat=$uid; type=private; fi
            post /control/message "{\"chat_id\":$chat,\"user_id\":$uid,\"text\":\"$text ($name, $round)\",\"chat_type\":\"$type\"}" >/dev/null
            printf '  %-4s in %-7s %5s: %s\n' "$name" "$type" "$chat" "$text" >>"$tmp/transcript"
            sent=$((sent + 1))
        done
        unset IFS
    done
done
echo "sent:      $sent messages from 12 users, in 12 private chats and 3 groups"

# Ask until every message was counted (the workers may still be busy).
reply=""
for attempt in $(seq 60); do
    post /control/message '{"chat_id":1,"user_id":1,"text":"/count","chat_type":"private"}' >/dev/null
    sleep 0.5
    reply=$(get "/control/sent?chat_id=1" | sed 's/.*"text":"\(This bot received [0-9]* messages\)".*/\1/')
    case "$reply" in
        "This bot received $sent messages") break ;;
    esac
done

echo
echo "transcript (first and last lines):"
head -n 6 "$tmp/transcript"
echo "  ..."
tail -n 3 "$tmp/transcript"
echo "  You  in private     1: /count"
echo "  bot> $reply"
echo
stats=$(get /control/stats)
echo "emulator:  $(echo "$stats" | sed 's/.*"updates_queued":\([0-9]*\).*/\1/') updates queued, $(echo "$stats" | sed 's/.*"sent_messages":\([0-9]*\).*/\1/') bot replies"
if [ "$reply" = "This bot received $sent messages" ]; then
    echo "demo: ok, the count matches ($sent)"
    exit 0
fi
echo "demo: FAILED: expected 'This bot received $sent messages', got '$reply'" >&2
tail -n 20 "$tmp/bot.log" >&2
exit 1
