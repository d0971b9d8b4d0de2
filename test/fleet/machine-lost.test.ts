/**
 * The fleet rehearsal of infra/multi-machine.md (issue 31): an optuna sweep with concurrency 3 on
 * three "machines" (infra/fleet/machine.sh: own mount, PID and UTS namespaces, own state and
 * HOME, SERFLOW_STORE=mlflow) that share nothing but the servers of infra/fleet/up.sh: Temporal,
 * MLflow on PostgreSQL with the artifact proxy, the Optuna study on the same PostgreSQL.
 *
 * - Machine a has the corpus (its own copy of the tiny EMO-DB manifest) and serves all three
 *   queues; machines b and c have no corpus and serve the compute queue only (`--queues
 *   compute`). All three start together: feature extraction is scheduled on the extraction queue,
 *   which only a polls, so every extraction runs on a (infra/multi-machine.md, "The corpus").
 * - Once b or c has checkpointed a GAN training, that machine is lost (its whole PID namespace
 *   SIGKILLed); another machine resumes the training from the last checkpoint in the shared store.
 * - Then PostgreSQL (MLflow's backend and the study's storage) is restarted while trials run.
 * - The same sweep runs beside it on one machine, "solo", with a local store of its own (no
 *   memo entry shared), launched there by `serflow sweep`.
 *
 * Proves: one trial per slot, none RUNNING, no two trials with the same parameters; every trial's
 * state and value equal solo's slot by slot (a random sampler with a seed: its proposals do not
 * depend on the order of tells); MLflow holds one run per serflow.key, one trial run per trial,
 * one point per (metric, step), and the same metrics with the same values as solo's runs.
 */
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import { connectClient } from '../../infra/temporal/connection';
import { MlflowClient } from '../../tracking/mlflow-client';
import type { Run } from '../../tracking/mlflow-schemas';
import type { OptunaSweepWorkflowInput, TrialOutcome } from '../../workflows/optuna-sweep';
import { assertOneRunPerKey, comparableKey, metricHistories, runsOf, serflowBin, sleep, tag, waitFor, withDeadline, type LogLine } from '../support/fault-kit';
import { assertStudyClean } from '../support/optuna-sweep-fixture';
import { CORPUS_IN_MACHINE, fleetCorpus, fleetScripts, fleetStackConfig, fleetUp, killMachine, machineOf, startMachine, stopMachine, type FleetMachine } from '../support/fleet-machines';

const machines: FleetMachine[] = [];
let client: Client | undefined;
const running: string[] = [];

after(async () => {
  for (const m of machines) await stopMachine(m, 5_000);
  for (const id of running) await client?.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
  await client?.connection.close();
});

function checkpoints(lines: LogLine[]): number[] {
  return lines.flatMap((l) => {
    const m = typeof l.label === 'string' ? /^gan checkpoint epoch (\d+)$/.exec(l.label) : null;
    return m ? [Number(m[1])] : [];
  }).filter((epoch, i, all) => epoch !== all[i - 1]);
}

/** The workflow id `serflow sweep` printed ("optuna sweep <id>: ..."). */
function announcedId(output: string): string {
  const id = /optuna sweep (\S+):/.exec(output)?.[1];
  assert.ok(id, `serflow sweep announced its workflow:\n${output.slice(-3000)}`);
  return id;
}

test('an optuna sweep with concurrency 3 on three machines, one lost mid-GAN and PostgreSQL restarted, ends with the trials, values and MLflow metrics of the same sweep on one machine', { timeout: 900_000 }, async () => {
  const started = Date.now();
  const settings = fleetUp();
  const corpus = fleetCorpus();
  // A fresh seed: the fleet's store outlives test runs, and an earlier run's GAN memo must not answer.
  const seed = randomInt(1, 2 ** 31);
  const tag8 = randomUUID().slice(0, 8);
  writeFileSync(join(corpus, 'base.yaml'), [
    'name: base', 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    `protocol: { folds: { kind: loso }, repeats: 1, seed: ${seed}, maxFolds: 2 }`,
    'methods: [{ method: cyclegan, loss: wdiv }]', 'amounts: [1.0]', 'classifiers: [svm]',
    'gan: { hidden: [16], discriminatorHidden: [8], patchSize: 22, pretrainEpochs: 1, epochs: 30, checkpointEvery: 5, classifier: { hidden: [8], epochs: 5 } }',
  ].join('\n'));
  const sweep = (name: string) => [
    `name: ${name}`, 'base: base.yaml',
    'search:', '  kind: optuna', '  sampler: random', '  trials: 3', `  seed: ${seed}`, '  pruner: none',
    '  space:', '    svm.C: { logUniform: [0.01, 10] }', '    gan.lambdaCls: { uniform: [0.5, 2] }',
    'objective: { cell: cyclegan-wdiv/ratio-1/svm, metric: uar }', 'concurrency: 3',
  ].join('\n');
  writeFileSync(join(corpus, 'fleet.yaml'), sweep(`fleet-${tag8}`));
  writeFileSync(join(corpus, 'solo.yaml'), sweep(`solo-${tag8}`));
  const stack = fleetStackConfig(['a', 'b', 'c', 'laptop', 'solo']);
  const env = { FLEET_STACK_CONFIG: stack.inMachine };
  client = await connectClient(settings, 5_000);

  // One machine, on a local store of its own: `serflow sweep` with its own workers.
  const solo = startMachine('solo', { corpus, env: { ...env, SERFLOW_STORE: 'local', SERFLOW_LOG_LEVEL: 'warn' }, command: [serflowBin, 'sweep', `${CORPUS_IN_MACHINE}/solo.yaml`] });
  machines.push(solo);

  // a with the corpus on every queue; b and c without it on the compute queue, from the start.
  const a = startMachine('a', { corpus, env, args: ['--compute-concurrency', '1'] });
  const b = startMachine('b', { env, args: ['--queues', 'compute', '--compute-concurrency', '1'] });
  const c = startMachine('c', { env, args: ['--queues', 'compute', '--compute-concurrency', '1'] });
  machines.push(a, b, c);
  for (const m of [a, b, c]) {
    await waitFor(`machine ${m.name} to start its worker`, () => {
      assert.ok(m.isRunning(), `machine ${m.name} ended:\n${m.output().slice(-3000)}`);
      return m.lines.find((l) => l.msg === 'worker started');
    }, 120_000);
  }
  // Launched from a "laptop" that has the sweep file and the corpus, as `serflow sweep --detach --no-worker`.
  const laptop = startMachine('laptop', { corpus, env: { ...env, SERFLOW_LOG_LEVEL: 'warn' }, command: [serflowBin, 'sweep', `${CORPUS_IN_MACHINE}/fleet.yaml`, '--detach', '--no-worker'] });
  assert.equal((await withDeadline(laptop.exited, 120_000, 'serflow sweep --detach')).code, 0, laptop.output());
  const workflowId = announcedId(laptop.output());
  running.push(workflowId);
  const handle = client.workflow.getHandle(workflowId);

  // Lose whichever of b and c first checkpoints a GAN training (from its second checkpoint on).
  const victim = await waitFor('machine b or c to checkpoint a GAN training', () => {
    for (const m of [b, c]) {
      assert.ok(m.isRunning(), `machine ${m.name} ended:\n${m.output().slice(-3000)}`);
      const last = checkpoints(m.lines).at(-1);
      if (last !== undefined && last >= 10 && last < 30) return m;
    }
    return undefined;
  }, 400_000, 100);
  await sleep(Math.round(Math.random() * 1500));
  const held = await killMachine(victim);
  const lastOfVictim = checkpoints(victim.lines).at(-1) as number;
  console.log(`[fleet] machine ${victim.name} lost (${held} processes in its namespace) after GAN checkpoint epoch ${lastOfVictim}, ${Math.round((Date.now() - started) / 1000)} s in`);
  const survivors = [a, b, c].filter((m) => m !== victim);

  // Another machine resumes that training from the victim's last checkpoint, read from the shared store.
  const resumed = await waitFor('another machine to resume the lost GAN training', () => {
    for (const m of survivors) {
      const r = m.lines.filter((l) => l.msg === 'resuming GAN training from a checkpoint').map((l) => Number(l.epoch));
      if (r.some((e) => e === lastOfVictim || e === lastOfVictim - 5)) return { machine: m.name, epochs: r };
    }
    return undefined;
  }, 240_000, 200);
  console.log(`[fleet] machine ${resumed.machine} resumed from epoch(s) ${JSON.stringify(resumed.epochs)}`);

  // PostgreSQL restarted while trials still run (MLflow's backend and the study's storage).
  const progress = await handle.query<{ experimentsDone: number }>('progress').catch(() => undefined);
  const pgStarted = Date.now();
  const restart = spawnSync('bash', ['-c', `source ${fleetScripts}/env.sh; runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$FLEET_STATE/pg" -m fast -w restart -l "$FLEET_STATE/logs/postgres.log" -o "-p $PG_PORT -k $FLEET_STATE/pg -c listen_addresses=127.0.0.1 -c max_connections=200"`], { encoding: 'utf8' });
  assert.equal(restart.status, 0, restart.stderr);
  console.log(`[fleet] PostgreSQL restarted in ${((Date.now() - pgStarted) / 1000).toFixed(1)} s with ${progress?.experimentsDone ?? '?'} trial(s) done`);

  const result = await withDeadline(handle.result() as Promise<{ outcomes: TrialOutcome[] }>, 600_000, 'the fleet sweep to finish');
  running.splice(running.indexOf(workflowId), 1);
  const soloEnd = await withDeadline(solo.exited, 600_000, 'the solo sweep to finish');
  assert.equal(soloEnd.code, 0, `serflow sweep on solo:\n${solo.output().slice(-3000)}`);
  const soloId = announcedId(solo.output());
  const soloResult = await client.workflow.getHandle(soloId).result() as { outcomes: TrialOutcome[] };
  console.log(`[fleet] both sweeps done ${Math.round((Date.now() - started) / 1000)} s in`);

  // Who ran what: activities started per machine and type, over the sweep's workflow tree.
  const perMachine: Record<string, Record<string, number>> = {};
  const walk = async (id: string): Promise<void> => {
    const events = (await client?.workflow.getHandle(id).fetchHistory())?.events ?? [];
    const types = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?']));
    for (const e of events) {
      const s = e.activityTaskStartedEventAttributes;
      if (s) {
        const m = machineOf(s.identity);
        const type = types.get(String(s.scheduledEventId)) ?? '?';
        perMachine[m] = { ...perMachine[m], [type]: (perMachine[m]?.[type] ?? 0) + 1 };
      }
      const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
      if (child) await walk(child);
    }
  };
  await walk(workflowId);
  console.log(`[fleet] activities started per machine: ${JSON.stringify(perMachine)}`);
  assert.deepEqual(Object.keys(perMachine).filter((m) => perMachine[m]?.extractFeatures), ['a'], 'every extraction ran on the machine with the corpus');
  assert.equal(perMachine.a?.extractFeatures, 3, 'one extraction per trial, each on a');
  for (const m of ['b', 'c']) assert.ok(Object.keys(perMachine[m] ?? {}).length > 0, `machine ${m}, without the corpus, took compute work all along`);
  assert.ok(Object.keys(perMachine[victim.name] ?? {}).length > 0, `machine ${victim.name} took work before it was lost`);

  // The study: one trial per slot, none running, no two trials with the same parameters.
  const startedEvent = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
  const fleetInput = defaultPayloadConverter.fromPayload<OptunaSweepWorkflowInput>(startedEvent?.input?.payloads?.[0] as never);
  const study = await assertStudyClean(fleetInput);
  const params = study.trials.map((t) => JSON.stringify(t.params));
  assert.equal(new Set(params).size, params.length, `no two trials with the same parameters: ${params.join(' ')}`);
  assert.deepEqual(result.outcomes.map((o) => [o.slot, o.state, o.values]), soloResult.outcomes.map((o) => [o.slot, o.state, o.values]), 'the same trials, slot by slot, as on one machine');

  const mlflow = new MlflowClient({ baseUrl: settings.mlflow.trackingUri });
  const fleetRuns = await runsOf(mlflow, `serflow-sweep-fleet-${tag8}`);
  const soloRuns = await runsOf(mlflow, `serflow-sweep-solo-${tag8}`);
  assert.equal(fleetRuns.filter((r) => tag(r, 'serflow.trial') !== undefined).length, 3, 'one MLflow run per trial');
  // Runs compared by what they are: a trial's experiment and cell runs by the trial's slot (their keys
  // hash the trial's config, which names its sweep), GAN runs by key; the sweep's run by each
  // metric's last value (its best-so-far history follows the order trials end in, a matter of timing).
  const contents = async (runs: Run[], outcomes: TrialOutcome[]) => {
    const slotOfRun = new Map(outcomes.map((o) => [o.parentRunId, o.slot]));
    const slot = (runId: string | undefined) => {
      const found = slotOfRun.get(runId);
      assert.ok(found !== undefined, `run ${runId} belongs to a trial`);
      return found;
    };
    const out = new Map<string, Map<string, number[]>>();
    for (const [key, run] of assertOneRunPerKey(runs)) {
      const histories = await metricHistories(mlflow, run);
      const values = new Map([...histories].map(([k, h]) => [k, [...h].sort((x, y) => x.step - y.step).map((p) => p.value)]));
      const kind = key.split('/')[0] as string;
      if (kind === 'sweep') out.set('sweep', new Map([...values].map(([k, v]) => [k, v.slice(-1)])));
      else if (kind === 'experiment') out.set(`experiment/slot-${slot(run.info.run_id)}`, values);
      else if (kind === 'cell') out.set(`cell/slot-${slot(tag(run, 'mlflow.parentRunId'))}/${key.split('/').slice(2).join('/')}`, values);
      else out.set(comparableKey(key), values);
    }
    return out;
  };
  const fleetContents = await contents(fleetRuns, result.outcomes);
  const soloContents = await contents(soloRuns, soloResult.outcomes);
  console.log(`[fleet] MLflow: ${fleetRuns.length} runs, ${[...fleetContents.values()].reduce((n, m) => n + [...m.values()].reduce((k, v) => k + v.length, 0), 0)} metric points compared with solo's`);
  assert.deepEqual([...fleetContents.keys()].sort(), [...soloContents.keys()].sort(), 'the same runs as on one machine');
  assert.deepEqual(fleetContents, soloContents, 'every metric point, no more and no fewer, equal to the one-machine run');
});
