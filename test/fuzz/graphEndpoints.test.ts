// Anyone on the internet can POST to the Graph webhooks. Whatever arrives:
// no 5xx, no sync queued unless the notification carries a real
// subscription's clientState, nothing secret or private printed.

import fc from 'fast-check';
import {
  bodies,
  describeRequest,
  FUZZ_RUNS,
  type FuzzRequest,
  headers,
  queryString,
  send,
  useFuzzHost,
} from './fuzzHost';

describe('fuzzed Graph webhook endpoints', () => {
  const fuzz = useFuzzHost();

  /** Notification-shaped bodies: real subscription ids with guessed clientStates, and every field bent. */
  const almostNotifications = () => {
    const subscriptionIds = fuzz.subscriptions.map((s) => s.subscriptionId);
    const notification = fc.record(
      {
        subscriptionId: fc.oneof(
          fc.constantFrom(...subscriptionIds),
          fc.string(),
          fc.integer(),
          fc.constant(null),
        ),
        clientState: fc.oneof(fc.string({ maxLength: 140 }), fc.constant(null), fc.integer()),
        changeType: fc.constantFrom('created', 'updated', 'deleted', 'x'),
        resource: fc.string({ maxLength: 60 }),
        tenantId: fc.string({ maxLength: 40 }),
        lifecycleEvent: fc.constantFrom('reauthorizationRequired', 'subscriptionRemoved', 'missed', ''),
        resourceData: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );
    return fc.oneof(
      fc.record({ value: fc.array(notification, { maxLength: 5 }) }),
      fc.record({ value: notification }),
      fc.array(notification, { maxLength: 3 }),
    );
  };

  it.each(['graph/notifications', 'graph/lifecycle'])(
    '/api/%s: never 5xx, never a sync from an unverified notification, nothing leaked',
    async (route) => {
      const request = fc.record({
        method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
        path: queryString.map((query) => `/api/${route}${query}`),
        headers,
        body: bodies(almostNotifications()),
      });
      const before = fuzz.syncsQueued();
      let tried = 0;
      await fc.assert(
        fc.asyncProperty(request, async (r: FuzzRequest) => {
          tried++;
          const status = await send(fuzz.host.url, r);
          if (status >= 500) throw new Error(`${status} for ${describeRequest(r)}`);
        }),
        { numRuns: FUZZ_RUNS },
      );
      await fuzz.host.settle();
      expect(tried).toBeGreaterThanOrEqual(FUZZ_RUNS);
      expect(fuzz.syncsQueued()).toBe(before);
      expect(fuzz.leaks()).toEqual([]);
    },
  );

  it('still queues a sync for a verified notification after all that (the check is not just "never queue")', async () => {
    const real = fuzz.subscriptions[0]!;
    const before = fuzz.syncsQueued();
    const status = await send(fuzz.host.url, {
      method: 'POST',
      path: '/api/graph/notifications',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          { subscriptionId: real.subscriptionId, clientState: real.clientState, changeType: 'updated' },
        ],
      }),
    });
    expect(status).toBe(202);
    expect(fuzz.syncsQueued()).toBe(before + 1);
    await fuzz.host.settle();
    expect(fuzz.leaks()).toEqual([]);
  });
});
