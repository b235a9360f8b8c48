// Delta rounds and pages from the URLs of the service's Graph requests. A
// round starts with a request without `$skiptoken` (a fresh one with its
// window, a resumed one with its `$deltatoken`) and goes on through the
// `@odata.nextLink`s, which carry `$skiptoken`, until the deltaLink
// (https://learn.microsoft.com/graph/delta-query-overview#use-delta-query-to-track-changes-in-a-resource-collection).
// So a round is one request the service chose to make, its further pages are
// what the calendar's size asks for, and both are counted.

export interface DeltaCounter {
  /** `calendarView/delta` requests, every page of every round. */
  pages: number;
  /** Rounds: the pages that started one. */
  rounds: number;
  /** Every Graph request seen. */
  total: number;
  add(url: string): void;
  reset(): void;
}

/** Whether a Graph request URL is a calendarView delta page, and whether it starts a round. */
export function deltaPageKind(url: string): 'none' | 'start' | 'next' {
  if (!/calendarView\/delta/i.test(url)) return 'none';
  return /[?&](?:\$|%24)?skiptoken=/i.test(url) ? 'next' : 'start';
}

export function countDeltaRounds(): DeltaCounter {
  const counter: DeltaCounter = {
    pages: 0,
    rounds: 0,
    total: 0,
    add(url) {
      counter.total++;
      const kind = deltaPageKind(url);
      if (kind === 'none') return;
      counter.pages++;
      if (kind === 'start') counter.rounds++;
    },
    reset() {
      counter.pages = 0;
      counter.rounds = 0;
      counter.total = 0;
    },
  };
  return counter;
}
