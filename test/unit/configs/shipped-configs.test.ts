/**
 * Every config in configs/ loads as `serflow run` or `serflow sweep` would load it: a shipped
 * config that a schema change broke fails here, not in a user's first run.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { loadExperimentConfig } from '../../../configs/load/experiment-config';
import { loadSweepConfig } from '../../../configs/load/sweep-config';

const configs = resolve(__dirname, '..', '..', '..', 'configs');

test('every shipped experiment and sweep config loads', () => {
  const files = readdirSync(configs).filter((f) => f.endsWith('.yaml')).sort();
  assert.ok(files.length >= 10, `configs: ${files.join(', ')}`);
  for (const file of files) {
    const path = join(configs, file);
    // A sweep names its base experiment (sweep-base.yaml is one, an experiment).
    if (/^base:/m.test(readFileSync(path, 'utf8'))) assert.ok(loadSweepConfig(path).baseConfig.name, file);
    else assert.equal(loadExperimentConfig(path).config.name.length > 0, true, file);
  }
});
