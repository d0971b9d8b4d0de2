/**
 * The smoke activity: simple features of real EMO-DB audio, a tiny tfjs-node classifier, and
 * params, per-epoch metrics and an artifact in MLflow, idempotent under retries.
 */
import { heartbeat } from '@temporalio/activity';
import { readWav } from '../compute/audio/wav';
import { readEmodbCorpus } from '../compute/corpus/emodb';
import { frameEnergyFeatures, FRAME_ENERGY_FEATURE_NAMES } from '../compute/smoke/frame-energy-features';
import { trainSoftmaxClassifier } from '../compute/smoke/softmax-classifier';
import type { ActivityDeps } from './activity-deps';
import { TRAINING_EXPERIMENT_TAGS } from '../tracking/experiment-kind';

export interface SmokeTrainingInput {
  corpusDir: string;
  emotions: string[];
  /** Use the first N files (sorted by name); all when absent. */
  maxFiles?: number;
  epochs: number;
  hidden: number;
  learningRate: number;
  seed: number;
  experimentName: string;
  trackingKey: string;
}

export interface SmokeTrainingOutput {
  experimentId: string;
  runId: string;
  files: number;
  classes: string[];
  finalLoss: number;
  finalAccuracy: number;
}

export function createSmokeActivities(deps: ActivityDeps) {
  return {
    async trainSmokeModel(input: SmokeTrainingInput): Promise<SmokeTrainingOutput> {
      const entries = (await readEmodbCorpus(input.corpusDir, { emotions: input.emotions })).slice(0, input.maxFiles);
      const classes = [...new Set(entries.map((e) => e.label))].sort();
      const cols = FRAME_ENERGY_FEATURE_NAMES.length;
      const x = new Float32Array(entries.length * cols);
      const y = new Int32Array(entries.length);
      for (const [i, entry] of entries.entries()) {
        x.set(frameEnergyFeatures(await readWav(entry.path)), i * cols);
        y[i] = classes.indexOf(entry.label);
        if (i % 50 === 0) heartbeat({ filesRead: i });
      }
      const result = trainSoftmaxClassifier(x, entries.length, cols, y, classes.length, input);

      const experiment = await deps.mlflow.ensureExperiment(input.experimentName, { tags: TRAINING_EXPERIMENT_TAGS });
      const { run } = await deps.runs.ensureRun({
        experimentId: experiment.experiment_id,
        key: input.trackingKey,
        name: 'smoke',
        tags: { 'serflow.kind': 'smoke' },
      });
      const runId = run.info.run_id;
      await deps.runs.logParamsOnce(runId, {
        corpus: input.corpusDir, files: String(entries.length), classes: classes.join(','),
        features: FRAME_ENERGY_FEATURE_NAMES.join(','), epochs: String(input.epochs), hidden: String(input.hidden),
        learning_rate: String(input.learningRate), seed: String(input.seed),
      });
      await deps.runs.logMetricsOnce(
        runId,
        result.epochs.flatMap((e) => [
          { key: 'loss', value: e.loss, step: e.epoch },
          { key: 'train_accuracy', value: e.accuracy, step: e.epoch },
        ]),
      );
      await deps.runs.logArtifact(run, 'model/weights.json', Buffer.from(result.weightsJson));
      await deps.runs.finishRun(runId);
      const last = result.epochs[result.epochs.length - 1];
      deps.logger.info({ runId, accuracy: last?.accuracy }, 'smoke model trained');
      return {
        experimentId: experiment.experiment_id, runId, files: entries.length, classes,
        finalLoss: last?.loss ?? NaN, finalAccuracy: last?.accuracy ?? NaN,
      };
    },
  };
}

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
