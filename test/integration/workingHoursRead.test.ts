// A mailbox's working hours come from mailboxSettings.workingHours when the
// user is added, read through the real Graph SDK from the simulator, and are
// kept on the user row with their zone as an IANA name.

import { silentLogger } from '../../dev/localHost/consoleLogger';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { addUser } from '../../shared/onboarding/userProvisioning';
import { settle, useTestHost } from '../support/localHostHarness';

describe("a mailbox's working hours", () => {
  const host = useTestHost();
  beforeAll(() => settle(host));

  const added = async (id: string, input: Parameters<typeof host.simulator.addUser>[1]) => {
    host.simulator.addUser(DEMO_TENANT.id, input);
    const result = await addUser(
      DEMO_INTEGRATION_ID,
      input.userPrincipalName,
      host.runtime.onboarding(silentLogger),
    );
    expect(result.kind).toBe('added');
    return (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, id, { fresh: true }))?.value;
  };

  it('are kept from the mailbox settings, their Windows zone as an IANA name', async () => {
    const id = '00000000-0000-4000-8000-0000000000a1';
    const user = await added(id, {
      id,
      userPrincipalName: 'shift.worker@contoso.example',
      timeZone: 'W. Europe Standard Time',
      workingHours: {
        daysOfWeek: ['Tuesday', 'wednesday', 'thursday', 'friday', 'saturday'],
        startTime: '09:30:00.0000000',
        endTime: '18:00:00.0000000',
        timeZone: { name: 'Pacific Standard Time' },
      },
    });
    expect(user?.workingHours).toEqual({
      daysOfWeek: ['tuesday', 'wednesday', 'thursday', 'friday', 'saturday'],
      start: '09:30',
      end: '18:00',
      timeZone: 'America/Los_Angeles',
    });
  });

  it("fall back to the mailbox's zone when theirs has no name we can map", async () => {
    const id = '00000000-0000-4000-8000-0000000000a2';
    const user = await added(id, {
      id,
      userPrincipalName: 'custom.zone@contoso.example',
      timeZone: 'W. Europe Standard Time',
      workingHours: {
        daysOfWeek: ['monday'],
        startTime: '07:00:00.0000000',
        endTime: '15:00:00.0000000',
        timeZone: { name: 'Customized Time Zone' },
      },
    });
    expect(user?.workingHours).toEqual({
      daysOfWeek: ['monday'],
      start: '07:00',
      end: '15:00',
      timeZone: user?.timeZone,
    });
    expect(user?.timeZone).toMatch(/^Europe\//);
  });
});
