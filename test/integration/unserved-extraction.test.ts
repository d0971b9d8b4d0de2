/**
 * cli/diagnostics/unserved-extraction.ts against the test stack's Temporal server (the
 * time-skipping test server does not implement DescribeTaskQueue): an experiment whose
 * extraction queue no worker polls (every machine started with `--queues compute`, none where the
 * corpus is) waits at its extraction, and the diagnosis names the queue, the workflow and the
 * corpus folder in one line.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { unservedExtraction } from '../../cli/diagnostics/unserved-extraction';
import { experimentWorkflow, type ExperimentWorkflowInput } from '../../workflows/experiment';
import { orchestrationSettings, useTestStack } from '../support/test-stack';
import { tinyExperiment } from '../support/tiny-experiment';

const fixture = useTestStack();

test('an extraction no worker polls for is named in one line, with its queue and the corpus folder it needs', async () => {
  const { stack, workers } = fixture;
  const { config, configHash, configDir } = tinyExperiment();
  const orchestration = orchestrationSettings(workers.settings);
  const nobody = `${orchestration.taskQueues.extraction as string}-nobody-${randomUUID().slice(0, 8)}`;
  const input: ExperimentWorkflowInput = {
    config, configHash, configDir, mlflowExperiment: `test-unserved-${randomUUID().slice(0, 8)}`,
    orchestration: { ...orchestration, taskQueues: { ...orchestration.taskQueues, extraction: nobody } },
  };
  const handle = await stack.client.workflow.start(experimentWorkflow, { workflowId: `unserved-extraction-${randomUUID()}`, taskQueue: orchestration.taskQueues.orchestration, args: [input] });
  try {
    const namespace = stack.settings.temporal.namespace;
    let found: Awaited<ReturnType<typeof unservedExtraction>>;
    for (let i = 0; i < 150 && !found; i++) {
      found = await unservedExtraction(stack.client, namespace, handle.workflowId);
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(found, 'the waiting extraction is found');
    assert.equal(found.queue, nobody);
    assert.equal(found.corpus, config.corpus.path);
    assert.ok(!found.message.includes('\n'), 'one line');
    assert.equal(found.message, `no worker polls ${nobody}, where ${handle.workflowId} waits to extract its features: start \`serflow worker --queues extraction\` (or compute,extraction) on a machine that has the corpus folder ${config.corpus.path}${config.corpus.path.startsWith('/') ? '' : ` (relative to ${configDir})`}`);
  } finally {
    await handle.terminate('test done');
  }
});
