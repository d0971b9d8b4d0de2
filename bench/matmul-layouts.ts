/**
 * The matmuls of one cycle-GAN generator step in four layouts, on the machine at hand: issue 16
 * asks to choose the formulation of the products (batched, transposed, ...) by measuring, because
 * which is fastest depends on the CPU. The trainer keeps activations as rows [S, N, features] and
 * weights as [S, in, out] (compute/nn/stacked-mlp.ts); the alternatives store the weights as
 * [S, out, in], or keep the activations feature-major [S, features, N], each with the transpose
 * flags that need no copy. Per layer of the generator (D -> hidden -> hidden -> D), a generator
 * step runs the forward product twice (the cycle's two passes), the backward input product twice
 * (once for the first layer, whose input is data) and one weight gradient over both passes
 * (K = 2 N), as compute/cyclegan/generator.ts does. tfjs-node runs kernels synchronously, so each
 * call is timed alone (no read-back).
 *
 *   npx tsx bench/matmul-layouts.ts [--dim 2185] [--hidden 800] [--stack 10] [--rows 64] [--rounds 2]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { tf as Tf } from '../compute/tf';
import { option, stats } from './bench-kit';
import { cpuDescription, defaultTensorflowThreads, tensorflowBuild } from './machine-report';

defaultTensorflowThreads();

interface LayerTimes { forward: number; backward: number; weightGradient: number }

/**
 * How often a generator step runs each product of layer `l`: forward in both passes, backward input
 * in both but the first layer's (its input is data), one weight gradient over both passes. The
 * weight gradient's inner size is 2 N, so it weighs two single-pass products in FLOPs.
 */
function productsPerStep(l: number): LayerTimes {
  return { forward: 2, backward: l === 0 ? 1 : 2, weightGradient: 1 };
}

async function main(): Promise<void> {
  const { tf } = await import('../compute/tf.js');
  const dim = Number(option('dim', '2185'));
  const hidden = Number(option('hidden', '800'));
  const stack = Number(option('stack', '10'));
  const rows = Number(option('rows', '64'));
  const rounds = Number(option('rounds', '2'));
  const sizes = [dim, hidden, hidden, dim];

  const median = (f: () => Tf.Tensor): number => {
    const times: number[] = [];
    for (let r = 0; r < 9; r++) {
      const t0 = performance.now();
      const out = f();
      times.push(performance.now() - t0);
      out.dispose();
    }
    return stats(times).median;
  };
  // One layer in = k, out = n: operands shaped for the layout, then its three products timed.
  const layouts: Record<string, (k: number, n: number) => LayerTimes> = {
    'rows, W [in, out] (the trainer)': (k, n) => time(k, n, false, [k, n], (h, w, dz, h2, dz2) => ({
      forward: () => tf.matMul(h, w), backward: () => tf.matMul(dz, w, false, true), weightGradient: () => tf.matMul(h2, dz2, true, false),
    })),
    'rows, W [out, in]': (k, n) => time(k, n, false, [n, k], (h, w, dz, h2, dz2) => ({
      forward: () => tf.matMul(h, w, false, true), backward: () => tf.matMul(dz, w), weightGradient: () => tf.matMul(dz2, h2, true, false),
    })),
    'feature-major, W [in, out]': (k, n) => time(k, n, true, [k, n], (h, w, dz, h2, dz2) => ({
      forward: () => tf.matMul(w, h, true, false), backward: () => tf.matMul(w, dz), weightGradient: () => tf.matMul(h2, dz2, false, true),
    })),
    'feature-major, W [out, in]': (k, n) => time(k, n, true, [n, k], (h, w, dz, h2, dz2) => ({
      forward: () => tf.matMul(w, h), backward: () => tf.matMul(w, dz, true, false), weightGradient: () => tf.matMul(dz2, h2, false, true),
    })),
  };
  function time(
    k: number, n: number, featureMajor: boolean, wShape: number[],
    products: (h: Tf.Tensor, w: Tf.Tensor, dz: Tf.Tensor, h2: Tf.Tensor, dz2: Tf.Tensor) => Record<keyof LayerTimes, () => Tf.Tensor>,
  ): LayerTimes {
    // Activations [samples, features], or [features, samples] feature-major; the weight gradient
    // joins both passes along the sample axis.
    const activation = (features: number, samples: number): number[] => (featureMajor ? [features, samples] : [samples, features]);
    const operands = [activation(k, rows), wShape, activation(n, rows), activation(k, 2 * rows), activation(n, 2 * rows)].map((s) => tf.randomNormal([stack, ...s], 0, 1, 'float32', k + n));
    try {
      const [h, w, dz, h2, dz2] = operands as [Tf.Tensor, Tf.Tensor, Tf.Tensor, Tf.Tensor, Tf.Tensor];
      const p = products(h, w, dz, h2, dz2);
      return { forward: median(p.forward), backward: median(p.backward), weightGradient: median(p.weightGradient) };
    } finally {
      tf.dispose(operands);
    }
  }

  let flops = 0;
  for (let l = 0; l < 3; l++) {
    const uses = productsPerStep(l);
    flops += 2 * stack * rows * (sizes[l] as number) * (sizes[l + 1] as number) * (uses.forward + uses.backward + 2 * uses.weightGradient);
  }
  const cpu = cpuDescription();
  const build = tensorflowBuild();
  console.log(`CPU ${cpu.model}, ${cpu.logicalCpus} logical CPUs, vector extensions ${cpu.vectorExtensions.join(' ')}`);
  console.log(`TensorFlow: oneDNN ${build.onednn}; threads intra-op ${build.intraOpThreads}, inter-op ${build.interOpThreads}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`one generator step's matmuls, D = ${dim}, hidden ${hidden} x ${hidden}, ${stack} stacked networks, ${rows} rows each; ms, median of 9 per product ` +
    '(f = forward, b = backward input, w = weight gradient over both passes)');
  const results: { round: number; layout: string; msPerGeneratorStep: number; layers: LayerTimes[] }[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const [name, layout] of Object.entries(layouts)) {
      const layers = [0, 1, 2].map((l) => layout(sizes[l] as number, sizes[l + 1] as number));
      const total = layers.reduce((sum, t, l) => {
        const uses = productsPerStep(l);
        return sum + uses.forward * t.forward + uses.backward * t.backward + uses.weightGradient * t.weightGradient;
      }, 0);
      results.push({ round, layout: name, msPerGeneratorStep: total, layers });
      const parts = layers.map((t, l) => `L${l + 1} f ${t.forward.toFixed(1)} b ${t.backward.toFixed(1)} w ${t.weightGradient.toFixed(1)}`);
      console.log(`round ${round}  ${name.padEnd(32)} ${total.toFixed(1).padStart(7)} ms (${(flops / total / 1e6).toFixed(0)} GFLOP/s)  ${parts.join(' | ')}`);
    }
  }
  const outDir = join(dirname(__filename), 'output');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `matmul-layouts-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ cpu, tensorflow: build, dim, hidden, stack, rows, loadAverage: loadavg(), results }, null, 2));
  console.log(`wrote ${file}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
