/**
 * The PyTorch references of the GAN benchmarks (bench/reference/*.py), run in the venv that
 * `infra/setup.sh torch` makes: where that venv is, and one call that runs a reference and reads
 * the JSON it prints (gan_iteration_torch.py `report`). gan-iteration.ts and gan-fold.ts share it
 * so that both run PyTorch the same way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type TorchReferenceScript = 'gan_iteration_torch.py' | 'gan_iteration_torch_batched.py';

/** What the reference printed: its figures and what they were measured with. */
export interface TorchReport<R> {
  torch: string;
  threads: number;
  cpuCapability: string;
  blas: string;
  results: R[];
}

export const TORCH_PYTHON = join(homedir(), '.cache', 'serflow', 'torch-venv', 'bin', 'python');

/** Throws, naming the fix, when the venv is missing. */
export function requireTorchPython(): void {
  if (!existsSync(TORCH_PYTHON)) {
    throw new Error(`no PyTorch reference at ${TORCH_PYTHON}: run 'bash infra/setup.sh torch' (npm run bench does), or pass --no-torch`);
  }
}

/** The OpenMP wait policy the references run with (OMP_WAIT_POLICY if set, else PASSIVE). */
export function torchWaitPolicy(): string {
  return process.env.OMP_WAIT_POLICY ?? 'PASSIVE';
}

/** Runs `script` with `args` and parses the JSON it prints on stdout. */
export function runTorchReference<R>(script: TorchReferenceScript, args: string[]): TorchReport<R> {
  // Passive OpenMP waiting: with spinning threads PyTorch slows down several-fold when other
  // processes share the two cores (measured 2.9 s instead of 0.6 s per iteration at D = 2185).
  const out = execFileSync(TORCH_PYTHON, [join(__dirname, 'reference', script), ...args], {
    encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, OMP_WAIT_POLICY: torchWaitPolicy() },
  });
  return JSON.parse(out) as TorchReport<R>;
}
