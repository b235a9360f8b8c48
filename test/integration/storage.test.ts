import { TableClient, type TransactionAction } from '@azure/data-tables';
import { type RuleSet, ruleSetSchema } from '../../shared/domain/rules/ruleSet';
import { InvalidRuleSetError } from '../../shared/storage/integrationEntity';
import { PropertyTooLargeError } from '../../shared/storage/propertyLimits';
import {
  type AbsenceRecord,
  ConcurrencyError,
  type IntegrationRecord,
  type SubscriptionRecord,
  type UserRecord,
} from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import { StoredRowError } from '../../shared/storage/storedRow';
import { InvalidKeyError } from '../../shared/storage/tableKeys';
import { createTableRepositories } from '../../shared/storage/tableRepositories';
import { createTestRepositories, testTablesConnectionString, uniqueTablePrefix } from '../support/tables';

const ruleSet: RuleSet = ruleSetSchema.parse({
  reasons: [{ code: 'AWAY', name: 'Away' }],
  availability: {
    free: { sync: false },
    tentative: { sync: false },
    busy: { sync: true, reasonCode: 'AWAY' },
    oof: { sync: true, reasonCode: 'AWAY', callHandling: 'diversion' },
    workingElsewhere: { sync: false },
    unknown: { sync: false },
  },
});

function integration(id: string, extra: Partial<IntegrationRecord> = {}): IntegrationRecord {
  return {
    id,
    name: 'Contoso',
    active: true,
    consentState: 'pending',
    pbxUrl: 'https://pbx.example.test/hooks',
    pbxSecretName: 'pbx-contoso',
    ruleSet,
    rulesVersion: 1,
    createdAt: '2026-11-25T08:00:00.000Z',
    updatedAt: '2026-11-25T08:00:00.000Z',
    ...extra,
  };
}

function user(integrationId: string, id: string, extra: Partial<UserRecord> = {}): UserRecord {
  return {
    integrationId,
    id,
    email: `${id}@contoso.test`,
    timeZone: 'Europe/Stockholm',
    status: 'neverSynced',
    createdAt: '2026-11-25T08:00:00.000Z',
    ...extra,
  };
}

function absence(
  integrationId: string,
  userId: string,
  id: string,
  extra: Partial<AbsenceRecord> = {},
): AbsenceRecord {
  return {
    integrationId,
    userId,
    id,
    eventId: `event-${id}`,
    start: '2026-11-25T09:00:00.000Z',
    end: '2026-11-25T10:00:00.000Z',
    reason: { code: 'AWAY', name: 'Away' },
    callHandling: 'information',
    version: 1,
    deleted: false,
    updatedAt: '2026-11-25T08:00:00.000Z',
    ...extra,
  };
}

const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

let prefix: string;
let repos: Repositories;

function rawTable(name: 'Integrations' | 'Users' | 'Subscriptions' | 'Absences'): TableClient {
  return TableClient.fromConnectionString(testTablesConnectionString(), `${prefix}${name}`, {
    allowInsecureConnection: true,
  });
}

beforeAll(async () => {
  prefix = uniqueTablePrefix();
  repos = await createTestRepositories(prefix);
});

describe('integrations', () => {
  it('round-trips with and without optional fields, and lists them', async () => {
    const full = integration('full', {
      tenantId: '11111111-2222-3333-4444-555555555555',
      consentState: 'granted',
      consentedAt: '2026-11-25T08:05:00.000Z',
    });
    const bare = integration('bare');
    await repos.integrations.create(full);
    await repos.integrations.create(bare);

    const readFull = await repos.integrations.get('full');
    expect(readFull?.value).toStrictEqual(full);
    expect(readFull?.etag).toEqual(expect.any(String));
    const readBare = await repos.integrations.get('bare');
    expect(readBare?.value).toStrictEqual(bare);
    expect(Object.keys(readBare?.value ?? {})).not.toContain('tenantId');

    const listed = await repos.integrations.list();
    expect(listed.filter((i) => i.id === 'full' || i.id === 'bare').sort(byId)).toStrictEqual([bare, full]);
    await expect(repos.integrations.get('missing')).resolves.toBeUndefined();
  });

  it('refuses a second create of the same id', async () => {
    await repos.integrations.create(integration('twice'));
    await expect(repos.integrations.create(integration('twice', { name: 'Other' }))).rejects.toThrow(
      ConcurrencyError,
    );
    expect((await repos.integrations.get('twice'))?.value.name).toBe('Contoso');
  });

  it('lets only the first of two writers with the same etag through', async () => {
    await repos.integrations.create(integration('race'));
    const first = await repos.integrations.get('race');
    const second = await repos.integrations.get('race');
    expect(first?.etag).toBe(second?.etag);

    await repos.integrations.update({ ...first!.value, name: 'First' }, first!.etag);
    await expect(
      repos.integrations.update({ ...second!.value, name: 'Second' }, second!.etag),
    ).rejects.toThrow(ConcurrencyError);
    const now = await repos.integrations.get('race');
    expect(now?.value.name).toBe('First');
    expect(now?.etag).not.toBe(first?.etag);

    // Without an etag the write is unconditional.
    await repos.integrations.update({ ...now!.value, name: 'Forced' });
    expect((await repos.integrations.get('race'))?.value.name).toBe('Forced');
  });

  it('treats an update of a row deleted meanwhile as a concurrent change, and delete as idempotent', async () => {
    await repos.integrations.create(integration('gone'));
    const read = await repos.integrations.get('gone');
    await repos.integrations.delete('gone');
    await repos.integrations.delete('gone');
    await expect(repos.integrations.update(read!.value, read!.etag)).rejects.toThrow(ConcurrencyError);
    await expect(repos.integrations.get('gone')).resolves.toBeUndefined();
  });

  it('reports a stored rule set that fails the schema as a clear error', async () => {
    const table = rawTable('Integrations');
    const row = {
      partitionKey: 'integration',
      name: 'Broken',
      active: true,
      consentState: 'pending',
      pbxUrl: 'https://pbx.example.test',
      pbxSecretName: 'pbx-broken',
      rulesVersion: 1,
      createdAt: '2026-11-25T08:00:00.000Z',
      updatedAt: '2026-11-25T08:00:00.000Z',
    };
    await table.upsertEntity({
      ...row,
      rowKey: 'badrules',
      ruleSet: JSON.stringify({ ...ruleSet, reasons: [] }),
    });
    await table.upsertEntity({ ...row, rowKey: 'notjson', ruleSet: '{"reasons": [' });

    const badRules = repos.integrations.get('badrules');
    await expect(badRules).rejects.toThrow(StoredRowError);
    await expect(badRules).rejects.toThrow(/integration badrules is unreadable: ruleSet\.reasons/);
    await expect(repos.integrations.get('notjson')).rejects.toThrow(/ruleSet: not valid JSON/);
    await table.deleteEntity('integration', 'badrules');
    await table.deleteEntity('integration', 'notjson');
  });

  it('refuses an invalid rule set before writing', async () => {
    const invalid = { ...ruleSet, reasons: [] } as unknown as RuleSet;
    await expect(repos.integrations.create(integration('invalid', { ruleSet: invalid }))).rejects.toThrow(
      InvalidRuleSetError,
    );
    await expect(repos.integrations.get('invalid')).resolves.toBeUndefined();
  });

  it('keeps a rule set larger than one property', async () => {
    const triggers = Array.from({ length: 500 }, (_, index) => ({
      phrase: `trigger phrase number ${index} ${'x'.repeat(50)}`,
      reasonCode: 'AWAY',
      callHandling: 'diversion' as const,
    }));
    const big = ruleSetSchema.parse({ ...ruleSet, triggers });
    expect(JSON.stringify(big).length).toBeGreaterThan(32 * 1024);
    await repos.integrations.create(integration('bigrules', { ruleSet: big }));
    expect((await repos.integrations.get('bigrules'))?.value.ruleSet).toStrictEqual(big);

    // Shrinking it again must not leave stale parts behind.
    const read = await repos.integrations.get('bigrules');
    await repos.integrations.update({ ...read!.value, ruleSet }, read!.etag);
    expect((await repos.integrations.get('bigrules'))?.value.ruleSet).toStrictEqual(ruleSet);
    const raw = await rawTable('Integrations').getEntity<Record<string, unknown>>('integration', 'bigrules');
    expect(Object.keys(raw).filter((name) => name.startsWith('ruleSet'))).toStrictEqual([
      'ruleSet',
      'ruleSetParts',
    ]);
  });
});

describe('users', () => {
  it('round-trips every field and drops optional ones on replace', async () => {
    const full = user('contoso', 'u1', {
      displayName: 'Ada',
      deltaLink: `https://graph.microsoft.com/v1.0/users/u1/calendarView/delta?$deltatoken=${'a'.repeat(20000)}`,
      window: { start: '2026-11-25T00:00:00.000Z', end: '2026-12-10T00:00:00.000Z' },
      rulesVersion: 3,
      subscriptionId: 'sub-1',
      status: 'error',
      lastSyncAt: '2026-11-25T08:10:00.000Z',
      lastError: 'Graph said 503',
    });
    await repos.users.upsert(full);
    const read = await repos.users.get('contoso', 'u1');
    expect(read?.value).toStrictEqual(full);

    const bare = user('contoso', 'u1', { status: 'ok' });
    await repos.users.update(bare, read!.etag);
    const after = await repos.users.get('contoso', 'u1');
    expect(after?.value).toStrictEqual(bare);
    expect(Object.keys(after!.value).sort()).toStrictEqual(
      ['createdAt', 'email', 'id', 'integrationId', 'status', 'timeZone'].sort(),
    );
    await expect(repos.users.update({ ...bare, status: 'error' }, read!.etag)).rejects.toThrow(
      ConcurrencyError,
    );
  });

  it('lists one integration only and deletes idempotently', async () => {
    await repos.users.upsert(user('listing', 'a'));
    await repos.users.upsert(user('listing', 'b'));
    await repos.users.upsert(user('listing2', 'c'));
    expect((await repos.users.listByIntegration('listing')).map((u) => u.id).sort()).toStrictEqual([
      'a',
      'b',
    ]);
    await repos.users.delete('listing', 'a');
    await repos.users.delete('listing', 'a');
    expect((await repos.users.listByIntegration('listing')).map((u) => u.id)).toStrictEqual(['b']);
  });

  it('refuses a delta link over the property limit with an error naming it', async () => {
    const huge = user('contoso', 'huge', { deltaLink: `https://graph.test/delta?t=${'z'.repeat(40000)}` });
    const write = repos.users.upsert(huge);
    await expect(write).rejects.toThrow(PropertyTooLargeError);
    await expect(write).rejects.toThrow(/deltaLink is \d+ characters/);
    await expect(repos.users.get('contoso', 'huge')).resolves.toBeUndefined();
  });

  it('reports a malformed stored window', async () => {
    await rawTable('Users').upsertEntity({
      partitionKey: 'contoso',
      rowKey: 'badwindow',
      email: 'x@contoso.test',
      timeZone: 'UTC',
      status: 'ok',
      createdAt: '2026-11-25T08:00:00.000Z',
      window: JSON.stringify({ start: 5 }),
    });
    await expect(repos.users.get('contoso', 'badwindow')).rejects.toThrow(/window\.start/);
  });
});

describe('subscriptions', () => {
  it('round-trips, lists, replaces and deletes', async () => {
    const record: SubscriptionRecord = {
      subscriptionId: 'f1e2d3c4-0000-4000-8000-000000000001',
      integrationId: 'contoso',
      userId: 'u1',
      clientState: 'not-logged-secret',
      resource: '/users/u1/events',
      expiresAt: '2026-11-28T08:00:00.000Z',
    };
    await repos.subscriptions.upsert(record);
    expect(await repos.subscriptions.get(record.subscriptionId)).toStrictEqual(record);
    const renewed = { ...record, expiresAt: '2026-12-01T08:00:00.000Z' };
    await repos.subscriptions.upsert(renewed);
    expect(await repos.subscriptions.list()).toStrictEqual([renewed]);
    await repos.subscriptions.delete(record.subscriptionId);
    await repos.subscriptions.delete(record.subscriptionId);
    await expect(repos.subscriptions.get(record.subscriptionId)).resolves.toBeUndefined();
  });

  it("lists one integration's subscriptions from its own partition, following renewal and deletion", async () => {
    const own = uniqueTablePrefix();
    const fresh = await createTestRepositories(own);
    const sub = (n: number, integrationId: string): SubscriptionRecord => ({
      subscriptionId: `a1b2c3d4-0000-4000-8000-00000000000${n}`,
      integrationId,
      userId: `u${n}`,
      clientState: 'not-logged-secret',
      resource: `/users/u${n}/events`,
      expiresAt: '2026-11-28T08:00:00.000Z',
    });
    // An id with `~` and `/` must not reach another integration's partition.
    for (const record of [sub(1, 'north'), sub(2, 'north'), sub(3, 'south~/x')]) {
      await fresh.subscriptions.upsert(record);
    }
    const renewed = { ...sub(2, 'north'), expiresAt: '2026-12-01T08:00:00.000Z' };
    await fresh.subscriptions.upsert(renewed);
    const byId = (a: SubscriptionRecord, b: SubscriptionRecord) =>
      a.subscriptionId.localeCompare(b.subscriptionId);
    expect((await fresh.subscriptions.listByIntegration('north')).sort(byId)).toStrictEqual([
      sub(1, 'north'),
      renewed,
    ]);
    expect(await fresh.subscriptions.listByIntegration('south~/x')).toStrictEqual([sub(3, 'south~/x')]);
    // The copies are not subscriptions of their own.
    expect(await fresh.subscriptions.list()).toHaveLength(3);
    await fresh.subscriptions.delete(sub(1, 'north').subscriptionId);
    expect(await fresh.subscriptions.listByIntegration('north')).toStrictEqual([renewed]);
    const raw = TableClient.fromConnectionString(testTablesConnectionString(), `${own}Subscriptions`, {
      allowInsecureConnection: true,
    });
    const rows: string[] = [];
    for await (const row of raw.listEntities()) rows.push(`${row.partitionKey}|${row.rowKey}`);
    expect(rows.filter((row) => row.includes('00000000001'))).toStrictEqual([]);
  });

  it('gives subscriptions stored before the integration copies existed their copy, once', async () => {
    const own = uniqueTablePrefix();
    const before = await createTestRepositories(own);
    const raw = TableClient.fromConnectionString(testTablesConnectionString(), `${own}Subscriptions`, {
      allowInsecureConnection: true,
    });
    const old: SubscriptionRecord[] = Array.from({ length: 3 }, (_, n) => ({
      subscriptionId: `b1b2c3d4-0000-4000-8000-00000000000${n}`,
      integrationId: n === 2 ? 'south' : 'north',
      userId: `u${n}`,
      clientState: 'not-logged-secret',
      resource: `/users/u${n}/events`,
      expiresAt: '2026-11-28T08:00:00.000Z',
    }));
    // As the previous version wrote them: the subscription's own row only.
    for (const record of old) {
      await raw.upsertEntity(
        {
          partitionKey: record.subscriptionId,
          rowKey: '',
          integrationId: record.integrationId,
          userId: record.userId,
          clientState: record.clientState,
          resource: record.resource,
          expiresAt: record.expiresAt,
        },
        'Replace',
      );
    }
    expect(await before.subscriptions.listByIntegration('north')).toStrictEqual([]);
    expect(await before.subscriptions.ensureIntegrationIndex()).toBe(3);
    expect(await before.subscriptions.listByIntegration('north')).toHaveLength(2);
    expect(await before.subscriptions.listByIntegration('south')).toStrictEqual([old[2]]);
    // Another instance finds the marker and copies nothing again.
    const later = await createTestRepositories(own);
    expect(await later.subscriptions.ensureIntegrationIndex()).toBe(0);
    expect(await later.subscriptions.list()).toHaveLength(3);
  });
});

describe('absences', () => {
  it('upserts, lists and deletes hundreds of rows in transactions of at most 100', async () => {
    const submit = jest.spyOn(TableClient.prototype, 'submitTransaction');
    const rows = Array.from({ length: 250 }, (_, index) =>
      absence('bulk', 'u1', `a${String(index).padStart(3, '0')}`, {
        subject: index % 2 === 0 ? 'Dentist' : undefined,
      }),
    );
    try {
      await repos.absences.upsertMany([...rows, absence('bulk', 'u2', 'other')]);
      const sizes = submit.mock.calls.map(([actions]) => (actions as TransactionAction[]).length);
      expect(sizes.sort((a, b) => a - b)).toStrictEqual([1, 50, 100, 100]);
    } finally {
      submit.mockRestore();
    }

    const listed = (await repos.absences.listForUser('bulk', 'u1')).sort(byId);
    expect(listed).toStrictEqual(rows.map((row) => (row.subject === undefined ? omitSubject(row) : row)));

    const tombstones = rows.slice(0, 120).map((row) => ({ ...row, deleted: true, version: 2 }));
    await repos.absences.upsertMany(tombstones);
    const afterTombstones = await repos.absences.listForUser('bulk', 'u1');
    expect(afterTombstones.filter((row) => row.deleted)).toHaveLength(120);
    expect(afterTombstones.filter((row) => row.deleted).every((row) => row.version === 2)).toBe(true);

    // A missing id in the list must not fail the rest of its transaction.
    await repos.absences.deleteMany('bulk', 'u1', [
      ...rows.slice(0, 150).map((row) => row.id),
      'never-stored',
    ]);
    expect((await repos.absences.listForUser('bulk', 'u1')).map((row) => row.id).sort()).toStrictEqual(
      rows.slice(150).map((row) => row.id),
    );

    await repos.absences.deleteAllForUser('bulk', 'u1');
    await expect(repos.absences.listForUser('bulk', 'u1')).resolves.toStrictEqual([]);
    const raw = rawTable('Absences').listEntities({ queryOptions: { filter: "PartitionKey eq 'bulk~u1'" } });
    let remaining = 0;
    for await (const _ of raw) remaining += 1;
    expect(remaining).toBe(0);
    // Other users keep their rows.
    expect(await repos.absences.listForUser('bulk', 'u2')).toHaveLength(1);
    await repos.absences.deleteAllForUser('bulk', 'u2');
  });

  it('lets the last record win when one id repeats in a bulk write', async () => {
    await repos.absences.upsertMany([
      absence('repeat', 'u1', 'x', { version: 1 }),
      absence('repeat', 'u1', 'x', { version: 2 }),
    ]);
    expect((await repos.absences.listForUser('repeat', 'u1')).map((row) => row.version)).toStrictEqual([2]);
  });

  it("deletes one user's rows that ended strictly before a moment, in any UTC notation", async () => {
    const { absences } = await createTestRepositories();
    await absences.upsertMany([
      absence('ended', 'u1', 'before', { end: '2026-11-25T11:59:59.999Z' }),
      absence('ended', 'u1', 'exactly', { end: '2026-11-25T12:00:00Z' }),
      absence('ended', 'u1', 'after', { end: '2026-11-25T12:00:00.001Z' }),
      absence('ended', 'u1', 'offset', { end: '2026-11-25T12:30:00+01:00' }),
      absence('ended', 'u1', 'early', { end: '2026-11-24T08:00:00.000Z', deleted: true }),
      absence('ended', 'u2', 'other user', { end: '2026-11-24T08:00:00.000Z' }),
      absence('ended2', 'u1', 'other integration', { end: '2026-11-24T08:00:00.000Z' }),
    ]);
    expect(await absences.deleteEndedBefore('ended', 'u1', '2026-11-25T13:00:00+01:00')).toBe(3);
    const left = async (integrationId: string, userId: string) =>
      (await absences.listForUser(integrationId, userId)).map((row) => row.id).sort();
    expect(await left('ended', 'u1')).toStrictEqual(['after', 'exactly']);
    expect(await left('ended', 'u2')).toStrictEqual(['other user']);
    expect(await left('ended2', 'u1')).toStrictEqual(['other integration']);
    await expect(absences.deleteEndedBefore('ended', 'u1', 'not a date')).rejects.toThrow(RangeError);
    await expect(absences.upsertMany([absence('ended', 'u1', 'bad', { end: 'soon' })])).rejects.toThrow(
      RangeError,
    );
  });
});

function omitSubject(row: AbsenceRecord): AbsenceRecord {
  const { subject: _, ...rest } = row;
  return rest;
}

describe('createTableRepositories', () => {
  it('refuses a table prefix Table Storage would reject', async () => {
    await expect(
      createTableRepositories({ connectionString: testTablesConnectionString(), tablePrefix: '1-bad' }),
    ).rejects.toThrow(/table prefix/);
  });
});

describe('hostile ids', () => {
  const nasty = "a/b\\c#d?e~f!g%h'i\u0001j";

  it('stores and finds rows whose ids hold characters keys forbid', async () => {
    await repos.integrations.create(integration(nasty));
    expect((await repos.integrations.get(nasty))?.value.id).toBe(nasty);
    expect((await repos.integrations.list()).some((i) => i.id === nasty)).toBe(true);

    await repos.users.upsert(user(nasty, nasty));
    expect((await repos.users.get(nasty, nasty))?.value).toStrictEqual(user(nasty, nasty));
    expect((await repos.users.listByIntegration(nasty)).map((u) => u.id)).toStrictEqual([nasty]);

    await repos.subscriptions.upsert({
      subscriptionId: nasty,
      integrationId: nasty,
      userId: nasty,
      clientState: 's',
      resource: '/users/x/events',
      expiresAt: '2026-11-28T08:00:00.000Z',
    });
    expect((await repos.subscriptions.get(nasty))?.subscriptionId).toBe(nasty);

    await repos.absences.upsertMany([absence(nasty, nasty, nasty)]);
    expect(await repos.absences.listForUser(nasty, nasty)).toStrictEqual([absence(nasty, nasty, nasty)]);
    await repos.absences.deleteMany(nasty, nasty, [nasty]);
    await expect(repos.absences.listForUser(nasty, nasty)).resolves.toStrictEqual([]);
  });

  it('never mixes up users whose ids only differ in where the separator falls', async () => {
    await repos.absences.upsertMany([absence('p~q', 'r', 'one'), absence('p', 'q~r', 'two')]);
    expect((await repos.absences.listForUser('p~q', 'r')).map((row) => row.id)).toStrictEqual(['one']);
    expect((await repos.absences.listForUser('p', 'q~r')).map((row) => row.id)).toStrictEqual(['two']);
    await repos.absences.deleteAllForUser('p~q', 'r');
    expect((await repos.absences.listForUser('p', 'q~r')).map((row) => row.id)).toStrictEqual(['two']);
  });

  it('refuses empty and overlong ids with a clear error', async () => {
    await expect(repos.users.get('contoso', '')).rejects.toThrow(InvalidKeyError);
    await expect(repos.integrations.get('x'.repeat(600))).rejects.toThrow(/integration id cannot be stored/);
  });
});
