import { silentLogger } from '../../dev/localHost/consoleLogger';
import { createMemorySecretStore } from '../../dev/localHost/memorySecretStore';
import type { DeliveryDeps } from '../../shared/delivery/deliveryAttempt';
import { localPermits } from '../../shared/delivery/localPermits';
import { defaultPbxSlotPolicy } from '../../shared/delivery/pbxSlots';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import type { DeliveryRequest } from '../../shared/pbx/pbxEvent';
import { DEFAULT_RETRY_POLICY } from '../../shared/pbx/retrySchedule';
import { generateSigningSecret } from '../../shared/pbx/signing';
import type { OutgoingMessage, QueueName, QueueSender } from '../../shared/queue/queuePort';
import type { IntegrationRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';

export const NOW = new Date('2026-11-25T08:00:00.000Z');

/** Records what the service sends instead of queuing it (Service Bus is the one part we fake). */
export function capturingQueue(): QueueSender & {
  sent: Array<{ queue: QueueName; message: OutgoingMessage }>;
} {
  const sent: Array<{ queue: QueueName; message: OutgoingMessage }> = [];
  return {
    sent,
    async send(queue, messages) {
      for (const message of messages) sent.push({ queue, message });
    },
  };
}

let counter = 0;

/** A fresh integration pointing at `pbxUrl`, with its secret in a memory store. */
export async function integrationFor(repos: Repositories, pbxUrl: string, secret = generateSigningSecret()) {
  counter += 1;
  const id = `int-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const record: IntegrationRecord = {
    id,
    name: 'Test',
    active: true,
    tenantId: 'tenant',
    consentState: 'granted',
    pbxUrl,
    pbxSecretName: `pbx-${id}`,
    ruleSet: presetRuleSet('availability-default'),
    rulesVersion: 1,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
  await repos.integrations.create(record);
  const secrets = createMemorySecretStore({ [record.pbxSecretName]: secret });
  return { record, secret, secrets };
}

export function requestFor(integrationId: string, absenceId = 'abs_1', version = 1): DeliveryRequest {
  return {
    webhookId: `msg_${absenceId}_${version}`,
    integrationId,
    event: {
      type: 'absence.upserted',
      schemaVersion: 1,
      timestamp: NOW.toISOString(),
      integrationId,
      data: {
        user: { id: 'user-1', email: 'alice@contoso.example' },
        absence: {
          id: absenceId,
          version,
          start: '2026-11-25T12:00:00.000Z',
          end: '2026-11-25T13:00:00.000Z',
          reason: { code: 'busy', name: 'Busy' },
          callHandling: 'information',
        },
      },
    },
  };
}

export function deliveryDeps(
  repos: Repositories,
  secrets: DeliveryDeps['secrets'],
  queue: QueueSender,
  overrides: Partial<DeliveryDeps> = {},
): DeliveryDeps {
  return {
    integrations: repos.integrations,
    deliveries: repos.deliveries,
    secrets,
    queue,
    // No jitter, so the test knows each delay exactly.
    retryPolicy: { ...DEFAULT_RETRY_POLICY, random: () => 0.5 },
    pbxSlots: {
      slots: repos.pbxSlots,
      local: localPermits(),
      policy: defaultPbxSlotPolicy(4, 2000),
      clock: () => new Date(),
    },
    target: { timeoutMs: 2000, allowInsecureLoopback: true, allowedPrivateHosts: [] },
    now: () => NOW,
    log: silentLogger,
    ...overrides,
  };
}
