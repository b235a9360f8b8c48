// Exchange Online over Microsoft Graph as a calendar source: one
// calendarView delta round per read, recurring series expanded with their
// masters' properties, an expired delta token turned into a fresh round, and
// Graph's failures turned into the ones the sync pipeline understands.
import type { Client } from '@microsoft/microsoft-graph-client';
import type { CalendarEntry } from '../domain/calendarEntry';
import type { Logger } from '../logger';
import {
  type CalendarRead,
  type CalendarSource,
  type ReadStart,
  SourceFailed,
  type SourceMailbox,
  SourceRefused,
  SourceThrottled,
} from '../sync/calendarSource';
import { type DeltaRound, type DeltaStart, readCalendarDelta } from './calendarDelta';
import { getEvent } from './events';
import { classifyGraphError } from './graphErrors';
import { calendarEntryOf, type GraphEvent, needsMaster } from './graphEvent';
import { ownCredentialRefusal, tenantRefusal } from './tenantAccess';

export interface GraphCalendarSourceOptions {
  /** The Graph client of the integration's tenant. */
  client: Client;
  /** Graph host without version; delta links are replayed relative to it. */
  baseUrl: string;
  pageSize: number;
  log: Logger;
}

export function graphCalendarSource(options: GraphCalendarSourceOptions): CalendarSource {
  return {
    async read(mailbox, start) {
      try {
        const { round, fresh } = await runRound(mailbox, start, options);
        const { entries, reportedIds, unreadable } = await entriesOf(options.client, mailbox.id, round);
        reportUnreadable(mailbox.id, unreadable, options);
        return {
          entries,
          reportedIds,
          fresh,
          cursor: round.deltaLink,
          pages: round.pages,
        } satisfies CalendarRead;
      } catch (error) {
        throw sourceFailureOf(error);
      }
    },
  };
}

/**
 * Graph's failures in the pipeline's words: a tenant that refuses the app,
 * throttling (429/503 with Retry-After), or another Graph answer, kept as
 * "Graph <status> <kind>" for the operator. Anything else passes unchanged.
 */
export function sourceFailureOf(error: unknown): unknown {
  const refusal = tenantRefusal(error);
  if (refusal) return new SourceRefused(refusal.code);
  // Our own credential, not the tenant: the operator reads Entra's code on the user instead of "Graph -1".
  const ownCredential = ownCredentialRefusal(error);
  if (ownCredential) {
    return new SourceFailed(`Entra ID refuses the app's credential (${ownCredential.code})`, {
      cause: error,
    });
  }
  const failure = classifyGraphError(error);
  if (!failure) return error;
  if (failure.kind === 'throttled') return new SourceThrottled(failure.retryAfterSeconds);
  return new SourceFailed(`Graph ${failure.status} ${failure.kind}`, { cause: error });
}

/** An expired delta token costs a fresh round, never a failed sync; the diff keeps the PBX free of duplicates. */
async function runRound(
  mailbox: SourceMailbox,
  start: ReadStart,
  options: GraphCalendarSourceOptions,
): Promise<{ round: DeltaRound; fresh: boolean }> {
  const read = (deltaStart: DeltaStart) =>
    readCalendarDelta(options.client, {
      baseUrl: options.baseUrl,
      userId: mailbox.id,
      start: deltaStart,
      pageSize: options.pageSize,
    });
  if (start.kind === 'fresh') return { round: await read(start), fresh: true };
  try {
    return { round: await read({ kind: 'resume', deltaLink: start.cursor }), fresh: false };
  } catch (error) {
    if (classifyGraphError(error)?.kind !== 'syncStateExpired') throw error;
    options.log.warn('delta token expired; starting a fresh round', { userId: mailbox.id });
    return { round: await read({ kind: 'fresh', window: start.window }), fresh: true };
  }
}

/**
 * Turns delta items into entries. Occurrences arrive with times only; their
 * series master is fetched once per series (or taken from the round itself),
 * and an occurrence whose series is gone counts as removed.
 */
async function entriesOf(
  client: Client,
  userId: string,
  round: DeltaRound,
): Promise<{ entries: CalendarEntry[]; reportedIds: Set<string>; unreadable: Map<string, number> }> {
  const reportedIds = new Set<string>();
  const unreadable = new Map(round.unreadable);
  const events: GraphEvent[] = [];
  const masters = new Map<string, GraphEvent | undefined>();
  for (const item of round.items) {
    if (item.kind === 'removed') {
      reportedIds.add(item.id);
      continue;
    }
    reportedIds.add(item.event.id);
    if (item.event.type === 'seriesMaster') masters.set(item.event.id, item.event);
    else events.push(item.event);
  }
  const missing = new Set(
    events
      .filter(needsMaster)
      .flatMap((e) => (e.seriesMasterId && !masters.has(e.seriesMasterId) ? [e.seriesMasterId] : [])),
  );
  for (const masterId of missing) masters.set(masterId, await getEvent(client, userId, masterId));
  const entries: CalendarEntry[] = [];
  for (const event of events) {
    const master = event.seriesMasterId ? masters.get(event.seriesMasterId) : undefined;
    // An event that cannot be read yields no entry, so a stored absence of it is withdrawn.
    const read = calendarEntryOf(event, master);
    if ('entry' in read) entries.push(read.entry);
    else unreadable.set(read.path, (unreadable.get(read.path) ?? 0) + 1);
  }
  return { entries, reportedIds, unreadable };
}

/**
 * Items the sync could not read (an event `type` Graph does not document, a
 * time it cannot parse) are skipped, never silently: one warning per read with
 * the count and the fields at fault, and no calendar content.
 */
function reportUnreadable(
  userId: string,
  unreadable: ReadonlyMap<string, number>,
  options: GraphCalendarSourceOptions,
): void {
  if (unreadable.size === 0) return;
  const skipped = [...unreadable.values()].reduce((sum, count) => sum + count, 0);
  options.log.warn('calendar items skipped as unreadable', {
    userId,
    skipped,
    fields: Object.fromEntries(unreadable),
  });
}
