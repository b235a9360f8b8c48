// The Exchange Server notification endpoint over HTTP on the local host, as
// Exchange (or anyone else) reaches it: a verified notification queues the
// user's sync and stores its watermark; a status ping only says "alive"; an
// unknown, forged or malformed one queues nothing, writes nothing and is
// never answered with a 5xx.
import { randomBytes } from 'node:crypto';
import type { SubscriptionRecord } from '../../shared/storage/records';
import { settle, useTestHost } from '../support/localHostHarness';

const envelope = (subscriptionId: string, events: string, previous = 'd00=') =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ` +
  `xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">` +
  `<soap:Header><t:RequestServerVersion Version="Exchange2010_SP1"/></soap:Header><soap:Body><m:SendNotification><m:ResponseMessages>` +
  `<m:SendNotificationResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Notification>` +
  `<t:SubscriptionId>${subscriptionId}</t:SubscriptionId><t:PreviousWatermark>${previous}</t:PreviousWatermark>` +
  `<t:MoreEvents>false</t:MoreEvents>${events}</m:Notification></m:SendNotificationResponseMessage>` +
  `</m:ResponseMessages></m:SendNotification></soap:Body></soap:Envelope>`;
const created = (watermark: string) =>
  `<t:CreatedEvent><t:Watermark>${watermark}</t:Watermark><t:TimeStamp>2026-12-02T08:00:00Z</t:TimeStamp>` +
  `<t:ItemId Id="AAMk=" ChangeKey="CQ=="/><t:ParentFolderId Id="AQMk=" ChangeKey="AQ=="/></t:CreatedEvent>`;
const status = (watermark: string) =>
  `<t:StatusEvent><t:Watermark>${watermark}</t:Watermark></t:StatusEvent>`;

describe('exchange/notifications endpoint', () => {
  const host = useTestHost();
  let subscription: SubscriptionRecord;
  const secret = randomBytes(32).toString('base64url');

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
  const post = (body: string, urlSecret = secret) =>
    fetch(`${host.url}/api/exchange/notifications/${urlSecret}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body,
    });
  const stored = async () =>
    (await host.runtime.repos.subscriptions.listByIntegration('demo')).find(
      (s) => s.subscriptionId === subscription.subscriptionId,
    );

  beforeAll(async () => {
    await settle(host);
    const user = (await host.runtime.repos.users.listByIntegration('demo'))[0]!;
    subscription = {
      subscriptionId: randomBytes(36).toString('base64'),
      integrationId: 'demo',
      userId: user.id,
      clientState: secret,
      resource: `ews:${user.id}/calendar`,
      expiresAt: '2030-01-01T00:00:00.000Z',
      ews: { watermark: 'd00=', statusFrequencyMinutes: 10, lastHeardAt: '2026-01-01T00:00:00.000Z' },
    };
    await host.runtime.repos.subscriptions.upsert(subscription);
  });

  it('answers OK to a verified notification, queues the user’s sync once and stores the newest watermark', async () => {
    const before = syncsQueued();
    const response = await post(envelope(subscription.subscriptionId, created('d01=') + created('d02=')));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await response.text()).toContain('<SubscriptionStatus>OK</SubscriptionStatus>');
    // The leading message and the bucket's follow-up, as for Graph (shared/sync/syncRequest.ts).
    expect(syncsQueued() - before).toBe(2);
    const row = await stored();
    expect(row?.ews?.watermark).toBe('d02=');
    expect(Date.parse(row?.ews?.lastHeardAt ?? '')).toBeGreaterThan(Date.parse('2026-06-01T00:00:00Z'));
    // The secret is in the URL: it must not reach the logs.
    expect(host.logs.join('\n')).not.toContain(secret);
    await settle(host);
  });

  it('takes a status ping as "alive": lastHeardAt moves, nothing is queued', async () => {
    const heardBefore = (await stored())?.ews?.lastHeardAt ?? '';
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = syncsQueued();
    const response = await post(envelope(subscription.subscriptionId, status('d03='), 'd02='));
    expect(await response.text()).toContain('<SubscriptionStatus>OK</SubscriptionStatus>');
    expect(syncsQueued()).toBe(before);
    const row = await stored();
    expect(row?.ews?.watermark).toBe('d03=');
    expect(Date.parse(row?.ews?.lastHeardAt ?? '')).toBeGreaterThan(Date.parse(heardBefore));
  });

  it.each([
    [
      'an unknown subscription',
      () => envelope(randomBytes(36).toString('base64'), created('d09=')),
      () => secret,
    ],
    [
      'a known subscription with a forged secret',
      () => envelope(subscription.subscriptionId, created('d09=')),
      () => randomBytes(32).toString('base64url'),
    ],
  ])('answers Unsubscribe to %s, queuing and storing nothing', async (_what, body, urlSecret) => {
    const before = syncsQueued();
    const watermark = (await stored())?.ews?.watermark;
    const response = await post(body(), urlSecret());
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<SubscriptionStatus>Unsubscribe</SubscriptionStatus>');
    expect(syncsQueued()).toBe(before);
    expect((await stored())?.ews?.watermark).toBe(watermark);
  });

  it('answers Unsubscribe for a Graph subscription’s id, even with its own clientState', async () => {
    const graph = (await host.runtime.repos.subscriptions.listByIntegration('demo')).find((s) => !s.ews)!;
    const before = syncsQueued();
    const response = await post(envelope(graph.subscriptionId, created('d09=')), graph.clientState);
    expect(await response.text()).toContain('Unsubscribe');
    expect(syncsQueued()).toBe(before);
    expect(host.logs.join('\n')).toContain('"why":"notEws"');
  });

  it.each([
    ['an empty body', ''],
    ['JSON', '{"value":[{"subscriptionId":"x"}]}'],
    ['XML that is not SOAP', '<a><b/></a>'],
    [
      'a SOAP envelope of another operation',
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><FindItem/></soap:Body></soap:Envelope>',
    ],
    ['a notification without an event', () => envelope('c3Vi', '')],
    [
      'an entity bomb',
      '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbbbbbbbb"><!ENTITY c "&b;&b;&b;&b;&b;">]><a>&c;</a>',
    ],
    ['cut-off XML', () => envelope('c3Vi', created('d01=')).slice(0, 300)],
  ])('refuses %s with 400 and a reason, queuing nothing', async (_what, body) => {
    const before = syncsQueued();
    const response = await post(typeof body === 'function' ? body() : body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string };
    expect(answer.error.length).toBeGreaterThan(5);
    expect(syncsQueued()).toBe(before);
  });

  it('refuses an address that cannot be one of ours with 404, and a huge body with 413', async () => {
    expect((await post(envelope(subscription.subscriptionId, created('d01=')), 'short')).status).toBe(404);
    expect((await post(`<a>${'x'.repeat(600 * 1024)}</a>`)).status).toBe(413);
  });
});
