/**
 * `serflow run --plan` as a person runs it (bin/serflow in a child process), with no stack: a
 * tiny config on the EMO-DB file names prints its plan as JSON and exits 0; a bad config exits 2
 * with the message `serflow run` gives; with a short calibration it prints an estimate.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { ExitCode } from '../../../cli/exit-codes';
import { emodbWav } from '../../support/emodb-subset';
import { useScratchFolder } from '../../support/scratch-folder';

const scratch = useScratchFolder('serflow-plan-command-');
const repo = resolve(__dirname, '..', '..', '..');
const noCorpus = existsSync(emodbWav) ? false : `no EMO-DB at ${emodbWav}`;

function serflow(args: string[], env: NodeJS.ProcessEnv = {}) {
  // No stack: Temporal and MLflow addresses nobody listens on.
  const res = spawnSync(join(repo, 'bin', 'serflow'), args, {
    env: { ...process.env, SERFLOW_STATE: join(scratch.path, 'state'), TEMPORAL_ADDRESS: '127.0.0.1:1', MLFLOW_TRACKING_URI: 'http://127.0.0.1:1', ...env },
    encoding: 'utf8', timeout: 180_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Two LOSO folds, 2 repeats, no augmentation and a cross-entropy cycle-GAN, the SVM's C selected by inner LOSO. */
function tinyConfig(name: string, edit: (c: { protocol: { repeats: number } }) => void = () => {}): string {
  const config = {
    name,
    corpus: { kind: 'emodb', path: emodbWav },
    features: { extractor: 'opensmile', set: 'eGeMAPSv02' },
    protocol: { folds: { kind: 'loso' }, repeats: 2, seed: 7, maxFolds: 2 },
    methods: ['none', { method: 'cyclegan', loss: 'ce' }],
    amounts: [1.0],
    classifiers: ['svm'],
    svm: { C: { select: [0.1, 1] } },
    gan: { hidden: [8], discriminator: 'mlp', discriminatorHidden: [8], pretrainEpochs: 1, epochs: 2, batchSize: 8, classifier: { hidden: [8], epochs: 1 } },
  };
  edit(config);
  const file = join(scratch.path, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

test('serflow run --plan --json --no-calibrate prints the plan of a tiny config and exits 0 without a stack', { skip: noCorpus }, () => {
  const res = serflow(['run', '--plan', tinyConfig('tiny-plan'), '--json', '--no-calibrate']);
  assert.equal(res.code, ExitCode.ok, res.stderr);
  const plan = JSON.parse(res.stdout) as {
    folds: number; cells: number; evaluations: number; dim: number; ganEpochs: number; estimate?: unknown;
    ganTrainings: { total: number; groupActivities: number };
    foldPlans: { models: unknown[] }[];
  };
  assert.equal(plan.folds, 2);
  assert.equal(plan.cells, 2);
  assert.equal(plan.evaluations, 2 * 2 * 2);
  assert.equal(plan.dim, 88);
  // Per fold: the refit's every-speaker set and the nine inner LOSO splits' sets, each for both repeats as one group.
  assert.equal(plan.ganTrainings.total, 2 * 10 * 2);
  assert.equal(plan.ganTrainings.groupActivities, 2 * 10);
  assert.equal(plan.ganEpochs, 40 * 3);
  assert.deepEqual(plan.foldPlans[0]?.models[0], { loss: 'ce', fitSpeakers: 'all', repeats: [0, 1], uses: 2 });
  assert.equal(plan.estimate, undefined);
});

test('serflow run --plan on a bad config exits 2 with the message serflow run gives', () => {
  const file = tinyConfig('tiny-bad', (c) => { c.protocol.repeats = 0; });
  const res = serflow(['run', '--plan', file, '--no-calibrate']);
  assert.equal(res.code, ExitCode.badInput);
  assert.match(res.stderr, /tiny-bad\.yaml: protocol\.repeats: Too small/);
  // `serflow run` refuses the config before it asks any server (the addresses above answer nobody).
  const run = serflow(['run', file]);
  assert.equal(run.code, ExitCode.badInput);
  assert.equal(run.stderr, res.stderr);
});

test('serflow run --plan with a short calibration prints an estimate, says it is one, and names the CPU', { skip: noCorpus }, () => {
  const res = serflow(['run', '--plan', tinyConfig('tiny-estimate'), '--calibrate-seconds', '2'], { SERFLOW_COMPUTE_WORKERS: '2' });
  assert.equal(res.code, ExitCode.ok, res.stderr);
  assert.match(res.stdout, /estimate {7}about .* wall time on 2 compute workers/);
  assert.match(res.stdout, /an estimate, from a \d+ s calibration \(CPU time\) on /);
  assert.match(res.stdout, /GAN iteration, group of 2, batch 8: \d+ ms/);
  assert.match(res.stdout, /SVM: the grid of 2 \d+ ms/);
});
