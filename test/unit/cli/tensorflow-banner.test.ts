/**
 * No serflow command prints TensorFlow's start-up banner (issue 30). `run --plan` loads TensorFlow
 * in its own process for the calibration, as `report` does for the GAN checkpoints: run directly
 * (SERFLOW_STDERR_FILTERED=1, what the re-run child sees) its stderr carries the two banner lines,
 * so the condition is real; through bin/serflow they are gone and the rest of the output is there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTensorflowStartupLine } from '../../../cli/launch/child-stderr';

const repo = join(__dirname, '..', '..', '..');
const plan = (env: NodeJS.ProcessEnv) => spawnSync(join(repo, 'bin', 'serflow'), ['run', 'configs/quick.yaml', '--plan', '--calibrate-seconds', '1'], {
  cwd: repo, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000,
});
const bannerLines = (stderr: string) => stderr.split('\n').filter(isTensorflowStartupLine);

test('`serflow run --plan` loads TensorFlow and prints none of its start-up lines', { timeout: 240_000 }, () => {
  const direct = plan({ SERFLOW_STDERR_FILTERED: '1' });
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(bannerLines(direct.stderr).length, 2, `TensorFlow prints its banner in a process that loads it; stderr:\n${direct.stderr}`);

  const filtered = plan({});
  assert.equal(filtered.status, 0, filtered.stderr);
  assert.deepEqual(bannerLines(filtered.stderr), [], 'no banner line through bin/serflow');
  assert.match(filtered.stdout, /estimate\s+about/, 'the plan and its estimate are printed');
});
