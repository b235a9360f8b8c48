// The PBX target decision at send time, for every address class (as an IP
// literal and as a name that resolves to it), against real listeners: a
// rebinding name never reaches a loopback listener, `*.localhost` names are
// resolved like any other, and https still verifies the certificate of the
// configured name although the connection goes to a pinned address.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decidePbxTarget } from '../../shared/pbx/pbxTarget';
import { generateSigningSecret } from '../../shared/pbx/signing';
import { type DeliveryOptions, deliverWebhook } from '../../shared/pbx/webhookPost';
import { useTestPbx } from '../support/testPbx';
import { PUBLIC_ADDRESSES, REFUSED_ADDRESSES, urlFor } from './addressCases';
import { deliveryOf, upserted } from './sampleEvents';

const secret = generateSigningSecret();
const request = deliveryOf(upserted('absence-1', 2));
const production: DeliveryOptions = { timeoutMs: 500, allowInsecureLoopback: false };
const answering = (addresses: string[]) => async () => addresses;

describe('PBX address classes at send', () => {
  const pbx = useTestPbx();

  it.each(REFUSED_ADDRESSES)('refuses %s (%s) as an IP literal, before any connection', async (address) => {
    const outcome = await deliverWebhook(request, { url: urlFor(address), secrets: [secret] }, production);
    expect(outcome).toMatchObject({ kind: 'rejected', errorClass: 'blockedAddress' });
  });

  it.each(REFUSED_ADDRESSES)(
    'refuses a name resolving to %s (%s), and never names the address',
    async (address) => {
      // The test PBX's port: were the check to let the name through, the request would have somewhere to go.
      const port = new URL(pbx.url).port;
      const outcome = await deliverWebhook(
        request,
        { url: `https://pbx.example.com:${port}/hooks`, secrets: [secret] },
        { ...production, resolveHost: answering(['93.184.216.34', address]) },
      );
      expect(outcome).toMatchObject({ kind: 'rejected', errorClass: 'blockedAddress' });
      expect(JSON.stringify(outcome)).not.toContain(address);
      expect(pbx.requests).toHaveLength(0);
    },
  );

  it.each(PUBLIC_ADDRESSES)('lets %s through and pins the connection to it', async (address) => {
    const policy = { allowInsecureLoopback: false };
    expect(await decidePbxTarget(urlFor(address), policy)).toMatchObject({ kind: 'allowed' });
    expect(
      await decidePbxTarget('https://pbx.example.com/hooks', policy, answering([address])),
    ).toMatchObject({ kind: 'allowed', pinned: { address } });
  });

  it('lets a listed host reach its private address, but never an unspecified or multicast one', async () => {
    const policy = { allowInsecureLoopback: false, allowedPrivateHosts: ['pbx.lan', 'fd12:3456::1'] };
    expect(await decidePbxTarget('https://pbx.lan/hooks', policy, answering(['10.1.2.3']))).toMatchObject({
      kind: 'allowed',
      pinned: { address: '10.1.2.3' },
    });
    expect(await decidePbxTarget('https://[fd12:3456::1]/hooks', policy)).toMatchObject({ kind: 'allowed' });
    expect(await decidePbxTarget('https://pbx.lan/hooks', policy, answering(['0.0.0.0']))).toMatchObject({
      kind: 'refused',
    });
    expect(await decidePbxTarget('https://pbx.lan/hooks', policy, answering(['224.0.0.1']))).toMatchObject({
      kind: 'refused',
    });
  });
});

describe('DNS rebinding', () => {
  // Two listeners on one port of this machine: the PBX at 127.0.0.2, which the
  // operator allowed, and something private at 127.0.0.1, which must never be
  // reached. No connection may leave the machine, so the "good" answer is an
  // allowed address here rather than a public one.
  const listeners: Server[] = [];
  let port = 0;
  const connections = { pbx: 0, private: 0 };
  const listen = async (address: string, at: number, count: () => void) => {
    const server = createServer((socket) => {
      count();
      socket.destroy();
    });
    listeners.push(server);
    await new Promise<void>((resolve) => server.listen(at, address, resolve));
    return (server.address() as AddressInfo).port;
  };
  beforeAll(async () => {
    port = await listen('127.0.0.1', 0, () => {
      connections.private += 1;
    });
    await listen('127.0.0.2', port, () => {
      connections.pbx += 1;
    });
  });
  beforeEach(() => {
    connections.pbx = 0;
    connections.private = 0;
  });
  afterAll(async () => {
    await Promise.all(
      listeners.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  });

  it('connects where the check looked, so a name that turns into loopback after the check reaches nothing', async () => {
    // `localhost` is a name the system resolver answers with 127.0.0.1; the stub plays a hostile DNS
    // server that answers the allowed address once and 127.0.0.1 to anyone who asks again.
    let asked = 0;
    const rebinding = async () => {
      asked += 1;
      return asked === 1 ? ['127.0.0.2'] : ['127.0.0.1'];
    };
    const options = { ...production, allowedPrivateHosts: ['127.0.0.2'], resolveHost: rebinding };
    const url = `https://localhost:${port}/hooks`;
    await deliverWebhook(request, { url, secrets: [secret] }, options);
    expect(connections).toEqual({ pbx: 1, private: 0 });

    // The next attempt asks again, hears 127.0.0.1, and refuses before connecting.
    const second = await deliverWebhook(request, { url, secrets: [secret] }, options);
    expect(second).toMatchObject({ kind: 'rejected', errorClass: 'blockedAddress' });
    expect(connections).toEqual({ pbx: 1, private: 0 });
  });

  it('resolves *.localhost names in local development instead of trusting them', async () => {
    const url = `http://pbx.localhost:${port}/hooks`;
    const local = { ...production, allowInsecureLoopback: true };
    const outcome = await deliverWebhook(
      request,
      { url, secrets: [secret] },
      { ...local, resolveHost: answering(['10.0.0.5']) },
    );
    expect(outcome).toMatchObject({ kind: 'rejected', errorClass: 'blockedAddress' });
    expect(connections).toEqual({ pbx: 0, private: 0 });

    // The same name resolving to this machine is what local development is for.
    await deliverWebhook(
      request,
      { url, secrets: [secret] },
      { ...local, resolveHost: answering(['127.0.0.2']) },
    );
    expect(connections).toEqual({ pbx: 1, private: 0 });
  });
});

describe('https to a pinned address', () => {
  let directory: string;
  let server: HttpsServer;
  let port = 0;
  let ca = '';
  const serverNames: Array<string | false> = [];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'pbx-tls-'));
    const key = join(directory, 'key.pem');
    const cert = join(directory, 'cert.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=pbx.test'],
        ...['-addext', 'subjectAltName=DNS:pbx.test'],
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert, 'utf8');
    server = createHttpsServer({ key: readFileSync(key), cert: ca }, (req, res) => {
      serverNames.push((req.socket as { servername?: string | false }).servername ?? false);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(directory, { recursive: true, force: true });
  });

  const send = (host: string, trustedCa?: string) =>
    deliverWebhook(
      request,
      { url: `https://${host}:${port}/hooks`, secrets: [secret] },
      {
        timeoutMs: 2000,
        // The test server is on this machine; the name is what the certificate is checked against.
        allowInsecureLoopback: true,
        resolveHost: answering(['127.0.0.1']),
        ...(trustedCa ? { trustedCa } : {}),
      },
    );

  it('sends the configured name as SNI and accepts its certificate', async () => {
    expect(await send('pbx.test', ca)).toEqual({ kind: 'delivered', status: 204 });
    expect(serverNames).toEqual(['pbx.test']);
  });

  it('refuses a certificate for another name, or one nobody vouches for, as a tls error', async () => {
    expect(await send('other.test', ca)).toMatchObject({ kind: 'retry', errorClass: 'tls' });
    expect(await send('pbx.test')).toMatchObject({ kind: 'retry', errorClass: 'tls' });
  });
});
