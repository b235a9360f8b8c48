// The clock versions and snapshot floors are taken from stays above every
// version sent before for a user, whatever this instance's clock says.
import type { KnownAbsence } from '../../shared/domain/absenceDiff';
import type { UserRecord } from '../../shared/storage/records';
import { versionClock } from '../../shared/sync/versionClock';

const now = new Date('2026-12-01T08:00:00.000Z');
const user: UserRecord = {
  integrationId: 'i',
  id: 'u',
  email: 'u@contoso.example',
  timeZone: 'UTC',
  status: 'ok',
  createdAt: '2026-11-01T00:00:00.000Z',
};
const row = (version: number, deleted = false): KnownAbsence => ({
  id: `abs_${version}`,
  eventId: `event-${version}`,
  version,
  start: '2026-12-01T10:00:00.000Z',
  end: '2026-12-01T11:00:00.000Z',
  reason: { code: 'BUSY', name: 'Busy' },
  callHandling: 'information',
  deleted,
});

describe('the version clock (new versions, and the floor of an operator snapshot)', () => {
  it('is the wall clock for a user we hold nothing for', () => {
    expect(versionClock(now, user, [])).toBe(now.getTime());
  });

  it('outranks every stored version, tombstones included, and every snapshot sent before', () => {
    const ahead = now.getTime() + 10_000;
    expect(versionClock(now, user, [row(5), row(ahead, true)])).toBe(ahead + 1);
    expect(versionClock(now, { ...user, lastSyncAt: new Date(ahead).toISOString() }, [])).toBe(ahead + 1);
    expect(versionClock(now, { ...user, versionedTo: ahead }, [])).toBe(ahead + 1);
    // An operator's snapshot taken on an instance whose clock is ahead of this one.
    expect(versionClock(now, { ...user, snapshotVersion: ahead }, [])).toBe(ahead + 1);
  });
});
