// Each simulated mailbox's calendar: single items and recurring series (a
// master with its Recurrence, ewsRecurrence.ts), the series expanded into
// Occurrence and Exception items for a CalendarView as Exchange does; the
// master itself never appears in a CalendarView
// (docs/exchange-web-services/how-to-access-a-recurring-series-by-using-ews-in-exchange.md).
// An item's ChangeKey changes on every write, as Exchange's does, so a
// client can tell versions apart. Exceptions live in their master, so moving
// or deleting an occurrence is a write to the master too.
//
// Every item has a UID; a series' occurrences and exceptions share the
// master's and are told apart by RecurrenceId, their original start
// (docs/web-service-reference/recurrenceid.md: RecurrenceId "is used with
// the UID property to identify a specific instance of a recurring calendar
// item"). An occurrence's ItemId is derived from its master's and its
// number, so it is the same on every read and stays when it becomes an
// exception.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EwsFreeBusy, EwsResponseType, EwsSensitivity } from '../../shared/exchange/ewsCalendarReader';
import { hasOccurrence, occurrencesOf, type Recurrence } from './ewsRecurrence';

// The item's values as EWS spells them: the same words our reader expects.
export type FreeBusy = EwsFreeBusy;
export type ItemSensitivity = EwsSensitivity;
export type ResponseType = EwsResponseType;

export interface StoredCalendarItem {
  itemId: string;
  changeKey: string;
  uid: string;
  subject: string;
  /** UTC instants */
  start: string;
  end: string;
  freeBusy: FreeBusy;
  sensitivity: ItemSensitivity;
  categories: string[];
  isAllDay: boolean;
  isCancelled: boolean;
  myResponse: ResponseType;
}

export type NewCalendarItem = Pick<StoredCalendarItem, 'subject' | 'start' | 'end'> &
  Partial<Omit<StoredCalendarItem, 'itemId' | 'changeKey' | 'uid' | 'subject' | 'start' | 'end'>>;

export type NewSeries = NewCalendarItem & { recurrence: Recurrence };

export type CalendarItemChanges = Partial<Omit<StoredCalendarItem, 'itemId' | 'changeKey' | 'uid'>>;

/** One item as a CalendarView returns it. */
export type CalendarViewItem = StoredCalendarItem &
  (
    | { itemType: 'Single' }
    | {
        itemType: 'Occurrence' | 'Exception';
        /** The occurrence's original start, UTC. */
        recurrenceId: string;
        isRecurring: true;
      }
  );

interface StoredSeries {
  master: StoredCalendarItem;
  recurrence: Recurrence;
  moved: Map<number, { start: string; end: string; changeKey: string }>;
  deleted: Set<number>;
}

interface MailboxCalendar {
  singles: Map<string, StoredCalendarItem>;
  series: Map<string, StoredSeries>;
}

/**
 * What happened to an item, for push subscriptions (ewsPush.ts): Outlook's
 * delete moves the item to Deleted Items (a MovedEvent for the Calendar), a
 * hard delete removes it (a DeletedEvent). A change to one occurrence is a
 * change to its series' master.
 */
export type CalendarChange =
  | { kind: 'created'; mailbox: string; itemId: string }
  | { kind: 'modified'; mailbox: string; itemId: string }
  | { kind: 'moved'; mailbox: string; itemId: string; oldItemId: string }
  | { kind: 'deleted'; mailbox: string; itemId: string };

// Exchange's ids are opaque base64; these are too, so clients cannot lean on a shape.
const opaqueId = (bytes: number) => randomBytes(bytes).toString('base64');
const occurrenceId = (masterId: string, index: number) =>
  createHash('sha384').update(`${masterId}/${index}`).digest('base64');
const iso = (instant: number) => new Date(instant).toISOString();

function storedItem(item: NewCalendarItem): StoredCalendarItem {
  return {
    freeBusy: 'Busy',
    sensitivity: 'Normal',
    categories: [],
    isAllDay: false,
    isCancelled: false,
    myResponse: 'Organizer',
    ...item,
    itemId: opaqueId(48),
    changeKey: opaqueId(12),
    uid: randomUUID().toUpperCase(),
  };
}

export class EwsCalendarStore {
  private readonly calendars = new Map<string, MailboxCalendar>();
  private readonly watchers: Array<(change: CalendarChange) => void> = [];

  /** Called on every change, after it is stored. */
  watch(watcher: (change: CalendarChange) => void): void {
    this.watchers.push(watcher);
  }

  private changed(change: CalendarChange): void {
    const normalised = { ...change, mailbox: change.mailbox.toLowerCase() };
    for (const watcher of this.watchers) watcher(normalised);
  }

  private calendarOf(mailbox: string): MailboxCalendar {
    const key = mailbox.toLowerCase();
    const existing = this.calendars.get(key);
    if (existing) return existing;
    const created: MailboxCalendar = { singles: new Map(), series: new Map() };
    this.calendars.set(key, created);
    return created;
  }

  private seriesOf(mailbox: string, masterId: string): StoredSeries {
    const series = this.calendarOf(mailbox).series.get(masterId);
    if (series === undefined) throw new Error(`no series ${masterId} in ${mailbox}`);
    return series;
  }

  add(mailbox: string, item: NewCalendarItem): StoredCalendarItem {
    const stored = storedItem(item);
    this.calendarOf(mailbox).singles.set(stored.itemId, stored);
    this.changed({ kind: 'created', mailbox, itemId: stored.itemId });
    return stored;
  }

  /** A recurring series; the returned master's itemId names it in moveOccurrence and deleteOccurrence. */
  addSeries(mailbox: string, series: NewSeries): StoredCalendarItem {
    const { recurrence, ...item } = series;
    const master = storedItem(item);
    this.calendarOf(mailbox).series.set(master.itemId, {
      master,
      recurrence,
      moved: new Map(),
      deleted: new Set(),
    });
    this.changed({ kind: 'created', mailbox, itemId: master.itemId });
    return master;
  }

  /** Occurrence `index` (1-based) becomes an Exception at a new time. */
  moveOccurrence(
    mailbox: string,
    masterId: string,
    index: number,
    time: { start: string; end: string },
  ): void {
    const series = this.seriesOf(mailbox, masterId);
    if (!hasOccurrence(series.master, series.recurrence, index) || series.deleted.has(index))
      throw new Error(`series ${masterId} has no occurrence ${index}`);
    series.moved.set(index, { ...time, changeKey: opaqueId(12) });
    series.master.changeKey = opaqueId(12);
    this.changed({ kind: 'modified', mailbox, itemId: masterId });
  }

  deleteOccurrence(mailbox: string, masterId: string, index: number): void {
    const series = this.seriesOf(mailbox, masterId);
    if (!hasOccurrence(series.master, series.recurrence, index))
      throw new Error(`series ${masterId} has no occurrence ${index}`);
    series.moved.delete(index);
    series.deleted.add(index);
    series.master.changeKey = opaqueId(12);
    this.changed({ kind: 'modified', mailbox, itemId: masterId });
  }

  /** Changes a single item or a series' master (and so its occurrences); undefined for an id it does not hold. */
  update(mailbox: string, itemId: string, changes: CalendarItemChanges): StoredCalendarItem | undefined {
    const calendar = this.calendarOf(mailbox);
    const item = calendar.singles.get(itemId) ?? calendar.series.get(itemId)?.master;
    if (item === undefined) return undefined;
    Object.assign(item, changes, { changeKey: opaqueId(12) });
    this.changed({ kind: 'modified', mailbox, itemId });
    return item;
  }

  /**
   * Deletes a single item or a whole series, to Deleted Items (where the item
   * gets a new id) or for good; false for an id it does not hold.
   */
  remove(
    mailbox: string,
    itemId: string,
    how: 'moveToDeletedItems' | 'hardDelete' = 'moveToDeletedItems',
  ): boolean {
    const calendar = this.calendarOf(mailbox);
    if (!(calendar.singles.delete(itemId) || calendar.series.delete(itemId))) return false;
    this.changed(
      how === 'hardDelete'
        ? { kind: 'deleted', mailbox, itemId }
        : { kind: 'moved', mailbox, itemId: opaqueId(48), oldItemId: itemId },
    );
    return true;
  }

  /** Items overlapping [start, end), series expanded, ordered by start as CalendarView returns them. */
  overlapping(mailbox: string, start: string, end: string): CalendarViewItem[] {
    const from = Date.parse(start);
    const to = Date.parse(end);
    const overlaps = (item: { start: string; end: string }) =>
      Date.parse(item.start) < to && Date.parse(item.end) > from;
    const calendar = this.calendars.get(mailbox.toLowerCase());
    const singles: CalendarViewItem[] = [...(calendar?.singles.values() ?? [])].map((item) => ({
      ...item,
      itemType: 'Single',
    }));
    const expanded = [...(calendar?.series.values() ?? [])].flatMap((series) => expand(series, to));
    return [...singles, ...expanded]
      .filter(overlaps)
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.itemId.localeCompare(b.itemId));
  }
}

function expand(series: StoredSeries, until: number): CalendarViewItem[] {
  const { master, recurrence, moved, deleted } = series;
  const items: CalendarViewItem[] = [];
  // A moved occurrence may now lie anywhere, so the pattern is followed past `until` to the last moved one.
  const lastMoved = Math.max(0, ...moved.keys());
  for (const occurrence of occurrencesOf(master, recurrence, Number.POSITIVE_INFINITY)) {
    const past = occurrence.start >= until;
    if (past && occurrence.index > lastMoved) break;
    if (past && !moved.has(occurrence.index)) continue;
    if (deleted.has(occurrence.index)) continue;
    const exception = moved.get(occurrence.index);
    items.push({
      ...master,
      categories: [...master.categories],
      itemId: occurrenceId(master.itemId, occurrence.index),
      changeKey: exception?.changeKey ?? master.changeKey,
      start: exception?.start ?? iso(occurrence.start),
      end: exception?.end ?? iso(occurrence.end),
      itemType: exception ? 'Exception' : 'Occurrence',
      recurrenceId: iso(occurrence.start),
      isRecurring: true,
    });
  }
  return items;
}
