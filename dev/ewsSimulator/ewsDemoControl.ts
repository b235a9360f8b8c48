// A control route of the simulator, not of Exchange: `POST /simulator/items`
// with JSON puts an item in a mailbox's calendar as if its owner had saved it
// in Outlook, so a person trying `npm start` can make a change the push
// subscription reports. Real Exchange takes items through CreateItem; the
// sync never writes, so the simulator does not model that operation.
import { z } from 'zod';
import type { EwsCalendarStore } from './ewsCalendarStore';
import type { EwsDirectory } from './ewsDirectory';

export const DEMO_CONTROL_PATH = '/simulator/items';

const newItem = z.object({
  mailbox: z.string().min(3),
  subject: z.string().max(255).default('Meeting'),
  freeBusy: z.enum(['Free', 'Tentative', 'Busy', 'OOF', 'WorkingElsewhere', 'NoData']).default('Busy'),
  sensitivity: z.enum(['Normal', 'Personal', 'Private', 'Confidential']).default('Normal'),
  start: z.string().datetime({ offset: true }),
  end: z.string().datetime({ offset: true }),
});

export type ControlAnswer = { status: number; body: Record<string, unknown> };

export function answerDemoControl(
  directory: EwsDirectory,
  calendars: EwsCalendarStore,
  body: string,
): ControlAnswer {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { status: 400, body: { error: 'the body is not JSON' } };
  }
  const parsed = newItem.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 400, body: { error: issue?.message ?? 'invalid', path: issue?.path.join('.') } };
  }
  const item = parsed.data;
  const start = new Date(item.start).toISOString();
  const end = new Date(item.end).toISOString();
  if (end <= start) return { status: 400, body: { error: 'end must be after start', path: 'end' } };
  const mailbox = directory.mailboxByAddress(item.mailbox);
  if (!mailbox) {
    return { status: 404, body: { error: `no mailbox ${item.mailbox} in the simulated organisation` } };
  }
  const { mailbox: _named, ...fields } = item;
  const stored = calendars.add(mailbox.primaryAddress, { ...fields, start, end });
  return { status: 201, body: { itemId: stored.itemId, start, end } };
}
