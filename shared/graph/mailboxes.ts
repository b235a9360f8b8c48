import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { classifyGraphError } from './graphErrors';
import { ianaTimeZone } from './windowsTimeZones';

/** Exchange's own words for what a mailbox is for; only people's mailboxes have absences worth telling a PBX. */
const mailboxSettingsSchema = z.object({
  userPurpose: z.string().nullish(),
  timeZone: z.string().nullish(),
});

export type MailboxCheck =
  | { kind: 'userMailbox'; timeZone?: string }
  /** The app may not read mailbox settings (permission not granted); the address is taken on trust. */
  | { kind: 'unknown' }
  | { kind: 'notAUserMailbox'; purpose: string }
  | { kind: 'noMailbox' };

/**
 * Reads `mailboxSettings` (MailboxSettings.Read): its `userPurpose` says
 * whether this is a person's mailbox or a shared, room or equipment one, and
 * its time zone is the one all-day entries are read in.
 */
export async function checkMailbox(client: Client, userId: string): Promise<MailboxCheck> {
  let raw: unknown;
  try {
    raw = await client.api(`/users/${encodeURIComponent(userId)}/mailboxSettings`).get();
  } catch (error) {
    const failure = classifyGraphError(error);
    if (failure?.kind === 'accessDenied') return { kind: 'unknown' };
    // Graph answers 404 (MailboxNotEnabledForRESTAPI) for a user without an Exchange Online mailbox.
    if (failure?.kind === 'notFound') return { kind: 'noMailbox' };
    throw error;
  }
  const parsed = mailboxSettingsSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'unknown' };
  const purpose = parsed.data.userPurpose ?? 'user';
  if (purpose !== 'user' && purpose !== 'linked') return { kind: 'notAUserMailbox', purpose };
  const zone = parsed.data.timeZone ? ianaTimeZone(parsed.data.timeZone) : undefined;
  return { kind: 'userMailbox', ...(zone ? { timeZone: zone } : {}) };
}
