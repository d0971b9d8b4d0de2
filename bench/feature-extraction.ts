/**
 * openSMILE extraction speed on the whole EMO-DB (535 files), per standard feature set.
 *
 *   npx tsx bench/feature-extraction.ts [--sets ComParE_2016,eGeMAPSv02,emobase] [--corpus DIR]
 *
 * Prints a table and writes bench/output/feature-extraction-<timestamp>.json. Real-time factor is
 * wall time / audio time (lower is faster); "x real time" is its inverse. Extraction is cold
 * each time (no feature cache is involved here).
 *
 * On a shared machine wall time depends on what else runs, so the CPU time of the SMILExtract
 * processes (Linux: cutime + cstime of /proc/self/stat) is reported too: CPU seconds per file
 * and the wall time the same work would take on `processes` idle cores.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../compute/audio/wav';
import { EMODB_ALL_EMOTIONS, readEmodbCorpus } from '../compute/corpus/emodb';
import { extractFeatures, smileExtractVersion, type StandardFeatureSetName } from '../compute/features/opensmile';
import { repoRoot, smileExtract } from '../infra/paths';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const corpus = arg('corpus', join(repoRoot, '..', 'shared', 'emodb', 'wav'));
  const sets = arg('sets', 'ComParE_2016,eGeMAPSv02,emobase').split(',') as StandardFeatureSetName[];
  const entries = await readEmodbCorpus(corpus, { emotions: EMODB_ALL_EMOTIONS });
  let audioSeconds = 0;
  for (const e of entries) {
    const a = await readWav(e.path);
    audioSeconds += a.samples.length / a.sampleRate;
  }
  const smile = smileExtract();
  const version = await smileExtractVersion(smile.binary);
  const results = [];
  for (const set of sets) {
    const load = loadavg()[0];
    const cpuBefore = childCpuSeconds();
    const start = process.hrtime.bigint();
    const r = await extractFeatures(entries, { featureSet: set, smile });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpuAfter = childCpuSeconds();
    const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    results.push({
      featureSet: set,
      files: r.matrix.rows,
      dimension: r.matrix.cols,
      processes: r.processes,
      seconds: round(seconds, 2),
      filesPerSecond: round(r.matrix.rows / seconds, 1),
      realTimeFactor: round(seconds / audioSeconds, 4),
      timesRealTime: round(audioSeconds / seconds, 1),
      loadAverageBefore: round(load ?? 0, 2),
      smileCpuSeconds: cpu === undefined ? null : round(cpu, 1),
      cpuMsPerFile: cpu === undefined ? null : round((cpu * 1000) / r.matrix.rows, 1),
      idleWallSecondsEstimate: cpu === undefined ? null : round(cpu / r.processes, 1),
    });
    const last = results[results.length - 1];
    console.error(`${set}: done in ${last?.seconds} s`);
  }
  const report = {
    benchmark: 'feature-extraction',
    date: new Date().toISOString(),
    smileExtract: version,
    corpus,
    files: entries.length,
    audioSeconds: round(audioSeconds, 1),
    cpus: cpus().length,
    availableParallelism: availableParallelism(),
    node: process.version,
    results,
  };
  console.log(`SMILExtract ${version}, ${entries.length} files, ${report.audioSeconds} s of audio, ${report.availableParallelism} cores\n`);
  console.log('| feature set | dim | processes | wall s | files/s | real-time factor | x real time | load before | SMILExtract CPU s | CPU ms/file | idle-machine wall s (est.) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.featureSet} | ${r.dimension} | ${r.processes} | ${r.seconds} | ${r.filesPerSecond} | ${r.realTimeFactor} | ${r.timesRealTime} | ${r.loadAverageBefore} | ${r.smileCpuSeconds ?? '-'} | ${r.cpuMsPerFile ?? '-'} | ${r.idleWallSecondsEstimate ?? '-'} |`);
  }
  const outDir = join(__dirname, 'output');
  await mkdir(outDir, { recursive: true });
  const out = join(outDir, `feature-extraction-${report.date.replace(/[:.]/g, '-')}.json`);
  await writeFile(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwritten to ${out}`);
}

/** CPU seconds used by waited-for child processes (Linux); undefined elsewhere. */
function childCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3 of the full line, cutime 16 and cstime 17.
    const ticks = Number(fields[13]) + Number(fields[14]);
    return ticks / clockTicks();
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
