// Each simulated mailbox's events table: every change to a Calendar item as
// an event with its watermark, the bookmark a subscription resumes from.
// Watermarks are opaque base64 as Exchange's are; one names a position in one
// mailbox only, so a watermark of another mailbox (or one never handed out)
// is refused as Exchange refuses it with ErrorInvalidWatermark
// (MicrosoftDocs/office-developer-exchange-docs, docs/web-service-reference/watermark.md).
// Exchange keeps 30 days of events; the simulator keeps them all.
import { randomBytes } from 'node:crypto';
import type { CalendarChange } from './ewsCalendarStore';

export type PushEventType = 'CreatedEvent' | 'ModifiedEvent' | 'DeletedEvent' | 'MovedEvent';

export interface MailboxEvent {
  /** Position in the mailbox's table, from 1. */
  seq: number;
  type: PushEventType;
  watermark: string;
  /** The simulator clock's ms when it happened. */
  at: number;
  itemId: string;
  oldItemId?: string;
}

const TYPES: Record<CalendarChange['kind'], PushEventType> = {
  created: 'CreatedEvent',
  modified: 'ModifiedEvent',
  deleted: 'DeletedEvent',
  moved: 'MovedEvent',
};

export class MailboxEvents {
  private readonly tables = new Map<string, MailboxEvent[]>();
  /** watermark → where it points. */
  private readonly positions = new Map<string, { mailbox: string; seq: number }>();
  /** The watermark of each mailbox's start (before its first event). */
  private readonly origins = new Map<string, string>();

  record(change: CalendarChange, at: number): MailboxEvent {
    const table = this.tableOf(change.mailbox);
    const event: MailboxEvent = {
      seq: table.length + 1,
      type: TYPES[change.kind],
      watermark: this.mint(change.mailbox, table.length + 1),
      at,
      itemId: change.itemId,
      ...(change.kind === 'moved' ? { oldItemId: change.oldItemId } : {}),
    };
    table.push(event);
    return event;
  }

  /** Where the mailbox's table ends now. */
  head(mailbox: string): number {
    return this.tableOf(mailbox).length;
  }

  watermarkAt(mailbox: string, seq: number): string {
    const key = mailbox.toLowerCase();
    if (seq === 0) {
      const origin = this.origins.get(key) ?? this.mint(key, 0);
      this.origins.set(key, origin);
      return origin;
    }
    return (this.tableOf(key)[seq - 1] as MailboxEvent).watermark;
  }

  /** The position a watermark names in this mailbox; undefined for another mailbox's or an unknown one. */
  positionOf(mailbox: string, watermark: string): number | undefined {
    const position = this.positions.get(watermark);
    return position?.mailbox === mailbox.toLowerCase() ? position.seq : undefined;
  }

  after(mailbox: string, seq: number): MailboxEvent[] {
    return this.tableOf(mailbox).slice(seq);
  }

  private tableOf(mailbox: string): MailboxEvent[] {
    const key = mailbox.toLowerCase();
    const table = this.tables.get(key) ?? [];
    this.tables.set(key, table);
    return table;
  }

  private mint(mailbox: string, seq: number): string {
    const watermark = randomBytes(24).toString('base64');
    this.positions.set(watermark, { mailbox: mailbox.toLowerCase(), seq });
    return watermark;
  }
}
