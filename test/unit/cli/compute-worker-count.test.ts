import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeWorkerCount } from '../../../cli/launch/in-process-workers';
import { InputError } from '../../../foundation/errors';

test('serflow run starts one compute worker process per core unless SERFLOW_COMPUTE_WORKERS says otherwise', () => {
  assert.equal(computeWorkerCount({}, 2), 2);
  assert.equal(computeWorkerCount({ SERFLOW_COMPUTE_WORKERS: '' }, 8), 8);
  assert.equal(computeWorkerCount({ SERFLOW_COMPUTE_WORKERS: '1' }, 8), 1);
  assert.equal(computeWorkerCount({ SERFLOW_COMPUTE_WORKERS: '0' }, 8), 0);
});

test('a bad SERFLOW_COMPUTE_WORKERS is refused naming the variable and the fix', () => {
  for (const bad of ['two', '-1', '1.5']) {
    assert.throws(() => computeWorkerCount({ SERFLOW_COMPUTE_WORKERS: bad }, 2), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /SERFLOW_COMPUTE_WORKERS/);
      assert.match(err.message, new RegExp(`'${bad.replace('.', '\\.')}'`));
      assert.match(err.message, /one per core/);
      return true;
    });
  }
});
