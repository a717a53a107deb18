#!/usr/bin/env bash
# Sets up (packages, build) and runs freezewatch on the bundled demo config.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/daemon/app/freezewatch run --config config/demo.yaml "$@"
