/**
 * The type of every chart of a report: a Vega-Lite spec (JSON), so that the figures are data
 * that tests can read and that anyone can re-open in the Vega editor.
 */
import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };
import type { GanLoss } from '../foundation/gan-loss';

export type ChartSpec = TopLevelSpec;

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Display names of the classifiers and of the GAN losses, as the paper writes them. */
export function classifierLabel(classifier: string): string {
  return classifier.toUpperCase();
}

export function ganLossLabel(loss: GanLoss): string {
  return loss === 'ce' ? 'cycle-GAN (cross-entropy)' : 'cycle-GAN + Wasserstein (WGAN-div)';
}
