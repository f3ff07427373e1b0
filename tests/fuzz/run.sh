#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 30) from the
# committed seed corpus; a crash, leak or sanitizer report fails the run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/lib.sh"
cd "$GH_ROOT"
seconds="${1:-30}"
gh_install "${GH_PACKAGES[@]}" "${GH_FUZZ_PACKAGES[@]}"
if [ ! -f build/fuzz/build.ninja ]; then
  CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGATEHOUSE_FUZZ=ON -DGATEHOUSE_FUZZ_SECONDS="$seconds" >/dev/null
else
  cmake -S . -B build/fuzz -DGATEHOUSE_FUZZ_SECONDS="$seconds" >/dev/null
fi
cmake --build build/fuzz -j "${GH_JOBS:-2}"
# Each fuzzer is one process on one core: two at a time.
ctest --test-dir build/fuzz -L fuzz --output-on-failure -j "${GH_JOBS:-2}"
