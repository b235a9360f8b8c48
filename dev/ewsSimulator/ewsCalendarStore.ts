// Each simulated mailbox's calendar: single items only for now (recurrence
// expansion is a later step). An item's ChangeKey changes on every write, as
// Exchange's does, so a client can tell versions apart.
import { randomBytes } from 'node:crypto';
import type { EwsFreeBusy, EwsResponseType, EwsSensitivity } from '../../shared/exchange/ewsCalendarReader';

// The item's values as EWS spells them: the same words our reader expects.
export type FreeBusy = EwsFreeBusy;
export type ItemSensitivity = EwsSensitivity;
export type ResponseType = EwsResponseType;

export interface StoredCalendarItem {
  itemId: string;
  changeKey: string;
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
  Partial<Omit<StoredCalendarItem, 'itemId' | 'changeKey' | 'subject' | 'start' | 'end'>>;

/**
 * What happened to an item, for push subscriptions (ewsPush.ts): Outlook's
 * delete moves the item to Deleted Items (a MovedEvent for the Calendar), a
 * hard delete removes it (a DeletedEvent).
 */
export type CalendarChange =
  | { kind: 'created'; mailbox: string; itemId: string }
  | { kind: 'modified'; mailbox: string; itemId: string }
  | { kind: 'moved'; mailbox: string; itemId: string; oldItemId: string }
  | { kind: 'deleted'; mailbox: string; itemId: string };

// Exchange's ids are opaque base64; these are too, so clients cannot lean on a shape.
const opaqueId = (bytes: number) => randomBytes(bytes).toString('base64');

export class EwsCalendarStore {
  private readonly calendars = new Map<string, Map<string, StoredCalendarItem>>();
  private readonly watchers: Array<(change: CalendarChange) => void> = [];

  /** Called on every change, after it is stored. */
  watch(watcher: (change: CalendarChange) => void): void {
    this.watchers.push(watcher);
  }

  private changed(change: CalendarChange): void {
    for (const watcher of this.watchers) watcher(change);
  }

  add(mailbox: string, item: NewCalendarItem): StoredCalendarItem {
    const stored: StoredCalendarItem = {
      freeBusy: 'Busy',
      sensitivity: 'Normal',
      categories: [],
      isAllDay: false,
      isCancelled: false,
      myResponse: 'Organizer',
      ...item,
      itemId: opaqueId(48),
      changeKey: opaqueId(12),
    };
    const calendar = this.calendars.get(mailbox.toLowerCase()) ?? new Map<string, StoredCalendarItem>();
    calendar.set(stored.itemId, stored);
    this.calendars.set(mailbox.toLowerCase(), calendar);
    this.changed({ kind: 'created', mailbox: mailbox.toLowerCase(), itemId: stored.itemId });
    return stored;
  }

  /** A new ChangeKey with the changes; undefined when the item is not there. */
  update(
    mailbox: string,
    itemId: string,
    changes: Partial<Omit<StoredCalendarItem, 'itemId' | 'changeKey'>>,
  ): StoredCalendarItem | undefined {
    const calendar = this.calendars.get(mailbox.toLowerCase());
    const current = calendar?.get(itemId);
    if (calendar === undefined || current === undefined) return undefined;
    const updated = { ...current, ...changes, itemId, changeKey: opaqueId(12) };
    calendar.set(itemId, updated);
    this.changed({ kind: 'modified', mailbox: mailbox.toLowerCase(), itemId });
    return updated;
  }

  /** Out of the calendar: to Deleted Items (the item gets a new id there) or for good. False when not there. */
  remove(
    mailbox: string,
    itemId: string,
    how: 'moveToDeletedItems' | 'hardDelete' = 'moveToDeletedItems',
  ): boolean {
    const calendar = this.calendars.get(mailbox.toLowerCase());
    if (!calendar?.delete(itemId)) return false;
    this.changed(
      how === 'hardDelete'
        ? { kind: 'deleted', mailbox: mailbox.toLowerCase(), itemId }
        : { kind: 'moved', mailbox: mailbox.toLowerCase(), itemId: opaqueId(48), oldItemId: itemId },
    );
    return true;
  }

  /** Items overlapping [start, end), ordered by start as CalendarView returns them. */
  overlapping(mailbox: string, start: string, end: string): StoredCalendarItem[] {
    const from = Date.parse(start);
    const to = Date.parse(end);
    return [...(this.calendars.get(mailbox.toLowerCase())?.values() ?? [])]
      .filter((item) => Date.parse(item.start) < to && Date.parse(item.end) > from)
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.itemId.localeCompare(b.itemId));
  }
}
