/**
 * What a benchmark's figures were measured on, so that figures from two machines can be told
 * apart: the CPU model and its vector extensions, and the TensorFlow build's state as the
 * library itself reports it (oneDNN custom operations on or off, the instructions it was built
 * without) and the thread pools. Machines of one kind differ in CPU (AVX-512 or not), and
 * TensorFlow turns oneDNN on by default on some CPUs only.
 *
 * Run as a script (`node --import tsx bench/machine-report.ts`), it loads TensorFlow, runs one
 * matmul and exits: `tensorflowBuild` runs it in a child process with TensorFlow's logging on,
 * because the library logs its decisions once, when it loads, to the process's stderr.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuDescription {
  model: string;
  /** The vector extensions among the CPU flags that matter to matmul kernels (avx, avx2, fma, avx512*, amx*). */
  vectorExtensions: string[];
  logicalCpus: number;
}

export function cpuDescription(): CpuDescription {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (name: string): string => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
  const flags = field('flags').split(/\s+/);
  return {
    model: `${field('model name')} (family ${field('cpu family')}, model ${field('model')})`,
    vectorExtensions: flags.filter((f) => /^(avx|avx2|fma|avx512\w*|avx_vnni|amx\w*)$/.test(f)),
    logicalCpus: (info.match(/^processor\s*:/gm) ?? []).length,
  };
}

export interface TensorflowBuild {
  /** 'on' / 'off' as the library decided it (TF_ENABLE_ONEDNN_OPTS, else its CPU-dependent default). */
  onednn: string;
  /** XLA: tfjs-node runs eager kernels; XLA compiles only graphs under TF_XLA_FLAGS auto-jit. */
  xla: string;
  /** The instructions the library says it was not compiled for ("AVX2 FMA" on the PyPI build). */
  notCompiledFor: string;
  intraOpThreads: string;
  interOpThreads: string;
}

/**
 * Sizes TensorFlow's thread pools as the benchmarks measure with (all cores intra-op, one
 * inter-op; the environment's values win) and quiets its start-up log. The pools are sized when
 * the library loads: call this before anything imports tf.
 */
export function defaultTensorflowThreads(): void {
  process.env.TF_NUM_INTRAOP_THREADS ??= String(cpus().length);
  process.env.TF_NUM_INTEROP_THREADS ??= '1';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}

/** Loads TensorFlow in a child process with the current environment and reads what it logs. */
export function tensorflowBuild(): TensorflowBuild {
  const child = spawnSync(process.execPath, ['--import', 'tsx', __filename], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '0' } });
  if (child.status !== 0) throw new Error(`could not load TensorFlow to read its build (exit ${child.status}): ${child.stderr}`);
  const log = child.stderr;
  const onednn = /oneDNN custom operations are on/.test(log) ? 'on' : (/default setting: (\w+)/.exec(log)?.[1] === 'true' ? 'on' : 'off');
  const xlaFlags = process.env.TF_XLA_FLAGS;
  return {
    onednn: `${onednn} (TF_ENABLE_ONEDNN_OPTS=${process.env.TF_ENABLE_ONEDNN_OPTS ?? 'unset'})`,
    xla: xlaFlags === undefined ? 'off (eager kernels, TF_XLA_FLAGS unset)' : `TF_XLA_FLAGS=${xlaFlags}`,
    notCompiledFor: /To enable the following instructions: ([^,]+),/.exec(log)?.[1] ?? 'none reported',
    intraOpThreads: process.env.TF_NUM_INTRAOP_THREADS ?? 'default',
    interOpThreads: process.env.TF_NUM_INTEROP_THREADS ?? 'default',
  };
}

if (require.main === module) {
  void import('../compute/tf.js').then(({ tf }) => {
    const a = tf.ones([8, 8]);
    tf.matMul(a, a).dataSync();
  });
}
