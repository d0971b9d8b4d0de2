/**
 * A child process that fits the ACRNN of test/unit/compute/classify/acrnn.test.ts's kill test,
 * writing a checkpoint file per epoch, so that the test can SIGKILL it mid-training and resume
 * in another child:
 *
 *   node --import tsx test/support/acrnn-fit-child.ts <checkpoint dir> <weights file> [--resume]
 *
 * Each checkpoint is written to a temporary name and renamed (a kill never leaves a partial
 * `.ckpt`), then announced on stdout as `saved <epoch>`. With --resume the child continues from
 * the highest-numbered checkpoint in the folder and says `resumed <epoch>`. At the end it writes
 * the model's weights and batch-norm running averages, concatenated as float32, to the weights file.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AcrnnClassifier } from '../../compute/classify/acrnn';
import { killTestFit, modelBytes } from './acrnn-kill-fixture';

async function main(): Promise<void> {
  const [dir, out, flag] = process.argv.slice(2);
  if (dir === undefined || out === undefined) throw new Error('usage: acrnn-fit-child.ts <checkpoint dir> <weights file> [--resume]');
  const latest = flag === '--resume' ? readdirSync(dir).filter((f) => f.endsWith('.ckpt')).sort().pop() : undefined;
  if (flag === '--resume' && latest === undefined) throw new Error(`no checkpoint to resume from in ${dir}`);
  const restored = latest === undefined ? undefined : readFileSync(join(dir, latest));
  if (latest !== undefined) process.stdout.write(`resumed ${Number(/\d+/.exec(latest)?.[0])}\n`);
  const { spec, train, validation, seed } = killTestFit();
  const model = await new AcrnnClassifier(spec).fit(train, seed, {
    validation,
    checkpoint: {
      ...(restored ? { restored } : {}),
      everyEpochs: 1,
      save: async (bytes, epoch) => {
        const name = join(dir, `epoch-${String(epoch).padStart(4, '0')}.ckpt`);
        writeFileSync(`${name}.tmp`, bytes);
        renameSync(`${name}.tmp`, name);
        process.stdout.write(`saved ${epoch}\n`);
      },
    },
  });
  writeFileSync(out, modelBytes(model));
  model.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
  process.exit(1);
});
