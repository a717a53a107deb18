#!/usr/bin/env bash
# Sets up (packages, build) and runs freezewatch on the bundled demo config:
# alerts as JSON lines on stdout, logs on stderr, metrics on
# http://127.0.0.1:9464/metrics. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
# The demo's outbox is throwaway: start clean so every run shows its alerts
# (a kept outbox would rightly refuse alert ids it already delivered).
rm -rf var/demo
exec build/daemon/app/freezewatch run --config config/demo.yaml "$@"
