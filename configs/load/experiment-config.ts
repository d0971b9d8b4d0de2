import { dirname, resolve } from 'node:path';
import { hashOf } from '../canonical-json';
import { experimentSchema, type ExperimentConfig } from '../schema/experiment';
import { loadYaml } from './load-yaml';

export interface LoadedExperiment {
  config: ExperimentConfig;
  /** Absolute folder of the config file: relative paths in it are relative to this. */
  configDir: string;
  /** Identity of the experiment: the hash of the parsed config, defaults included. */
  configHash: string;
}

export function loadExperimentConfig(file: string): LoadedExperiment {
  const path = resolve(file);
  const config = loadYaml(path, experimentSchema);
  return { config, configDir: dirname(path), configHash: hashOf(config) };
}
