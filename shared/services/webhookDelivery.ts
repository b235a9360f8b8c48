import { type DeliveryOutcome, deliverWebhook } from '../pbx/deliverWebhook';
import type { DeliveryRequest } from '../pbx/pbxEvent';
import type { SecretStore } from '../secrets/secretStore';
import type { IntegrationRepository } from '../storage/repositories';
import type { Logger } from './logger';

export interface DeliveryDeps {
  integrations: Pick<IntegrationRepository, 'get'>;
  secrets: Pick<SecretStore, 'get'>;
  timeoutMs: number;
  allowInsecureLoopback: boolean;
  now: () => Date;
  log: Logger;
}

export type DeliveryResult = DeliveryOutcome | { kind: 'skipped'; why: string };

/** Thrown for outcomes the queue should retry; the queue's delivery count bounds the attempts. */
export class DeliveryRetryError extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`PBX delivery will be retried: ${reason}`);
    this.name = 'DeliveryRetryError';
  }
}

/**
 * Sends one webhook to the integration's PBX. Success and permanent refusals
 * complete the message; anything worth another try throws so the queue
 * redelivers it (same webhook id, fresh timestamp and signature).
 */
export async function handleDelivery(request: DeliveryRequest, deps: DeliveryDeps): Promise<DeliveryResult> {
  const integration = (await deps.integrations.get(request.integrationId))?.value;
  if (!integration) return { kind: 'skipped', why: 'integration not found' };
  const secret = await deps.secrets.get(integration.pbxSecretName);
  if (!secret) throw new DeliveryRetryError('PBX signing secret is not available');
  const outcome = await deliverWebhook(
    request,
    { url: integration.pbxUrl, secrets: secret.split(/\s+/).filter(Boolean) },
    { timeoutMs: deps.timeoutMs, allowInsecureLoopback: deps.allowInsecureLoopback, now: deps.now },
  );
  const context = {
    integrationId: request.integrationId,
    webhookId: request.webhookId,
    type: request.event.type,
  };
  switch (outcome.kind) {
    case 'delivered':
      deps.log.info('webhook delivered', { ...context, status: outcome.status });
      return outcome;
    case 'retry':
      throw new DeliveryRetryError(outcome.reason, outcome.retryAfterSeconds);
    case 'gone':
      deps.log.warn('PBX answered 410 Gone; not retrying', context);
      return outcome;
    case 'rejected':
      deps.log.warn('PBX refused the webhook; not retrying', { ...context, reason: outcome.reason });
      return outcome;
  }
}
