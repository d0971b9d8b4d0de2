#!/usr/bin/env bash
# One fleet "machine": COMMAND (default `bin/serflow worker`) in its own mount, PID and UTS
# namespaces (util-linux unshare, as root), sharing only the host's loopback with the servers.
#   bash infra/fleet/machine.sh NAME [--corpus DIR] [-- COMMAND...]
# Its private view of the file system:
#   /tmp            a fresh tmpfs: nothing of the host's /tmp (other tests' folders) is seen;
#   /tmp/machine    its own disk: .state/fleet/machines/NAME on the host (home, state, store cache);
#   /tmp/machine/corpus   only with --corpus: DIR, read-only; absent on every other machine;
#   .state/ and ../shared/ of the clone   hidden (empty tmpfs): no machine sees the servers' data,
#                   another machine's state or the corpus it was not given.
# The clone (code, node_modules) and the installation cache (SERFLOW_CACHE: venv, TensorFlow)
# stay visible read-write, as the same software installed on every machine.
# Losing the machine: SIGKILL to this script's process (unshare --kill-child then SIGKILLs the
# namespace's init, and with it every process of the namespace), or to the init itself.
set -euo pipefail
source "$(dirname "$0")/env.sh"
name="${1:?usage: machine.sh NAME [--corpus DIR] [-- COMMAND...]}"; shift
corpus=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --corpus) corpus="$(cd "$2" && pwd)"; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[[ $# -gt 0 ]] || set -- "$FLEET_REPO/bin/serflow" worker
[[ "$(id -u)" == 0 ]] || fleet_die "machine.sh needs root for unshare --mount --pid (infra/multi-machine.md says how to fall back to separate users)"
own="$FLEET_STATE/machines/$name"
mkdir -p "$own"/{home,state,store-cache}
rm -rf "$own/corpus"; [[ -n "$corpus" ]] && mkdir -p "$own/corpus"
hide=("$FLEET_REPO/.state")
[[ -d "$FLEET_REPO/../shared" ]] && hide+=("$(cd "$FLEET_REPO/../shared" && pwd)")

export FLEET_NS_NAME="$name" FLEET_NS_OWN="$own" FLEET_NS_CORPUS="$corpus" FLEET_NS_HIDE="${hide[*]}" FLEET_NS_REPO="$FLEET_REPO"
export HOME=/tmp/machine/home SERFLOW_STATE=/tmp/machine/state SERFLOW_CACHE_DIR=/tmp/machine/store-cache SERFLOW_CACHE="$FLEET_CACHE"
# The fleet's servers, whatever the caller's environment points at (npm test exports the test
# stack's); FLEET_STACK_CONFIG: another stack file (other task queues), a path the machine sees.
export SERFLOW_STACK_CONFIG="${FLEET_STACK_CONFIG:-$FLEET_CONFIG}" MLFLOW_TRACKING_URI="$FLEET_MLFLOW_URI"
export SERFLOW_OPTUNA_STORAGE="$FLEET_OPTUNA_STORAGE"
unset TEMPORAL_ADDRESS
# Every machine of the fleet uses the shared store; a caller may set SERFLOW_STORE=local to see it refused.
export SERFLOW_STORE="${SERFLOW_STORE-mlflow}"
[[ -z "$SERFLOW_STORE" ]] && unset SERFLOW_STORE
# Init of the namespace: a shell that sets up the mounts, runs the command as its child and reaps.
exec unshare --mount --pid --uts --fork --kill-child --mount-proc --propagation private bash -c '
  set -e
  hostname "fleet-$FLEET_NS_NAME"
  [[ -n "$FLEET_NS_CORPUS" ]] && mount --bind -o ro "$FLEET_NS_CORPUS" "$FLEET_NS_OWN/corpus"
  mount -t tmpfs -o mode=1777 fleet-tmp /tmp
  mkdir /tmp/machine
  mount --rbind "$FLEET_NS_OWN" /tmp/machine
  for d in $FLEET_NS_HIDE; do mount -t tmpfs -o mode=755 fleet-hidden "$d"; done
  cd "$FLEET_NS_REPO"
  "$@" &
  child=$!
  trap "kill -TERM $child 2>/dev/null" TERM INT
  set +e
  wait $child; status=$?
  (( status > 128 )) && kill -0 $child 2>/dev/null && { wait $child; status=$?; }
  exit $status
' "fleet-$name" "$@"
