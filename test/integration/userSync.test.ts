import { DEMO_INTEGRATION_ID } from '../../dev/localHost/demoTenant';
import { syncMessageAt } from '../../shared/sync/syncRequest';
import { ALICE, graphAs, settle, useTestHost } from '../support/localHostHarness';

/** The sync worker against the simulator and Azurite: cost and idempotency of one user's sync. */
describe('user sync', () => {
  const host = useTestHost();
  let graph: Awaited<ReturnType<typeof graphAs>>;
  const received = () => host.sink!.received.length;
  const resync = async () => {
    const now = new Date();
    await host.queue.send('sync', [
      syncMessageAt({ integrationId: DEMO_INTEGRATION_ID, userId: ALICE.id, cause: 'resync' }, now, now),
    ]);
    await settle(host);
  };

  beforeAll(async () => {
    graph = await graphAs(host);
    await settle(host);
  });

  it('turns each occurrence of a recurring series into its own absence, fetching the master once', async () => {
    const today = new Date();
    const startDate = today.toISOString().slice(0, 10);
    host.simulator.requests.reset();
    const master = await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'Lunch',
      showAs: 'oof',
      start: { dateTime: `${startDate}T23:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${startDate}T23:30:00`, timeZone: 'UTC' },
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate, numberOfOccurrences: 5 },
      },
    });
    await settle(host);
    const upserts = host.sink!.received.filter((w) => w.event.type === 'absence.upserted');
    expect(upserts).toHaveLength(5);
    const seriesIds = new Set(
      upserts.map((w) => (w.event.type === 'absence.upserted' ? w.event.data.absence.seriesId : undefined)),
    );
    expect([...seriesIds]).toEqual([master.id]);
    expect(
      new Set(upserts.map((w) => (w.event.type === 'absence.upserted' ? w.event.data.absence.id : ''))).size,
    ).toBe(5);
    const masterGets = host.simulator.requests
      .log()
      .filter(
        (r) => r.method === 'GET' && decodeURIComponent(r.path).includes(`/events/${String(master.id)}`),
      );
    expect(masterGets).toHaveLength(1);
  });

  it('a sync with no calendar change sends nothing and costs one delta request', async () => {
    const before = received();
    host.simulator.requests.reset();
    await resync();
    expect(received()).toBe(before);
    expect(host.simulator.requests.count({ pathIncludes: 'calendarView/delta' })).toBe(1);
  });

  it('an expired delta token costs a fresh round but no duplicate webhook', async () => {
    const before = received();
    host.simulator.faults.expireDeltaTokens(ALICE.id);
    await resync();
    expect(received()).toBe(before);
    const user = await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, ALICE.id);
    expect(user?.value.status).toBe('ok');
  });

  it('a throttled sync is put back on the queue for the time Graph asked, not waited for', async () => {
    host.simulator.faults.throttleNext(1, { retryAfterSeconds: 1, pathIncludes: 'calendarView/delta' });
    // Status ticks (due when a status ends) are scheduled too; only syncs that read the calendar count here.
    const retries = () =>
      host.queue.scheduledMessages('sync').filter((m) => m.applicationProperties.cause !== 'statusDue')
        .length;
    const scheduledBefore = retries();
    const now = new Date();
    await host.queue.send('sync', [
      syncMessageAt({ integrationId: DEMO_INTEGRATION_ID, userId: ALICE.id, cause: 'resync' }, now, now),
    ]);
    await host.queue.idle();
    expect(retries()).toBe(scheduledBefore + 1);
    expect(host.queue.deadLetters('sync')).toHaveLength(0);
    await settle(host);
    expect(retries()).toBe(0);
  });
});
