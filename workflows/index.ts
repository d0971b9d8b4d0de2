// Every workflow the workers serve.
export { experimentWorkflow } from './experiment';
export { foldWorkflow } from './fold';
export { optunaSweepWorkflow } from './optuna-sweep';
export { smokeWorkflow } from './smoke';
export { sweepWorkflow } from './sweep';
