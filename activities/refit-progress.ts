/**
 * The refit of an evaluation whose classifier trains in epochs and checkpoints (the ACRNN,
 * compute/classify/classifier-spec.ts CLASSIFIER_TRAITS): its checkpoints go to the shared store
 * through checkpoint slots named by the evaluation's memo inputs (store/checkpoint-slots.ts), the
 * latest key into the heartbeat, so that a retry on any worker continues from the last one and
 * ends bit-identical to an uninterrupted fit; its epoch figures go to the cell's MLflow run as
 * `<fold>/<repeat>/epoch/<figure>` series, before the checkpoint that covers them (a resumed fit
 * logs only the epochs after it, and logMetricsOnce skips points already there).
 *
 * The slots hold an envelope: "SEP1" | u32 LE epoch | the classifier's own checkpoint bytes, so
 * that the most advanced candidate is found without knowing the classifier's format; the
 * classifier validates its bytes when it resumes.
 */
import type { Context } from '@temporalio/activity';
import { z } from 'zod';
import type { EpochFigures } from '../compute/classify/classifier';
import type { FitProgress } from '../compute/evaluate/train-on-real-rows';
import { hashOf } from '../configs/canonical-json';
import type { MinimalLogger } from '../foundation/minimal-logger';
import { CheckpointSlots } from '../store/checkpoint-slots';
import type { ActivityDeps } from './activity-deps';

const MAGIC = 'SEP1';
/** Checkpoint every this many epochs: an epoch of the reduced ACRNN is seconds, of the full one minutes. */
const EVERY_EPOCHS = 1;

const refitHeartbeatSchema = z.object({ checkpointKey: z.string().optional(), epoch: z.number().optional() });

export interface RefitProgressInput {
  memoInputs: unknown;
  runId: string;
  /** Prefix of the epoch series, e.g. `fold_03/r0`. */
  metricPrefix: string;
}

/**
 * Checkpoints and epoch figures of the refit, restored from the most advanced checkpoint a former
 * attempt left. `beat` records heartbeat details (the activity keeps sending the last ones every
 * second: a heartbeat without them would erase the key a retry reads).
 */
export async function refitProgress(deps: Pick<ActivityDeps, 'store' | 'runs'>, input: RefitProgressInput, ctx: Context, log: MinimalLogger, beat: (details: unknown) => void): Promise<FitProgress> {
  const slots = new CheckpointSlots(deps.store, `evaluation-progress/${hashOf(input.memoInputs)}`, { logger: log });
  const lastBeat = refitHeartbeatSchema.safeParse(ctx.info.heartbeatDetails);
  const restored = await slots.restoreMostAdvanced({
    decode: (bytes) => openEnvelope(bytes),
    progress: (r) => r.epoch,
    discard: () => {},
  }, lastBeat.success ? lastBeat.data.checkpointKey : undefined);
  if (restored) {
    log.info({ epoch: restored.restored.epoch }, 'resuming the refit from a checkpoint');
    beat({ checkpointKey: restored.key, epoch: restored.restored.epoch });
  }
  let latest: { checkpointKey: string; epoch: number } | undefined = restored ? { checkpointKey: restored.key, epoch: restored.restored.epoch } : undefined;
  return {
    checkpoint: {
      ...(restored ? { restored: restored.restored.payload } : {}),
      everyEpochs: EVERY_EPOCHS,
      async save(bytes, epoch) {
        latest = { checkpointKey: await slots.publish(envelope(bytes, epoch), `refit checkpoint epoch ${epoch}`), epoch };
        beat(latest);
      },
    },
    async onEpoch(figures: EpochFigures) {
      const { epoch, ...values } = figures;
      const points = Object.entries(values).filter(([, v]) => v !== undefined && Number.isFinite(v))
        .map(([name, value]) => ({ key: `${input.metricPrefix}/epoch/${name}`, value: value as number, step: epoch }));
      await deps.runs.logMetricsOnce(input.runId, points);
    },
  };
}

function envelope(payload: Uint8Array, epoch: number): Buffer {
  const out = Buffer.alloc(8 + payload.length);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(epoch, 4);
  Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).copy(out, 8);
  return out;
}

function openEnvelope(bytes: Buffer): { epoch: number; payload: Uint8Array } {
  if (bytes.length < 8 || bytes.toString('ascii', 0, 4) !== MAGIC) throw new Error('not a refit checkpoint (bad magic)');
  return { epoch: bytes.readUInt32LE(4), payload: new Uint8Array(bytes.buffer, bytes.byteOffset + 8, bytes.length - 8) };
}
