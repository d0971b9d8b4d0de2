/**
 * Writes the feature tables the evaluation benchmark reads (<dir>/<set>.tsv: file, speaker,
 * label, then the features) with the project's own openSMILE extraction of EMO-DB's five paper
 * classes. Tables already there are kept.
 *   npx tsx bench/prepare-feature-tables.ts [--features-dir /tmp/serflow-eval] [--emodb ../shared/emodb/wav]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readEmodbCorpus } from '../compute/corpus/emodb';
import { extractFeatures } from '../compute/features/opensmile';
import { repoRoot, smileExtract } from '../infra/paths';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

async function main(): Promise<void> {
  const dir = arg('--features-dir', '/tmp/serflow-eval');
  const wav = resolve(arg('--emodb', join(repoRoot, '..', 'shared', 'emodb', 'wav')));
  mkdirSync(dir, { recursive: true });
  const entries = await readEmodbCorpus(wav);
  for (const set of ['eGeMAPSv02', 'emobase', 'ComParE_2016']) {
    const file = join(dir, `${set}.tsv`);
    if (existsSync(file)) continue;
    const t0 = performance.now();
    const { matrix } = await extractFeatures(entries, { featureSet: set, smile: smileExtract() });
    const lines = [['file', 'speaker', 'label', ...matrix.columns].join('\t')];
    for (let r = 0; r < matrix.rows; r++) {
      const m = matrix.meta[r];
      lines.push([m?.file, m?.speaker, m?.label, ...Array.from(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols))].join('\t'));
    }
    writeFileSync(file, lines.join('\n') + '\n');
    process.stderr.write(`${set}: ${matrix.rows} x ${matrix.cols} in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${file}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
