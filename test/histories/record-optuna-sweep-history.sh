#!/usr/bin/env bash
# Records optuna-sweep-holdout.json, the replay history of an optuna sweep with held-out speakers:
# test/support/optuna-sweep-fixture.ts's sweep (tiny EMO-DB manifest, TPE, median pruner, three
# trials, speaker 10 held out), run by `serflow sweep` to its end: the trials, the final run on the
# held-out speaker (the child `<sweep>/holdout`) and the sweep's record of it. On a stack of its own
# (test/fixtures/temporal.record.yaml; SERFLOW_RECORD_STACK_CONFIG for another) with a fresh state
# folder. Needs what `npm run setup` installs; a few minutes on 2 cores.
# Re-record after a deliberate change to the commands the sweep workflows issue, then
#   node --import tsx --test test/workflows/workflow-replay.test.ts
set -euo pipefail
cd "$(dirname "$0")/../.."
export SERFLOW_STACK_CONFIG="${SERFLOW_RECORD_STACK_CONFIG:-$PWD/test/fixtures/temporal.record.yaml}"
export SERFLOW_STATE="${SERFLOW_RECORD_STATE:-/tmp/serflow-record-optuna-state}"
export TF_CPP_MIN_LOG_LEVEL=2 SERFLOW_LOG_LEVEL="${SERFLOW_LOG_LEVEL:-warn}"
unset TEMPORAL_ADDRESS TEMPORAL_NAMESPACE MLFLOW_TRACKING_URI SERFLOW_OPTUNA_STORAGE

bin/serflow stack down >/dev/null 2>&1 || true
rm -rf "$SERFLOW_STATE"
bin/serflow stack up
trap 'bin/serflow stack down >/dev/null 2>&1 || true' EXIT
file=$(node --import tsx -e "console.log(require('./test/support/optuna-sweep-fixture').writeOptunaSweep({ trials: 3, holdout: ['10'] }))")
id=$(bin/serflow sweep "$file" --json | tail -n 1 | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).workflowId)')
node --import tsx test/histories/record-history.ts "$id" optuna-sweep-holdout
