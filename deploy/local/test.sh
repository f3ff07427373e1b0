#!/usr/bin/env bash
# The README's test command: installs what is missing, builds every test, starts PostgreSQL,
# Redis and NATS for this run on free ports (so runs never collide with each other or with a
# dev instance), runs the unit, integration and browser tests with ctest, and stops the services.
#
#   deploy/local/test.sh              Release build with tests (build/test)
#   deploy/local/test.sh --sanitize   ASan + UBSan build (build/asan)
#   deploy/local/test.sh --tsan       ThreadSanitizer build (build/tsan) of the tests where actors,
#                                     asio threads and nats.c's threads meet: the registry and
#                                     other actor units, the HTTP sessions, the event pipeline
#                                     (Gatehouse itself runs instrumented); any report fails
#
# The fault storm (ctest label `chaos`, about two minutes per variant) runs in the Release
# build only.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GH_ROOT"

mode="${1:-}"
gh_install "${GH_PACKAGES[@]}" "${GH_BROWSER_PACKAGES[@]}"
# Debian's nodejs comes without npm; a machine whose Node.js brings its own npm needs nothing more.
command -v npm >/dev/null || gh_install npm
# The real TDLib for the offline Telegram tests (unit_telegram's TdlibOffline*).
gh_install_tdlib
# The tests' npm packages, exactly as each package-lock.json pins them: the browser tests'
# (tests/browser), the OpenAPI check's (tests/openapi) and the OpenID providers the federation
# tests start (tests/support/oidc). A tree already installed from its current lock file is kept.
for dir in tests/browser tests/openapi tests/support/oidc; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
    touch "$dir/node_modules"
  fi
done
# Each target's sources compile in batches (CMake's unity build): a cold build, which is what a
# fresh machine and CI do, takes about a quarter less. The sanitizer builds leave out bench/.
unity=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8)
if [ "$mode" = "--sanitize" ]; then
  build=build/asan
  # -O1 with line tables only: what ASan recommends, and the heaviest CAF+Beast files compile in
  # a third of the time they take at -O2 -g.
  gh_build "$build" RelWithDebInfo -DGATEHOUSE_SANITIZE=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DGATEHOUSE_BENCH=OFF "${unity[@]}"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
  export LSAN_OPTIONS="suppressions=$GH_ROOT/tests/lsan.supp"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # The deploy checks compare the Release binary with the image; a sanitized one loads more.
  CTEST_ARGS="${CTEST_ARGS:-} -LE (chaos|deploy)"
elif [ "$mode" = "--tsan" ]; then
  build=build/tsan
  tsan_tests="unit_actors unit_gateway unit_events integration_events"
  GH_BUILD_TARGETS="gatehouse $tsan_tests" gh_build "$build" RelWithDebInfo -DGATEHOUSE_TSAN=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DGATEHOUSE_BENCH=OFF "${unity[@]}"
  tsan_reports="$(mktemp -d /tmp/gatehouse-tsan.XXXXXX)"
  # Reports go to files (Gatehouse's stderr is a test's temporary file): checked after the run.
  export TSAN_OPTIONS="suppressions=$GH_ROOT/tests/tsan.supp:log_path=$tsan_reports/report:second_deadlock_stack=1:history_size=4"
  CTEST_ARGS="${CTEST_ARGS:-} -R ^($(echo "$tsan_tests" | tr ' ' '|'))\$"
else
  build=build/test
  gh_build "$build" Release "${unity[@]}"
fi

services="$(mktemp -d /tmp/gatehouse-test.XXXXXX)"
chmod 755 "$services"
cleanup() {
  bash deploy/local/services.sh stop "$services" || true
  rm -rf "$services"
}
trap cleanup EXIT
bash deploy/local/services.sh start "$services" auto
source "$services/env"
export PATH="$PATH:/usr/sbin:/sbin"
export GATEHOUSE_BIN="$GH_ROOT/$build/gateway/gatehouse"

rc=0
# shellcheck disable=SC2086 # CTEST_ARGS is a list of arguments
ctest --test-dir "$build" --output-on-failure --timeout 600 ${CTEST_ARGS:-} || rc=$?
if [ -n "${tsan_reports:-}" ]; then
  if compgen -G "$tsan_reports/report*" >/dev/null; then
    for f in "$tsan_reports"/report*; do head -c 20000 "$f"; echo; done
    gh_log "ThreadSanitizer: $(cat "$tsan_reports"/report* | grep -c '^WARNING: ThreadSanitizer') report(s) above"
    rc=1
  else
    gh_log "ThreadSanitizer: no reports"
  fi
  rm -rf "$tsan_reports"
fi
exit "$rc"
