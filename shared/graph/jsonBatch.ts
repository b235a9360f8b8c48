import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';

/** Graph's JSON batching takes at most 20 requests per call. */
export const MAX_BATCH_SIZE = 20;

export interface BatchItem {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the version, e.g. `/subscriptions/{id}`. */
  url: string;
  body?: unknown;
}

const batchResponseSchema = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number().int(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
    }),
  ),
});
export type BatchResponse = z.infer<typeof batchResponseSchema>['responses'][number];

/**
 * Sends up to 20 requests in one `$batch` call. Each item succeeds or fails on
 * its own (a 429 inside comes with its own Retry-After, and the SDK does not
 * retry items), so the caller reads every response; an item Graph did not
 * answer is reported as a 500 so it is retried like any other failure.
 */
export async function sendBatch(client: Client, items: BatchItem[]): Promise<BatchResponse[]> {
  if (items.length === 0) return [];
  if (items.length > MAX_BATCH_SIZE) throw new Error(`a $batch takes at most ${MAX_BATCH_SIZE} requests`);
  const raw: unknown = await client.api('/$batch').post({
    requests: items.map((item) => ({
      id: item.id,
      method: item.method,
      url: item.url,
      ...(item.body === undefined
        ? {}
        : { body: item.body, headers: { 'Content-Type': 'application/json' } }),
    })),
  });
  const answered = new Map(batchResponseSchema.parse(raw).responses.map((r) => [r.id, r]));
  return items.map((item) => answered.get(item.id) ?? { id: item.id, status: 500 });
}

export function headerOf(response: BatchResponse, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(response.headers ?? {}))
    if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
