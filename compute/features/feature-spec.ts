/**
 * Feature specs: the config boundary of the extractors, and each extractor's declarations. The
 * schemas are the types. A new extractor adds its schema to the union and its entry to
 * `EXTRACTORS` (what shape its rows have, how it is named); the activities add how it runs
 * (activities/feature-extractors.ts), and configs follow.
 */
import { z } from 'zod';
import type { ShapeKind } from './feature-shape';
import { logMelSpecSchema } from './log-mel';

export const opensmileFeaturesSchema = z.strictObject({
  extractor: z.literal('opensmile'),
  /** A standard set (ComParE_2016, eGeMAPSv02, emobase) or a path to a .conf file. */
  set: z.string().min(1),
  /** 'fail' stops at the first bad audio file; 'skip' leaves it out and reports it. */
  onError: z.enum(['fail', 'skip']).default('fail'),
});

export const tableFeaturesSchema = z.strictObject({
  extractor: z.literal('table'),
  /** An openSMILE CSV or ARFF table of precomputed features (needs label and speaker columns). */
  path: z.string().min(1),
});

/**
 * Log-Mel spectrograms (compute/features/log-mel.ts), one sequence of frames x bands per file:
 * the input of the spectrogram classifiers (acrnn). Defaults are Chen et al. 2018's: 40 bands,
 * 25 ms Hamming windows every 10 ms of the 16 kHz audio.
 */
export const logMelFeaturesSchema = logMelSpecSchema.extend({
  extractor: z.literal('logmel'),
  /** 'fail' stops at the first bad audio file; 'skip' leaves it out and reports it. */
  onError: z.enum(['fail', 'skip']).default('fail'),
});

export const featureSpecSchema = z.discriminatedUnion('extractor', [opensmileFeaturesSchema, tableFeaturesSchema, logMelFeaturesSchema]);
export type FeatureSpec = z.infer<typeof featureSpecSchema>;
export type ExtractorKind = FeatureSpec['extractor'];

interface ExtractorDeclaration<K extends ExtractorKind> {
  /** The shape of the rows it produces (compute/features/feature-shape.ts). */
  shape: ShapeKind;
  /** A short name of the feature set: the MLflow dataset's name after the corpus, the run note's line. */
  name(spec: Extract<FeatureSpec, { extractor: K }>): string;
  /** One line for people (the run's note, markdown). */
  describe(spec: Extract<FeatureSpec, { extractor: K }>): string;
}

export const EXTRACTORS: { [K in ExtractorKind]: ExtractorDeclaration<K> } = {
  opensmile: { shape: 'vector', name: (s) => s.set.replace(/^.*\//, '').replace(/\.conf$/, ''), describe: (s) => `openSMILE ${s.set}` },
  table: { shape: 'vector', name: (s) => `table ${s.path.replace(/^.*\//, '')}`, describe: (s) => `table \`${s.path}\`` },
  logmel: {
    shape: 'sequence',
    name: (s) => `logmel${s.bands}`,
    describe: (s) => `log-Mel spectrogram, ${s.bands} bands, ${s.windowMs} ms windows every ${s.hopMs} ms`,
  },
};

/** The shape of the rows a feature spec gives. */
export function shapeOfFeatures(spec: Pick<FeatureSpec, 'extractor'>): ShapeKind {
  return EXTRACTORS[spec.extractor].shape;
}

/** The short name of a feature set (see ExtractorDeclaration.name). */
export function featureSetName(spec: FeatureSpec): string {
  return (EXTRACTORS[spec.extractor].name as (s: FeatureSpec) => string)(spec);
}

/** A feature set in one line for people (see ExtractorDeclaration.describe). */
export function describeFeatures(spec: FeatureSpec): string {
  return (EXTRACTORS[spec.extractor].describe as (s: FeatureSpec) => string)(spec);
}
