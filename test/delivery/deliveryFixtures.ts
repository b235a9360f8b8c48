import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemorySecretStore } from '../../dev/localHost/memorySecretStore';
import type { DeliveryDeps } from '../../shared/delivery/deliveryAttempt';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { silentLogger } from '../../shared/logger';
import type { DeliveryRequest } from '../../shared/pbx/pbxEvent';
import { DEFAULT_RETRY_POLICY } from '../../shared/pbx/retrySchedule';
import { generateSigningSecret } from '../../shared/pbx/signing';
import type { OutgoingMessage, QueueName, QueueSender } from '../../shared/queue/queuePort';
import type { IntegrationRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';

export const NOW = new Date('2026-11-25T08:00:00.000Z');

export interface SeenRequest {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A throwaway PBX on a free loopback port; `respond` decides each answer. */
export async function startPbx(respond: (response: ServerResponse, seen: SeenRequest) => void) {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { headers: request.headers, body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      respond(response, entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

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
    target: { timeoutMs: 2000, allowInsecureLoopback: true, allowedPrivateHosts: [] },
    now: () => NOW,
    log: silentLogger,
    ...overrides,
  };
}
