#!/usr/bin/env bash
# The fleet of infra/multi-machine.md on one box: PostgreSQL (MLflow's backend and the Optuna
# studies), MLflow with the artifact proxy, the Temporal dev server, and with `--machines N` N
# worker "machines" (infra/fleet/machine.sh: each in its own mount, PID and UTS namespaces).
# With `--corpus DIR` machine a has that corpus folder and polls every queue, extraction included;
# every other machine (all of them without --corpus) has none and polls orchestration and compute
# only, so that it never takes an extraction it cannot do (infra/multi-machine.md, "The corpus").
# Idempotent: a server already running is left as it is. `bash infra/fleet/down.sh` stops all.
#   bash infra/fleet/up.sh [--machines N] [--corpus DIR]
# Ports (own, never those of the main or the test stack, nor those the tests' own stacks take:
# stack-lifecycle and the history recorder 25000/27233/28233, server-restart 37233/38233; below
# Linux's ephemeral range): PostgreSQL 26432, MLflow 26000, Temporal 29233 (web UI 29234). State under .state/fleet (SERFLOW_FLEET_STATE).
set -euo pipefail
source "$(dirname "$0")/env.sh"
machines=0 corpus=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --machines) machines="$2"; shift 2 ;;
    --corpus) corpus="$2"; shift 2 ;;
    *) fleet_die "usage: infra/fleet/up.sh [--machines N] [--corpus DIR]" ;;
  esac
done

[[ -n "$PG_BIN" && -x "$PG_BIN/initdb" ]] || fleet_die "no PostgreSQL server binaries under /usr/lib/postgresql. Fix: bash infra/setup.sh debian (as root), or apt-get install postgresql"
venv="$FLEET_CACHE/venv"
[[ -x "$venv/bin/mlflow" && -x "$FLEET_CACHE/bin/temporal" ]] || fleet_die "MLflow or the Temporal CLI is not installed in $FLEET_CACHE. Fix: npm run setup"
"$venv/bin/python" -c 'import psycopg' 2>/dev/null || fleet_die "psycopg is not in $venv. Fix: bash infra/setup.sh python"
mkdir -p "$FLEET_STATE"/{run,logs,temporal,mlflow/artifacts,machines}

# PostgreSQL runs as the postgres user when we are root (initdb refuses root), as ourselves otherwise.
as_pg() { if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pgdata="$FLEET_STATE/pg"
pg_up() {
  if [[ ! -f "$pgdata/PG_VERSION" ]]; then
    fleet_log "postgres: initdb $pgdata ($("$PG_BIN/postgres" --version))"
    mkdir -p "$pgdata"; [[ "$(id -u)" == 0 ]] && chown postgres: "$pgdata"
    chmod 700 "$pgdata"
    # Local socket: trust (only this box's users reach it); TCP: passwords (scram-sha-256).
    as_pg "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C >"$FLEET_STATE/logs/initdb.log" 2>&1 \
      || fleet_die "initdb failed; see $FLEET_STATE/logs/initdb.log"
  fi
  if as_pg "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then return; fi
  [[ "$(id -u)" == 0 ]] && chown postgres: "$FLEET_STATE/logs"
  fleet_log "postgres: starting on 127.0.0.1:$PG_PORT"
  as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -l "$FLEET_STATE/logs/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
    || fleet_die "PostgreSQL did not start; see $FLEET_STATE/logs/postgres.log"
  local psql=(as_pg "$PG_BIN/psql" -h "$pgdata" -p "$PG_PORT" -U postgres -d postgres -qtAX -v ON_ERROR_STOP=1)
  if [[ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='$PG_USER'")" != 1 ]]; then
    "${psql[@]}" -c "create role $PG_USER login password '$PG_PASSWORD'" >/dev/null
  fi
  for db in mlflow optuna; do
    if [[ "$("${psql[@]}" -c "select 1 from pg_database where datname='$db'")" != 1 ]]; then
      "${psql[@]}" -c "create database $db owner $PG_USER" >/dev/null
    fi
  done
}

# A server in its own session (setsid), its pid in run/NAME.pid, its output in logs/NAME.log.
start_server() {
  local name="$1"; shift
  if fleet_pid "$FLEET_STATE/run/$name.pid" >/dev/null; then return; fi
  fleet_log "$name: starting"
  setsid "$@" >>"$FLEET_STATE/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$FLEET_STATE/run/$name.pid"
}
wait_until() {
  local what="$1" seconds="$2"; shift 2
  for ((i = 0; i < seconds * 2; i++)); do "$@" >/dev/null 2>&1 && return; sleep 0.5; done
  fleet_die "$what not ready after $seconds s; see $FLEET_STATE/logs/"
}

pg_up
# MLflow: runs, params and metrics in PostgreSQL; artifacts behind its proxy, on "its own disk"
# (a folder no machine sees: machine.sh hides .state from them).
start_server mlflow env MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true \
  "$venv/bin/mlflow" server --host 127.0.0.1 --port "$MLFLOW_PORT" --backend-store-uri "$FLEET_MLFLOW_DB" \
  --serve-artifacts --artifacts-destination "$FLEET_STATE/mlflow/artifacts" --workers 2
start_server temporal "$FLEET_CACHE/bin/temporal" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
  --ui-ip 127.0.0.1 --ui-port "$TEMPORAL_UI_PORT" --db-filename "$FLEET_STATE/temporal/temporal.db" \
  --namespace default --log-format json --log-level warn
wait_until "MLflow ($FLEET_MLFLOW_URI)" 180 curl -fsS "$FLEET_MLFLOW_URI/health"
wait_until "Temporal (127.0.0.1:$TEMPORAL_PORT)" 120 curl -fsS "http://127.0.0.1:$TEMPORAL_UI_PORT/"
fleet_log "up: PostgreSQL 127.0.0.1:$PG_PORT, MLflow $FLEET_MLFLOW_URI, Temporal 127.0.0.1:$TEMPORAL_PORT (UI http://127.0.0.1:$TEMPORAL_UI_PORT)"

names=(a b c d e f g h)
for ((m = 0; m < machines; m++)); do
  name="${names[$m]}"
  if fleet_pid "$FLEET_STATE/run/machine-$name.pid" >/dev/null; then continue; fi
  if [[ $m == 0 && -n "$corpus" ]]; then args=(--corpus "$corpus" -- "$FLEET_REPO/bin/serflow" worker); what="the corpus at /tmp/machine/corpus, every queue"
  else args=(-- "$FLEET_REPO/bin/serflow" worker --queues orchestration,compute); what="no corpus, --queues orchestration,compute"; fi
  setsid bash "$FLEET_REPO/infra/fleet/machine.sh" "$name" "${args[@]}" >>"$FLEET_STATE/logs/machine-$name.log" 2>&1 < /dev/null &
  echo $! >"$FLEET_STATE/run/machine-$name.pid"
  fleet_log "machine $name: serflow worker, $what (log $FLEET_STATE/logs/machine-$name.log)"
done
if (( machines > 0 )) && [[ -z "$corpus" ]]; then
  fleet_log "no machine has a corpus: extractions wait for one (bash infra/fleet/machine.sh NAME --corpus DIR)"
fi
cat <<ENV
export SERFLOW_STACK_CONFIG=$FLEET_CONFIG SERFLOW_STORE=mlflow MLFLOW_TRACKING_URI=$FLEET_MLFLOW_URI
export SERFLOW_OPTUNA_STORAGE=$FLEET_OPTUNA_STORAGE
ENV
