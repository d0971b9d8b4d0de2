import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { InputError } from '../../foundation/errors';
import { MlflowClient } from '../../tracking/mlflow-client';
import { isMlflowNotFound, MlflowApiError, MlflowUnavailableError, ParamConflictError } from '../../tracking/mlflow-errors';
import { closedPort, startFlakyProxy, trackingUri, uniqueName } from '../support/mlflow-test-env';

const uri = trackingUri();
// A short budget: a test that should not retry must not hide behind two minutes of retries.
const client = new MlflowClient({ baseUrl: uri, retry: { totalTimeoutMs: 10_000 } });
let experimentId: string;

before(async () => {
  experimentId = (await client.ensureExperiment(uniqueName('client-test'))).experiment_id;
});

describe('experiments', () => {
  it('ensureExperiment is idempotent, also when called concurrently', async () => {
    const name = uniqueName('ensure');
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => client.ensureExperiment(name).then((e) => e.experiment_id)));
    assert.equal(new Set(ids).size, 1);
    assert.equal((await client.ensureExperiment(name)).experiment_id, ids[0]);
    assert.equal((await client.getExperimentByName(name))?.experiment_id, ids[0]);
    assert.equal(await client.getExperimentByName(uniqueName('never-made')), undefined);
  });
});

describe('runs', () => {
  it('creates, gets, updates and searches runs by tag', async () => {
    const key = uniqueName('k');
    const run = await client.createRun({ experimentId, runName: 'search-me', tags: { 'serflow.key': key, other: 'x' } });
    await client.createRun({ experimentId, runName: 'not-me', tags: { 'serflow.key': `${key}-other` } });
    const got = await client.getRun(run.info.run_id);
    assert.equal(got.info.run_name, 'search-me');
    assert.equal(got.data.tags.find((t) => t.key === 'other')?.value, 'x');
    const found = await client.findRunsByTag([experimentId], 'serflow.key', key);
    assert.deepEqual(found.map((r) => r.info.run_id), [run.info.run_id]);
    const info = await client.updateRun(run.info.run_id, { status: 'FINISHED', endTime: Date.now() });
    assert.equal(info.status, 'FINISHED');
    assert.equal((await client.getRun(run.info.run_id)).info.status, 'FINISHED');
  });

  it('a missing run is a 404 MlflowApiError at once (no retries)', async () => {
    const start = Date.now();
    await assert.rejects(client.getRun('0'.repeat(32)), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.ok(isMlflowNotFound(err));
      assert.equal(err.details.retryable, false);
      return true;
    });
    assert.ok(Date.now() - start < 2000);
  });
});

describe('params, metrics, tags', () => {
  it('logs a batch far over the per-request limits, split into requests within them, and everything arrives', async () => {
    // MLflow 3.17 does not enforce its documented 1 MB body limit (it checks len() of the parsed
    // dict), so the requests are checked on the way, through a recording proxy.
    const proxy = await startFlakyProxy(uri, () => undefined);
    const recorded = new MlflowClient({ baseUrl: proxy.url });
    const run = await client.createRun({ experimentId, runName: 'big-batch' });
    const metrics = [];
    for (const key of ['loss', 'acc', 'uar']) for (let step = 0; step < 1100; step++) metrics.push({ key, value: step / 7, step, timestamp: 1_700_000_000_000 + step });
    // 60 params of 6000 characters and 100 tags of 8000 fit the count limits of one request but are
    // 1.16 MB: over the 1 MB body limit. 250 params are over the 100-param limit.
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: (i >= 190 ? 'v'.repeat(6000) : `value ${i}`) }));
    const tags = Array.from({ length: 150 }, (_, i) => ({ key: `t${i}`, value: i < 100 ? 't'.repeat(8000) : `tag ${i}` }));
    try {
      await recorded.logBatch(run.info.run_id, { metrics, params, tags });
    } finally {
      await proxy.close();
    }
    const batches = proxy.requests.filter((r) => r.url.endsWith('/runs/log-batch'));
    assert.ok(batches.length >= 5, `${batches.length} requests`);
    for (const r of batches) {
      const body = JSON.parse(r.body.toString('utf8')) as { metrics: unknown[]; params: unknown[]; tags: unknown[] };
      assert.ok(r.body.length <= 1_000_000, `request of ${r.body.length} bytes`);
      assert.ok(body.metrics.length <= 1000 && body.params.length <= 100 && body.tags.length <= 100);
      assert.ok(body.metrics.length + body.params.length + body.tags.length <= 1000);
    }
    const data = (await client.getRun(run.info.run_id)).data;
    assert.equal(data.params.length, 250);
    assert.equal(data.params.find((p) => p.key === 'p197')?.value.length, 6000);
    assert.equal(data.tags.filter((t) => /^t\d+$/.test(t.key)).length, 150);
    const history = await client.getMetricHistory(run.info.run_id, 'uar');
    assert.equal(history.length, 1100);
    assert.deepEqual(new Set(history.map((m) => m.step)).size, 1100);
  });

  it('sends NaN and infinities as MLflow expects and reads NaN back', async () => {
    const run = await client.createRun({ experimentId, runName: 'nan' });
    await client.logMetric(run.info.run_id, { key: 'loss', value: Number.NaN, step: 0, timestamp: 1 });
    await client.logMetric(run.info.run_id, { key: 'loss', value: Infinity, step: 1, timestamp: 2 });
    const history = await client.getMetricHistory(run.info.run_id, 'loss');
    assert.equal(history.length, 2);
    assert.ok(Number.isNaN(history.find((m) => m.step === 0)?.value));
    assert.ok((history.find((m) => m.step === 1)?.value ?? 0) > 1e300);
  });

  it('logging a param again with the same value is fine; another value is a ParamConflictError naming it', async () => {
    const run = await client.createRun({ experimentId, runName: 'params' });
    await client.logParams(run.info.run_id, { lr: '0.001', seed: '7' });
    await client.logParam(run.info.run_id, 'lr', '0.001');
    await assert.rejects(client.logParam(run.info.run_id, 'lr', '0.01'), (err: unknown) => {
      assert.ok(err instanceof ParamConflictError, String(err));
      assert.deepEqual(err.details.conflicts, [{ key: 'lr', loggedValue: '0.001', newValue: '0.01' }]);
      assert.match(err.message, /lr \(logged "0.001", new "0.01"\)/);
      return true;
    });
  });

  it('rejects bad keys before sending anything', async () => {
    const run = await client.createRun({ experimentId, runName: 'keys' });
    for (const key of ['a..b', 'bad!key', '', 'k'.repeat(251), '/lead', 'a//b']) {
      await assert.rejects(client.logMetric(run.info.run_id, { key, value: 1, step: 0, timestamp: 1 }), InputError, `key ${JSON.stringify(key)}`);
    }
    await assert.rejects(client.logParam(run.info.run_id, 'ok', 'x'.repeat(6001)), InputError);
    // Allowed: letters, digits, _ - . / space and ':'.
    await client.logMetric(run.info.run_id, { key: 'fold 1/uar:test-set_v2.0', value: 1, step: 0, timestamp: 1 });
    assert.equal((await client.getRun(run.info.run_id)).data.metrics.length, 1);
  });

  it('sets and deletes tags', async () => {
    const run = await client.createRun({ experimentId, runName: 'tags' });
    await client.setTag(run.info.run_id, 'git.commit', 'abc123');
    await client.setTag(run.info.run_id, 'git.commit', 'def456');
    assert.equal((await client.getRun(run.info.run_id)).data.tags.find((t) => t.key === 'git.commit')?.value, 'def456');
    await client.deleteTag(run.info.run_id, 'git.commit');
    assert.equal((await client.getRun(run.info.run_id)).data.tags.find((t) => t.key === 'git.commit'), undefined);
  });
});

describe('artifacts through the proxy', () => {
  it('uploads (bytes and streams), lists, downloads, overwrites and deletes', async () => {
    const folder = uniqueName('client-artifacts');
    await client.uploadArtifact(`${folder}/a/one.bin`, Buffer.from([1, 2, 3]));
    await client.uploadArtifact(`${folder}/a/two words.txt`, () => Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    const listed = await client.listArtifacts(`${folder}/a`);
    assert.deepEqual(listed.map((f) => [f.path, f.is_dir, f.file_size]).sort(), [[`${folder}/a/one.bin`, false, 3], [`${folder}/a/two words.txt`, false, 11]]);
    assert.deepEqual(await client.listArtifacts(folder), [{ path: `${folder}/a`, is_dir: true }]);
    assert.equal((await client.downloadArtifact(`${folder}/a/two words.txt`)).toString(), 'hello world');
    await client.uploadArtifact(`${folder}/a/one.bin`, Buffer.from([9]));
    assert.deepEqual([...(await client.downloadArtifact(`${folder}/a/one.bin`))], [9]);
    await client.deleteArtifact(`${folder}/a/one.bin`);
    await assert.rejects(client.downloadArtifact(`${folder}/a/one.bin`), (e: unknown) => isMlflowNotFound(e));
    assert.deepEqual(await client.listArtifacts(uniqueName('nothing-here')), []);
    await assert.rejects(client.uploadArtifact('../escape', Buffer.from('x')), InputError);
  });

  it('reads and writes a run\'s artifacts under its artifact_uri', async () => {
    const run = await client.createRun({ experimentId, runName: 'run-artifacts' });
    assert.equal(client.runArtifactRoot(run), `${experimentId}/${run.info.run_id}/artifacts`);
    await client.uploadRunArtifact(run, 'report/table1.json', Buffer.from('{"uar":0.5}'));
    assert.deepEqual(await client.listRunArtifacts(run), [{ path: 'report', is_dir: true }]);
    assert.deepEqual((await client.listRunArtifacts(run, 'report')).map((f) => f.path), ['report/table1.json']);
    assert.equal((await client.downloadRunArtifact(run, 'report/table1.json')).toString(), '{"uar":0.5}');
  });
});

describe('retries and credentials', () => {
  const proxies: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const p of proxies) await p.close();
  });

  it('retries 503 and 429 (honouring Retry-After) and then succeeds', async () => {
    const proxy = await startFlakyProxy(uri, (n) =>
      n === 1 ? { status: 503 } : n === 2 ? { status: 429, headers: { 'retry-after': '1' } } : undefined,
    );
    proxies.push(proxy);
    const flaky = new MlflowClient({ baseUrl: proxy.url, retry: { initialDelayMs: 50, totalTimeoutMs: 10_000 } });
    const start = Date.now();
    const experiment = await flaky.getExperiment(experimentId);
    assert.equal(experiment.experiment_id, experimentId);
    assert.equal(proxy.requests.length, 3);
    assert.ok(Date.now() - start >= 1000, 'waited at least the Retry-After second');
  });

  it('does not retry a 4xx other than 429', async () => {
    const proxy = await startFlakyProxy(uri, () => ({ status: 400, body: JSON.stringify({ error_code: 'INVALID_PARAMETER_VALUE', message: 'nope' }) }));
    proxies.push(proxy);
    const flaky = new MlflowClient({ baseUrl: proxy.url, retry: { initialDelayMs: 50, totalTimeoutMs: 10_000 } });
    await assert.rejects(flaky.getExperiment(experimentId), (err: unknown) => err instanceof MlflowApiError && err.errorCode === 'INVALID_PARAMETER_VALUE');
    assert.equal(proxy.requests.length, 1);
  });

  it('rides out an outage: the server port is closed for 3 s, then comes up, and the call succeeds', async () => {
    const port = await closedPort();
    const patient = new MlflowClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { initialDelayMs: 100, maxDelayMs: 500, totalTimeoutMs: 20_000 } });
    const start = Date.now();
    const call = patient.getExperiment(experimentId);
    await new Promise((r) => setTimeout(r, 3000));
    const proxy = await startFlakyProxy(uri, () => undefined, port);
    proxies.push(proxy);
    assert.equal((await call).experiment_id, experimentId);
    assert.ok(Date.now() - start >= 3000);
  });

  it('gives up after the budget with MlflowUnavailableError that names the server without its credentials', async () => {
    const port = await closedPort();
    const down = new MlflowClient({ baseUrl: `http://alice:s3cret-pw@127.0.0.1:${port}`, retry: { initialDelayMs: 50, totalTimeoutMs: 1000 } });
    const start = Date.now();
    await assert.rejects(down.getRun('x'), (err: unknown) => {
      assert.ok(err instanceof MlflowUnavailableError, String(err));
      assert.ok(err.details.attempts > 1);
      assert.doesNotMatch(err.message + JSON.stringify(err.details) + (err.stack ?? ''), /s3cret|alice/);
      assert.match(err.message, new RegExp(`127.0.0.1:${port}`));
      return true;
    });
    assert.ok(Date.now() - start < 5000);
  });

  it('sends basic auth from the URL, and a bearer token from MLFLOW_TRACKING_TOKEN', async () => {
    const proxy = await startFlakyProxy(uri, () => undefined);
    proxies.push(proxy);
    await new MlflowClient({ baseUrl: proxy.url.replace('http://', 'http://alice:s3cret@') }).getExperiment(experimentId);
    assert.equal(proxy.requests[0]?.headers.authorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    process.env.MLFLOW_TRACKING_TOKEN = 'tok-123';
    try {
      await new MlflowClient({ baseUrl: proxy.url }).getExperiment(experimentId);
    } finally {
      delete process.env.MLFLOW_TRACKING_TOKEN;
    }
    assert.equal(proxy.requests[1]?.headers.authorization, 'Bearer tok-123');
  });
});
