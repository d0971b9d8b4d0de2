/**
 * LOSO evaluation of EMO-DB (5 classes) for the report: for each feature table given, SVM and DNN
 * with none / duplicate / noise / SMOTE (balance to the largest class), 3 repeats; WA and UAR
 * pooled over the 10 speaker folds, mean +- sample std over repeats.
 *   npx tsx bench/loso-table.ts [--svm-only] FEATURES.tsv...   (see bench/emodb-loso.ts for the format)
 * Writes bench/output/loso-table-<name>.json after every cell and prints a markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { evaluateFold } from '../compute/evaluate';
import { metricsFromConfusion, sumConfusionMatrices, summariseRepeats } from '../compute/metrics';
import type { ConfusionMatrix } from '../compute/metrics';
import { deriveSeed } from '../compute/random';
import { leaveOneSpeakerOutFolds, readFeatureTable } from './emodb-loso';
import { AUGMENTATIONS, CLASSIFIERS } from './evaluation-configs';

const REPEATS = 3;
const BASE_SEED = 20260;

interface Cell {
  features: string;
  classifier: string;
  augmentation: string;
  wa: number[];
  uar: number[];
  seconds: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const svmOnly = args.includes('--svm-only');
  const paths = args.filter((a) => !a.startsWith('--'));
  const outDir = join(__dirname, 'output');
  mkdirSync(outDir, { recursive: true });
  const all: Cell[] = [];
  for (const path of paths) {
    const name = basename(path).replace(/\.tsv$/, '');
    const folds = leaveOneSpeakerOutFolds(readFeatureTable(path));
    const cells: Cell[] = [];
    for (const [classifierName, classifier] of Object.entries(CLASSIFIERS)) {
      if (svmOnly && classifierName !== 'svm') continue;
      for (const [augName, augmentation] of Object.entries(AUGMENTATIONS)) {
        const cell: Cell = { features: name, classifier: classifierName, augmentation: augName, wa: [], uar: [], seconds: 0 };
        const t0 = performance.now();
        for (let repeat = 0; repeat < REPEATS; repeat++) {
          const confusions: ConfusionMatrix[] = [];
          for (const fold of folds) {
            const seed = deriveSeed(BASE_SEED, name, classifierName, augName, repeat, fold.speaker);
            const result = await evaluateFold({ train: fold.train, test: fold.test, trainSpeakers: fold.trainSpeakers, augmentation, classifier, seed });
            confusions.push(result.confusion);
          }
          const pooled = metricsFromConfusion(sumConfusionMatrices(confusions));
          cell.wa.push(pooled.wa);
          cell.uar.push(pooled.uar);
        }
        cell.seconds = (performance.now() - t0) / 1000;
        cells.push(cell);
        all.push(cell);
        console.log(row(cell));
        writeFileSync(join(outDir, `loso-table-${name}${svmOnly ? '-svm' : ''}.json`), JSON.stringify({ repeats: REPEATS, classifiers: CLASSIFIERS, augmentations: AUGMENTATIONS, cells }, null, 2));
      }
    }
  }
  console.log('\n| features | classifier | augmentation | WA % | UAR % | seconds |\n|---|---|---|---|---|---|');
  for (const cell of all) console.log(row(cell));
}

function row(cell: Cell): string {
  const fmt = (v: number[]): string => {
    const s = summariseRepeats(v);
    return `${(100 * s.mean).toFixed(2)} ± ${(100 * (s.std ?? 0)).toFixed(2)}`;
  };
  return `| ${cell.features} | ${cell.classifier} | ${cell.augmentation} | ${fmt(cell.wa)} | ${fmt(cell.uar)} | ${cell.seconds.toFixed(0)} |`;
}

void main();
