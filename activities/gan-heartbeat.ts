/**
 * A GAN training's heartbeat details: where a retry resumes (checkpointKey), and what a person
 * following the experiment sees (cli/display/progress-view.ts reads them from Temporal's pending
 * activities): the epoch done (pretraining counted), of how many, and its losses; a group of
 * trainings (trainClassGanGroup) beats `{ members: [...] }`, one per training. A module of
 * its own: the CLI reads it without loading the GAN activities (and TensorFlow with them).
 */
import { z } from 'zod';

export const ganHeartbeatSchema = z.object({
  epoch: z.number().int().nonnegative(),
  epochsTotal: z.number().int().positive().optional(),
  loss: z.string().optional(),
  repeat: z.number().int().nonnegative().optional(),
  checkpointKey: z.string().optional(),
  losses: z.record(z.string(), z.number()).optional(),
});
export type GanHeartbeat = z.infer<typeof ganHeartbeatSchema>;

export const ganGroupHeartbeatSchema = z.object({ members: z.array(ganHeartbeatSchema) });
export type GanGroupHeartbeat = z.infer<typeof ganGroupHeartbeatSchema>;
