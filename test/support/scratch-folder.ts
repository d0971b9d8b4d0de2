/**
 * A scratch folder for the whole calling test file: made by a node:test `before` hook under the
 * OS temp folder, removed with everything in it by an `after` hook, so a file's tests can make
 * sub-folders freely and leave nothing behind.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

/** Call at the top level of a test file; read `path` inside tests (the before hook sets it). */
export function useScratchFolder(prefix: string): { readonly path: string } {
  let path: string | undefined;
  before(async () => {
    path = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    if (path) await rm(path, { recursive: true, force: true });
  });
  return {
    get path() {
      assert.ok(path, 'the scratch folder is made by the before hook of useScratchFolder: use it inside tests');
      return path;
    },
  };
}
