/**
 * One fold's whole cycle-GAN training as an experiment config runs it (configs/table1.yaml by
 * default: its `gan` block, losses, repeats and classes), tfjs against PyTorch for the same
 * iterations: issue 16 asks for the whole, not only the step (bench/gan-iteration.ts times single
 * iterations at the paper's shapes).
 *
 *   npx tsx bench/gan-fold.ts [--config configs/table1.yaml] [--fold speaker-03] [--dim 988] [--no-torch] [--group]
 *
 * The fold is real in its sizes only: its training rows per class are those of the config's
 * corpus and protocol (EMO-DB, leave-one-speaker-out: the file names give speaker and emotion),
 * its values synthetic standard-normal vectors of the feature set's dimension (988 for emobase),
 * so no features need extracting. The first fold by default (the one a run schedules first).
 *
 * tfjs: per (loss, repeat), as the fold workflow schedules them (workflows/fold.ts), one
 * CycleGanTrainer with every class batched, seeded as the GAN activity seeds it. Timed apart:
 * `create` (data checks, the auxiliary classifier's training, weight initialisation), the
 * training loop (`trainFold`: pretraining, then the adversarial epochs), and what the GAN activity
 * does besides, measured once per training: encoding a checkpoint (times the checkpoints a
 * training hands over) and the quality report. PyTorch: right after each tfjs training (same
 * machine load), bench/reference/gan_iteration_torch_batched.py in its whole-training mode with
 * the same networks, batch, row counts, generator steps per discriminator step and iteration
 * counts (the trainer's iterationsPerEpoch x epochs), in a fresh process, doing the work the tfjs
 * trainer does: no discriminator weight gradients in the generator steps, and the WGAN-div
 * critic term and penalty from one critic pass (--freeze-critics --one-pass-penalty; what remains
 * different is in the script's docstring). Neither side is warmed
 * up: the first tfjs training of the process includes the backend's warm-up, every PyTorch one
 * its own. Wall and process CPU seconds (all threads); the load average beside every row.
 *
 * --group: per loss, the repeats' GANs as one group trainer (CycleGanTrainer.createGroup), as
 * the fold workflow schedules them when GANs are per repeat (trainClassGanGroup; whether they
 * then train together is the run-time group check's verdict, which this bench does not ask),
 * against PyTorch batching the same GANs in one stack (classes x repeats).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { option } from './bench-kit';
import { cpuDescription, defaultTensorflowThreads, tensorflowBuild } from './machine-report';
import type { TorchReport } from './torch-reference';
import { requireTorchPython, runTorchReference, torchWaitPolicy } from './torch-reference';

defaultTensorflowThreads();

/** What the PyTorch reference's whole-training mode reports (gan_iteration_torch_batched.py). */
interface TorchTraining {
  batch: number;
  pretrainIterations: number;
  adversarialIterations: number;
  pretrainS: number;
  adversarialS: number;
  wallS: number;
  cpuS: number;
}

interface Seconds { wallS: number; cpuS: number }

interface Row {
  loss: string;
  /** The repeat, '-' when the repeats share their GANs, 'all' for a group of the repeats. */
  repeat: string;
  seed: number;
  /** CycleGanTrainer.create: data checks, the auxiliary classifier's training, initial weights. */
  create: Seconds;
  pretrain: Seconds;
  adversarial: Seconds;
  /** pretrain + adversarial: trainFold, the training loop. */
  training: Seconds;
  /** One checkpoint's encoding times the checkpoints a training hands over (checkpointEvery and the last epoch). */
  checkpointsS: number;
  /** qualityByClass after the training, as the GAN activity logs it. */
  qualityS: number;
  torch?: TorchTraining;
  /** 1-minute load average at the start and the end of the row (tfjs and PyTorch). */
  load: [number, number];
}

/** Wall and process CPU seconds (all threads) of `work`. */
async function timed<T>(work: () => Promise<T> | T): Promise<Seconds & { value: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const c = process.cpuUsage(c0);
  return { value, wallS: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6 };
}

async function main(): Promise<void> {
  const { loadExperimentConfig } = await import('../configs/load/experiment-config.js');
  const { planCells, ganLosses } = await import('../configs/experiment-plan.js');
  const { gansPerRepeat } = await import('../workflows/fold.js');
  const { readEmodbCorpus } = await import('../compute/corpus/emodb.js');
  const { buildFolds } = await import('../compute/folds/build-folds.js');
  const { STANDARD_FEATURE_SETS } = await import('../compute/features/opensmile.js');
  const { tf } = await import('../compute/tf.js');
  const { CycleGanTrainer } = await import('../compute/cyclegan/trainer.js');
  const { sourceFromTrainingFold } = await import('../compute/cyclegan/fold-data.js');
  const { discriminatorHiddenOf, parseGanSpec } = await import('../compute/cyclegan/gan-spec.js');
  const { qualityByClass } = await import('../compute/cyclegan/quality.js');
  const { deriveSeed, Rng } = await import('../compute/random.js');
  const { ganTrainingSeed } = await import('../compute/cyclegan/training-seed.js');

  const configFile = option('config', 'configs/table1.yaml');
  const withTorch = !process.argv.includes('--no-torch');
  if (withTorch) requireTorchPython();
  const { config, configDir } = loadExperimentConfig(configFile);
  // The config's gan block as the fold hands it to every training (the experiment schema parsed it).
  const spec = parseGanSpec(config.gan);
  if (spec.loss === 'wdiv' && spec.wdivSampling !== 'real-and-fake') {
    throw new Error(`gan.wdivSampling '${spec.wdivSampling}': the PyTorch reference takes the penalty at the real and fake points only`);
  }
  if (config.corpus.kind !== 'emodb') throw new Error(`${configFile}: the fold sizes come from an EMO-DB corpus, not '${config.corpus.kind}'`);
  const knownDim = config.features.extractor === 'opensmile' ? (STANDARD_FEATURE_SETS as Record<string, { dimension: number }>)[config.features.set]?.dimension : undefined;
  const dim = Number(option('dim', String(knownDim ?? '')));
  if (!(dim > 0)) throw new Error(`${configFile}: no known dimension for its feature set: pass --dim`);

  // The fold: its training rows, per class, from the corpus's file names and the protocol's folds.
  const classes: string[] = [...config.corpus.emotions];
  const entries = await readEmodbCorpus(resolve(configDir, config.corpus.path), { emotions: classes });
  const folds = buildFolds(entries.map((e) => ({ label: e.label, speaker: e.speaker })), config.protocol.folds, { seed: config.protocol.seed });
  const foldName = option('fold', folds[0]?.name ?? '');
  const fold = folds.find((f) => f.name === foldName);
  if (fold === undefined) throw new Error(`no fold '${foldName}' (folds: ${folds.map((f) => f.name).join(', ')})`);
  const labels = fold.trainIndices.map((i) => classes.indexOf((entries[i] as { label: string }).label));
  const rng = new Rng(deriveSeed(config.protocol.seed, 'bench', 'gan-fold'));
  const x = new Float32Array(labels.length * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const train = { rows: labels.length, cols: dim, x, y: Int32Array.from(labels), classes };
  const classRows = classes.map((_, c) => labels.filter((l) => l === c).length);

  // The trainings the fold schedules: per repeat, then per loss (or per loss when the repeats share them).
  const losses = ganLosses(planCells(config));
  const repeats: (number | undefined)[] = gansPerRepeat({ gan: config.gan }) ? [...Array(config.protocol.repeats).keys()] : [undefined];
  // One training per repeat and loss, or with --group one per loss over all repeats.
  const grouped = process.argv.includes('--group') && repeats.length > 1;
  const trainings: (number | undefined)[][] = grouped ? [repeats] : repeats.map((r) => [r]);
  const build = tensorflowBuild();
  const loadAtStart = loadavg();
  process.stderr.write(`${fold.name}: ${train.rows} training rows (${classes.map((c, i) => `${c} ${classRows[i]}`).join(', ')}), D = ${dim}; ` +
    `${losses.length * repeats.length} trainings\n`);

  const rows: Row[] = [];
  let torchInfo: Omit<TorchReport<TorchTraining>, 'results'> | undefined;
  for (const members of trainings) {
    for (const loss of losses) {
      const load0 = loadavg()[0] as number;
      const lossSpec = parseGanSpec({ ...config.gan, loss });
      // The GAN activity's seeds (activities/gan-activities.ts).
      const seeds = members.map((repeat) => ganTrainingSeed({ baseSeed: config.protocol.seed, foldName: fold.name, loss, ...(repeat === undefined ? {} : { repeat }) }));
      const seed = seeds[0] as number;
      const repeat = members.length > 1 ? 'all' : String(members[0] ?? '-');
      const data = { source: sourceFromTrainingFold(train), train };
      const onAdjustment = (a: { message: string }): void => { process.stderr.write(`${a.message}\n`); };
      const created = await timed(() => (members.length > 1 ? CycleGanTrainer.createGroup(lossSpec, data, { seeds, onAdjustment }) : CycleGanTrainer.create(lossSpec, data, { seed, onAdjustment })));
      const trainer = created.value;
      let row: Row;
      try {
        const pretrain = await timed(() => trainer.trainFold({ untilEpoch: lossSpec.pretrainEpochs }));
        const adversarial = await timed(() => trainer.trainFold());
        const checkpoint = await timed(() => seeds.forEach((_, m) => trainer.toCheckpoint(m)));
        const epochs = lossSpec.pretrainEpochs + lossSpec.epochs;
        const checkpoints = Math.floor(epochs / lossSpec.checkpointEvery) + (epochs % lossSpec.checkpointEvery === 0 ? 0 : 1);
        const quality = await timed(() => seeds.forEach((own, m) => qualityByClass(train, {
          generate: (c, count, s) => trainer.generate(c, count, s, m),
          classify: (x, rows) => trainer.classify(x, rows, m),
        }, own)));
        row = {
          loss, repeat, seed, create: { wallS: created.wallS, cpuS: created.cpuS },
          pretrain: { wallS: pretrain.wallS, cpuS: pretrain.cpuS }, adversarial: { wallS: adversarial.wallS, cpuS: adversarial.cpuS },
          training: { wallS: pretrain.wallS + adversarial.wallS, cpuS: pretrain.cpuS + adversarial.cpuS },
          checkpointsS: checkpoint.wallS * checkpoints, qualityS: quality.wallS, load: [load0, load0],
        };
        process.stderr.write(`${loss} repeat ${repeat}: create ${created.wallS.toFixed(1)} s, training ${row.training.wallS.toFixed(1)} s ` +
          `(batch ${trainer.batch}, ${trainer.iterationsPerEpoch} iterations per epoch)\n`);
        if (withTorch) {
          const { results, ...info } = runTorchReference<TorchTraining>('gan_iteration_torch_batched.py', [
            '--dims', String(dim), '--classes', String(trainer.targetClasses.length * members.length), '--loss', loss,
            '--discriminator', lossSpec.discriminator, '--hidden', lossSpec.hidden.join(','), '--patch-size', String(lossSpec.patchSize),
            '--discriminator-hidden', discriminatorHiddenOf(lossSpec).join(','), '--classifier-hidden', lossSpec.classifier.hidden.join(','),
            '--generator-steps', String(lossSpec.generatorStepsPerDiscriminatorStep),
            '--pretrain-iterations', String(trainer.iterationsPerEpoch * lossSpec.pretrainEpochs),
            '--adversarial-iterations', String(trainer.iterationsPerEpoch * lossSpec.epochs),
            '--batch', String(trainer.batch), '--source-rows', String(train.rows),
            '--target-rows', members.flatMap(() => trainer.targetClasses.map((k) => classRows[k])).join(','), '--seed', String(seed),
            // The work the tfjs trainer does: no critic weight gradients in the generator steps, one critic pass for the penalty.
            '--freeze-critics', '--one-pass-penalty',
          ]);
          torchInfo = info;
          row.torch = results[0];
          process.stderr.write(`  PyTorch batched: ${row.torch?.wallS.toFixed(1)} s\n`);
        }
      } finally {
        trainer.dispose();
      }
      row.load[1] = loadavg()[0] as number;
      rows.push(row);
    }
  }

  const sum = (f: (r: Row) => number): number => rows.reduce((a, r) => a + f(r), 0);
  const total: Row = {
    loss: 'total', repeat: '-', seed: 0,
    create: { wallS: sum((r) => r.create.wallS), cpuS: sum((r) => r.create.cpuS) },
    pretrain: { wallS: sum((r) => r.pretrain.wallS), cpuS: sum((r) => r.pretrain.cpuS) },
    adversarial: { wallS: sum((r) => r.adversarial.wallS), cpuS: sum((r) => r.adversarial.cpuS) },
    training: { wallS: sum((r) => r.training.wallS), cpuS: sum((r) => r.training.cpuS) },
    checkpointsS: sum((r) => r.checkpointsS), qualityS: sum((r) => r.qualityS),
    ...(withTorch ? {
      torch: {
        batch: rows[0]?.torch?.batch ?? 0, pretrainIterations: sum((r) => r.torch?.pretrainIterations ?? 0), adversarialIterations: sum((r) => r.torch?.adversarialIterations ?? 0),
        pretrainS: sum((r) => r.torch?.pretrainS ?? 0), adversarialS: sum((r) => r.torch?.adversarialS ?? 0), wallS: sum((r) => r.torch?.wallS ?? 0), cpuS: sum((r) => r.torch?.cpuS ?? 0),
      },
    } : {}),
    load: [rows[0]?.load[0] ?? 0, rows[rows.length - 1]?.load[1] ?? 0],
  };

  const header = ['loss', 'repeat', 'classifier s', 'tfjs pretrain s', 'tfjs adversarial s', 'tfjs training s', 'tfjs cpu s',
    'torch pretrain s', 'torch adversarial s', 'torch s', 'torch cpu s', 'tfjs/torch', 'cpu ratio', 'checkpoints s', 'quality s', 'load'];
  const ratio = (a: number, b: number | undefined): string => (b === undefined ? '-' : (a / b).toFixed(2));
  const lines = [...rows, total].map((r) => [
    r.loss, r.repeat, r.create.wallS.toFixed(1), r.pretrain.wallS.toFixed(1), r.adversarial.wallS.toFixed(1),
    r.training.wallS.toFixed(1), r.training.cpuS.toFixed(1),
    r.torch?.pretrainS.toFixed(1) ?? '-', r.torch?.adversarialS.toFixed(1) ?? '-', r.torch?.wallS.toFixed(1) ?? '-', r.torch?.cpuS.toFixed(1) ?? '-',
    ratio(r.training.wallS, r.torch?.wallS), ratio(r.training.cpuS, r.torch?.cpuS), r.checkpointsS.toFixed(2), r.qualityS.toFixed(2),
    `${r.load[0].toFixed(1)}-${r.load[1].toFixed(1)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  const cpu = cpuDescription();
  const first = rows[0];
  console.log(`CPU ${cpu.model}, ${cpu.logicalCpus} logical CPUs, vector extensions ${cpu.vectorExtensions.join(' ')}`);
  console.log(`TensorFlow (tfjs-node ${tf.version.tfjs}): oneDNN ${build.onednn}; XLA ${build.xla}; built without ${build.notCompiledFor}; ` +
    `threads intra-op ${build.intraOpThreads}, inter-op ${build.interOpThreads}`);
  if (torchInfo !== undefined) {
    console.log(`PyTorch ${torchInfo.torch}: torch.get_num_threads() ${torchInfo.threads}, CPU capability ${torchInfo.cpuCapability}, BLAS ${torchInfo.blas}, OMP_WAIT_POLICY ${torchWaitPolicy()}`);
  }
  console.log(`${configFile}: ${fold.name}, ${train.rows} training rows (${classes.map((c, i) => `${c} ${classRows[i]}`).join(', ')}), synthetic N(0, 1), D = ${dim}; ` +
    `gan: hidden ${spec.hidden.join('x')}, ${spec.discriminator} discriminator (patch ${spec.patchSize}, hidden ${discriminatorHiddenOf(spec).join('x')}), ` +
    `${spec.pretrainEpochs} pretrain + ${spec.epochs} adversarial epochs, batch ${spec.batchSize} (used: ${first?.torch?.batch ?? '-'}), ` +
    `${spec.generatorStepsPerDiscriminatorStep} generator steps per discriminator step; ${rows.length} trainings (losses ${losses.join(', ')}; repeats ${repeats.length}${grouped ? ', each loss\'s repeats as one group' : ''})`);
  console.log(`load average ${loadAtStart.map((v) => v.toFixed(1)).join(' ')} at the start, ${loadavg().map((v) => v.toFixed(1)).join(' ')} at the end; ` +
    'seconds are wall time; cpu = process CPU time, all threads; classifier = CycleGanTrainer.create (the auxiliary classifier\'s training and the initial weights), not in the ratio');
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));

  const outDir = join(__dirname, 'output');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `gan-fold-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({
    config: configFile, fold: fold.name, dim, trainRows: train.rows, classRows: Object.fromEntries(classes.map((c, i) => [c, classRows[i]])), spec,
    cpu, tensorflow: build, torch: torchInfo, torchWaitPolicy: torchWaitPolicy(), loadAverageAtStart: loadAtStart, loadAverage: loadavg(), rows, total,
  }, null, 2));
  console.log(`wrote ${file}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
