/**
 * Training of a fold's class GANs (one per emotion class, trained together). Resumable: every
 * checkpoint goes to the shared store, its key into the heartbeat details and a progress name,
 * so a retry on any worker continues from the latest good checkpoint. Losses go to a nested
 * MLflow run per (fold, loss) with epochs as steps.
 */
import { Context } from '@temporalio/activity';
import { parseGanSpec, type GanSpecInput } from '../compute/cyclegan/gan-spec';
import { classQuality, rowsOfClass } from '../compute/cyclegan/quality';
import { CycleGanTrainer, LOSS_NAMES, sourceFromTrainingFold, type EpochReport } from '../compute/cyclegan/trainer';
import { deriveSeed } from '../compute/random';
import type { MetricInput } from '../tracking/run-registry';
import { withFailureMapping } from './activity-failure';
import type { ActivityDeps } from './activity-deps';
import { loadFoldSets } from '../store/fold-store';
import { memoised, memoName } from './memo';

export interface TrainGansInput {
  featureKey: string;
  classes: string[];
  foldsKey: string;
  foldIndex: number;
  gan: GanSpecInput;
  seed: number;
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

interface ProgressDetails {
  epoch: number;
  checkpointKey?: string;
  losses?: Record<string, number>;
}

export function createGanActivities(deps: ActivityDeps) {
  return {
    async trainClassGans(input: TrainGansInput): Promise<TrainGansResult> {
      return withFailureMapping(async () => {
        const ctx = Context.current();
        const { experimentId, parentRunId, ...computeInputs } = input;
        const { inputHash } = memoName('gan', computeInputs);
        const spec = parseGanSpec(input.gan);
        const log = deps.logger.child({ activity: 'trainClassGans', fold: input.foldIndex, loss: spec.loss, attempt: ctx.info.attempt });
        const { run } = await deps.runs.ensureRun({
          // The training itself is shared (memoised) by every experiment with the same inputs; the
          // run that records it belongs to one experiment, so its key names the parent too.
          experimentId, parentRunId, key: `gan/${parentRunId}/${inputHash}`, name: `gan fold ${input.foldIndex} ${spec.loss}`,
          tags: { 'serflow.kind': 'gan' },
        });
        let resumedFromEpoch = 0;
        const memo = await memoised(deps.store, 'gan', computeInputs, async () => {
          const { fold, train } = await loadFoldSets(deps.store, input);
          await deps.runs.logParamsOnce(run.info.run_id, {
            fold: fold.name, loss: spec.loss, seed: String(input.seed), train_rows: String(train.rows),
            ...Object.fromEntries(Object.entries(spec).filter(([, v]) => typeof v !== 'object').map(([k, v]) => [`gan.${k}`, String(v)])),
          });
          const progressName = `gan-progress/${inputHash}`;
          let latestCheckpoint: string | undefined;
          const trainer = await restoreOrCreate();
          resumedFromEpoch = trainer.completedEpochs;
          if (resumedFromEpoch > 0) log.info({ epoch: resumedFromEpoch }, 'resuming GAN training from a checkpoint');
          const pending: MetricInput[] = [];
          let lastLosses: Record<string, number> = {};
          try {
            await trainer.trainFold({
              signal: ctx.cancellationSignal,
              onEpoch: (report: EpochReport) => {
                lastLosses = report.losses;
                for (const name of LOSS_NAMES) pending.push({ key: `loss/${name}`, value: report.losses[name], step: report.epoch });
                for (const [cls, losses] of Object.entries(report.classLosses)) {
                  for (const name of LOSS_NAMES) pending.push({ key: `${cls}/${name}`, value: losses[name], step: report.epoch });
                }
                ctx.heartbeat({ epoch: report.epoch, losses: report.losses, checkpointKey: latestCheckpoint } satisfies ProgressDetails);
              },
              onCheckpoint: async (checkpoint: Buffer, epoch: number) => {
                // The epochs' metrics go to MLflow before the checkpoint is published as latest: a
                // retry resumes after it and would never log them again (a kill in between used to
                // leave a hole of one checkpoint interval in the loss curves).
                await deps.runs.logMetricsOnce(run.info.run_id, pending.splice(0));
                const key = await deps.store.put(checkpoint, { label: `gan checkpoint epoch ${epoch}` });
                const previous = await deps.store.resolveName(`${progressName}/latest`);
                const older = await deps.store.resolveName(`${progressName}/previous`);
                if (previous) await deps.store.setName(`${progressName}/previous`, previous);
                await deps.store.setName(`${progressName}/latest`, key);
                // Two checkpoints are kept (the latest and one to fall back to): at D = 2185 each is ~0.5 GB.
                if (older && older !== previous && older !== key) await deps.store.remove(older);
                latestCheckpoint = key;
                ctx.heartbeat({ epoch, checkpointKey: key, losses: lastLosses } satisfies ProgressDetails);
              },
            });
            const ganKey = latestCheckpoint ?? (await deps.store.put(trainer.toCheckpoint()));
            await logQuality(trainer, train);
            return { ganKey, epochs: trainer.completedEpochs, finalLosses: lastLosses };
          } finally {
            trainer.dispose();
          }

          /**
           * Per class, how close G_i(S) is to the real class i: Fréchet distance, k-NN precision
           * and recall (coverage), and the frozen classifier's accuracy on synthetic vectors.
           */
          async function logQuality(trainer: CycleGanTrainer, real: typeof train): Promise<void> {
            const metrics: MetricInput[] = [];
            real.classes.forEach((name, c) => {
              const realRows = rowsOfClass(real, c);
              if (realRows.rows < 2) return;
              const synthetic = trainer.generate(c, realRows.rows, deriveSeed(input.seed, 'quality', name));
              const q = classQuality(realRows, synthetic, c, (x, rows) => trainer.classify(x, rows));
              metrics.push(
                { key: `quality/${name}/frechet_distance`, value: q.frechetDistance, step: 0 },
                { key: `quality/${name}/precision`, value: q.precision, step: 0 },
                { key: `quality/${name}/recall`, value: q.recall, step: 0 },
                { key: `quality/${name}/classifier_accuracy`, value: q.classifierAccuracy, step: 0 },
              );
            });
            await deps.runs.logMetricsOnce(run.info.run_id, metrics);
          }

          async function restoreOrCreate(): Promise<CycleGanTrainer> {
            // Heartbeats reach the server at most every 0.8 x heartbeat timeout, so the details
            // can point at a checkpoint several intervals older than the store's `latest` name:
            // resume from whichever usable candidate has the most completed epochs.
            const details = ctx.info.heartbeatDetails as ProgressDetails | undefined;
            const candidates = [details?.checkpointKey, await deps.store.resolveName(`${progressName}/latest`), await deps.store.resolveName(`${progressName}/previous`)];
            let best: { trainer: CycleGanTrainer; key: string } | undefined;
            for (const key of [...new Set(candidates)]) {
              if (!key) continue;
              try {
                const trainer = CycleGanTrainer.fromCheckpoint(await deps.store.get(key));
                if (best && best.trainer.completedEpochs >= trainer.completedEpochs) trainer.dispose();
                else {
                  best?.trainer.dispose();
                  best = { trainer, key };
                }
              } catch (err) {
                log.warn({ checkpointKey: key, err }, 'checkpoint unusable (corrupt or missing); trying an older one');
              }
            }
            if (best) {
              latestCheckpoint = best.key;
              return best.trainer;
            }
            return CycleGanTrainer.create(spec, { source: sourceFromTrainingFold(train), train }, {
              seed: deriveSeed(input.seed, 'gan', fold.name, spec.loss),
              onWarning: (message) => log.warn(message),
              signal: ctx.cancellationSignal,
            });
          }
        }, { references: (v) => [v.ganKey] });
        await deps.runs.setTags(run.info.run_id, {
          'serflow.memo_hit': String(memo.memoHit), 'serflow.resumed_from_epoch': String(resumedFromEpoch),
          'serflow.gan_key': memo.value.ganKey, 'serflow.fold_index': String(input.foldIndex), 'serflow.loss': spec.loss,
        });
        await deps.runs.finishRun(run.info.run_id);
        if (memo.memoHit) log.info({ ganKey: memo.value.ganKey }, 'GAN reused from the memo');
        return { ...memo.value, resumedFromEpoch, memoHit: memo.memoHit };
      });
    },
  };
}
