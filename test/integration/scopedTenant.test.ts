import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { integrationRow, optimisticUpdate } from '../../shared/storage/optimisticUpdate';
import { managementClient } from '../admin/managementClient';
import { settle, useTestHost } from '../support/localHostHarness';

const MINUTE = 60_000;

/**
 * A tenant that scopes the app with Exchange Online RBAC for Applications:
 * mailboxes outside the scope answer 403. They are kept and shown as
 * unreadable, never stop the others, and sync on their own once the scope
 * takes them in (after Exchange's propagation delay).
 */
describe('a scoped tenant', () => {
  const host = useTestHost();
  const manage = managementClient(host);
  const SCOPE = '5c0be000-0000-4000-8000-00000000005c';
  const PROPAGATION_MINUTES = 120;
  const [alice, bob, carol] = DEMO_USERS;
  const dave = { id: 'da7e0000-0000-4000-8000-000000000004', userPrincipalName: 'dave@contoso.example' };
  const erin = { id: 'e1210000-0000-4000-8000-000000000005', userPrincipalName: 'erin@contoso.example' };
  const inScope = [alice.id, bob.id, carol.id];
  const usersPath = `manage/integrations/${DEMO_INTEGRATION_ID}/users`;

  const listed = async () => {
    const answer = await manage('GET', usersPath);
    expect(answer.status).toBe(200);
    return answer.json as { email: string; status: string; problem?: string }[];
  };
  const dashboard = async () => {
    const answer = await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/dashboard`);
    expect(answer.status).toBe(200);
    return answer.json as { unreadableMailboxes: string[] };
  };
  const user = async (id: string) => (await host.runtime.repos.users.get(DEMO_INTEGRATION_ID, id))?.value;
  const liveSubscriptionsFor = (userId: string) =>
    host.simulator.listSubscriptions().filter((s) => s.resource.includes(userId)).length;
  const absenceIn = (userId: string, hours: number) => {
    const start = new Date(host.runtime.now().getTime() + hours * 60 * MINUTE);
    start.setUTCMinutes(0, 0, 0);
    const end = new Date(start.getTime() + 60 * MINUTE);
    const shape = (d: Date) => ({ dateTime: d.toISOString().replace('Z', ''), timeZone: 'UTC' });
    host.simulator.createEvent(userId, {
      subject: 'Out',
      showAs: 'oof',
      start: shape(start),
      end: shape(end),
    });
  };

  beforeAll(async () => {
    await settle(host);
    host.simulator.addUser(DEMO_TENANT.id, dave);
    host.simulator.addUser(DEMO_TENANT.id, erin);
    host.simulator.setGroup(DEMO_TENANT.id, { id: SCOPE, memberIds: inScope });
    host.simulator.setMailboxScope(DEMO_TENANT.id, {
      groupId: SCOPE,
      propagationMinutes: PROPAGATION_MINUTES,
    });
  });

  it('keeps the mailboxes outside the scope as unreadable, with the reason, while the others sync', async () => {
    for (const address of [dave.userPrincipalName, erin.userPrincipalName]) {
      const added = await manage('POST', usersPath, { body: { email: address } });
      expect(added.status).toBe(201);
      expect(added.json).toMatchObject({ status: 'unreadable', problem: expect.stringMatching(/403/) });
    }
    await settle(host);

    const byEmail = new Map((await listed()).map((u) => [u.email, u]));
    for (const address of [dave.userPrincipalName, erin.userPrincipalName]) {
      expect(byEmail.get(address)).toMatchObject({
        status: 'unreadable',
        problem: expect.stringMatching(/403 ErrorAccessDenied.*scope/),
      });
    }
    for (const readable of [alice, bob, carol]) expect(byEmail.get(readable.mail)?.status).toBe('ok');
    expect((await dashboard()).unreadableMailboxes.sort()).toEqual(
      [dave.userPrincipalName, erin.userPrincipalName].sort(),
    );
    expect(liveSubscriptionsFor(dave.id) + liveSubscriptionsFor(erin.id)).toBe(0);
  });

  it('still renews, re-creates and catches up everyone else in a maintenance run', async () => {
    const config = host.runtime.config;
    const lost = (await user(bob.id))!;
    host.simulator.deleteSubscriptionSilently(lost.subscriptionId!);
    // Into the renewal margin of every subscription; the unreadable mailboxes are due for a retry too.
    host.simulator.clock.advance(
      (config.SUBSCRIPTION_MAX_MINUTES - config.SUBSCRIPTION_RENEW_MARGIN_MINUTES + 1) * MINUTE,
    );
    const movedTo = host.runtime.now().getTime();
    absenceIn(carol.id, 24);
    await host.runTimer('maintenance');
    await settle(host);

    for (const id of inScope) {
      const after = (await user(id))!;
      const record = await host.runtime.repos.subscriptions.get(after.subscriptionId!);
      expect(Date.parse(record!.expiresAt)).toBeGreaterThan(
        movedTo + (config.SUBSCRIPTION_MAX_MINUTES - 5) * MINUTE,
      );
      expect(liveSubscriptionsFor(id)).toBe(1);
      expect(Date.parse(after.lastSyncAt!)).toBeGreaterThanOrEqual(movedTo);
    }
    expect((await user(bob.id))!.subscriptionId).not.toBe(lost.subscriptionId);
    expect(await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, carol.id)).toHaveLength(1);
    for (const refused of [dave.id, erin.id]) {
      const after = (await user(refused))!;
      expect(after.status).toBe('unreadable');
      expect(Date.parse(after.retryAt!)).toBeGreaterThan(movedTo);
    }
  });

  it('syncs a mailbox moved into the scope once the change has propagated, with no operator action', async () => {
    absenceIn(dave.id, 24);
    host.simulator.setGroup(DEMO_TENANT.id, { id: SCOPE, memberIds: [...inScope, dave.id] });

    // Before Exchange has taken the change in, the retry is refused again (or not yet due).
    host.simulator.clock.advance((PROPAGATION_MINUTES - 30) * MINUTE);
    await host.runTimer('maintenance');
    await settle(host);
    expect((await user(dave.id))!.status).toBe('unreadable');

    host.simulator.clock.advance(60 * MINUTE);
    await host.runTimer('maintenance');
    await settle(host);

    const synced = (await user(dave.id))!;
    expect(synced.status).toBe('ok');
    expect(synced.lastError).toBeUndefined();
    expect(synced.retryAt).toBeUndefined();
    expect(liveSubscriptionsFor(dave.id)).toBe(1);
    expect(await host.runtime.repos.absences.listForUser(DEMO_INTEGRATION_ID, dave.id)).toHaveLength(1);
    expect((await user(erin.id))!.status).toBe('unreadable');
    expect((await dashboard()).unreadableMailboxes).toEqual([erin.userPrincipalName]);
    const byEmail = new Map((await listed()).map((u) => [u.email, u]));
    expect(byEmail.get(dave.userPrincipalName)?.status).toBe('ok');
    expect(byEmail.get(erin.userPrincipalName)?.status).toBe('unreadable');
  });

  it('adds a followed group member outside the scope as unreadable and keeps the others going', async () => {
    const frank = { id: 'f2a90000-0000-4000-8000-000000000006', userPrincipalName: 'frank@contoso.example' };
    const FOLLOWED = 'f0110000-0000-4000-8000-00000000f011';
    host.simulator.addUser(DEMO_TENANT.id, frank);
    host.simulator.setGroup(DEMO_TENANT.id, {
      id: FOLLOWED,
      memberIds: [...inScope, dave.id, erin.id, frank.id],
    });
    const followed = await optimisticUpdate(
      integrationRow(host.runtime.repos.integrations, DEMO_INTEGRATION_ID),
      (integration) => ({ ...integration, followGroupId: FOLLOWED }),
    );
    expect(followed.kind).toBe('updated');
    const before = host.runtime.now().getTime();
    host.simulator.clock.advance(16 * 60 * MINUTE);
    await host.runTimer('maintenance');
    await settle(host);

    expect(await user(frank.id)).toMatchObject({
      status: 'unreadable',
      lastError: expect.stringMatching(/403/),
    });
    for (const id of [...inScope, dave.id]) {
      const after = (await user(id))!;
      expect(after.status).toBe('ok');
      // The window rolled a day: everyone readable was caught up in the same run.
      expect(Date.parse(after.lastSyncAt!)).toBeGreaterThan(before);
    }
    expect((await dashboard()).unreadableMailboxes.sort()).toEqual(
      [erin.userPrincipalName, frank.userPrincipalName].sort(),
    );
  });
});
