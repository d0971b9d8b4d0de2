// Every workflow the workers serve.
export { experimentWorkflow } from './experiment';
export { foldWorkflow } from './fold';
export { smokeWorkflow } from './smoke';
export { sweepWorkflow } from './sweep';
