/**
 * `serflow data` as a person runs it (bin/serflow in a child process): a manifest built from a
 * RAVDESS-named folder is what a `kind: manifest` config reads; a bad name fails with one line
 * naming the file and the fix; fetching EMO-DB where the server cannot be reached says in one
 * line where to put the archive, and with the corpus in place downloads nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { corpusEntries } from '../../../activities/corpus-source';
import { EMODB_DEFAULT_DEST } from '../../../cli/commands/data-command';
import { ExitCode } from '../../../cli/exit-codes';
import { encodeWavPcm16 } from '../../../compute/audio/wav';
import { readManifest } from '../../../compute/corpus/manifest';
import { corpusSchema } from '../../../configs/schema/experiment';
import { emodbWav } from '../../support/emodb-subset';
import { useScratchFolder } from '../../support/scratch-folder';

const scratch = useScratchFolder('serflow-data-command-');
const repo = resolve(__dirname, '..', '..', '..');

function serflow(args: string[]) {
  const res = spawnSync(join(repo, 'bin', 'serflow'), args, { env: { ...process.env, SERFLOW_STATE: join(scratch.path, 'state') }, encoding: 'utf8', timeout: 180_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

async function writeWavs(root: string, files: readonly string[]): Promise<void> {
  const audio = encodeWavPcm16(Float32Array.from({ length: 160 }, (_, i) => 0.2 * Math.sin(i / 5)), 48000);
  for (const file of files) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), audio);
  }
}

test('serflow data manifest ravdess writes the manifest a kind: manifest config reads, and says how to use it', async () => {
  const root = join(scratch.path, 'ravdess');
  const files = ['Actor_01/03-01-05-01-02-01-01.wav', 'Actor_01/03-01-01-01-01-01-01.wav', 'Actor_02/03-01-08-02-01-02-02.wav'];
  await writeWavs(root, files);
  const res = serflow(['data', 'manifest', 'ravdess', root]);
  assert.equal(res.code, ExitCode.ok, res.stderr);
  const manifest = join(root, 'manifest.csv');
  assert.match(res.stdout, /RAVDESS: 3 files, 2 speakers \(anger 1, neutral 1, surprise 1\)/);
  assert.ok(res.stdout.includes(`corpus: { kind: manifest, path: ${manifest} }`), res.stdout);

  const corpus = corpusSchema.parse({ kind: 'manifest', path: 'ravdess/manifest.csv' });
  const entries = await corpusEntries(corpus, scratch.path);
  assert.deepEqual(entries, await readManifest(manifest));
  assert.deepEqual(entries.map((e) => [e.file, e.label, e.speaker]), [
    ['Actor_01/03-01-01-01-01-01-01.wav', 'neutral', '01'],
    ['Actor_01/03-01-05-01-02-01-01.wav', 'anger', '01'],
    ['Actor_02/03-01-08-02-01-02-02.wav', 'surprise', '02'],
  ]);

  const json = serflow(['data', 'manifest', 'ravdess', root, '--force', '--json']);
  assert.equal(json.code, ExitCode.ok, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { manifest, corpus: 'RAVDESS', files: 3, speakers: 2, labels: { neutral: 1, anger: 1, surprise: 1 }, skipped: [] });
});

test('a file not named by the convention: exit 2 and one line naming it and the fix; --skip-bad-names lists it and goes on', async () => {
  const root = join(scratch.path, 'savee');
  await writeWavs(root, ['DC_a01.wav', 'DC_sa02.wav', 'DC_anger.wav']);
  const bad = serflow(['data', 'manifest', 'savee', root]);
  assert.equal(bad.code, ExitCode.badInput);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, new RegExp(`^serflow: error: ${join(root, 'DC_anger.wav')}: not a SAVEE file name .*e\\.g\\. DC_a01\\.wav.*Fix: .*--skip-bad-names`));

  const skipped = serflow(['data', 'manifest', 'savee', root, '--skip-bad-names']);
  assert.equal(skipped.code, ExitCode.ok, skipped.stderr);
  assert.match(skipped.stderr, /^skipped 1 \.wav files not named by the SAVEE convention .*: DC_anger\.wav\n$/);
  assert.match(skipped.stdout, /SAVEE: 2 files, 1 speakers \(anger 1, sadness 1\)/);

  const unknown = serflow(['data', 'manifest', 'iemocap', root]);
  assert.equal(unknown.code, ExitCode.badInput);
  assert.match(unknown.stderr, /no file-name convention known for "iemocap"/);
});

test('serflow data fetch emodb without a reachable server: exit 1, one line with the address and where to put the archive', async () => {
  const closed = createServer();
  await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/download.zip`;
  await new Promise<void>((done) => closed.close(() => done()));
  const dest = join(scratch.path, 'emodb');
  const res = serflow(['data', 'fetch', 'emodb', '--to', dest, '--url', url]);
  assert.equal(res.code, ExitCode.failed);
  assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  assert.match(res.stderr, /^serflow: error: cannot download .*ECONNREFUSED/);
  for (const part of [url, `unzip it into ${dest}`, join(dest, 'wav'), `set corpus.path in your config to ${join(dest, 'wav')}`]) {
    assert.ok(res.stderr.includes(part), `"${part}" in ${res.stderr}`);
  }
});

test('serflow data fetch emodb with the corpus where the configs read it downloads nothing and says so', { skip: resolve(emodbWav) !== join(EMODB_DEFAULT_DEST, 'wav') && 'EMO-DB is not at ../shared/emodb/wav here' }, () => {
  const res = serflow(['data', 'fetch', 'emodb', '--url', 'http://127.0.0.1:1/never-asked.zip']);
  assert.equal(res.code, ExitCode.ok, res.stderr);
  assert.equal(res.stdout, `EMO-DB: 535 utterances in ${join(EMODB_DEFAULT_DEST, 'wav')}; the configs in configs/ read it there\n`);
});
