#!/usr/bin/env bash
# Sets up (packages, npm test tooling, build) and runs the whole test suite:
# unit tests, binary/CLI tests and integration tests over real sockets, all via CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [[ -f tests/integration/package.json ]]; then
  (cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)
fi
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" "$@"
