import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { InputError } from '../../foundation/errors';
import { MlflowClient } from '../../tracking/mlflow-client';
import { MlflowApiError, ParamConflictError } from '../../tracking/mlflow-errors';
import { DUPLICATE_OF_TAG, PARENT_RUN_TAG, RUN_KEY_TAG, RunRegistry } from '../../tracking/run-registry';
import { trackingUri, uniqueName } from '../support/mlflow-test-env';

const client = new MlflowClient({ baseUrl: trackingUri(), retry: { totalTimeoutMs: 10_000 } });
const registry = new RunRegistry(client);
let experimentId: string;

before(async () => {
  experimentId = (await client.ensureExperiment(uniqueName('registry-test'))).experiment_id;
});

const tag = (run: { data: { tags: { key: string; value: string }[] } }, key: string): string | undefined => run.data.tags.find((t) => t.key === key)?.value;

describe('ensureRun', () => {
  it('finds the run by its key instead of creating a second one', async () => {
    const key = uniqueName('fold-3');
    const first = await registry.ensureRun({ experimentId, key, name: 'fold 3', tags: { 'serflow.configHash': 'c1' } });
    const second = await registry.ensureRun({ experimentId, key, name: 'fold 3', tags: { 'serflow.configHash': 'c1' } });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.run.info.run_id, first.run.info.run_id);
    assert.equal((await client.findRunsByTag([experimentId], RUN_KEY_TAG, key)).length, 1);
    assert.equal(tag(first.run, RUN_KEY_TAG), key);
    assert.equal(first.run.info.run_name, 'fold 3');
  });

  it('concurrent attempts converge on one run; the others are deleted, so logging to them fails loudly', async () => {
    const key = uniqueName('race');
    const results = await Promise.all([1, 2, 3, 4].map(() => registry.ensureRun({ experimentId, key, name: 'race' })));
    // One more (sequential) call settles whatever the racers could not see of each other.
    const final = await registry.ensureRun({ experimentId, key, name: 'race' });
    const active = await client.findRunsByTag([experimentId], RUN_KEY_TAG, key);
    assert.deepEqual(active.map((r) => r.info.run_id), [final.run.info.run_id]);
    for (const r of results) {
      if (r.run.info.run_id === final.run.info.run_id) continue;
      const loser = await client.getRun(r.run.info.run_id);
      assert.equal(loser.info.lifecycle_stage, 'deleted');
      assert.equal(tag(loser, DUPLICATE_OF_TAG), final.run.info.run_id);
      await assert.rejects(client.logMetric(r.run.info.run_id, { key: 'x', value: 1, step: 0, timestamp: 1 }), MlflowApiError);
    }
  });

  it('two runs with one key (a create retried after its response was lost) are settled: the older stays', async () => {
    const key = uniqueName('dup');
    const older = await client.createRun({ experimentId, runName: 'dup', startTime: 1000, tags: { [RUN_KEY_TAG]: key } });
    const newer = await client.createRun({ experimentId, runName: 'dup', startTime: 2000, tags: { [RUN_KEY_TAG]: key } });
    const ensured = await registry.ensureRun({ experimentId, key, name: 'dup' });
    assert.equal(ensured.run.info.run_id, older.info.run_id);
    assert.equal(ensured.created, false);
    assert.equal((await client.getRun(newer.info.run_id)).info.lifecycle_stage, 'deleted');
    assert.deepEqual((await client.findRunsByTag([experimentId], RUN_KEY_TAG, key)).map((r) => r.info.run_id), [older.info.run_id]);
  });

  it('nests runs with mlflow.parentRunId, and refuses the same key under another parent', async () => {
    const parent = await registry.ensureRun({ experimentId, key: uniqueName('experiment'), name: 'experiment' });
    const key = uniqueName('child');
    const child = await registry.ensureRun({ experimentId, key, name: 'fold 0', parentRunId: parent.run.info.run_id });
    assert.equal(tag(child.run, PARENT_RUN_TAG), parent.run.info.run_id);
    assert.equal((await registry.ensureRun({ experimentId, key, name: 'fold 0', parentRunId: parent.run.info.run_id })).run.info.run_id, child.run.info.run_id);
    await assert.rejects(registry.ensureRun({ experimentId, key, name: 'fold 0' }), (err: unknown) => err instanceof InputError && /parent/.test(err.message));
  });

  it('reopens a run an earlier attempt marked FAILED and updates its tags', async () => {
    const key = uniqueName('resume');
    const first = await registry.ensureRun({ experimentId, key, name: 'resume', tags: { attempt: '1' } });
    await registry.finishRun(first.run.info.run_id, 'FAILED');
    const again = await registry.ensureRun({ experimentId, key, name: 'resume', tags: { attempt: '2' } });
    assert.equal(again.run.info.status, 'RUNNING');
    assert.equal(tag(again.run, 'attempt'), '2');
  });

  it('rejects a run key that MLflow search could not match safely', async () => {
    await assert.rejects(registry.ensureRun({ experimentId, key: "it's", name: 'x' }), InputError);
  });
});

describe('logParamsOnce', () => {
  it('skips params already logged with the same value; a different value names the param and logs nothing', async () => {
    const { run } = await registry.ensureRun({ experimentId, key: uniqueName('params'), name: 'params' });
    assert.deepEqual(await registry.logParamsOnce(run.info.run_id, { lr: '0.001', seed: '11' }), { logged: ['lr', 'seed'], skipped: [] });
    assert.deepEqual(await registry.logParamsOnce(run.info.run_id, { lr: '0.001', seed: '11', epochs: '50' }), { logged: ['epochs'], skipped: ['lr', 'seed'] });
    await assert.rejects(registry.logParamsOnce(run.info.run_id, { lr: '0.01', batch: '32' }), (err: unknown) => {
      assert.ok(err instanceof ParamConflictError);
      assert.deepEqual(err.details.conflicts.map((c) => c.key), ['lr']);
      assert.match(err.message, /lr/);
      return true;
    });
    const params = (await client.getRun(run.info.run_id)).data.params.map((p) => p.key).sort();
    assert.deepEqual(params, ['epochs', 'lr', 'seed']);
  });
});

describe('logMetricsOnce', () => {
  const epochs = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => [
      { key: 'loss', value: 1 / (from + i + 1), step: from + i },
      { key: 'uar', value: (from + i) / 100, step: from + i },
    ]).flat();

  it('logging the same metrics twice (fresh timestamps) adds no duplicate points', async () => {
    const { run } = await registry.ensureRun({ experimentId, key: uniqueName('metrics'), name: 'metrics' });
    const first = await registry.logMetricsOnce(run.info.run_id, epochs(20));
    assert.deepEqual(first, { logged: 40, skipped: 0, differing: [] });
    await new Promise((r) => setTimeout(r, 5)); // a retry happens later: its timestamps differ
    const second = await registry.logMetricsOnce(run.info.run_id, epochs(20));
    assert.deepEqual(second, { logged: 0, skipped: 40, differing: [] });
    assert.equal((await client.getMetricHistory(run.info.run_id, 'loss')).length, 20);
    assert.equal((await client.getMetricHistory(run.info.run_id, 'uar')).length, 20);
  });

  it('the server alone would duplicate them: same points, new timestamps, logged with the plain client', async () => {
    // The control for the test above: without the registry a retry does add points.
    const { run } = await registry.ensureRun({ experimentId, key: uniqueName('control'), name: 'control' });
    await client.logBatch(run.info.run_id, { metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 1000 }] });
    await client.logBatch(run.info.run_id, { metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 2000 }] });
    assert.equal((await client.getMetricHistory(run.info.run_id, 'loss')).length, 2);
  });

  it('a retry after a crash half-way through a log-batch logs only the missing points', async () => {
    const { run } = await registry.ensureRun({ experimentId, key: uniqueName('crashed'), name: 'crashed' });
    // What the crashed attempt got in before it died: the first chunk, steps 0..599 of loss only.
    const all = Array.from({ length: 1500 }, (_, step) => ({ key: 'loss', value: Math.sin(step), step }));
    await client.logBatch(run.info.run_id, { metrics: all.slice(0, 600).map((m) => ({ ...m, timestamp: 1_000 + m.step })) });
    const retry = await registry.logMetricsOnce(run.info.run_id, all);
    assert.deepEqual({ logged: retry.logged, skipped: retry.skipped }, { logged: 900, skipped: 600 });
    const history = await client.getMetricHistory(run.info.run_id, 'loss');
    assert.equal(history.length, 1500);
    assert.equal(new Set(history.map((m) => m.step)).size, 1500);
  });

  it('appending new epochs after earlier ones logs them all; NaN counts as the same value', async () => {
    const { run } = await registry.ensureRun({ experimentId, key: uniqueName('append'), name: 'append' });
    await registry.logMetricsOnce(run.info.run_id, [...epochs(5), { key: 'd_loss', value: Number.NaN, step: 0 }]);
    const next = await registry.logMetricsOnce(run.info.run_id, [...epochs(5, 5), { key: 'd_loss', value: Number.NaN, step: 0 }]);
    assert.deepEqual(next, { logged: 10, skipped: 1, differing: [] });
    assert.equal((await client.getMetricHistory(run.info.run_id, 'loss')).length, 10);
    assert.equal((await client.getMetricHistory(run.info.run_id, 'd_loss')).length, 1);
  });

  it('a step already logged with another value is kept and reported, not duplicated', async () => {
    const { run } = await registry.ensureRun({ experimentId, key: uniqueName('differ'), name: 'differ' });
    await registry.logMetricsOnce(run.info.run_id, [{ key: 'uar', value: 0.5, step: 3, timestamp: 10 }]);
    const again = await registry.logMetricsOnce(run.info.run_id, [{ key: 'uar', value: 0.51, step: 3 }]);
    assert.deepEqual(again, { logged: 0, skipped: 0, differing: [{ key: 'uar', step: 3, loggedValue: 0.5, newValue: 0.51 }] });
    const history = await client.getMetricHistory(run.info.run_id, 'uar');
    assert.deepEqual(history.map((m) => m.value), [0.5]);
  });

  it('refuses the same (key, step) twice in one call', async () => {
    const { run } = await registry.ensureRun({ experimentId, key: uniqueName('twice'), name: 'twice' });
    await assert.rejects(registry.logMetricsOnce(run.info.run_id, [{ key: 'a', value: 1, step: 0 }, { key: 'a', value: 2, step: 0 }]), InputError);
  });
});

describe('tags and artifacts', () => {
  it('sets only changed tags and overwrites an artifact on a second upload', async () => {
    const { run } = await registry.ensureRun({ experimentId, key: uniqueName('art'), name: 'art' });
    await registry.setTags(run.info.run_id, { 'git.commit': 'abc', 'serflow.configHash': 'h1' });
    await registry.setTags(run.info.run_id, { 'git.commit': 'abc', 'serflow.configHash': 'h2' });
    const tags = (await client.getRun(run.info.run_id)).data.tags;
    assert.equal(tags.find((t) => t.key === 'serflow.configHash')?.value, 'h2');
    await registry.logArtifact(run, 'confusion.json', Buffer.from('[1]'));
    await registry.logArtifact(run, 'confusion.json', Buffer.from('[2]'));
    assert.deepEqual((await client.listRunArtifacts(run)).map((f) => f.path), ['confusion.json']);
    assert.equal((await client.downloadRunArtifact(run, 'confusion.json')).toString(), '[2]');
  });
});
