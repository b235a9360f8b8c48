// The customer's admin removes the app's permissions but keeps the app:
// Entra ID still issues tokens, without roles, and every Graph read answers
// 403. The next maintenance run reads that from the token, puts the
// integration in `permissionsMissing` naming what is missing, and stops
// calling Graph for it; once the admin grants again, the next run finds the
// permissions back and everyone syncs, without a new consent link.

import { PRODUCT_PERMISSIONS } from '../../dev/graphSimulator/graphSimulator';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../../dev/localHost/demoTenant';
import { managementClient } from '../admin/managementClient';
import { ALICE, graphAs, hourFromNow, settle, useTestHost } from '../support/localHostHarness';

describe('permissions removed, app kept', () => {
  const host = useTestHost();
  const graphRequests = () => host.simulator.requests.count({ pathIncludes: '/v1.0/' });
  const integration = async () => (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))?.value;
  // The service's cached token keeps the roles it was issued with until it runs out (about an hour).
  const tokensRunOut = () => host.simulator.clock.advance(2 * 3_600_000);

  beforeAll(() => settle(host));

  it('is marked within one maintenance run, naming the permission, with at most one Graph call per run', async () => {
    // Graph's reauthorizationRequired arrives while the service's token still has its roles.
    await host.simulator.setApplicationPermissions(DEMO_TENANT.id, []);
    await settle(host);
    expect((await integration())?.consentState).toBe('granted');
    tokensRunOut();
    host.simulator.requests.reset();

    await host.runTimer('maintenance');
    const marked = await integration();
    expect(marked).toMatchObject({
      consentState: 'permissionsMissing',
      missingPermissions: ['Calendars.Read'],
    });
    expect(marked?.consentError).toContain('Calendars.Read');
    await settle(host);
    expect(graphRequests()).toBeLessThanOrEqual(1);

    // While it lasts, runs and resyncs cost no Graph call beyond one per run.
    host.simulator.requests.reset();
    await host.runTimer('maintenance');
    await host.runTimer('maintenance');
    const manage = managementClient(host);
    expect((await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/resync`)).status).toBe(202);
    await settle(host);
    expect(graphRequests()).toBeLessThanOrEqual(2);

    const dashboard = await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}/dashboard`);
    expect(dashboard.json).toMatchObject({
      consentState: 'permissionsMissing',
      missingPermissions: ['Calendars.Read'],
    });
    const view = await manage('GET', `manage/integrations/${DEMO_INTEGRATION_ID}`);
    expect(view.json).toMatchObject({
      consentState: 'permissionsMissing',
      missingPermissions: ['Calendars.Read'],
    });
  });

  it('a sync that meets the 403 marks it too, and is not retried to the dead-letter queue', async () => {
    // Back to granted in storage only: the tenant still grants nothing.
    const stored = await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID);
    const { missingPermissions: _m, ...granted } = stored!.value;
    await host.runtime.repos.integrations.update({ ...granted, consentState: 'granted' }, stored!.etag);
    const manage = managementClient(host);
    expect((await manage('POST', `manage/integrations/${DEMO_INTEGRATION_ID}/resync`)).status).toBe(202);
    await settle(host);
    expect(await integration()).toMatchObject({
      consentState: 'permissionsMissing',
      missingPermissions: ['Calendars.Read'],
    });
    expect(host.queue.deadLetters('sync')).toHaveLength(0);
  });

  it('recovers by itself on the run after the admin grants again, and users sync', async () => {
    await host.simulator.setApplicationPermissions(DEMO_TENANT.id, PRODUCT_PERMISSIONS);
    tokensRunOut();
    await host.runTimer('maintenance');
    const recovered = await integration();
    expect(recovered).toMatchObject({ consentState: 'granted', tenantId: DEMO_TENANT.id });
    expect(recovered?.missingPermissions).toBeUndefined();
    expect(recovered?.consentError).toBeUndefined();
    expect(recovered?.consentRequiredSince).toBeUndefined();
    await settle(host);
    const users = await host.runtime.repos.users.listByIntegration(DEMO_INTEGRATION_ID);
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) expect(user.status).toBe('ok');

    const before = host.sink!.received.length;
    const slot = hourFromNow(6);
    const graph = await graphAs(host);
    await graph.call('POST', `/users/${ALICE.mail}/events`, {
      subject: 'x',
      showAs: 'oof',
      start: slot.start,
      end: slot.end,
    });
    await settle(host);
    expect(host.sink!.received.slice(before).map((w) => w.event.type)).toEqual(['absence.upserted']);
  });
});
