/**
 * Compares compute/classify/linear-svm.ts with scikit-learn's SVC(kernel='linear') on EMO-DB
 * leave-one-speaker-out folds of a feature table (see bench/emodb-loso.ts for the format).
 *   npx tsx test/reference/compare-svm.ts FEATURES.tsv [C]
 * Prints WA / UAR of both, and how many test predictions agree.
 */
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EMODB_CLASSES, leaveOneSpeakerOutFolds, readFeatureTable } from '../../bench/emodb-loso';
import { LinearSvm } from '../../compute/classify/linear-svm';
import { confusionMatrix, metricsFromConfusion } from '../../compute/metrics';

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: compare-svm.ts FEATURES.tsv [C]');
  const C = Number(process.argv[3] ?? '1');
  const table = readFeatureTable(path);
  const predicted = new Int32Array(table.rows);
  const svm = new LinearSvm({ C });
  const t0 = performance.now();
  for (const fold of leaveOneSpeakerOutFolds(table)) {
    const model = await svm.fit(fold.train, 1);
    const p = model.predict(fold.test.x, fold.test.rows);
    model.dispose();
    fold.testRows.forEach((r, i) => (predicted[r] = p[i] as number));
  }
  const oursSeconds = (performance.now() - t0) / 1000;
  const truth = Int32Array.from(table.labels, (l) => EMODB_CLASSES.indexOf(l));
  const ours = metricsFromConfusion(confusionMatrix(truth, predicted, EMODB_CLASSES.length));

  const python = join(homedir(), '.cache/serflow/venv/bin/python');
  const t1 = performance.now();
  const ref = JSON.parse(
    execFileSync(python, [join(__dirname, 'svm_reference.py'), 'loso', path, String(C)], { encoding: 'utf8', maxBuffer: 1 << 26 }),
  ) as { predictions: Record<string, string>; wa: number; uar: number };
  const refSeconds = (performance.now() - t1) / 1000;
  let agree = 0;
  table.files.forEach((f, i) => {
    if (ref.predictions[f] === EMODB_CLASSES[predicted[i] as number]) agree++;
  });
  const result = {
    features: path,
    cols: table.cols,
    C,
    serflow: { wa: ours.wa, uar: ours.uar, seconds: oursSeconds },
    sklearn: { wa: ref.wa, uar: ref.uar, seconds: refSeconds },
    uarDifferencePoints: 100 * (ours.uar - ref.uar),
    predictionsAgree: `${agree}/${table.rows}`,
  };
  console.log(JSON.stringify(result, null, 2));
  if (Math.abs(result.uarDifferencePoints) > 1) process.exitCode = 1;
}

void main();
