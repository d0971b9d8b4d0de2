/**
 * The checkpoint slots of one resumable training in an ArtifactStore: two names, `<name>/latest`
 * and `<name>/previous`, pointing at the last two checkpoints published. A retry, on any worker
 * sharing the store, resumes from the most advanced of them that still decodes.
 *
 * Kept apart from the code that trains (the trainer hands over bytes; it does not rotate names)
 * and from the activity (which only decides when to publish and what to log), so the rotation
 * and the fallback are tested on their own (test/unit/store/checkpoint-slots.test.ts).
 */
import type { MinimalLogger } from '../foundation/minimal-logger';
import type { ArtifactStore } from './artifact-store';

export interface CheckpointSlotsOptions {
  /** Where unusable candidates are reported (warn). Default: nowhere. */
  logger?: MinimalLogger;
}

/** How to turn a candidate's bytes into something to resume, and how far it got. */
export interface CheckpointRestorer<T> {
  /** Throws on bytes it cannot use (corrupt, inconsistent): the candidate is skipped with a warning. */
  decode(bytes: Buffer): T;
  /** How far training got (e.g. completed epochs): the highest wins, the earlier candidate on a tie. */
  progress(restored: T): number;
  /** Releases a decoded candidate that lost (e.g. frees its tensors). */
  discard(restored: T): void;
}

export interface RestoredCheckpoint<T> {
  restored: T;
  /** The store key of the checkpoint it came from. */
  key: string;
}

export class CheckpointSlots {
  private readonly logger: MinimalLogger | undefined;

  /** `name`: the training's name prefix in the store's name index, e.g. `gan-progress/<input hash>`. */
  constructor(private readonly store: ArtifactStore, readonly name: string, options: CheckpointSlotsOptions = {}) {
    this.logger = options.logger;
  }

  private get latestName(): string {
    return `${this.name}/latest`;
  }

  private get previousName(): string {
    return `${this.name}/previous`;
  }

  /**
   * Stores the checkpoint and makes it the latest; the former latest becomes previous and the one
   * before it is removed. Returns the checkpoint's key. Whatever must survive a kill together with
   * this checkpoint (e.g. the metrics of the epochs it covers) has to be written before: a retry
   * resumes after it.
   */
  async publish(checkpoint: Buffer, label?: string): Promise<string> {
    const key = await this.store.put(checkpoint, label === undefined ? undefined : { label });
    const previous = await this.store.resolveName(this.latestName);
    // The same bytes again (a resumed run reaching a checkpoint it had already written): latest
    // already holds them, and rotating would drop the one fallback checkpoint.
    if (previous === key) return key;
    const older = await this.store.resolveName(this.previousName);
    if (previous) await this.store.setName(this.previousName, previous);
    await this.store.setName(this.latestName, key);
    // Two checkpoints are kept (the latest and one to fall back to): a GAN checkpoint at
    // D = 2185 is ~0.5 GB. The older one goes only once the new latest is in place.
    if (older && older !== previous && older !== key) await this.store.remove(older);
    return key;
  }

  /**
   * The keys to resume from, most trusted first, without repeats: the key the last heartbeat
   * reported (if any), then latest, then previous.
   */
  async candidates(heartbeatKey?: string): Promise<string[]> {
    const keys = [heartbeatKey, await this.store.resolveName(this.latestName), await this.store.resolveName(this.previousName)];
    return [...new Set(keys)].filter((k): k is string => Boolean(k));
  }

  /**
   * The most advanced usable candidate, decoded; undefined if none is usable (train from scratch).
   * Heartbeats reach the server at most every 0.8 x heartbeat timeout, so the heartbeat's key
   * can be several checkpoints older than `latest`: every candidate is decoded and the one with
   * the most progress wins, rather than the first that decodes. A candidate that is missing,
   * corrupt in the store or rejected by `decode` is skipped with a warning.
   */
  async restoreMostAdvanced<T>(restorer: CheckpointRestorer<T>, heartbeatKey?: string): Promise<RestoredCheckpoint<T> | undefined> {
    let best: RestoredCheckpoint<T> | undefined;
    for (const key of await this.candidates(heartbeatKey)) {
      try {
        const restored = restorer.decode(await this.store.get(key));
        if (best && restorer.progress(best.restored) >= restorer.progress(restored)) restorer.discard(restored);
        else {
          if (best) restorer.discard(best.restored);
          best = { restored, key };
        }
      } catch (err) {
        this.logger?.warn({ checkpointKey: key, err }, 'checkpoint unusable (corrupt or missing); trying an older one');
      }
    }
    return best;
  }
}
