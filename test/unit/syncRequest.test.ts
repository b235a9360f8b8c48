import {
  coalescedSyncMessage,
  notificationSyncMessages,
  syncRetryCovers,
} from '../../shared/sync/syncRequest';

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

describe('sync messages of a change notification', () => {
  const user = { integrationId: 'demo', userId: 'u1', cause: 'notification' as const };
  const at = (iso: string) => new Date(`2026-11-25T10:00:${iso}Z`);

  it('leads with a message due now and follows up at the end of the bucket', () => {
    const [leading, followUp, ...more] = notificationSyncMessages(user, at('00.100'), 2);
    expect(more).toEqual([]);
    expect(leading?.scheduledEnqueueTime).toBeUndefined();
    expect(followUp?.scheduledEnqueueTime?.toISOString()).toBe('2026-11-25T10:00:02.000Z');
    expect(leading?.messageId).not.toBe(followUp?.messageId);
    expect(leading?.sessionId).toBe(followUp?.sessionId);
    // The follow-up is the bucket's one trailing message, the same a catch-up in this bucket would queue.
    expect(followUp?.messageId).toBe(coalescedSyncMessage(user, at('00.100'), 2).messageId);
  });

  it('builds the same two ids for every notification of a bucket, so repeats and redeliveries fold into them', () => {
    const ids = (iso: string) => notificationSyncMessages(user, at(iso), 2).map((m) => m.messageId);
    expect(ids('01.999')).toEqual(ids('00.000'));
    expect(ids('00.500')).toEqual(ids('00.000'));
  });

  it("leads with the previous bucket's follow-up id, which is already due when that bucket had changes", () => {
    const earlier = notificationSyncMessages(user, at('01.500'), 2);
    const [leading] = notificationSyncMessages(user, at('02.300'), 2);
    expect(leading?.messageId).toBe(earlier[1]?.messageId);
    expect(earlier[1]?.scheduledEnqueueTime?.getTime()).toBeLessThanOrEqual(at('02.300').getTime());
  });

  it('sends one message due now when there is no window', () => {
    const messages = notificationSyncMessages(user, at('00.100'), 0);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.scheduledEnqueueTime).toBeUndefined();
  });
});

describe('which scheduled sync retry stands for a failed sync', () => {
  const plain = { integrationId: 'demo', userId: 'u1', cause: 'notification', requestedAt: 'x' };
  it('folds a plain sync of the same user into any retry of it, and nothing else', () => {
    expect(syncRetryCovers(plain, { ...plain, cause: 'catchUp' })).toBe(true);
    expect(syncRetryCovers(plain, { ...plain, userId: 'u2' })).toBe(false);
    expect(syncRetryCovers(plain, { unreadable: true })).toBe(false);
  });
  it('keeps a lifecycle event and an operator’s resync their own', () => {
    const lifecycle = { ...plain, cause: 'lifecycle', lifecycleEvent: 'subscriptionRemoved' };
    expect(syncRetryCovers(plain, lifecycle)).toBe(false);
    expect(syncRetryCovers(lifecycle, lifecycle)).toBe(true);
    expect(syncRetryCovers(plain, { ...plain, cause: 'resync' })).toBe(false);
    expect(syncRetryCovers({ ...plain, cause: 'rulesChanged' }, { ...plain, cause: 'resync' })).toBe(true);
  });
});
