/**
 * Mini-batch indices: k distinct rows out of n (partial Fisher-Yates), drawn independently per
 * batch. Each class's draws use only that class's Rng, so a class trains the same whether it
 * is batched with others or alone, and the Rng state alone pins the sampling for a resume.
 */
import type { Rng } from '../random';

export function sampleDistinct(rng: Rng, n: number, k: number, out: Int32Array, at: number, offset = 0): void {
  if (k > n) throw new RangeError(`cannot draw ${k} distinct rows out of ${n}`);
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let j = 0; j < k; j++) {
    const pick = j + rng.int(n - j);
    const chosen = pool[pick] as number;
    pool[pick] = pool[j] as number;
    pool[j] = chosen;
    out[at + j] = chosen + offset;
  }
}
