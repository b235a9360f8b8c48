// The connection check an operator runs before saving an Exchange Server
// connection, against the simulator over loopback (HTTP, and HTTPS with a
// self-signed certificate): every reason it can give, each with a sentence
// that never carries the password.

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { type EwsSimulator, startEwsSimulator } from '../../dev/ewsSimulator/ewsSimulator';
import type { EwsConnection } from '../../shared/exchange/ewsCalendarReader';
import {
  type ConnectionCheckOutcome,
  checkExchangeConnection,
} from '../../shared/exchange/ewsConnectionCheck';
import { resolveMailbox } from '../../shared/exchange/ewsMailboxResolution';

const WINDOW = { start: '2026-12-01T00:00:00.000Z', end: '2026-12-15T00:00:00.000Z' };
const ALICE = 'alice@contoso.example';
const PASSWORD = 'S3cret-imp-pass';
const LOCAL = { allowLoopbackHttp: true };

const simulators: EwsSimulator[] = [];

async function simulator(options: Parameters<typeof startEwsSimulator>[0] = {}): Promise<EwsSimulator> {
  const started = await startEwsSimulator(options);
  simulators.push(started);
  started.directory.addMailbox(ALICE, {
    displayName: 'Alice Andersson',
    aliases: ['alice.andersson@contoso.example'],
  });
  started.directory.addMailbox('bob@contoso.example', { displayName: 'Bob' });
  started.directory.addAccount({
    userName: 'svc-imp@contoso.example',
    password: PASSWORD,
    impersonation: true,
  });
  started.directory.addAccount({ userName: 'CONTOSO\\svc-reviewer', password: PASSWORD });
  started.calendars.add(ALICE, {
    subject: 'One',
    start: '2026-12-02T09:00:00.000Z',
    end: '2026-12-02T10:00:00.000Z',
  });
  started.calendars.add(ALICE, {
    subject: 'Two',
    start: '2026-12-03T09:00:00.000Z',
    end: '2026-12-03T10:00:00.000Z',
  });
  return started;
}

afterEach(async () => {
  await Promise.all(simulators.splice(0).map((started) => started.close()));
});

const impersonation = (url: string, overrides: Partial<EwsConnection> = {}): EwsConnection => ({
  url,
  userName: 'svc-imp@contoso.example',
  password: PASSWORD,
  authentication: 'basic',
  accessMode: 'impersonation',
  ...overrides,
});

function refusal(outcome: ConnectionCheckOutcome): { reason: string; message: string } {
  if (outcome.ok) throw new Error('expected a refusal');
  expect(outcome.message).not.toContain(PASSWORD);
  expect(outcome.message.length).toBeGreaterThan(20);
  return { reason: outcome.reason, message: outcome.message };
}

describe('resolving a mailbox with ResolveNames', () => {
  it('finds the primary address and display name from a secondary address, and nothing for an unknown one', async () => {
    const server = await simulator();

    const byAlias = await resolveMailbox(impersonation(server.url), 'Alice.Andersson@contoso.example');
    const unknown = await resolveMailbox(impersonation(server.url), 'nobody@contoso.example');

    expect(byAlias).toEqual({ primaryAddress: ALICE, displayName: 'Alice Andersson' });
    expect(unknown).toBeUndefined();
    expect(server.requests.map((request) => [request.operation, request.impersonated])).toEqual([
      ['ResolveNames', undefined],
      ['ResolveNames', undefined],
    ]);
  });

  it('picks the exact address when the partial smtp: match brings several mailboxes (ResponseClass Warning)', async () => {
    const server = await simulator();
    server.directory.addMailbox('alice@contoso.example.org', { displayName: 'Another Alice' });

    const resolved = await resolveMailbox(impersonation(server.url), ALICE);

    expect(resolved).toEqual({ primaryAddress: ALICE, displayName: 'Alice Andersson' });
  });
});

describe('checking an Exchange connection', () => {
  it('reports the mailbox and how many items the window holds when everything works', async () => {
    const server = await simulator();

    const outcome = await checkExchangeConnection(
      impersonation(server.url),
      'alice.andersson@contoso.example',
      WINDOW,
      LOCAL,
    );

    expect(outcome).toEqual({
      ok: true,
      mailbox: { primaryAddress: ALICE, displayName: 'Alice Andersson' },
      itemsInWindow: 2,
    });
  });

  it('works over NTLM in folder-permission mode with Reviewer', async () => {
    const server = await simulator({ authentication: ['ntlm'] });
    server.directory.addAccount({
      userName: 'CONTOSO\\svc-reviewer',
      password: PASSWORD,
      reviewerOn: [ALICE],
    });

    const outcome = await checkExchangeConnection(
      impersonation(server.url, {
        userName: 'CONTOSO\\svc-reviewer',
        authentication: 'ntlm',
        accessMode: 'folderPermission',
      }),
      ALICE,
      WINDOW,
      LOCAL,
    );

    expect(outcome).toMatchObject({ ok: true, itemsInWindow: 2 });
  });

  it.each([
    ['loopback http without allowLoopbackHttp', 'http://127.0.0.1:1/EWS/Exchange.asmx', {}],
    ['http to a host that is not loopback', 'http://exch.contoso.example/EWS/Exchange.asmx', LOCAL],
    ['something that is not a URL', 'exch.contoso.example/EWS', LOCAL],
  ])('refuses %s: urlNotHttps', async (_, url, options) => {
    const outcome = await checkExchangeConnection(impersonation(url), ALICE, WINDOW, options);

    expect(refusal(outcome).reason).toBe('urlNotHttps');
  });

  it('refuses a host whose name does not resolve, at once: nameNotResolvable', async () => {
    const started = Date.now();

    const outcome = await checkExchangeConnection(
      impersonation('https://exch.contoso.invalid/EWS/Exchange.asmx'),
      ALICE,
      WINDOW,
    );

    expect(refusal(outcome)).toMatchObject({
      reason: 'nameNotResolvable',
      message: expect.stringContaining('exch.contoso.invalid'),
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a port nobody listens on: unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const outcome = await checkExchangeConnection(
      impersonation(`http://127.0.0.1:${port}/EWS/Exchange.asmx`),
      ALICE,
      WINDOW,
      LOCAL,
    );

    expect(refusal(outcome)).toMatchObject({
      reason: 'unreachable',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('refuses a server that takes the connection and never answers: unreachable after the timeout', async () => {
    const held: Socket[] = [];
    const silent: Server = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const outcome = await checkExchangeConnection(
        impersonation(`http://127.0.0.1:${port}/EWS/Exchange.asmx`),
        ALICE,
        WINDOW,
        { ...LOCAL, timeoutMs: 300 },
      );

      expect(refusal(outcome).reason).toBe('unreachable');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it.each(['basic', 'ntlm'] as const)(
    'refuses a self-signed certificate over %s: certificateInvalid, before any credentials are sent',
    async (authentication) => {
      const server = await simulator({ protocol: 'https' });

      const outcome = await checkExchangeConnection(
        impersonation(server.url, { authentication }),
        ALICE,
        WINDOW,
      );

      expect(refusal(outcome)).toMatchObject({
        reason: 'certificateInvalid',
        message: expect.stringContaining('DEPTH_ZERO_SELF_SIGNED_CERT'),
      });
      expect(server.requests).toEqual([]);
    },
  );

  it('refuses a URL that speaks http where https was asked: failed', async () => {
    const server = await simulator();

    const outcome = await checkExchangeConnection(
      impersonation(server.url.replace('http:', 'https:')),
      ALICE,
      WINDOW,
    );

    expect(refusal(outcome).reason).toBe('failed');
  });

  it.each(['basic', 'ntlm'] as const)(
    'refuses a wrong password over %s: credentialsRejected',
    async (authentication) => {
      const server = await simulator();

      const outcome = await checkExchangeConnection(
        impersonation(server.url, { authentication, password: 'wrong' }),
        ALICE,
        WINDOW,
        LOCAL,
      );

      expect(refusal(outcome)).toMatchObject({
        reason: 'credentialsRejected',
        message: expect.stringContaining('svc-imp@contoso.example'),
      });
    },
  );

  it('refuses impersonation without the role: impersonationDenied, naming the role', async () => {
    const server = await simulator();

    const outcome = await checkExchangeConnection(
      impersonation(server.url, { userName: 'CONTOSO\\svc-reviewer' }),
      ALICE,
      WINDOW,
      LOCAL,
    );

    expect(refusal(outcome)).toMatchObject({
      reason: 'impersonationDenied',
      message: expect.stringContaining('ApplicationImpersonation'),
    });
  });

  it('refuses folder-permission mode without Reviewer: accessDenied, naming Add-MailboxFolderPermission', async () => {
    const server = await simulator();

    const outcome = await checkExchangeConnection(
      impersonation(server.url, { userName: 'CONTOSO\\svc-reviewer', accessMode: 'folderPermission' }),
      ALICE,
      WINDOW,
      LOCAL,
    );

    expect(refusal(outcome)).toMatchObject({
      reason: 'accessDenied',
      message: expect.stringContaining('Add-MailboxFolderPermission'),
    });
  });

  it('refuses an address no mailbox has: mailboxNotFound', async () => {
    const server = await simulator();

    const outcome = await checkExchangeConnection(
      impersonation(server.url),
      'nobody@contoso.example',
      WINDOW,
      LOCAL,
    );

    expect(refusal(outcome).reason).toBe('mailboxNotFound');
  });

  it('reports ErrorServerBusy as throttled with Exchange’s wait', async () => {
    const server = await simulator();
    server.serverBusyNext(1, 4000);

    const outcome = await checkExchangeConnection(impersonation(server.url), ALICE, WINDOW, LOCAL);

    expect(refusal(outcome)).toMatchObject({
      reason: 'throttled',
      message: expect.stringContaining('4 seconds'),
    });
  });
});
