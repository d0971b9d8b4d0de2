#!/usr/bin/env bash
# Records the replay histories with GAN trainings, fold-gan.json and experiment-gan.json, from a
# real run of test/fixtures/tiny-gan.yaml (one fold, two repeats; cycle-GAN cells of both losses
# beside cells without a GAN) on a stack of its own: test/fixtures/temporal.record.yaml (ports
# 27233, 28233, 25000) with a fresh state folder, so neither the main job's stack nor the test
# stack is touched. Needs what `npm run setup` installs; about a minute and a half on 2 cores.
# Re-record after a deliberate change to the commands the fold or experiment workflow issues, then
#   node --import tsx --test test/workflows/workflow-replay.test.ts
# With arguments, another fixture and name: `record-gan-histories.sh test/fixtures/tiny-fold-models.yaml
# fold-models` records fold-fold-models.json and experiment-fold-models.json (fold models since fit sets).
set -euo pipefail
cd "$(dirname "$0")/../.."
export SERFLOW_STACK_CONFIG="$PWD/test/fixtures/temporal.record.yaml"
export SERFLOW_STATE="${SERFLOW_RECORD_STATE:-/tmp/serflow-record-state}"
export TF_CPP_MIN_LOG_LEVEL=2 SERFLOW_LOG_LEVEL="${SERFLOW_LOG_LEVEL:-warn}"
unset TEMPORAL_ADDRESS TEMPORAL_NAMESPACE MLFLOW_TRACKING_URI
config="${1:-test/fixtures/tiny-gan.yaml}"
name="${2:-gan}"
# A fixed workflow id, so that index.json does not change with the config's hash.
id="$name-history"
[[ "$name" == gan ]] && id=gan-history

bin/serflow stack down >/dev/null 2>&1 || true
rm -rf "$SERFLOW_STATE"
bin/serflow stack up
trap 'bin/serflow stack down >/dev/null 2>&1 || true' EXIT
bin/serflow run "$config" --id "$id"
npx tsx test/histories/record-history.ts "$id" "experiment-$name"
npx tsx test/histories/record-history.ts "$id/fold-0" "fold-$name"
