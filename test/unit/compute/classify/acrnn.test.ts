// The ACRNN classifier (compute/classify/acrnn.ts) and its hand-written parts: it learns a
// synthetic separable task with 1 and 3 channels; the same seed gives the same weights; an
// utterance's posterior is the maximum over its segments'; the one-kernel LSTM
// (compute/nn/bidirectional-lstm.ts) equals an LSTM of tfjs ops, values and gradients; a fit
// SIGKILLed mid-training resumes bit-identically from its checkpoint; tensors and bad input.
// Tiny widths throughout: the whole file runs in well under two minutes on 2 cores.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AcrnnModel } from '../../../../compute/classify/acrnn';
import { AcrnnClassifier } from '../../../../compute/classify/acrnn';
import type { AcrnnSpec } from '../../../../compute/classify/acrnn-spec';
import type { LabelledSet } from '../../../../compute/labelled-set';
import { bidirectionalLstm, lstm, lstmShapes } from '../../../../compute/nn/bidirectional-lstm';
import { Rng } from '../../../../compute/random';
import { tf } from '../../../../compute/tf';
import { InputError } from '../../../../foundation/errors';
import { useScratchFolder } from '../../../support/scratch-folder';
import { toneSequences } from '../../../support/tone-sequences';

const scratch = useScratchFolder('acrnn-test-');

type Spec = Partial<Omit<AcrnnSpec, 'kind'>>;

const BANDS = 8;
const tiny: Spec = {
  segmentFrames: 24, convMaps: [6, 8], kernel: [3, 3], pool: [2, 2], linear: 16, lstmUnits: 8, fcUnits: 8,
  batchSize: 8, lr: 3e-3, epochs: 8, earlyStopping: null,
};
const train = toneSequences({ perClass: [30, 30, 30], bands: BANDS, minFrames: 12, maxFrames: 60, tone: 0.9, seed: 41 });
const heldOut = toneSequences({ perClass: [15, 15, 15], bands: BANDS, minFrames: 12, maxFrames: 60, tone: 0.9, seed: 42 });

function accuracy(model: AcrnnModel, set: LabelledSet): number {
  const p = model.predict(set.x, set.rows, set.sequence?.lengths);
  return p.filter((c, i) => c === set.y[i]).length / set.rows;
}

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<InputError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an InputError, nothing was thrown');
}

describe('ACRNN classifier', () => {
  for (const channels of [1, 3] as const) {
    it(`a tiny ACRNN (${channels} channel${channels === 1 ? '' : 's'}) learns tone sequences: held-out accuracy far above chance (1/3)`, async () => {
      const model = await new AcrnnClassifier({ ...tiny, channels }).fit(train, 7);
      try {
        const acc = accuracy(model, heldOut);
        assert.ok(acc >= 0.8, `held-out accuracy ${acc.toFixed(3)} with ${channels} channel(s)`);
        assert.equal(model.epochsTrained, tiny.epochs);
      } finally {
        model.dispose();
      }
    });
  }

  it('same set and seed give identical weights and running averages; another seed gives other weights', async () => {
    const spec: Spec = { ...tiny, channels: 3, epochs: 2 };
    const clf = new AcrnnClassifier(spec);
    const a = await clf.fit(train, 11);
    const b = await clf.fit(train, 11);
    const c = await clf.fit(train, 12);
    try {
      assert.deepEqual(a.weights(), b.weights());
      assert.deepEqual(a.runningAverages(), b.runningAverages());
      const wa = a.weights()[0] as Float32Array;
      const wc = c.weights()[0] as Float32Array;
      const differing = wa.filter((v, i) => v !== wc[i]).length;
      assert.ok(differing > wa.length / 2, `only ${differing} of ${wa.length} first-layer weights differ between seeds`);
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  it("an utterance's posterior is, class by class, the maximum over its segments' posteriors", async () => {
    // One channel: a segment's values are its frames alone (deltas would see across the cut).
    const S = tiny.segmentFrames as number;
    const model = await new AcrnnClassifier({ ...tiny, channels: 1, epochs: 3 }).fit(train, 5);
    try {
      // A long utterance of 2.5 segments, mixing the tones of classes 0, 1 and 2 piece by piece,
      // and the same frames as three separate rows of one segment each.
      const length = Math.floor(2.5 * S);
      const rng = new Rng(99);
      const long = new Float32Array(length * BANDS);
      for (let t = 0; t < length; t++) {
        const c = Math.floor(t / S);
        for (let b = 0; b < BANDS; b++) long[t * BANDS + b] = rng.normal() + (b === 2 * c + 1 ? 1.5 : 0);
      }
      const pieces = new Float32Array(3 * S * BANDS);
      const pieceLengths = new Int32Array(3);
      for (let k = 0; k < 3; k++) {
        const from = k * S;
        const to = Math.min(length, from + S);
        pieces.set(long.subarray(from * BANDS, to * BANDS), k * S * BANDS);
        pieceLengths[k] = to - from;
      }
      const whole = model.posteriors(long, 1, Int32Array.of(length));
      const separate = model.posteriors(pieces, 3, pieceLengths);
      const classes = train.classes.length;
      for (let c = 0; c < classes; c++) {
        const expected = Math.max(...[0, 1, 2].map((k) => separate[k * classes + c] as number));
        assert.ok(Math.abs((whole[c] as number) - expected) <= 1e-6, `class ${c}: utterance ${whole[c]}, max over segments ${expected}`);
      }
      // Not vacuous: the segments disagree, so a mean (or the first segment) would differ from the max.
      const spread = Math.max(...[0, 1, 2].map((k) => Math.abs((separate[k * classes] as number) - (separate[classes] as number))));
      assert.ok(spread > 0.05, `the segments' posteriors hardly differ (${spread})`);
      // A row's utterance posteriors are not normalised: the maxima of differing segments sum to more than 1.
      assert.ok(Array.from(whole).reduce((s, v) => s + v, 0) > 1 + 1e-3);
    } finally {
      model.dispose();
    }
  });

  describe('the one-kernel LSTM (BlockLSTMV2 with its gradient kernel)', () => {
    const T = 7;
    const B = 3;
    const I = 5;
    const U = 4;

    /** Keras's LSTM cell with tfjs ops over x [time, batch, inputs]: gates i, f, g, o; zero initial state. */
    function referenceLstm(x: tf.Tensor3D, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor3D {
      let h = tf.zeros([B, U]);
      let c = tf.zeros([B, U]);
      const hs: tf.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const xt = tf.squeeze(tf.slice(x, [t, 0, 0], [1, B, I]), [0]);
        const z = tf.add(tf.matMul(tf.concat([xt, h], 1), kernel), bias);
        const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
        hs.push(h);
      }
      return tf.stack(hs) as tf.Tensor3D;
    }

    function inputs(seed: number): { x: tf.Tensor3D; kernel: tf.Tensor; bias: tf.Tensor; probe: tf.Tensor3D } {
      const rng = new Rng(seed);
      const draw = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * scale);
      const shapes = lstmShapes(I, U);
      return {
        x: tf.tensor3d(draw(T * B * I, 1), [T, B, I]),
        kernel: tf.tensor(draw((I + U) * 4 * U, 0.5), shapes.kernel),
        bias: tf.tensor(draw(4 * U, 0.5), shapes.bias),
        probe: tf.tensor3d(draw(T * B * U, 1), [T, B, U]),
      };
    }

    function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
      assert.deepEqual(a.shape, b.shape);
      return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
    }

    it('its hidden states, and the gradients of a loss on them w.r.t. x, kernel and bias, equal an LSTM of tfjs ops (float32 tolerance)', () => {
      tf.tidy(() => {
        const { x, kernel, bias, probe } = inputs(3);
        const ours = lstm(x, { kernel, bias });
        const theirs = referenceLstm(x, kernel, bias);
        assert.ok(maxAbsDiff(ours, theirs) < 1e-5, `hidden states differ by ${maxAbsDiff(ours, theirs)}`);
        assert.ok(tf.max(tf.abs(theirs)).dataSync()[0] as number > 0.1, 'the hidden states are not trivially small');
        // A loss that weights every hidden state differently, so every time step's gradient matters.
        const loss = (f: (x: tf.Tensor3D, k: tf.Tensor, b: tf.Tensor) => tf.Tensor3D) => (a: tf.Tensor, k: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f(a as tf.Tensor3D, k, b), probe));
        const g1 = tf.grads(loss((a, k, b) => lstm(a, { kernel: k, bias: b })))([x, kernel, bias]);
        const g2 = tf.grads(loss(referenceLstm))([x, kernel, bias]);
        ['x', 'kernel', 'bias'].forEach((name, i) => {
          const d = maxAbsDiff(g1[i] as tf.Tensor, g2[i] as tf.Tensor);
          const scale = tf.max(tf.abs(g2[i] as tf.Tensor)).dataSync()[0] as number;
          assert.ok(d <= 1e-5 * Math.max(1, scale), `gradient w.r.t. ${name} differs by ${d} (largest ${scale})`);
        });
      });
    });

    it('the bidirectional layer is the forward LSTM beside the backward LSTM of the reversed sequence, reversed back', () => {
      tf.tidy(() => {
        const f = inputs(4);
        const b = inputs(5);
        const ours = bidirectionalLstm(f.x, { kernel: f.kernel, bias: f.bias }, { kernel: b.kernel, bias: b.bias });
        const theirs = tf.concat([referenceLstm(f.x, f.kernel, f.bias), tf.reverse(referenceLstm(tf.reverse(f.x, 0), b.kernel, b.bias), 0)], 2);
        assert.ok(maxAbsDiff(ours, theirs) < 1e-5, `bidirectional outputs differ by ${maxAbsDiff(ours, theirs)}`);
      });
    });
  });

  describe('checkpoints', () => {
    const repo = join(__dirname, '..', '..', '..', '..');
    const child = join(repo, 'test', 'support', 'acrnn-fit-child.ts');

    /** Runs the fit child; with killAfter, SIGKILLs it once it has announced that checkpoint. */
    function runChild(dir: string, out: string, opts: { resume?: boolean; killAfter?: number }): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
      return new Promise((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', child, dir, out, ...(opts.resume ? ['--resume'] : [])], {
          cwd: repo, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const saved = [...stdout.matchAll(/^saved (\d+)$/gm)].map((m) => Number(m[1]));
          if (opts.killAfter !== undefined && saved.some((k) => k >= (opts.killAfter as number))) p.kill('SIGKILL');
        });
        p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
        p.on('error', reject);
        p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      });
    }

    it('a fit SIGKILLed after its second epoch checkpoint resumes, in a new process, to weights bit-identical to an uninterrupted fit', async () => {
      {
        const whole = join(scratch.path, 'whole');
        const killed = join(scratch.path, 'killed');
        mkdirSync(whole);
        mkdirSync(killed);
        const wholeOut = join(scratch.path, 'whole.f32');
        const resumedOut = join(scratch.path, 'resumed.f32');
        const [uninterrupted, interrupted] = await Promise.all([runChild(whole, wholeOut, {}), runChild(killed, resumedOut, { killAfter: 2 })]);
        assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
        assert.equal(interrupted.signal, 'SIGKILL', `the child was not killed mid-training: ${interrupted.stdout}`);
        assert.ok(!existsSync(resumedOut), 'the killed child finished before the kill');
        const resumed = await runChild(killed, resumedOut, { resume: true });
        assert.equal(resumed.code, 0, resumed.stderr);
        const from = Number(/^resumed (\d+)$/m.exec(resumed.stdout)?.[1]);
        const epochs = [...uninterrupted.stdout.matchAll(/^saved (\d+)$/gm)].length;
        assert.ok(from >= 2 && from < epochs, `resumed from epoch ${from} of ${epochs}`);
        assert.match(resumed.stdout, new RegExp(`^saved ${from + 1}$`, 'm'));
        const a = readFileSync(wholeOut);
        const b = readFileSync(resumedOut);
        assert.equal(a.length, b.length);
        assert.ok(a.equals(b), 'the resumed fit\'s weights differ from the uninterrupted fit\'s');
      }
    });

    it('a checkpoint of another seed or another spec is refused with an InputError naming the checkpoint', async () => {
      const spec: Spec = { ...tiny, channels: 1, epochs: 1 };
      let bytes: Uint8Array | undefined;
      const model = await new AcrnnClassifier(spec).fit(train, 21, { checkpoint: { everyEpochs: 1, save: async (b) => { bytes = b; } } });
      model.dispose();
      assert.ok(bytes);
      const restored = bytes;
      const cases: [string, Spec, number][] = [['seed', spec, 22], ['spec', { ...spec, lr: 1e-3 }, 21]];
      for (const [what, other, seed] of cases) {
        const before = tf.memory().numTensors;
        const err = await rejection(new AcrnnClassifier(other).fit(train, seed, { checkpoint: { restored, everyEpochs: 1, save: async () => undefined } }));
        assert.equal(err.details.field, 'checkpoint');
        assert.match(err.message, new RegExp(`its ${what} differs`));
        assert.equal(tf.memory().numTensors, before, `tensors left behind after refusing a checkpoint of another ${what}`);
      }
    });
  });

  describe('tensors and input', () => {
    it('fit (with early stopping and checkpoints), predict and dispose leave tf.memory().numTensors where it was', async () => {
      const warm = await new AcrnnClassifier({ ...tiny, epochs: 1 }).fit(train, 3);
      warm.dispose();
      const before = tf.memory().numTensors;
      const model = await new AcrnnClassifier({ ...tiny, channels: 3, epochs: 4, earlyStopping: { validationFraction: 0.2, patience: 2 } })
        .fit(train, 3, { validation: heldOut, checkpoint: { everyEpochs: 1, save: async () => undefined } });
      model.predict(heldOut.x, heldOut.rows, heldOut.sequence?.lengths);
      assert.ok(tf.memory().numTensors > before, 'the model holds its variables until dispose()');
      model.dispose();
      assert.equal(tf.memory().numTensors, before);
    });

    it('predict without lengths is an InputError naming lengths', async () => {
      const model = await new AcrnnClassifier({ ...tiny, epochs: 1 }).fit(train, 3);
      try {
        const err = await rejection(() => model.predict(heldOut.x, heldOut.rows));
        assert.equal(err.details.field, 'lengths');
      } finally {
        model.dispose();
      }
    });

    it('a LabelledSet without `sequence` is an InputError naming train.sequence', async () => {
      const { sequence: _, ...vectors } = train;
      const err = await rejection(new AcrnnClassifier(tiny).fit(vectors, 3));
      assert.equal(err.details.field, 'train.sequence');
      assert.match(err.message, /sequence/);
    });
  });
});
