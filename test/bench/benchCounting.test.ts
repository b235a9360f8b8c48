// The bench's own arithmetic: percentiles of latency samples and delta rounds
// told apart from their further pages. Its rows are only as true as these.

import { countDeltaRounds, deltaPageKind } from '../../dev/bench/deltaRounds';
import { percentile } from '../../dev/bench/percentiles';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);

  it('takes the sample at rank ⌈p·n⌉ of the sorted samples', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('rounds the rank up, never to the nearer sample below', () => {
    expect(percentile([10, 30, 20], 40)).toBe(20);
    expect(percentile([5, 1, 4, 2, 3, 7, 6], 50)).toBe(4);
  });

  it('is the slowest sample when there are fewer than 100 and p is 99', () => {
    expect(percentile([3, 1, 2], 99)).toBe(3);
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });

  it('is 0 without samples', () => {
    expect(percentile([], 95)).toBe(0);
  });
});

describe('delta rounds', () => {
  const base = 'http://127.0.0.1:1/v1.0/users/u1/calendarView/delta';

  it('counts a round per request without a skiptoken, and every page', () => {
    const counter = countDeltaRounds();
    counter.add(`${base}?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-01-15T00:00:00Z`);
    counter.add(`${base}?$skiptoken=abc`);
    counter.add(`${base}?%24skiptoken=def`);
    counter.add(`${base}?$deltatoken=ghi`);
    counter.add('http://127.0.0.1:1/v1.0/users/u1/mailboxSettings');
    expect({ pages: counter.pages, rounds: counter.rounds, total: counter.total }).toEqual({
      pages: 4,
      rounds: 2,
      total: 5,
    });
    counter.reset();
    expect(counter.pages + counter.rounds + counter.total).toBe(0);
  });

  it('tells other requests apart', () => {
    expect(deltaPageKind('http://x/v1.0/users/u1/events/e1')).toBe('none');
    expect(deltaPageKind(`${base}()?$deltatoken=1`)).toBe('start');
  });
});
