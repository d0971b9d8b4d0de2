// The GAN spec: defaults as documented, strict (a typo fails), all problems reported with paths;
// and the modules that only name things (spec, loss names, fold-data checks) load without tfjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { z } from 'zod';
import { canonicalGanSpec, discriminatorHiddenOf, parseGanSpec } from '../../../../compute/cyclegan/gan-spec';

test('defaults follow the paper where it is specific', () => {
  const spec = parseGanSpec({});
  assert.equal(spec.loss, 'wdiv');
  assert.deepEqual(spec.hidden, [800, 800]);
  assert.equal(spec.batchSize, 64);
  assert.equal(spec.lr, 2e-4);
  assert.equal(spec.lrDecayEvery, 50);
  assert.equal(spec.lambdaCyc, 1);
  assert.equal(spec.wdivK, 2);
  assert.equal(spec.wdivP, 6);
  assert.equal(spec.realLabel, 0.9);
  assert.equal(spec.generatorStepsPerDiscriminatorStep, 2);
  assert.equal(spec.cycleLoss, 'mean');
  assert.equal(spec.shareAcrossRepeats, false);
  assert.deepEqual(discriminatorHiddenOf(spec), [128, 128]);
  assert.deepEqual(discriminatorHiddenOf(parseGanSpec({ discriminator: 'mlp' })), [800, 800]);
});

test('a typo or a bad value fails, every problem with its path', () => {
  assert.throws(() => parseGanSpec({ lamdaCyc: 2 }), /lamdaCyc/);
  try {
    parseGanSpec({ loss: 'wgan', batchSize: 0, classifier: { epochs: -1 } });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof z.ZodError);
    const paths = e.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['batchSize', 'classifier.epochs', 'loss']);
  }
});

test('the spec, the loss names and the fold-data checks load without TensorFlow', () => {
  // configs, workflows (types) and the report import these: loading tfjs there would cost seconds
  // and a native addon for a constant. A fresh process, since this one has tfjs loaded already.
  const script = ['gan-spec', 'training-report', 'fold-data']
    .map((m) => `require('./compute/cyclegan/${m}');`)
    .join('') + "process.stdout.write(String(Object.keys(require.cache).filter((k) => k.includes('@tensorflow')).length));";
  assert.equal(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' }), '0');
});

test('the canonical spec leaves out what does not change a training\'s result: sharing, and the cycle loss at its old behaviour', () => {
  // Memo keys and checkpoint headers hash it: entries written before these fields existed stay valid.
  const { cycleLoss: _c, shareAcrossRepeats: _s, ...before } = parseGanSpec({ loss: 'ce', epochs: 3 });
  assert.deepEqual(canonicalGanSpec(parseGanSpec({ loss: 'ce', epochs: 3 })), before);
  assert.deepEqual(canonicalGanSpec(parseGanSpec({ loss: 'ce', epochs: 3, cycleLoss: 'mean', shareAcrossRepeats: true })), before);
  assert.deepEqual(canonicalGanSpec({ loss: 'ce', shareAcrossRepeats: false }), { loss: 'ce' });
  assert.deepEqual(canonicalGanSpec(parseGanSpec({ loss: 'ce', epochs: 3, cycleLoss: 'sum' })), { ...before, cycleLoss: 'sum' });
  assert.throws(() => parseGanSpec({ cycleLoss: 'l1' }), /cycleLoss/);
});
