/**
 * The smoke workflow: proves the stack end to end (Temporal -> worker -> tfjs-node -> MLflow)
 * by training a tiny classifier on simple features of real EMO-DB audio.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SmokeActivities, SmokeTrainingInput, SmokeTrainingOutput } from '../activities/smoke-activities';
import { activityOptions, type OrchestrationSettings } from './activity-options';

export interface SmokeWorkflowInput {
  training: Omit<SmokeTrainingInput, 'trackingKey'>;
  orchestration: OrchestrationSettings;
}

export async function smokeWorkflow(input: SmokeWorkflowInput): Promise<SmokeTrainingOutput> {
  const { trainSmokeModel } = proxyActivities<SmokeActivities>(activityOptions(input.orchestration, 'compute'));
  // The run's key is the workflow id: a retried activity finds its own MLflow run again.
  return trainSmokeModel({ ...input.training, trackingKey: `smoke/${workflowInfo().workflowId}` });
}
