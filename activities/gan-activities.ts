/**
 * Training of a fold's class GANs (one per emotion class, trained together), alone
 * (`trainClassGans`) or as a group: the repeats of one fold and loss, which differ only in their
 * seed, in one graph (`trainClassGanGroup`; compute/cyclegan/trainer.ts says how). Either way every
 * training keeps what it has alone: its memo entry, its checkpoint slots, its nested MLflow run
 * per (fold, loss) or (fold, loss, repeat) with epochs as steps, and its result bytes. A
 * training is fitted on one fit set (`fitSpeakers`: the outer-training rows of those speakers
 * only, compute/fold-models/fit-sets.ts), sources and auxiliary classifier included. Resumable:
 * every checkpoint goes to the shared store through the training's checkpoint slots
 * (store/checkpoint-slots.ts), its key into the heartbeat details, so a retry on any worker
 * continues from the latest good checkpoint. An adapter only: the training is compute/cyclegan,
 * the slots are store/.
 */
import { Context } from '@temporalio/activity';
import { canonicalGanSpec, parseGanSpec, type GanSpec, type GanSpecInput } from '../compute/cyclegan/gan-spec';
import { decodeTrainerCheckpoint } from '../compute/cyclegan/checkpoint-codec';
import { sourceFromTrainingFold } from '../compute/cyclegan/fold-data';
import { groupKeepsResults, type GroupShape } from '../compute/cyclegan/group-check';
import { qualityByClass, type NamedClassQuality } from '../compute/cyclegan/quality';
import { CycleGanTrainer, type TrainingAdjustment } from '../compute/cyclegan/trainer';
import { ganTrainingSeed } from '../compute/cyclegan/training-seed';
import { LOSS_NAMES, type EpochReport } from '../compute/cyclegan/training-report';
import { fitSetName, fitSetRows } from '../compute/fold-models/fit-sets';
import { selectRows, type LabelledSet } from '../compute/labelled-set';
import { InputError } from '../foundation/errors';
import type { Logger } from '../logging/logger';
import { ADJUSTMENT_TAG_PREFIX } from '../tracking/mlflow-keys';
import type { MetricInput } from '../tracking/run-registry';
import { withFailureMapping } from './activity-failure';
import type { ActivityDeps } from './activity-deps';
import { CheckpointSlots } from '../store/checkpoint-slots';
import { loadFoldSets } from '../store/fold-store';
import { memoLookup, memoName, memoStore } from './memo';
import { ganGroupHeartbeatSchema, ganHeartbeatSchema, type GanGroupHeartbeat, type GanHeartbeat } from './gan-heartbeat';

export interface TrainGansInput {
  featureKey: string;
  classes: string[];
  foldsKey: string;
  foldIndex: number;
  gan: GanSpecInput;
  seed: number;
  /**
   * The repeat this training serves when every repeat has its own GANs (gan.shareAcrossRepeats
   * false); it goes into the training's seed, memo key and MLflow run. Absent for GANs shared
   * by every repeat: their input, seed and memo key are those of every run before per-repeat GANs.
   */
  repeat?: number;
  /**
   * The fit set: the outer-training speakers whose rows the GANs are fitted on and draw sources
   * from (sorted). Absent: every outer-training speaker, with the input, seed and memo key of
   * every training before fit sets.
   */
  fitSpeakers?: string[];
  /** MLflow: the experiment and the parent run the GAN run nests under. */
  experimentId: string;
  parentRunId: string;
}

/** Trainings that differ only in `repeat`: the repeats of one fold and loss. */
export interface TrainGanGroupInput {
  members: TrainGansInput[];
}

export interface TrainGansResult {
  /** The final checkpoint: every class's generators, ready to generate. */
  ganKey: string;
  epochs: number;
  finalLosses: Record<string, number>;
  /** Epoch the training resumed from (0 = from scratch), for the record of this attempt. */
  resumedFromEpoch: number;
  memoHit: boolean;
}

/** What the memo stores for a training. */
type TrainedGan = Omit<TrainGansResult, 'resumedFromEpoch' | 'memoHit'>;

/** One training of a call: who it is, where it reports, and where it got to. */
interface Training {
  input: TrainGansInput;
  spec: GanSpec;
  /** The memo's inputs: the spec as trainings are identified by it (gan-spec.ts canonicalGanSpec). */
  computeInputs: Omit<TrainGansInput, 'experimentId' | 'parentRunId'>;
  inputHash: string;
  runId: string;
  log: Logger;
  seed?: number;
  slots?: CheckpointSlots;
  latestCheckpoint?: string;
  resumedFromEpoch: number;
  /** Epoch metrics not yet in MLflow: they go there before the checkpoint that covers them. */
  pending: MetricInput[];
  lastLosses: Record<string, number>;
  epoch: number;
  result?: TrainedGan;
  memoHit: boolean;
}

export function createGanActivities(deps: ActivityDeps) {
  return {
    async trainClassGans(input: TrainGansInput): Promise<TrainGansResult> {
      return withFailureMapping(async () => (await trainGans(deps, [input]))[0] as TrainGansResult);
    },
    /** The results in the members' order, each what trainClassGans returns for it. */
    async trainClassGanGroup(input: TrainGanGroupInput): Promise<TrainGansResult[]> {
      return withFailureMapping(async () => trainGans(deps, input.members));
    },
  };
}

async function trainGans(deps: ActivityDeps, inputs: TrainGansInput[]): Promise<TrainGansResult[]> {
  checkGroup(inputs);
  const ctx = Context.current();
  const trainings = await Promise.all(inputs.map((input) => openTraining(deps, input, ctx.info.attempt)));
  const todo = trainings.filter((t) => t.result === undefined);
  if (todo.length > 0) await trainTogether(deps, todo);
  for (const t of trainings) {
    const result = t.result as TrainedGan;
    const repeat = t.input.repeat;
    await deps.runs.setTags(t.runId, {
      'serflow.memo_hit': String(t.memoHit), 'serflow.resumed_from_epoch': String(t.resumedFromEpoch),
      'serflow.gan_key': result.ganKey, 'serflow.fold_index': String(t.input.foldIndex), 'serflow.loss': t.spec.loss,
      ...(repeat === undefined ? {} : { 'serflow.repeat': String(repeat) }),
      ...(inputs.length > 1 ? { 'serflow.gan_group': String(inputs.length) } : {}),
      'serflow.fit_speakers': t.input.fitSpeakers ? fitSetName(t.input.fitSpeakers) : 'all',
    });
    await deps.runs.finishRun(t.runId);
    if (t.memoHit) t.log.info({ ganKey: result.ganKey }, 'GAN reused from the memo');
  }
  return trainings.map((t) => ({ ...(t.result as TrainedGan), resumedFromEpoch: t.resumedFromEpoch, memoHit: t.memoHit }));
}

/** A group must be one fold's repeats of one loss: the same input but for `repeat` (and its run). */
function checkGroup(inputs: TrainGansInput[]): void {
  const first = inputs[0];
  if (first === undefined) throw new InputError({ field: 'members', reason: 'a GAN group needs at least one training', fix: 'pass one input per repeat' });
  const shared = ({ repeat: _r, ...rest }: TrainGansInput): string => JSON.stringify({ ...rest, gan: canonicalGanSpec(rest.gan) });
  inputs.forEach((input, i) => {
    if (shared(input) !== shared(first)) {
      throw new InputError({ field: `members[${i}]`, reason: 'a GAN group trains the repeats of one fold and loss: every member must have the same input but for its repeat', fix: 'start one group per fold and loss' });
    }
  });
  const repeats = inputs.map((i) => i.repeat);
  if (new Set(repeats).size !== repeats.length) throw new InputError({ field: 'members', reason: 'two members with the same repeat', actual: repeats });
}

/** The training's MLflow run, and its memo entry if it is done already. */
async function openTraining(deps: ActivityDeps, input: TrainGansInput, attempt: number): Promise<Training> {
  const { experimentId, parentRunId, ...rest } = input;
  // The spec as trainings are identified by it: a field added later at its old behaviour
  // (cycleLoss 'mean') or the repeats' sharing does not change the key of a training that
  // computes what it computed before (gan-spec.ts canonicalGanSpec).
  const computeInputs = { ...rest, gan: canonicalGanSpec(input.gan) };
  const { inputHash } = memoName('gan', computeInputs);
  const spec = parseGanSpec(input.gan);
  const repeat = input.repeat;
  const log = deps.logger.child({ activity: 'trainClassGans', fold: input.foldIndex, loss: spec.loss, ...(repeat === undefined ? {} : { repeat }), attempt });
  const { run } = await deps.runs.ensureRun({
    // The training itself is shared (memoised) by every experiment with the same inputs; the
    // run that records it belongs to one experiment, so its key names the parent too.
    experimentId, parentRunId, key: `gan/${parentRunId}/${inputHash}`,
    name: `gan fold ${input.foldIndex} ${spec.loss}${repeat === undefined ? '' : ` repeat ${repeat}`}${input.fitSpeakers ? ` fit ${fitSetName(input.fitSpeakers)}` : ''}`,
    tags: { 'serflow.kind': 'gan' },
  });
  const hit = await memoLookup<TrainedGan>(deps.store, 'gan', computeInputs, { references: (v) => [v.ganKey] });
  return {
    input, spec, computeInputs, inputHash, runId: run.info.run_id, log, resumedFromEpoch: 0, pending: [], lastLosses: {}, epoch: 0,
    memoHit: hit !== undefined, ...(hit === undefined ? {} : { result: hit.value }),
  };
}

/**
 * Trains the trainings that are not done, from their most advanced checkpoints: those behind
 * the most advanced one first alone up to it, then all of them in one group trainer if this
 * machine's kernels give a group's members the bytes they get alone (group-check.ts), else one
 * after the other. Either way each ends with the bytes it has trained alone.
 */
async function trainTogether(deps: ActivityDeps, todo: Training[]): Promise<void> {
  const ctx = Context.current();
  const first = todo[0] as Training;
  const sets = await loadFoldSets(deps.store, first.input);
  const fold = sets.fold;
  // The fit set's rows only: targets, sources and the auxiliary classifier's training set.
  const train = first.input.fitSpeakers ? selectRows(sets.train, fitSetRows(sets.trainSpeakers, first.input.fitSpeakers)) : sets.train;
  const heartbeatKeys = heartbeatCheckpointKeys(ctx.info.heartbeatDetails);
  const states: (Buffer | undefined)[] = [];
  for (const t of todo) {
    const repeat = t.input.repeat;
    await deps.runs.logParamsOnce(t.runId, {
      fold: fold.name, loss: t.spec.loss, seed: String(t.input.seed), train_rows: String(train.rows),
      ...(repeat === undefined ? {} : { repeat: String(repeat) }),
      fit_speakers: t.input.fitSpeakers ? fitSetName(t.input.fitSpeakers) : 'all',
      ...Object.fromEntries(Object.entries(t.spec).filter(([, v]) => typeof v !== 'object').map(([k, v]) => [`gan.${k}`, String(v)])),
      // The fold decides the sharing, and the activity's spec does not carry it: whether a
      // repeat came with the input does.
      'gan.shareAcrossRepeats': String(repeat === undefined),
    });
    t.seed = ganTrainingSeed({
      baseSeed: t.input.seed, foldName: fold.name, loss: t.spec.loss,
      ...(t.input.repeat === undefined ? {} : { repeat: t.input.repeat }), ...(t.input.fitSpeakers ? { fitSpeakers: t.input.fitSpeakers } : {}),
    });
    t.slots = new CheckpointSlots(deps.store, `gan-progress/${t.inputHash}`, { logger: t.log });
    // The heartbeat's key may lag behind the slots (CheckpointSlots.restoreMostAdvanced says why).
    const restored = await t.slots.restoreMostAdvanced({
      decode: (bytes) => ({ bytes, epoch: decodeTrainerCheckpoint(bytes).counters.epoch }),
      progress: (r) => r.epoch,
      discard: () => undefined,
    }, heartbeatKeys.get(t.input.repeat ?? -1));
    t.latestCheckpoint = restored?.key;
    t.resumedFromEpoch = t.epoch = restored?.restored.epoch ?? 0;
    if (t.resumedFromEpoch > 0) t.log.info({ epoch: t.resumedFromEpoch }, 'resuming GAN training from a checkpoint');
    states.push(restored?.restored.bytes);
  }

  const data = { source: sourceFromTrainingFold(train), train };
  const fresh = todo.flatMap((t, i) => (states[i] === undefined ? [i] : []));
  const lead = Math.max(...todo.map((t) => t.epoch));
  const spec = first.spec;
  const adjustments: TrainingAdjustment[] = [];
  const options = { onAdjustment: (a: TrainingAdjustment) => adjustments.push(a), signal: ctx.cancellationSignal };
  if (fresh.length === todo.length) {
    // All from scratch: the common case, one group trainer from the start.
    const group = await CycleGanTrainer.createGroup(spec, data, { ...options, seeds: todo.map((t) => t.seed as number) });
    await recordAdjustments(deps, todo, adjustments.splice(0));
    const keeps = todo.length === 1 || await checkGroupBeating(todo, { spec, dim: train.cols, classes: group.targetClasses.length, batch: group.batch, members: todo.length });
    if (keeps) return trainToEnd(deps, group, todo, train);
    fresh.forEach((i, j) => { states[i] = group.toCheckpoint(j); });
    group.dispose();
  } else if (fresh.length > 0) {
    const group = await CycleGanTrainer.createGroup(spec, data, { ...options, seeds: fresh.map((i) => todo[i]?.seed as number) });
    await recordAdjustments(deps, todo, adjustments.splice(0));
    fresh.forEach((i, j) => { states[i] = group.toCheckpoint(j); });
    group.dispose();
  }
  // Those behind catch up alone; then the group, or one by one.
  for (const [i, t] of todo.entries()) {
    if (t.epoch >= lead) continue;
    const alone = CycleGanTrainer.fromCheckpoint(states[i] as Buffer);
    try {
      await trainEpochs(deps, alone, [t], lead);
      states[i] = alone.toCheckpoint();
    } finally {
      alone.dispose();
    }
  }
  if (todo.length > 1) {
    const { targetClasses, batch } = decodeTrainerCheckpoint(states[0] as Buffer);
    if (await checkGroupBeating(todo, { spec, dim: train.cols, classes: targetClasses.length, batch, members: todo.length })) {
      return trainToEnd(deps, CycleGanTrainer.fromCheckpoints(states as Buffer[]), todo, train);
    }
  }
  for (const [i, t] of todo.entries()) await trainToEnd(deps, CycleGanTrainer.fromCheckpoint(states[i] as Buffer), [t], train);
}

/**
 * An expected adjustment (the batch lowered to the smallest class) is a fact of the run, not a
 * warning: one tag per kind on each training's run and on the experiment's parent run, where
 * `serflow report` lists them. Recorded as the trainer is created, before the long training, so a
 * kill during it loses nothing; trainings that meet the same adjustment set the same tag.
 */
async function recordAdjustments(deps: ActivityDeps, todo: Training[], adjustments: readonly TrainingAdjustment[]): Promise<void> {
  if (adjustments.length === 0) return;
  const tags = Object.fromEntries(adjustments.map((a) => [`${ADJUSTMENT_TAG_PREFIX}${a.key}`, a.message]));
  const first = todo[0] as Training;
  first.log.info({ adjustments: adjustments.map((a) => a.message) }, 'GAN training adjusted');
  for (const t of todo) await deps.runs.setTags(t.runId, tags);
  await deps.runs.setTags(first.input.parentRunId, tags);
}

/** Trains to the last epoch, stores each member's result and quality, and disposes the trainer. */
async function trainToEnd(deps: ActivityDeps, trainer: CycleGanTrainer, members: Training[], train: LabelledSet): Promise<void> {
  try {
    await trainEpochs(deps, trainer, members);
    for (const [m, t] of members.entries()) {
      const ganKey = t.latestCheckpoint ?? (await deps.store.put(trainer.toCheckpoint(m)));
      const own = { generate: (c: number, n: number, seed: number) => trainer.generate(c, n, seed, m), classify: (x: Float32Array, rows: number) => trainer.classify(x, rows, m) };
      await deps.runs.logMetricsOnce(t.runId, qualityMetrics(qualityByClass(train, own, t.input.seed)));
      t.result = (await memoStore<TrainedGan>(deps.store, 'gan', t.computeInputs, { ganKey, epochs: trainer.completedEpochs, finalLosses: t.lastLosses })).value;
    }
  } finally {
    trainer.dispose();
  }
}

/** Heartbeats where the trainings are, one GanHeartbeat for a lone training (as before groups), `{ members }` for a group. */
function beat(members: Training[]): void {
  const details = members.map((t): GanHeartbeat => ({
    epoch: t.epoch, epochsTotal: t.spec.pretrainEpochs + t.spec.epochs, loss: t.spec.loss, ...(t.input.repeat === undefined ? {} : { repeat: t.input.repeat }),
    ...(t.latestCheckpoint === undefined ? {} : { checkpointKey: t.latestCheckpoint }), losses: t.lastLosses,
  }));
  Context.current().heartbeat(details.length === 1 ? details[0] : ({ members: details } satisfies GanGroupHeartbeat));
}

/**
 * groupKeepsResults, heartbeating meanwhile: the check trains throwaway GANs for up to half a
 * minute at the paper's shapes, longer under load, and a silent activity is taken for a dead one.
 */
async function checkGroupBeating(members: Training[], shape: GroupShape): Promise<boolean> {
  const timer = setInterval(() => beat(members), 5_000);
  try {
    const keeps = await groupKeepsResults(shape);
    // Said once per group: whether the speed-up applies on this machine is otherwise invisible.
    const log = (members[0] as Training).log;
    const where = { members: members.length, batch: shape.batch, dim: shape.dim };
    if (keeps) log.info(where, 'GAN group trains together (the group check found each member keeps the bytes it gets alone)');
    else log.info(where, 'GAN group trains one by one: on this machine the kernels give a group member other bytes than alone (compute/cyclegan/group-check.ts)');
    return keeps;
  } finally {
    clearInterval(timer);
  }
}

/** trainFold with every member's epochs logged and checkpoints published; `untilEpoch` as there. */
async function trainEpochs(deps: ActivityDeps, trainer: CycleGanTrainer, members: Training[], untilEpoch?: number): Promise<void> {
  const ctx = Context.current();
  await trainer.trainFold({
    signal: ctx.cancellationSignal,
    ...(untilEpoch === undefined ? {} : { untilEpoch }),
    onEpoch: (report: EpochReport, m: number) => {
      const t = members[m] as Training;
      t.lastLosses = report.losses;
      t.epoch = report.epoch;
      t.pending.push(...lossMetrics(report));
      if (m === members.length - 1) beat(members);
    },
    onCheckpoint: async (checkpoint: Buffer, epoch: number, m: number) => {
      const t = members[m] as Training;
      // The epochs' metrics go to MLflow before the checkpoint is published as latest: a
      // retry resumes after it and would never log them again (a kill in between used to
      // leave a hole of one checkpoint interval in the loss curves).
      await deps.runs.logMetricsOnce(t.runId, t.pending.splice(0));
      t.latestCheckpoint = await (t.slots as CheckpointSlots).publish(checkpoint, `gan checkpoint epoch ${epoch}`);
      if (m === members.length - 1) beat(members);
    },
  });
}

/** The checkpoint keys of the last attempt's heartbeat, by repeat (-1 for a shared GAN). */
function heartbeatCheckpointKeys(details: unknown): Map<number, string> {
  const keys = new Map<number, string>();
  const group = ganGroupHeartbeatSchema.safeParse(details);
  const single = ganHeartbeatSchema.safeParse(details);
  const beats = group.success ? group.data.members : single.success ? [single.data] : [];
  for (const b of beats) if (b.checkpointKey !== undefined) keys.set(b.repeat ?? -1, b.checkpointKey);
  return keys;
}

/** An epoch's losses as MLflow metrics: `loss/<term>` (mean over classes) and `<class>/<term>`, step = epoch. */
function lossMetrics(report: EpochReport): MetricInput[] {
  const metrics: MetricInput[] = LOSS_NAMES.map((name) => ({ key: `loss/${name}`, value: report.losses[name], step: report.epoch }));
  for (const [cls, losses] of Object.entries(report.classLosses)) {
    for (const name of LOSS_NAMES) metrics.push({ key: `${cls}/${name}`, value: losses[name], step: report.epoch });
  }
  return metrics;
}

/** Per class: Fréchet distance, k-NN precision and recall, the frozen classifier's accuracy on synthetic vectors. */
function qualityMetrics(quality: NamedClassQuality[]): MetricInput[] {
  return quality.flatMap(({ className, quality: q }) => [
    { key: `quality/${className}/frechet_distance`, value: q.frechetDistance, step: 0 },
    { key: `quality/${className}/precision`, value: q.precision, step: 0 },
    { key: `quality/${className}/recall`, value: q.recall, step: 0 },
    { key: `quality/${className}/classifier_accuracy`, value: q.classifierAccuracy, step: 0 },
  ]);
}
