import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { generateSigningSecret } from '../../shared/pbx/signing';
import { type DeliveryOptions, deliverWebhook } from '../../shared/pbx/webhookPost';
import { deliveryOf, upserted } from './sampleEvents';

interface SeenRequest {
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A throwaway PBX on a free loopback port that answers with `respond`. */
async function startServer(respond: (response: ServerResponse, request: SeenRequest) => void) {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(entry);
      respond(response, entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const secret = generateSigningSecret();
const request = deliveryOf(upserted('absence-1', 2));
const options: DeliveryOptions = { timeoutMs: 2000, allowInsecureLoopback: true };
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function serverAnswering(status: number, headers: Record<string, string> = {}, body = '') {
  const server = await startServer((response) => {
    response.writeHead(status, headers);
    response.end(body);
  });
  stops.push(server.stop);
  return server;
}

describe('deliverWebhook', () => {
  it('posts the signed event and reports delivered on 2xx', async () => {
    const server = await serverAnswering(204);
    const outcome = await deliverWebhook(request, { url: server.url, secrets: [secret] }, options);

    expect(outcome).toEqual({ kind: 'delivered', status: 204 });
    expect(server.seen).toHaveLength(1);
    const [seen] = server.seen;
    expect(seen?.method).toBe('POST');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers['user-agent']).toBe('pbx-calendar-sync');
    expect(seen?.headers['webhook-id']).toBe(request.webhookId);
    expect(seen?.body).toBe(JSON.stringify(request.event));
    const verified = new Webhook(secret).verify(seen?.body ?? '', {
      'webhook-id': String(seen?.headers['webhook-id']),
      'webhook-timestamp': String(seen?.headers['webhook-timestamp']),
      'webhook-signature': String(seen?.headers['webhook-signature']),
    });
    expect(verified).toEqual(request.event);
  });

  it('keeps the webhook id across attempts but signs each attempt afresh', async () => {
    const server = await serverAnswering(200);
    const first = new Date(Date.now() - 60_000);
    const second = new Date();
    await deliverWebhook(request, { url: server.url, secrets: [secret] }, { ...options, now: () => first });
    await deliverWebhook(request, { url: server.url, secrets: [secret] }, { ...options, now: () => second });

    const [a, b] = server.seen;
    expect(a?.headers['webhook-id']).toBe(b?.headers['webhook-id']);
    expect(a?.headers['webhook-timestamp']).toBe(String(Math.floor(first.getTime() / 1000)));
    expect(b?.headers['webhook-timestamp']).toBe(String(Math.floor(second.getTime() / 1000)));
    expect(a?.headers['webhook-signature']).not.toBe(b?.headers['webhook-signature']);
  });

  it('does not follow a redirect and counts it as a failure', async () => {
    const elsewhere = await serverAnswering(204);
    const server = await serverAnswering(301, { location: elsewhere.url });
    const outcome = await deliverWebhook(request, { url: server.url, secrets: [secret] }, options);

    expect(outcome).toMatchObject({ kind: 'rejected', status: 301 });
    expect(outcome.kind === 'rejected' && outcome.reason).toMatch(/redirect not followed/);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it.each([
    [408, {}, undefined],
    [429, { 'retry-after': '120' }, 120],
    [500, {}, undefined],
    [503, { 'retry-after': 'soon' }, undefined],
  ])('asks for a retry on %i (headers %j)', async (status, headers, retryAfterSeconds) => {
    const server = await serverAnswering(status, headers, 'try later');
    const outcome = await deliverWebhook(request, { url: server.url, secrets: [secret] }, options);
    expect(outcome).toEqual({
      kind: 'retry',
      status,
      reason: `HTTP ${status}: try later`,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const now = new Date('2026-11-25T08:00:00Z');
    const server = await serverAnswering(429, { 'retry-after': 'Wed, 25 Nov 2026 08:01:30 GMT' });
    const outcome = await deliverWebhook(
      request,
      { url: server.url, secrets: [secret] },
      // The server does not verify, so a fixed clock is fine here.
      { ...options, now: () => now },
    );
    expect(outcome).toMatchObject({ kind: 'retry', status: 429, retryAfterSeconds: 90 });
  });

  it('reports gone on 410 and rejected on other 4xx with the PBX explanation', async () => {
    const gone = await serverAnswering(410);
    const bad = await serverAnswering(400, { 'content-type': 'text/plain' }, 'unknown\n  absence   reason');
    expect(await deliverWebhook(request, { url: gone.url, secrets: [secret] }, options)).toEqual({
      kind: 'gone',
      status: 410,
    });
    expect(await deliverWebhook(request, { url: bad.url, secrets: [secret] }, options)).toEqual({
      kind: 'rejected',
      status: 400,
      reason: 'HTTP 400: unknown absence reason',
    });
  });

  it('gives up waiting after the timeout and asks for a retry', async () => {
    const silent = await startServer(() => {
      // Never answers.
    });
    stops.push(silent.stop);
    const outcome = await deliverWebhook(
      request,
      { url: silent.url, secrets: [secret] },
      { ...options, timeoutMs: 200 },
    );
    expect(outcome).toEqual({ kind: 'retry', reason: 'no answer within 200 ms' });
    expect(silent.seen).toHaveLength(1);
  });

  it('asks for a retry when the connection is refused', async () => {
    const server = await serverAnswering(204);
    await server.stop();
    const outcome = await deliverWebhook(request, { url: server.url, secrets: [secret] }, options);
    expect(outcome).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('refuses plain http to other hosts, and to loopback unless allowed, without any request', async () => {
    const calls: unknown[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      calls.push(input);
      return new Response(null, { status: 204 });
    };
    const target = (url: string) => ({ url, secrets: [secret] });
    expect(
      await deliverWebhook(request, target('http://pbx.example.com/hooks'), { ...options, fetchImpl }),
    ).toEqual({ kind: 'rejected', reason: 'plain http is allowed only to loopback addresses' });
    expect(
      await deliverWebhook(request, target('http://127.0.0.1:9/hooks'), {
        ...options,
        allowInsecureLoopback: false,
        fetchImpl,
      }),
    ).toEqual({ kind: 'rejected', reason: 'the PBX URL must use https' });
    expect(
      await deliverWebhook(request, target('https://user:pw@pbx.example.com/'), { ...options, fetchImpl }),
    ).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/credentials/) });
    expect(
      await deliverWebhook(request, target('ftp://pbx.example.com/'), { ...options, fetchImpl }),
    ).toMatchObject({
      kind: 'rejected',
    });
    expect(calls).toEqual([]);

    expect(
      await deliverWebhook(request, target('https://pbx.example.com/hooks'), {
        ...options,
        fetchImpl,
        // A public address, so the private-address check lets it pass without real DNS.
        resolveHost: async () => ['93.184.216.34'],
      }),
    ).toEqual({ kind: 'delivered', status: 204 });
    expect(String(calls[0])).toBe('https://pbx.example.com/hooks');
  });

  it('reads only the first bytes of an error body and does not wait for the rest', async () => {
    const endless = await startServer((response) => {
      response.writeHead(400, { 'content-type': 'text/plain' });
      // Far more than the cap, and the response never ends: reading it all would run into the timeout.
      response.write(`0123456789${'x'.repeat(256 * 1024)}`);
    });
    stops.push(endless.stop);
    const outcome = await deliverWebhook(
      request,
      { url: endless.url, secrets: [secret] },
      { ...options, timeoutMs: 5000, maxResponseBytes: 10 },
    );
    expect(outcome).toEqual({ kind: 'rejected', status: 400, reason: 'HTTP 400: 0123456789' });
  });
});
