/**
 * The name a method goes by in cell ids, run names and result tables. A module of its own
 * because both the config schema (names must be unique) and the experiment plan (cell ids) need
 * it, and the plan already depends on the schema's types.
 */
import type { GanLoss } from '../foundation/gan-loss';

/** What the name depends on: a config's method entry (after its schema's defaults). */
export interface NamedMethod {
  method: string;
  name: string;
  loss?: GanLoss | undefined;
}

/**
 * The method's own name, except a cycle-GAN left unnamed: "cyclegan-<loss>", the loss falling
 * back to `defaultLoss` (the config's `gan.loss`), so that the two losses can sit side by side.
 */
export function methodDisplayName(m: NamedMethod, defaultLoss: GanLoss): string {
  return m.method === 'cyclegan' && m.name === 'cyclegan' ? `cyclegan-${m.loss ?? defaultLoss}` : m.name;
}
