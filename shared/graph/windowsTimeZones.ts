// Exchange mailboxes usually report Windows time zone ids ("W. Europe
// Standard Time"); the rules need IANA names. Every Windows id is mapped
// through windows-iana, which carries CLDR's windowsZones table (its first
// answer is the territory-independent "001" entry); an IANA name passes
// through; an id neither knows yields undefined, and the caller falls back to
// the deployment's DEFAULT_TIME_ZONE.

import { findIana } from 'windows-iana';
import { isTimeZone } from '../domain/timeZone';

/** An IANA name for a zone given either way, or undefined when neither Intl nor CLDR knows it. */
export function ianaTimeZone(zone: string): string | undefined {
  const trimmed = zone.trim();
  const candidate = findIana(trimmed).find(isTimeZone) ?? trimmed;
  return isTimeZone(candidate) ? candidate : undefined;
}
