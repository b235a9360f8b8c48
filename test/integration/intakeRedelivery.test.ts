// When the intake asks Graph to deliver a POST again: only when Graph's own
// items could not all be verified, never for what a forger sends. Real tables
// (Azurite) and the in-process queue; reads are made slow by moving the
// lookups' clock on each one.

import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../dev/localHost/consoleLogger';
import { createInProcessQueue } from '../../dev/localHost/inProcessQueue';
import type { SubscriptionRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import {
  acceptChangeNotifications,
  type ChangeNotification,
  type IntakeDeps,
  needsRedelivery,
} from '../../shared/sync/notificationIntake';
import { subscriptionLookups } from '../../shared/sync/subscriptionLookups';
import { createTestRepositories } from '../support/tables';

describe('intake: when Graph is asked to deliver again', () => {
  let repos: Repositories;
  const real: SubscriptionRecord = {
    subscriptionId: randomUUID(),
    integrationId: 'demo',
    userId: '00000000-0000-4000-8000-000000000001',
    clientState: 'the-stored-secret',
    resource: 'users/00000000-0000-4000-8000-000000000001/events',
    expiresAt: '2030-01-01T00:00:00Z',
  };
  const queue = createInProcessQueue();

  beforeAll(async () => {
    repos = await createTestRepositories();
    await repos.subscriptions.upsert(real);
  });
  afterAll(() => queue.close());

  /** Lookups with one read slot whose every read takes 2 s of the lookups' clock, past the 1.5 s budget. */
  const slowReads = (): Pick<IntakeDeps, 'lookups' | 'subscriptions'> => {
    let clock = 0;
    return {
      lookups: subscriptionLookups({ concurrency: 1, now: () => clock }),
      subscriptions: {
        get: async (id) => {
          clock += 2_000;
          return repos.subscriptions.get(id);
        },
      },
    };
  };
  const intake = (
    reads: Pick<IntakeDeps, 'lookups' | 'subscriptions'>,
    notifications: ChangeNotification[],
  ) =>
    acceptChangeNotifications(notifications, {
      ...reads,
      queue,
      now: () => new Date(),
      coalesceSeconds: 0.2,
      log: silentLogger,
    });
  const genuine: ChangeNotification = { subscriptionId: real.subscriptionId, clientState: real.clientState };
  const forged = (): ChangeNotification => ({ subscriptionId: randomUUID(), clientState: randomUUID() });

  it("asks again when Graph's POST proved itself and ids were left unread, after queuing what it verified", async () => {
    const reads = slowReads();
    const result = await intake(reads, [genuine, forged(), forged()]);
    expect(result).toMatchObject({ accepted: 1, queued: 1, unchecked: 2 });
    expect(needsRedelivery(result)).toBe(true);
  });

  it('never asks again for a POST that proved nothing, however many ids were left unread', async () => {
    const reads = slowReads();
    const result = await intake(reads, [forged(), forged(), forged(), { ...genuine, clientState: 'guess' }]);
    expect(result.accepted).toBe(0);
    expect(result.unchecked).toBeGreaterThan(0);
    expect(needsRedelivery(result)).toBe(false);
  });
});
