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
