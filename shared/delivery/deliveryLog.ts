// What the admin API shows about webhooks to one PBX: how many are waiting
// for a retry, delivered, or failed for good, the newest errors, and whether
// the endpoint was disabled by a 410. Webhooks still waiting for their first
// attempt are on the queue and not counted here.

import { conflict, notFound, type Outcome, ok, type Refusal } from '../outcome';
import type { DeliveryErrorClass, PbxReply } from '../pbx/pbxReply';
import type { QueueSender } from '../queue/queuePort';
import type { DeliveryFailure, DeliveryLogRecord, DeliveryState, PbxEndpointState } from '../storage/records';
import type { DeliveryLogRepository, IntegrationRepository } from '../storage/repositories';
import { deliveryAttemptMessage } from './deliveryAttempt';

export interface DeliverySummary {
  integrationId: string;
  endpoint: PbxEndpointState;
  counts: Record<DeliveryState, number>;
  failedBy: Record<DeliveryFailure, number>;
  lastErrors: DeliveryError[];
}

export interface DeliveryError {
  webhookId: string;
  type: DeliveryLogRecord['type'];
  userId: string;
  state: DeliveryState;
  failure?: DeliveryFailure;
  attempts: number;
  status?: number;
  error: string;
  errorClass?: DeliveryErrorClass;
  /** The PBX's answer: length, content type, short summary; never its body. */
  reply?: PbxReply;
  at: string;
}

export interface DeliveryLogDeps {
  integrations: Pick<IntegrationRepository, 'get'>;
  deliveries: Pick<DeliveryLogRepository, 'listForIntegration' | 'listFailed' | 'record'>;
  queue: QueueSender;
  now: () => Date;
}

export const DEFAULT_ERROR_LIMIT = 20;

export async function deliverySummary(
  integrationId: string,
  deps: Pick<DeliveryLogDeps, 'integrations' | 'deliveries'>,
  errorLimit = DEFAULT_ERROR_LIMIT,
): Promise<Outcome<DeliverySummary>> {
  const integration = (await deps.integrations.get(integrationId))?.value;
  if (!integration) return notFound('no such integration');
  const rows = await deps.deliveries.listForIntegration(integrationId);
  const counts: Record<DeliveryState, number> = { pending: 0, delivered: 0, failed: 0 };
  const failedBy: Record<DeliveryFailure, number> = {
    exhausted: 0,
    rejected: 0,
    gone: 0,
    endpointDisabled: 0,
  };
  for (const row of rows) {
    counts[row.state]++;
    if (row.state === 'failed' && row.failure) failedBy[row.failure]++;
  }
  const lastErrors = rows
    .filter((row) => row.state !== 'delivered' && row.lastError !== undefined)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, errorLimit)
    .map(
      (row): DeliveryError => ({
        webhookId: row.webhookId,
        type: row.type,
        userId: row.userId,
        state: row.state,
        ...(row.failure ? { failure: row.failure } : {}),
        attempts: row.attempts,
        ...(row.lastStatus !== undefined ? { status: row.lastStatus } : {}),
        error: row.lastError ?? '',
        ...(row.errorClass ? { errorClass: row.errorClass } : {}),
        ...(row.reply ? { reply: row.reply } : {}),
        at: row.updatedAt,
      }),
    );
  return ok({
    integrationId,
    endpoint: integration.pbxEndpoint ?? { state: 'active' },
    counts,
    failedBy,
    lastErrors,
  });
}

export type ReplayResult = { kind: 'replayed'; webhookIds: string[]; notFailed: string[] } | Refusal;

/**
 * Puts failed webhooks back on the queue as they were, attempt count reset:
 * all of the integration's, or only `webhookIds`. Versions make a replay of
 * an outdated change harmless: the PBX drops it.
 */
export async function replayFailedDeliveries(
  integrationId: string,
  deps: DeliveryLogDeps,
  webhookIds?: readonly string[],
): Promise<ReplayResult> {
  const integration = (await deps.integrations.get(integrationId))?.value;
  if (!integration) return notFound('no such integration');
  // Replaying into a disabled endpoint would only fail them again.
  if (integration.pbxEndpoint?.state === 'disabled') {
    return conflict(`the PBX endpoint is disabled (${integration.pbxEndpoint.reason}); enable it first`);
  }
  const failed = await deps.deliveries.listFailed(integrationId);
  const wanted = webhookIds ? new Set(webhookIds) : undefined;
  const chosen = failed.filter((row) => row.request && (!wanted || wanted.has(row.webhookId)));
  const now = deps.now();
  for (const row of chosen) {
    if (!row.request) continue;
    const request = { ...row.request, replay: (row.request.replay ?? 0) + 1 };
    await deps.queue.send('deliveries', [deliveryAttemptMessage(request, 1, now)]);
    const { request: _, failure: _failure, ...rest } = row;
    await deps.deliveries.record({ ...rest, state: 'pending', attempts: 0, updatedAt: now.toISOString() });
  }
  const replayed = chosen.map((row) => row.webhookId);
  const notFailed = wanted ? [...wanted].filter((id) => !replayed.includes(id)) : [];
  return { kind: 'replayed', webhookIds: replayed, notFailed };
}
