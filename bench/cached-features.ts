/**
 * Time of a cached feature request: the extractFeatures activity asked again for features it
 * has already stored (hash the corpus, look up the memo, return the key; SMILExtract is not run).
 *   npx tsx bench/cached-features.ts [--config configs/quick.yaml] [--repeats 5]
 * Uses the main stack's store (SERFLOW_STATE); run the config once first so the memo holds it.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { loadExperimentConfig } from '../configs/load/experiment-config';
import { loadStackSettings } from '../infra/stack-settings';
import { createRuntimeDeps } from '../composition/runtime-deps';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--config');
  const file = i > 0 ? (process.argv[i + 1] as string) : 'configs/quick.yaml';
  const r = process.argv.indexOf('--repeats');
  const repeats = r > 0 ? Number(process.argv[r + 1]) : 5;
  const acts = createActivities(createRuntimeDeps(loadStackSettings()));
  const { config, configDir } = loadExperimentConfig(file);
  const env = new MockActivityEnvironment();
  const times: number[] = [];
  let hit = true;
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    const ref = (await env.run(acts.extractFeatures as never, { corpus: config.corpus, features: config.features, configDir } as never)) as { memoHit: boolean; rows: number; cols: number };
    times.push(performance.now() - t0);
    hit &&= ref.memoHit;
    if (k === 0) process.stdout.write(`${config.features.extractor === 'opensmile' ? config.features.set : 'table'}: ${ref.rows} x ${ref.cols}, memo hit ${ref.memoHit}\n`);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(`cached request (all memo hits: ${hit}): min ${times[0]?.toFixed(0)} ms, median ${times[Math.floor(times.length / 2)]?.toFixed(0)} ms, max ${times[times.length - 1]?.toFixed(0)} ms\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
