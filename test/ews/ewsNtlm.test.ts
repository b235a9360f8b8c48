// NTLM end to end: @ewsjs/xhr's own NTLM provider (useNtlmAuthentication,
// unchanged) against the simulator's NTLMv2 server, through readCalendarView.
import { request } from 'node:http';
import { type EwsSimulator, startEwsSimulator } from '../../dev/ewsSimulator/ewsSimulator';
import { md4 } from '../../dev/ewsSimulator/md4';
import { type EwsConnection, EwsFailure, readCalendarView } from '../../shared/exchange/ewsCalendarReader';

const WINDOW = { start: '2026-12-01T00:00:00.000Z', end: '2026-12-15T00:00:00.000Z' };
const ALICE = 'alice@contoso.example';
const BOB = 'bob@contoso.example';

let simulator: EwsSimulator | undefined;

async function start(authentication?: Array<'ntlm' | 'basic'>): Promise<EwsSimulator> {
  const started = await startEwsSimulator(authentication ? { authentication } : {});
  started.directory.addMailbox(ALICE);
  started.directory.addMailbox(BOB);
  started.directory.addAccount({
    userName: 'svc-ews@contoso.example',
    password: 'upn-pass',
    impersonation: true,
  });
  started.directory.addAccount({
    userName: 'CONTOSO\\svc-reviewer',
    password: 'rev-pass',
    reviewerOn: [BOB],
  });
  started.calendars.add(ALICE, {
    subject: 'Standup',
    start: '2026-12-03T09:00:00.000Z',
    end: '2026-12-03T09:15:00.000Z',
  });
  started.calendars.add(BOB, {
    subject: 'Offsite',
    start: '2026-12-04T08:00:00.000Z',
    end: '2026-12-04T16:00:00.000Z',
  });
  simulator = started;
  return started;
}

afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

const upn = (url: string, password = 'upn-pass'): EwsConnection => ({
  url,
  userName: 'svc-ews@contoso.example',
  password,
  authentication: 'ntlm',
  accessMode: 'impersonation',
});
const downLevel = (url: string, password = 'rev-pass'): EwsConnection => ({
  url,
  userName: 'CONTOSO\\svc-reviewer',
  password,
  authentication: 'ntlm',
  accessMode: 'folderPermission',
});

async function failureOf(read: Promise<unknown>): Promise<EwsFailure> {
  const error = await read.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EwsFailure);
  return error as EwsFailure;
}

/** One raw request on its own connection: status and WWW-Authenticate values. */
function probe(url: string, authorization?: string): Promise<{ status: number; offers: string[] }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: 'POST', agent: false, headers: authorization ? { authorization } : {} },
      (reply) => {
        reply.resume();
        const raw = reply.rawHeaders;
        const offers = raw.filter(
          (_, index) => index % 2 === 1 && raw[index - 1]?.toLowerCase() === 'www-authenticate',
        );
        resolve({ status: reply.statusCode ?? 0, offers });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('MD4 for the NT hash', () => {
  it('gives RFC 1320’s test digests', () => {
    expect(md4(Buffer.from('')).toString('hex')).toBe('31d6cfe0d16ae931b73c59d7e0c089c0');
    expect(md4(Buffer.from('abc')).toString('hex')).toBe('a448017aaf21d8525fc10ae87aa6729d');
    expect(md4(Buffer.from('1234567890'.repeat(8))).toString('hex')).toBe('e33b4ddc9c38f2199c3e7b164fcc0536');
  });
});

describe('NTLM against the simulated Exchange', () => {
  it('reads a calendar with a UPN account after a full NTLMv2 handshake', async () => {
    const server = await start();

    const items = await readCalendarView(upn(server.url), ALICE, WINDOW);

    expect(items.map((item) => item.subject)).toEqual(['Standup']);
    expect(server.requests.map((record) => [record.account, record.authentication])).toEqual([
      ['svc-ews@contoso.example', 'ntlm'],
    ]);
  });

  it('reads with a DOMAIN\\user account in folder-permission mode', async () => {
    const server = await start(['ntlm']);

    const items = await readCalendarView(downLevel(server.url), BOB, WINDOW);

    expect(items.map((item) => item.subject)).toEqual(['Offsite']);
    expect(server.requests.map((record) => [record.account, record.authentication])).toEqual([
      ['CONTOSO\\svc-reviewer', 'ntlm'],
    ]);
  });

  it('refuses a wrong password: credentialsRejected, and nothing reaches EWS', async () => {
    const server = await start();

    const failures = await Promise.all([
      failureOf(readCalendarView(upn(server.url, 'wrong'), ALICE, WINDOW)),
      failureOf(readCalendarView(downLevel(server.url, 'wrong'), BOB, WINDOW)),
    ]);

    expect(failures.map((failure) => failure.kind)).toEqual(['credentialsRejected', 'credentialsRejected']);
    expect(server.requests).toEqual([]);
  });

  it('refuses a Basic client when the server offers NTLM only', async () => {
    const server = await start(['ntlm']);

    const failure = await failureOf(
      readCalendarView({ ...upn(server.url), authentication: 'basic' }, ALICE, WINDOW),
    );

    expect(failure.kind).toBe('credentialsRejected');
    expect(server.requests).toEqual([]);
    expect((await probe(server.url)).offers).toEqual(['NTLM']);
  });

  it('offers every enabled scheme, and answers a type 1 with a type 2 challenge', async () => {
    const server = await start(['ntlm', 'basic']);
    const negotiate = Buffer.alloc(32);
    negotiate.write('NTLMSSP\0', 0, 'latin1');
    negotiate.writeUInt32LE(1, 8);
    negotiate.writeUInt32LE(0x00088207, 12);

    const offers = (await probe(server.url)).offers;
    const challenged = await probe(server.url, `NTLM ${negotiate.toString('base64')}`);

    expect(offers).toEqual(['NTLM', 'Basic realm="exch01.contoso.example"']);
    expect(challenged.status).toBe(401);
    const type2 = Buffer.from(challenged.offers[0]?.replace(/^NTLM /, '') ?? '', 'base64');
    expect(type2.subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
    expect(type2.readUInt32LE(8)).toBe(2);
  });

  it('refuses a type 3 that comes on another connection than its challenge', async () => {
    const server = await start(['ntlm']);
    // A syntactically fine type 3 with no challenge on its connection (each probe opens a new one).
    const type3 = Buffer.alloc(64);
    type3.write('NTLMSSP\0', 0, 'latin1');
    type3.writeUInt32LE(3, 8);

    const answer = await probe(server.url, `NTLM ${type3.toString('base64')}`);

    expect(answer).toEqual({ status: 401, offers: ['NTLM'] });
    expect(server.requests).toEqual([]);
  });
});
