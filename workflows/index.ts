// Every workflow the workers serve.
export { smokeWorkflow } from './smoke';
