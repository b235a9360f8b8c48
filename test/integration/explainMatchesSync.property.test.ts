// The dry run explains what the sync does: for any Graph event — showAs
// missing, sensitivities Graph does not document, occurrences that come with
// their times only (with their series master, or with the series gone),
// all-day and cancelled events, times in zones the reader refuses — explain
// names an absence exactly when the sync sends that absence to the PBX, and
// the same one.
//
// The sync runs for real: Azurite tables, the Graph calendar source over
// HTTP through the Graph SDK. Graph itself is a stand-in that serves the
// generated JSON unchanged, since the simulator only ever stores well-formed
// events and could not send values Graph may add later.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { RESPONSE_VALUES, SENSITIVITY_VALUES, SHOW_AS_VALUES } from '../../shared/domain/calendarEntry';
import { PRESET_NAMES, presetRuleSet } from '../../shared/domain/rules/presets';
import { PRIVATE_EVENT_MODES } from '../../shared/domain/rules/ruleSet';
import { graphCalendarSource } from '../../shared/graph/graphCalendarSource';
import { createGraphClient } from '../../shared/graph/graphClient';
import { explainEvent } from '../../shared/management/explainEvent';
import type { DeliveryRequest, PbxAbsence } from '../../shared/pbx/pbxEvent';
import type { OutgoingMessage } from '../../shared/queue/queuePort';
import type { IntegrationRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import { handleSyncRequest, type SyncDeps } from '../../shared/sync/userSync';
import { createTestRepositories } from '../support/tables';

const NOW = new Date('2026-11-25T08:00:00Z');
const DAY = 86_400_000;

interface Calendar {
  /** The delta round's items. */
  items: unknown[];
  /** What GET /events/{id} finds (the series master, when the series still exists). */
  events: Map<string, unknown>;
}

/** Answers calendarView/delta with one page and GET /events/{id} from the calendar, as Graph shapes them. */
async function startGraphStandIn(calendars: Map<string, Calendar>): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const delta = /^\/v1\.0\/users\/([^/]+)\/calendarView\/delta$/.exec(url.pathname);
    const event = /^\/v1\.0\/users\/([^/]+)\/events\/([^/]+)$/.exec(url.pathname);
    const calendar = calendars.get(decodeURIComponent((delta ?? event)?.[1] ?? ''));
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (calendar && delta) {
      return send(200, {
        value: calendar.items,
        '@odata.deltaLink': `${address}/v1.0/users/${delta[1]}/calendarView/delta?$deltatoken=next`,
      });
    }
    const found = calendar && event ? calendar.events.get(decodeURIComponent(event[2] ?? '')) : undefined;
    if (found) return send(200, found);
    return send(404, {
      error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: address, server };
}

const wallClock = (ms: number, style: number) => {
  const iso = new Date(ms).toISOString();
  return [iso.replace('Z', '0000'), iso.slice(0, 19), `${iso.slice(0, 19)}Z`][style] ?? iso;
};
const instant = fc.integer({ min: NOW.getTime() - 2 * DAY, max: NOW.getTime() + 16 * DAY });
const timeZone = fc.oneof(
  { arbitrary: fc.constant('UTC'), weight: 6 },
  {
    arbitrary: fc.constantFrom('tzone://Microsoft/Utc', 'Europe/Stockholm', 'W. Europe Standard Time'),
    weight: 1,
  },
);
const timed = fc
  .record({
    start: instant,
    minutes: fc.integer({ min: -30, max: 3 * 24 * 60 }),
    style: fc.integer({ min: 0, max: 2 }),
    zone: timeZone,
  })
  .map(({ start, minutes, style, zone }) => ({
    start: { dateTime: wallClock(start, style), timeZone: zone },
    end: { dateTime: wallClock(start + minutes * 60_000, style), timeZone: zone },
  }));
const allDay = fc
  .record({ start: instant, days: fc.integer({ min: 0, max: 4 }), zone: timeZone })
  .map(({ start, days, zone }) => {
    const midnight = Math.floor(start / DAY) * DAY;
    return {
      isAllDay: true,
      start: { dateTime: wallClock(midnight, 0), timeZone: zone },
      end: { dateTime: wallClock(midnight + days * DAY, 0), timeZone: zone },
    };
  });

/** Mostly the usual values, so that absences are not drowned by skips; the rest now and then. */
const mostly = <T>(usual: readonly T[], rest: readonly T[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...usual), weight: 4 },
    { arbitrary: fc.constantFrom(...rest), weight: 1 },
  );

/** A property that is sometimes missing, sometimes null, sometimes a value Graph does not document. */
const sometimes = <T>(values: fc.Arbitrary<T>, odd: readonly unknown[]) =>
  fc.oneof(
    { arbitrary: values, weight: 6 },
    { arbitrary: fc.constantFrom(undefined, null, ...odd), weight: 2 },
  );

/** The properties an event carries and an occurrence from delta does not. */
const properties = fc.record(
  {
    subject: sometimes(
      fc.constantFrom('LUN: pizza', 'SEM: Kreta', 'Sick', 'Styrgrupp', 'Lunch', 'sju: förkyld', ''),
      [],
    ),
    showAs: sometimes(mostly(['oof', 'busy'], SHOW_AS_VALUES), ['away', 'Busy', '']),
    sensitivity: sometimes(mostly(['normal', 'personal'], SENSITIVITY_VALUES), ['secret', 'Private', '']),
    categories: sometimes(
      fc.array(fc.constantFrom('Vacation', 'Lunch', 'Red category'), { maxLength: 2 }),
      [],
    ),
    isCancelled: sometimes(mostly([false], [true]), []),
    responseStatus: sometimes(
      mostly(['organizer', 'accepted'], RESPONSE_VALUES).map((response) => ({
        response,
        time: '2026-11-20T10:00:00Z',
      })),
      [{ response: 'maybe' }],
    ),
  },
  { requiredKeys: [] },
);
const times = fc.oneof({ arbitrary: timed, weight: 3 }, { arbitrary: allDay, weight: 1 });

type Json = Record<string, unknown>;
/** JSON leaves out what is undefined, as Graph does. */
const json = (value: object): Json => JSON.parse(JSON.stringify(value)) as Json;

interface Case {
  event: Json;
  /** The series master as Graph holds it; absent when the series is gone. */
  master?: Json;
  /** The master came in the delta round itself rather than by GET /events/{id}. */
  masterInRound: boolean;
}

const single: fc.Arbitrary<Case> = fc
  .record({
    type: mostly([undefined, 'singleInstance', 'exception'], ['seriesMaster', 'meeting']),
    properties,
    times,
  })
  .map(({ type, properties, times }) => ({
    event: json({
      type,
      ...(type === 'exception' ? { seriesMasterId: 'series-1' } : {}),
      ...properties,
      ...times,
    }),
    masterInRound: false,
  }));

/** An occurrence as delta sends it (times only), or with properties of its own (as GET returns one). */
const occurrence: fc.Arbitrary<Case> = fc
  .record({
    own: fc.option(properties, { freq: 3 }),
    times,
    master: fc.option(fc.record({ properties, times }), { freq: 4 }),
    masterInRound: fc.boolean(),
  })
  .map(({ own, times, master, masterInRound }) => ({
    event: json({ type: 'occurrence', seriesMasterId: 'series-1', ...(own ?? {}), ...times }),
    ...(master
      ? { master: json({ id: 'series-1', type: 'seriesMaster', ...master.properties, ...master.times }) }
      : {}),
    masterInRound,
  }));

const rules = fc
  .record({
    preset: fc.constantFrom(...PRESET_NAMES),
    showSubjects: fc.boolean(),
    privateEvents: fc.constantFrom(...PRIVATE_EVENT_MODES),
  })
  .map(({ preset, ...settings }) => {
    const ruleSet = presetRuleSet(preset);
    ruleSet.settings = { ...ruleSet.settings, ...settings };
    return ruleSet;
  });

describe('explain and the sync', () => {
  let repos: Repositories;
  let standIn: Awaited<ReturnType<typeof startGraphStandIn>>;
  const calendars = new Map<string, Calendar>();
  const sent: OutgoingMessage[] = [];
  let deps: SyncDeps;
  let run = 0;

  beforeAll(async () => {
    repos = await createTestRepositories();
    standIn = await startGraphStandIn(calendars);
    const source = graphCalendarSource({
      client: createGraphClient({ baseUrl: standIn.url, tenantId: 'tenant-1', tokens: async () => 'token' }),
      baseUrl: standIn.url,
      pageSize: 100,
      log: silentLogger,
    });
    deps = {
      repos,
      sourceFor: () => source,
      // Webhooks only: a status tick goes on the sync queue.
      queue: { send: async (queue, messages) => void (queue === 'deliveries' && sent.push(...messages)) },
      now: () => NOW,
      log: silentLogger,
    };
  });
  afterAll(async () => {
    await new Promise((resolve) => standIn?.server.close(resolve));
  });

  it('explain names exactly the absence the sync sends, for any Graph event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(single, occurrence),
        rules,
        fc.constantFrom('Europe/Stockholm', 'America/New_York', 'UTC'),
        async (sample, ruleSet, zone) => {
          run += 1;
          const integration: IntegrationRecord = {
            id: `explain-${run}`,
            name: 'Explain',
            active: true,
            tenantId: 'tenant-1',
            consentState: 'granted',
            pbxUrl: 'https://pbx.example/hooks',
            pbxSecretName: 'pbx-secret',
            ruleSet,
            rulesVersion: 1,
            createdAt: NOW.toISOString(),
            updatedAt: NOW.toISOString(),
          };
          const userId = `user-${run}`;
          await repos.integrations.create(integration);
          await repos.users.upsert({
            integrationId: integration.id,
            id: userId,
            email: `${userId}@contoso.example`,
            timeZone: zone,
            status: 'neverSynced',
            createdAt: NOW.toISOString(),
          });
          const event = { '@odata.etag': 'W/"1"', id: `event-${run}`, ...sample.event };
          calendars.set(userId, {
            items: sample.master && sample.masterInRound ? [sample.master, event] : [event],
            events: new Map(sample.master ? [['series-1', sample.master]] : []),
          });

          sent.length = 0;
          await handleSyncRequest(
            { integrationId: integration.id, userId, cause: 'resync', requestedAt: NOW.toISOString() },
            deps,
          );
          const sentAbsences = sent
            .map((message) => (message.body as DeliveryRequest).event)
            // A first sync is a fresh round: its one snapshot carries the absences.
            .flatMap((pbxEvent) =>
              pbxEvent.type === 'user.snapshot'
                ? pbxEvent.data.absences
                : pbxEvent.type === 'absence.upserted'
                  ? [pbxEvent.data.absence]
                  : [],
            )
            .map(({ version: _, ...absence }) => absence);

          // The operator pastes the event, and its master when Graph still has one.
          const explained = await explainEvent(
            integration.id,
            { event, ...(sample.master ? { master: sample.master } : {}) },
            { repos, now: () => NOW, defaultTimeZone: 'Europe/Stockholm' },
          );
          const verdict =
            explained.kind === 'ok' && explained.value.evaluation.outcome === 'absence'
              ? [explained.value.evaluation.absence]
              : [];
          const expected = verdict.map(
            ({
              id,
              start,
              end,
              reason,
              callHandling,
              seriesMasterId,
              subject,
            }): Omit<PbxAbsence, 'version'> => ({
              id,
              start,
              end,
              reason,
              callHandling,
              ...(seriesMasterId ? { seriesId: seriesMasterId } : {}),
              ...(subject ? { subject } : {}),
            }),
          );
          expect(sentAbsences).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
