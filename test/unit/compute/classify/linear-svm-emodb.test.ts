/**
 * The linear SVM against scikit-learn's SVC(kernel='linear') on real features: emobase (988
 * dims) of four EMO-DB speakers, extracted here with the opensmile wheel's SMILExtract,
 * leave-one-speaker-out, z-normalised on each fold's training part. Skipped when the corpus,
 * SMILExtract or the Python venv is missing.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { EMODB_CLASSES, leaveOneSpeakerOutFolds, readFeatureTable } from '../../../../bench/emodb-loso';
import { LinearSvm } from '../../../../compute/classify/linear-svm';
import { confusionMatrix, metricsFromConfusion } from '../../../../compute/metrics';

const VENV = join(homedir(), '.cache/serflow/venv');
const PYTHON = join(VENV, 'bin/python');
const WAV = join(__dirname, '..', '..', '..', '..', '..', 'shared', 'emodb', 'wav');
const SPEAKERS = ['03', '09', '10', '12'];
const EMOTION: Record<string, string> = { W: 'anger', A: 'fear', F: 'happiness', T: 'sadness', N: 'neutral' };

function opensmileCore(): string | null {
  const lib = join(VENV, 'lib');
  if (!existsSync(lib)) return null;
  for (const py of readdirSync(lib)) {
    const core = join(lib, py, 'site-packages/opensmile/core');
    if (existsSync(join(core, 'bin/linux/SMILExtract'))) return core;
  }
  return null;
}

const core = opensmileCore();
const skip = !existsSync(WAV) ? `no corpus at ${WAV}` : !core ? 'no SMILExtract in the venv' : !existsSync(PYTHON) ? `no ${PYTHON}` : false;

describe('linear SVM on EMO-DB features', () => {
  it("agrees with scikit-learn within 1 UAR point on LOSO folds (emobase, 4 speakers)", { skip, timeout: 120_000 }, async () => {
    const files = readdirSync(WAV).filter((f) => SPEAKERS.includes(f.slice(0, 2)) && (f[5] ?? '') in EMOTION).sort();
    const dir = mkdtempSync(join(tmpdir(), 'serflow-emodb-'));
    try {
      const run = promisify(execFile);
      const config = join(core as string, 'config');
      const rows: string[] = new Array<string>(files.length);
      let header = '';
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < files.length; i = next++) {
          const file = files[i] as string;
          const out = join(dir, `${file}.csv`);
          await run(join(core as string, 'bin/linux/SMILExtract'), ['-C', 'emobase/emobase.conf', '-source', 'shared/standard_wave_input.conf.inc', '-sink', 'shared/standard_data_output.conf.inc', '-I', join(WAV, file), '-func_csv_output', out, '-l', '0'], { cwd: config });
          const [head, values] = readFileSync(out, 'utf8').trim().split('\n');
          header = (head ?? '').split(';').slice(1).join('\t');
          rows[i] = [file, file.slice(0, 2), EMOTION[file[5] as string], ...(values ?? '').split(';').slice(1)].join('\t');
        }
      };
      await Promise.all([worker(), worker()]);
      const tsv = join(dir, 'emobase.tsv');
      writeFileSync(tsv, `file\tspeaker\tlabel\t${header}\n${rows.join('\n')}\n`);

      const table = readFeatureTable(tsv);
      assert.equal(table.cols, 988);
      const predicted = new Int32Array(table.rows);
      for (const fold of leaveOneSpeakerOutFolds(table)) {
        const model = await new LinearSvm().fit(fold.train, 1);
        const p = model.predict(fold.test.x, fold.test.rows);
        model.dispose();
        fold.testRows.forEach((r, i) => (predicted[r] = p[i] as number));
      }
      const truth = Int32Array.from(table.labels, (l) => EMODB_CLASSES.indexOf(l));
      const ours = metricsFromConfusion(confusionMatrix(truth, predicted, EMODB_CLASSES.length));
      const ref = JSON.parse(execFileSync(PYTHON, [join(__dirname, '..', '..', '..', 'reference', 'svm_reference.py'), 'loso', tsv, '1'], { encoding: 'utf8' })) as { predictions: Record<string, string>; uar: number; wa: number };
      const agree = table.files.filter((f, i) => ref.predictions[f] === EMODB_CLASSES[predicted[i] as number]).length;
      assert.ok(Math.abs(ours.uar - ref.uar) <= 0.01, `UAR ${ours.uar} vs scikit-learn ${ref.uar}`);
      assert.ok(agree / table.rows >= 0.97, `${agree}/${table.rows} predictions agree`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
