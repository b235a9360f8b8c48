import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import {
  MAX_NOTIFICATION_BYTES,
  parseSendNotification,
  type SubscriptionStatus,
  sendNotificationResult,
} from '../shared/exchange/ewsNotification';
import { failureForLog } from '../shared/logger';
import { getRuntime } from '../shared/runtime';
import { acceptEwsNotification } from '../shared/sync/ewsNotificationIntake';
import { registerHttp } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';
import { problem } from './http/requestBody';

/** Route of Exchange Server push notifications; the subscription's secret is the last segment. */
export const EXCHANGE_NOTIFICATIONS_ROUTE = 'exchange/notifications/{secret}';

/** The secrets we mint are 43 URL-safe characters (ewsSubscriptionUpkeep.ts); anything else is refused unread. */
const SECRET = /^[A-Za-z0-9_-]{16,128}$/;

function answer(status: SubscriptionStatus): HttpResponseInit {
  return {
    status: 200,
    headers: { 'Content-Type': 'text/xml; charset=utf-8' },
    body: sendNotificationResult(status),
  };
}

/**
 * Exchange's SendNotification: malformed → 400 with the reason; ours and
 * verified → OK once the sync is queued; unknown or forged → Unsubscribe with
 * nothing queued; a read or queue failure → 503, which Exchange counts as no
 * answer and retries 30 s later, doubling, for StatusFrequency minutes
 * (office-developer-exchange-docs, docs/web-service-reference/statusfrequency.md).
 */
export async function exchangeNotifications(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const secret = request.params.secret ?? '';
  if (!SECRET.test(secret)) return problem(404, 'no such notification address');
  if (Number(request.headers.get('content-length') ?? '0') > MAX_NOTIFICATION_BYTES)
    return problem(413, `body larger than ${MAX_NOTIFICATION_BYTES} bytes`);
  let body: string;
  try {
    body = await request.text();
  } catch {
    return problem(400, 'body could not be read');
  }
  const parsed = parseSendNotification(body);
  if (!parsed.ok) return problem(400, parsed.reason);
  const log = invocationLogger(context);
  try {
    const runtime = await getRuntime();
    const outcome = await acceptEwsNotification(parsed.notification, secret, runtime.exchangeIntake(log));
    if (outcome.kind === 'accepted') return answer('OK');
    if (outcome.kind === 'refused') return answer('Unsubscribe');
    log.error('could not take an EWS notification; Exchange sends it again', failureForLog(outcome.error));
  } catch (error) {
    log.error('could not take an EWS notification; Exchange sends it again', failureForLog(error));
  }
  return { status: 503, headers: { 'Retry-After': '30' }, jsonBody: { error: 'try again' } };
}

registerHttp('exchangeNotifications', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: EXCHANGE_NOTIFICATIONS_ROUTE,
  handler: exchangeNotifications,
});
