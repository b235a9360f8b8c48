import { Client, type Context, HTTPMessageHandler, type Middleware } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { GraphRequestKind } from '../telemetry/metrics';
import type { TokenSource } from './tokenSource';

export interface GraphClientOptions {
  /** Graph host without version, e.g. https://graph.microsoft.com */
  baseUrl: string;
  tenantId: string;
  tokens: TokenSource;
  /** Called once per HTTP request sent (benchmarks count Graph calls with it). */
  onRequest?: (method: string, url: string) => void;
  /** Called once per answer (or failure to get one): the metrics count requests and throttles with it. */
  onAnswer?: (kind: GraphRequestKind, status: number | 'network', retryAfter: boolean) => void;
}

/**
 * The real Graph SDK with our own middleware chain: a bearer-token step for
 * the tenant, then the SDK's HTTP handler. The SDK's retry handler is left out
 * on purpose: a throttled call must not sleep inside a function; the caller
 * reschedules the work on the queue for the time Graph asked for.
 */
export function createGraphClient(options: GraphClientOptions): Client {
  const bearer: Middleware & { next?: Middleware } = {
    async execute(context: Context) {
      const token = await options.tokens(options.tenantId);
      const init = context.options ?? {};
      const headers = new Headers(init.headers as ConstructorParameters<typeof Headers>[0]);
      headers.set('Authorization', `Bearer ${token}`);
      context.options = { ...init, headers };
      options.onRequest?.(
        init.method ?? 'GET',
        typeof context.request === 'string' ? context.request : context.request.url,
      );
      if (!bearer.next) throw new Error('middleware chain is incomplete');
      const kind = graphRequestKind(
        typeof context.request === 'string' ? context.request : context.request.url,
      );
      try {
        await bearer.next.execute(context);
      } catch (error) {
        options.onAnswer?.(kind, 'network', false);
        throw error;
      }
      const response = context.response;
      options.onAnswer?.(kind, response?.status ?? 'network', response?.headers.has('Retry-After') ?? false);
      if (kind === 'batch' && response?.ok && options.onAnswer)
        await reportBatchItems(context, options.onAnswer);
    },
    setNext(next: Middleware) {
      bearer.next = next;
    },
  };
  bearer.setNext?.(new HTTPMessageHandler());
  return Client.initWithMiddleware({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    defaultVersion: 'v1.0',
    middleware: bearer,
  });
}

/**
 * Turns an absolute Graph link (nextLink, deltaLink) back into a path the SDK
 * accepts, refusing any link that points elsewhere: our token must never be
 * sent to a host we were not configured for.
 */
export function relativeGraphPath(link: string, baseUrl: string): string {
  const prefix = `${baseUrl.replace(/\/+$/, '')}/v1.0/`;
  if (!link.toLowerCase().startsWith(prefix.toLowerCase())) {
    throw new Error('Graph returned a link outside the configured Graph base URL');
  }
  return link.slice(prefix.length - 1);
}

const sentBatchSchema = z.object({ requests: z.array(z.object({ id: z.string(), url: z.string() })) });
const batchAnswersSchema = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number().int(),
      headers: z.record(z.string(), z.string()).optional(),
    }),
  ),
});

/**
 * Each item of a `$batch` is throttled on its own, with its own status and
 * Retry-After inside a 200 (https://learn.microsoft.com/graph/json-batching),
 * so a throttled renewal would not show in the `$batch`'s own answer: every
 * item is reported as a request of its own kind. The body is read from a
 * clone, leaving the answer to the SDK untouched.
 */
async function reportBatchItems(
  context: Context,
  onAnswer: NonNullable<GraphClientOptions['onAnswer']>,
): Promise<void> {
  const body = context.options?.body;
  const sent = sentBatchSchema.safeParse(typeof body === 'string' ? parseJson(body) : undefined);
  const urls = new Map((sent.success ? sent.data.requests : []).map((item) => [item.id, item.url]));
  const answers = batchAnswersSchema.safeParse(
    await context.response
      ?.clone()
      .json()
      .catch(() => undefined),
  );
  if (!answers.success) return;
  for (const answer of answers.data.responses) {
    const retryAfter = Object.keys(answer.headers ?? {}).some((name) => name.toLowerCase() === 'retry-after');
    onAnswer(graphRequestKind(urls.get(answer.id) ?? ''), answer.status, retryAfter);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * What a request was for, from its path alone, so a metric can tell delta
 * rounds from renewals without carrying a user id or a URL.
 */
export function graphRequestKind(url: string): GraphRequestKind {
  const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0] ?? '';
  // Whole segments only: a user id or address may contain any of these words.
  const segments = new Set(path.toLowerCase().split('/'));
  if (segments.has('$batch')) return 'batch';
  if (segments.has('delta')) return 'delta';
  if (segments.has('subscriptions')) return 'subscriptions';
  if (segments.has('mailboxsettings')) return 'mailbox';
  if (segments.has('events') || segments.has('calendarview')) return 'events';
  if (segments.has('groups')) return 'groups';
  if (segments.has('users')) return 'users';
  return 'other';
}
