/**
 * Schema of temporal.yaml: the single source of the stack settings' types.
 */
import { z } from 'zod';
import { durationSchema } from './duration';

const port = z.number().int().min(1).max(65535);
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port, e.g. "127.0.0.1:7233"');

export const retrySettingsSchema = z.strictObject({
  initialInterval: durationSchema,
  backoffCoefficient: z.number().min(1).max(10),
  maximumInterval: durationSchema,
  maximumAttempts: z.number().int().min(0).max(1000),
});

const activityKindSchema = z.strictObject({
  startToCloseTimeout: durationSchema,
  heartbeatTimeout: durationSchema.optional(),
  retry: retrySettingsSchema,
});

export const stackSettingsSchema = z.strictObject({
  temporal: z.strictObject({
    address: hostPort,
    namespace: z.string().min(1),
    tls: z
      .strictObject({
        enabled: z.boolean(),
        serverName: z.string().optional(),
        serverRootCaCertPath: z.string().optional(),
        clientCertPath: z.string().optional(),
        clientKeyPath: z.string().optional(),
      })
      .default({ enabled: false }),
    taskQueues: z
      .strictObject({
        orchestration: z.string().min(1),
        compute: z.string().min(1),
        /**
         * Feature extraction, which reads the corpus folder a config names: only machines that
         * have that folder poll it (`serflow worker --queues extraction`). Default
         * `<compute>-extraction`, so that a temporal.yaml written before it keeps working.
         */
        extraction: z.string().min(1).optional(),
      })
      .transform((q) => ({ ...q, extraction: q.extraction ?? `${q.compute}-extraction` })),
    devServer: z.strictObject({ ip: z.string().min(1), port, uiPort: port, dbFile: z.string().min(1) }),
    activities: z.strictObject({ short: activityKindSchema, compute: activityKindSchema }),
  }),
  mlflow: z.strictObject({
    trackingUri: z.url({ protocol: /^https?$/ }),
    server: z.strictObject({
      host: z.string().min(1),
      port,
      backendStore: z.string().min(1),
      artifactsDestination: z.string().min(1),
    }),
  }),
});

export type StackSettings = z.infer<typeof stackSettingsSchema>;
export type RetrySettings = z.infer<typeof retrySettingsSchema>;
