// `serflow report` against a real MLflow (env MLFLOW_TRACKING_URI): a small experiment is recorded
// in the contract's layout by the production tracking activities (openExperiment,
// finishExperiment) and GAN activity (trainClassGans with tiny networks, under Temporal's mock
// activity environment), with synthetic evaluations (the SVM cells with model selection records,
// the DNN cells with validation rows, as the evaluations of issue 14 carry them); then the report
// is generated through the CLI entry point and checked: every figure in SVG, PNG and spec with the
// expected series, sane PNG sizes, the table's numbers equal to the metrics MLflow holds (read
// back over REST), the declared comparisons as finishExperiment logged them (comparisons.json,
// parent metrics) equal to the report's, the protocol paragraph and the chosen hyperparameters,
// the files logged as artifacts under report/ on the parent run, and the id forms the command
// accepts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createGanActivities } from '../../activities/gan-activities';
import { storeFolds } from '../../store/fold-store';
import { createTrackingActivities } from '../../activities/tracking-activities';
import { ExitCode } from '../../cli/exit-codes';
import { sweepWorkflowId } from '../../cli/launch/workflow-ids';
import { encodeFeatureMatrix } from '../../compute/features/matrix-codec';
import type { FeatureMatrix } from '../../compute/features/feature-matrix';
import { leaveOneSpeakerOut } from '../../compute/folds/leave-one-speaker-out';
import type { ExperimentComparisons } from '../../compute/experiment-comparisons';
import type { RecordedEvaluation } from '../../compute/experiment-summary';
import { confusionMatrix, metricsFromConfusion } from '../../compute/metrics';
import { Rng } from '../../compute/random';
import { planCells } from '../../configs/experiment-plan';
import { experimentSchema } from '../../configs/schema/experiment';
import { repoRoot } from '../../infra/paths';
import { logger } from '../../logging/logger';
import { generateReport } from '../../report/generate-report';
import { resolveReportTarget } from '../../report/report-target';
import { LocalFolderStore } from '../../store/local-folder-store';
import { MlflowClient } from '../../tracking/mlflow-client';
import { RunRegistry } from '../../tracking/run-registry';
import { trackingUri, uniqueName } from '../support/mlflow-test-env';
import { installation } from '../../composition/runtime-deps';

const CLASSES = ['anger', 'fear', 'sadness'];
const SPEAKERS = ['03', '08', '11', '15'];
const DIM = 12;
const REPEATS = 2;

let tmp: string;
let parentRunId: string;
let workflowId: string;
let sweepId: string;
let sweepRunId: string;
let mlflow: MlflowClient;
const outDir = () => join(tmp, 'out');

function featureMatrix(): FeatureMatrix {
  const rng = new Rng(5);
  const meta: FeatureMatrix['meta'] = [];
  const values: number[] = [];
  for (const speaker of SPEAKERS) {
    CLASSES.forEach((label, k) => {
      for (let i = 0; i < 6; i++) {
        meta.push({ file: `${speaker}a0${k}${label[0]}${i}.wav`, label, speaker });
        for (let d = 0; d < DIM; d++) values.push((d % CLASSES.length === k ? 1.5 : 0) + rng.normal() * 0.7);
      }
    });
  }
  return { rows: meta.length, cols: DIM, data: Float32Array.from(values), columns: Array.from({ length: DIM }, (_, d) => `f${d}`), meta };
}

/** How often a cell's classifier is right: augmentations help a little, wdiv most, more with more samples. */
function skill(method: string, amount: string, classifier: string): number {
  const base = classifier === 'svm' ? 0.6 : 0.58;
  const gain: Record<string, number> = { none: 0, noise: 0.01, smote: 0.03, 'cyclegan-ce': 0.04, 'cyclegan-wdiv': 0.12 };
  return base + (gain[method] ?? 0) * (amount === 'ratio-1' ? 1.5 : 1);
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'serflow-report-'));
  process.env.SERFLOW_STATE = tmp;
  process.env.SERFLOW_STORE = 'local';
  process.env.MLFLOW_TRACKING_URI = trackingUri();
  mlflow = new MlflowClient({ baseUrl: trackingUri(), retry: { totalTimeoutMs: 20_000 } });
  const runs = new RunRegistry(mlflow);
  const store = new LocalFolderStore(join(tmp, 'store'));
  const deps = { logger: logger.child({ test: 'report' }), mlflow, runs, store, workDir: join(tmp, 'work'), installation };

  const matrix = featureMatrix();
  const featureKey = await store.put(encodeFeatureMatrix(matrix));
  const folds = leaveOneSpeakerOut(matrix.meta);
  const foldsKey = await storeFolds(store, folds);
  const config = experimentSchema.parse({
    name: 'report-test', corpus: { kind: 'manifest', path: 'corpus.csv' }, features: { extractor: 'table', path: 'features.csv' },
    protocol: { repeats: REPEATS }, methods: ['none', 'noise', 'smote', { method: 'cyclegan', loss: 'ce' }, { method: 'cyclegan', loss: 'wdiv' }],
    amounts: [0.5, 1], classifiers: ['svm', 'dnn'],
    comparisons: [{ a: 'cyclegan-wdiv', b: 'none' }, { a: 'cyclegan-wdiv', b: 'cyclegan-ce' }, { a: 'cyclegan-wdiv', b: 'smote' }],
    gan: { hidden: [8], discriminator: 'mlp', discriminatorHidden: [8], epochs: 2, pretrainEpochs: 1, batchSize: 8, checkpointEvery: 10, classifier: { hidden: [8], epochs: 2 } },
  });
  const cells = planCells(config);
  const tracking = createTrackingActivities(deps);
  workflowId = uniqueName('report-wf');
  sweepId = uniqueName('report-sweep');
  const mlflowExperiment = uniqueName('serflow-report-test');
  // The experiment belongs to a sweep, as `serflow sweep` records it: both reports are tested.
  const sweep = await tracking.openSweep({ sweepId, workflowId: sweepWorkflowId(sweepId), mlflowExperiment, sweepConfig: { grid: {} }, configurations: 1 });
  sweepRunId = sweep.parentRunId;
  const opened = await tracking.openExperiment({
    config, configHash: uniqueName('hash'), mlflowExperiment, cells, workflowId, sweep: { id: sweepId, parentRunId: sweepRunId, values: { 'gan.lambdaCls': 1 } },
  });
  parentRunId = opened.parentRunId;

  const gans = createGanActivities(deps);
  const env = new MockActivityEnvironment();
  for (const loss of ['ce', 'wdiv'] as const) {
    await env.run(gans.trainClassGans, {
      featureKey, classes: CLASSES, foldsKey, foldIndex: 0, gan: { ...config.gan, loss }, seed: 41,
      experimentId: opened.experimentId, parentRunId,
    });
  }

  const rng = new Rng(9);
  const evaluations: RecordedEvaluation[] = [];
  for (const cell of cells) {
    const p = skill(cell.method, cell.amount, cell.classifier);
    for (const fold of folds) {
      const truth = fold.testIndices.map((i) => CLASSES.indexOf(matrix.meta[i]?.label ?? ''));
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        const predicted = truth.map((t) => (rng.next() < p ? t : (t + 1 + rng.int(CLASSES.length - 1)) % CLASSES.length));
        const confusion = confusionMatrix(truth, predicted, CLASSES.length);
        const m = metricsFromConfusion(confusion);
        const added = cell.amount === 'ratio-0.5' ? 9 : cell.amount === 'ratio-1' ? 18 : 0;
        // What model selection and the DNN's real validation rows leave on an evaluation: the SVM chose C
        // (1e-3 on the first speaker, 1e-2 elsewhere), the DNN held out whole training speakers.
        const C = fold.name === folds[0]?.name ? 0.001 : 0.01;
        evaluations.push({
          cellId: cell.id, fold: fold.name, repeat, wa: m.wa, uar: m.uar, confusion, addedPerClass: Object.fromEntries(CLASSES.map((c) => [c, added])),
          ...(cell.classifier === 'svm'
            ? { selection: { metric: 'uar', chosen: { C }, validationScore: 0.55 + repeat / 100, candidates: [{ values: { C: 0.001 }, score: 0.5 }, { values: { C: 0.01 }, score: 0.55 }] } }
            : { validationRows: 18 }),
        });
      }
    }
  }
  await tracking.finishExperiment({
    tracking: opened, cells, classes: CLASSES, evaluations,
    features: { featureKey, foldsKey, rows: matrix.rows, cols: DIM, extractor: 'table', datasetHash: 'test', skipped: [] },
    memo: { hits: 0, total: evaluations.length },
  });
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function rest<T>(path: string, query: Record<string, string>): Promise<T> {
  const url = new URL(`${trackingUri().replace(/\/$/, '')}/api/2.0/mlflow/${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const response = await fetch(url);
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return (await response.json()) as T;
}

async function cellRunsOf(runId: string) {
  const parent = await rest<{ run: { info: { experiment_id: string } } }>('runs/get', { run_id: runId });
  const search = await fetch(`${trackingUri().replace(/\/$/, '')}/api/2.0/mlflow/runs/search`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_ids: [parent.run.info.experiment_id], filter: `tags.\`serflow.kind\` = 'cell' and tags.\`mlflow.parentRunId\` = '${runId}'`, max_results: 100 }),
  });
  return ((await search.json()) as { runs: { data: { tags: { key: string; value: string }[]; metrics: { key: string; value: number }[] } }[] }).runs;
}

function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(1, 4).toString('ascii'), 'PNG', `${file} is a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  const keys = (header ?? '').split(',');
  // No field of this test's table needs quoting (cell ids have no commas).
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [keys[i] ?? `${i}`, v])));
}

test('serflow report <parent run id> writes the table and every figure, and logs them on the run', async () => {
  const { code, stdout } = await runReport(parentRunId, outDir());
  assert.equal(code, ExitCode.ok, stdout);
  const printed = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { kind: string; files: string[]; experiments: { figures: string[]; warnings: string[] }[] };
  assert.equal(printed.kind, 'experiment');
  assert.deepEqual(printed.experiments[0]?.figures, ['uar-vs-samples', 'map-pca', 'map-umap', 'gan-losses', 'confusion']);
  assert.deepEqual(printed.experiments[0]?.warnings, []);

  for (const figure of printed.experiments[0]?.figures ?? []) {
    for (const ext of ['svg', 'png', 'vl.json']) assert.ok(existsSync(join(outDir(), `${figure}.${ext}`)), `${figure}.${ext}`);
    const svg = readFileSync(join(outDir(), `${figure}.svg`), 'utf8');
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const { width, height } = pngSize(join(outDir(), `${figure}.png`));
    assert.ok(width >= 500 && width <= 6000 && height >= 300 && height <= 8000, `${figure}.png ${width}x${height}`);
  }
  const html = readFileSync(join(outDir(), 'report.html'), 'utf8');
  assert.equal((html.match(/<svg /g) ?? []).length, 5, 'five inline SVGs');
  assert.doesNotMatch(html, /<script|src="http|href="http/, 'self-contained');

  // Artifacts under report/ on the parent run.
  const listed = await rest<{ files?: { path: string }[] }>('artifacts/list', { run_id: parentRunId, path: 'report' });
  const names = (listed.files ?? []).map((f) => f.path.replace(/^report\//, '')).sort();
  for (const f of ['report.html', 'report.json', 'table1.md', 'table1.csv', 'comparisons.csv', 'uar-vs-samples.png', 'map-pca.svg', 'gan-losses.vl.json', 'confusion.png']) assert.ok(names.includes(f), `artifact report/${f} in ${names.join(', ')}`);
});

test('Table 1 holds the metrics MLflow has for each cell run', async () => {
  const rows = parseCsv(readFileSync(join(outDir(), 'table1.csv'), 'utf8'));
  assert.equal(rows.length, 2 + 4 * 2 * 2, 'baseline x 2 classifiers + 4 methods x 2 amounts x 2 classifiers');
  assert.deepEqual(rows.slice(0, 2).map((r) => r.cell), ['none/svm', 'none/dnn']);
  const cellRuns = await cellRunsOf(parentRunId);
  assert.equal(cellRuns.length, rows.length);
  for (const run of cellRuns) {
    const cell = run.data.tags.find((t) => t.key === 'serflow.cell')?.value;
    const row = rows.find((r) => r.cell === cell);
    assert.ok(row, `row for ${cell}`);
    for (const key of ['wa_mean', 'wa_std', 'uar_mean', 'uar_std']) {
      const metric = run.data.metrics.find((m) => m.key === key)?.value;
      assert.equal(Number(row[key]), metric, `${cell} ${key}`);
    }
  }
  const md = readFileSync(join(outDir(), 'table1.md'), 'utf8');
  const svmBaseline = cellRuns.find((r) => r.data.tags.some((t) => t.key === 'serflow.cell' && t.value === 'none/svm'));
  const uar = svmBaseline?.data.metrics.find((m) => m.key === 'uar_mean')?.value ?? Number.NaN;
  assert.ok(md.includes((100 * uar).toFixed(2)), 'the Markdown table shows the SVM baseline UAR in percent');
});

test('the declared comparisons: Holm over the 12 primary ones, the rest exploratory; MLflow holds what the report shows', async () => {
  const rows = parseCsv(readFileSync(join(outDir(), 'comparisons.csv'), 'utf8'));
  const primary = rows.filter((r) => r.role === 'primary');
  const exploratory = rows.filter((r) => r.role === 'exploratory');
  // wdiv vs none, vs ce, vs smote; each per classifier and amount (none pairs with both amounts).
  assert.equal(primary.length, 3 * 2 * 2);
  assert.equal(exploratory.length, 3 * 2 * 2, 'noise, smote, cyclegan-ce vs none');
  for (const r of primary) {
    const p = Number(r.p_raw);
    assert.ok(p > 0 && p <= 1 && Number(r.p_holm) >= p && Number(r.p_holm) <= 1, `${r.id}: p ${p}, Holm ${r.p_holm}`);
    assert.equal(r.significant, 'false', 'with 4 folds no p is below 2/16');
    assert.ok(Number(r.ci_low) <= Number(r.delta_median) && Number(r.delta_median) <= Number(r.ci_high), r.id);
    assert.equal(Number(r.folds), SPEAKERS.length);
  }
  for (const r of exploratory) assert.deepEqual([r.b, r.p_holm, r.significant], ['none', '', ''], r.id);

  // finishExperiment logged the same numbers: comparisons.json and the parent's metrics.
  const parent = await mlflow.getRun(parentRunId);
  const logged = JSON.parse((await mlflow.downloadRunArtifact(parent, 'comparisons.json')).toString('utf8')) as ExperimentComparisons;
  const report = JSON.parse(readFileSync(join(outDir(), 'report.json'), 'utf8')) as { experiments: { table: { comparisons: ExperimentComparisons } }[] };
  assert.deepEqual(report.experiments[0]?.table.comparisons, logged, 'the report recomputes exactly what the experiment logged');
  assert.equal(logged.preDeclared, true);
  assert.equal(logged.primaryCount, 12);
  assert.equal(logged.smallestP, 2 / 16);
  assert.equal(logged.smallestPHolm, 1);
  const metrics = new Map(parent.data.metrics.map((m) => [m.key, m.value]));
  for (const c of logged.comparisons) {
    const key = `comparison/${c.id}`;
    assert.equal(metrics.get(`${key}/delta_median`), c.deltaMedian, key);
    assert.equal(metrics.get(`${key}/ci_low`), c.ci.low, key);
    assert.equal(metrics.get(`${key}/ci_high`), c.ci.high, key);
    assert.equal(metrics.get(`${key}/p_raw`), c.pRaw, key);
    assert.equal(metrics.get(`${key}/p_holm`), c.pHolm ?? undefined, key);
  }
  assert.ok(metrics.has('comparison/cyclegan-wdiv_vs_cyclegan-ce/dnn/ratio-1/p_holm'));
  assert.equal(parent.data.tags.find((t) => t.key === 'serflow.comparisons')?.value, 'pre-declared');
  assert.match((await mlflow.downloadRunArtifact(parent, 'comparisons.md')).toString('utf8'), /The 12 primary comparison\(s\) were declared in the config/);

  const md = readFileSync(join(outDir(), 'table1.md'), 'utf8');
  assert.match(md, /With 4 folds the smallest two-sided p the exact Wilcoxon signed-rank test can reach is 2\/2\^4 = 0\.125/);
  assert.match(md, /\| exploratory \| noise \| none \| SVM \| ratio-0\.5 \|/);
});

test('the report states the protocol and lists the C chosen per fold, from what finishExperiment recorded', async () => {
  const parent = await mlflow.getRun(parentRunId);
  const results = JSON.parse((await mlflow.downloadRunArtifact(parent, 'results.json')).toString('utf8')) as { evaluations: RecordedEvaluation[] };
  assert.ok(results.evaluations.filter((e) => e.cellId.endsWith('/svm')).every((e) => e.selection?.chosen.C !== undefined), 'selection reached results.json');
  assert.ok(results.evaluations.filter((e) => e.cellId.endsWith('/dnn')).every((e) => e.validationRows === 18), 'validationRows reached results.json');
  const md = readFileSync(join(outDir(), 'table1.md'), 'utf8');
  assert.match(md, /- model selection: inside each outer fold, on its training speakers only: SVM C;/);
  assert.match(md, /- comparisons: 12 primary comparison\(s\) declared in the config before the run/);
  assert.match(md, /## Chosen hyperparameters per fold/);
  assert.match(md, new RegExp(`\\*\\*none / SVM\\*\\* \\(mean validation UAR of the chosen values 55\\.50 % over ${SPEAKERS.length * REPEATS} evaluation`));
  assert.match(md, /\| speaker-03 \| all \| 0\.001 \| 55\.50 \|/);
  assert.match(md, /\| speaker-08 \| all \| 0\.01 \| 55\.50 \|/);
  assert.doesNotMatch(md, /\*\*none \/ DNN\*\*/, 'no table for cells without selection');
  const html = readFileSync(join(outDir(), 'report.html'), 'utf8');
  for (const heading of ['Protocol', 'Comparisons', 'Chosen hyperparameters per fold']) assert.match(html, new RegExp(`<h3>${heading}</h3>`));
  assert.match(html, /<tr class="group"><th colspan="12">Primary: declared in the config; Holm over these 12<\/th><\/tr>/);
});

test('the figures have the expected series', () => {
  const spec = (name: string) => JSON.parse(readFileSync(join(outDir(), `${name}.vl.json`), 'utf8')) as { data: { values: Record<string, unknown>[] } };
  const curves = spec('uar-vs-samples').data.values;
  const augmented = curves.filter((r) => r.series === 'with augmentation');
  assert.deepEqual([...new Set(augmented.map((r) => r.method))].sort(), ['cyclegan-ce', 'cyclegan-wdiv', 'noise', 'smote']);
  assert.deepEqual([...new Set(augmented.map((r) => r.classifier))].sort(), ['DNN', 'SVM']);
  assert.deepEqual([...new Set(augmented.map((r) => r.x))].sort(), [27, 54], 'samples added = sum over classes');
  assert.equal(curves.filter((r) => r.series !== 'with augmentation').length, 4 * 2, 'a baseline per method panel and classifier');
  // In the SVG: one line per (method panel, classifier).
  const svg = readFileSync(join(outDir(), 'uar-vs-samples.svg'), 'utf8');
  const lines = [...svg.matchAll(/class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/g)].map((m) => (m[1]?.match(/<path/g) ?? []).length);
  assert.equal(lines.reduce((a, b) => a + b, 0), 8, `line paths per panel: ${lines.join(',')}`);

  for (const map of ['map-pca', 'map-umap']) {
    const points = spec(map).data.values;
    for (const loss of ['ce', 'wdiv']) {
      for (const cls of CLASSES) {
        for (const source of ['real', 'synthetic']) assert.ok(points.some((p) => p.loss === loss && p.className === cls && p.source === source), `${map}: ${loss} ${cls} ${source}`);
      }
    }
    assert.ok(points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
  }
  const caption = JSON.stringify((spec('map-pca') as unknown as { title: { subtitle: string[] } }).title.subtitle);
  assert.match(caption, /anger P \d\.\d\d R \d\.\d\d/);

  const losses = spec('gan-losses').data.values;
  assert.deepEqual([...new Set(losses.map((p) => p.series))].sort(), [...CLASSES, 'mean over classes'].sort());
  assert.deepEqual([...new Set(losses.map((p) => p.epoch))].sort(), [1, 2, 3], 'one pretraining and two adversarial epochs');
  assert.deepEqual([...new Set(losses.map((p) => p.loss))].sort(), ['ce', 'wdiv']);

  const confusion = spec('confusion').data.values;
  assert.equal(new Set(confusion.map((c) => c.panel)).size, 2 * 5, 'per classifier: baseline + 4 methods');
  assert.equal(confusion.length, 10 * CLASSES.length * CLASSES.length);
});

test('the experiment can be named by its workflow id; unknown ids are bad input', async () => {
  const target = await resolveReportTarget(mlflow, workflowId);
  assert.equal(target.kind, 'experiment');
  assert.equal(target.run.info.run_id, parentRunId);
  const unknown = await runReport('no-such-workflow-id', join(tmp, 'unknown'));
  assert.equal(unknown.code, ExitCode.badInput);
  assert.match(unknown.stderr, /no experiment or sweep run/);
  assert.ok(!existsSync(join(tmp, 'unknown', 'report.html')));
});

test('a sweep is found by the workflow id `serflow sweep` prints as well as by its sweep id', async () => {
  for (const id of [sweepWorkflowId(sweepId), sweepId]) {
    const target = await resolveReportTarget(mlflow, id);
    assert.equal(target.kind, 'sweep', id);
    assert.equal(target.run.info.run_id, sweepRunId, id);
  }
});

test('a sweep id reports every experiment of the sweep, logged on the sweep run', async () => {
  const target = await resolveReportTarget(mlflow, sweepId);
  assert.equal(target.kind, 'sweep');
  assert.equal(target.run.info.run_id, sweepRunId);
  assert.deepEqual(target.kind === 'sweep' ? target.experiments.map((r) => r.info.run_id) : [], [parentRunId]);
  const store = new LocalFolderStore(join(tmp, 'store'));
  const out = join(tmp, 'sweep');
  const summary = await generateReport({ mlflow, store }, target, out, { embeddings: ['pca'] });
  const dir = summary.experiments[0]?.dir ?? '';
  assert.match(dir, /^report-test-[0-9a-f]{8}$/);
  for (const f of ['report.html', 'table1.csv', 'table1.md', 'comparisons.csv', `${dir}/table1.csv`, `${dir}/comparisons.csv`, `${dir}/uar-vs-samples.png`, `${dir}/map-pca.svg`]) assert.ok(existsSync(join(out, f)), f);
  assert.ok(!existsSync(join(out, dir, 'map-umap.svg')), 'only the maps asked for');
  // The view across configurations: swept values (the parent run's sweep.* params), best cell, and what it was chosen on.
  for (const f of ['sweep.md', 'sweep.csv', 'sweep-uar.svg', 'sweep-uar.png', 'sweep-uar.vl.json']) assert.ok(existsSync(join(out, f)), f);
  assert.deepEqual(summary.sweep?.paths, ['gan.lambdaCls']);
  assert.match(readFileSync(join(out, 'sweep.md'), 'utf8'), /\| report-test \| 1 \| [^|]+ \| \d+\.\d\d \|/);
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /Configurations of the sweep/);
  const sweepCsv = parseCsv(readFileSync(join(out, 'table1.csv'), 'utf8'));
  const experimentCsv = parseCsv(readFileSync(join(out, dir, 'table1.csv'), 'utf8'));
  assert.deepEqual(sweepCsv.map((r) => ({ ...r, experiment: undefined })), experimentCsv.map((r) => ({ ...r, experiment: undefined })));
  assert.ok(sweepCsv.every((r) => r.experiment === 'report-test'));
  const listed = await rest<{ files?: { path: string }[] }>('artifacts/list', { run_id: sweepRunId, path: 'report' });
  assert.ok((listed.files ?? []).some((f) => f.path === 'report/report.html'));
});

/**
 * The command in a child process, as a user runs it (main.ts wires it): stdout and stderr are
 * the command's own, and this test runner's output is left alone.
 */
async function runReport(id: string, out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `require('./cli/commands/report-command').reportCommand(${JSON.stringify(id)}, { out: ${JSON.stringify(out)}, json: true }).then((c) => process.exit(c))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: repoRoot, env: { ...process.env, SERFLOW_LOG_LEVEL: 'warn', SERFLOW_LOG_PRETTY: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
