// An event shaped the way `GET /users/{id}/calendarView/delta` returns it with
// `Prefer: outlook.timezone="UTC"`, including fields the rules ignore, so the
// tests go through the same reading the sync and the dry run use.

import type { EvaluationContext } from '../../shared/domain/rules/evaluate';
import { syncWindowFor } from '../../shared/domain/syncWindow';
import type { GraphEventJson as GraphEventInput } from '../../shared/graph/graphEvent';

export type GraphEventJson = GraphEventInput & Record<string, unknown>;

let sequence = 0;

export function graphEvent(overrides: Partial<GraphEventJson> = {}): GraphEventJson {
  sequence += 1;
  return {
    '@odata.etag': `W/"DwAAABYAAAB${sequence}"`,
    id: `AAMkAGI2TG93AAA=${sequence}`,
    createdDateTime: '2026-11-20T09:00:00.0000000Z',
    subject: 'Planning',
    bodyPreview: '',
    importance: 'normal',
    isReminderOn: true,
    type: 'singleInstance',
    seriesMasterId: null,
    showAs: 'busy',
    sensitivity: 'normal',
    categories: [],
    isCancelled: false,
    isAllDay: false,
    isOrganizer: true,
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    start: { dateTime: '2026-11-26T11:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-11-26T12:00:00.0000000', timeZone: 'UTC' },
    location: { displayName: '', locationType: 'default' },
    organizer: { emailAddress: { name: 'Anna Berg', address: 'anna@contoso.se' } },
    ...overrides,
  };
}

/** A Stockholm mailbox synced from 2026-11-25 for 14 days. */
export function stockholmContext(now = new Date('2026-11-25T08:00:00Z')): EvaluationContext {
  return { timeZone: 'Europe/Stockholm', window: syncWindowFor(now, 14) };
}
