#!/usr/bin/env bash
# Everything a fresh machine needs before pgbank's TypeScript runs: PostgreSQL extensions and
# settings (scripts/system.sh), local Redis and RabbitMQ up (scripts/services.sh), then the npm
# dependencies when package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system.sh
bash scripts/services.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[bootstrap] npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
