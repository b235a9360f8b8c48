// The one read-modify-write against real Table Storage (Azurite): the
// competing writers below write the same row between our read and our write,
// exactly the interleaving two Functions instances produce.

import { presetRuleSet } from '../../shared/domain/rules/presets';
import {
  type ConflictRetries,
  DEFAULT_CONFLICT_RETRIES,
  integrationRow,
  optimisticUpdate,
  type StoredRow,
  userRow,
} from '../../shared/storage/optimisticUpdate';
import type { IntegrationRecord, UserRecord } from '../../shared/storage/records';
import type { Repositories } from '../../shared/storage/repositories';
import { createTestRepositories } from '../support/tables';

let repos: Repositories;

beforeAll(async () => {
  repos = await createTestRepositories();
});

function integration(id: string): IntegrationRecord {
  return {
    id,
    name: 'Contoso',
    active: true,
    consentState: 'pending',
    pbxUrl: 'https://pbx.example.test/hooks',
    pbxSecretName: `pbx-${id}`,
    ruleSet: presetRuleSet('availability-default'),
    rulesVersion: 1,
    createdAt: '2026-11-25T08:00:00.000Z',
    updatedAt: '2026-11-25T08:00:00.000Z',
  };
}

/** No waiting in tests; records which rounds paused. */
function recordingPolicy(attempts: number): ConflictRetries & { paused: number[] } {
  const paused: number[] = [];
  return {
    attempts,
    paused,
    pause: async (round) => {
      paused.push(round);
    },
  };
}

/** The row as the helper sees it, with another writer renaming it after each of the first `times` reads. */
function contested(id: string, times: number): StoredRow<IntegrationRecord> & { rivals: string[] } {
  const row = integrationRow(repos.integrations, id);
  const rivals: string[] = [];
  return {
    rivals,
    async read() {
      const read = await row.read();
      if (read && rivals.length < times) {
        const name = `rival ${rivals.length + 1}`;
        rivals.push(name);
        await repos.integrations.update({ ...read.value, name });
      }
      return read;
    },
    write: row.write,
  };
}

const bumpRules = (current: IntegrationRecord): IntegrationRecord => ({
  ...current,
  rulesVersion: current.rulesVersion + 1,
});

describe('optimisticUpdate', () => {
  it('writes on a fresh read after a conflict, keeping the other writer’s change', async () => {
    await repos.integrations.create(integration('retried'));
    const row = contested('retried', 2);
    const policy = recordingPolicy(5);
    const seen: string[] = [];

    const outcome = await optimisticUpdate(
      row,
      (current) => {
        seen.push(current.name);
        return bumpRules(current);
      },
      policy,
    );

    expect(outcome).toMatchObject({ kind: 'updated', value: { name: 'rival 2', rulesVersion: 2 } });
    // Each round saw the row as it was read; the third round's read was the last one.
    expect(seen).toEqual(['Contoso', 'rival 1', 'rival 2']);
    expect(policy.paused).toEqual([1, 2]);
    const stored = await repos.integrations.get('retried');
    expect(stored?.value).toMatchObject({ name: 'rival 2', rulesVersion: 2 });
    expect(outcome.kind === 'updated' && outcome.etag).toBe(stored?.etag);
  });

  it('gives up with conflict when other writers win every round, and writes nothing of its own', async () => {
    await repos.integrations.create(integration('hopeless'));
    const policy = recordingPolicy(3);
    const row = contested('hopeless', Number.POSITIVE_INFINITY);

    expect(await optimisticUpdate(row, bumpRules, policy)).toEqual({ kind: 'conflict' });
    expect(row.rivals).toHaveLength(3);
    expect(policy.paused).toEqual([1, 2]);
    expect((await repos.integrations.get('hopeless'))?.value).toMatchObject({
      name: 'rival 3',
      rulesVersion: 1,
    });
  });

  it('retries a few times by default, with short pauses', async () => {
    await repos.integrations.create(integration('default'));
    const row = contested('default', Number.POSITIVE_INFINITY);
    const started = Date.now();
    expect(await optimisticUpdate(row, bumpRules)).toEqual({ kind: 'conflict' });
    expect(row.rivals).toHaveLength(DEFAULT_CONFLICT_RETRIES.attempts);
    expect(DEFAULT_CONFLICT_RETRIES.attempts).toBeGreaterThan(1);
    // Well inside an HTTP request's patience even with Azurite's own time.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers with the new etag, good for the next conditional write without reading again', async () => {
    await repos.integrations.create(integration('etag'));
    const before = await repos.integrations.get('etag');
    const outcome = await optimisticUpdate(integrationRow(repos.integrations, 'etag'), bumpRules);
    if (outcome.kind !== 'updated') throw new Error(`not updated: ${outcome.kind}`);
    expect(outcome.etag).not.toBe(before?.etag);
    expect(outcome.etag).toBe((await repos.integrations.get('etag'))?.etag);
    await expect(
      repos.integrations.update({ ...outcome.value, name: 'Next' }, outcome.etag),
    ).resolves.toEqual(expect.any(String));
  });

  it('writes nothing when the change has nothing to do', async () => {
    await repos.integrations.create(integration('same'));
    const before = await repos.integrations.get('same');
    let writes = 0;
    const row = integrationRow(repos.integrations, 'same');
    const counting: StoredRow<IntegrationRecord> = {
      read: row.read,
      write: (next, etag) => {
        writes++;
        return row.write(next, etag);
      },
    };
    const outcome = await optimisticUpdate(counting, () => undefined);
    expect(outcome).toEqual({ kind: 'unchanged', value: before?.value, etag: before?.etag });
    expect(writes).toBe(0);
    expect((await repos.integrations.get('same'))?.etag).toBe(before?.etag);
  });

  it('answers notFound for a missing row, and for one deleted between rounds', async () => {
    expect(await optimisticUpdate(integrationRow(repos.integrations, 'never'), bumpRules)).toEqual({
      kind: 'notFound',
    });
    await repos.integrations.create(integration('vanishing'));
    const row = integrationRow(repos.integrations, 'vanishing');
    const deletedAfterRead: StoredRow<IntegrationRecord> = {
      async read() {
        const read = await row.read();
        await repos.integrations.delete('vanishing');
        return read;
      },
      write: row.write,
    };
    expect(await optimisticUpdate(deletedAfterRead, bumpRules, recordingPolicy(3))).toEqual({
      kind: 'notFound',
    });
  });

  it('passes other failures through at once, without retrying them', async () => {
    await repos.integrations.create(integration('broken'));
    let rounds = 0;
    const broken = (current: IntegrationRecord) => {
      rounds++;
      // The repository refuses a rule set that fails its schema before writing.
      return { ...current, ruleSet: { ...current.ruleSet, reasons: [] } };
    };
    await expect(
      optimisticUpdate(integrationRow(repos.integrations, 'broken'), broken, recordingPolicy(5)),
    ).rejects.toThrow(/rule set/i);
    expect(rounds).toBe(1);
  });

  it('changes user rows the same way', async () => {
    const user: UserRecord = {
      integrationId: 'contoso',
      id: 'u1',
      email: 'u1@contoso.test',
      timeZone: 'Europe/Stockholm',
      status: 'neverSynced',
      createdAt: '2026-11-25T08:00:00.000Z',
    };
    const created = await repos.users.upsert(user);
    expect(created).toBe((await repos.users.get('contoso', 'u1'))?.etag);
    const outcome = await optimisticUpdate(userRow(repos.users, 'contoso', 'u1'), (current) => ({
      ...current,
      subscriptionId: 'sub-1',
    }));
    expect(outcome).toMatchObject({ kind: 'updated', value: { subscriptionId: 'sub-1' } });
    const stored = await repos.users.get('contoso', 'u1');
    expect(stored?.value.subscriptionId).toBe('sub-1');
    expect(outcome.kind === 'updated' && outcome.etag).toBe(stored?.etag);
  });
});

describe('integration and user repositories', () => {
  it('answer every write with the row’s new etag', async () => {
    const created = await repos.integrations.create(integration('etags'));
    const read = await repos.integrations.get('etags');
    expect(created).toBe(read?.etag);
    const updated = await repos.integrations.update({ ...read!.value, name: 'Renamed' }, read!.etag);
    expect(updated).not.toBe(created);
    expect(updated).toBe((await repos.integrations.get('etags'))?.etag);
    const forced = await repos.integrations.update({ ...read!.value, name: 'Forced' });
    expect(forced).toBe((await repos.integrations.get('etags'))?.etag);
  });
});
