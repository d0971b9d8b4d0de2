/**
 * A report has no heading without content (issue 30: an Optuna sweep's report.html had an empty
 * "Table 1" heading right above "Best trials"), and lists expected adjustments under their own
 * heading only when the run recorded any.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReportHtml, type HtmlSection } from '../../../report/report-html';

const section = (extra: Partial<HtmlSection>): HtmlSection => ({ heading: 'h', facts: [['run', 'r1']], tableHtml: '', figures: [], notes: [], ...extra });
const headings = (html: string) => [...html.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1]);

test('a table that brings its own heading gets no Table 1 heading; an experiment\'s table does', () => {
  const optuna = renderReportHtml('t', [section({ tableHtml: '<h3>Best trials by uar</h3>\n<table></table>' })], 'now');
  assert.deepEqual(headings(optuna), ['Best trials by uar']);
  const experiment = renderReportHtml('t', [section({ tableHeading: 'Table 1: WA and UAR per method and classifier', tableHtml: '<table></table>' })], 'now');
  assert.deepEqual(headings(experiment), ['Table 1: WA and UAR per method and classifier']);
  assert.deepEqual(headings(renderReportHtml('t', [section({ tableHeading: 'Table 1', tableHtml: '' })], 'now')), [], 'no table, no heading');
});

test('expected adjustments are listed under their heading, which is absent without any', () => {
  const html = renderReportHtml('t', [section({ adjustments: ["cycle-GAN batch lowered from 64 to 53: class 'sadness' has only 53 vectors"] })], 'now');
  assert.deepEqual(headings(html), ['Adjusted as expected']);
  assert.match(html, /<li>cycle-GAN batch lowered from 64 to 53: class &#39;sadness&#39; has only 53 vectors<\/li>|<li>cycle-GAN batch lowered from 64 to 53: class 'sadness' has only 53 vectors<\/li>/);
  assert.deepEqual(headings(renderReportHtml('t', [section({ adjustments: [] })], 'now')), []);
});
