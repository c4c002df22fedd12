#!/usr/bin/env bash
# Second README command: set up (idempotent), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
