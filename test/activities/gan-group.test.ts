// trainClassGanGroup against a real MLflow server and a real store folder: the repeats of one fold
// and loss trained as one group give each repeat the checkpoint bytes, memo entry and MLflow run it
// gets from trainClassGans alone; a group whose members are done, half-way or not started
// (a training cancelled after epoch 2) trains only what is left and ends with the same bytes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createGanActivities, type TrainGansInput, type TrainGansResult } from '../../activities/gan-activities';
import { encodeFeatureMatrix } from '../../compute/features/matrix-codec';
import type { FeatureMatrix } from '../../compute/features/feature-matrix';
import { leaveOneSpeakerOut } from '../../compute/folds/leave-one-speaker-out';
import { Rng } from '../../compute/random';
import { installation } from '../../composition/runtime-deps';
import { logger } from '../../logging/logger';
import { storeFolds } from '../../store/fold-store';
import { LocalFolderStore } from '../../store/local-folder-store';
import { MlflowClient } from '../../tracking/mlflow-client';
import { RunRegistry } from '../../tracking/run-registry';
import { metricHistories, tag } from '../support/fault-kit';
import { trackingUri, uniqueName } from '../support/mlflow-test-env';

const CLASSES = ['anger', 'fear', 'sadness'];
const DIM = 10;
const EPOCHS = 1 + 3;

let tmp: string;
let mlflow: MlflowClient;
let runs: RunRegistry;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'serflow-gan-group-'));
  mlflow = new MlflowClient({ baseUrl: trackingUri(), retry: { totalTimeoutMs: 20_000 } });
  runs = new RunRegistry(mlflow);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function featureMatrix(): FeatureMatrix {
  const rng = new Rng(3);
  const meta: FeatureMatrix['meta'] = [];
  const values: number[] = [];
  for (const speaker of ['03', '08', '11']) {
    CLASSES.forEach((label, k) => {
      for (let i = 0; i < 8; i++) {
        meta.push({ file: `${speaker}a0${k}${label[0]}${i}.wav`, label, speaker });
        for (let d = 0; d < DIM; d++) values.push((d % CLASSES.length === k ? 1.5 : 0) + rng.normal() * 0.7);
      }
    });
  }
  return { rows: meta.length, cols: DIM, data: Float32Array.from(values), columns: Array.from({ length: DIM }, (_, d) => `f${d}`), meta };
}

/** A store of its own with the same features and folds, the GAN activities over it, and an MLflow parent run. */
async function world(name: string) {
  const store = new LocalFolderStore(join(tmp, name));
  const deps = { logger: logger.child({ test: 'gan-group' }), mlflow, runs, store, workDir: join(tmp, `${name}-work`), installation };
  const matrix = featureMatrix();
  const featureKey = await store.put(encodeFeatureMatrix(matrix));
  const foldsKey = await storeFolds(store, leaveOneSpeakerOut(matrix.meta));
  const experiment = await mlflow.ensureExperiment(uniqueName('serflow-gan-group'));
  const parent = await runs.ensureRun({ experimentId: experiment.experiment_id, key: `parent/${name}`, name: 'parent', tags: {} });
  const member = (repeat: number): TrainGansInput => ({
    featureKey, classes: CLASSES, foldsKey, foldIndex: 0, seed: 17, repeat,
    gan: { loss: 'wdiv', hidden: [12], discriminator: 'patch', patchSize: 4, discriminatorHidden: [6], pretrainEpochs: 1, epochs: 3, batchSize: 8, checkpointEvery: 1, classifier: { hidden: [6], epochs: 2 } },
    experimentId: experiment.experiment_id, parentRunId: parent.run.info.run_id,
  });
  return { gans: createGanActivities(deps), member, experimentId: experiment.experiment_id, parentRunId: parent.run.info.run_id };
}

/** trainClassGanGroup in a mock activity context of its own. */
function trainGroup(gans: ReturnType<typeof createGanActivities>, members: TrainGansInput[]): Promise<TrainGansResult[]> {
  return new MockActivityEnvironment().run(gans.trainClassGanGroup, { members }) as Promise<TrainGansResult[]>;
}

/** The three repeats trained one by one with trainClassGans, in a store of their own: the reference. */
let alone: TrainGansResult[];

test('a group gives every repeat the checkpoint, memo entry and MLflow run trainClassGans gives it alone', async () => {
  const ref = await world('alone');
  const env = new MockActivityEnvironment();
  alone = [];
  for (const r of [0, 1, 2]) alone.push(await env.run(ref.gans.trainClassGans, ref.member(r)));

  const w = await world('group');
  const group = await trainGroup(w.gans, [0, 1, 2].map(w.member));
  assert.deepEqual(group.map((g) => g.ganKey), alone.map((a) => a.ganKey), 'the same checkpoint bytes (content-addressed keys) per repeat');
  assert.deepEqual(group.map((g) => [g.epochs, g.memoHit, g.resumedFromEpoch]), [[EPOCHS, false, 0], [EPOCHS, false, 0], [EPOCHS, false, 0]]);
  assert.deepEqual(group.map((g) => g.finalLosses), alone.map((a) => a.finalLosses));

  const ganRuns = (await mlflow.searchAllRuns({ experimentIds: [w.experimentId] })).filter((r) => tag(r, 'serflow.kind') === 'gan');
  assert.deepEqual(ganRuns.map((r) => tag(r, 'serflow.repeat')).sort(), ['0', '1', '2'], 'one MLflow run per repeat');
  for (const run of ganRuns) {
    assert.equal(tag(run, 'serflow.gan_group'), '3');
    assert.equal(tag(run, 'serflow.gan_key'), group[Number(tag(run, 'serflow.repeat'))]?.ganKey);
    const histories = await metricHistories(mlflow, run);
    assert.equal(histories.get('loss/dT')?.length, EPOCHS, 'one loss point per epoch');
    assert.ok(histories.has('quality/anger/frechet_distance'), 'the quality of its own generators');
  }

  const again = await trainGroup(w.gans, [0, 1, 2].map(w.member));
  assert.deepEqual(again.map((g) => [g.ganKey, g.memoHit]), alone.map((a) => [a.ganKey, true]), 'a second call finds every repeat in the memo');
  const after = (await mlflow.searchAllRuns({ experimentIds: [w.experimentId] })).filter((r) => tag(r, 'serflow.kind') === 'gan');
  assert.equal(after.length, 3, 'and makes no new run');
});

test('a group of one done, one cancelled after epoch 2 and one new repeat trains what is left and ends with the bytes of the lone trainings', async () => {
  assert.ok(alone, 'runs after the first test');
  const w = await world('mixed');
  await new MockActivityEnvironment().run(w.gans.trainClassGans, w.member(0));
  const cancelled = new MockActivityEnvironment();
  cancelled.on('heartbeat', (d: { epoch?: number }) => { if ((d.epoch ?? 0) >= 2) cancelled.cancel(); });
  await assert.rejects(cancelled.run(w.gans.trainClassGans, w.member(1)));

  const group = await trainGroup(w.gans, [0, 1, 2].map(w.member));
  assert.deepEqual(group.map((g) => [g.memoHit, g.resumedFromEpoch]), [[true, 0], [false, 2], [false, 0]]);
  assert.deepEqual(group.map((g) => g.ganKey), alone.map((a) => a.ganKey), 'the same bytes as each repeat trained alone without interruption');
});

test('members of a group must be the repeats of one fold and loss', async () => {
  const w = await world('bad');
  const other = { ...w.member(1), gan: { ...w.member(1).gan, loss: 'ce' as const } };
  await assert.rejects(trainGroup(w.gans, [w.member(0), other]), /members\[1\].*same input but for its repeat/);
  await assert.rejects(trainGroup(w.gans, [w.member(0), w.member(0)]), /same repeat/);
});

test('a batch lowered to the smallest class is recorded once as a tag on the GAN runs and the parent run, not warned about', async () => {
  const w = await world('lowered');
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    // 16 rows per class in fold 0's training (two speakers x 8): a batch of 64 is lowered to 16.
    const members = [0, 1].map((r) => ({ ...w.member(r), gan: { ...w.member(r).gan, batchSize: 64 } }));
    await trainGroup(w.gans, members);
  } finally {
    process.off('warning', onWarning);
  }
  const expected = "cycle-GAN batch lowered from 64 to 16: class 'anger' has only 16 vectors";
  const parent = await mlflow.getRun(w.parentRunId);
  assert.equal(tag(parent, 'serflow.adjustment.gan-batch-64-to-16'), expected, 'the parent run carries the adjustment');
  assert.equal(parent.data.tags.filter((t) => t.key.startsWith('serflow.adjustment.')).length, 1, 'once, however many trainings met it');
  const ganRuns = (await mlflow.searchAllRuns({ experimentIds: [w.experimentId] })).filter((r) => tag(r, 'serflow.kind') === 'gan');
  assert.equal(ganRuns.length, 2);
  for (const run of ganRuns) assert.equal(tag(run, 'serflow.adjustment.gan-batch-64-to-16'), expected, 'each training\'s run too');
  assert.deepEqual(warnings, [], 'no process warning');
});
