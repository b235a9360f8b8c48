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

  /**
   * A real subscription's clientState, bent: one character changed, cut,
   * lengthened, case-flipped, padded, empty, missing or a guess. Never the
   * real one, so every such item must be refused at the comparison.
   */
  const wrongClientState = (real: string) =>
    fc
      .oneof(
        fc
          .tuple(fc.nat({ max: real.length - 1 }), fc.integer({ min: 0x21, max: 0x7e }))
          .map(([at, code]) => `${real.slice(0, at)}${String.fromCharCode(code)}${real.slice(at + 1)}`),
        fc.nat({ max: real.length - 1 }).map((length) => real.slice(0, length)),
        fc.constantFrom(
          `${real}x`,
          real.toUpperCase(),
          real.toLowerCase(),
          ` ${real}`,
          `${real}\u0000`,
          '',
          null,
          undefined,
        ),
        fc.string({ maxLength: 128 }),
      )
      .filter((guess) => guess !== real);

  /** A notification for a subscription that exists, with a wrong clientState: it must reach the comparison. */
  const forgedForKnownSubscription = () =>
    fc.constantFrom(...fuzz.subscriptions).chain((s) =>
      fc.record({
        subscriptionId: fc.constant(s.subscriptionId),
        clientState: wrongClientState(s.clientState),
        changeType: fc.constantFrom('created', 'updated', 'deleted'),
        resource: fc.constant(`Users/${s.userId}/Events/x`),
        lifecycleEvent: fc.constantFrom('reauthorizationRequired', 'subscriptionRemoved', 'missed'),
      }),
    );

  it.each(['graph/notifications', 'graph/lifecycle'])(
    '/api/%s: never 5xx, never a sync from an unverified notification, nothing leaked',
    async (route) => {
      const random = fc.record({
        method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
        path: queryString.map((query) => `/api/${route}${query}`),
        headers,
        body: bodies(almostNotifications()),
      });
      // Each run also sends well-formed notifications for known subscriptions, so the
      // clientState comparison is exercised every run, not only when chance builds one.
      const forged = fc.array(forgedForKnownSubscription(), { minLength: 1, maxLength: 5 });
      const before = fuzz.syncsQueued();
      const rejectedBefore = fuzz.rejectedForClientState();
      let tried = 0;
      let forgedItems = 0;
      await fc.assert(
        fc.asyncProperty(random, forged, async (r: FuzzRequest, items) => {
          tried++;
          const status = await send(fuzz.host.url, r);
          if (status >= 500) throw new Error(`${status} for ${describeRequest(r)}`);
          const forgery: FuzzRequest = {
            method: 'POST',
            path: `/api/${route}`,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ value: items }),
          };
          const forgedStatus = await send(fuzz.host.url, forgery);
          // Graph is answered 202 either way; a refusal would only tell a forger something.
          if (forgedStatus !== 202) throw new Error(`${forgedStatus} for ${describeRequest(forgery)}`);
          forgedItems += items.length;
          // Syncs are queued before the answer, so one from either request shows up now.
          if (fuzz.syncsQueued() !== before)
            throw new Error(`a sync was queued after ${describeRequest(r)} / ${describeRequest(forgery)}`);
        }),
        { numRuns: FUZZ_RUNS },
      );
      await fuzz.host.settle();
      expect(tried).toBeGreaterThanOrEqual(FUZZ_RUNS);
      expect(forgedItems).toBeGreaterThanOrEqual(FUZZ_RUNS);
      // Every forged item was refused for its clientState, as the intake reports it (random
      // requests that happened to carry a known id add to the count).
      expect(fuzz.rejectedForClientState() - rejectedBefore).toBeGreaterThanOrEqual(forgedItems);
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
    // A leading sync and the bucket's follow-up (shared/sync/syncRequest.ts).
    expect(fuzz.syncsQueued()).toBe(before + 2);
    await fuzz.host.settle();
    expect(fuzz.leaks()).toEqual([]);
  });
});
