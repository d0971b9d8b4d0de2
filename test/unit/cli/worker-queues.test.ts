/**
 * The three task queues (issue 31, "The corpus"): feature extraction has a queue of its own, so
 * that a machine without the corpus folder (`serflow worker --queues compute`) never takes one;
 * a temporal.yaml written before it gets `<compute>-extraction`; store routing qualifies it as
 * the other two.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQueues } from '../../../cli/commands/worker-command';
import { routedByStore, splitQueue } from '../../../composition/store-routing';
import { stackSettingsSchema } from '../../../configs/schema/stack-settings';
import { activityOptions } from '../../../workflows/activity-options';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 };
const raw = (taskQueues: Record<string, string>) => ({
  temporal: {
    address: '127.0.0.1:7233', namespace: 'default', taskQueues,
    devServer: { ip: '127.0.0.1', port: 7233, uiPort: 8233, dbFile: 'temporal/temporal.db' },
    activities: { short: { startToCloseTimeout: '1m', retry }, compute: { startToCloseTimeout: '30m', heartbeatTimeout: '20s', retry } },
  },
  mlflow: { trackingUri: 'http://127.0.0.1:5000', server: { host: '127.0.0.1', port: 5000, backendStore: 'mlflow/mlflow.db', artifactsDestination: 'mlflow/artifacts' } },
});

test('serflow worker polls all three queues by default; --queues compute leaves out extraction', () => {
  assert.deepEqual(parseQueues(undefined), { orchestration: true, compute: true, extraction: true });
  assert.deepEqual(parseQueues('compute'), { orchestration: false, compute: true, extraction: false });
  assert.deepEqual(parseQueues('compute, extraction'), { orchestration: false, compute: true, extraction: true });
  assert.deepEqual(parseQueues('orchestration'), { orchestration: true, compute: false, extraction: false });
  assert.throws(() => parseQueues('compute,features'), /unknown queue\(s\) features\. Fix: use orchestration, compute, extraction/);
});

test('a temporal.yaml without an extraction queue gets <compute>-extraction; one that names it keeps it', () => {
  assert.deepEqual(stackSettingsSchema.parse(raw({ orchestration: 'serflow', compute: 'serflow-compute' })).temporal.taskQueues,
    { orchestration: 'serflow', compute: 'serflow-compute', extraction: 'serflow-compute-extraction' });
  assert.equal(stackSettingsSchema.parse(raw({ orchestration: 'o', compute: 'c', extraction: 'corpus-machines' })).temporal.taskQueues.extraction, 'corpus-machines');
  assert.equal(stackSettingsSchema.safeParse(raw({ orchestration: 'o', compute: 'c', extraction: '' })).success, false);
});

test('store routing qualifies the extraction queue by the store, as the other two', () => {
  const settings = stackSettingsSchema.parse(raw({ orchestration: 'o', compute: 'c' }));
  const routed = routedByStore(settings, { id: 'mlflow-0123456789abcdef', location: 'MLflow artifact store http://127.0.0.1:5000' });
  assert.deepEqual(routed.temporal.taskQueues, { orchestration: 'o@mlflow-0123456789abcdef', compute: 'c@mlflow-0123456789abcdef', extraction: 'c-extraction@mlflow-0123456789abcdef' });
  assert.deepEqual(splitQueue(routed.temporal.taskQueues.extraction), { base: 'c-extraction', storeId: 'mlflow-0123456789abcdef' });
});

test('extraction activities get the compute timeouts and heartbeat on the extraction queue; settings recorded without one extract on compute', () => {
  const { temporal } = stackSettingsSchema.parse(raw({ orchestration: 'o', compute: 'c', extraction: 'x' }));
  const options = activityOptions({ taskQueues: temporal.taskQueues, activities: temporal.activities }, 'extraction');
  assert.equal(options.taskQueue, 'x');
  assert.equal(options.startToCloseTimeout, '30m');
  assert.equal(options.heartbeatTimeout, '20s');
  assert.equal(activityOptions({ taskQueues: { orchestration: 'o', compute: 'c' }, activities: temporal.activities }, 'extraction').taskQueue, 'c');
  assert.equal(activityOptions({ taskQueues: temporal.taskQueues, activities: temporal.activities }, 'compute').taskQueue, 'c');
});
