#!/usr/bin/env bash
# Stops what infra/fleet/up.sh started: the machines (each whole PID namespace), Temporal,
# MLflow and PostgreSQL. Keeps the state under .state/fleet; `--wipe` removes it too.
set -euo pipefail
source "$(dirname "$0")/env.sh"
wipe=0; [[ "${1:-}" == --wipe ]] && wipe=1
as_pg() { if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pidfile() {
  local file="$1" pid
  if pid="$(fleet_pid "$file")"; then
    fleet_log "stopping $(basename "$file" .pid) (pid $pid)"
    # Its whole session (setsid in up.sh): the server and its children (MLflow's gunicorn workers).
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}
shopt -s nullglob
for f in "$FLEET_STATE"/run/machine-*.pid; do stop_pidfile "$f"; done
stop_pidfile "$FLEET_STATE/run/temporal.pid"
stop_pidfile "$FLEET_STATE/run/mlflow.pid"
if [[ -f "$FLEET_STATE/pg/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" -D "$FLEET_STATE/pg" status >/dev/null 2>&1; then
  fleet_log "stopping postgres"
  as_pg "$PG_BIN/pg_ctl" -D "$FLEET_STATE/pg" -m fast -w stop >/dev/null
fi
if [[ $wipe == 1 ]]; then rm -rf "$FLEET_STATE"; fleet_log "removed $FLEET_STATE"; fi
