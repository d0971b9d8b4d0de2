/**
 * The plan of an experiment (configs/experiment-plan.ts): the cells a config asks for, with the
 * augmentation specs their evaluations run, and the GANs a fold trains for them. Workflows
 * schedule activities from it, so its order is part of every recorded history.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { augmentationSpecSchema } from '../../../compute/augment/augmentation-spec';
import { ganLosses, planCells } from '../../../configs/experiment-plan';
import { experimentSchema, type ExperimentConfigInput } from '../../../configs/schema/experiment';

function config(overrides: Partial<ExperimentConfigInput> = {}) {
  return experimentSchema.parse({
    name: 'plan',
    corpus: { kind: 'emodb', path: 'wav' },
    features: { extractor: 'table', path: 'features.csv' },
    methods: ['none', 'smote', 'cyclegan', { method: 'cyclegan', loss: 'ce' }],
    amounts: [0.5, 'balance'],
    classifiers: ['svm', 'dnn'],
    ...overrides,
  });
}

describe('planCells', () => {
  it('one cell per method x amount x classifier, "none" once per classifier, in config order', () => {
    assert.deepEqual(planCells(config()).map((c) => c.id), [
      'none/svm', 'none/dnn',
      'smote/ratio-0.5/svm', 'smote/ratio-0.5/dnn', 'smote/balance/svm', 'smote/balance/dnn',
      'cyclegan-wdiv/ratio-0.5/svm', 'cyclegan-wdiv/ratio-0.5/dnn', 'cyclegan-wdiv/balance/svm', 'cyclegan-wdiv/balance/dnn',
      'cyclegan-ce/ratio-0.5/svm', 'cyclegan-ce/ratio-0.5/dnn', 'cyclegan-ce/balance/svm', 'cyclegan-ce/balance/dnn',
    ]);
  });

  it("a method's own amounts replace the experiment's for that method only", () => {
    const cells = planCells(config({ methods: ['none', { method: 'duplicate', amounts: ['balance'] }, 'smote'], classifiers: ['svm'] }));
    assert.deepEqual(cells.map((c) => c.id), ['none/svm', 'duplicate/balance/svm', 'smote/ratio-0.5/svm', 'smote/balance/svm']);
    assert.deepEqual(cells[1]?.augmentation, { method: 'duplicate', amount: { mode: 'balance' } });
  });

  it('every cell carries an augmentation spec the evaluation accepts, with the config\'s parameters', () => {
    const cells = planCells(config({ smote: { k: 3 } }));
    for (const cell of cells) assert.ok(augmentationSpecSchema.safeParse(cell.augmentation).success, cell.id);
    const byId = new Map(cells.map((c) => [c.id, c]));
    assert.deepEqual(byId.get('none/svm')?.augmentation, { method: 'none' });
    assert.deepEqual(byId.get('smote/ratio-0.5/dnn')?.augmentation, { method: 'smote', amount: { mode: 'ratio', ratio: 0.5 }, k: 3 });
    assert.deepEqual(byId.get('cyclegan-wdiv/balance/svm')?.augmentation, { method: 'cyclegan', loss: 'wdiv', amount: { mode: 'balance' } });
    assert.deepEqual(byId.get('cyclegan-ce/ratio-0.5/svm')?.augmentation, { method: 'cyclegan', loss: 'ce', amount: { mode: 'ratio', ratio: 0.5 } });
    assert.equal(byId.get('cyclegan-ce/balance/dnn')?.classifierSpec.kind, 'dnn');
    assert.equal(byId.get('cyclegan-ce/balance/dnn')?.method, 'cyclegan-ce');
  });

  it('an unnamed cycle-GAN takes gan.loss into its name; the schema refuses two methods of the same name', () => {
    assert.deepEqual(planCells(config({ methods: ['cyclegan'], amounts: [1], classifiers: ['svm'], gan: { loss: 'ce' } })).map((c) => c.id), ['cyclegan-ce/ratio-1/svm']);
    const clash = experimentSchema.safeParse({ ...config(), methods: ['cyclegan', { method: 'cyclegan', loss: 'wdiv' }] });
    assert.equal(clash.success, false);
    assert.match(JSON.stringify(clash.error?.issues), /method name \\"cyclegan-wdiv\\" is used twice/);
  });
});

describe('ganLosses', () => {
  it('each loss a cycle-GAN cell needs, once, sorted', () => {
    assert.deepEqual(ganLosses(planCells(config())), ['ce', 'wdiv']);
    assert.deepEqual(ganLosses(planCells(config({ methods: [{ method: 'cyclegan', loss: 'wdiv' }, 'noise'] }))), ['wdiv']);
  });

  it('none when no cell is a cycle-GAN', () => {
    assert.deepEqual(ganLosses(planCells(config({ methods: ['none', 'duplicate', 'noise'] }))), []);
    assert.deepEqual(ganLosses([]), []);
  });
});
