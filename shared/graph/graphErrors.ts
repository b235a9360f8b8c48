import { GraphError } from '@microsoft/microsoft-graph-client';
import { parseRetryAfter } from '../retryAfter';

/** What a failed Graph call means to the caller; decided once here instead of at every call site. */
export type GraphFailure =
  | { kind: 'throttled'; status: number; retryAfterSeconds: number }
  | { kind: 'notFound'; status: number; code: string }
  | { kind: 'syncStateExpired'; status: number; code: string }
  | { kind: 'accessDenied'; status: number; code: string }
  | { kind: 'other'; status: number; code: string };

/** Used when Graph throttles without saying for how long. */
export const DEFAULT_RETRY_AFTER_SECONDS = 30;

/**
 * An expired delta token is "a 40X-series error with error codes such as
 * syncStateNotFound" (https://learn.microsoft.com/graph/delta-query-overview#token-duration);
 * the sync-state codes of https://learn.microsoft.com/graph/errors#code-property,
 * compared without case because services spell them `SyncStateNotFound` too.
 */
const SYNC_STATE_CODES: ReadonlySet<string> = new Set([
  'syncstatenotfound',
  'syncstateinvalid',
  'resyncrequired',
]);

export function classifyGraphStatus(
  status: number,
  code: string,
  retryAfter: string | null | undefined,
): GraphFailure {
  if (status === 429 || status === 503) {
    const retryAfterSeconds = parseRetryAfter(retryAfter, new Date()) ?? DEFAULT_RETRY_AFTER_SECONDS;
    return { kind: 'throttled', status, retryAfterSeconds };
  }
  if (status === 410 || (status >= 400 && status < 500 && SYNC_STATE_CODES.has(code.toLowerCase()))) {
    return { kind: 'syncStateExpired', status, code };
  }
  if (status === 404) return { kind: 'notFound', status, code };
  if (status === 401 || status === 403) return { kind: 'accessDenied', status, code };
  return { kind: 'other', status, code };
}

export function classifyGraphError(error: unknown): GraphFailure | undefined {
  if (!(error instanceof GraphError)) return undefined;
  return classifyGraphStatus(error.statusCode, error.code ?? '', error.headers?.get('retry-after'));
}
