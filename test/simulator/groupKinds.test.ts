// The simulator's groups as GET /groups/{id} shows them: the properties that
// tell a mail-enabled security group from a plain security group or a
// distribution list, named as Graph names them, `$select` honoured, another
// tenant's group unknown, and the directory's 403 without a group permission.

import { GraphError } from '@microsoft/microsoft-graph-client';
import {
  type GraphSimulator,
  PRODUCT_PERMISSIONS,
  startGraphSimulator,
} from '../../dev/graphSimulator/graphSimulator';
import { readGroupKind } from '../../shared/graph/groups';
import { accessToken, graphClient, TENANT } from './simulatorClient';

describe('graph simulator: GET /groups/{id}', () => {
  let sim: GraphSimulator;
  const OTHER = { id: 'tenant-b', clientId: 'app-b', clientSecret: 'secret-b' };

  beforeAll(async () => {
    sim = await startGraphSimulator();
    sim.addTenant(TENANT);
    sim.addTenant(OTHER);
    sim.setGroup(TENANT.id, {
      id: 'field-staff',
      displayName: 'Field staff',
      memberIds: [],
      mailEnabled: true,
      mail: 'field@contoso.example',
    });
    sim.setGroup(TENANT.id, { id: 'plain', memberIds: [] });
    sim.setGroup(OTHER.id, { id: 'elsewhere', memberIds: [], mailEnabled: true });
  });
  afterEach(() => sim.setApplicationPermissions(TENANT.id, PRODUCT_PERMISSIONS));
  afterAll(() => sim.stop());

  it('answers the kind properties; a group is a plain security group unless told', async () => {
    const client = graphClient(sim, await accessToken(sim));
    expect(await client.api('/groups/field-staff').get()).toMatchObject({
      id: 'field-staff',
      displayName: 'Field staff',
      groupTypes: [],
      mail: 'field@contoso.example',
      mailEnabled: true,
      securityEnabled: true,
    });
    expect(await client.api('/groups/plain').get()).toMatchObject({
      mail: null,
      mailEnabled: false,
      securityEnabled: true,
    });
    const selected = (await client.api('/groups/field-staff').select(['mailEnabled']).get()) as object;
    expect(Object.keys(selected).sort()).toEqual(['@odata.context', 'mailEnabled']);
  });

  it('reads as the service reads it; another tenant’s group is unknown', async () => {
    const client = graphClient(sim, await accessToken(sim));
    expect(await readGroupKind(client, 'field-staff')).toEqual({
      id: 'field-staff',
      displayName: 'Field staff',
      mailEnabled: true,
      securityEnabled: true,
      groupTypes: [],
    });
    expect(await readGroupKind(client, 'elsewhere')).toBeUndefined();
    expect(await readGroupKind(client, 'nothing')).toBeUndefined();
  });

  it('refuses without a group permission, as the directory does', async () => {
    await sim.setApplicationPermissions(TENANT.id, ['Calendars.Read']);
    const client = graphClient(sim, await accessToken(sim));
    const refused = await readGroupKind(client, 'field-staff').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GraphError);
    expect((refused as GraphError).statusCode).toBe(403);
    expect((refused as GraphError).code).toBe('Authorization_RequestDenied');
  });
});
