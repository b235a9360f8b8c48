import { coalescedSyncMessage } from '../../shared/sync/syncRequest';

describe('coalesced sync messages', () => {
  const user = { integrationId: 'demo', userId: 'u1', cause: 'notification' as const };

  it('gives every notification of one bucket the same message id, scheduled at the bucket end', () => {
    const first = coalescedSyncMessage(user, new Date('2026-11-25T10:00:00.100Z'), 2);
    const second = coalescedSyncMessage(user, new Date('2026-11-25T10:00:01.900Z'), 2);
    expect(second.messageId).toBe(first.messageId);
    expect(first.scheduledEnqueueTime?.toISOString()).toBe('2026-11-25T10:00:02.000Z');
    expect(first.sessionId).toBe('demo:u1');
  });

  it('starts a new message after the bucket, so later changes are never swallowed', () => {
    const first = coalescedSyncMessage(user, new Date('2026-11-25T10:00:01.999Z'), 2);
    const later = coalescedSyncMessage(user, new Date('2026-11-25T10:00:02.000Z'), 2);
    expect(later.messageId).not.toBe(first.messageId);
    expect(later.scheduledEnqueueTime!.getTime()).toBeGreaterThan(
      new Date('2026-11-25T10:00:02.000Z').getTime(),
    );
  });

  it('keeps users apart', () => {
    const now = new Date('2026-11-25T10:00:00Z');
    expect(coalescedSyncMessage(user, now, 2).messageId).not.toBe(
      coalescedSyncMessage({ ...user, userId: 'u2' }, now, 2).messageId,
    );
  });
});
