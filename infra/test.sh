#!/usr/bin/env bash
# The test command (README, CI): sets up everything on a fresh machine, type-checks, lints,
# starts the test stack (its own ports and state folder, see test/fixtures/temporal.test.yaml)
# and runs unit and integration tests against the real Temporal and MLflow servers.
#   npm test                  everything
#   npm test -- test/unit/x.test.ts    only the given files (the stack is still started)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash infra/bootstrap.sh

echo "[test] typecheck" >&2; npx tsc -p tsconfig.json --noEmit
echo "[test] lint" >&2; npx eslint .

export SERFLOW_STACK_CONFIG="${SERFLOW_TEST_STACK_CONFIG:-$PWD/test/fixtures/temporal.test.yaml}"
export SERFLOW_STATE="${SERFLOW_TEST_STATE:-$PWD/.state/test}"
MLFLOW_TRACKING_URI="$(node -e 'const y=require("yaml");console.log(y.parse(require("fs").readFileSync(process.argv[1],"utf8")).mlflow.trackingUri)' "$SERFLOW_STACK_CONFIG")"
export MLFLOW_TRACKING_URI
export TF_CPP_MIN_LOG_LEVEL=2
export SERFLOW_LOG_LEVEL="${SERFLOW_LOG_LEVEL:-warn}"
# A fresh test stack each run: tests must not depend on what an earlier run left.
bin/serflow stack down >/dev/null 2>&1 || true
rm -rf "$SERFLOW_STATE"
bin/serflow stack up
# The fleet's servers (test/fleet/ starts them with infra/fleet/up.sh) are stopped at the end too,
# unless they were running before: then they are someone's, left as they were.
fleet_mlflow_pid="${SERFLOW_FLEET_STATE:-$PWD/.state/fleet}/run/mlflow.pid"
fleet_was_up=0; kill -0 "$(cat "$fleet_mlflow_pid" 2>/dev/null)" 2>/dev/null && fleet_was_up=1
trap 'bin/serflow stack down >/dev/null 2>&1 || true; [[ $fleet_was_up == 1 ]] || bash infra/fleet/down.sh >/dev/null 2>&1 || true' EXIT

shopt -s nullglob globstar
if [[ $# -gt 0 ]]; then files=("$@"); else files=(test/unit/**/*.test.ts test/activities/*.test.ts test/workflows/*.test.ts test/integration/*.test.ts test/faults/*.test.ts test/fleet/*.test.ts); fi
mkdir -p test/output
status=0
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || status=$?
echo "[test] finished in $(( $(date +%s) - start )) s" >&2
exit $status
