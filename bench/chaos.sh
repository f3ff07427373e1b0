#!/usr/bin/env bash
# The fault storm of tests/chaos, long: two Gatehouse processes on one PostgreSQL, Redis and NATS
# of its own, registrations and signed Stripe webhooks 16 in flight, and every 10-20 s a SIGKILL
# of PostgreSQL, Redis, nats-server or a Gatehouse (started again 0.5-3 s later). Runs the storm
# through the SMTP sink and through the .eml writer, each for SECONDS, after a calm reference of
# the same load without faults (a quarter of SECONDS, at least 30 s) in the same run; prints each
# run's table of every flow (acknowledged, stored, published, mailed, applied) and fails on any
# loss or double application.
#
#   bench/chaos.sh [SECONDS]         (default 300)
#   GH_CHAOS_SEED=N bench/chaos.sh   (default: the seconds since the epoch, printed)
#   GATEHOUSE_BIN=...                (default: build/test/gateway/gatehouse, built here)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"
cd "$GH_ROOT"

seconds="${1:-300}"
seed="${GH_CHAOS_SEED:-$(date +%s)}"
gh_install "${GH_PACKAGES[@]}"
GH_BUILD_TARGETS="gatehouse chaos_storm" gh_build build/test Release
export GATEHOUSE_BIN="${GATEHOUSE_BIN:-$GH_ROOT/build/test/gateway/gatehouse}"
export PATH="$PATH:/usr/sbin:/sbin"
storm=build/test/tests/chaos_storm

calm=$(( seconds / 4 < 30 ? 30 : seconds / 4 ))
gh_log "calm reference: ${calm} s, seed $seed"
GH_CHAOS_FAULTS=0 GH_CHAOS_SECONDS="$calm" GH_CHAOS_SEED="$seed" "$storm" \
  --gtest_brief=1 --gtest_filter='*SmtpSink*'
gh_log "storm: ${seconds} s per variant, seed $seed"
GH_CHAOS_SECONDS="$seconds" GH_CHAOS_SEED="$seed" "$storm" --gtest_brief=1
