import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { ALICE, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

type CrashPoint = 'saving absences' | 'queuing webhooks' | 'saving the delta link';

/**
 * Found by the chaos test: a sync that queued its webhooks and died before
 * saving the absence left a phantom at the PBX when the event changed before
 * the retry (the retry never knew the absence, so nothing withdrew it). Now
 * the state is saved first and a redelivered sync reconciles with a snapshot.
 * Whatever step the worker dies before, and whether or not the calendar moves
 * on meanwhile, the PBX ends with what the calendar says.
 */
describe('a sync worker that dies halfway', () => {
  const host = useTestHost();
  let hour = 4;

  beforeAll(() => settle(host));

  it('a retry that Graph throttles still reconciles when it runs again', async () => {
    const queue = host.runtime.queue;
    const send = queue.send;
    let eventId = '';
    let sends = 0;
    queue.send = async (name, messages) => {
      const ours =
        eventId !== '' && messages.some((m) => JSON.stringify(m.body).includes(absenceIdFor(eventId)));
      if (name === 'deliveries' && ours && sends++ === 0) {
        // The retry's first Graph read is throttled, so the retry itself is rescheduled.
        host.simulator.faults.throttleNext(1, { retryAfterSeconds: 1, pathIncludes: 'calendarView/delta' });
        throw new Error('worker died before queuing webhooks');
      }
      return send.call(queue, name, messages);
    };
    try {
      const slot = hourFromNow(hour++);
      eventId = host.simulator.createEvent(ALICE.id, {
        subject: 'Review',
        showAs: 'oof',
        start: slot.start,
        end: slot.end,
      }).id;
      await settle(host);
      // Crashed once, then the rescheduled retry queued the webhooks after all. The bucket's
      // follow-up round (shared/sync/syncRequest.ts) may reconcile before it and send a snapshot too.
      expect(sends).toBeGreaterThanOrEqual(2);
      expect(host.logs.join('\n')).toContain('throttled');
      expect(host.sink!.state().has(absenceIdFor(eventId))).toBe(true);
    } finally {
      Object.assign(queue, { send });
    }
  });

  it.each<[CrashPoint, boolean]>([
    ['saving absences', false],
    ['saving absences', true],
    ['queuing webhooks', false],
    ['queuing webhooks', true],
    ['saving the delta link', false],
    ['saving the delta link', true],
  ])('dies before %s (event made Free before the retry: %s): the PBX ends right', async (point, changes) => {
    const repos = host.runtime.repos;
    const queue = host.runtime.queue;
    const originals = { upsertMany: repos.absences.upsertMany, update: repos.users.update, send: queue.send };
    let eventId = '';
    let crashed = 0;
    const crashOnce = () => {
      if (crashed > 0) return;
      crashed++;
      // The calendar moves on while the worker is dead.
      if (changes) host.simulator.updateEvent(ALICE.id, eventId, { showAs: 'free' });
      throw new Error(`worker died before ${point}`);
    };
    const ours = (text: string) => eventId !== '' && text.includes(absenceIdFor(eventId));
    if (point === 'saving absences')
      repos.absences.upsertMany = async (rows) => {
        if (ours(rows.map((r) => r.id).join())) crashOnce();
        return originals.upsertMany.call(repos.absences, rows);
      };
    if (point === 'queuing webhooks')
      queue.send = async (name, messages) => {
        if (name === 'deliveries' && ours(messages.map((m) => JSON.stringify(m.body)).join())) crashOnce();
        return originals.send.call(queue, name, messages);
      };
    if (point === 'saving the delta link')
      repos.users.update = async (record, etag) => {
        if (record.id === ALICE.id && record.status === 'ok' && !record.reconcilePending) crashOnce();
        return originals.update.call(repos.users, record, etag);
      };
    try {
      const slot = hourFromNow(hour++);
      eventId = host.simulator.createEvent(ALICE.id, {
        subject: 'Planning',
        showAs: 'busy',
        start: slot.start,
        end: slot.end,
      }).id;
      await settle(host);
      expect(crashed).toBe(1);
      expect(host.sink!.state().has(absenceIdFor(eventId))).toBe(!changes);
      expect(host.queue.deadLetters('sync')).toEqual([]);
    } finally {
      Object.assign(repos.absences, { upsertMany: originals.upsertMany });
      Object.assign(repos.users, { update: originals.update });
      Object.assign(queue, { send: originals.send });
    }
  });

  // Last: it leaves a dead-lettered message behind, which the tests above assert never happens.
  it('a sync dead-lettered between saving and queuing is reconciled by the next sync of that user', async () => {
    const queue = host.runtime.queue;
    const send = queue.send;
    let eventId = '';
    let blocked = true;
    queue.send = async (name, messages) => {
      const ours =
        eventId !== '' && messages.some((m) => JSON.stringify(m.body).includes(absenceIdFor(eventId)));
      if (blocked && name === 'deliveries' && ours) throw new Error('worker died before queuing webhooks');
      return send.call(queue, name, messages);
    };
    try {
      const slot = hourFromNow(hour++);
      eventId = host.simulator.createEvent(ALICE.id, { subject: 'Trip', showAs: 'oof', ...slot }).id;
      await settle(host);
      // Every attempt died at the same step: the message is dead-lettered, the PBX knows nothing yet.
      expect(host.queue.deadLetters('sync').length).toBeGreaterThan(0);
      expect(host.sink!.state().has(absenceIdFor(eventId))).toBe(false);
      blocked = false;
      // The next ordinary catch-up of this user must not trust the saved rows.
      host.simulator.clock.advance((host.runtime.config.CATCH_UP_MINUTES + 1) * 60_000);
      await host.runTimer('maintenance');
      await settle(host);
      expect(host.sink!.state().has(absenceIdFor(eventId))).toBe(true);
      const user = await host.runtime.repos.users.get('demo', ALICE.id);
      expect(user?.value.reconcilePending).toBeUndefined();
    } finally {
      Object.assign(queue, { send });
    }
  });
});
