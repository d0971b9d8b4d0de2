/**
 * The real SMILExtract from the project virtualenv on a handful of EMO-DB files: dimensions of
 * the three standard sets, finite values, and the same vector for the same file twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readEmodbCorpus } from '../../compute/corpus/emodb';
import { extractFeatures, smileExtractVersion } from '../../compute/features/opensmile';
import { smileExtract } from '../../infra/paths';

const EMODB = '/work/shared/emodb/wav';
const EXPECTED = { ComParE_2016: 6373, emobase: 988, eGeMAPSv02: 88 } as const;

describe('openSMILE on EMO-DB', () => {
  it('reports the SMILExtract version', async () => {
    assert.match(await smileExtractVersion(smileExtract().binary), /^3\.\d+\.\d+/);
  });

  for (const [set, dimension] of Object.entries(EXPECTED)) {
    it(`${set}: ${dimension} finite values per file, identical on a repeat`, async () => {
      const all = await readEmodbCorpus(EMODB);
      // Six files from six speakers and several emotions.
      const bySpeaker = new Map(all.map((e) => [e.speaker, e]));
      const entries = [...bySpeaker.values()].slice(0, 6);
      const first = await extractFeatures(entries, { featureSet: set, smile: smileExtract() });
      assert.equal(first.matrix.rows, 6);
      assert.equal(first.matrix.cols, dimension);
      assert.equal(first.matrix.columns.length, dimension);
      assert.ok(!first.matrix.columns.some((c) => /^(name|frameTime)$/.test(c)));
      assert.ok(first.matrix.data.every(Number.isFinite));
      // Different files give different vectors (a constant output would pass the checks above).
      const row = (i: number) => Array.from(first.matrix.data.subarray(i * dimension, (i + 1) * dimension));
      assert.notDeepEqual(row(0), row(1));
      const again = await extractFeatures([entries[2], entries[0]].filter((e) => e !== undefined), { featureSet: set, smile: smileExtract(), concurrency: 1 });
      assert.deepEqual(Array.from(again.matrix.data.subarray(0, dimension)), row(2));
      assert.deepEqual(Array.from(again.matrix.data.subarray(dimension)), row(0));
    });
  }
});
