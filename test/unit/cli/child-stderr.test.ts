/**
 * A compute worker child's stderr forwarded to the terminal (cli/launch/child-stderr.ts): TensorFlow's
 * start-up banner (the lines TensorFlow 2.21 prints with oneDNN on, copied from a real start) is
 * dropped, every other line is passed on whole and in order.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { forwardChildStderr } from '../../../cli/launch/child-stderr';

test('drops TensorFlow\'s start-up lines and forwards every other line in order', async () => {
  const child = new PassThrough();
  const written: string[] = [];
  const out = { isTTY: false, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  forwardChildStderr(child, out);
  child.write('WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n');
  child.write('I0000 00:00:1796041887.060818   17644 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.\n');
  child.write('12:01:02 WARN: cycle-GAN batch lowered from 64 to 55');
  child.write(': class \'sadness\' has only 55 vectors\nError: oneDNN custom operations are on? no: a real error\n');
  child.end();
  await once(child, 'end');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(written, [
    '12:01:02 WARN: cycle-GAN batch lowered from 64 to 55: class \'sadness\' has only 55 vectors\n',
    'Error: oneDNN custom operations are on? no: a real error\n',
  ]);
});
