// Exchange Online over Microsoft Graph as a calendar source: one
// calendarView delta round per read, recurring series expanded with their
// masters' properties, an expired delta token turned into a fresh round, and
// Graph's failures turned into the ones the sync pipeline understands. When
// the rules sync automatic replies, the mailbox's setting is read too (at most
// every `maxAgeMinutes`) and reported as one more entry.
import type { Client } from '@microsoft/microsoft-graph-client';
import {
  type AutomaticRepliesMemo,
  automaticRepliesEntry,
  automaticRepliesEventId,
  observedState,
  sameState,
} from '../domain/automaticReplies';
import type { CalendarEntry } from '../domain/calendarEntry';
import type { SyncWindow } from '../domain/syncWindow';
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
import { readAutomaticReplies } from './automaticRepliesSetting';
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
  /** Given when the integration's rules sync automatic replies; without it they are never read. */
  automaticReplies?: AutomaticRepliesReading;
}

export interface AutomaticRepliesReading {
  /** A read asks the mailbox again once the last answer is this old (0: every read). */
  maxAgeMinutes: number;
  now: () => Date;
}

export function graphCalendarSource(options: GraphCalendarSourceOptions): CalendarSource {
  return {
    async read(mailbox, start) {
      try {
        const { round, fresh } = await runRound(mailbox, start, options);
        const { entries, reportedIds, unreadable } = await entriesOf(options.client, mailbox.id, round);
        reportUnreadable(mailbox.id, unreadable, options);
        const replies = options.automaticReplies
          ? await automaticRepliesOf(
              mailbox,
              { fresh, window: start.window },
              options,
              options.automaticReplies,
            )
          : undefined;
        if (replies?.reported) {
          reportedIds.add(automaticRepliesEventId(mailbox.id));
          if (replies.entry) entries.push(replies.entry);
        }
        return {
          entries,
          reportedIds,
          fresh,
          cursor: round.deltaLink,
          pages: round.pages,
          ...(replies ? { automaticReplies: replies.memo } : {}),
        } satisfies CalendarRead;
      } catch (error) {
        throw sourceFailureOf(error);
      }
    },
  };
}

/**
 * The automatic replies' entry for this read. The mailbox is asked only when
 * the last answer is older than the max age, or the maintenance run cleared
 * its time, having seen a change (adding the user answered it too, so a first
 * sync asks nothing more). A fresh read always reports the entry, asked or
 * not: its diff is of the whole picture. A resumed read reports it only when
 * the answer changed what the sync held: a partial diff then updates or
 * deletes the absence, and an unchanged answer costs the sync no stored-row
 * read. A mailbox Graph will not answer for (no MailboxSettings.Read, no
 * mailbox) counts as replies off, with a warning.
 */
async function automaticRepliesOf(
  mailbox: SourceMailbox,
  read: { fresh: boolean; window: SyncWindow },
  options: GraphCalendarSourceOptions,
  reading: AutomaticRepliesReading,
): Promise<{ memo: AutomaticRepliesMemo | undefined; reported: boolean; entry?: CalendarEntry }> {
  const held = mailbox.automaticReplies;
  const now = reading.now();
  const age = held?.readAt === undefined ? Number.POSITIVE_INFINITY : now.getTime() - Date.parse(held.readAt);
  if (held && age < reading.maxAgeMinutes * 60_000) {
    if (!read.fresh) return { memo: held, reported: false };
    const entry = automaticRepliesEntry(mailbox.id, held.state, read.window);
    return { memo: held, reported: true, ...(entry ? { entry } : {}) };
  }
  const answer = await readAutomaticReplies(options.client, mailbox.id);
  if (answer.kind === 'unreadable') {
    options.log.warn('automatic replies unreadable; taken as off', { userId: mailbox.id, why: answer.why });
  }
  const setting = answer.kind === 'read' ? answer.setting : { status: 'disabled' as const };
  const state = observedState(held?.state, setting, now);
  const reported = read.fresh || !sameState(held?.state, state);
  const entry = automaticRepliesEntry(mailbox.id, state, read.window);
  return { memo: { state, readAt: now.toISOString() }, reported, ...(entry ? { entry } : {}) };
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
