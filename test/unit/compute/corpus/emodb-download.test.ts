/**
 * The EMO-DB download against a local HTTP server serving a generated archive laid out like the
 * official one (`wav/` with the 535 utterance names, tiny audio), and against a port where
 * nothing listens, as on a machine without internet.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { encodeWavPcm16 } from '../../../../compute/audio/wav';
import { ArchiveUnreachableError, downloadEmodb, EMODB_UTTERANCES } from '../../../../compute/corpus/emodb-download';
import { InputError } from '../../../../foundation/errors';
import { emodbWav } from '../../../support/emodb-subset';
import { useScratchFolder } from '../../../support/scratch-folder';

const scratch = useScratchFolder('serflow-emodb-download-');

/** A zip of `wav/<name>` for each name, made with Python's zipfile (as the download unpacks it). */
async function archive(dir: string, names: readonly string[]): Promise<Buffer> {
  const audio = encodeWavPcm16(Float32Array.from({ length: 80 }, (_, i) => Math.sin(i)), 16000);
  await mkdir(join(dir, 'wav'), { recursive: true });
  for (const name of names) await writeFile(join(dir, 'wav', name), audio);
  await writeFile(join(dir, 'wav', 'readme.txt'), 'the archive ships text files beside the audio');
  await promisify(execFile)('python3', ['-m', 'zipfile', '-c', 'download.zip', 'wav'], { cwd: dir });
  return readFile(join(dir, 'download.zip'));
}

describe('EMO-DB download', () => {
  let server: Server;
  let base = '';
  const served: Record<string, Buffer> = {};
  const requests: string[] = [];

  before(async () => {
    const names = (await readdir(emodbWav)).filter((n) => n.endsWith('.wav'));
    assert.equal(names.length, EMODB_UTTERANCES);
    served['/download.zip'] = await archive(join(scratch.path, 'full'), names);
    served['/short.zip'] = await archive(join(scratch.path, 'short'), names.slice(0, 10));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = served[req.url ?? ''];
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads, unpacks and checks the archive, reporting progress; a second call downloads nothing', async () => {
    const dest = join(scratch.path, 'dest');
    const progress: [number, number | undefined][] = [];
    const wavDir = await downloadEmodb(dest, { url: `${base}/download.zip`, onProgress: (r, t) => progress.push([r, t]) });
    assert.equal(wavDir, join(dest, 'wav'));
    assert.equal((await readdir(wavDir)).filter((n) => n.endsWith('.wav')).length, EMODB_UTTERANCES);
    assert.deepEqual(progress.at(-1), [served['/download.zip']?.length, served['/download.zip']?.length]);
    assert.ok(!(await readdir(dest)).some((n) => n.startsWith('download.zip')), 'the archive is removed once unpacked');
    const before = requests.length;
    assert.equal(await downloadEmodb(dest, { url: `${base}/download.zip` }), wavDir);
    assert.equal(requests.length, before, 'no request when the corpus is already there');
  });

  it('an archive without the 535 utterances is an InputError saying what to do', async () => {
    const dest = join(scratch.path, 'short-dest');
    await assert.rejects(downloadEmodb(dest, { url: `${base}/short.zip` }), (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.match(err.message, /does not hold the EMO-DB utterances.*expected 535, got 10.*delete/);
      return true;
    });
  });

  it('no server, or no archive there: one error naming the address and where to put the archive by hand', async () => {
    const dest = join(scratch.path, 'offline');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    for (const [url, why] of [[`http://127.0.0.1:${closedPort}/download.zip`, /ECONNREFUSED/], [`${base}/missing.zip`, /HTTP 404/]] as const) {
      await assert.rejects(downloadEmodb(dest, { url }), (err: unknown) => {
        assert.ok(err instanceof ArchiveUnreachableError, String(err));
        assert.equal(err.dest, dest);
        assert.match(err.message, why);
        assert.ok(err.message.includes(url) && err.message.includes(join(dest, 'wav')), err.message);
        assert.doesNotMatch(err.message, /\n/, 'one line');
        return true;
      });
    }
  });
});
