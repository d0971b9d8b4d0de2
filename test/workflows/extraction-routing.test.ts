/**
 * Feature extraction reads the corpus folder a config names, which only some machines have
 * (issue 31): workflows/experiment.ts schedules it on the extraction queue, which only those
 * machines poll, and nothing else there. Each fake records the task queue of the worker that ran
 * it (the activity's info), so a test sees which worker took what. An execution started before
 * the extraction queue existed recorded none and extracts on the compute queue, as it did.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Context } from '@temporalio/activity';
import { experimentWorkflow, type ExperimentWorkflowInput } from '../../workflows/experiment';
import type { OrchestrationSettings } from '../../workflows/activity-options';
import { FAKE_ACTIVITY_NAMES, fakeActivities, fakeExperimentConfig } from '../support/fake-experiment';
import { useFakeActivityWorkers } from '../support/workflow-test-env';

const workers = useFakeActivityWorkers(FAKE_ACTIVITY_NAMES);

/** Runs the fake experiment on `orchestration`; returns the queue each activity ran on, by activity. */
async function queuesTaken(orchestration: OrchestrationSettings): Promise<Map<string, Set<string>>> {
  const fakes = fakeActivities({ folds: 2 });
  const taken = new Map<string, Set<string>>();
  const recording = Object.fromEntries(Object.entries(fakes.activities).map(([name, fake]) => [name, async (...args: unknown[]) => {
    const queue = Context.current().info.taskQueue;
    taken.set(name, (taken.get(name) ?? new Set()).add(queue));
    return (fake as (...a: unknown[]) => Promise<unknown>)(...args);
  }]));
  const input: ExperimentWorkflowInput = { config: fakeExperimentConfig(), configHash: 'config:fake', configDir: '/nowhere', mlflowExperiment: 'serflow-fake', orchestration };
  await workers.env.client.workflow.execute(experimentWorkflow, {
    taskQueue: orchestration.taskQueues.orchestration, workflowId: workers.route(recording, 'extraction'), args: [input],
  });
  return taken;
}

test('an experiment\'s feature extraction runs only on a worker of the extraction queue, and nothing else does', async () => {
  const { taskQueues } = workers.orchestration;
  const taken = await queuesTaken(workers.orchestration);
  assert.deepEqual([...(taken.get('extractFeatures') ?? [])], [taskQueues.extraction], 'extractFeatures on the extraction queue only');
  const elsewhere = [...taken].filter(([name, queues]) => name !== 'extractFeatures' && queues.has(taskQueues.extraction as string)).map(([name]) => name);
  assert.deepEqual(elsewhere, [], 'no other activity on the extraction queue');
  assert.deepEqual([...(taken.get('evaluate') ?? [])], [taskQueues.compute], 'evaluations stay on the compute queue');
  assert.deepEqual([...(taken.get('trainClassGans') ?? taken.get('trainClassGanGroup') ?? [])], [taskQueues.compute], 'GAN trainings stay on the compute queue');
});

test('an execution whose recorded settings name no extraction queue (started before it existed) extracts on the compute queue', async () => {
  const { orchestration, compute } = workers.orchestration.taskQueues;
  const taken = await queuesTaken({ ...workers.orchestration, taskQueues: { orchestration, compute } });
  assert.deepEqual([...(taken.get('extractFeatures') ?? [])], [compute]);
});
