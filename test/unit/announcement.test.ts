import { announcement } from '../../shared/domain/announcement';
import { statusTimeline } from '../../shared/domain/statusTimeline';

const STOCKHOLM = 'Europe/Stockholm';
// Wednesday 2 December 2026, 10:00 in Stockholm.
const NOW = Date.parse('2026-12-02T09:00:00Z');

function awayUntil(returnAt: string) {
  const [segment] = statusTimeline(
    [
      {
        id: 'abs_1',
        eventId: 'event-1',
        start: '2026-12-02T08:00:00.000Z',
        end: returnAt,
        reason: { code: 'vacation', name: 'Semester' },
        callHandling: 'diversion',
        subject: 'Private: doctor',
      },
    ],
    { fromMs: NOW, horizonMs: NOW + 40 * 86_400_000 },
  );
  return segment;
}

describe('the announcement with a status', () => {
  it('says the reason and the return time in Swedish, as the issue’s example does', () => {
    // Monday 7 December 2026, 08:00 in Stockholm.
    const sentence = announcement(awayUntil('2026-12-07T07:00:00.000Z'), {
      language: 'sv',
      timeZone: STOCKHOLM,
      nowMs: NOW,
    });
    expect(sentence).toBe('Semester, tillbaka måndag 7 december kl. 08.00');
  });

  it('says the same in English', () => {
    const sentence = announcement(awayUntil('2026-12-07T07:00:00.000Z'), {
      language: 'en',
      timeZone: STOCKHOLM,
      nowMs: NOW,
    });
    expect(sentence).toBe('Semester, back Monday 7 December at 08:00');
  });

  it('says "today" and "tomorrow" by the user’s calendar, not UTC’s', () => {
    const options = { timeZone: STOCKHOLM, nowMs: NOW };
    expect(announcement(awayUntil('2026-12-02T13:00:00.000Z'), { ...options, language: 'sv' })).toBe(
      'Semester, tillbaka kl. 14.00',
    );
    // 23:30 UTC on 2 December is already 3 December in Stockholm.
    expect(announcement(awayUntil('2026-12-02T23:30:00.000Z'), { ...options, language: 'en' })).toBe(
      'Semester, back tomorrow at 00:30',
    );
  });

  it('names the day, never "today" or "tomorrow", in a sentence sent to be kept', () => {
    const options = { timeZone: STOCKHOLM, nowMs: NOW, relative: false };
    expect(announcement(awayUntil('2026-12-02T13:00:00.000Z'), { ...options, language: 'sv' })).toBe(
      'Semester, tillbaka onsdag 2 december kl. 14.00',
    );
    expect(announcement(awayUntil('2026-12-02T23:30:00.000Z'), { ...options, language: 'en' })).toBe(
      'Semester, back Thursday 3 December at 00:30',
    );
  });

  it('names the year of a return in another year, and the zone’s summer time', () => {
    const sentence = announcement(awayUntil('2027-06-01T06:00:00.000Z'), {
      language: 'en',
      timeZone: STOCKHOLM,
      nowMs: NOW,
    });
    expect(sentence).toBe('Semester, back Tuesday, 1 June 2027 at 08:00');
  });

  it('never says the subject, and says so much when the user is available', () => {
    const segment = awayUntil('2026-12-07T07:00:00.000Z');
    for (const language of ['sv', 'en'] as const) {
      expect(announcement(segment, { language, timeZone: STOCKHOLM, nowMs: NOW })).not.toMatch(
        /doctor|Private/,
      );
    }
    const [free] = statusTimeline([], { fromMs: NOW, horizonMs: NOW + 86_400_000 });
    expect(announcement(free, { language: 'sv', timeZone: STOCKHOLM, nowMs: NOW })).toBe('Tillgänglig');
    expect(announcement(free, { language: 'en', timeZone: STOCKHOLM, nowMs: NOW })).toBe('Available');
  });
});
