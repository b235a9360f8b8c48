import { silentLogger } from '../../dev/localHost/consoleLogger';
import { handleDelivery } from '../../shared/delivery/deliveryAttempt';
import { requestFor } from '../delivery/deliveryFixtures';
import { PUBLIC_ADDRESSES, REFUSED_ADDRESSES, urlFor } from '../pbx/addressCases';
import { useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

// PBX_ALLOWED_PRIVATE_HOSTS is the operator's way to reach a PBX on a private
// network. Saving the URL and sending to it must follow the same policy: the
// refusal's own advice ("list it in PBX_ALLOWED_PRIVATE_HOSTS") has to work.
describe('PBX URL policy at create and PATCH', () => {
  let manage: ReturnType<typeof managementClient>;

  const host = useTestHost({ settings: { PBX_ALLOWED_PRIVATE_HOSTS: '10.0.0.7, pbx.lan' } });
  beforeAll(async () => {
    manage = managementClient(host);
  });

  it('accepts a listed private host when an integration is created and changed', async () => {
    const created = await manage('POST', 'manage/integrations', {
      body: { id: 'onprem-pbx', name: 'On-prem PBX', pbxUrl: 'https://10.0.0.7/hooks' },
    });
    expect(created.status).toBe(201);

    const changed = await manage('PATCH', 'manage/integrations/onprem-pbx', {
      body: { pbxUrl: 'https://10.0.0.7:8443/other' },
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ pbxUrl: 'https://10.0.0.7:8443/other' });
  });

  it('still refuses a private host that is not listed, with the advice that works', async () => {
    const created = await manage('POST', 'manage/integrations', {
      body: { id: 'other-pbx', name: 'Other PBX', pbxUrl: 'https://10.0.0.8/hooks' },
    });
    expect(created.status).toBe(400);
    expect(created.json).toEqual({
      error:
        '10.0.0.8 is a special-purpose address (private); list it in PBX_ALLOWED_PRIVATE_HOSTS to allow it',
    });

    const changed = await manage('PATCH', 'manage/integrations/onprem-pbx', {
      body: { pbxUrl: 'https://192.168.1.1/hooks' },
    });
    expect(changed.status).toBe(400);
  });
});

// The same table the send test uses (test/pbx/addressCases.ts), through the
// management API: every class refused at create and at PATCH, as an IP literal
// and as a name that resolves to it. Names are resolved when the URL is saved,
// through the host's resolver, which plays DNS here.
describe('PBX address classes at create and PATCH', () => {
  let manage: ReturnType<typeof managementClient>;
  /** name → what DNS answers for it right now */
  const dns = new Map<string, string[]>();
  const nameFor = (index: number) => `case-${index}.pbx.example`;

  const host = useTestHost({
    settings: { PBX_ALLOW_INSECURE_LOOPBACK: 'false' },
    resolveHost: async (name) => {
      const answer = dns.get(name);
      if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return answer;
    },
  });
  beforeAll(async () => {
    manage = managementClient(host);
    dns.set('public.pbx.example', ['93.184.216.34']);
    REFUSED_ADDRESSES.forEach(([address], index) => {
      dns.set(nameFor(index), [address]);
    });
    const created = await manage('POST', 'manage/integrations', {
      body: { id: 'patch-target', name: 'PATCH target', pbxUrl: 'https://public.pbx.example/hooks' },
    });
    expect(created.status).toBe(201);
  });

  const create = (id: string, pbxUrl: string) =>
    manage('POST', 'manage/integrations', { body: { id, name: 'Address class', pbxUrl } });
  const patch = (pbxUrl: string) => manage('PATCH', 'manage/integrations/patch-target', { body: { pbxUrl } });

  it.each(REFUSED_ADDRESSES.map(([address, label], index) => [address, label, index] as const))(
    'refuses %s (%s) at create and PATCH, literal and by name',
    async (address, _label, index) => {
      const literal = await create(`literal-${index}`, urlFor(address));
      expect(literal.status).toBe(400);
      expect(literal.json).toEqual({ error: expect.stringMatching(/PBX_ALLOWED_PRIVATE_HOSTS/) });

      const named = await create(`named-${index}`, `https://${nameFor(index)}/hooks`);
      expect(named.status).toBe(400);
      expect(named.text).not.toContain(address);

      expect((await patch(urlFor(address))).status).toBe(400);
      expect((await patch(`https://${nameFor(index)}/hooks`)).status).toBe(400);
      expect(await manage('GET', 'manage/integrations/patch-target')).toMatchObject({
        json: { pbxUrl: 'https://public.pbx.example/hooks' },
      });
    },
  );

  it('refuses a name that does not resolve, and accepts public addresses', async () => {
    expect((await create('unresolved', 'https://nowhere.pbx.example/hooks')).status).toBe(400);
    for (const [index, address] of PUBLIC_ADDRESSES.entries()) {
      expect((await create(`public-${index}`, urlFor(address))).status).toBe(201);
    }
    expect((await patch('https://[2606:4700:4700::1111]/hooks')).status).toBe(200);
  });

  it('checks again at send: a name that rebinds to loopback after saving is refused, logged without the address', async () => {
    dns.set('rebind.pbx.example', ['93.184.216.34']);
    expect((await create('rebinding', 'https://rebind.pbx.example/hooks')).status).toBe(201);
    dns.set('rebind.pbx.example', ['127.0.0.1']);

    const request = requestFor('rebinding');
    const result = await handleDelivery(request, host.runtime.delivery(silentLogger));
    expect(result).toMatchObject({ kind: 'failed', failure: 'rejected' });
    const log = await manage('GET', 'manage/integrations/rebinding/deliveries');
    expect(log.json).toMatchObject({
      lastErrors: [{ webhookId: request.webhookId, errorClass: 'blockedAddress' }],
    });
    expect(log.text).not.toContain('127.0.0.1');
  });
});
