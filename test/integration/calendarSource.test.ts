import { type GraphSimulator, startGraphSimulator } from '../../dev/graphSimulator/graphSimulator';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import type { CalendarEntry } from '../../shared/domain/calendarEntry';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { syncWindowFor } from '../../shared/domain/syncWindow';
import { graphCalendarSource } from '../../shared/graph/graphCalendarSource';
import { createGraphClient } from '../../shared/graph/graphClient';
import type { DeliveryRequest } from '../../shared/pbx/pbxEvent';
import type { OutgoingMessage, QueueName } from '../../shared/queue/queuePort';
import type { IntegrationRecord, UserRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import {
  type CalendarSource,
  type ReadStart,
  SourceFailed,
  SourceRefused,
  SourceThrottled,
} from '../../shared/sync/calendarSource';
import type { SyncRequest } from '../../shared/sync/syncRequest';
import { handleSyncRequest, type SyncDeps } from '../../shared/sync/userSync';
import { accessToken, TENANT } from '../simulator/simulatorClient';
import { createTestRepositories } from '../support/tables';

const HOUR = 3_600_000;
const utc = (ms: number) => ({ dateTime: new Date(ms).toISOString().slice(0, 19), timeZone: 'UTC' });

/** The Graph adapter behind the seam, against the simulator through the real Graph SDK. */
describe('the Graph calendar source', () => {
  let sim: GraphSimulator;
  let source: CalendarSource;
  const anna = { id: 'anna-id', email: 'anna@contoso.example' };
  const window = syncWindowFor(new Date(), 14);
  const base = Math.ceil(Date.now() / HOUR) * HOUR;

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addUser(TENANT.id, { id: anna.id, userPrincipalName: anna.email });
    const token = await accessToken(sim);
    source = graphCalendarSource({
      client: createGraphClient({ baseUrl: sim.url, tenantId: TENANT.id, tokens: async () => token }),
      baseUrl: sim.url,
      pageSize: 2,
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('reads the window with every occurrence of a series filled from its master, then only what changed', async () => {
    const single = sim.createEvent(anna.id, {
      subject: 'Dentist',
      showAs: 'oof',
      start: utc(base + 2 * HOUR),
      end: utc(base + 3 * HOUR),
    });
    const startDate = new Date(base + 4 * HOUR).toISOString().slice(0, 10);
    const series = sim.createEvent(anna.id, {
      subject: 'Standup',
      showAs: 'busy',
      start: { dateTime: `${startDate}T23:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${startDate}T23:15:00`, timeZone: 'UTC' },
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate, numberOfOccurrences: 3 },
      },
    });
    const fresh = await source.read(anna, { kind: 'fresh', window });
    expect(fresh.fresh).toBe(true);
    expect(fresh.pages).toBeGreaterThan(1);
    const occurrences = fresh.entries.filter((e) => e.kind === 'occurrence');
    expect(occurrences).toHaveLength(3);
    expect(occurrences.every((e) => e.subject === 'Standup' && e.seriesMasterId === series.id)).toBe(true);
    expect(fresh.entries.find((e) => e.id === single.id)).toMatchObject({
      showAs: 'oof',
      subject: 'Dentist',
    });

    sim.updateEvent(anna.id, single.id, { subject: 'Dentist, moved' });
    const resumed = await source.read(anna, { kind: 'resume', cursor: fresh.cursor, window });
    expect(resumed.fresh).toBe(false);
    expect([...resumed.reportedIds]).toEqual([single.id]);
    expect(resumed.entries.map((e) => e.subject)).toEqual(['Dentist, moved']);

    sim.faults.expireDeltaTokens(anna.id);
    const restarted = await source.read(anna, { kind: 'resume', cursor: resumed.cursor, window });
    expect(restarted.fresh).toBe(true);
    expect(restarted.entries).toHaveLength(fresh.entries.length);
  });

  // Graph documents "a 40X-series error with error codes such as syncStateNotFound"; services vary the case.
  it.each([
    { status: 400, code: 'SyncStateNotFound' },
    { status: 404, code: 'resyncRequired' },
    { status: 409, code: 'SYNCSTATEINVALID' },
    { status: 400, code: 'syncStateInvalid' },
  ] as const)('starts a fresh round when an expired token answers $status $code', async (answer) => {
    const first = await source.read(anna, { kind: 'fresh', window });
    sim.faults.expireDeltaTokens(anna.id, answer);
    const restarted = await source.read(anna, { kind: 'resume', cursor: first.cursor, window });
    expect(restarted.fresh).toBe(true);
    expect(restarted.entries).toHaveLength(first.entries.length);
  });

  it('skips an event of a type Graph does not document with a warning that counts it', async () => {
    const warnings: { message: string; properties?: Record<string, unknown> }[] = [];
    const watched = graphCalendarSource({
      client: createGraphClient({
        baseUrl: sim.url,
        tenantId: TENANT.id,
        tokens: async () => accessToken(sim),
      }),
      baseUrl: sim.url,
      pageSize: 2,
      log: { ...silentLogger, warn: (message, properties) => warnings.push({ message, properties }) },
    });
    const odd = sim.createEvent(anna.id, {
      subject: 'Odd',
      showAs: 'oof',
      start: utc(base + 30 * HOUR),
      end: utc(base + 31 * HOUR),
    });
    const plain = sim.createEvent(anna.id, {
      subject: 'Plain',
      showAs: 'oof',
      start: utc(base + 32 * HOUR),
      end: utc(base + 33 * HOUR),
    });
    sim.faults.reportEventTypeAs(odd.id, 'futureKind');
    try {
      const read = await watched.read(anna, { kind: 'fresh', window });
      const ids = read.entries.map((e) => e.id);
      expect(ids).toContain(plain.id);
      expect(ids).not.toContain(odd.id);
      expect(warnings).toEqual([
        {
          message: 'calendar items skipped as unreadable',
          properties: { userId: anna.id, skipped: 1, fields: { type: 1 } },
        },
      ]);
    } finally {
      sim.faults.clear();
    }
  });

  it("speaks the pipeline's words for Graph's failures", async () => {
    sim.faults.throttleNext(1, { retryAfterSeconds: 7, pathIncludes: 'calendarView/delta' });
    await expect(source.read(anna, { kind: 'fresh', window })).rejects.toEqual(new SourceThrottled(7));
    const nobody = source.read({ id: 'nobody', email: 'nobody@contoso.example' }, { kind: 'fresh', window });
    await expect(nobody).rejects.toBeInstanceOf(SourceFailed);
    await expect(nobody).rejects.toMatchObject({ why: 'Graph 404 notFound' });
  });
});

/**
 * The pipeline knows only the seam: a source of another kind (here one kept
 * in memory, as an EWS adapter would present a mailbox) plugs in through
 * `sourceFor` and gets the same rules, diff, webhooks and failure handling.
 */
describe('the sync pipeline behind the seam', () => {
  let repos: Repositories;
  const sent: { queue: QueueName; message: OutgoingMessage }[] = [];
  const queue = {
    async send(name: QueueName, messages: OutgoingMessage[]) {
      sent.push(...messages.map((message) => ({ queue: name, message })));
    },
  };
  const now = new Date();
  const integration: IntegrationRecord = {
    id: 'seam',
    name: 'Seam',
    active: true,
    tenantId: 'tenant-seam',
    consentState: 'granted',
    pbxUrl: 'https://pbx.example/hooks',
    pbxSecretName: 'pbx-seam',
    ruleSet: presetRuleSet('availability-default'),
    rulesVersion: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const request = (userId: string, extra: Partial<SyncRequest> = {}): SyncRequest => ({
    integrationId: integration.id,
    userId,
    cause: 'resync',
    requestedAt: now.toISOString(),
    ...extra,
  });
  const entry = (id: string, startHours: number, showAs: CalendarEntry['showAs'] = 'oof'): CalendarEntry => ({
    id,
    kind: 'singleInstance',
    subject: id,
    showAs,
    sensitivity: 'normal',
    categories: [],
    isCancelled: false,
    responseStatus: 'organizer',
    timing: {
      kind: 'timed',
      start: new Date(now.getTime() + startHours * HOUR).toISOString(),
      end: new Date(now.getTime() + (startHours + 1) * HOUR).toISOString(),
    },
  });

  /** A mailbox in memory: every read is recorded, the cursor counts the changes seen. */
  function memorySource(mailbox: Map<string, CalendarEntry>) {
    const reads: ReadStart[] = [];
    let changed = new Set<string>();
    let failure: Error | undefined;
    const source: CalendarSource = {
      async read(_mailbox, start) {
        reads.push(start);
        if (failure) throw failure;
        const fresh = start.kind === 'fresh';
        const reportedIds = fresh ? new Set(mailbox.keys()) : changed;
        changed = new Set();
        return {
          entries: [...reportedIds].flatMap((id) => mailbox.get(id) ?? []),
          reportedIds,
          fresh,
          cursor: `cursor-${reads.length}`,
          pages: 1,
        };
      },
    };
    return {
      source,
      reads,
      change(next: CalendarEntry | { removed: string }) {
        const id = 'removed' in next ? next.removed : next.id;
        if ('removed' in next) mailbox.delete(id);
        else mailbox.set(id, next);
        changed.add(id);
      },
      failWith(error: Error | undefined) {
        failure = error;
      },
    };
  }

  const depsWith = (source: CalendarSource, extra: Partial<SyncDeps> = {}): SyncDeps => ({
    repos,
    sourceFor: () => source,
    queue,
    now: () => now,
    log: silentLogger,
    ...extra,
  });
  const user = async (id: string) => {
    const record: UserRecord = {
      integrationId: integration.id,
      id,
      email: `${id}@contoso.example`,
      timeZone: 'Europe/Stockholm',
      status: 'neverSynced',
      createdAt: now.toISOString(),
    };
    await repos.users.upsert(record);
    return record;
  };
  const deliveries = () =>
    sent.filter((s) => s.queue === 'deliveries').map((s) => (s.message.body as DeliveryRequest).event.type);

  beforeAll(async () => {
    repos = await createTestRepositories();
    await repos.integrations.create(integration);
  });
  beforeEach(() => {
    sent.length = 0;
  });

  it('reads fresh, then resumes from the cursor it stored, and sends only what changed', async () => {
    await user('ada');
    const mailbox = memorySource(
      new Map([entry('trip', 2), entry('lunch', 5, 'busy'), entry('call', 8, 'free')].map((e) => [e.id, e])),
    );
    const deps = depsWith(mailbox.source);
    expect(await handleSyncRequest(request('ada'), deps)).toMatchObject({
      kind: 'synced',
      round: 'fresh',
      upserted: 2,
    });
    // A fresh round's snapshot carries both absences; nothing is sent beside it.
    expect(deliveries()).toEqual(['user.snapshot']);
    expect((await repos.users.get(integration.id, 'ada'))?.value).toMatchObject({
      deltaLink: 'cursor-1',
      status: 'ok',
    });

    sent.length = 0;
    mailbox.change({ removed: 'trip' });
    mailbox.change(entry('call', 8, 'oof'));
    expect(await handleSyncRequest(request('ada'), deps)).toMatchObject({
      round: 'resumed',
      upserted: 1,
      deleted: 1,
    });
    expect(mailbox.reads[1]).toMatchObject({ kind: 'resume', cursor: 'cursor-1' });
    // The trip that set the next state is gone: the status changed as well.
    expect(deliveries().sort()).toEqual(['absence.deleted', 'absence.upserted', 'user.status']);
    const live = (await repos.absences.listForUser(integration.id, 'ada')).filter((a) => !a.deleted);
    expect(live.map((a) => a.eventId).sort()).toEqual(['call', 'lunch']);
  });

  it("dates a change above the user's last snapshot even on an instance whose clock is behind", async () => {
    await user('eve');
    const mailbox = memorySource(new Map([entry('trip', 2)].map((e) => [e.id, e])));
    // The first sync ran on an instance whose clock was 5 s ahead; its snapshot carries that time.
    await handleSyncRequest(
      request('eve'),
      depsWith(mailbox.source, { now: () => new Date(now.getTime() + 5000) }),
    );
    const snapshot = sent.find((s) => s.queue === 'deliveries')?.message.body as DeliveryRequest;
    if (snapshot.event.type !== 'user.snapshot') throw new Error('expected the snapshot');
    const floor = snapshot.event.data.version;
    expect(floor).toBeGreaterThanOrEqual(now.getTime() + 5000);

    sent.length = 0;
    mailbox.change(entry('call', 8, 'oof'));
    expect(await handleSyncRequest(request('eve'), depsWith(mailbox.source))).toMatchObject({
      round: 'resumed',
      upserted: 1,
    });
    const upsert = sent.find((s) => s.queue === 'deliveries')?.message.body as DeliveryRequest;
    if (upsert.event.type !== 'absence.upserted') throw new Error('expected the upsert');
    // A PBX drops what is older than the snapshot it applied (docs/pbx-webhooks.md, Ordering).
    expect(upsert.event.data.absence.version).toBeGreaterThan(floor);
  });

  it('puts a throttled sync back on the queue for as long as the source asked', async () => {
    await user('bo');
    const mailbox = memorySource(new Map());
    mailbox.failWith(new SourceThrottled(42));
    const outcome = await handleSyncRequest(request('bo'), depsWith(mailbox.source));
    expect(outcome).toEqual({ kind: 'rescheduled', retryAt: new Date(now.getTime() + 42_000).toISOString() });
    expect(sent.map((s) => [s.queue, (s.message.body as SyncRequest).cause])).toEqual([
      ['sync', 'throttled'],
    ]);
    expect((await repos.users.get(integration.id, 'bo'))?.value.status).toBe('neverSynced');
  });

  it("keeps the source's reason as the user's last error, and fails the message", async () => {
    await user('cy');
    const mailbox = memorySource(new Map());
    mailbox.failWith(new SourceFailed('EWS ErrorMailboxMoveInProgress'));
    await expect(handleSyncRequest(request('cy'), depsWith(mailbox.source))).rejects.toBeInstanceOf(
      SourceFailed,
    );
    expect((await repos.users.get(integration.id, 'cy'))?.value).toMatchObject({
      status: 'error',
      lastError: 'EWS ErrorMailboxMoveInProgress',
    });
  });

  it('sees to the change signal before reading when a lifecycle event comes with the sync', async () => {
    await user('di');
    const mailbox = memorySource(new Map());
    const seen: string[] = [];
    const deps = depsWith(mailbox.source, {
      onLifecycleEvent: async (event, _integration, record) => {
        seen.push(`${event}:${record.id}:${mailbox.reads.length}`);
        return { kind: 'done', did: 'renewed' };
      },
    });
    await handleSyncRequest(
      request('di', { cause: 'lifecycle', lifecycleEvent: 'reauthorizationRequired' }),
      deps,
    );
    expect(seen).toEqual(['reauthorizationRequired:di:0']);
    expect(mailbox.reads).toHaveLength(1);
  });

  it('marks the integration as needing consent when the source refuses the app', async () => {
    await user('ed');
    const mailbox = memorySource(new Map());
    mailbox.failWith(new SourceRefused('AADSTS7000229'));
    expect(await handleSyncRequest(request('ed'), depsWith(mailbox.source))).toMatchObject({
      kind: 'skipped',
    });
    expect((await repos.integrations.get(integration.id))?.value).toMatchObject({
      consentState: 'consentRequired',
      consentError: expect.stringContaining('AADSTS7000229'),
    });
    expect(sent).toEqual([]);
  });
});
