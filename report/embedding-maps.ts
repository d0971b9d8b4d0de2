/**
 * The data of Figure 10: for the first fold that has trained GANs, the real training vectors
 * of each class (z-normalised, as the GANs saw them) and as many synthetic vectors per class from
 * each GAN's final checkpoint, embedded in 2-D, with per-class coverage numbers.
 *
 * Embeddings: PCA (default) fitted on the real vectors only, so that the axes are the real
 * data's main directions and synthetic vectors are placed in them; UMAP (umap-js) on the
 * 20 leading principal components of the real data (UMAP on thousands of raw dimensions is slow
 * in JS and its nearest neighbours are dominated by noise dimensions), one embedding for the real
 * and both GANs' synthetic vectors so that both panels share axes.
 * Coverage: k-NN precision and recall (k = 3, compute/cyclegan/quality.ts) in the full feature
 * space; taken from the GAN run's metrics `quality/<class>/precision|recall` when it logged them.
 */
import { UMAP } from 'umap-js';
import { CycleGanTrainer } from '../compute/cyclegan/trainer';
import { knnPrecisionRecall, rowsOfClass, type VectorSet } from '../compute/cyclegan/quality';
import { deriveSeed, Rng } from '../compute/random';
import type { GanLoss } from '../foundation/gan-loss';
import { fitPrincipalComponents, projectOnComponents } from '../compute/statistics/principal-components';
import type { ArtifactStore } from '../store/artifact-store';
import { loadFoldSets } from '../store/fold-store';
import type { MapPoint } from './charts/embedding-map';
import type { GanRunRecord } from './experiment-record';
import type { ResultsJson } from './results-schema';

export type EmbeddingMethod = 'pca' | 'umap';

export interface ClassCoverage {
  precision: number;
  recall: number;
  /** 'gan run': logged by the GAN run; 'report': computed here. */
  source: 'gan run' | 'report';
}

export interface EmbeddingMap {
  method: EmbeddingMethod;
  points: MapPoint[];
  axisTitles: [string, string];
}

export interface EmbeddingMaps {
  foldIndex: number;
  fold: string;
  losses: GanLoss[];
  maps: EmbeddingMap[];
  /** loss -> class -> coverage. */
  coverage: Partial<Record<GanLoss, Record<string, ClassCoverage>>>;
  realPerClass: Record<string, number>;
}

export interface EmbeddingOptions {
  methods?: EmbeddingMethod[];
  /** Real and synthetic vectors shown per class at most (default 200). */
  maxPerClass?: number;
  seed?: number;
}

interface Cloud {
  loss: GanLoss | 'real';
  className: string;
  set: VectorSet;
}

export async function buildEmbeddingMaps(store: ArtifactStore, results: ResultsJson, ganRuns: readonly GanRunRecord[], options: EmbeddingOptions = {}): Promise<EmbeddingMaps | undefined> {
  const usable = ganRuns.filter((r) => r.ganKey !== undefined);
  if (usable.length === 0) return undefined;
  const foldIndex = Math.min(...usable.map((r) => r.foldIndex));
  const runs = usable.filter((r) => r.foldIndex === foldIndex);
  const maxPerClass = options.maxPerClass ?? 200;
  const seed = options.seed ?? 20220101;
  const { fold, train } = await loadFoldSets(store, { ...results.features, foldIndex, classes: results.classes });

  const clouds: Cloud[] = [];
  const realPerClass: Record<string, number> = {};
  const realOf = new Map<string, VectorSet>();
  results.classes.forEach((className, k) => {
    const all = rowsOfClass(train, k);
    realOf.set(className, all);
    realPerClass[className] = all.rows;
    clouds.push({ loss: 'real', className, set: subsample(all, maxPerClass, deriveSeed(seed, 'real', className)) });
  });
  const coverage: EmbeddingMaps['coverage'] = {};
  for (const run of runs) {
    const trainer = CycleGanTrainer.fromCheckpoint(await store.get(run.ganKey as string));
    try {
      const perClass: Record<string, ClassCoverage> = {};
      for (const k of trainer.targetClasses) {
        const className = results.classes[k] ?? String(k);
        const real = realOf.get(className);
        if (!real || real.rows === 0) continue;
        const synthetic = trainer.generate(k, Math.min(real.rows, maxPerClass), deriveSeed(seed, 'map', run.loss, className));
        clouds.push({ loss: run.loss, className, set: synthetic });
        const loggedPrecision = run.metrics.get(`quality/${className}/precision`);
        const loggedRecall = run.metrics.get(`quality/${className}/recall`);
        if (loggedPrecision !== undefined && loggedRecall !== undefined) perClass[className] = { precision: loggedPrecision, recall: loggedRecall, source: 'gan run' };
        else if (real.rows > 3 && synthetic.rows > 3) perClass[className] = { ...knnPrecisionRecall(real, synthetic, 3), source: 'report' };
      }
      coverage[run.loss] = perClass;
    } finally {
      trainer.dispose();
    }
  }
  const losses = runs.map((r) => r.loss);
  const reals = clouds.filter((c) => c.loss === 'real');
  const realStack = stack(reals.map((c) => c.set), train.cols);
  const methods = options.methods ?? ['pca'];
  // One fit serves both maps: the PCA map is the first two of the components UMAP starts from.
  const pca = fitPrincipalComponents(realStack.x, realStack.rows, train.cols, methods.includes('umap') ? 20 : 2, { iterations: 200 });
  const all = stack(clouds.map((c) => c.set), train.cols);
  const projected = projectOnComponents(pca, all.x, all.rows);
  const k = pca.variances.length;
  const maps: EmbeddingMap[] = [];
  for (const method of methods) {
    let xy: [number, number][];
    let axisTitles: [string, string];
    if (method === 'pca') {
      xy = Array.from({ length: all.rows }, (_, r) => [projected[r * k] as number, (projected[r * k + 1] ?? 0) as number]);
      const share = (q: number) => `${Math.round(100 * (pca.explained[q] ?? 0))} %`;
      axisTitles = [`PC 1 (${share(0)} of real variance)`, `PC 2 (${share(1)} of real variance)`];
    } else {
      const rng = new Rng(deriveSeed(seed, 'umap'));
      const vectors = Array.from({ length: all.rows }, (_, r) => Array.from(projected.subarray(r * k, (r + 1) * k)));
      const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, all.rows - 1), minDist: 0.1, nEpochs: 200, random: () => rng.next() });
      xy = umap.fit(vectors).map((p) => [p[0] ?? 0, p[1] ?? 0]);
      axisTitles = ['UMAP 1', 'UMAP 2'];
    }
    const points: MapPoint[] = [];
    let offset = 0;
    for (const cloud of clouds) {
      for (let r = 0; r < cloud.set.rows; r++) {
        const [x, y] = xy[offset + r] as [number, number];
        // Real vectors appear in every GAN's panel.
        const panels = cloud.loss === 'real' ? losses : [cloud.loss];
        for (const loss of panels) points.push({ loss, className: cloud.className, source: cloud.loss === 'real' ? 'real' : 'synthetic', x, y });
      }
      offset += cloud.set.rows;
    }
    maps.push({ method, points, axisTitles });
  }
  return { foldIndex, fold: fold.name, losses, maps, coverage, realPerClass };
}

function subsample(set: VectorSet, max: number, seed: number): VectorSet {
  if (set.rows <= max) return set;
  const rng = new Rng(seed);
  const order = Array.from({ length: set.rows }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const picked = order.slice(0, max).sort((a, b) => a - b);
  const x = new Float32Array(max * set.cols);
  picked.forEach((r, i) => x.set(set.x.subarray(r * set.cols, (r + 1) * set.cols), i * set.cols));
  return { rows: max, cols: set.cols, x };
}

function stack(sets: readonly VectorSet[], cols: number): VectorSet {
  const rows = sets.reduce((a, s) => a + s.rows, 0);
  const x = new Float32Array(rows * cols);
  let at = 0;
  for (const s of sets) {
    x.set(s.x.subarray(0, s.rows * cols), at);
    at += s.rows * cols;
  }
  return { rows, cols, x };
}
