/** The stretch of time a user's calendar is mirrored for: from the start of today (UTC) to `daysForward` days ahead. */
export interface SyncWindow {
  start: string;
  end: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function syncWindowFor(now: Date, daysForward: number): SyncWindow {
  const startOfDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return {
    start: new Date(startOfDay).toISOString(),
    end: new Date(startOfDay + (daysForward + 1) * DAY_MS).toISOString(),
  };
}

/** True when the stored window still covers today and the days the rules ask for. */
export function windowCovers(window: SyncWindow, now: Date, daysForward: number): boolean {
  const wanted = syncWindowFor(now, daysForward);
  return window.start <= wanted.start && window.end >= wanted.end;
}
