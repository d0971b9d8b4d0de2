/**
 * Training of a fold's class GANs (one per emotion class, trained together). Resumable: every
 * checkpoint goes to the shared store through the training's checkpoint slots
 * (store/checkpoint-slots.ts), its key into the heartbeat details, so a retry on any worker
 * continues from the latest good checkpoint. Losses go to a nested MLflow run per (fold, loss),
 * or per (fold, loss, repeat) when the repeats do not share GANs, with epochs as steps. An
 * adapter only: the training is compute/cyclegan, the slots are store/.
 */
import { Context } from '@temporalio/activity';
import { canonicalGanSpec, parseGanSpec, type GanSpecInput } from '../compute/cyclegan/gan-spec';
import { sourceFromTrainingFold } from '../compute/cyclegan/fold-data';
import { qualityByClass, type NamedClassQuality } from '../compute/cyclegan/quality';
import { CycleGanTrainer } from '../compute/cyclegan/trainer';
import { LOSS_NAMES, type EpochReport } from '../compute/cyclegan/training-report';
import { deriveSeed } from '../compute/random';
import type { MetricInput } from '../tracking/run-registry';
import { withFailureMapping } from './activity-failure';
import type { ActivityDeps } from './activity-deps';
import { CheckpointSlots } from '../store/checkpoint-slots';
import { loadFoldSets } from '../store/fold-store';
import { memoised, memoName } from './memo';
import type { GanHeartbeat } from './gan-heartbeat';

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
  /** MLflow: the experiment and the parent run the GAN run nests under. */
  experimentId: string;
  parentRunId: string;
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


export function createGanActivities(deps: ActivityDeps) {
  return {
    async trainClassGans(input: TrainGansInput): Promise<TrainGansResult> {
      return withFailureMapping(async () => {
        const ctx = Context.current();
        const { experimentId, parentRunId, ...rest } = input;
        // The spec as trainings are identified by it: a field added later at its old behaviour
        // (cycleLoss 'mean') or the repeats' sharing does not change the key of a training that
        // computes what it computed before (gan-spec.ts canonicalGanSpec).
        const computeInputs = { ...rest, gan: canonicalGanSpec(input.gan) };
        const { inputHash } = memoName('gan', computeInputs);
        const spec = parseGanSpec(input.gan);
        const repeat = input.repeat;
        const log = deps.logger.child({ activity: 'trainClassGans', fold: input.foldIndex, loss: spec.loss, ...(repeat === undefined ? {} : { repeat }), attempt: ctx.info.attempt });
        const { run } = await deps.runs.ensureRun({
          // The training itself is shared (memoised) by every experiment with the same inputs; the
          // run that records it belongs to one experiment, so its key names the parent too.
          experimentId, parentRunId, key: `gan/${parentRunId}/${inputHash}`,
          name: `gan fold ${input.foldIndex} ${spec.loss}${repeat === undefined ? '' : ` repeat ${repeat}`}`,
          tags: { 'serflow.kind': 'gan' },
        });
        let resumedFromEpoch = 0;
        const memo = await memoised(deps.store, 'gan', computeInputs, async () => {
          const { fold, train } = await loadFoldSets(deps.store, input);
          await deps.runs.logParamsOnce(run.info.run_id, {
            fold: fold.name, loss: spec.loss, seed: String(input.seed), train_rows: String(train.rows),
            ...(repeat === undefined ? {} : { repeat: String(repeat) }),
            ...Object.fromEntries(Object.entries(spec).filter(([, v]) => typeof v !== 'object').map(([k, v]) => [`gan.${k}`, String(v)])),
            // The fold decides the sharing, and the activity's spec does not carry it: whether a
            // repeat came with the input does.
            'gan.shareAcrossRepeats': String(repeat === undefined),
          });
          const slots = new CheckpointSlots(deps.store, `gan-progress/${inputHash}`, { logger: log });
          // The heartbeat's key may lag behind the slots (CheckpointSlots.restoreMostAdvanced says why).
          const heartbeat = ctx.info.heartbeatDetails as GanHeartbeat | undefined;
          const restored = await slots.restoreMostAdvanced({
            decode: (bytes) => CycleGanTrainer.fromCheckpoint(bytes),
            progress: (trainer) => trainer.completedEpochs,
            discard: (trainer) => trainer.dispose(),
          }, heartbeat?.checkpointKey);
          let latestCheckpoint = restored?.key;
          const trainer = restored?.restored ?? await CycleGanTrainer.create(spec, { source: sourceFromTrainingFold(train), train }, {
            // A shared GAN keeps the seed of every run before per-repeat GANs.
            seed: repeat === undefined ? deriveSeed(input.seed, 'gan', fold.name, spec.loss) : deriveSeed(input.seed, 'gan', fold.name, spec.loss, 'repeat', repeat),
            onWarning: (message) => log.warn(message),
            signal: ctx.cancellationSignal,
          });
          resumedFromEpoch = trainer.completedEpochs;
          if (resumedFromEpoch > 0) log.info({ epoch: resumedFromEpoch }, 'resuming GAN training from a checkpoint');
          const shown = { epochsTotal: spec.pretrainEpochs + spec.epochs, loss: spec.loss, ...(repeat === undefined ? {} : { repeat }) };
          const pending: MetricInput[] = [];
          let lastLosses: Record<string, number> = {};
          try {
            await trainer.trainFold({
              signal: ctx.cancellationSignal,
              onEpoch: (report: EpochReport) => {
                lastLosses = report.losses;
                pending.push(...lossMetrics(report));
                ctx.heartbeat({ ...shown, epoch: report.epoch, losses: report.losses, checkpointKey: latestCheckpoint } satisfies GanHeartbeat);
              },
              onCheckpoint: async (checkpoint: Buffer, epoch: number) => {
                // The epochs' metrics go to MLflow before the checkpoint is published as latest: a
                // retry resumes after it and would never log them again (a kill in between used to
                // leave a hole of one checkpoint interval in the loss curves).
                await deps.runs.logMetricsOnce(run.info.run_id, pending.splice(0));
                latestCheckpoint = await slots.publish(checkpoint, `gan checkpoint epoch ${epoch}`);
                ctx.heartbeat({ ...shown, epoch, checkpointKey: latestCheckpoint, losses: lastLosses } satisfies GanHeartbeat);
              },
            });
            const ganKey = latestCheckpoint ?? (await deps.store.put(trainer.toCheckpoint()));
            await deps.runs.logMetricsOnce(run.info.run_id, qualityMetrics(qualityByClass(train, trainer, input.seed)));
            return { ganKey, epochs: trainer.completedEpochs, finalLosses: lastLosses };
          } finally {
            trainer.dispose();
          }
        }, { references: (v) => [v.ganKey] });
        await deps.runs.setTags(run.info.run_id, {
          'serflow.memo_hit': String(memo.memoHit), 'serflow.resumed_from_epoch': String(resumedFromEpoch),
          'serflow.gan_key': memo.value.ganKey, 'serflow.fold_index': String(input.foldIndex), 'serflow.loss': spec.loss,
          ...(repeat === undefined ? {} : { 'serflow.repeat': String(repeat) }),
        });
        await deps.runs.finishRun(run.info.run_id);
        if (memo.memoHit) log.info({ ganKey: memo.value.ganKey }, 'GAN reused from the memo');
        return { ...memo.value, resumedFromEpoch, memoHit: memo.memoHit };
      });
    },
  };
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
