import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

// Addresses as people have them, through the management API: everything
// RFC 5321/6531 allows in a mailbox is taken (in its lookup form: lower case,
// NFC, the domain in ASCII), what cannot be an address is refused with why.

const LONG_LOCAL = 'l'.repeat(64);

/** [typed, stored as] */
const ACCEPTED: Array<[string, string]> = [
  ['üser@exämple.se', 'üser@xn--exmple-cua.se'],
  ['üser@xn--exmple-cua.se', 'üser@xn--exmple-cua.se'],
  ['a~b!c@x.example', 'a~b!c@x.example'],
  ["o'neil+calendar@Contoso.Example", "o'neil+calendar@contoso.example"],
  ['{x}|y^z=`#$%&*/?@sub.x.example', '{x}|y^z=`#$%&*/?@sub.x.example'],
  ['δοκιμή@παράδειγμα.δοκιμή', 'δοκιμή@xn--hxajbheg2az3al.xn--jxalpdlp'],
  ['测试@测试.测试', '测试@xn--0zwm56d.xn--0zwm56d'],
  // NFD in, NFC stored: the same address typed on another keyboard is one address.
  ['u\u0308ser@exa\u0308mple.se', 'üser@xn--exmple-cua.se'],
  [`${LONG_LOCAL}@x.example`, `${LONG_LOCAL}@x.example`],
];

/** [typed, the reason's words] */
const REFUSED: Array<[string, string]> = [
  ['no-at.example', 'needs an @'],
  ['@x.example', 'part before the @ is empty'],
  ['someone@', 'domain after the @ is empty'],
  ['two words@x.example', 'space'],
  ['tab\there@x.example', 'control character'],
  ['a@b@x.example', 'more than one @'],
  ['.a@x.example', 'dot'],
  ['a..b@x.example', 'dot'],
  ['a.@x.example', 'dot'],
  ['a@x..example', 'dot'],
  ['a(b)@x.example', 'character addresses cannot have'],
  ['"quoted"@x.example', 'quoted'],
  ['a@[192.0.2.1]', 'address literal'],
  ['a@localhost', 'two labels'],
  ['a@-x.example', 'letters, digits and inner hyphens'],
  ['a@x_y.example', 'letters, digits and inner hyphens'],
  ['a@192.0.2.1', 'ends in a number'],
  [`${LONG_LOCAL}l@x.example`, 'longer than 64 octets'],
  // 33 two-octet letters: 33 characters, 66 octets.
  [`${'ü'.repeat(33)}@x.example`, 'longer than 64 octets'],
  [`a@${'b'.repeat(64)}.example`, 'label of the domain is longer than 63 octets'],
  [`${LONG_LOCAL}@${`${'d'.repeat(60)}.`.repeat(3)}example`, 'longer than 254 octets'],
  ['\ud800x@x.example', 'not valid Unicode'],
];

describe('mailbox addresses at the management API', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const pendingPath = 'manage/integrations/addresses/users';

  beforeAll(async () => {
    const created = await manage('POST', 'manage/integrations', {
      body: { id: 'addresses', name: 'Addresses AB', pbxUrl: 'https://pbx.example/hook' },
    });
    expect(created.status).toBe(201);
  });

  it.each(ACCEPTED)(
    'keeps %s pending as %s, and lists and withdraws it by either form',
    async (typed, stored) => {
      const added = await manage('POST', pendingPath, { body: { email: typed } });
      expect(added).toMatchObject({ status: 202, json: { email: stored, status: 'pendingConsent' } });
      expect((await manage('GET', pendingPath)).json).toEqual([{ email: stored, status: 'pendingConsent' }]);
      const withdrawn = await manage('DELETE', `${pendingPath}/${encodeURIComponent(typed)}`);
      expect(withdrawn.status).toBe(204);
      expect((await manage('GET', pendingPath)).json).toEqual([]);
    },
  );

  it.each(REFUSED)('refuses %j when added, saying %s', async (typed, words) => {
    const answer = await manage('POST', pendingPath, { body: { email: typed } });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ path: 'email', error: expect.stringContaining(words) });
  });

  it('takes the same addresses in the users list of a new integration, and names a refused one by its place', async () => {
    const accepted = await manage('POST', 'manage/integrations', {
      body: {
        id: 'addresses-list',
        name: 'List AB',
        pbxUrl: 'https://pbx.example/hook',
        users: ACCEPTED.map(([typed]) => typed),
      },
    });
    expect(accepted.status).toBe(201);
    const listed = (await manage('GET', 'manage/integrations/addresses-list/users')).json as {
      email: string;
    }[];
    expect(listed.map((u) => u.email).sort()).toEqual(
      [...new Set(ACCEPTED.map(([, stored]) => stored))].sort(),
    );

    for (const [typed, words] of REFUSED) {
      const refused = await manage('POST', 'manage/integrations', {
        body: {
          id: 'addresses-bad',
          name: 'Bad AB',
          pbxUrl: 'https://pbx.example/hook',
          users: ['ok@x.example', typed],
        },
      });
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({ path: 'users.1', error: expect.stringContaining(words) });
    }
    expect((await manage('GET', 'manage/integrations/addresses-bad')).status).toBe(404);
  });

  it('adds an RFC-legal address Microsoft 365 holds, and says so when it holds none', async () => {
    host.simulator.addUser(DEMO_TENANT.id, {
      id: 'a7b1c000-0000-4000-8000-000000000077',
      userPrincipalName: 'a~b!c@contoso.example',
    });
    const usersPath = `manage/integrations/${DEMO_INTEGRATION_ID}/users`;
    const added = await manage('POST', usersPath, { body: { email: 'A~B!C@Contoso.Example' } });
    expect(added).toMatchObject({ status: 201, json: { email: 'a~b!c@contoso.example' } });
    // Graph's userPrincipalName and mail hold no accents, so Graph finds no one: its answer, with the reason.
    const unknown = await manage('POST', usersPath, { body: { email: 'üser@exämple.se' } });
    expect(unknown).toMatchObject({
      status: 400,
      json: { error: 'no user with the address üser@xn--exmple-cua.se in the tenant' },
    });
  });
});
