import { z } from 'zod';

/** Bodies and queries of the delivery admin routes; zod-checked, as all input from outside. */
export const replayBodySchema = z
  .object({
    /** Only these failed webhooks; all failed ones of the integration when absent. */
    webhookIds: z.array(z.string().min(1).max(100)).min(1).max(1000).optional(),
  })
  .strict();
export type ReplayBody = z.infer<typeof replayBodySchema>;

export const errorLimitSchema = z.coerce.number().int().min(1).max(100);
