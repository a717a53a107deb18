#!/usr/bin/env bash
# Builds freezewatch and its unit tests with a sanitizer and runs the unit
# tests (integration tests need the plain binary and run in scripts/test.sh).
# Not part of CI: a sanitizer build of the suite takes 15-20 minutes on two
# cores. Run it after touching threads, lifetimes or raw buffers.
#   scripts/sanitize.sh thread     ThreadSanitizer into build-tsan/
#   scripts/sanitize.sh address    AddressSanitizer + UBSan into build-asan/
#   scripts/sanitize.sh thread -R Twins    extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-}
shift || true
case "$kind" in
  thread)
    flags="-fsanitize=thread"
    dir=${BUILD_DIR:-build-tsan}
    export TSAN_OPTIONS="halt_on_error=1 ${TSAN_OPTIONS:-}"
    ;;
  address)
    flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
    dir=${BUILD_DIR:-build-asan}
    export ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}"
    export UBSAN_OPTIONS="print_stacktrace=1 ${UBSAN_OPTIONS:-}"
    ;;
  *)
    echo "usage: scripts/sanitize.sh thread|address [ctest arguments]" >&2
    exit 2
    ;;
esac
scripts/setup.sh --deps
if [[ ! -f "$dir/build.ninja" ]]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFREEZEWATCH_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags"
fi
cmake --build "$dir" -j "$(nproc)"
# Integration and CLI tests start the daemon binary and node programs: they
# are not what this script checks.
ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" -E '^(integration|cli)\.' "$@"
