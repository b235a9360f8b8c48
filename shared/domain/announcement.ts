// The short sentence a PBX can speak or show with a user's status: the
// reason and when the user is back, in the user's time zone, e.g. "Semester,
// tillbaka måndag 7 december kl. 08.00" or "Vacation, back Monday 7 December
// at 08:00". The reason is the name the rules give it (the operator's words);
// nothing else of an absence goes in, so neither a subject nor anything of a
// private entry can. Swedish writes times with a full stop (08.00), English
// with a colon.

import { wallClockAt } from './rules/zonedTime';
import type { StatusSegment } from './statusTimeline';

export const ANNOUNCEMENT_LANGUAGES = ['sv', 'en'] as const;
export type AnnouncementLanguage = (typeof ANNOUNCEMENT_LANGUAGES)[number];

interface Words {
  locale: string;
  available: string;
  back: string;
  today: (time: string) => string;
  tomorrow: (time: string) => string;
  on: (date: string, time: string) => string;
  timeSeparator: string;
}

const WORDS: Record<AnnouncementLanguage, Words> = {
  sv: {
    locale: 'sv-SE',
    available: 'Tillgänglig',
    back: 'tillbaka',
    today: (time) => `kl. ${time}`,
    tomorrow: (time) => `i morgon kl. ${time}`,
    on: (date, time) => `${date} kl. ${time}`,
    timeSeparator: '.',
  },
  en: {
    locale: 'en-GB',
    available: 'Available',
    back: 'back',
    today: (time) => `at ${time}`,
    tomorrow: (time) => `tomorrow at ${time}`,
    on: (date, time) => `${date} at ${time}`,
    timeSeparator: ':',
  },
};

export interface AnnouncementOptions {
  language: AnnouncementLanguage;
  /** The user's IANA zone: the return time is said as their clock shows it. */
  timeZone: string;
  /** Now, in epoch ms: "today" and "tomorrow" are the user's today and tomorrow. */
  nowMs: number;
  /**
   * False: always the weekday and date, never "today" or "tomorrow". For a
   * sentence that is sent once and kept, such as the one in a webhook, which
   * would be wrong the day after it was written. Default true.
   */
  relative?: boolean;
  /**
   * The return time is not known (an automatic reply turned on with no end):
   * only the reason is said, never a return that is only where we stop looking.
   */
  returnUnknown?: boolean;
}

export function announcement(segment: StatusSegment, options: AnnouncementOptions): string {
  const words = WORDS[options.language];
  if (segment.status === 'available') return words.available;
  if (options.returnUnknown) return segment.reason.name;
  return `${segment.reason.name}, ${words.back} ${when(Date.parse(segment.returnAt), options, words)}`;
}

function when(returnMs: number, options: AnnouncementOptions, words: Words): string {
  const time = clockTime(returnMs, options.timeZone, words.timeSeparator);
  const days = dayNumber(returnMs, options.timeZone) - dayNumber(options.nowMs, options.timeZone);
  if (options.relative !== false) {
    if (days <= 0) return words.today(time);
    if (days === 1) return words.tomorrow(time);
  }
  const sameYear =
    wallClockAt(returnMs, options.timeZone).year === wallClockAt(options.nowMs, options.timeZone).year;
  const date = new Intl.DateTimeFormat(words.locale, {
    timeZone: options.timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(new Date(returnMs));
  return words.on(date, time);
}

/** Days since the epoch of the zone's calendar date at `ms`: differences count calendar days. */
function dayNumber(ms: number, timeZone: string): number {
  const { year, month, day } = wallClockAt(ms, timeZone);
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

function clockTime(ms: number, timeZone: string, separator: string): string {
  const { hour, minute } = wallClockAt(ms, timeZone);
  return `${String(hour).padStart(2, '0')}${separator}${String(minute).padStart(2, '0')}`;
}
