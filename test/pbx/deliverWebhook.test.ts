import { generateSigningSecret } from '../../shared/pbx/signing';
import { type DeliveryOptions, deliverWebhook } from '../../shared/pbx/webhookPost';
import { urlNobodyListensOn, useTestPbx } from '../support/testPbx';
import { deliveryOf, upserted } from './sampleEvents';

const secret = generateSigningSecret();
const request = deliveryOf(upserted('absence-1', 2));
const options: DeliveryOptions = { timeoutMs: 2000, allowInsecureLoopback: true };

describe('deliverWebhook', () => {
  const pbx = useTestPbx();
  /** A second PBX, where a redirect would lead. */
  const elsewhere = useTestPbx();
  const to = (url: string) => ({ url, secrets: [secret] });

  it('posts the signed event and reports delivered on 2xx', async () => {
    pbx.answer(204);
    const outcome = await deliverWebhook(request, to(pbx.url), options);

    expect(outcome).toEqual({ kind: 'delivered', status: 204 });
    expect(pbx.requests).toHaveLength(1);
    const [seen] = pbx.requests;
    expect(seen?.method).toBe('POST');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers['user-agent']).toBe('pbx-calendar-sync');
    expect(seen?.headers['webhook-id']).toBe(request.webhookId);
    expect(seen?.body).toBe(JSON.stringify(request.event));
    expect(seen?.verify(secret)).toEqual(request.event);
  });

  it('keeps the webhook id across attempts but signs each attempt afresh', async () => {
    pbx.answer(200);
    const first = new Date(Date.now() - 60_000);
    const second = new Date();
    await deliverWebhook(request, to(pbx.url), { ...options, now: () => first });
    await deliverWebhook(request, to(pbx.url), { ...options, now: () => second });

    const [a, b] = pbx.requests;
    expect(a?.headers['webhook-id']).toBe(b?.headers['webhook-id']);
    expect(a?.headers['webhook-timestamp']).toBe(String(Math.floor(first.getTime() / 1000)));
    expect(b?.headers['webhook-timestamp']).toBe(String(Math.floor(second.getTime() / 1000)));
    expect(a?.headers['webhook-signature']).not.toBe(b?.headers['webhook-signature']);
  });

  it('does not follow a redirect and counts it as a failure', async () => {
    elsewhere.answer(204);
    pbx.answer(301, { headers: { location: elsewhere.url } });
    const outcome = await deliverWebhook(request, to(pbx.url), options);

    expect(outcome).toMatchObject({ kind: 'rejected', status: 301 });
    expect(outcome.kind === 'rejected' && outcome.reason).toMatch(/redirect not followed/);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it.each([
    [408, {}, undefined],
    [429, { 'retry-after': '120' }, 120],
    [500, {}, undefined],
    [503, { 'retry-after': 'soon' }, undefined],
  ])('asks for a retry on %i (headers %j)', async (status, headers, retryAfterSeconds) => {
    pbx.answer(status, { headers, body: 'try later' });
    const outcome = await deliverWebhook(request, to(pbx.url), options);
    expect(outcome).toEqual({
      kind: 'retry',
      errorClass: 'http',
      status,
      reason: `HTTP ${status}: try later`,
      reply: { length: 9, summary: 'try later' },
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const now = new Date('2026-11-25T08:00:00Z');
    pbx.answer(429, { headers: { 'retry-after': 'Wed, 25 Nov 2026 08:01:30 GMT' } });
    const outcome = await deliverWebhook(
      request,
      to(pbx.url),
      // The PBX does not verify, so a fixed clock is fine here.
      { ...options, now: () => now },
    );
    expect(outcome).toMatchObject({ kind: 'retry', status: 429, retryAfterSeconds: 90 });
  });

  it('reports gone on 410 and rejected on other 4xx with the PBX explanation', async () => {
    pbx.answer(410);
    expect(await deliverWebhook(request, to(pbx.url), options)).toEqual({
      kind: 'gone',
      status: 410,
    });
    const body = 'unknown\n  absence   reason';
    pbx.answer(400, { headers: { 'content-type': 'text/plain' }, body });
    expect(await deliverWebhook(request, to(pbx.url), options)).toEqual({
      kind: 'rejected',
      errorClass: 'http',
      status: 400,
      reason: 'HTTP 400: unknown absence reason',
      reply: {
        length: Buffer.byteLength(body),
        contentType: 'text/plain',
        summary: 'unknown absence reason',
      },
    });
  });

  it('gives up waiting after the timeout and asks for a retry', async () => {
    pbx.neverAnswer();
    const outcome = await deliverWebhook(request, to(pbx.url), { ...options, timeoutMs: 200 });
    expect(outcome).toEqual({ kind: 'retry', errorClass: 'timeout', reason: 'no answer within 200 ms' });
    expect(pbx.requests).toHaveLength(1);
  });

  it('asks for a retry when the connection is refused', async () => {
    const outcome = await deliverWebhook(request, to(await urlNobodyListensOn()), options);
    expect(outcome).toEqual({
      kind: 'retry',
      errorClass: 'refused',
      reason: 'connection refused (ECONNREFUSED)',
    });
  });

  it('refuses plain http to other hosts, and to loopback unless allowed, without any request', async () => {
    const refused = async (url: string, extra: Partial<DeliveryOptions> = {}) =>
      deliverWebhook(request, to(url), { ...options, ...extra });
    const port = new URL(pbx.url).port;
    expect(await refused(`http://pbx.example.com:${port}/hooks`)).toEqual({
      kind: 'rejected',
      errorClass: 'invalidUrl',
      reason: 'plain http is allowed only to loopback addresses',
    });
    expect(await refused(pbx.url, { allowInsecureLoopback: false })).toEqual({
      kind: 'rejected',
      errorClass: 'invalidUrl',
      reason: 'the PBX URL must use https',
    });
    expect(await refused(`https://user:pw@127.0.0.1:${port}/`)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/credentials/),
    });
    expect(await refused(`ftp://127.0.0.1:${port}/`)).toMatchObject({ kind: 'rejected' });
    expect(pbx.requests).toEqual([]);
  });

  it('connects to the address it checked, sending the configured name as Host', async () => {
    const port = new URL(pbx.url).port;
    const outcome = await deliverWebhook(request, to(`http://pbx.localhost:${port}/webhooks`), {
      ...options,
      resolveHost: async () => ['127.0.0.1'],
    });
    expect(outcome).toEqual({ kind: 'delivered', status: 204 });
    expect(pbx.requests[0]?.headers.host).toBe(`pbx.localhost:${port}`);
  });

  it('decides on the status when the body never ends: delivered on 2xx, the status on an error', async () => {
    pbx.answer(200, { body: 'ok so far', unfinished: true });
    expect(await deliverWebhook(request, to(pbx.url), { ...options, timeoutMs: 300 })).toEqual({
      kind: 'delivered',
      status: 200,
    });
    pbx.answer(503, { headers: { 'content-type': 'text/plain' }, body: 'overloaded', unfinished: true });
    expect(await deliverWebhook(request, to(pbx.url), { ...options, timeoutMs: 300 })).toMatchObject({
      kind: 'retry',
      errorClass: 'http',
      status: 503,
      reason: 'HTTP 503: overloaded',
    });
  });

  it('reads only the first bytes of an error body and does not wait for the rest', async () => {
    // Far more than the cap, and the response never ends: reading it all would run into the timeout.
    pbx.answer(400, {
      headers: { 'content-type': 'text/plain' },
      body: `0123456789${'x'.repeat(256 * 1024)}`,
      unfinished: true,
    });
    const outcome = await deliverWebhook(request, to(pbx.url), {
      ...options,
      timeoutMs: 5000,
      maxResponseBytes: 10,
    });
    expect(outcome).toEqual({
      kind: 'rejected',
      errorClass: 'http',
      status: 400,
      reason: 'HTTP 400: 0123456789',
      reply: { contentType: 'text/plain', summary: '0123456789' },
    });
  });
});
