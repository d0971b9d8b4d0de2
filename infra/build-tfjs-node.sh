#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native addon against the TensorFlow C library that
# infra/setup.sh unpacked from the pinned tensorflow-cpu wheel. tfjs-node's own install
# script would download libtensorflow 2.9.1 from a host that offline machines cannot reach,
# so it is denied in package.json (allowScripts) and this runs instead, on every machine,
# so that every machine computes with the same TensorFlow. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${SERFLOW_CACHE:-$HOME/.cache/serflow}"
TF="$CACHE/tensorflow"
PKG=node_modules/@tensorflow/tfjs-node
[[ -f "$TF/.complete" ]] || { echo "[tfjs-node] error: $TF is missing; run infra/setup.sh tensorflow first" >&2; exit 1; }
[[ -d "$PKG" ]] || { echo "[tfjs-node] error: $PKG is missing; run npm ci first" >&2; exit 1; }

stamp="$(readlink -f "$TF")"
addon="$PKG/lib/napi-v8/tfjs_binding.node"
if [[ -f "$addon" && -f "$PKG/deps/.serflow-built" && "$(cat "$PKG/deps/.serflow-built")" == "$stamp" ]]; then exit 0; fi

echo "[tfjs-node] building the native addon against $stamp" >&2
rm -rf "$PKG/deps"; mkdir -p "$PKG/deps/include" "$PKG/deps/lib"
for d in tensorflow tsl xla; do ln -s "$TF/include/$d" "$PKG/deps/include/$d"; done
ln -s "$TF/lib/libtensorflow_cc.so.2" "$PKG/deps/lib/libtensorflow.so"
ln -s "$TF/lib/libtensorflow_cc.so.2" "$PKG/deps/lib/libtensorflow_cc.so.2"
ln -s "$TF/lib/libtensorflow_framework.so.2" "$PKG/deps/lib/libtensorflow_framework.so"
ln -s "$TF/lib/libtensorflow_framework.so.2" "$PKG/deps/lib/libtensorflow_framework.so.2"
(cd "$PKG" && npx --no-install node-pre-gyp install --build-from-source >/tmp/serflow-tfjs-build.log 2>&1) \
  || { tail -30 /tmp/serflow-tfjs-build.log >&2; echo "[tfjs-node] error: addon build failed (log: /tmp/serflow-tfjs-build.log)" >&2; exit 1; }
echo "$stamp" > "$PKG/deps/.serflow-built"
