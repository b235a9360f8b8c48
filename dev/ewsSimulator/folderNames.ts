// The Calendar folder's display name by mailbox language, as Exchange names
// a mailbox's default folders when the mailbox is first opened in that
// language (Set-MailboxRegionalConfiguration -Language … -LocalizeDefaultFolderName,
// learn.microsoft.com/powershell/module/exchange/set-mailboxregionalconfiguration).
// Keyed by the language part of the culture name; a language missing here
// is a mistake in a test, not something to guess.
const CALENDAR_BY_LANGUAGE: Record<string, string> = {
  en: 'Calendar',
  sv: 'Kalender',
  da: 'Kalender',
  nb: 'Kalender',
  de: 'Kalender',
  nl: 'Agenda',
  fr: 'Calendrier',
  es: 'Calendario',
  it: 'Calendario',
  fi: 'Kalenteri',
  pl: 'Kalendarz',
};

export function calendarFolderName(culture: string): string {
  const name = CALENDAR_BY_LANGUAGE[culture.split('-')[0]?.toLowerCase() ?? ''];
  if (name === undefined) throw new Error(`the simulator has no folder names for ${culture}`);
  return name;
}
