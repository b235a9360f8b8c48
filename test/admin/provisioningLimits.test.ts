import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { provisionIntegration } from '../../shared/onboarding/userProvisioning';
import { useTestHost } from '../support/localHostHarness';
import { managementClient } from './managementClient';

// Provisioning after consent writes rows built from what Graph says about a
// person. One that Table Storage could not hold (here a display name far over
// the 32 Ki characters a string property takes) is that person's reason,
// recorded with the address; it never stops the people after it. Nor does
// a Graph failure for one of them.

describe('provisioning with a user that cannot be stored', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const ID = 'limits';
  const people = {
    first: { id: '11111111-0000-4000-8000-00000000aaa1', userPrincipalName: 'first@contoso.example' },
    huge: {
      id: '11111111-0000-4000-8000-00000000aaa2',
      userPrincipalName: 'huge@contoso.example',
      displayName: 'H'.repeat(40_000),
    },
    flaky: { id: '11111111-0000-4000-8000-00000000aaa4', userPrincipalName: 'flaky@contoso.example' },
    last: { id: '11111111-0000-4000-8000-00000000aaa3', userPrincipalName: 'last@contoso.example' },
  };

  beforeAll(async () => {
    for (const person of Object.values(people)) host.simulator.addUser(DEMO_TENANT.id, person);
    const created = await manage('POST', 'manage/integrations', {
      body: {
        id: ID,
        name: 'Limits AB',
        pbxUrl: 'https://pbx.example/hook',
        users: Object.values(people).map((p) => p.userPrincipalName),
      },
    });
    expect(created.status).toBe(201);
    // Consent itself is another suite's subject: here the integration is simply granted for the demo tenant.
    const stored = await host.runtime.repos.integrations.get(ID);
    await host.runtime.repos.integrations.update(
      { ...stored!.value, consentState: 'granted', tenantId: DEMO_TENANT.id },
      stored!.etag,
    );
  });

  it('adds the others, records the reason for the one, and leaves no subscription for it', async () => {
    // And Graph fails the lookup of another one: that, too, is its reason and not the end of the run.
    host.simulator.faults.unavailableNext(1, { pathIncludes: '/users/flaky' });
    const report = await provisionIntegration(ID, host.runtime.onboarding(silentLogger));
    expect(report).toMatchObject({ added: 2, refused: 2 });

    const users = (await manage('GET', `manage/integrations/${ID}/users`)).json as Array<{
      id?: string;
      email: string;
      status: string;
      problem?: string;
    }>;
    expect(
      users
        .filter((u) => u.id)
        .map((u) => u.id)
        .sort(),
    ).toEqual([people.first.id, people.last.id]);
    const refused = users.find((u) => u.email === people.huge.userPrincipalName);
    expect(refused).toMatchObject({
      status: 'refused',
      problem: expect.stringMatching(/cannot be stored.*displayName/),
    });
    expect(users.find((u) => u.email === people.flaky.userPrincipalName)).toMatchObject({
      status: 'refused',
      problem: expect.stringContaining('Microsoft Graph answered 503'),
    });
    // The reason names the property and its size, never the value.
    expect(refused?.problem).not.toContain('HHHH');
    expect(await host.runtime.repos.users.get(ID, people.huge.id)).toBeUndefined();
    expect(host.simulator.listSubscriptions().some((s) => s.resource.includes(people.huge.id))).toBe(false);
    expect(host.simulator.listSubscriptions().some((s) => s.resource.includes(people.last.id))).toBe(true);
  });

  it('answers 400 naming the reason when the operator adds that person directly', async () => {
    const answer = await manage('POST', `manage/integrations/${ID}/users`, {
      body: { email: people.huge.userPrincipalName },
    });
    expect(answer.status).toBe(400);
    expect((answer.json as { error: string }).error).toMatch(
      /cannot be stored.*displayName is 40000 characters/,
    );
  });
});
