// What the call centre does with appointments: book one, move or cancel it
// by our booking id, and list what it booked with where each stands in
// Outlook now. Each write is tried only for a member of the booking group
// (bookingGroup.ts) and only after Graph's free/busy says the slot is still
// free, checked just before writing; a create carries the transactionId
// derived from the client key, so a repeated request is the appointment
// Graph already has (bookingRecord.ts). Answers carry the call centre's own
// booking fields, never anything read from other entries.
import { BLOCKING_STATUSES } from '../domain/freeSlots';
import {
  type AppointmentFailure,
  cancelAppointment,
  createAppointment,
  findAppointmentByTransaction,
  moveAppointment,
  readAppointment,
} from '../graph/appointmentWrites';
import { readSchedules } from '../graph/freeBusySchedules';
import { newBookingId } from '../storage/bookingEntity';
import { bookingRow, optimisticUpdate } from '../storage/optimisticUpdate';
import { ConcurrencyError } from '../storage/records';
import {
  type BookingCaller,
  type BookingDeps,
  type BookingRefusal,
  groupRefusal,
  logBooking,
} from './bookingCaller';
import type { BookingLogResult } from './bookingLogEntry';
import { type BookingRecord, type BookingState, bookingTransactionId } from './bookingRecord';
import type { BookRequest, MoveRequest } from './bookingRequests';

/** A booking as the call centre sees it. */
export interface BookingView {
  bookingId: string;
  user: string;
  subject: string;
  start: string;
  end: string;
  location?: string;
  callerReference?: string;
  state: BookingState;
  createdAt: string;
  updatedAt: string;
}

export type BookingAnswer =
  | { kind: 'ok'; value: { booking: BookingView; replayed: boolean } }
  | BookingRefusal;

export function bookingView(record: BookingRecord): BookingView {
  return {
    bookingId: record.bookingId,
    user: record.mailbox,
    subject: record.subject,
    start: record.start,
    end: record.end,
    ...(record.location ? { location: record.location } : {}),
    ...(record.callerReference ? { callerReference: record.callerReference } : {}),
    state: record.state,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

const OUTSIDE_GROUP = 'this mailbox is not in the booking group of this integration';
const WRITE_REFUSED =
  'Microsoft 365 refused to write this calendar: the Exchange admin’s RBAC assignment does not cover this mailbox (yet: a change of the group takes 30 minutes to 2 hours to apply)';

function writeFailure(failure: AppointmentFailure, what: string): BookingRefusal {
  switch (failure.kind) {
    case 'refused':
      return { kind: 'outsideGroup', reason: WRITE_REFUSED };
    case 'gone':
      return { kind: 'notFound', reason: `${what} no longer exists in Outlook` };
    case 'throttled':
      return {
        kind: 'unavailable',
        reason: 'Microsoft 365 is throttling writes; try again shortly',
        retryAfterSeconds: failure.retryAfterSeconds,
      };
    default:
      return { kind: 'unavailable', reason: `Microsoft 365 answered ${failure.status} (${failure.code})` };
  }
}

function resultOf(refusal: BookingRefusal): BookingLogResult {
  switch (refusal.kind) {
    case 'outsideGroup':
      return 'outsideGroup';
    case 'slotTaken':
      return 'slotTaken';
    case 'notFound':
      return 'notFound';
    case 'invalid':
      return 'invalid';
    case 'unavailable':
    case 'rateLimited':
      return refusal.kind === 'rateLimited' || refusal.retryAfterSeconds !== undefined
        ? 'throttled'
        : 'failed';
    default:
      return 'failed';
  }
}

/**
 * Whether [start, end) is still free in the mailbox, by Graph's free/busy
 * just before a write. `ignore` is the booking's own current time when it is
 * moved: getSchedule names no event ids, and an item exactly at the booking's
 * time is taken as the booking itself.
 */
async function slotRefusal(
  caller: BookingCaller,
  mailbox: string,
  slot: { start: number; end: number },
  deps: BookingDeps,
  ignore?: { start: number; end: number },
): Promise<BookingRefusal | undefined> {
  const [reading] = await readSchedules(deps.graphFor(caller.integration), mailbox, [mailbox], slot, 5);
  if (!reading || reading.kind === 'failed') {
    const failure = reading?.kind === 'failed' ? reading.failure : undefined;
    if (failure?.kind === 'throttled') {
      return {
        kind: 'unavailable',
        reason: 'Microsoft 365 is throttling free/busy reads; try again shortly',
        retryAfterSeconds: failure.retryAfterSeconds,
      };
    }
    if (failure?.kind === 'notFound') return { kind: 'notFound', reason: 'no mailbox with this address' };
    if (failure?.kind === 'refused') return { kind: 'outsideGroup', reason: WRITE_REFUSED };
    return { kind: 'unavailable', reason: "Microsoft 365 could not answer for this mailbox's free/busy" };
  }
  const taken = reading.busy.some(
    (item) =>
      BLOCKING_STATUSES.has(item.status) &&
      item.start < slot.end &&
      item.end > slot.start &&
      !(ignore && item.start === ignore.start && item.end === ignore.end),
  );
  return taken ? { kind: 'slotTaken', reason: 'the slot is no longer free in this calendar' } : undefined;
}

/** An appointment is booked for later: one that would already have begun is a mistake in the request. */
function pastStart(start: string, deps: BookingDeps): BookingRefusal | undefined {
  return Date.parse(start) < deps.now().getTime()
    ? { kind: 'invalid', reason: 'start must not be in the past', path: 'start' }
    : undefined;
}

function sameRequest(record: BookingRecord, request: BookRequest, userId: string): boolean {
  return (
    record.userId === userId &&
    record.subject === request.subject &&
    Date.parse(record.start) === Date.parse(request.start) &&
    Date.parse(record.end) === Date.parse(request.end)
  );
}

export async function book(
  caller: BookingCaller,
  request: BookRequest,
  deps: BookingDeps,
): Promise<BookingAnswer> {
  const { integration } = caller;
  let member: string | undefined;
  const done = async (answer: BookingAnswer, bookingId?: string): Promise<BookingAnswer> => {
    await logBooking(
      caller,
      {
        action: 'book',
        result: answer.kind === 'ok' ? (answer.value.replayed ? 'replayed' : 'done') : resultOf(answer),
        ...(bookingId ? { bookingId } : {}),
        ...(member ? { userId: member } : {}),
        start: request.start,
        end: request.end,
        subject: request.subject,
        ...(answer.kind !== 'ok' && 'reason' in answer ? { reason: answer.reason.slice(0, 200) } : {}),
      },
      deps,
    );
    return answer;
  };
  const past = pastStart(request.start, deps);
  if (past) return done(past);
  const lookups = await deps.members.lookup(
    integration.id,
    integration.booking.groupId,
    deps.graphFor(integration),
    [request.user],
  );
  if (!Array.isArray(lookups)) return done(groupRefusal(lookups));
  const [lookup] = lookups;
  if (lookup?.kind !== 'member') return done({ kind: 'outsideGroup', reason: OUTSIDE_GROUP });
  const { userId } = lookup.mailbox;
  member = userId;
  const replay = async (): Promise<BookingAnswer | undefined> => {
    const existing = (await deps.bookings.findByClientKey(integration.id, request.clientKey))?.value;
    if (!existing) return undefined;
    if (!sameRequest(existing, request, userId)) {
      return { kind: 'conflict', reason: 'this clientKey was used for a different booking' };
    }
    return { kind: 'ok', value: { booking: bookingView(existing), replayed: true } };
  };
  const earlier = await replay();
  if (earlier) return done(earlier, earlier.kind === 'ok' ? earlier.value.booking.bookingId : undefined);
  const slot = { start: Date.parse(request.start), end: Date.parse(request.end) };
  const transactionId = bookingTransactionId(integration.id, request.clientKey);
  const client = deps.graphFor(integration);
  const taken = await slotRefusal(caller, request.user, slot, deps);
  let graphEventId: string;
  if (taken) {
    // The slot may be taken by this very request's appointment: a create whose answer never reached us.
    const earlierCreate =
      taken.kind === 'slotTaken'
        ? await findAppointmentByTransaction(client, deps.graphBaseUrl, request.user, slot, transactionId)
        : undefined;
    if (!earlierCreate) return done(taken);
    graphEventId = earlierCreate;
  } else {
    const created = await createAppointment(client, request.user, {
      subject: request.subject,
      start: slot.start,
      end: slot.end,
      timeZone: request.timeZone,
      ...(request.location ? { location: request.location } : {}),
      ...(request.note ? { note: request.note } : {}),
      transactionId,
    });
    if (created.kind !== 'created') return done(writeFailure(created, 'the mailbox'));
    graphEventId = created.eventId;
  }
  const now = deps.now();
  const record: BookingRecord = {
    integrationId: integration.id,
    bookingId: newBookingId(now),
    userId,
    mailbox: request.user,
    clientKey: request.clientKey,
    graphEventId,
    transactionId,
    subject: request.subject,
    start: new Date(slot.start).toISOString(),
    end: new Date(slot.end).toISOString(),
    ...(request.location ? { location: request.location } : {}),
    ...(request.callerReference ? { callerReference: request.callerReference } : {}),
    state: 'booked',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  try {
    await deps.bookings.create(record);
  } catch (error) {
    // The same key raced this request: Graph made one event of both (transactionId); the other stored it.
    if (!(error instanceof ConcurrencyError)) throw error;
    const winner = await replay();
    if (winner) return done(winner, winner.kind === 'ok' ? winner.value.booking.bookingId : undefined);
    throw error;
  }
  return done({ kind: 'ok', value: { booking: bookingView(record), replayed: false } }, record.bookingId);
}

async function changeState(
  deps: BookingDeps,
  record: BookingRecord,
  change: Partial<Pick<BookingRecord, 'state' | 'start' | 'end'>>,
): Promise<BookingRecord> {
  const updatedAt = deps.now().toISOString();
  const outcome = await optimisticUpdate(
    bookingRow(deps.bookings, record.integrationId, record.bookingId),
    (current) => ({ ...current, ...change, updatedAt }),
  );
  return outcome.kind === 'updated' || outcome.kind === 'unchanged'
    ? outcome.value
    : { ...record, ...change, updatedAt };
}

const ENDED: ReadonlySet<BookingState> = new Set(['cancelled', 'goneInOutlook']);

/** What a move or cancel answers, written to the booking log on its way out. */
function loggedAs(
  caller: BookingCaller,
  deps: BookingDeps,
  action: 'move' | 'cancel',
  bookingId: string,
  found: BookingRecord | undefined,
  times: { start?: string; end?: string },
): (answer: BookingAnswer) => Promise<BookingAnswer> {
  return async (answer) => {
    await logBooking(
      caller,
      {
        action,
        result: answer.kind === 'ok' ? 'done' : resultOf(answer),
        bookingId,
        ...(found ? { userId: found.userId, subject: found.subject } : {}),
        ...times,
        ...(answer.kind !== 'ok' && 'reason' in answer ? { reason: answer.reason.slice(0, 200) } : {}),
      },
      deps,
    );
    return answer;
  };
}

export async function moveBooking(
  caller: BookingCaller,
  bookingId: string,
  request: MoveRequest,
  deps: BookingDeps,
): Promise<BookingAnswer> {
  const found = await findBooking(caller, bookingId, deps);
  const done = loggedAs(caller, deps, 'move', bookingId, found, { start: request.start, end: request.end });
  if (!found) return done({ kind: 'notFound', reason: 'no booking with this id' });
  if (ENDED.has(found.state)) return done({ kind: 'conflict', reason: `the booking is ${found.state}` });
  const past = pastStart(request.start, deps);
  if (past) return done(past);
  const slot = { start: Date.parse(request.start), end: Date.parse(request.end) };
  const own = { start: Date.parse(found.start), end: Date.parse(found.end) };
  const taken = await slotRefusal(caller, found.mailbox, slot, deps, own);
  if (taken) return done(taken);
  const moved = await moveAppointment(deps.graphFor(caller.integration), found.mailbox, found.graphEventId, {
    ...slot,
    timeZone: request.timeZone,
  });
  if (moved.kind !== 'moved') {
    if (moved.kind === 'gone') await changeState(deps, found, { state: 'goneInOutlook' });
    return done(writeFailure(moved, 'the appointment'));
  }
  const record = await changeState(deps, found, {
    state: 'moved',
    start: new Date(slot.start).toISOString(),
    end: new Date(slot.end).toISOString(),
  });
  return done({ kind: 'ok', value: { booking: bookingView(record), replayed: false } });
}

export async function cancelBooking(
  caller: BookingCaller,
  bookingId: string,
  deps: BookingDeps,
): Promise<BookingAnswer> {
  const found = await findBooking(caller, bookingId, deps);
  const done = loggedAs(caller, deps, 'cancel', bookingId, found, {});
  if (!found) return done({ kind: 'notFound', reason: 'no booking with this id' });
  if (found.state === 'cancelled') {
    return done({ kind: 'ok', value: { booking: bookingView(found), replayed: true } });
  }
  const cancelled = await cancelAppointment(
    deps.graphFor(caller.integration),
    found.mailbox,
    found.graphEventId,
  );
  // Deleted in Outlook already: the appointment is gone either way, which is what the call centre asked.
  if (cancelled.kind !== 'cancelled' && cancelled.kind !== 'gone')
    return done(writeFailure(cancelled, 'the appointment'));
  const record = await changeState(deps, found, { state: 'cancelled' });
  return done({ kind: 'ok', value: { booking: bookingView(record), replayed: false } });
}

async function findBooking(
  caller: BookingCaller,
  bookingId: string,
  deps: BookingDeps,
): Promise<BookingRecord | undefined> {
  try {
    return (await deps.bookings.get(caller.integration.id, bookingId))?.value;
  } catch (error) {
    // An id that cannot be one of ours (RangeError from the key check) is simply not found.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** How many appointments the list reads back from Graph at once. */
const READ_BACK_CONCURRENCY = 8;

/**
 * The integration's newest bookings. Those still booked and not over yet are
 * read back from Graph (one GET each, READ_BACK_CONCURRENCY at a time): the person may have
 * moved or deleted the appointment in Outlook, and what the list says is
 * stored, so the next list and the console's log agree with Outlook.
 */
export async function listBookings(
  caller: BookingCaller,
  limit: number,
  deps: BookingDeps,
): Promise<{ kind: 'ok'; value: { bookings: BookingView[] } }> {
  const records = await deps.bookings.listRecent(caller.integration.id, limit);
  const now = deps.now().getTime();
  const client = deps.graphFor(caller.integration);
  const current: BookingRecord[] = [...records];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < records.length; index = next++) {
      const record = records[index];
      // An appointment that is over is history: what Outlook does with it now changes nothing for the call centre.
      if (!record || ENDED.has(record.state) || Date.parse(record.end) <= now) continue;
      const state = await readAppointment(client, record.mailbox, record.graphEventId);
      if (state.kind === 'gone' || (state.kind === 'exists' && state.isCancelled)) {
        current[index] = await changeState(deps, record, { state: 'goneInOutlook' });
      } else if (
        state.kind === 'exists' &&
        (state.start !== Date.parse(record.start) || state.end !== Date.parse(record.end))
      ) {
        current[index] = await changeState(deps, record, {
          state: 'moved',
          start: new Date(state.start).toISOString(),
          end: new Date(state.end).toISOString(),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_BACK_CONCURRENCY, records.length) }, worker));
  return { kind: 'ok', value: { bookings: current.map(bookingView) } };
}
