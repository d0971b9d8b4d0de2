/**
 * Errors of the artifact stores. Corruption and missing objects are ordinary, recoverable
 * events for a content-addressed store (the object is recomputed); a store that cannot be
 * written to is not, and says which folder and what to do.
 */

/** No object with this key (or no entry with this name). */
export class ArtifactNotFoundError extends Error {
  override readonly name = 'ArtifactNotFoundError';
  constructor(readonly details: { store: string; key: string }) {
    super(`${details.store}: no artifact ${details.key}`);
  }
}

/**
 * The bytes stored under a key do not hash to it (a truncated write, bit rot, a tampered file).
 * The bad object has already been removed when this is thrown, so a retry recomputes it.
 */
export class ArtifactCorruptionError extends Error {
  override readonly name = 'ArtifactCorruptionError';
  constructor(readonly details: { store: string; key: string; actualHash: string; size: number; removed: boolean }) {
    super(
      `${details.store}: artifact ${details.key} is corrupt (its ${details.size} bytes hash to ${details.actualHash}); ` +
        (details.removed ? 'removed it so that it is recomputed on retry' : 'could not remove it: delete it by hand'),
    );
  }
}

/** The store's folder cannot take the write: disk full, read-only, not a folder, no permission. */
export class StoreWriteError extends Error {
  override readonly name = 'StoreWriteError';
  constructor(readonly details: { folder: string; code: string | undefined; reason: string; fix: string }) {
    super(`artifact store folder ${details.folder}: ${details.reason}. Fix: ${details.fix}`);
  }
}
