/**
 * libsvm-js's WebAssembly build, loaded without its warning. Its Emscripten loader tries
 * `WebAssembly.instantiateStreaming(fetch(<file path>))` whenever `fetch` exists, which in Node
 * (fetch is global since 18) fails on a file path, prints "wasm streaming compile failed ...
 * falling back to ArrayBuffer instantiation" on stderr and then reads the file, the way it
 * should have from the start. The loader decides synchronously while the module is required:
 * hiding instantiateStreaming for exactly that require sends it straight to the file read, and
 * nothing else ever sees the change.
 */
import type libsvmModule from 'libsvm-js/wasm';

type LibsvmModule = typeof libsvmModule;

function requireWithoutStreaming(): LibsvmModule {
  // Node's WebAssembly global (not in the TypeScript libs this project compiles against).
  const wasm = (globalThis as unknown as { WebAssembly: { instantiateStreaming?: unknown } }).WebAssembly;
  const streaming = wasm.instantiateStreaming;
  wasm.instantiateStreaming = undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('libsvm-js/wasm') as LibsvmModule;
  } finally {
    wasm.instantiateStreaming = streaming;
  }
}

/** Resolves to libsvm-js's SVM class once the wasm module is instantiated. */
export const libsvmLoaded: LibsvmModule = requireWithoutStreaming();
