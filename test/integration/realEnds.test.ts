// A long absence keeps its real end at the PBX, even though the sync window
// (today plus `syncDaysForward`, to UTC midnight) ends before it: a diversion
// announces the real return time, and the daily move of the window does not
// turn the same entry into a change every day.

import { absenceIdFor } from '../../shared/domain/rules/evaluate';
import { ALICE, settle, useTestHost } from '../support/localHostHarness';

const DAY_MS = 24 * 60 * 60 * 1000;

const graphTime = (at: Date) => ({ dateTime: at.toISOString().replace('Z', ''), timeZone: 'UTC' });

describe('an absence longer than the sync window', () => {
  const host = useTestHost();
  beforeAll(() => settle(host));

  it('reaches the PBX with its real end, and the window moving a day on sends no change for it', async () => {
    const now = host.simulator.clock.now().getTime();
    const start = new Date(Math.ceil(now / DAY_MS) * DAY_MS + DAY_MS + 8 * 3_600_000);
    const end = new Date(start.getTime() + 21 * DAY_MS + 9 * 3_600_000);
    const windowEnd = Date.parse(
      (await host.runtime.repos.users.get('demo', ALICE.id))?.value.window?.end ?? '',
    );
    expect(end.getTime()).toBeGreaterThan(windowEnd);

    const eventId = host.simulator.createEvent(ALICE.id, {
      subject: 'Vacation',
      showAs: 'oof',
      start: graphTime(start),
      end: graphTime(end),
    }).id;
    await settle(host);
    const id = absenceIdFor(eventId);
    const shown = host.sink!.state().get(id);
    expect(shown).toMatchObject({ start: start.toISOString(), end: end.toISOString() });
    const version = shown?.version;

    // Tomorrow the window no longer covers today plus the days forward: the maintenance run has the
    // user read afresh, which ends in a snapshot.
    const received = host.sink!.received.length;
    const snapshots = host.sink!.snapshots.length;
    host.simulator.clock.advance(DAY_MS);
    await host.runTimer('maintenance');
    await settle(host);
    const stored = await host.runtime.repos.users.get('demo', ALICE.id);
    expect(Date.parse(stored?.value.window?.end ?? '')).toBe(windowEnd + DAY_MS);

    const later = host.sink!.snapshots.slice(snapshots).filter((w) => w.event.data.user.id === ALICE.id);
    expect(later.length).toBeGreaterThan(0);
    for (const snapshot of later) {
      expect(snapshot.event.data.absences.find((a) => a.id === id)).toMatchObject({
        version,
        end: end.toISOString(),
      });
    }
    expect(host.sink!.received.slice(received).filter((w) => w.event.data.absence.id === id)).toEqual([]);
    expect(host.sink!.state().get(id)).toMatchObject({ version, end: end.toISOString() });
  });
});
