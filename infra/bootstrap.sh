#!/usr/bin/env bash
# Makes a fresh clone ready to run: the cached stack parts (infra/setup.sh), node_modules
# (npm ci, skipped when package-lock.json is unchanged), tfjs-node's native addon, and a check
# that the native TensorFlow backend is the one that loads. Idempotent; safe to run every time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null 2>&1 || { echo "[bootstrap] error: Node.js 20 is required (https://nodejs.org)" >&2; exit 1; }
node -e 'const [maj]=process.versions.node.split(".").map(Number); process.exit(maj>=20?0:1)' \
  || { echo "[bootstrap] error: Node.js >= 20 is required, found $(node --version)" >&2; exit 1; }

bash infra/setup.sh all

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f node_modules/.serflow-lock-hash || "$(cat node_modules/.serflow-lock-hash)" != "$lock_hash" ]]; then
  echo "[bootstrap] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > node_modules/.serflow-lock-hash
fi
bash infra/build-tfjs-node.sh
# TensorFlow's start-up banner (printed before TF_CPP_MIN_LOG_LEVEL applies; cli/launch/child-stderr.ts)
# is dropped; the check's own lines and errors pass. sed always succeeds: pipefail keeps node's status.
{ TF_CPP_MIN_LOG_LEVEL=2 node --import tsx infra/check-backend.ts 2>&1 >&3 \
  | sed -E '/absl::InitializeLog\(\) is called are written to STDERR|port\.cc:[0-9]+\] oneDNN custom operations are on\./d' >&2; } 3>&1
