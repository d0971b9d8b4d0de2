#!/usr/bin/env bash
# Installs everything serflow needs outside node_modules, into a cache shared by every clone
# on this machine: the Temporal CLI and test server, a Python virtualenv with MLflow and
# openSMILE, and the TensorFlow C library that tfjs-node's native addon is built against.
# Idempotent: each part is skipped when its pinned version is already in place. Versions are
# pinned here only.
set -euo pipefail

TEMPORAL_CLI_VERSION=v1.5.1
MLFLOW_VERSION=3.17.2
# opensmile 2.5 and later wheels no longer ship the SMILExtract binary; 2.4.2 ships SMILExtract 3.0.1.
# It is installed without its Python dependencies: serflow only runs the binary and reads the configs.
OPENSMILE_VERSION=2.4.2
TENSORFLOW_CPU_VERSION=2.21.0
# scikit-learn: the reference implementation the SVM is checked against (libsvm C-SVC).
SCIKIT_LEARN_VERSION=1.9.1
# Optuna: the samplers and pruners of adaptive sweeps (tracking/optuna/optuna_study.py); cmaes: its CMA-ES sampler.
OPTUNA_VERSION=5.0.0
CMAES_VERSION=0.13.1
# optuna-dashboard: `serflow dashboard <sweep id>` serves a sweep's study with it (it brings bottle).
OPTUNA_DASHBOARD_VERSION=0.21.0
# librosa: the reference the log-Mel spectrogram is checked against (test/reference/log_mel_reference.py).
LIBROSA_VERSION=0.11.0
# PyTorch: only the GAN benchmark's side-by-side references (bench/reference/gan_iteration_torch*.py).
# PyPI's Linux wheel is the CUDA build; it pulls the CUDA runtime packages (~3 GB) but runs on the CPU.
TORCH_VERSION=2.15.0
# Temporal's Java test server (time-skipping), from Maven Central: the workflow tests of test/workflows/
# run in it (@temporalio/testing would download its native build from temporal.download at run time).
TEMPORAL_TEST_SERVER_VERSION=1.38.0
# psycopg (3, with its binary libpq build): MLflow and Optuna on PostgreSQL in the fleet rehearsal
# (infra/fleet/, infra/multi-machine.md); SQLAlchemy URLs `postgresql+psycopg://`.
PSYCOPG_VERSION=3.3.9

CACHE="${SERFLOW_CACHE:-$HOME/.cache/serflow}"
mkdir -p "$CACHE/bin"
log() { echo "[setup] $*" >&2; }
die() { echo "[setup] error: $*" >&2; exit 1; }

# --- Temporal CLI: one on PATH wins; otherwise build the official CLI via the Go module proxy.
temporal_cli() {
  if [[ -x "$CACHE/bin/temporal" ]]; then return; fi
  if command -v temporal >/dev/null 2>&1; then
    ln -sf "$(command -v temporal)" "$CACHE/bin/temporal"; log "temporal: using $(command -v temporal)"; return
  fi
  command -v go >/dev/null 2>&1 || die "no 'temporal' on PATH and no Go toolchain to build it. Install Go >= 1.22 (https://go.dev/dl) or put the Temporal CLI on PATH, then re-run."
  log "temporal: building github.com/temporalio/cli $TEMPORAL_CLI_VERSION with $(go version | cut -d' ' -f3) (a few minutes, once)"
  GOBIN="$CACHE/bin.tmp" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  mv "$CACHE/bin.tmp/temporal" "$CACHE/bin/temporal"; rmdir "$CACHE/bin.tmp" 2>/dev/null || true
}

# --- Temporal's time-skipping test server for the workflow tests (test/workflows/). The SDK's
# createTimeSkipping downloads a native build at run time (unreachable offline); the same server
# is published to Maven Central as a Java program. Its jars go into the cache, and a wrapper
# `bin/temporal-test-server <port> [flags]` starts it the way the SDK starts the native build.
temporal_test_server() {
  local dir="$CACHE/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"
  if [[ -f "$dir/.complete" ]]; then ln -sf "$dir/temporal-test-server" "$CACHE/bin/temporal-test-server"; return; fi
  command -v java >/dev/null 2>&1 || die "no 'java' on PATH: the Temporal test server is a Java program. Install a JRE >= 8 (Debian: apt-get install default-jre-headless), then re-run."
  command -v mvn >/dev/null 2>&1 || die "no 'mvn' on PATH to fetch io.temporal:temporal-test-server from Maven Central. Install Maven (Debian: apt-get install maven), then re-run."
  log "temporal test server: fetching io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION and its dependencies from Maven Central (about 40 MB, once)"
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  cat >"$dir.tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>serflow</groupId><artifactId>temporal-test-server-jars</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$TEMPORAL_TEST_SERVER_VERSION</version></dependency>
    <!-- the server logs through SLF4J 1.7; without a binding it prints a warning on every start -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
  (cd "$dir.tmp" && mvn -B -Dmaven.repo.local="$dir.tmp/m2" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir.tmp/lib" >"$dir.tmp/mvn.log" 2>&1) \
    || die "mvn could not fetch io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION (is Maven Central reachable?); its log: $dir.tmp/mvn.log"
  # The SDK spawns the executable as `<exe> <port>` and gives it 5 s to answer gRPC: a JVM tuned for a
  # quick start (C1 only, serial GC) is up in about 1.5 s on 2 busy cores.
  cat >"$dir.tmp/temporal-test-server" <<WRAPPER
#!/bin/sh
# Temporal's time-skipping test server $TEMPORAL_TEST_SERVER_VERSION (Java), written by infra/setup.sh.
# Usage: temporal-test-server <port> [--enable-time-skipping]
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m -cp '$dir/lib/*' io.temporal.testserver.TestServer "\$@"
WRAPPER
  chmod +x "$dir.tmp/temporal-test-server"
  rm -rf "$dir.tmp/m2" "$dir.tmp/mvn.log" "$dir"; mv "$dir.tmp" "$dir"
  local usage; usage="$("$dir/temporal-test-server" 2>&1 || true)"
  [[ "$usage" == *"Usage: <command> <port>"* ]] || die "the Temporal test server in $dir does not start: run '$dir/temporal-test-server' to see why"
  touch "$dir/.complete"; ln -sf "$dir/temporal-test-server" "$CACHE/bin/temporal-test-server"
}

# --- Python virtualenv with the MLflow server and openSMILE (its wheel ships SMILExtract).
python_env() {
  local venv="$CACHE/venv-mlflow$MLFLOW_VERSION-opensmile$OPENSMILE_VERSION-sklearn$SCIKIT_LEARN_VERSION"
  if [[ -f "$venv/.complete" ]]; then python_optuna "$venv"; python_librosa "$venv"; python_psycopg "$venv"; ln -sfn "$venv" "$CACHE/venv"; return; fi
  local py="${SERFLOW_PYTHON:-python3}"
  command -v "$py" >/dev/null 2>&1 || die "no Python interpreter '$py'. Install Python >= 3.10 (or set SERFLOW_PYTHON), then re-run."
  "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || die "$py is $("$py" --version 2>&1); need Python >= 3.10."
  log "python: creating $venv"
  rm -rf "$venv"; "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet "mlflow==$MLFLOW_VERSION" "scikit-learn==$SCIKIT_LEARN_VERSION"
  "$venv/bin/pip" install --quiet --no-deps "opensmile==$OPENSMILE_VERSION"
  "$venv/bin/python" -c 'import glob,sys; sys.exit(0 if glob.glob(sys.prefix+"/lib/python*/site-packages/opensmile/core/bin/linux/SMILExtract") else 1)' \
    || die "the opensmile $OPENSMILE_VERSION wheel did not bring SMILExtract"
  python_optuna "$venv"
  python_librosa "$venv"
  python_psycopg "$venv"
  touch "$venv/.complete"; ln -sfn "$venv" "$CACHE/venv"
}

# Optuna and optuna-dashboard go into the venv in place, checked by version on every run, so that a
# venv built before they were pinned gets them without being rebuilt (the venv's name pins what it
# was built with).
python_optuna() {
  local venv="$1"
  "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('optuna') == '$OPTUNA_VERSION' and m.version('cmaes') == '$CMAES_VERSION' and m.version('optuna-dashboard') == '$OPTUNA_DASHBOARD_VERSION' else 1)" 2>/dev/null && return
  log "python: optuna $OPTUNA_VERSION, optuna-dashboard $OPTUNA_DASHBOARD_VERSION into $venv"
  "$venv/bin/pip" install --quiet "optuna==$OPTUNA_VERSION" "cmaes==$CMAES_VERSION" "optuna-dashboard==$OPTUNA_DASHBOARD_VERSION"
}

# librosa goes into the venv in place too, checked by version on every run (as optuna above).
python_librosa() {
  local venv="$1"
  "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('librosa') == '$LIBROSA_VERSION' else 1)" 2>/dev/null && return
  log "python: librosa $LIBROSA_VERSION into $venv"
  "$venv/bin/pip" install --quiet "librosa==$LIBROSA_VERSION"
}

# psycopg goes into the venv in place too, checked by version on every run (as optuna above).
python_psycopg() {
  local venv="$1"
  "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('psycopg') == '$PSYCOPG_VERSION' and m.version('psycopg-binary') == '$PSYCOPG_VERSION' else 1)" 2>/dev/null && return
  log "python: psycopg $PSYCOPG_VERSION into $venv"
  "$venv/bin/pip" install --quiet "psycopg[binary]==$PSYCOPG_VERSION"
}

# --- TensorFlow C library from the tensorflow-cpu wheel (tfjs-node's own download host is unreachable).
tensorflow_lib() {
  local dir="$CACHE/tensorflow-cpu-$TENSORFLOW_CPU_VERSION"
  if [[ -f "$dir/.complete" ]]; then ln -sfn "$dir" "$CACHE/tensorflow"; return; fi
  local py="${SERFLOW_PYTHON:-python3}"
  local dl; dl="$(mktemp -d "$CACHE/tf-download.XXXX")"
  log "tensorflow: fetching tensorflow-cpu==$TENSORFLOW_CPU_VERSION wheel (about 250 MB, once)"
  "$py" -m pip download --quiet --no-deps --only-binary=:all: -d "$dl" "tensorflow-cpu==$TENSORFLOW_CPU_VERSION"
  local whl; whl="$(ls "$dl"/tensorflow_cpu-*.whl)"
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && "$py" -m zipfile -e "$whl" . >/dev/null) || die "could not unpack $whl"
  mkdir -p "$dir.tmp/lib" "$dir.tmp/include"
  mv "$dir.tmp/tensorflow/libtensorflow_cc.so.2" "$dir.tmp/tensorflow/libtensorflow_framework.so.2" "$dir.tmp/lib/"
  for d in tensorflow tsl xla; do mv "$dir.tmp/tensorflow/include/$d" "$dir.tmp/include/$d"; done
  find "$dir.tmp" -mindepth 1 -maxdepth 1 ! -name lib ! -name include -exec rm -rf {} +
  rm -rf "$dl" "$dir"; mv "$dir.tmp" "$dir"; touch "$dir/.complete"; ln -sfn "$dir" "$CACHE/tensorflow"
}

# --- PyTorch for the GAN benchmark's reference iteration (not needed to run or test serflow).
torch_env() {
  local venv="$CACHE/torch-venv-$TORCH_VERSION"
  if [[ -f "$venv/.complete" ]]; then ln -sfn "$venv" "$CACHE/torch-venv"; return; fi
  local py="${SERFLOW_PYTHON:-python3}"
  log "torch: creating $venv (torch $TORCH_VERSION and its CUDA runtime wheels, about 3 GB, once)"
  rm -rf "$venv"; "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet "torch==$TORCH_VERSION" numpy
  "$venv/bin/python" -c 'import torch; torch.ones(2) @ torch.ones(2)' || die "torch $TORCH_VERSION does not import in $venv"
  touch "$venv/.complete"; ln -sfn "$venv" "$CACHE/torch-venv"
}

# --- Debian packages: a font for the report's PNGs, Chromium for the browser test of the
# MLflow UI (playwright-core drives it), PostgreSQL for the fleet rehearsal.
debian_packages() {
  local missing=()
  [[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # PostgreSQL (server binaries and initdb) for the fleet rehearsal (infra/fleet/up.sh); its
  # Debian cluster is never started: the fleet runs a cluster of its own under .state/fleet.
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  [[ ${#missing[@]} -eq 0 ]] && return
  if ! command -v apt-get >/dev/null 2>&1 || [[ "$(id -u)" != 0 ]]; then
    log "debian: ${missing[*]} missing and cannot be installed here (needs root and apt): reports need a font (or SERFLOW_REPORT_FONT), the browser test will skip"
    return
  fi
  log "debian: installing ${missing[*]} (once)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

case "${1:-all}" in
  temporal) temporal_cli ;;
  test-server) temporal_test_server ;;
  python) python_env ;;
  tensorflow) tensorflow_lib ;;
  debian) debian_packages ;;
  torch) torch_env ;;
  all) temporal_cli; temporal_test_server; python_env; tensorflow_lib; debian_packages ;;
  *) die "usage: infra/setup.sh [all|temporal|test-server|python|tensorflow|debian|torch]" ;;
esac
