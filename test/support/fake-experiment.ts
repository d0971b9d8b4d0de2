/**
 * An experiment for workflow tests, with fakes in place of its activities: a config parsed by the
 * real schema and planned by the real planCells (two cycle-GAN losses beside cells that need no
 * GAN), and plain functions that honour the activity contract (names, inputs, outputs) and
 * record every call. No tfjs, no MLflow, no store: the workflows cannot tell.
 */
import type { Activities } from '../../activities';
import { planCells, type Cell } from '../../configs/experiment-plan';
import { experimentSchema, type ExperimentConfig, type ExperimentConfigInput } from '../../configs/schema/experiment';
import type { OrchestrationSettings } from '../../workflows/activity-options';
import type { FoldWorkflowInput } from '../../workflows/fold';

/** What the experiment and fold workflows call. */
export type FakeActivities = Pick<Activities, 'openExperiment' | 'extractFeatures' | 'prepareFolds' | 'finishExperiment' | 'markRunsEnded' | 'planFoldModels' | 'trainClassGans' | 'trainClassGanGroup' | 'evaluate'>;
export type FakeActivityName = keyof FakeActivities;

/** Every activity the fakes stand in for: what the test workers register. */
export const FAKE_ACTIVITY_NAMES: readonly FakeActivityName[] = [
  'openExperiment', 'extractFeatures', 'prepareFolds', 'finishExperiment', 'markRunsEnded', 'planFoldModels', 'trainClassGans', 'trainClassGanGroup', 'evaluate',
];

type InputOf<N extends FakeActivityName> = Parameters<FakeActivities[N]>[0];
type OutputOf<N extends FakeActivityName> = Awaited<ReturnType<FakeActivities[N]>>;

/** One call of a fake: its start and, once it returned, its end, in the order they happened. */
export interface ActivityEvent {
  activity: FakeActivityName;
  phase: 'start' | 'end';
  input: unknown;
}

/**
 * Two folds x eight cells (none and smote, each with svm and dnn; cycle-GAN with each loss, each
 * with svm and dnn) x two repeats: 16 evaluations per fold, and 4 GAN trainings (a GAN per loss
 * and repeat, the default) or 2 (`gan: { shareAcrossRepeats: true }`).
 */
export function fakeExperimentConfig(overrides: Partial<ExperimentConfigInput> = {}): ExperimentConfig {
  return experimentSchema.parse({
    name: 'fake',
    // Never read: extractFeatures is a fake.
    corpus: { kind: 'emodb', path: 'no-such-corpus' },
    features: { extractor: 'opensmile', set: 'eGeMAPSv02' },
    protocol: { folds: { kind: 'loso' }, repeats: 2, seed: 7, maxFolds: 2 },
    methods: ['none', 'smote', { method: 'cyclegan', loss: 'ce' }, { method: 'cyclegan', loss: 'wdiv' }],
    amounts: [1.0],
    classifiers: ['svm', 'dnn'],
    ...overrides,
  } satisfies ExperimentConfigInput);
}

/** The fake run ids openExperiment hands out, by cell. */
export function fakeCellRuns(cells: readonly Cell[]): Record<string, string> {
  return Object.fromEntries(cells.map((c) => [c.id, `run:${c.id}`]));
}

/** The ganKey the fake trainClassGans returns for a fold, a loss, (GANs per repeat) a repeat and (a fit set short of every speaker) its speakers. */
export function fakeGanKey(foldIndex: number, loss: string | undefined, repeat?: number, fitSpeakers?: readonly string[]): string {
  return `gan:${foldIndex}:${loss}${repeat === undefined ? '' : `#${repeat}`}${fitSpeakers ? `@${fitSpeakers.join('+')}` : ''}`;
}

/** The GAN keys an evaluation was handed: its fold models' (since fit sets), or its one ganKey (before). */
export function evaluationGanKeys(input: { foldModels?: { key: string }[]; ganKey?: string }): string[] | undefined {
  return input.foldModels ? input.foldModels.map((m) => m.key) : input.ganKey === undefined ? undefined : [input.ganKey];
}

/**
 * The GAN trainings a fold of `config` must run, as `<loss>` (GANs shared by the repeats) or
 * `<loss>#<repeat>` (a GAN per repeat, `gan.shareAcrossRepeats: false`, the default), sorted.
 */
export function expectedGanTrainings(config: ExperimentConfig): string[] {
  const losses = [...new Set(planCells(config).flatMap((c) => (c.augmentation.method === 'cyclegan' ? [c.augmentation.loss] : [])))].sort();
  const repeats = config.gan.shareAcrossRepeats ? [undefined] : Array.from({ length: config.protocol.repeats }, (_, r) => r);
  return losses.flatMap((loss) => repeats.map((r) => (r === undefined ? loss : `${loss}#${r}`))).sort();
}

/** A training's input as expectedGanTrainings names it. */
export function ganTrainingName(input: { gan: { loss?: string }; repeat?: number }): string {
  return input.repeat === undefined ? `${input.gan.loss}` : `${input.gan.loss}#${input.repeat}`;
}

/** A fold workflow's input as the experiment workflow would build it, over the fakes' references. */
export function fakeFoldInput(config: ExperimentConfig, orchestration: OrchestrationSettings, foldIndex = 0): FoldWorkflowInput {
  const cells = planCells(config);
  return {
    featureKey: 'features:fake', classes: FAKE_CLASSES, foldsKey: 'folds:fake', foldIndex, cells,
    gan: config.gan, repeats: config.protocol.repeats, baseSeed: config.protocol.seed,
    experimentId: 'experiment:fake', parentRunId: 'run:parent', cellRuns: fakeCellRuns(cells), orchestration,
  };
}

const FAKE_CLASSES = ['anger', 'neutral', 'sadness'];

/**
 * Fakes of every activity the experiment and fold workflows call. `overrides` replace single
 * activities (one that fails, or waits for a gate); every call, faked or overridden, is recorded
 * in `events` in the order calls started and returned.
 */
export function fakeActivities(options: {
  folds?: number;
  overrides?: Partial<FakeActivities>;
  /**
   * The fit sets the fake plan lists per loss (default: one of every speaker, used by every
   * repeat: what a fold trained before fit sets).
   */
  fitSets?: (repeats: number) => { fitSpeakers?: string[]; repeats: number[] }[];
} = {}) {
  const folds = options.folds ?? 2;
  const events: ActivityEvent[] = [];
  const defaults: FakeActivities = {
    async openExperiment(input) {
      return { experimentId: 'experiment:fake', parentRunId: 'run:parent', cellRuns: fakeCellRuns(input.cells) };
    },
    async extractFeatures() {
      return {
        featureKey: 'features:fake', rows: 60, cols: 88, classes: FAKE_CLASSES, speakers: Array.from({ length: folds }, (_, i) => `s${i}`),
        datasetHash: 'dataset:fake', extractor: 'opensmile:eGeMAPSv02', skipped: [], memoHit: false,
      };
    },
    async prepareFolds() {
      return {
        foldsKey: 'folds:fake',
        folds: Array.from({ length: folds }, (_, i) => ({ name: `speaker-s${i}`, testSpeakers: [`s${i}`], trainRows: 50, testRows: 10 })),
      };
    },
    async planFoldModels(input) {
      const losses = [...new Set(input.cells.flatMap((c) => (c.augmentation.method === 'cyclegan' ? [c.augmentation.loss] : [])))].sort();
      const sets = options.fitSets?.(input.repeats) ?? [{ repeats: Array.from({ length: input.repeats }, (_, r) => r) }];
      return { models: losses.flatMap((loss) => sets.map((set) => ({ loss, ...set, uses: [] }))) };
    },
    async trainClassGans(input) {
      return { ganKey: fakeGanKey(input.foldIndex, input.gan.loss, input.repeat, input.fitSpeakers), epochs: 2, finalLosses: { 'g/adv': 0.7 }, resumedFromEpoch: 0, memoHit: false };
    },
    // What the real group returns: each member's trainClassGans result. So it runs the (recorded,
    // overridable) trainClassGans fake per member: a test's gate, failure or count of trainings
    // applies to the repeats of a group as to lone trainings.
    async trainClassGanGroup(input) {
      return Promise.all(input.members.map((member) => activities.trainClassGans(member)));
    },
    async evaluate(input) {
      return {
        fold: `speaker-s${input.foldIndex}`, repeat: input.repeat, wa: 0.5, uar: 0.5, confusion: [[2, 1, 0], [0, 3, 0], [1, 0, 3]],
        addedPerClass: {}, trainRows: 50, testRows: 10, warnings: [], memoHit: false,
      };
    },
    async finishExperiment(input) {
      return { experimentId: input.tracking.experimentId, parentRunId: input.tracking.parentRunId, rows: [] };
    },
    async markRunsEnded() {},
  };
  const record = <N extends FakeActivityName>(name: N): FakeActivities[N] => {
    const run = (options.overrides?.[name] ?? defaults[name]) as (input: InputOf<N>) => Promise<OutputOf<N>>;
    return (async (input: InputOf<N>) => {
      events.push({ activity: name, phase: 'start', input });
      const output = await run(input);
      events.push({ activity: name, phase: 'end', input });
      return output;
    }) as FakeActivities[N];
  };
  // trainClassGanGroup's default calls it (after this line has run: workflows start later).
  const activities = Object.fromEntries(Object.keys(defaults).map((name) => [name, record(name as FakeActivityName)])) as unknown as FakeActivities;
  return {
    activities,
    events,
    /** The inputs of every started call of `name`, in start order. */
    calls<N extends FakeActivityName>(name: N): InputOf<N>[] {
      return events.filter((e) => e.activity === name && e.phase === 'start').map((e) => e.input as InputOf<N>);
    },
    /** Position in `events` of the first event matching, or -1. */
    indexOf(activity: FakeActivityName, phase: ActivityEvent['phase'], match: (input: never) => boolean = () => true): number {
      return events.findIndex((e) => e.activity === activity && e.phase === phase && match(e.input as never));
    },
  };
}

/** A promise a fake activity waits on until the test opens it. */
export function gate(): { wait(): Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

/** Polls `read` (e.g. a workflow query) until `done` holds for its value; fails after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
