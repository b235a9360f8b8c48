import { createHash } from 'node:crypto';
import type { Logger } from '../logger';
import type { DeliveryRequest } from '../pbx/pbxEvent';
import { readPbxSecret, signingSecretsAt } from '../pbx/pbxSecret';
import type { ResolveHost } from '../pbx/pbxTarget';
import { nextAttempt, type RetryPolicy } from '../pbx/retrySchedule';
import { type DeliveryOutcome, deliverWebhook } from '../pbx/webhookPost';
import { SERVICE_BUS_ID_MAX } from '../queue/outgoingMessage';
import type { OutgoingMessage, QueueSender } from '../queue/queuePort';
import type { SecretStore } from '../secrets/secretStore';
import type { DeliveryFailure, DeliveryLogRecord, IntegrationRecord } from '../storage/records';
import type { DeliveryLogRepository, IntegrationRepository } from '../storage/repositories';
import type { Metrics, WebhookResult } from '../telemetry/metrics';
import { disablePbxEndpoint } from './pbxEndpoint';
import { type HeldSlot, type PbxSlotDeps, releasePbxSlot, takePbxSlot } from './pbxSlots';

export interface DeliveryDeps {
  integrations: Pick<IntegrationRepository, 'get' | 'update'>;
  deliveries: Pick<DeliveryLogRepository, 'record' | 'recordSoon'>;
  secrets: Pick<SecretStore, 'get'>;
  queue: QueueSender;
  retryPolicy: RetryPolicy;
  /** The cap on calls in flight to one integration's PBX, shared by every instance. */
  pbxSlots: PbxSlotDeps;
  target: { timeoutMs: number; allowInsecureLoopback: boolean; allowedPrivateHosts: readonly string[] };
  /** How PBX host names are resolved before each attempt (DNS unless a test stubs it). */
  resolveHost?: ResolveHost;
  /** The service clock: when the next attempt is due, log timestamps, the rotation window. */
  now: () => Date;
  /** Signatures carry wall-clock time, since receivers compare it with their own clock. */
  signingNow?: () => Date;
  log: Logger;
  /** Tests only: certificate authorities a test PBX's certificate is signed by. */
  trustedCa?: string;
  metrics?: Pick<Metrics, 'webhookAttempted' | 'notificationToWebhook'>;
}

export type DeliveryResult =
  | { kind: 'delivered'; status: number; attempt: number }
  | { kind: 'retryScheduled'; nextAttempt: number; dueAt: string; reason: string; status?: number }
  /** Every PBX slot was taken: the same attempt comes back at `dueAt`. */
  | { kind: 'deferred'; attempt: number; dueAt: string; inFlight: number }
  | { kind: 'failed'; failure: DeliveryFailure; reason: string; attempts: number; status?: number }
  | { kind: 'skipped'; why: string };

/**
 * One attempt of one webhook. The message is always completed: a retry is a
 * new message scheduled for the next slot of the retry schedule, carrying the
 * attempt number, so the schedule is ours and not the queue's redelivery.
 * Terminal failures are kept in the delivery log with the request, for replay.
 * When the integration's PBX already has its cap of calls in flight, the same
 * attempt is scheduled again a little later (see pbxSlots.ts).
 * Throws only when recording a terminal failure, scheduling a retry or a
 * deferral, or reading the PBX slots fails; the queue then redelivers this
 * very attempt, which is safe (same webhook id).
 */
export async function handleDelivery(request: DeliveryRequest, deps: DeliveryDeps): Promise<DeliveryResult> {
  const result = await deliverOnce(request, deps);
  const counted = countedAs(result);
  if (counted) deps.metrics?.webhookAttempted(counted);
  // A replay's notification is long past: its wait is the operator's, not the pipeline's.
  if (result.kind === 'delivered' && request.notifiedAt && !request.replay) {
    deps.metrics?.notificationToWebhook(
      deps.now().getTime() - Date.parse(request.notifiedAt),
      request.event.type,
    );
  }
  return result;
}

function countedAs(result: DeliveryResult): WebhookResult | undefined {
  switch (result.kind) {
    case 'delivered':
      return 'delivered';
    case 'retryScheduled':
      return 'retry';
    case 'failed':
      return result.failure === 'gone' ? 'gone' : 'failed';
    // A deferral is not an attempt: the PBX was not called (its slots were taken).
    case 'deferred':
    case 'skipped':
      return undefined;
  }
}

async function deliverOnce(request: DeliveryRequest, deps: DeliveryDeps): Promise<DeliveryResult> {
  const attempt = request.attempt ?? 1;
  // An operator's replay may follow a change of the PBX URL on another instance: not from the cache.
  const integration = (
    await deps.integrations.get(request.integrationId, { fresh: request.replay !== undefined })
  )?.value;
  if (!integration) return { kind: 'skipped', why: 'integration not found' };
  if (integration.pbxEndpoint?.state === 'disabled') {
    return fail(request, deps, attempt - 1, {
      failure: 'endpointDisabled',
      reason: `PBX endpoint disabled: ${integration.pbxEndpoint.reason}`,
    });
  }
  const outcome = await attemptDelivery(request, integration, deps);
  const context = {
    integrationId: request.integrationId,
    webhookId: request.webhookId,
    type: request.event.type,
    attempt,
  };
  switch (outcome.kind) {
    case 'delivered':
      deps.log.info('webhook delivered', { ...context, status: outcome.status });
      await note(
        deps,
        entry(request, deps, { state: 'delivered', attempts: attempt, lastStatus: outcome.status }),
        // No row of this webhook exists before its first attempt (a replay's is pending): nothing to replace at once.
        attempt === 1 && !request.replay ? 'soon' : 'now',
      );
      return { kind: 'delivered', status: outcome.status, attempt };
    case 'retry':
      return retryLater(request, deps, attempt, outcome);
    case 'busy':
      return deferLater(request, deps, attempt, outcome.inFlight);
    case 'gone': {
      const reason = 'the PBX answered 410 Gone';
      deps.log.warn('PBX answered 410 Gone; endpoint disabled', context);
      await disablePbxEndpoint(request.integrationId, reason, deps);
      return fail(request, deps, attempt, { failure: 'gone', reason, status: 410 });
    }
    case 'rejected':
      deps.log.warn('PBX refused the webhook; not retrying', {
        ...context,
        errorClass: outcome.errorClass,
        reason: outcome.reason,
      });
      return fail(request, deps, attempt, {
        failure: 'rejected',
        reason: outcome.reason,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...answerFields(outcome),
      });
  }
}

async function attemptDelivery(
  request: DeliveryRequest,
  integration: IntegrationRecord,
  deps: DeliveryDeps,
): Promise<DeliveryOutcome | { kind: 'busy'; inFlight: number }> {
  const stored = await deps.secrets.get(integration.pbxSecretName);
  // A missing or broken secret is an operator's fix away: keep retrying on the schedule meanwhile.
  if (!stored)
    return { kind: 'retry', errorClass: 'secretUnavailable', reason: 'PBX signing secret is not available' };
  const secret = readPbxSecret(stored);
  if (secret.kind === 'unreadable')
    return { kind: 'retry', errorClass: 'secretUnavailable', reason: secret.why };
  // The rotation window runs on the service clock; the signature's timestamp on the wall clock.
  const secrets = signingSecretsAt(secret.secret, deps.now());
  const {
    attempt: _attempt,
    replay: _replay,
    notifiedAt: _notifiedAt,
    deferred: _deferred,
    ...wire
  } = request;
  // Taken after the secret is read, so a slot is held for the call alone.
  const claim = await takePbxSlot(
    request.integrationId,
    request.webhookId,
    deps.pbxSlots,
    integration.pbxMaxConcurrentRequests ?? deps.pbxSlots.policy.maxConcurrent,
  );
  if (claim.kind === 'busy') return claim;
  try {
    return await deliverWebhook(
      wire,
      { url: integration.pbxUrl, secrets },
      {
        timeoutMs: deps.target.timeoutMs,
        allowInsecureLoopback: deps.target.allowInsecureLoopback,
        allowedPrivateHosts: deps.target.allowedPrivateHosts,
        now: deps.signingNow ?? (() => new Date()),
        ...(deps.resolveHost ? { resolveHost: deps.resolveHost } : {}),
        ...(deps.trustedCa ? { trustedCa: deps.trustedCa } : {}),
      },
    );
  } finally {
    await freeSlot(claim.held, request, deps);
  }
}

/**
 * Best effort: the webhook has gone out, and failing here would make the
 * queue send it again. A slot not freed frees itself when its lease ends.
 */
async function freeSlot(held: HeldSlot, request: DeliveryRequest, deps: DeliveryDeps): Promise<void> {
  try {
    if (!(await releasePbxSlot(held, deps.pbxSlots))) {
      deps.log.warn('PBX call outlasted its slot lease; another worker had taken the slot over', {
        integrationId: request.integrationId,
        webhookId: request.webhookId,
      });
    }
  } catch (error) {
    deps.log.warn('could not free the PBX slot; its lease will free it', {
      integrationId: request.integrationId,
      webhookId: request.webhookId,
      error: error instanceof Error ? error.name : 'error',
    });
  }
}

/**
 * Every slot was taken: the same attempt comes back a little later as a new
 * scheduled message. Its id counts the deferrals, so it differs from the
 * message being handled (Service Bus drops a message whose id it saw within
 * the duplicate detection window,
 * https://learn.microsoft.com/azure/service-bus-messaging/duplicate-detection)
 * while a rerun of this very message builds the same id and is dropped.
 */
async function deferLater(
  request: DeliveryRequest,
  deps: DeliveryDeps,
  attempt: number,
  inFlight: number,
): Promise<DeliveryResult> {
  const deferrals = request.deferred ?? 0;
  const dueAt = new Date(deps.now().getTime() + deps.pbxSlots.policy.deferDelayMs(deferrals));
  const message = deliveryAttemptMessage({ ...request, deferred: deferrals + 1 }, attempt, dueAt);
  await deps.queue.send('deliveries', [message]);
  deps.log.info('every PBX slot taken; webhook comes back later', {
    integrationId: request.integrationId,
    webhookId: request.webhookId,
    attempt,
    inFlight,
  });
  return { kind: 'deferred', attempt, dueAt: dueAt.toISOString(), inFlight };
}

async function retryLater(
  request: DeliveryRequest,
  deps: DeliveryDeps,
  attempt: number,
  outcome: Extract<DeliveryOutcome, { kind: 'retry' }>,
): Promise<DeliveryResult> {
  const decision = nextAttempt(deps.retryPolicy, attempt, outcome.retryAfterSeconds);
  const status = outcome.status !== undefined ? { status: outcome.status } : {};
  if (decision.kind === 'exhausted') {
    deps.log.warn('webhook dead-lettered after the last attempt', {
      integrationId: request.integrationId,
      webhookId: request.webhookId,
      attempts: attempt,
      errorClass: outcome.errorClass,
      reason: outcome.reason,
    });
    return fail(request, deps, attempt, {
      failure: 'exhausted',
      reason: outcome.reason,
      ...status,
      ...answerFields(outcome),
    });
  }
  const dueAt = new Date(deps.now().getTime() + decision.delayMs);
  // The next attempt starts with no deferrals of its own.
  const { deferred: _deferred, ...next } = request;
  await deps.queue.send('deliveries', [deliveryAttemptMessage(next, decision.attempt, dueAt)]);
  await note(
    deps,
    entry(request, deps, {
      state: 'pending',
      attempts: attempt,
      lastError: outcome.reason,
      ...(outcome.status !== undefined ? { lastStatus: outcome.status } : {}),
      ...answerFields(outcome),
    }),
  );
  return {
    kind: 'retryScheduled',
    nextAttempt: decision.attempt,
    dueAt: dueAt.toISOString(),
    reason: outcome.reason,
    ...status,
  };
}

/** The queue message of attempt `attempt`; its id is stable, so a rerun of the same attempt cannot fork the chain. */
export function deliveryAttemptMessage(
  request: DeliveryRequest,
  attempt: number,
  dueAt: Date,
): OutgoingMessage<DeliveryRequest> {
  const run = request.replay ? `:replay:${request.replay}` : '';
  const wait = request.deferred ? `:w${request.deferred}` : '';
  const suffix = `${run}:attempt:${attempt}${wait}`;
  // A webhook id near its 100 characters with a replay and deferrals would pass
  // Service Bus's 128 (the send would throw); then its hash stands in for it.
  // https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
  const readable = `${request.webhookId}${suffix}`;
  const messageId =
    readable.length <= SERVICE_BUS_ID_MAX
      ? readable
      : `h:${createHash('sha256').update(request.webhookId).digest('base64url')}${suffix}`;
  return {
    body: { ...request, attempt },
    messageId,
    scheduledEnqueueTime: dueAt,
    applicationProperties: { type: request.event.type, integrationId: request.integrationId, attempt },
  };
}

async function fail(
  request: DeliveryRequest,
  deps: DeliveryDeps,
  attempts: number,
  failure: { failure: DeliveryFailure; reason: string; status?: number } & AnswerFields,
): Promise<DeliveryResult> {
  const { attempt: _attempt, deferred: _deferred, ...replayable } = request;
  // Not best-effort: this row is the only copy of the webhook once the message completes.
  await deps.deliveries.record(
    entry(request, deps, {
      state: 'failed',
      failure: failure.failure,
      attempts,
      lastError: failure.reason,
      ...(failure.status !== undefined ? { lastStatus: failure.status } : {}),
      ...(failure.errorClass ? { errorClass: failure.errorClass } : {}),
      ...(failure.reply ? { reply: failure.reply } : {}),
      request: replayable,
    }),
  );
  return {
    kind: 'failed',
    failure: failure.failure,
    reason: failure.reason,
    attempts,
    ...(failure.status !== undefined ? { status: failure.status } : {}),
  };
}

type AnswerFields = Pick<DeliveryLogRecord, 'errorClass' | 'reply'>;

/** The error's class and the summary of the PBX's answer: all the log keeps of a failure besides the reason. */
function answerFields(outcome: Extract<DeliveryOutcome, { kind: 'retry' | 'rejected' }>): AnswerFields {
  return {
    errorClass: outcome.errorClass,
    ...(outcome.reply ? { reply: outcome.reply } : {}),
  };
}

type EntryFields = Omit<DeliveryLogRecord, 'integrationId' | 'webhookId' | 'type' | 'userId' | 'updatedAt'>;

function entry(request: DeliveryRequest, deps: DeliveryDeps, fields: EntryFields): DeliveryLogRecord {
  return {
    integrationId: request.integrationId,
    webhookId: request.webhookId,
    type: request.event.type,
    userId: request.event.data.user.id,
    updatedAt: deps.now().toISOString(),
    ...fields,
  };
}

/**
 * The log of a delivered or pending webhook is for people; failing to write it
 * must not resend the webhook. `soon`: the row replaces none, so it may wait to
 * be written with others (shared/storage/deliveryLogBatch.ts).
 */
async function note(
  deps: DeliveryDeps,
  record: DeliveryLogRecord,
  when: 'now' | 'soon' = 'now',
): Promise<void> {
  try {
    await (when === 'soon' ? deps.deliveries.recordSoon(record) : deps.deliveries.record(record));
  } catch (error) {
    deps.log.warn('could not update the delivery log', {
      webhookId: record.webhookId,
      error: error instanceof Error ? error.name : 'error',
    });
  }
}
