/**
 * Workflows under test without the heavy parts (test/workflows/): Temporal's time-skipping test
 * server, the workflow bundle built once per test process, and workers whose activities are the
 * fakes each test hands in. Nothing here loads tfjs, MLflow or the artifact store, so a workflow
 * test takes seconds.
 *
 * The test server is the Java build from Maven Central that `infra/setup.sh test-server`
 * installs: @temporalio/testing's createTimeSkipping would otherwise download a native build at
 * run time, which an offline machine cannot.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { temporalTestServer } from '../../infra/paths';
import { workflowsPath } from '../../infra/temporal/worker';
import type { OrchestrationSettings } from '../../workflows/activity-options';

let bundle: Promise<{ code: string }> | undefined;

/** The bundle of workflows/index.ts, built once per test process (bundling takes seconds). */
export function workflowTestBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  return bundle;
}

let runtimeInstalled = false;

/**
 * Starts the time-skipping test server (about 1-2 s: a JVM). The SDK's own logs are kept to
 * errors: the failures the tests provoke on purpose would otherwise be logged as warnings, and
 * the core warns on every worker that the test server does not advertise a capability of
 * Temporal Server 1.16 (heartbeat details kept on failure) that these tests do not use.
 */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = temporalTestServer();
  if (!existsSync(path)) {
    throw new Error(`Temporal's test server is not installed at ${path}. Fix: run \`bash infra/setup.sh test-server\` (or \`npm run setup\`).`);
  }
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  }
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
}

/**
 * Orchestration settings on task queues of their own (so that test files never share workers),
 * with temporal.test.yaml's timeouts and short retries: a retryable failure is retried after
 * 100 ms, at most 3 attempts.
 */
export function testOrchestration(): OrchestrationSettings {
  const suffix = randomUUID().slice(0, 8);
  const retry = { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '1s', maximumAttempts: 3 };
  return {
    taskQueues: { orchestration: `wf-test-${suffix}`, compute: `wf-test-compute-${suffix}`, extraction: `wf-test-extraction-${suffix}` },
    activities: {
      short: { startToCloseTimeout: '2m', retry },
      compute: { startToCloseTimeout: '30m', heartbeatTimeout: '20s', retry },
    },
  };
}

export interface FakeActivityWorkers {
  /** The test environment (its `client` starts workflows and skips time). */
  readonly env: TestWorkflowEnvironment;
  /** The settings to hand to workflows: the queues the three workers poll. */
  readonly orchestration: OrchestrationSettings;
  /**
   * Routes the activities of a new workflow and of its children (`<id>/fold-0`, ...) to
   * `activities`, and returns that workflow's id (`<prefix>-<random>`): start the workflow under it.
   */
  route(activities: object, prefix?: string): string;
}

/**
 * One test environment and three workers for the whole calling file, as in production: the
 * orchestration worker runs the workflows and the activities scheduled on its queue, the compute
 * worker those scheduled on the compute queue, the extraction worker the feature extractions
 * (the extraction queue). Registers a node:test `before` hook that starts
 * them and an `after` hook that stops them; call it at the top level of a test file with the names
 * of every activity the workflows may call.
 *
 * Starting a worker costs seconds (it loads the bundle), so tests share them; each test still
 * sees only its own fakes, even a late call after it ended: calls are routed by the id of the
 * workflow (or parent workflow) that scheduled them.
 */
export function useFakeActivityWorkers(activityNames: readonly string[]): FakeActivityWorkers {
  let env: TestWorkflowEnvironment | undefined;
  const orchestration = testOrchestration();
  const routes = new Map<string, Record<string, (...args: unknown[]) => Promise<unknown>>>();
  let stop: (() => Promise<void>) | undefined;
  const dispatch = (name: string) => async (...args: unknown[]): Promise<unknown> => {
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '(none)';
    const fakes = routes.get(workflowId.split('/')[0] as string);
    const fake = fakes?.[name];
    if (!fake) throw ApplicationFailure.nonRetryable(`no fake ${name} routed for workflow ${workflowId}`, 'TestSetupError');
    return fake(...args);
  };
  const activities = Object.fromEntries(activityNames.map((name) => [name, dispatch(name)]));

  before(async () => {
    env = await startTimeSkippingEnv();
    // A fake still waiting on a gate when a test fails would hold the workers' shutdown forever.
    const common = { connection: env.nativeConnection, namespace: env.namespace ?? 'default', activities, shutdownGraceTime: '1s', shutdownForceTime: '3s' };
    const workers = await Promise.all([
      Worker.create({ ...common, taskQueue: orchestration.taskQueues.orchestration, workflowBundle: await workflowTestBundle() }),
      Worker.create({ ...common, taskQueue: orchestration.taskQueues.compute }),
      Worker.create({ ...common, taskQueue: orchestration.taskQueues.extraction as string }),
    ]);
    const running = Promise.all(workers.map((w) => w.run()));
    stop = async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    };
  });
  after(async () => {
    await stop?.();
    await env?.teardown();
  });
  return {
    get env() {
      assert.ok(env, 'the test environment is started by the before hook of useFakeActivityWorkers: use it inside tests');
      return env;
    },
    orchestration,
    route(fakes, prefix = 'wf') {
      const workflowId = `${prefix}-${randomUUID().slice(0, 8)}`;
      routes.set(workflowId, fakes as Record<string, (...args: unknown[]) => Promise<unknown>>);
      return workflowId;
    },
  };
}

/**
 * Asserts that a workflow failed directly because `activityType` failed with a non-retryable
 * InputError; returns that failure for further checks (its message).
 */
export function assertFailedOnInputError(err: unknown, activityType: string): ApplicationFailure {
  assert.ok(err instanceof WorkflowFailedError, String(err));
  assert.ok(err.cause instanceof ActivityFailure, String(err.cause));
  assert.equal(err.cause.activityType, activityType);
  assert.ok(err.cause.cause instanceof ApplicationFailure);
  assert.equal(err.cause.cause.type, 'InputError');
  return err.cause.cause;
}
