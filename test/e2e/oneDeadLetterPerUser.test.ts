import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import type { OutgoingMessage } from '../../shared/queue/queuePort';
import { managementClient } from '../admin/managementClient';
import { ALICE, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

// With leading-edge coalescing a notification queues two syncs of the user:
// one due at once and the window's follow-up. When the user's sync keeps
// failing, the follow-up fails while the leading sync's retry is scheduled
// and not yet due; that retry reads the calendar later than the follow-up
// would have, so the follow-up folds into it instead of retrying (and dead-
// lettering) on its own. One failing user, one dead letter; and a sync that
// folded is never lost: what it would have read, the retry reads.
describe('one dead letter per failing user', () => {
  // Pauses longer than the coalescing window, so the follow-up always fails while a retry is scheduled.
  const PAUSES = [0.3, 0.6, 1.2];
  const host = useTestHost({
    coalesceSeconds: 0.2,
    settings: { QUEUE_RETRY_SCHEDULE_SECONDS: PAUSES.join(',') },
  });
  const manage = managementClient(host);
  let hour = 5;
  let sent: OutgoingMessage[] = [];

  beforeAll(async () => {
    await settle(host);
    const queue = host.queue;
    const send = queue.send;
    queue.send = async (name, messages) => {
      if (name === 'sync') sent.push(...messages);
      return send.call(queue, name, messages);
    };
  });
  beforeEach(() => {
    sent = [];
  });

  /** Makes Alice's row unreadable while `failing()` says so (the sync reads it first). */
  function failAliceRows(failing: () => boolean): () => void {
    const users = host.runtime.repos.users;
    const get = users.get;
    users.get = async (integrationId, userId) => {
      if (userId === ALICE.id && failing())
        throw Object.assign(new Error('The server is busy.'), { name: 'RestError', statusCode: 503 });
      return get.call(users, integrationId, userId);
    };
    return () => Object.assign(users, { get });
  }

  it('dead-letters a failing user once, though its leading sync and its follow-up both failed', async () => {
    const restore = failAliceRows(() => true);
    try {
      host.simulator.createEvent(ALICE.id, { subject: 'Dentist', showAs: 'oof', ...hourFromNow(hour++) });
      await settle(host);
    } finally {
      restore();
    }
    // Both of the notification's syncs were queued, and both ran into the failure.
    const firstAttempts = sent.filter((m) => m.applicationProperties?.queueAttempt === undefined);
    expect(firstAttempts.length).toBeGreaterThanOrEqual(2);
    const letters = host.queue.deadLetters('sync');
    expect(letters).toHaveLength(1);
    expect((letters[0]?.body as { userId?: string } | undefined)?.userId).toBe(ALICE.id);
    const listed = await manage('GET', 'manage/dead-letters/sync');
    expect(listed.status).toBe(200);
    expect(
      (listed.json as { letters: Array<{ userId?: string; integrationId?: string }> }).letters.filter(
        (l) => l.userId === ALICE.id && l.integrationId === DEMO_INTEGRATION_ID,
      ),
    ).toHaveLength(1);
    // Sent back, and the store healthy again: nothing is left over.
    const resubmit = await manage('POST', 'manage/dead-letters/sync/resubmit', {
      body: { messageIds: letters.map((l) => l.info.messageId) },
    });
    expect(resubmit.status).toBe(202);
    await settle(host);
    expect(host.queue.deadLetters('sync')).toEqual([]);
  });

  it('loses nothing a folded sync would have read: the retry it folded into reads it', async () => {
    // The leading sync and the follow-up fail once each; the retry that follows works.
    let failures = 2;
    const restore = failAliceRows(() => failures-- > 0);
    try {
      const first = host.simulator.createEvent(ALICE.id, {
        subject: 'Offsite',
        showAs: 'oof',
        ...hourFromNow(hour++),
      });
      await settle(host);
      expect(failures).toBeLessThanOrEqual(0);
      // One retry for the two failures: the follow-up folded into the leading sync's.
      expect(sent.filter((m) => m.applicationProperties?.queueAttempt === 2)).toHaveLength(1);
      expect(host.queue.deadLetters('sync')).toEqual([]);
      expect(host.sink?.state().has(absenceIdFor(first.id))).toBe(true);
    } finally {
      restore();
    }
    // A later notification is read as ever.
    const later = host.simulator.createEvent(ALICE.id, {
      subject: 'Training',
      showAs: 'oof',
      ...hourFromNow(hour++),
    });
    await settle(host);
    expect(host.sink?.state().has(absenceIdFor(later.id))).toBe(true);
    expect(host.queue.deadLetters('sync')).toEqual([]);
  });
});
