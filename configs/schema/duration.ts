import { z } from 'zod';

/** A Temporal duration string such as "500ms", "30s", "5m", "6h". */
export const durationSchema = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration such as "500ms", "30s", "5m", "6h" or "1d"');
