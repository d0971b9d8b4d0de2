/**
 * The MLflow UI on a finished experiment, in a real browser (Debian's chromium driven by
 * playwright-core, headless): the experiment's own link opens on the runs table (not MLflow 3's
 * GenAI overview), which shows the runs' dataset and lists them with their WA/UAR metrics; the
 * parent run's page shows its description (config and result table) and dataset; the compare
 * view of two cell runs renders. Screenshots are kept in test/output/ to look at.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { mlflowExperimentUrl, mlflowRunUrl } from '../../cli/display/links';
import { experimentWorkflow, type ExperimentWorkflowResult } from '../../workflows/experiment';
import { orchestrationSettings, useTestStack } from '../support/test-stack';
import { tinyExperiment } from '../support/tiny-experiment';

const output = join(__dirname, '..', 'output');
let chromiumPath: string | undefined;
try {
  chromiumPath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
} catch {
  chromiumPath = undefined;
}

const fixture = useTestStack();
let browser: Browser | undefined;

after(async () => {
  await browser?.close();
});

test('the MLflow UI lists a finished experiment\'s runs with WA/UAR and compares two of them', { skip: chromiumPath ? false : 'chromium is not installed (bash infra/setup.sh debian installs it as root)' }, async () => {
  const { stack, workers } = fixture;
  const { config, configHash, configDir } = tinyExperiment({
    methods: ['none', 'smote'], classifiers: ['svm'], protocol: { folds: { kind: 'loso' }, repeats: 2, seed: 5, maxFolds: 2 },
  });
  const mlflowExperiment = `test-ui-${Date.now()}`;
  const result: ExperimentWorkflowResult = await stack.client.workflow.execute(experimentWorkflow, {
    workflowId: `experiment-ui-${Date.now()}`, taskQueue: workers.settings.temporal.taskQueues.orchestration,
    args: [{ config, configHash, configDir, mlflowExperiment, orchestration: orchestrationSettings(workers.settings) }],
  });
  const base = stack.settings.mlflow.trackingUri.replace(/\/$/, '');
  mkdirSync(output, { recursive: true });
  browser = await chromium.launch({
    executablePath: chromiumPath as string,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 2400, height: 1000 } });

  // The experiment's link as serflow prints it: the runs table, not MLflow 3's GenAI overview
  // (cli/display/links.ts, tracking/experiment-kind.ts).
  await page.goto(mlflowExperimentUrl(stack.settings, result.experimentId));
  await page.getByText(config.name, { exact: true }).first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(output, 'mlflow-experiment-landing.png'), fullPage: true });
  assert.equal(await page.getByText('No data available').count(), 0, 'the GenAI overview is not what opens');
  const dataset = `manifest/${config.features.extractor === 'opensmile' ? config.features.set : ''}`;
  await page.getByText(dataset).first().waitFor({ timeout: 30_000 });
  // Nested runs are collapsed under their parent: expand them, then show the WA/UAR columns.
  await page.locator('button[data-component-id*="runnamecellrenderer"]').first().click();
  for (const name of ['uar_mean', 'wa_mean']) {
    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByPlaceholder('Search columns').fill(name);
    // The tree lists the parent's "<cell>/uar_mean" too; pick the cell runs' own "uar_mean".
    await page.locator('[data-testid="column-selector-tree"] span').filter({ hasText: new RegExp(`^${name}$`) }).last().click();
    await page.keyboard.press('Escape');
  }
  for (const row of result.rows) await page.getByText(`${config.name} ${row.cellId}`).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(output, 'mlflow-experiment.png'), fullPage: true });
  const headers = await page.locator('[role="columnheader"]').allInnerTexts();
  assert.ok(headers.some((h) => h.includes('uar_mean')), `a uar_mean column (headers: ${headers.join(' | ')})`);
  assert.ok(headers.some((h) => h.includes('wa_mean')), `a wa_mean column (headers: ${headers.join(' | ')})`);
  await page.screenshot({ path: join(output, 'mlflow-experiment.png'), fullPage: true });

  // The parent run's page: its description (the config, then the result table) and its dataset.
  await page.goto(mlflowRunUrl(stack.settings, result.experimentId, result.parentRunId));
  await page.getByText('UAR %').first().waitFor({ timeout: 60_000 });
  await page.getByText(config.features.extractor === 'opensmile' ? `openSMILE ${config.features.set}` : 'table').first().waitFor({ timeout: 30_000 });
  await page.getByText(dataset).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(output, 'mlflow-parent-run.png'), fullPage: true });

  // The compare view of the two cell runs.
  const cellRuns = Object.values((await stack.mlflow.searchRuns({ experimentIds: [result.experimentId], filter: "tags.`serflow.kind` = 'cell'" })).runs.map((r) => r.info.run_id));
  assert.equal(cellRuns.length, 2);
  await page.goto(`${base}/#/compare-runs?runs=${encodeURIComponent(JSON.stringify(cellRuns))}&experiments=${encodeURIComponent(JSON.stringify([result.experimentId]))}`);
  await page.getByText('uar_mean').first().waitFor({ timeout: 60_000 });
  for (const row of result.rows) await page.getByText(`${config.name} ${row.cellId}`).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(output, 'mlflow-compare.png'), fullPage: true });
});
