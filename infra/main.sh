#!/usr/bin/env bash
# The main job (README): sets up what is missing, brings the embedded stack up, and runs the
# main experiment config through Temporal with a worker in this process, printing the result
# table and the UI links. The stack stays up afterwards so the runs can be browsed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/bootstrap.sh
export TF_CPP_MIN_LOG_LEVEL=2
bin/serflow stack up
exec bin/serflow run "${SERFLOW_MAIN_CONFIG:-configs/quick.yaml}" "$@"
