#!/usr/bin/env bash
# Live Telegram sessions on the fake TDLib (tests/support/fake_tdjson.cpp) in the real
# gatehouse-tdhost: bench/telegram_sessions signs N users in through their telegram_session
# actors and prints the RSS per session of Gatehouse's side and of the host, both processes'
# threads, and the round trip of /tg status, /tg history and /tg chats, one at a time, beside a
# bare host request (the reference of the same run). Builds in build/test (the fake library is
# a test target).
#
#   bench/telegram.sh [N]        (default 1000)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

n="${1:-1000}"
gh_install "${GH_PACKAGES[@]}"
GH_BUILD_TARGETS="gatehouse-tdhost fake_tdjson telegram_sessions" gh_build build/test Release >/dev/null
out=$(build/test/bench/telegram_sessions "$n" build/test/gateway/gatehouse-tdhost \
  build/test/tests/libfake_tdjson.so)
echo "$out" >&2
line=$(tr '\n' ' ' <<<"$out")

echo
echo "$n live Telegram sessions on the fake TDLib (one host process), $(nproc) cores"
echo
echo "| measure | value |"
echo "|---|---:|"
echo "| sign-in (login + code), ms each | $(field login_ms_each "$line") |"
echo "| Gatehouse RSS per session, KB | $(field gatehouse_rss_kb_per_session "$line") |"
echo "| host RSS per session (fake TDLib), KB | $(field host_rss_kb_per_session "$line") |"
echo "| threads: Gatehouse side / host | $(field gatehouse_threads "$line") / $(field host_threads "$line") |"
echo "| /tg status round trip, µs median (p99) | $(field status_median_us "$line") ($(field status_p99_us "$line")) |"
echo "| /tg history 1001 5 (getChat, then getChatHistory), µs median (p99) | $(field history_median_us "$line") ($(field history_p99_us "$line")) |"
echo "| /tg chats 5 (getChats, then 5 getChat at once), µs median (p99) | $(field chats_median_us "$line") ($(field chats_p99_us "$line")) |"
echo "| reference: bare host request, µs median (p99) | $(field bare_host_request_median_us "$line") ($(field bare_host_request_p99_us "$line")) |"
