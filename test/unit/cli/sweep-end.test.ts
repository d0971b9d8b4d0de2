/**
 * What `serflow sweep` prints after its table (cli/launch/follow-to-end.ts): the held-out test UAR when
 * the sweep held speakers out; otherwise that the best configuration's test figure was selected
 * across folds and is optimistic; and for a grid with an objective, the validation score the best
 * is chosen on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderSweepEnd, renderSweepOutcomes } from '../../../cli/launch/follow-to-end';
import { bestNote, chooseBest } from '../../../workflows/sweep-holdout';

const candidates = [
  { name: 'a', values: { 'noise.sigma': 0.1 }, validation: 0.70, objectiveTest: { uar: 0.66, wa: 0.67 }, bestTestCell: { cellId: 'none/svm', uar: 0.69, wa: 0.7 } },
  { name: 'b', values: { 'noise.sigma': 0.2 }, validation: 0.74, objectiveTest: { uar: 0.61, wa: 0.62 }, bestTestCell: { cellId: 'noise/ratio-1/svm', uar: 0.61, wa: 0.62 } },
];

test('with a holdout the terminal shows the held-out test UAR, the speakers and the final run', () => {
  const best = chooseBest(candidates, 'noise/ratio-1/svm');
  assert.equal(best?.name, 'b');
  const holdout = { speakers: ['03', '16'], workflowId: 'w/holdout', runId: 'final', cellId: 'noise/ratio-1/svm', uar: 0.655, wa: 0.66 };
  const text = renderSweepEnd({ best, holdout, note: bestNote(best, holdout, ['03', '16']) });
  assert.match(text, /^\nheld-out test UAR: 65\.50 % \(WA 66\.00 %\) of noise\/ratio-1\/svm on speakers 03, 16, which no trial saw; final run final\n/);
  assert.match(text, /best configuration b, chosen on the inner-CV validation UAR of noise\/ratio-1\/svm \(74\.00 %\)/);
});

test('without a holdout it says the best\'s test figure was selected across folds and is optimistic', () => {
  const best = chooseBest(candidates, 'noise/ratio-1/svm');
  const text = renderSweepEnd({ best, holdout: undefined, note: bestNote(best, undefined, undefined) });
  assert.match(text, /best configuration's test UAR: 61\.00 % of noise\/ratio-1\/svm, selected across the folds it is measured on: optimistic, not a held-out estimate/);
  assert.match(text, /each test speaker was a validation speaker in the other folds\): it is optimistic\. Add `search\.holdout` for an unbiased figure\./);
  const onTest = chooseBest(candidates, undefined);
  assert.deepEqual([onTest?.name, onTest?.chosenOn, onTest?.cellId], ['a', 'test', 'none/svm']);
  assert.match(bestNote(onTest, undefined, undefined), /chosen on test: the highest mean test UAR of any cell \(none\/svm\)/);
});

test('a grid with an objective prints its cell\'s validation score beside the test scores', () => {
  const text = renderSweepOutcomes([{ name: 'a', values: { x: 1 }, parentRunId: 'r', best: { cellId: 'none/svm', uar: 0.7, wa: 0.7 }, objective: { cellId: 'noise/ratio-1/svm', validation: 0.72, uar: 0.6, wa: 0.61 }, memoHits: 0, memoLookups: 3 }]);
  assert.match(text, /\| experiment \| values \| validation UAR % \(noise\/ratio-1\/svm\) \| test UAR % \| test WA % \| memo hits \|/);
  assert.match(text, /\| a \| \{"x":1\} \| 72\.00 \| 60\.00 \| 61\.00 \| 0\/3 \|/);
});
