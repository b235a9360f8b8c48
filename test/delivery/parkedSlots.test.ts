// An instance keeps the PBX slot of a call that ended for its next call of
// the same integration (shared/delivery/parkedSlots.ts): a burst of
// deliveries takes its slots in Table Storage once, not once per webhook, and
// gives them back when the burst is over.

import { handleDelivery } from '../../shared/delivery/deliveryAttempt';
import { localPermits } from '../../shared/delivery/localPermits';
import { parkedSlots } from '../../shared/delivery/parkedSlots';
import { defaultPbxSlotPolicy, type IdleSlot, type PbxSlotDeps } from '../../shared/delivery/pbxSlots';
import type { PbxSlotRecord } from '../../shared/storage/records';
import type { PbxSlotRepository, Repositories } from '../../shared/storage/repositories';
import { createTestRepositories } from '../support/tables';
import { useTestPbx } from '../support/testPbx';
import { capturingQueue, deliveryDeps, integrationFor, requestFor } from './deliveryFixtures';

let repos: Repositories;
beforeAll(async () => {
  repos = await createTestRepositories();
});

/** The slot repository, counting its calls by name. */
function counted(slots: PbxSlotRepository): { slots: PbxSlotRepository; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const counting =
    <Args extends unknown[], Result>(name: string, call: (...args: Args) => Result) =>
    (...args: Args): Result => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return call(...args);
    };
  return {
    calls,
    slots: {
      create: counting('create', (record: PbxSlotRecord) => slots.create(record)),
      takeOver: counting('takeOver', (record: PbxSlotRecord, etag: string) => slots.takeOver(record, etag)),
      list: counting('list', (integrationId: string) => slots.list(integrationId)),
      release: counting('release', (integrationId: string, slot: number, etag: string) =>
        slots.release(integrationId, slot, etag),
      ),
    },
  };
}

describe('parked PBX slots', () => {
  const pbx = useTestPbx();

  it('a burst of deliveries takes one slot and gives it back once, after the burst', async () => {
    const { record, secrets } = await integrationFor(repos, pbx.url);
    const { slots, calls } = counted(repos.pbxSlots);
    const parked = parkedSlots<IdleSlot>();
    const pbxSlots: PbxSlotDeps = {
      slots,
      local: localPermits(),
      parked,
      policy: { ...defaultPbxSlotPolicy(4, 2000), parkMs: 200 },
      clock: () => new Date(),
    };
    const deps = deliveryDeps(repos, secrets, capturingQueue(), { pbxSlots });
    pbx.answer(204);
    for (let i = 0; i < 10; i++) {
      const result = await handleDelivery(requestFor(record.id, `abs_${i}`, 1), deps);
      expect(result.kind).toBe('delivered');
    }
    expect(pbx.requests).toHaveLength(10);
    expect(calls.get('create')).toBe(1);
    expect(calls.get('release')).toBeUndefined();
    // The slot stays taken while parked: another instance counts it.
    expect(await repos.pbxSlots.list(record.id)).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(calls.get('release')).toBe(1);
    expect(await repos.pbxSlots.list(record.id)).toEqual([]);
    expect(parked.mine(record.id).size).toBe(0);
  });

  it('a parked slot whose lease is too short for a call is given back, and a new one is taken', async () => {
    const { record, secrets } = await integrationFor(repos, pbx.url);
    const { slots, calls } = counted(repos.pbxSlots);
    let offset = 0;
    const parked = parkedSlots<IdleSlot>();
    const policy = { ...defaultPbxSlotPolicy(4, 2000), parkMs: 10_000 };
    const pbxSlots: PbxSlotDeps = {
      slots,
      local: localPermits(),
      parked,
      policy,
      clock: () => new Date(Date.now() + offset),
    };
    const deps = deliveryDeps(repos, secrets, capturingQueue(), { pbxSlots });
    pbx.answer(204);
    await handleDelivery(requestFor(record.id, 'abs_a', 1), deps);
    // Later than the lease minus a whole call: the parked slot must not be used for the next one.
    offset = policy.leaseMs - policy.minLeaseLeftMs + 1;
    await handleDelivery(requestFor(record.id, 'abs_b', 1), deps);
    await parked.freeAll();
    expect(calls.get('create')).toBe(2);
    expect(calls.get('release')).toBe(2);
    expect(await repos.pbxSlots.list(record.id)).toEqual([]);
  });
});
