// `POST /v1.0/$batch`: up to 20 requests, each run through the full pipeline
// (faults, auth, routing, request log) so each is throttled and counted on
// its own. Items run one after another; Graph gives no order guarantee
// without `dependsOn`, so callers cannot rely on either.

import { z } from 'zod';
import { graphError, json, parseJsonBody, type SimRequest, type SimResponse } from './exchange';

const MAX_BATCH_REQUESTS = 20;

const batchSchema = z.object({
  requests: z.array(
    z.object({
      id: z.string().min(1),
      method: z.string().min(1),
      url: z.string().min(1),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
      dependsOn: z.array(z.string()).optional(),
    }),
  ),
});

export async function runBatch(
  outer: SimRequest,
  respond: (request: SimRequest) => Promise<SimResponse>,
): Promise<SimResponse> {
  const body = parseJsonBody(outer);
  if (!body.ok) return body.response;
  const parsed = batchSchema.safeParse(body.value);
  if (!parsed.success) return graphError(400, 'BadRequest', 'Invalid batch payload format.');
  const { requests } = parsed.data;
  if (requests.length > MAX_BATCH_REQUESTS) {
    return graphError(
      400,
      'BadRequest',
      `Number of batch request steps exceeds the maximum of ${MAX_BATCH_REQUESTS}.`,
    );
  }
  if (new Set(requests.map((r) => r.id)).size !== requests.length) {
    return graphError(400, 'BadRequest', 'Batch request ids must be unique.');
  }

  const responses = [];
  for (const item of requests) {
    const relative = new URL(item.url.startsWith('/') ? item.url : `/${item.url}`, 'http://batch.invalid');
    const headers: Record<string, string | undefined> = { authorization: outer.headers.authorization };
    for (const [name, value] of Object.entries(item.headers ?? {})) headers[name.toLowerCase()] = value;
    const response = await respond({
      method: item.method.toUpperCase(),
      path: `/v1.0${relative.pathname}`,
      query: relative.searchParams,
      rawQuery: relative.search.slice(1),
      headers,
      bodyText:
        item.body === undefined ? '' : typeof item.body === 'string' ? item.body : JSON.stringify(item.body),
    });
    responses.push({
      id: item.id,
      status: response.status,
      headers: response.headers ?? {},
      ...(response.body === undefined ? {} : { body: response.body }),
    });
  }
  return json(200, { responses });
}
