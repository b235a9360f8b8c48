import type { SubscriptionRecord } from '../../shared/storage/records';
import { settle, useTestHost } from '../support/localHostHarness';

/** The notification endpoint over HTTP, as Graph (or an attacker) reaches it. */
describe('graph/notifications endpoint', () => {
  const host = useTestHost();
  let subscription: SubscriptionRecord;
  const endpoint = () => `${host.url}/api/graph/notifications`;
  /** Sync messages sent, those duplicate detection dropped included. */
  const syncsQueued = () => {
    const stats = host.queue.stats('sync');
    return (
      stats.completed +
      stats.ready +
      stats.scheduled +
      stats.inFlight +
      stats.retrying +
      stats.deadLettered +
      stats.duplicatesDropped
    );
  };
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const notification = (overrides: Record<string, unknown> = {}) => ({
    subscriptionId: subscription.subscriptionId,
    clientState: subscription.clientState,
    changeType: 'updated',
    resource: `Users/${subscription.userId}/Events/AAMk1`,
    tenantId: 'tenant',
    resourceData: { '@odata.type': '#Microsoft.Graph.Event', id: 'AAMk1' },
    ...overrides,
  });

  beforeAll(async () => {
    await settle(host);
    const all = await host.runtime.repos.subscriptions.list();
    subscription = all[0]!;
  });

  it('answers the validation handshake with the token as plain text', async () => {
    const token = 'Validation: <b>Testing</b> client application & more';
    const response = await fetch(`${endpoint()}?validationToken=${encodeURIComponent(token)}`, {
      method: 'POST',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(token);
  });

  it('queues one sync for a verified notification and answers 202', async () => {
    const before = syncsQueued();
    const response = await post(
      JSON.stringify({ value: [notification(), notification({ changeType: 'created' })] }),
    );
    expect(response.status).toBe(202);
    // One user's sync: the leading message and the bucket's follow-up (shared/sync/syncRequest.ts).
    expect(syncsQueued() - before).toBe(2);
  });

  it('drops a forged clientState without queuing anything, still answering 202', async () => {
    await settle(host);
    const before = syncsQueued();
    const response = await post(JSON.stringify({ value: [notification({ clientState: 'guessed' })] }));
    expect(response.status).toBe(202);
    expect(syncsQueued()).toBe(before);
    expect(host.logs.join('\n')).toContain('badClientState');
    expect(host.logs.join('\n')).not.toContain(subscription.clientState);
  });

  it.each([
    ["an id of Graph's shape", '7f105c7d-2dc5-4530-97cd-4e7ae6534c07'],
    ['an id of no Graph shape', 'no-such-subscription'],
  ])('drops notifications for unknown subscriptions (%s)', async (_name, subscriptionId) => {
    const before = syncsQueued();
    const response = await post(JSON.stringify({ value: [notification({ subscriptionId })] }));
    expect(response.status).toBe(202);
    expect(syncsQueued()).toBe(before);
  });

  it.each([
    ['malformed JSON', () => '{"value": [', /not valid JSON/],
    ['a body of the wrong shape', () => JSON.stringify({ value: 'nope' }), /schema at value/],
    ['an empty collection', () => JSON.stringify({ value: [] }), /schema/],
    [
      'a clientState over 128 characters',
      () => JSON.stringify({ value: [notification({ clientState: 'x'.repeat(129) })] }),
      /clientState/,
    ],
  ])('answers 400 with a reason for %s', async (_name, body, reason) => {
    const before = syncsQueued();
    const response = await post(body());
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: string };
    expect(json.error).toMatch(reason);
    expect(syncsQueued()).toBe(before);
  });

  it('answers 413 for an oversize body', async () => {
    const huge = JSON.stringify({ value: [notification({ resource: 'x'.repeat(1_100_000) })] });
    const response = await post(huge);
    expect(response.status).toBe(413);
  });

  it('refuses methods other than POST', async () => {
    const response = await fetch(endpoint(), { method: 'GET' });
    expect(response.status).toBe(405);
  });
});
