# Sourced by infra/fleet/*.sh: where the fleet rehearsal keeps its state, its ports, and the
# servers' URLs. Every address is on loopback: the "machines" share the host's network.
FLEET_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FLEET_STATE="${SERFLOW_FLEET_STATE:-$FLEET_REPO/.state/fleet}"
FLEET_CONFIG="$FLEET_REPO/infra/fleet/fleet.yaml"
FLEET_CACHE="${SERFLOW_CACHE:-$HOME/.cache/serflow}"
PG_PORT=26432 MLFLOW_PORT=26000 TEMPORAL_PORT=29233 TEMPORAL_UI_PORT=29234
PG_USER=serflow PG_PASSWORD=serflow
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
FLEET_MLFLOW_DB="postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/mlflow"
FLEET_OPTUNA_STORAGE="postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/optuna"
FLEET_MLFLOW_URI="http://127.0.0.1:$MLFLOW_PORT"
fleet_log() { echo "[fleet] $*" >&2; }
fleet_die() { echo "[fleet] error: $*" >&2; exit 1; }
# The pid in a pid file, if that process still runs.
fleet_pid() { local p; p="$(cat "$1" 2>/dev/null)" || return 1; [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null && echo "$p"; }
