/**
 * Optuna studies through the project venv's Python and a real SQLite storage, without Temporal:
 * one long-lived process answers every request and is started again when it dies; a slot's
 * trial survives a process that died between creating and sampling it (no RUNNING trial without
 * a slot, no second trial for the slot); conditional parameters are sampled define-by-run; the
 * script's sampler and pruner kinds are those of the one list, foundation/optuna-kinds.json.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../foundation/errors';
import kinds from '../../foundation/optuna-kinds.json';
import { OPTUNA_SAMPLERS } from '../../foundation/optuna-kinds';
import { pythonBin, repoRoot } from '../../infra/paths';
import { OptunaProcess } from '../../tracking/optuna/optuna-process';
import { OptunaStudies, type OptunaDistribution, type StudySpec } from '../../tracking/optuna/optuna-studies';
import { useScratchFolder } from '../support/scratch-folder';

const scratch = useScratchFolder('serflow-optuna-studies-');
const script = join(repoRoot, 'tracking', 'optuna', 'optuna_study.py');
const storageOf = (name: string): string => `sqlite:///${join(scratch.path, `${name}.sqlite`)}`;
const spec = (study: string): StudySpec => ({ study, directions: ['maximize'], sampler: { kind: 'tpe', seed: 7 }, pruner: { kind: 'median' } });

describe('Optuna studies', () => {
  it('one Python process answers every request; killed, its request in flight fails (to be retried) and a new one answers the next', async () => {
    const process = new OptunaProcess(pythonBin(), script);
    const summary = { op: 'summary', storage: storageOf('process'), ...spec('x') };
    await process.request(summary);
    const pid = process.pid;
    assert.ok(pid);
    for (let i = 0; i < 3; i++) await process.request(summary);
    assert.equal(process.pid, pid, 'the same process answered every request');

    // Stopped first, so that the request is surely in flight when the process is killed.
    execFileSync('kill', ['-STOP', String(pid)]);
    const inFlight = process.request(summary);
    execFileSync('kill', ['-9', String(pid)]);
    await assert.rejects(inFlight, /the Optuna process exited \(SIGKILL\)/);
    await process.request(summary);
    assert.notEqual(process.pid, pid, 'a new process answers after the old one died');
  });

  it('a slot whose trial was enqueued by a process that died before sampling it gets that trial, sampled, and no other', async () => {
    const storage = storageOf('slots');
    const studies = new OptunaStudies({ python: pythonBin(), script, storage });
    const space: Record<string, OptunaDistribution> = { 'svm.C': { logUniform: [0.001, 10] } };
    const first = await studies.ask(spec('s'), 0, space);
    // What a process killed between the ask's two storage writes leaves: the slot's trial, WAITING, unsampled.
    execFileSync(pythonBin(), ['-c', [
      'import optuna, sys',
      'study = optuna.load_study(study_name="s", storage=sys.argv[1])',
      'study.enqueue_trial({}, user_attrs={"serflow_slot": 1})',
    ].join('\n'), storage]);
    const resumed = await studies.ask(spec('s'), 1, space);
    assert.equal(resumed.number, first.number + 1, 'the enqueued trial is the slot\'s');
    assert.equal(resumed.state, 'running');
    assert.equal(typeof resumed.params['svm.C'], 'number');
    assert.deepEqual(await studies.ask(spec('s'), 1, space), resumed, 'asking again returns the same trial');
    const { trials } = await studies.summary({ study: 's' });
    assert.deepEqual(trials.map((t) => [t.slot, t.state]), [[0, 'running'], [1, 'running']]);
  });

  it('samples a conditional parameter only when its condition holds', async () => {
    const studies = new OptunaStudies({ python: pythonBin(), script, storage: storageOf('conditional') });
    const space: Record<string, OptunaDistribution> = {
      'gan.discriminator': { choice: ['patch', 'mlp'] },
      'gan.patchSize': { intUniform: [16, 128], when: { 'gan.discriminator': ['patch'] } },
      'svm.C': { logUniform: [0.001, 10] },
    };
    const trials = [];
    for (let slot = 0; slot < 8; slot++) trials.push(await studies.ask(spec('c'), slot, space));
    const kinds = new Set(trials.map((t) => t.params['gan.discriminator']));
    assert.deepEqual([...kinds].sort(), ['mlp', 'patch'], `both branches drawn in 8 trials: ${JSON.stringify(trials.map((t) => t.params))}`);
    for (const t of trials) {
      assert.equal('gan.patchSize' in t.params, t.params['gan.discriminator'] === 'patch', JSON.stringify(t.params));
      assert.equal(typeof t.params['svm.C'], 'number');
    }
  });

  it('a bad request is an InputError naming the study and the operation', async () => {
    const studies = new OptunaStudies({ python: pythonBin(), script, storage: storageOf('bad') });
    await assert.rejects(studies.report(spec('b'), 41, 1, 0.5), (err: unknown) => err instanceof InputError && /optuna report on study b.*has no trial 41/.test(err.message));
  });

  it('the script builds exactly the sampler and pruner kinds of foundation/optuna-kinds.json, which the schema accepts, and refuses to start when they disagree', async () => {
    const process = new OptunaProcess(pythonBin(), script);
    const built = await process.request({ op: 'kinds' }) as { samplers: string[]; pruners: string[] };
    assert.deepEqual([...built.samplers].sort(), [...kinds.samplers].sort());
    assert.deepEqual([...built.pruners].sort(), [...kinds.pruners].sort());
    assert.deepEqual([...OPTUNA_SAMPLERS].sort(), [...kinds.samplers].sort());
    const bad = join(scratch.path, 'kinds.json');
    writeFileSync(bad, JSON.stringify({ ...kinds, pruners: [...kinds.pruners, 'patient'] }));
    assert.throws(() => execFileSync(pythonBin(), ['-c', `import sys; sys.path.insert(0, sys.argv[1]); import optuna_study; optuna_study.check_kinds(sys.argv[2])`, dirname(script), bad], { stdio: 'pipe' }),
      (e: unknown) => /pruners: the list has .*'patient'.*the builders/.test(String((e as { stderr?: Buffer }).stderr)));
  });
});
