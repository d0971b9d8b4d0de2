/**
 * Seeded pseudo-random numbers. Every random draw in serflow goes through one of these so that
 * the same config and seed give the same numbers on every machine. Math.random is never used.
 *
 * The generator is SplitMix32-seeded xoshiro128**: fast, 128-bit state, good statistical quality.
 */
export interface RngState { s: [number, number, number, number] }

/** Derives a 32-bit seed from a base seed and a path of names or numbers (run, fold, repeat, class). */
export function deriveSeed(base: number, ...path: (string | number)[]): number {
  let h = (base ^ 0x9e3779b9) >>> 0;
  for (const part of path) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) {
      h = Math.imul(h ^ text.charCodeAt(i), 0x85ebca6b) >>> 0;
      h = (h ^ (h >>> 13)) >>> 0;
    }
    h = Math.imul(h ^ 0x2f, 0xc2b2ae35) >>> 0;
  }
  h = (h ^ (h >>> 16)) >>> 0;
  // tfjs treats seed 0 as "no seed": never hand it out.
  return h === 0 ? 1 : h;
}

export class Rng {
  private s: [number, number, number, number];

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = [next(), next(), next(), next()];
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(1);
    rng.s = [...state.s];
    return rng;
  }

  state(): RngState {
    return { s: [...this.s] };
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int needs a positive integer bound, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal draw (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** A fresh seed for a tfjs op (never 0). */
  seed(): number {
    const v = this.nextUint32();
    return v === 0 ? 1 : v;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
