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

// Exchange's ids are opaque base64; these are too, so clients cannot lean on a shape.
const opaqueId = (bytes: number) => randomBytes(bytes).toString('base64');

export class EwsCalendarStore {
  private readonly calendars = new Map<string, Map<string, StoredCalendarItem>>();

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
    return stored;
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
