/**
 * One ACRNN training step (compute/nn/acrnn-network.ts acrnnTrainingStep: batch 40 segments of
 * 300 frames x 40 bands x 3 channels, 7 classes, Chen et al.'s full widths = the defaults of
 * compute/classify/acrnn-spec.ts) in tfjs-node against the same network in PyTorch
 * (bench/reference/acrnn_step_torch.py, torch.set_num_threads = tfjs's intra-op threads), in one
 * run: the PyTorch reference runs as a server beside this process, and the two take turns
 * (--rounds rounds of --steps steps each, after one warm-up step each), so that both see the same
 * load on a shared machine. It prints the CPU, both libraries' thread settings, the median ms per
 * step of each, the ratio tfjs/PyTorch (target <= 1.0), and where the time goes:
 *
 * - by part: the forward + backward pass of each part of the network alone (convolution stack,
 *   linear layer, bidirectional LSTM, head = attention + fully connected + batch norm + output +
 *   loss), on inputs of the shapes the network gives it, with the gradients w.r.t. its parameters
 *   and (after the convolutions) its input, and the Adam update alone; the same parts in PyTorch.
 *   'rest' is the whole step's median minus the parts: what the parts do not see (the step's
 *   glue, the running averages, and the difference of timing the parts alone);
 * - by kernel: tf.profile of one tfjs step, the kernels' times summed by kernel name.
 *
 *   npx tsx bench/acrnn-step.ts [--rounds 3] [--steps 2] [--split-repeats 2] [--no-torch]
 *   npx tsx bench/acrnn-step.ts --epoch [--wav ../shared/emodb/wav]
 *
 * --epoch measures ONE full-width training epoch on all of EMO-DB (535 utterances, 7 classes:
 * log-Mel by compute/features/log-mel-extraction.ts, per-band standardisation on all rows,
 * segments of 300 frames), through AcrnnClassifier.fit with epochs 1 and no early stopping, and
 * prints its seconds and segment count. FLOPs are counted from the shapes (multiply-adds x 2;
 * training = forward + the two backward products of every convolution and matmul).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { option, stats } from './bench-kit';
import { cpuDescription, defaultTensorflowThreads, tensorflowBuild } from './machine-report';
import { requireTorchPython, TORCH_PYTHON, torchWaitPolicy } from './torch-reference';
// Types only: TensorFlow itself loads in main, after the thread settings.
import type { Tensor, Tensor2D, Tensor3D, Tensor4D, Scalar } from '@tensorflow/tfjs-node';

defaultTensorflowThreads();

const BATCH = 40;
const BANDS = 40;
const CLASSES = 7;
const PARTS = ['conv', 'linear', 'lstm', 'head', 'adam'] as const;
type Part = (typeof PARTS)[number];

interface TorchInfo { torch: string; threads: number; cpuCapability: string; blas: string; mkldnn: boolean; parameters: number }

/** The PyTorch reference as a server: one JSON line per command. */
class TorchServer {
  private readonly lines: AsyncIterator<string>;
  private readonly child;

  constructor(threads: string) {
    this.child = spawn(TORCH_PYTHON, [join(__dirname, 'reference', 'acrnn_step_torch.py')], {
      env: { ...process.env, TORCH_THREADS: threads, OMP_WAIT_POLICY: torchWaitPolicy() }, stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async next<T>(): Promise<T> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the PyTorch reference exited');
    const parsed = JSON.parse(value) as T & { error?: string };
    if (parsed.error) throw new Error(`PyTorch reference: ${parsed.error}`);
    return parsed;
  }

  async ask<T>(command: string): Promise<T> {
    this.child.stdin.write(`${command}\n`);
    return this.next<T>();
  }

  close(): void {
    this.child.stdin.end('quit\n');
  }
}

/** Training FLOPs of one step by part, from the shapes: forward products x 3 (forward, input gradient, weight gradient). */
function trainingGflop(spec: { channels: number; segmentFrames: number; convMaps: number[]; kernel: [number, number]; pool: [number, number]; linear: number; lstmUnits: number }): Record<'conv' | 'linear' | 'lstm', number> {
  const [kt, kf] = spec.kernel;
  const time = Math.floor(spec.segmentFrames / spec.pool[0]);
  const frequency = Math.floor(BANDS / spec.pool[1]);
  let conv = 0;
  let maps = spec.channels;
  spec.convMaps.forEach((m, i) => {
    const positions = i === 0 ? spec.segmentFrames * BANDS : time * frequency;
    // The first layer's input gradient is not needed (the data), so it has two products, not three.
    conv += (i === 0 ? 2 : 3) * 2 * BATCH * positions * maps * m * kt * kf;
    maps = m;
  });
  const linear = 3 * 2 * BATCH * time * frequency * maps * spec.linear;
  const lstm = 2 * 3 * 2 * BATCH * time * (spec.linear + spec.lstmUnits) * 4 * spec.lstmUnits;
  return { conv: conv / 1e9, linear: linear / 1e9, lstm: lstm / 1e9 };
}

async function stepBench(): Promise<void> {
  const { tf } = await import('../compute/tf.js');
  const { acrnnSpecSchema } = await import('../compute/classify/acrnn-spec.js');
  const network = await import('../compute/nn/acrnn-network.js');
  const { Rng } = await import('../compute/random.js');
  const rounds = Number(option('rounds', '3'));
  const steps = Number(option('steps', '2'));
  const splitRepeats = Number(option('split-repeats', '2'));
  const withTorch = !process.argv.includes('--no-torch');
  if (withTorch) requireTorchPython();

  const spec = acrnnSpecSchema.parse({ kind: 'acrnn' });
  const build = tensorflowBuild();
  const loadAtStart = loadavg();
  const torch = withTorch ? new TorchServer(build.intraOpThreads) : undefined;
  const torchInfo = torch ? await torch.next<TorchInfo>() : undefined;

  const net = network.createAcrnnNetwork(spec, { bands: BANDS, classes: CLASSES }, spec.lr, new Rng(7));
  const rng = new Rng(8);
  const x = tf.tensor4d(Float32Array.from({ length: BATCH * spec.segmentFrames * BANDS * spec.channels }, () => rng.normal()), [BATCH, spec.segmentFrames, BANDS, spec.channels]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.int(CLASSES)), 'int32'), CLASSES).toFloat() as Tensor2D;
  const step = (): { ms: number; cpuMs: number } => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const loss = network.acrnnTrainingStep(net, x, y);
    loss.dataSync();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    loss.dispose();
    return { ms, cpuMs: (c.user + c.system) / 1000 };
  };

  try {
    const tfjsTimes: { ms: number; cpuMs: number }[] = [];
    const torchTimes: { ms: number; cpuMs: number }[] = [];
    step();
    if (torch) await torch.ask('step 1');
    for (let r = 0; r < rounds; r++) {
      for (let s = 0; s < steps; s++) tfjsTimes.push(step());
      if (torch) {
        const got = await torch.ask<{ ms: number[]; cpuMs: number[] }>(`step ${steps}`);
        got.ms.forEach((ms, i) => torchTimes.push({ ms, cpuMs: got.cpuMs[i] as number }));
      }
      process.stderr.write(`round ${r + 1}/${rounds}: tfjs ${tfjsTimes.slice(-steps).map((t) => t.ms.toFixed(0)).join(', ')} ms; PyTorch ${torchTimes.slice(-steps).map((t) => t.ms.toFixed(0)).join(', ') || '-'} ms\n`);
    }

    // Each part alone, forward + backward, on inputs of the shapes the network gives it.
    const arch = net.arch;
    const params = net.params.map((p) => p.read());
    const inputs = tf.tidy(() => {
      const conv = network.acrnnConvStack(params, x, arch);
      const linear = network.acrnnLinear(params, conv, arch);
      const lstm = network.acrnnRecurrent(params, linear, arch);
      return { conv, linear, lstm };
    });
    const probe = (t: Tensor): Tensor => tf.randomNormal(t.shape, 0, 1, 'float32', 9);
    const probes = { conv: probe(inputs.conv), linear: probe(inputs.linear), lstm: probe(inputs.lstm) };
    const n = params.length;
    const offsets = { conv: 0, linear: 2 * arch.convMaps.length, lstm: 2 * arch.convMaps.length + 2, head: 2 * arch.convMaps.length + 6 };
    const ends = { conv: offsets.linear, linear: offsets.lstm, lstm: offsets.head, head: n };
    // f(own parameters, input) -> a scalar; gradients w.r.t. the part's parameters and (after the data) its input.
    const timedPart = (part: 'conv' | 'linear' | 'lstm' | 'head', input: Tensor, f: (ps: Tensor[], input: Tensor) => Scalar): number => {
      const own = params.slice(offsets[part], ends[part]);
      const withInput = part !== 'conv';
      const t0 = performance.now();
      tf.tidy(() => {
        const grads = tf.grads((...args: Tensor[]) => f(args.slice(0, own.length), withInput ? args[own.length] as Tensor : input))([...own, ...(withInput ? [input] : [])]);
        grads[0]?.dataSync();
      });
      return performance.now() - t0;
    };
    const full = (own: Tensor[], from: number): Tensor[] => {
      const all = [...params];
      own.forEach((p, i) => { all[from + i] = p; });
      return all;
    };
    const tfjsSplit: Record<Part, number[]> = { conv: [], linear: [], lstm: [], head: [], adam: [] };
    const constantGrads = params.map((p) => tf.fill(p.shape, 1e-3));
    for (let r = 0; r < splitRepeats + 1; r++) {
      const times = {
        conv: timedPart('conv', x, (ps, input) => tf.sum(tf.mul(network.acrnnConvStack(full(ps, offsets.conv), input as Tensor4D, arch), probes.conv))),
        linear: timedPart('linear', inputs.conv, (ps, input) => tf.sum(tf.mul(network.acrnnLinear(full(ps, offsets.linear), input as Tensor4D, arch), probes.linear))),
        lstm: timedPart('lstm', inputs.linear, (ps, input) => tf.sum(tf.mul(network.acrnnRecurrent(full(ps, offsets.lstm), input as Tensor3D, arch), probes.lstm))),
        head: timedPart('head', inputs.lstm, (ps, input) => network.crossEntropy(network.acrnnHead(full(ps, offsets.head), input as Tensor3D, arch, { kind: 'batch' }).logits, y)),
      };
      // The first round warms up each part alone.
      if (r > 0) for (const p of ['conv', 'linear', 'lstm', 'head'] as const) tfjsSplit[p].push(times[p]);
    }
    // The update runs in place only when no read of the variables is alive, as in the step.
    tf.dispose([...Object.values(inputs), ...Object.values(probes), ...params]);
    for (let r = 0; r < splitRepeats + 1; r++) {
      const t0 = performance.now();
      net.adam.apply(constantGrads, spec.lr);
      const ms = performance.now() - t0;
      if (r > 0) tfjsSplit.adam.push(ms);
    }
    tf.dispose(constantGrads);
    const torchSplit = torch ? await torch.ask<Record<Part, number[]>>(`split ${splitRepeats}`) : undefined;

    // Kernel times of one tfjs step.
    const profile = await tf.profile(() => { network.acrnnTrainingStep(net, x, y).dispose(); });
    const byKernel = new Map<string, { ms: number; count: number }>();
    for (const k of profile.kernels) {
      const ms = await k.kernelTimeMs;
      if (typeof ms !== 'number') continue;
      const e = byKernel.get(k.name) ?? { ms: 0, count: 0 };
      e.ms += ms;
      e.count += 1;
      byKernel.set(k.name, e);
    }
    const kernelTotal = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);

    // Report.
    const cpu = cpuDescription();
    const tfjsStats = stats(tfjsTimes.map((t) => t.ms));
    const tfjsCpu = stats(tfjsTimes.map((t) => t.cpuMs)).median;
    const torchStats = torchTimes.length > 0 ? stats(torchTimes.map((t) => t.ms)) : undefined;
    const torchCpu = torchTimes.length > 0 ? stats(torchTimes.map((t) => t.cpuMs)).median : undefined;
    const gflop = trainingGflop(spec);
    const totalGflop = gflop.conv + gflop.linear + gflop.lstm;
    console.log(`CPU ${cpu.model}, ${cpu.logicalCpus} logical CPUs, vector extensions ${cpu.vectorExtensions.join(' ')}`);
    console.log(`TensorFlow (tfjs-node ${tf.version.tfjs}): oneDNN ${build.onednn}; XLA ${build.xla}; built without ${build.notCompiledFor}; threads intra-op ${build.intraOpThreads}, inter-op ${build.interOpThreads}`);
    if (torchInfo) console.log(`PyTorch ${torchInfo.torch}: torch.get_num_threads() ${torchInfo.threads}, CPU capability ${torchInfo.cpuCapability}, BLAS ${torchInfo.blas}, mkldnn ${torchInfo.mkldnn}, OMP_WAIT_POLICY ${torchWaitPolicy()}`);
    console.log(`ACRNN training step: batch ${BATCH} x ${spec.segmentFrames} frames x ${BANDS} bands x ${spec.channels} channels, ${CLASSES} classes, conv ${spec.convMaps.join('/')} ${spec.kernel.join('x')}, pool ${spec.pool.join('x')}, linear ${spec.linear}, BLSTM ${spec.lstmUnits}x2, fc ${spec.fcUnits}; ` +
      `${net.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0)} parameters (PyTorch ${torchInfo?.parameters ?? '-'}); ` +
      `${totalGflop.toFixed(0)} GFLOP per step (conv ${gflop.conv.toFixed(0)}, linear ${gflop.linear.toFixed(1)}, LSTM ${gflop.lstm.toFixed(1)}); forward ${(totalGflop / 3 / BATCH).toFixed(1)} GFLOP per segment`);
    console.log(`${rounds} rounds of ${steps} steps each, alternating tfjs and PyTorch after one warm-up step each; load average ${loadAtStart.map((v) => v.toFixed(1)).join(' ')} at the start, ${loadavg().map((v) => v.toFixed(1)).join(' ')} at the end`);
    const rows = [
      ['library', 'min ms', 'median ms', 'max ms', 'cpu ms', 'GFLOP/s'],
      ['tfjs-node', tfjsStats.min.toFixed(0), tfjsStats.median.toFixed(0), tfjsStats.max.toFixed(0), tfjsCpu.toFixed(0), (totalGflop / (tfjsStats.median / 1000)).toFixed(0)],
      ...(torchStats && torchCpu !== undefined ? [['PyTorch', torchStats.min.toFixed(0), torchStats.median.toFixed(0), torchStats.max.toFixed(0), torchCpu.toFixed(0), (totalGflop / (torchStats.median / 1000)).toFixed(0)]] : []),
    ];
    printTable(rows);
    if (torchStats && torchCpu !== undefined) {
      const ratio = tfjsStats.median / torchStats.median;
      console.log(`tfjs/PyTorch: ${ratio.toFixed(2)} (median wall), ${(tfjsCpu / torchCpu).toFixed(2)} (median CPU time); target <= 1.0: ${ratio <= 1 ? 'met' : 'NOT MET'}`);
    }
    console.log(`where the time goes: each part's forward + backward alone, median of ${splitRepeats} after a warm-up (ms); rest = the step's median minus the parts`);
    const med = (xs: number[] | undefined): number | undefined => (xs && xs.length > 0 ? stats(xs).median : undefined);
    const partNames: Record<Part, string> = { conv: 'conv stack (5 conv + pool)', linear: 'linear 768', lstm: 'BLSTM', head: 'attention + fc + bn + out + loss', adam: 'Adam update' };
    const splitRows: string[][] = [['part', 'tfjs ms', 'tfjs %', 'PyTorch ms', 'PyTorch %', 'tfjs/PyTorch']];
    let tfjsSum = 0;
    let torchSum = 0;
    for (const p of PARTS) {
      const a = med(tfjsSplit[p]) as number;
      const b = med(torchSplit?.[p]);
      tfjsSum += a;
      torchSum += b ?? 0;
      splitRows.push([partNames[p], a.toFixed(0), (100 * a / tfjsStats.median).toFixed(0), b?.toFixed(0) ?? '-', b !== undefined && torchStats ? (100 * b / torchStats.median).toFixed(0) : '-', b !== undefined ? (a / b).toFixed(2) : '-']);
    }
    splitRows.push(['rest', (tfjsStats.median - tfjsSum).toFixed(0), (100 * (tfjsStats.median - tfjsSum) / tfjsStats.median).toFixed(0),
      torchStats ? (torchStats.median - torchSum).toFixed(0) : '-', torchStats ? (100 * (torchStats.median - torchSum) / torchStats.median).toFixed(0) : '-', '-']);
    printTable(splitRows);
    console.log(`tfjs kernels of one profiled step (tf.profile; ${kernelTotal.toFixed(0)} ms in kernels), the largest:`);
    const kernels = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
    printTable([['kernel', 'calls', 'ms', '%'], ...kernels.slice(0, 12).map(([name, e]) => [name, String(e.count), e.ms.toFixed(0), (100 * e.ms / kernelTotal).toFixed(1)])]);

    const outDir = join(dirname(__filename), 'output');
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `acrnn-step-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({
      spec, batch: BATCH, bands: BANDS, classes: CLASSES, rounds, steps, cpu, tensorflow: build, torch: torchInfo, loadAverageAtStart: loadAtStart, loadAverage: loadavg(),
      gflopPerStep: gflop, tfjs: tfjsTimes, pytorch: torchTimes, split: { tfjs: tfjsSplit, pytorch: torchSplit }, kernels: Object.fromEntries(byKernel),
    }, null, 2));
    console.log(`wrote ${file}`);
  } finally {
    torch?.close();
    net.destroy();
    tf.dispose([x, y]);
  }
}

async function epochBench(): Promise<void> {
  const { readEmodbCorpus, EMODB_ALL_EMOTIONS } = await import('../compute/corpus/emodb.js');
  const { extractLogMel } = await import('../compute/features/log-mel-extraction.js');
  const { fitRowStandardisation, applyRowStandardisation } = await import('../compute/normalise.js');
  const { AcrnnClassifier } = await import('../compute/classify/acrnn.js');
  const { tf } = await import('../compute/tf.js');
  const wav = resolve(option('wav', join(__dirname, '..', '..', 'shared', 'emodb', 'wav')));
  const build = tensorflowBuild();
  const cpu = cpuDescription();

  const t0 = performance.now();
  const entries = await readEmodbCorpus(wav, { emotions: EMODB_ALL_EMOTIONS });
  const { matrix } = await extractLogMel(entries);
  const extractionSeconds = (performance.now() - t0) / 1000;
  if (matrix.shape?.kind !== 'sequence') throw new Error('extractLogMel gave no sequence shape');
  const { frames, bands } = matrix.shape;
  const lengths = Int32Array.from(matrix.meta, (m) => m.frames as number);
  const layout = { cols: matrix.cols, sequence: { bands, lengths } };
  const all = Array.from({ length: matrix.rows }, (_, i) => i);
  // Per band, on every row: the epoch's cost does not depend on which rows the statistics come from.
  const x = applyRowStandardisation(fitRowStandardisation(matrix.data, layout, all), matrix.data, layout);
  const classes: string[] = [...EMODB_ALL_EMOTIONS];
  const y = Int32Array.from(matrix.meta, (m) => classes.indexOf(m.label));
  const train = { rows: matrix.rows, cols: matrix.cols, x, y, classes, sequence: { frames, bands, lengths } };
  const clf = new AcrnnClassifier({ epochs: 1, earlyStopping: null });
  const segments = Array.from(lengths).reduce((s, l) => s + Math.ceil(l / clf.spec.segmentFrames), 0);
  const batches = Math.ceil(segments / clf.spec.batchSize);
  process.stderr.write(`${matrix.rows} utterances, ${segments} segments of ${clf.spec.segmentFrames} frames, ${batches} batches of ${clf.spec.batchSize}: training one epoch...\n`);
  const loadAtStart = loadavg();
  const c0 = process.cpuUsage();
  const t1 = performance.now();
  const model = await clf.fit(train, 11);
  const seconds = (performance.now() - t1) / 1000;
  const c = process.cpuUsage(c0);
  model.dispose();
  console.log(`CPU ${cpu.model}, ${cpu.logicalCpus} logical CPUs; tfjs-node ${tf.version.tfjs}, oneDNN ${build.onednn}, threads intra-op ${build.intraOpThreads}, inter-op ${build.interOpThreads}`);
  console.log(`EMO-DB: ${matrix.rows} utterances, 7 classes, log-Mel ${bands} bands (extraction ${extractionSeconds.toFixed(1)} s), longest ${frames} frames`);
  console.log(`one full-width ACRNN epoch (conv ${clf.spec.convMaps.join('/')}, ${clf.spec.channels} channels, batch ${clf.spec.batchSize}): ${segments} segments of ${clf.spec.segmentFrames} frames in ${batches} steps, ` +
    `${seconds.toFixed(1)} s wall (${((c.user + c.system) / 1e6).toFixed(1)} s CPU), ${(1000 * seconds / batches).toFixed(0)} ms per step; load average ${loadAtStart.map((v) => v.toFixed(1)).join(' ')} at the start, ${loadavg().map((v) => v.toFixed(1)).join(' ')} at the end`);
  const outDir = join(dirname(__filename), 'output');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `acrnn-epoch-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ spec: clf.spec, utterances: matrix.rows, segments, batches, seconds, cpuSeconds: (c.user + c.system) / 1e6, extractionSeconds, cpu, tensorflow: build, loadAverageAtStart: loadAtStart, loadAverage: loadavg() }, null, 2));
  console.log(`wrote ${file}`);
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '));
}

(process.argv.includes('--epoch') ? epochBench() : stepBench()).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
