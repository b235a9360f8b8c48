import { type Client, GraphError } from '@microsoft/microsoft-graph-client';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { accessToken, graphClient, relativeTo, TENANT } from './simulatorClient';

const WINDOW = { startDateTime: '2026-12-01T00:00:00Z', endDateTime: '2026-12-15T00:00:00Z' };

interface DeltaPage {
  value: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

const timed = (subject: string, day: string, hour = '09') => ({
  subject,
  showAs: 'oof' as const,
  start: { dateTime: `${day}T${hour}:00:00`, timeZone: 'Europe/Stockholm' },
  end: { dateTime: `${day}T${hour}:30:00`, timeZone: 'Europe/Stockholm' },
});

describe('graph simulator: events and calendarView delta', () => {
  let sim: GraphSimulator;
  let client: Client;
  let userCount = 0;

  /** A fresh mailbox per test keeps the rounds independent. */
  const newUser = () => {
    userCount += 1;
    const id = `user-${userCount}`;
    sim.addUser(TENANT.id, { id, userPrincipalName: `${id}@contoso.example` });
    return id;
  };

  /** Follows nextLinks to the deltaLink, as a real client does. */
  const deltaRound = async (firstRequest: string, prefer: string) => {
    const pages: DeltaPage[] = [];
    let path = firstRequest;
    for (;;) {
      const page = (await client.api(path).header('Prefer', prefer).get()) as DeltaPage;
      pages.push(page);
      if (page['@odata.deltaLink']) return { pages, deltaLink: page['@odata.deltaLink'] };
      path = relativeTo(sim, page['@odata.nextLink']!);
    }
  };
  const firstDeltaPath = (userId: string) =>
    `/users/${userId}/calendarView/delta?startDateTime=${WINDOW.startDateTime}&endDateTime=${WINDOW.endDateTime}`;

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    client = graphClient(sim, await accessToken(sim));
  });
  afterAll(() => sim.stop());

  it('creates, reads, updates and deletes an event with Graph shapes', async () => {
    const userId = newUser();
    const created = await client.api(`/users/${userId}/events`).post({
      ...timed('Dentist', '2026-12-03'),
      sensitivity: 'private',
      categories: ['Holiday'],
    });
    expect(created).toMatchObject({
      subject: 'Dentist',
      showAs: 'oof',
      sensitivity: 'private',
      categories: ['Holiday'],
      isAllDay: false,
      isCancelled: false,
      type: 'singleInstance',
      seriesMasterId: null,
      // Stockholm is UTC+1 in December; without a Prefer header Graph answers in UTC.
      start: { dateTime: '2026-12-03T08:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-12-03T08:30:00.0000000', timeZone: 'UTC' },
      originalStartTimeZone: 'Europe/Stockholm',
      responseStatus: { response: 'organizer' },
    });
    expect(created['@odata.etag']).toBe(`W/"${created.changeKey}"`);

    const local = await client
      .api(`/users/${userId}/events/${created.id}`)
      .header('Prefer', 'outlook.timezone="Europe/Stockholm"')
      .get();
    expect(local.start).toEqual({ dateTime: '2026-12-03T09:00:00.0000000', timeZone: 'Europe/Stockholm' });

    const updated = await client
      .api(`/users/${userId}/events/${created.id}`)
      .patch({ subject: 'Dentist (moved)' });
    expect(updated.subject).toBe('Dentist (moved)');
    expect(updated.changeKey).not.toBe(created.changeKey);

    await client.api(`/users/${userId}/events/${created.id}`).delete();
    const error = await client
      .api(`/users/${userId}/events/${created.id}`)
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({ statusCode: 404, code: 'ErrorItemNotFound' });
  });

  it('rejects an event body that is not an event', async () => {
    const userId = newUser();
    const error = await client
      .api(`/users/${userId}/events`)
      .post({ subject: 'no times' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 400, code: 'ErrorInvalidRequest' });
  });

  it('pages a first round with maxpagesize, then reports only changes, removals and out-of-window changes', async () => {
    const userId = newUser();
    const events = ['A', 'B', 'C', 'D', 'E'].map((s, i) =>
      sim.createEvent(userId, timed(s, `2026-12-0${i + 2}`)),
    );
    sim.createEvent(userId, timed('Outside', '2026-12-20'));
    sim.requests.reset();

    const first = await deltaRound(firstDeltaPath(userId), 'odata.maxpagesize=2');
    expect(first.pages.map((p) => p.value.length)).toEqual([2, 2, 1]);
    expect(first.pages[0]?.['@odata.nextLink']).toContain('$skiptoken=');
    expect(first.deltaLink).toContain('$deltatoken=');
    expect(first.pages.flatMap((p) => p.value.map((e) => e.subject))).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(sim.requests.count({ method: 'GET', pathIncludes: '/calendarView/delta' })).toBe(3);

    const [a, b, c, d] = events;
    sim.updateEvent(userId, a!.id, { subject: 'A2' });
    sim.deleteEvent(userId, b!.id);
    sim.updateEvent(userId, c!.id, timed('C', '2026-12-24'));
    const added = sim.createEvent(userId, timed('F', '2026-12-10'));
    const outside = sim.createEvent(userId, timed('Far away', '2027-01-10'));

    const second = await deltaRound(relativeTo(sim, first.deltaLink), 'odata.maxpagesize=10');
    const items = second.pages.flatMap((p) => p.value);
    const byId = new Map(items.map((item) => [item.id, item]));
    expect(byId.get(a!.id)).toMatchObject({ subject: 'A2' });
    expect(byId.get(added.id)).toMatchObject({ subject: 'F' });
    for (const removedId of [b!.id, c!.id, outside.id]) {
      expect(byId.get(removedId)).toEqual({
        '@odata.type': '#microsoft.graph.event',
        id: removedId,
        '@removed': { reason: 'deleted' },
      });
    }
    expect(byId.has(d!.id)).toBe(false);
    expect(items).toHaveLength(5);

    const third = await deltaRound(relativeTo(sim, second.deltaLink), 'odata.maxpagesize=10');
    expect(third.pages.flatMap((p) => p.value)).toEqual([]);
  });

  it('returns times in the zone asked for with Prefer outlook.timezone', async () => {
    const userId = newUser();
    sim.createEvent(userId, timed('Zoned', '2026-12-04', '10'));
    const utc = await deltaRound(firstDeltaPath(userId), 'outlook.timezone="UTC"');
    expect(utc.pages[0]?.value[0]?.start).toEqual({
      dateTime: '2026-12-04T09:00:00.0000000',
      timeZone: 'UTC',
    });
    const local = await deltaRound(
      firstDeltaPath(userId),
      'odata.maxpagesize=5, outlook.timezone="Europe/Stockholm"',
    );
    expect(local.pages[0]?.value[0]?.start).toEqual({
      dateTime: '2026-12-04T10:00:00.0000000',
      timeZone: 'Europe/Stockholm',
    });
  });

  it('expands a series into bare occurrences, with exceptions and deleted occurrences', async () => {
    const userId = newUser();
    const master = sim.createEvent(userId, {
      ...timed('Weekly off', '2026-12-07', '08'),
      sensitivity: 'private',
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'] },
        range: { type: 'numbered', startDate: '2026-12-07', numberOfOccurrences: 4 },
      },
    });
    expect(master.type).toBe('seriesMaster');

    const first = await deltaRound(firstDeltaPath(userId), 'odata.maxpagesize=10');
    const occurrences = first.pages.flatMap((p) => p.value);
    // 4 occurrences (Dec 7, 9, 14, 16); the window ends on Dec 15. No series master in a calendar view.
    expect(occurrences.map((o) => o.start)).toEqual(
      ['07', '09', '14'].map((day) => ({ dateTime: `2026-12-${day}T07:00:00.0000000`, timeZone: 'UTC' })),
    );
    for (const occurrence of occurrences) {
      expect(Object.keys(occurrence).sort()).toEqual(
        ['@odata.etag', '@odata.type', 'end', 'id', 'seriesMasterId', 'start', 'type'].sort(),
      );
      expect(occurrence).toMatchObject({ type: 'occurrence', seriesMasterId: master.id });
    }
    const fetchedMaster = await client.api(`/users/${userId}/events/${master.id}`).get();
    expect(fetchedMaster).toMatchObject({
      subject: 'Weekly off',
      showAs: 'oof',
      sensitivity: 'private',
      type: 'seriesMaster',
      recurrence: {
        pattern: { type: 'weekly', daysOfWeek: ['monday', 'wednesday'] },
        range: { type: 'numbered' },
      },
    });

    const [, second, third] = occurrences;
    const exception = await client
      .api(`/users/${userId}/events/${second!.id}`)
      .patch({ subject: 'Only a half day', showAs: 'workingElsewhere' });
    expect(exception).toMatchObject({
      type: 'exception',
      seriesMasterId: master.id,
      showAs: 'workingElsewhere',
    });
    await client.api(`/users/${userId}/events/${third!.id}`).delete();
    const gone = await client
      .api(`/users/${userId}/events/${third!.id}`)
      .get()
      .catch((e: unknown) => e);
    expect(gone).toMatchObject({ statusCode: 404 });

    const next = await deltaRound(relativeTo(sim, first.deltaLink), 'odata.maxpagesize=10');
    const changes = next.pages.flatMap((p) => p.value);
    expect(changes).toHaveLength(2);
    expect(changes).toContainEqual(
      expect.objectContaining({
        id: second!.id,
        type: 'exception',
        seriesMasterId: master.id,
        subject: 'Only a half day',
        showAs: 'workingElsewhere',
      }),
    );
    expect(changes).toContainEqual(
      expect.objectContaining({ id: third!.id, '@removed': { reason: 'deleted' } }),
    );
  });

  it('expands a daily series bounded by an end date and all-day occurrences as floating dates', async () => {
    const userId = newUser();
    sim.createEvent(userId, {
      subject: 'Vacation',
      isAllDay: true,
      start: { dateTime: '2026-12-08T00:00:00', timeZone: 'Europe/Stockholm' },
      end: { dateTime: '2026-12-09T00:00:00', timeZone: 'Europe/Stockholm' },
      recurrence: {
        pattern: { type: 'daily', interval: 2 },
        range: { type: 'endDate', startDate: '2026-12-08', endDate: '2026-12-13' },
      },
    });
    const round = await deltaRound(firstDeltaPath(userId), 'outlook.timezone="UTC"');
    expect(round.pages.flatMap((p) => p.value).map((o) => o.start)).toEqual(
      ['08', '10', '12'].map((day) => ({
        dateTime: `2026-12-${day}T00:00:00.0000000`,
        timeZone: 'Europe/Stockholm',
      })),
    );
  });

  it('needs a window on the first call and answers 410 syncStateNotFound for expired tokens', async () => {
    const userId = newUser();
    const noWindow = await client
      .api(`/users/${userId}/calendarView/delta`)
      .get()
      .catch((e: unknown) => e);
    expect(noWindow).toMatchObject({ statusCode: 400 });

    sim.createEvent(userId, timed('Before expiry', '2026-12-05'));
    const round = await deltaRound(firstDeltaPath(userId), 'odata.maxpagesize=10');
    sim.faults.expireDeltaTokens(userId);
    const expired = await client
      .api(relativeTo(sim, round.deltaLink))
      .get()
      .catch((e: unknown) => e);
    expect(expired).toBeInstanceOf(GraphError);
    expect(expired).toMatchObject({ statusCode: 410, code: 'syncStateNotFound' });

    const fresh = await deltaRound(firstDeltaPath(userId), 'odata.maxpagesize=10');
    expect(fresh.pages.flatMap((p) => p.value).map((e) => e.subject)).toEqual(['Before expiry']);
  });

  it('lists the instances of an event within a required window', async () => {
    const userId = newUser();
    const master = sim.createEvent(userId, {
      ...timed('Daily', '2026-12-02'),
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2026-12-02', numberOfOccurrences: 5 },
      },
    });
    const single = sim.createEvent(userId, timed('Once', '2026-12-03'));
    const instances = async (id: string, window: string) =>
      (await client.api(`/users/${userId}/events/${id}/instances?${window}`).get()) as {
        value: {
          id: string;
          type: string;
          seriesMasterId?: string;
          subject: string;
          start: { dateTime: string };
        }[];
      };
    const three = await instances(
      master.id,
      'startDateTime=2026-12-03T00:00:00&endDateTime=2026-12-06T00:00:00',
    );
    expect(three.value.map((i) => i.start.dateTime.slice(0, 10))).toEqual([
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
    ]);
    expect(
      three.value.every(
        (i) => i.type === 'occurrence' && i.seriesMasterId === master.id && i.subject === 'Daily',
      ),
    ).toBe(true);
    expect(
      (
        await instances(single.id, 'startDateTime=2026-12-01T00:00:00Z&endDateTime=2026-12-05T00:00:00Z')
      ).value.map((i) => i.id),
    ).toEqual([single.id]);

    for (const missing of ['', 'startDateTime=2026-12-03T00:00:00', 'endDateTime=2026-12-06T00:00:00']) {
      const refused = await client
        .api(`/users/${userId}/events/${master.id}/instances?${missing}`)
        .get()
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({ statusCode: 400, code: 'ErrorInvalidParameter' });
    }
    const unknown = await client
      .api(
        `/users/${userId}/events/no-such-event/instances?startDateTime=2026-12-01T00:00:00Z&endDateTime=2026-12-05T00:00:00Z`,
      )
      .get()
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ statusCode: 404 });
  });

  it('can answer an expired token with any documented 40X and sync-state code', async () => {
    const userId = newUser();
    const round = await deltaRound(firstDeltaPath(userId), 'odata.maxpagesize=10');
    sim.faults.expireDeltaTokens(userId, { status: 400, code: 'resyncRequired' });
    const expired = await client
      .api(relativeTo(sim, round.deltaLink))
      .get()
      .catch((e: unknown) => e);
    expect(expired).toMatchObject({ statusCode: 400, code: 'resyncRequired' });
  });
});
