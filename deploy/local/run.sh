#!/usr/bin/env bash
# The README's run command: installs what is missing, builds in Release, starts PostgreSQL,
# Redis and NATS on loopback (data under .local/), applies migrations and runs Gatehouse with
# the embedded defaults on GATEHOUSE_LISTEN (127.0.0.1:8080). Ctrl-C stops Gatehouse; the
# services keep running for the next start (deploy/local/stop.sh stops them).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

gh_install "${GH_PACKAGES[@]}"
# TDLib for the `/tg` commands (they answer not-configured until TELEGRAM_API_ID and
# TELEGRAM_API_HASH are set too); an explicit TDLIB_PATH wins.
[ -n "${TDLIB_PATH:-}" ] || gh_install_tdlib
gh_build build/release Release -DGATEHOUSE_TESTS=OFF
bash deploy/local/services.sh start .local/services
source .local/services/env
mkdir -p .local/data
export GATEHOUSE_DATA_DIR="${GATEHOUSE_DATA_DIR:-$GH_ROOT/.local/data}"
exec build/release/gateway/gatehouse serve
