/**
 * Replays recorded histories (test/histories/*.json, recorded from real runs with
 * test/histories/record-history.ts) against the current workflow code. A change that would
 * break the determinism of executions already in flight fails here, not in production.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { workflowsPath } from '../../infra/temporal/worker';

const folder = join(__dirname, '..', 'histories');
/** Recorded file name -> the workflow id it was recorded under (child ids derive from it). */
const index = JSON.parse(readFileSync(join(folder, 'index.json'), 'utf8')) as Record<string, string>;
const files = readdirSync(folder).filter((f) => f.endsWith('.json') && f !== 'index.json').sort();

function load(file: string) {
  const workflowId = index[file];
  assert.ok(workflowId, `${file} is not in test/histories/index.json`);
  return { workflowId, history: historyFromJSON(JSON.parse(readFileSync(join(folder, file), 'utf8'))) };
}

test('recorded histories replay without nondeterminism', async () => {
  assert.ok(files.length >= 4, `expected recorded histories in ${folder}`);
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  const histories = files.map(load);
  const results: { workflowId: string; error?: unknown }[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) results.push(result);
  const failures = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${(r.error as Error).message}`);
  assert.deepEqual(failures, []);
  assert.equal(results.length, files.length);
});

test('a change to the commands a workflow issues is caught by the replay', async () => {
  // The fold workflow with one more repeat per cell: replaying a history recorded before the
  // change must fail. This proves the replay test can fail.
  const source = readFileSync(join(__dirname, '..', '..', 'workflows', 'fold.ts'), 'utf8');
  assert.match(source, /Array\.from\(\{ length: input\.repeats \}/);
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never,
    webpackConfigHook: (config) => {
      config.module ??= { rules: [] };
      config.module.rules ??= [];
      config.module.rules.push({
        test: /workflows[\\/]fold\.ts$/,
        loader: require.resolve('../support/extra-repeat-loader.cjs'),
      });
      return config;
    },
  });
  const { workflowId, history } = load('fold-no-gan.json');
  await assert.rejects(Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId), /[Nn]ondeterminism|DeterminismViolation/);
});
