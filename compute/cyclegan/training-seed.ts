/**
 * The seed policy of cycle-GAN trainings, one place for the activity that trains them and the
 * benchmark that replays a fold's trainings: one stream per (fold, loss), per repeat when the
 * repeats do not share their GANs, per fit set when it is not every outer-training speaker. The
 * older forms stay as they were (a shared GAN's seed is that of every run before per-repeat GANs,
 * an every-speaker GAN's that of every run before fit sets), so their memoised results stay valid.
 */
import { fitSetName } from '../fold-models/fit-sets';
import { deriveSeed } from '../random';

export interface GanTrainingPlace {
  /** The experiment's base seed. */
  baseSeed: number;
  foldName: string;
  loss: string;
  /** Absent: a GAN shared by every repeat. */
  repeat?: number;
  /** Absent: every outer-training speaker. */
  fitSpeakers?: readonly string[];
}

export function ganTrainingSeed(place: GanTrainingPlace): number {
  const path: (string | number)[] = ['gan', place.foldName, place.loss, ...(place.repeat === undefined ? [] : ['repeat', place.repeat])];
  if (place.fitSpeakers) path.push('fit', fitSetName(place.fitSpeakers));
  return deriveSeed(place.baseSeed, ...path);
}
