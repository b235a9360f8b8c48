// The per-instance integration row cache on real Table Storage (Azurite),
// its requests counted at a pass-through proxy: what it saves, that this
// instance's own writes never leave it stale, and that a write by another
// instance (a second repository on the same tables) is seen after the TTL and
// never turns optimisticUpdate's retries into a conflict.

import { countTableRequests, type TableRequestCounter } from '../../dev/bench/tableRequestCounter';
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { cachedIntegrations } from '../../shared/storage/integrationCache';
import { integrationRow, optimisticUpdate } from '../../shared/storage/optimisticUpdate';
import type { IntegrationRecord } from '../../shared/storage/records';
import type { IntegrationRepository } from '../../shared/storage/repositories';
import { createTableRepositories } from '../../shared/storage/tableRepositories';
import { testTablesConnectionString, uniqueTablePrefix } from '../support/tables';

const TTL_MS = 30_000;
const INTEGRATION_READS = /Integrations\(PartitionKey/;

function integration(id: string): IntegrationRecord {
  return {
    id,
    name: 'Contoso',
    active: true,
    consentState: 'granted',
    tenantId: 'tenant',
    pbxUrl: 'https://pbx.example.test/hooks',
    pbxSecretName: `pbx-${id}`,
    ruleSet: presetRuleSet('availability-default'),
    rulesVersion: 1,
    createdAt: '2026-11-25T08:00:00.000Z',
    updatedAt: '2026-11-25T08:00:00.000Z',
  };
}

const noPause = { attempts: 5, pause: async () => undefined };

describe('the integration row cache', () => {
  let counter: TableRequestCounter;
  /** Another instance: the same tables, no cache. */
  let other: IntegrationRepository;
  let table: IntegrationRepository;
  let clock: number;
  let cached: IntegrationRepository;
  let seq = 0;
  let id: string;

  beforeAll(async () => {
    counter = await countTableRequests(testTablesConnectionString());
    const tablePrefix = uniqueTablePrefix();
    table = (await createTableRepositories({ connectionString: counter.connectionString, tablePrefix }))
      .integrations;
    other = (await createTableRepositories({ connectionString: testTablesConnectionString(), tablePrefix }))
      .integrations;
  });
  afterAll(async () => {
    await counter?.stop();
  });

  beforeEach(async () => {
    clock = 0;
    cached = cachedIntegrations(table, { ttlMs: TTL_MS, clock: () => clock });
    id = `cache${++seq}`;
    await other.create(integration(id));
    counter.reset();
  });

  it('reads the row once within the TTL and again after it', async () => {
    const first = await cached.get(id);
    clock += TTL_MS - 1;
    const second = await cached.get(id);
    expect(second).toEqual(first);
    expect(counter.count(INTEGRATION_READS)).toBe(1);
    clock += 1;
    await cached.get(id);
    expect(counter.count(INTEGRATION_READS)).toBe(2);
  });

  it('lets reads in flight at once share one request', async () => {
    const rows = await Promise.all(Array.from({ length: 8 }, () => cached.get(id)));
    expect(new Set(rows.map((row) => row?.etag)).size).toBe(1);
    expect(counter.count(INTEGRATION_READS)).toBe(1);
  });

  it("serves this instance's own write at once, with the ETag the write answered, and reads nothing back", async () => {
    const read = await cached.get(id);
    if (!read) throw new Error('row missing');
    const etag = await cached.update(
      { ...read.value, pbxUrl: 'https://moved.example.test/hooks' },
      read.etag,
    );
    counter.reset();
    const after = await cached.get(id);
    expect(after).toEqual({
      value: expect.objectContaining({ pbxUrl: 'https://moved.example.test/hooks' }),
      etag,
    });
    expect(counter.requests()).toEqual([]);
    // That ETag is the row's: a conditional write with it goes through.
    await expect(cached.update({ ...read.value, name: 'again' }, etag)).resolves.toEqual(expect.any(String));
    expect((await other.get(id))?.value.name).toBe('again');
  });

  it("shows another instance's change after the TTL, and its retries read afresh after a conflict", async () => {
    await cached.get(id);
    const rival = await other.get(id);
    if (!rival) throw new Error('row missing');
    await other.update({ ...rival.value, pbxEndpoint: { state: 'disabled', reason: 'gone', since: 'now' } });
    // Within the TTL the instance still has the row it read.
    expect((await cached.get(id))?.value.pbxEndpoint).toBeUndefined();
    // Its own change on that stale row meets the ETag check, drops the entry and wins on a fresh read.
    const outcome = await optimisticUpdate(
      integrationRow(cached, id),
      (current) => ({ ...current, name: 'renamed' }),
      noPause,
    );
    expect(outcome).toMatchObject({
      kind: 'updated',
      value: { name: 'renamed', pbxEndpoint: { state: 'disabled' } },
    });
    expect((await other.get(id))?.value).toMatchObject({
      name: 'renamed',
      pbxEndpoint: { state: 'disabled' },
    });

    await cached.get(id);
    const again = await other.get(id);
    if (!again) throw new Error('row missing');
    await other.update({ ...again.value, name: 'elsewhere' });
    clock += TTL_MS;
    expect((await cached.get(id))?.value.name).toBe('elsewhere');
  });

  it('never holds back what another instance allowed: rows that stop work are read every time', async () => {
    const start = await other.get(id);
    if (!start) throw new Error('row missing');
    await other.update({ ...start.value, pbxEndpoint: { state: 'disabled', reason: 'gone', since: 'now' } });
    expect((await cached.get(id))?.value.pbxEndpoint?.state).toBe('disabled');
    const disabled = await other.get(id);
    if (!disabled) throw new Error('row missing');
    await other.update({
      ...disabled.value,
      pbxEndpoint: { state: 'active' },
      consentState: 'consentRequired',
    });
    // Well within the TTL, yet seen at once (an active endpoint is stored as no state at all).
    const enabled = (await cached.get(id))?.value;
    expect(enabled?.pbxEndpoint?.state ?? 'active').toBe('active');
    expect(enabled?.consentState).toBe('consentRequired');
    const revoked = await other.get(id);
    if (!revoked) throw new Error('row missing');
    await other.update({ ...revoked.value, consentState: 'granted', active: false });
    expect((await cached.get(id))?.value).toMatchObject({ consentState: 'granted', active: false });
    const inactive = await other.get(id);
    if (!inactive) throw new Error('row missing');
    await other.update({ ...inactive.value, active: true });
    expect((await cached.get(id))?.value.active).toBe(true);
    expect(counter.count(INTEGRATION_READS)).toBe(4);
    // Working again: from the cache from now on.
    await cached.get(id);
    expect(counter.count(INTEGRATION_READS)).toBe(4);
  });

  it('reads the table when asked for a fresh row, and keeps what it read', async () => {
    await cached.get(id);
    const rival = await other.get(id);
    if (!rival) throw new Error('row missing');
    await other.update({ ...rival.value, rulesVersion: 2 });
    expect((await cached.get(id))?.value.rulesVersion).toBe(1);
    expect((await cached.get(id, { fresh: true }))?.value.rulesVersion).toBe(2);
    expect((await cached.get(id))?.value.rulesVersion).toBe(2);
    expect(counter.count(INTEGRATION_READS)).toBe(2);
  });

  it('hands every caller its own copy', async () => {
    const read = await cached.get(id);
    if (!read) throw new Error('row missing');
    read.value.ruleSet.triggers.length = 0;
    read.value.name = 'scribbled';
    const again = await cached.get(id);
    expect(again?.value.name).toBe('Contoso');
    expect(again?.value.ruleSet).toEqual(presetRuleSet('availability-default'));
  });

  it('forgets a deleted row and keeps no answer of "not found"', async () => {
    await cached.get(id);
    await cached.delete(id);
    expect(await cached.get(id)).toBeUndefined();
    await other.create(integration(id));
    expect((await cached.get(id))?.value.id).toBe(id);
  });

  it('is off at a TTL of 0', async () => {
    const uncached = cachedIntegrations(table, { ttlMs: 0 });
    await uncached.get(id);
    await uncached.get(id);
    expect(counter.count(INTEGRATION_READS)).toBe(2);
  });
});
