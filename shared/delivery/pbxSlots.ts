// The cap on calls one integration's PBX has in flight, held across every
// instance. Each instance handles up to host.json's maxConcurrentCalls
// deliveries at once and Flex Consumption adds instances as the queue grows,
// so without a shared cap one customer's PBX could see hundreds of requests
// at once. Microsoft's advice for a function calling a downstream service that
// cannot take more is to limit concurrency
// (https://learn.microsoft.com/azure/azure-functions/functions-concurrency);
// the per-instance settings cannot do that across instances, so the slots
// live in Table Storage, where every instance sees them.
//
// A slot is a row taken with a conditional write and a lease; the lease runs
// past the PBX timeout, so the slot of a worker that crashed mid-call frees
// itself. Within an instance, calls queue for permits first (localPermits.ts),
// so only as many as the cap ever reach the table. When every slot is taken
// the attempt waits a little, then hands the webhook back to the queue for
// later without using up an attempt.

import { ConcurrencyError, type PbxSlotRecord } from '../storage/records';
import type { PbxSlotRepository } from '../storage/repositories';
import type { LocalPermits } from './localPermits';
import type { ParkedSlot, ParkedSlots } from './parkedSlots';

export interface PbxSlotPolicy {
  /** Calls one integration's PBX may have in flight across all instances (PBX_MAX_CONCURRENT_REQUESTS). */
  maxConcurrent: number;
  /** How long a taken slot stays taken without a release: the PBX timeout plus a margin. */
  leaseMs: number;
  /** How long a call waits for one of this instance's permits before its webhook is handed back. */
  localWaitMs: number;
  /** Looks for a free slot this many times before the attempt is handed back to the queue. */
  tries: number;
  /** The wait before look `round` (1-based, never before the first). */
  pause(round: number): Promise<void>;
  /** When a webhook that found no free slot `deferrals` times before comes back, in ms from now. */
  deferDelayMs(deferrals: number): number;
  /** How long an ended call's slot waits for the next call of this instance before it is given back (parkedSlots.ts). */
  parkMs: number;
  /** A parked slot is taken for a call only while its lease has this long left: the whole call and a margin. */
  minLeaseLeftMs: number;
}

/** A slot between calls: what the next call needs to hold it (its row and ETag). */
export type IdleSlot = ParkedSlot & Omit<HeldSlot, 'releaseLocal'>;

export interface PbxSlotDeps {
  slots: PbxSlotRepository;
  /** One per instance (built once by the runtime), shared by all its deliveries. */
  local: LocalPermits;
  policy: PbxSlotPolicy;
  /** One per instance, like `local`; without it every call takes and gives back its own slot. */
  parked?: ParkedSlots<IdleSlot>;
  /**
   * Leases are compared by every instance, so they run on the wall clock
   * (NTP-synced in Azure; the lease margin covers what skew is left), never on
   * a test's movable service clock.
   */
  clock: () => Date;
}

/** A slot this worker holds; the etag proves it is still the one that wrote the row. */
export interface HeldSlot {
  record: PbxSlotRecord;
  etag: string;
  /** Gives this instance's permit to the next call waiting for it. */
  releaseLocal: () => void;
}

export type SlotClaim = { kind: 'taken'; held: HeldSlot } | { kind: 'busy'; inFlight: number };

/** Room for DNS, the connection and clock skew beyond the PBX timeout itself. */
export const LEASE_MARGIN_MS = 10_000;

/**
 * A call waits up to 5 s for a permit of its own instance (each call ahead of
 * it ends within the PBX timeout). At the table, a handful of short looks (at
 * most about 50 + 100 + 200 ms of waiting) catches a slot another instance
 * frees meanwhile without holding the handler long; "full jitter" keeps
 * instances from looking in lockstep. A webhook handed back comes again after
 * 1, 2, 4 ... up to 30 s (±50 %), so a long queue behind a slow PBX does not
 * poll Table Storage in a tight loop.
 */
export function defaultPbxSlotPolicy(maxConcurrent: number, pbxTimeoutMs: number): PbxSlotPolicy {
  return {
    maxConcurrent,
    leaseMs: pbxTimeoutMs + LEASE_MARGIN_MS,
    localWaitMs: 5000,
    tries: 4,
    pause: (round) => new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * 2 ** (round - 1))),
    deferDelayMs: (deferrals) => Math.min(30_000, 1000 * 2 ** Math.min(deferrals, 5)) * (0.5 + Math.random()),
    // Long enough for the next delivery of a burst to arrive, short beside a lease, so an
    // idle instance gives its slots back well before other instances would miss them.
    parkMs: 250,
    minLeaseLeftMs: pbxTimeoutMs + LEASE_MARGIN_MS / 2,
  };
}

/**
 * A permit of this instance first (no Table call), then a slot in the table:
 * a blind insert of a random slot, one Table call when that slot is free, the
 * usual case when the PBX keeps up. Only when its row is there (taken, or
 * left by a worker that crashed) one query reads the integration's slot rows
 * and one conditional write takes a free or expired slot. A write that loses
 * to another instance, or a moment with every slot taken, costs a wait and
 * another look, up to `tries` looks. Right after the cap is lowered, calls
 * still in flight on slots above it count against it at the looks, but not
 * at the blind insert: the PBX may see up to the old cap until they end.
 */
export async function takePbxSlot(
  integrationId: string,
  webhookId: string,
  deps: PbxSlotDeps,
  maxConcurrent: number = deps.policy.maxConcurrent,
): Promise<SlotClaim> {
  const releaseLocal = await deps.local.acquire(integrationId, maxConcurrent, deps.policy.localWaitMs);
  if (!releaseLocal) return { kind: 'busy', inFlight: maxConcurrent };
  const idle = deps.parked?.reuse(integrationId, deps.clock().getTime() + deps.policy.minLeaseLeftMs);
  if (idle) return { kind: 'taken', held: { record: idle.record, etag: idle.etag, releaseLocal } };
  try {
    const claim = await takeTableSlot(integrationId, webhookId, deps, maxConcurrent);
    if (claim.kind === 'busy') releaseLocal();
    return claim.kind === 'taken' ? { kind: 'taken', held: { ...claim.held, releaseLocal } } : claim;
  } catch (error) {
    releaseLocal();
    throw error;
  }
}

async function takeTableSlot(
  integrationId: string,
  webhookId: string,
  deps: PbxSlotDeps,
  maxConcurrent: number,
): Promise<{ kind: 'taken'; held: Omit<HeldSlot, 'releaseLocal'> } | { kind: 'busy'; inFlight: number }> {
  const recordFor = (slot: number): PbxSlotRecord => ({
    integrationId,
    slot,
    webhookId,
    leaseUntil: new Date(deps.clock().getTime() + deps.policy.leaseMs).toISOString(),
  });
  const taken = (record: PbxSlotRecord, etag: string) => {
    deps.parked?.holding(integrationId, record.slot);
    return { kind: 'taken' as const, held: { record, etag } };
  };
  // A random slot, so workers arriving at the same moment rarely race for the same row;
  // never one this instance holds itself, whose row is certainly there.
  const mine = deps.parked?.mine(integrationId) ?? new Set<number>();
  const open = [...Array(maxConcurrent).keys()].filter((slot) => !mine.has(slot));
  if (open.length > 0) {
    const guess = recordFor(open[Math.floor(Math.random() * open.length)] ?? 0);
    // Counted as this instance's while the insert is on its way, so a call starting meanwhile here
    // (a change's absence and status webhooks leave together) guesses another slot.
    deps.parked?.holding(integrationId, guess.slot);
    const blind = await claimed(() => deps.slots.create(guess)).catch((error: unknown) => {
      deps.parked?.gone(integrationId, guess.slot);
      throw error;
    });
    if (blind !== undefined) return taken(guess, blind);
    deps.parked?.gone(integrationId, guess.slot);
  }
  let inFlight = 0;
  for (let round = 0; round < deps.policy.tries; round++) {
    if (round > 0) await deps.policy.pause(round);
    const now = deps.clock().getTime();
    const rows = await deps.slots.list(integrationId);
    const live = rows.filter((row) => Date.parse(row.value.leaseUntil) > now);
    inFlight = live.length;
    // Counted over every row, so rows above a lowered cap still count until they are released.
    if (live.length >= maxConcurrent) continue;
    const inUse = new Set(live.map((row) => row.value.slot));
    const free = [...Array(maxConcurrent).keys()].filter((slot) => !inUse.has(slot));
    const slot = free[Math.floor(Math.random() * free.length)];
    if (slot === undefined) continue;
    const record = recordFor(slot);
    const expired = rows.find((row) => row.value.slot === slot);
    const etag = await claimed(() =>
      expired ? deps.slots.takeOver(record, expired.etag) : deps.slots.create(record),
    );
    if (etag !== undefined) return taken(record, etag);
  }
  return { kind: 'busy', inFlight };
}

/** The new row's etag, or undefined when another worker's write came first. */
async function claimed(write: () => Promise<string>): Promise<string | undefined> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConcurrencyError) return undefined;
    throw error;
  }
}

/**
 * One conditional delete. False when the lease ran out and another worker
 * took the slot over: its row is left alone, since that call is in flight.
 */
export async function releasePbxSlot(held: HeldSlot, deps: PbxSlotDeps): Promise<boolean> {
  const { integrationId, slot, leaseUntil } = held.record;
  const leaseUntilMs = Date.parse(leaseUntil);
  const parked = deps.parked;
  if (
    parked &&
    deps.policy.parkMs > 0 &&
    leaseUntilMs - deps.clock().getTime() >= deps.policy.minLeaseLeftMs
  ) {
    parked.park(
      { integrationId, slot, leaseUntilMs, record: held.record, etag: held.etag },
      deps.policy.parkMs,
      (idle) => freeIdle(idle, deps),
    );
    held.releaseLocal();
    return true;
  }
  try {
    return await deps.slots.release(integrationId, slot, held.etag);
  } finally {
    parked?.gone(integrationId, slot);
    held.releaseLocal();
  }
}

/**
 * A slot nobody took from the park. Its lease still runs (it was parked with
 * at least a whole call's lease left, for a fraction of that), so no other
 * instance can have taken it over: it can go with the delivery log's next
 * write. Should that write come too late, the lease frees the slot anyway.
 */
async function freeIdle(idle: IdleSlot, deps: PbxSlotDeps): Promise<void> {
  const leaseLeft = idle.leaseUntilMs - deps.clock().getTime();
  if (deps.slots.releaseSoon && leaseLeft > deps.policy.minLeaseLeftMs / 2) {
    await deps.slots.releaseSoon(idle.integrationId, idle.slot);
    return;
  }
  await deps.slots.release(idle.integrationId, idle.slot, idle.etag);
}
