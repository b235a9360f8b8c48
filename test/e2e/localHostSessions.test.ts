// The local host runs its queues with host.json's Service Bus settings (one
// source of truth), and a test can narrow them: here one session slot with a
// short idle timeout, so two users' real syncs go one after the other.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_INTEGRATION_ID, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { parseServiceBusHostSettings } from '../../dev/localHost/hostSettings';
import { syncMessageAt } from '../../shared/sync/syncRequest';
import { settle, useTestHost } from '../support/localHostHarness';

const IDLE_MS = 600;

describe('local host: Service Bus settings', () => {
  const host = useTestHost({ serviceBus: { maxConcurrentSessions: 1, sessionIdleTimeoutMs: IDLE_MS } });

  beforeAll(async () => {
    await settle(host);
  });

  it('takes host.json for every setting a test leaves alone', () => {
    const fromFile = parseServiceBusHostSettings(
      readFileSync(path.join(__dirname, '../../host.json'), 'utf8'),
    );
    expect(host.serviceBus).toEqual({
      ...fromFile,
      maxConcurrentSessions: 1,
      sessionIdleTimeoutMs: IDLE_MS,
    });
  });

  it("syncs a second user only after the one slot let the first user's session go", async () => {
    // Past the first user's idle window from the start-up syncs.
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS + 100));
    const now = host.runtime.now();
    let maxInFlight = 0;
    const sampler = setInterval(() => {
      maxInFlight = Math.max(maxInFlight, host.queue.stats('sync').inFlight);
    }, 2);
    const started = performance.now();
    try {
      await host.queue.send(
        'sync',
        DEMO_USERS.slice(0, 2).map((user) =>
          syncMessageAt({ integrationId: DEMO_INTEGRATION_ID, userId: user.id, cause: 'resync' }, now, now),
        ),
      );
      await host.settle();
    } finally {
      clearInterval(sampler);
    }
    expect(maxInFlight).toBe(1);
    // The slot held the first user's session for the idle timeout before it took the second.
    expect(performance.now() - started).toBeGreaterThanOrEqual(IDLE_MS);
    expect(host.queue.stats('sync')).toMatchObject({ ready: 0, inFlight: 0 });
  });
});
