import { syncWindowFor, windowCovers } from '../../shared/domain/syncWindow';

describe('sync window', () => {
  it('starts at the beginning of the UTC day and spans the days forward plus today', () => {
    const window = syncWindowFor(new Date('2026-11-25T15:30:00Z'), 14);
    expect(window).toEqual({ start: '2026-11-25T00:00:00.000Z', end: '2026-12-10T00:00:00.000Z' });
  });

  it('is covered by itself the same day and not the next day', () => {
    const window = syncWindowFor(new Date('2026-11-25T08:00:00Z'), 14);
    expect(windowCovers(window, new Date('2026-11-25T23:59:00Z'), 14)).toBe(true);
    expect(windowCovers(window, new Date('2026-11-26T00:01:00Z'), 14)).toBe(false);
  });
});
