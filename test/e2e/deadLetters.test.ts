import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import type { OutgoingMessage, QueueName } from '../../shared/queue/queuePort';
import { managementClient } from '../admin/managementClient';
import { ALICE, hourFromNow, settle, useTestHost } from '../support/localHostHarness';
import { setStatusRules } from '../support/statusRules';

// Pauses that grow faster than the ±20 % jitter can blur: 0.3 s, 0.6 s, 1.2 s.
const PAUSES = [0.3, 0.6, 1.2];
const LAST_ATTEMPT = PAUSES.length + 1;

interface Sent {
  queue: QueueName;
  message: OutgoingMessage;
  /** The service clock when the copy was sent: its pause is scheduled from here. */
  sentAt: number;
}

interface DashboardAnswer {
  deadLetters: Record<QueueName, { count?: number; recent: { available: boolean; letters?: unknown[] } }>;
}

/** A Table Storage outage as the SDK reports it. */
function tablesDown(): Error {
  return Object.assign(new Error('The server is busy.'), {
    name: 'RestError',
    code: 'ServerBusy',
    statusCode: 503,
  });
}

/**
 * A queue handler that throws, on the real local host (Azurite, the Graph
 * simulator, the PBX sink): tried again after growing pauses, given up on
 * only after the last attempt, shown on the dashboard, and sent back by the
 * resubmit route once the fault is gone.
 */
describe('queue retries and dead letters', () => {
  // No coalescing window: a notification then queues one sync, not a leading one and a follow-up,
  // so a failing user makes one retry chain to follow (each would be retried and dead-lettered alike).
  const host = useTestHost({
    coalesceSeconds: 0,
    settings: {
      QUEUE_RETRY_SCHEDULE_SECONDS: PAUSES.join(','),
      // One PBX attempt: a PBX that is down makes the delivery record its failure at once.
      PBX_RETRY_SCHEDULE_SECONDS: '0',
    },
  });
  let manage: ReturnType<typeof managementClient>;
  let sent: Sent[] = [];
  let hour = 5;
  const dashboardPath = `manage/integrations/${DEMO_INTEGRATION_ID}/dashboard`;

  beforeAll(async () => {
    manage = managementClient(host);
    await settle(host);
    // One webhook per change (no status beside it), so each test follows the copies of one message.
    await setStatusRules(host, DEMO_INTEGRATION_ID, { send: false });
    const queue = host.queue;
    const send = queue.send;
    queue.send = async (name, messages) => {
      const sentAt = host.runtime.now().getTime();
      for (const message of messages) sent.push({ queue: name, message, sentAt });
      return send.call(queue, name, messages);
    };
  });
  beforeEach(() => {
    sent = [];
  });

  const copies = (queue: QueueName) =>
    sent.filter((s) => s.queue === queue && s.message.applicationProperties?.queueAttempt !== undefined);

  /** Makes users.get fail for Alice while `failing()` says so (the sync reads her row first). */
  function failAliceRows(failing: () => boolean): () => void {
    const users = host.runtime.repos.users;
    const get = users.get;
    users.get = async (integrationId, userId) => {
      if (userId === ALICE.id && failing()) throw tablesDown();
      return get.call(users, integrationId, userId);
    };
    return () => Object.assign(users, { get });
  }

  it('recovers from a one-off failure on the second attempt, without the dead-letter queue', async () => {
    let failures = 1;
    const restore = failAliceRows(() => failures-- > 0);
    const snapshotsBefore = host.sink?.snapshots.length ?? 0;
    try {
      const slot = hourFromNow(hour++);
      const event = host.simulator.createEvent(ALICE.id, { subject: 'Dentist', showAs: 'oof', ...slot });
      await settle(host);

      expect(copies('sync').map((c) => c.message.applicationProperties?.queueAttempt)).toEqual([2]);
      expect(host.queue.deadLetters('sync')).toEqual([]);
      expect(host.sink?.state().has(absenceIdFor(event.id))).toBe(true);
      // The copy is a fresh message (delivery count 1) yet a second try: it reconciles, as a redelivery does.
      const snapshots = host.sink?.snapshots.slice(snapshotsBefore) ?? [];
      expect(snapshots.map((hook) => hook.event.data.user.id)).toContain(ALICE.id);
    } finally {
      restore();
    }
  });

  it('retries a failing sync after growing pauses, dead-letters it after the last attempt, and resubmits it', async () => {
    let down = true;
    const restore = failAliceRows(() => down);
    try {
      const slot = hourFromNow(hour++);
      const subject = 'Confidential merger talks';
      const event = host.simulator.createEvent(ALICE.id, { subject, showAs: 'oof', ...slot });
      await settle(host);

      const retries = copies('sync');
      expect(retries.map((c) => c.message.applicationProperties?.queueAttempt)).toEqual([2, 3, 4]);
      const pauses = retries.map((c) => (c.message.scheduledEnqueueTime?.getTime() ?? 0) - c.sentAt);
      for (const [index, pause] of pauses.entries()) {
        const base = (PAUSES[index] ?? 0) * 1000;
        expect(pause).toBeGreaterThanOrEqual(Math.floor(base * 0.8) - 1);
        expect(pause).toBeLessThanOrEqual(Math.ceil(base * 1.2) + 1);
        if (index > 0) expect(pause).toBeGreaterThan(pauses[index - 1] ?? Number.POSITIVE_INFINITY);
      }
      // Every copy in Alice's session, each id its own.
      expect(new Set(retries.map((c) => c.message.sessionId))).toEqual(
        new Set([retries[0]?.message.sessionId]),
      );
      expect(new Set(retries.map((c) => c.message.messageId)).size).toBe(retries.length);

      // Only the last attempt reached the dead-letter queue, after the queue's own redeliveries.
      const letters = host.queue.deadLetters('sync');
      expect(letters).toHaveLength(1);
      expect(letters[0]?.info.applicationProperties.queueAttempt).toBe(LAST_ATTEMPT);
      expect(letters[0]?.info.messageId).toBe(retries.at(-1)?.message.messageId);
      expect(host.sink?.state().has(absenceIdFor(event.id))).toBe(false);

      const dashboard = await manage('GET', dashboardPath);
      expect(dashboard.status).toBe(200);
      expect((dashboard.json as DashboardAnswer).deadLetters.sync).toEqual({
        count: 1,
        recent: {
          available: true,
          letters: [
            {
              queue: 'sync',
              messageId: letters[0]?.info.messageId,
              reason: 'MaxDeliveryCountExceeded',
              description: "Message couldn't be consumed after maximum delivery attempts.",
              deadLetteredAt: expect.any(String),
              attempts: LAST_ATTEMPT,
              lastFailure: 'RestError (ServerBusy, 503)',
              integrationId: DEMO_INTEGRATION_ID,
              userId: ALICE.id,
            },
          ],
        },
      });
      expect(dashboard.text).not.toContain(subject);

      down = false;
      const resubmit = await manage('POST', 'manage/dead-letters/sync/resubmit', {
        body: { messageIds: [letters[0]?.info.messageId, 'no-such-message'] },
      });
      expect(resubmit.status).toBe(202);
      expect(resubmit.json).toEqual({
        resubmitted: [letters[0]?.info.messageId],
        notFound: ['no-such-message'],
      });
      await settle(host);

      expect(host.queue.deadLetters('sync')).toEqual([]);
      expect(host.sink?.state().has(absenceIdFor(event.id))).toBe(true);
      const after = (await manage('GET', dashboardPath)).json as DashboardAnswer;
      expect(after.deadLetters.sync).toEqual({ count: 0, recent: { available: true, letters: [] } });
    } finally {
      restore();
    }
  });

  it('retries a delivery whose failure cannot be recorded, dead-letters it, and delivers it once resubmitted', async () => {
    const deliveries = host.runtime.repos.deliveries;
    const record = deliveries.record;
    let down = true;
    deliveries.record = async (row) => {
      if (down && row.state === 'failed') throw tablesDown();
      return record.call(deliveries, row);
    };
    host.sink?.setBehaviour({ down: true });
    try {
      const slot = hourFromNow(hour++);
      const event = host.simulator.createEvent(ALICE.id, { subject: 'Offsite', showAs: 'oof', ...slot });
      await settle(host);

      expect(copies('deliveries').map((c) => c.message.applicationProperties?.queueAttempt)).toEqual([
        2, 3, 4,
      ]);
      const letters = host.queue.deadLetters('deliveries');
      expect(letters).toHaveLength(1);
      const dashboard = (await manage('GET', dashboardPath)).json as DashboardAnswer;
      expect(dashboard.deadLetters.deliveries).toMatchObject({
        count: 1,
        recent: { available: true, letters: [{ messageId: letters[0]?.info.messageId, userId: ALICE.id }] },
      });

      down = false;
      host.sink?.setBehaviour({ down: false });
      // No body: every dead letter of the queue goes back.
      const resubmit = await manage('POST', 'manage/dead-letters/deliveries/resubmit');
      expect(resubmit.status).toBe(202);
      expect(resubmit.json).toEqual({ resubmitted: [letters[0]?.info.messageId], notFound: [] });
      await settle(host);

      expect(host.queue.deadLetters('deliveries')).toEqual([]);
      expect(host.sink?.state().has(absenceIdFor(event.id))).toBe(true);
    } finally {
      Object.assign(deliveries, { record });
      host.sink?.setBehaviour({ down: false });
    }
  });

  it('refuses an unknown queue and a malformed body with the reason', async () => {
    const unknown = await manage('POST', 'manage/dead-letters/mail/resubmit');
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ error: 'no queue mail; one of sync, deliveries', path: 'queue' });
    const malformed = await manage('POST', 'manage/dead-letters/sync/resubmit', { body: { messageIds: [] } });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: expect.any(String), path: 'messageIds' });
    const listed = await manage('GET', 'manage/dead-letters/sync');
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual({ available: true, letters: [] });
  });
});
