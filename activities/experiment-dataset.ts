/**
 * The corpus and feature set of an experiment as an MLflow dataset input (runs/log-inputs), so
 * that every run's Datasets column names them and `dataset.name = 'emodb/eGeMAPSv02'` finds
 * the runs on a corpus and feature set. Built from the config alone (openExperiment runs before
 * extraction): the digest is that of the corpus and features blocks, so two configs reading the
 * same files with the same extractor share it; the features' content hash is on the parent run
 * as the tag serflow.dataset_hash once extracted.
 */
import { featureSetName } from '../compute/features/feature-spec';
import { hashOf } from '../configs/canonical-json';
import type { ExperimentConfig } from '../configs/schema/experiment';
import type { DatasetInput } from '../tracking/mlflow-schemas';

export function experimentDataset(config: Pick<ExperimentConfig, 'corpus' | 'features' | 'protocol'>): DatasetInput {
  const { corpus, features } = config;
  const featureSet = featureSetName(features);
  const classes = corpus.kind === 'emodb' ? corpus.emotions : corpus.labels;
  return {
    name: `${corpus.kind === 'emodb' ? 'emodb' : corpus.path.replace(/^.*\//, '').replace(/\.csv$/, '')}/${featureSet}`,
    digest: hashOf({ corpus, features }).slice(0, 12),
    sourceType: 'local',
    source: JSON.stringify({ uri: corpus.path, kind: corpus.kind }),
    // MLflow's column-spec form, which the UI shows as a table: one row per utterance.
    schema: JSON.stringify({
      mlflow_colspec: [
        { name: 'label', type: 'string' }, { name: 'speaker', type: 'string' },
        { name: `${featureSet} features`, type: 'double' },
      ],
    }),
    profile: JSON.stringify({
      classes: classes ?? 'all labels', features, folds: config.protocol.folds,
      ...(config.protocol.maxFolds !== undefined ? { maxFolds: config.protocol.maxFolds } : {}),
    }),
    context: 'training',
  };
}
