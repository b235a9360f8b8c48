import fc from 'fast-check';
import { deliveryAttemptMessage } from '../../shared/delivery/deliveryAttempt';
import { INTEGRATION_ID_MAX_LENGTH, USER_ID_MAX_LENGTH } from '../../shared/domain/identifiers';
import type { DeliveryRequest } from '../../shared/pbx/pbxEvent';
import { deliveryRequestSchema } from '../../shared/pbx/pbxEventSchema';
import { resubmittedCopy } from '../../shared/queue/deadLetters';
import { serializeOutgoingMessage } from '../../shared/queue/outgoingMessage';
import { retryCopy } from '../../shared/queue/queueRetries';
import { LIFECYCLE_EVENTS } from '../../shared/subscriptions/lifecycleEvent';
import {
  coalescedSyncMessage,
  notificationSyncMessages,
  type SyncRequest,
  syncMessageAt,
  syncRequestSchema,
  syncSessionId,
} from '../../shared/sync/syncRequest';
import { requestFor } from '../delivery/deliveryFixtures';

// Service Bus refuses message and session ids over 128 characters; a send that
// throws turns into a 503 for Graph, which then retries forever. Every sync
// message the code can build, at the schemas' maximum lengths, must fit.
const SERVICE_BUS_ID_MAX = 128;
const causes = syncRequestSchema.shape.cause.options;

const integrationId = fc.stringMatching(
  new RegExp(`^[a-z0-9][a-z0-9-]{0,${INTEGRATION_ID_MAX_LENGTH - 1}}$`),
);
// size 'max': fast-check otherwise keeps strings short, and the long ones are the point.
const userId = fc.string({ minLength: 1, maxLength: USER_ID_MAX_LENGTH, unit: 'grapheme', size: 'max' });
const request = fc.record({
  integrationId,
  userId,
  cause: fc.constantFrom(...causes),
  lifecycleEvent: fc.option(fc.constantFrom(...LIFECYCLE_EVENTS), { nil: undefined }),
  reconcile: fc.option(fc.boolean(), { nil: undefined }),
});
// The whole range of JavaScript dates, so the longest timestamps are tried too.
const instant = fc.integer({ min: 0, max: 8_640_000_000_000_000 - 120_000 }).map((ms) => new Date(ms));

function withoutUndefined(value: Omit<SyncRequest, 'requestedAt'>): Omit<SyncRequest, 'requestedAt'> {
  return JSON.parse(JSON.stringify(value)) as Omit<SyncRequest, 'requestedAt'>;
}

describe('queue ids', () => {
  it('every sync message and session id fits Service Bus, and one user keeps one session', () => {
    fc.assert(
      fc.property(request, instant, fc.double({ min: 0, max: 60, noNaN: true }), (raw, now, coalesce) => {
        const body = withoutUndefined(raw);
        const later = new Date(Math.min(now.getTime() + 60_000, 8_640_000_000_000_000));
        for (const message of [
          coalescedSyncMessage(body, now, coalesce),
          ...notificationSyncMessages(body, now, coalesce),
          syncMessageAt(body, later, now),
        ]) {
          expect(message.messageId.length).toBeLessThanOrEqual(SERVICE_BUS_ID_MAX);
          expect(message.sessionId?.length ?? 0).toBeLessThanOrEqual(SERVICE_BUS_ID_MAX);
          expect(message.sessionId).toBe(syncSessionId(body.integrationId, body.userId));
          expect(() => serializeOutgoingMessage(message)).not.toThrow();
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a notification's leading and follow-up ids differ, and a redelivery at any time of the bucket builds the same ones", () => {
    fc.assert(
      fc.property(
        request,
        instant,
        fc.double({ min: 0.001, max: 60, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (raw, now, coalesce, phase) => {
          const body = withoutUndefined(raw);
          const messages = notificationSyncMessages(body, now, coalesce);
          const [leading, followUp] = messages;
          expect(messages).toHaveLength(2);
          expect(leading?.messageId).not.toBe(followUp?.messageId);
          // Another instant in the same bucket: the bucket ends at the follow-up's scheduled time.
          const bucketMs = Math.max(1, Math.round(coalesce * 1000));
          const end = followUp?.scheduledEnqueueTime?.getTime() ?? 0;
          const again = new Date(end - bucketMs + Math.floor(phase * bucketMs));
          expect(notificationSyncMessages(body, again, coalesce).map((m) => m.messageId)).toEqual(
            messages.map((m) => m.messageId),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every retried copy and resubmitted dead letter fits too, one id per attempt, the same id for a resend', () => {
    const anyMessageId = fc.string({ minLength: 1, maxLength: SERVICE_BUS_ID_MAX, size: 'max' });
    const firstMessage = fc.oneof(
      anyMessageId,
      fc
        .tuple(request, instant)
        .map(([raw, now]) => coalescedSyncMessage(withoutUndefined(raw), now, 2).messageId),
    );
    fc.assert(
      fc.property(firstMessage, fc.integer({ min: 2, max: 60 }), instant, (messageId, attempts, now) => {
        const info = { messageId, deliveryCount: 1, enqueuedTime: now, applicationProperties: {} };
        const ids = new Set<string>([messageId]);
        let current: Parameters<typeof retryCopy>[1] = { ...info, sessionId: 'session' };
        for (let attempt = 2; attempt <= attempts; attempt++) {
          const copy = retryCopy({}, current, 'RestError (503)', now);
          // Sent twice (the first send's completion was lost): the same id, so duplicate detection drops it.
          expect(retryCopy({}, current, 'RestError (503)', now).messageId).toBe(copy.messageId);
          expect(copy.messageId.length).toBeLessThanOrEqual(SERVICE_BUS_ID_MAX);
          expect(() => serializeOutgoingMessage(copy)).not.toThrow();
          expect(copy.applicationProperties?.queueAttempt).toBe(attempt);
          ids.add(copy.messageId);
          current = {
            ...current,
            messageId: copy.messageId,
            applicationProperties: copy.applicationProperties ?? {},
          };
        }
        expect(ids.size).toBe(attempts);
        const resubmitted = resubmittedCopy(
          { messageId: current.messageId, body: {}, applicationProperties: current.applicationProperties },
          now,
        );
        expect(resubmitted.messageId.length).toBeLessThanOrEqual(SERVICE_BUS_ID_MAX);
        expect(ids.has(resubmitted.messageId)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('the longest integration id beside a long user id and a lifecycle event fits (130 characters before)', () => {
    const message = coalescedSyncMessage(
      {
        integrationId: 'a'.repeat(INTEGRATION_ID_MAX_LENGTH),
        userId: `${'u'.repeat(40)}@contoso.example`,
        cause: 'lifecycle',
        lifecycleEvent: 'reauthorizationRequired',
      },
      new Date('2026-12-01T20:00:00Z'),
      2,
    );
    expect(message.messageId.length).toBeLessThanOrEqual(SERVICE_BUS_ID_MAX);
  });

  it('every delivery attempt id fits, at the longest webhook id with replays and deferrals, one id per attempt', () => {
    const webhookMax = deliveryRequestSchema.shape.webhookId.maxLength ?? 100;
    const webhookId = fc.string({ minLength: 1, maxLength: webhookMax, size: 'max' });
    const count = fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined });
    fc.assert(
      fc.property(
        webhookId,
        count,
        count,
        fc.integer({ min: 1, max: 50 }),
        (id, replay, deferred, attempt) => {
          const request: DeliveryRequest = {
            ...requestFor('demo'),
            webhookId: id,
            ...(replay ? { replay } : {}),
            ...(deferred ? { deferred } : {}),
          };
          const at = new Date('2026-12-01T20:00:00Z');
          const ids = [attempt, attempt + 1].map((n) => deliveryAttemptMessage(request, n, at).messageId);
          for (const messageId of ids) expect(messageId.length).toBeLessThanOrEqual(SERVICE_BUS_ID_MAX);
          expect(new Set(ids).size).toBe(2);
          expect(deliveryAttemptMessage(request, attempt, at).messageId).toBe(ids[0]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps short keys readable, so existing sessions do not move', () => {
    expect(syncSessionId('demo', 'a1f5c0de-0000-4000-8000-000000000001')).toBe(
      'demo:a1f5c0de-0000-4000-8000-000000000001',
    );
  });
});
