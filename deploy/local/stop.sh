#!/usr/bin/env bash
# Stops the services deploy/local/run.sh started (and a Gatehouse it left running).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"
pkill -TERM -f "^$GH_ROOT/build/release/gateway/gatehouse" 2>/dev/null || true
pkill -TERM -f "^build/release/gateway/gatehouse" 2>/dev/null || true
[ -d .local/services ] && bash deploy/local/services.sh stop .local/services
gh_log "stopped"
