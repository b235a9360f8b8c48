// Finding the stored subscription behind a notification's subscriptionId, at a
// cost an anonymous caller cannot multiply. The notification endpoints are
// public, so every id in a POST may be forged: only ids shaped like Graph's
// are looked up, each POST may start at most MAX_LOOKUPS_PER_POST reads, all
// POSTs of one instance share LOOKUP_CONCURRENCY read slots taken in turn (so
// a flood of forged POSTs cannot starve Graph's own), and a read not started
// within LOOKUP_START_BUDGET_MS is not started at all, so the answer stays
// inside Graph's 3 s. Known subscriptions and unknown ids are remembered in
// separate bounded structures: forged ids can only push out other forged ids.

import type { SubscriptionRecord } from '../storage/records';

/**
 * Graph's changeNotification.subscriptionId is a Guid
 * (https://learn.microsoft.com/graph/api/resources/changenotification), the
 * `id` Graph gave the subscription when it was created. Canonical 8-4-4-4-12
 * hex form, as Graph writes it and as we stored it.
 */
const GRAPH_SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGraphSubscriptionId(id: string): boolean {
  return GRAPH_SUBSCRIPTION_ID.test(id);
}

/**
 * Reads a POST may start before one of its items has proved itself with a
 * stored clientState. Graph batches notifications of several subscriptions
 * into one POST when many changes occur
 * (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks):
 * such a POST proves itself with its first verified item and may then read
 * the rest; a forged one never does. Known subscriptions are served from
 * memory and cost no read.
 */
export const MAX_LOOKUPS_PER_POST = 16;
/** Reads in flight at once on one instance, whatever the number of POSTs. */
export const LOOKUP_CONCURRENCY = 8;
/**
 * A read still waiting for a slot this long after its POST arrived is not
 * started: the handler answers by 2.5 s (NOTIFICATION_DEADLINE_MS) and queuing
 * needs the rest.
 */
export const LOOKUP_START_BUDGET_MS = 1500;

/** What one id turned out to be; `unchecked` when this POST's budget ran out before it was read. */
export type Lookup =
  | { kind: 'known'; record: SubscriptionRecord }
  | { kind: 'unknown' }
  | { kind: 'unchecked' }
  | { kind: 'failed'; error: unknown };

export interface SubscriptionLookups {
  /**
   * Looks up distinct ids (already checked with isGraphSubscriptionId) for
   * one POST. `proves` says whether a record is matched by a clientState in
   * the POST: a POST that proves itself so comes from Graph, and may read
   * all its ids (still in turn with every other POST, within the time
   * budget); any other POST reads at most `perPost`.
   */
  resolve(
    ids: readonly string[],
    read: (id: string) => Promise<SubscriptionRecord | undefined>,
    proves: (record: SubscriptionRecord) => boolean,
  ): Promise<Map<string, Lookup>>;
}

export interface LookupSettings {
  /** How long a known subscription is served from memory. */
  knownTtlMs: number;
  /** Short, so a subscription stored just after Graph's first notification is found soon after. */
  unknownTtlMs: number;
  /** Unknown ids remembered; the least recently stored goes first. */
  maxUnknown: number;
  /** Known subscriptions remembered; only stored records get here, so this is the number of real ones. */
  maxKnown: number;
  perPost: number;
  concurrency: number;
  startBudgetMs: number;
  now: () => number;
}

export const DEFAULT_LOOKUP_SETTINGS: LookupSettings = {
  knownTtlMs: 30_000,
  unknownTtlMs: 5_000,
  maxUnknown: 10_000,
  maxKnown: 200_000,
  perPost: MAX_LOOKUPS_PER_POST,
  concurrency: LOOKUP_CONCURRENCY,
  startBudgetMs: LOOKUP_START_BUDGET_MS,
  now: Date.now,
};

/** One instance's lookups: its memory of ids and its read slots. Build it once per process. */
export function subscriptionLookups(overrides: Partial<LookupSettings> = {}): SubscriptionLookups {
  const settings = { ...DEFAULT_LOOKUP_SETTINGS, ...overrides };
  const memory = subscriptionMemory(settings);
  const slots = fairSlots(settings.concurrency, settings.now);
  return {
    async resolve(ids, read, proves) {
      const startBy = settings.now() + settings.startBudgetMs;
      const lane = Symbol('post');
      const answers = new Map<string, Lookup>();
      const toRead: string[] = [];
      let proven = false;
      for (const id of ids) {
        const remembered = memory.get(id);
        if (remembered === undefined) toRead.push(id);
        else if (remembered) {
          answers.set(id, { kind: 'known', record: remembered });
          proven ||= proves(remembered);
        } else answers.set(id, { kind: 'unknown' });
      }
      let started = 0;
      const reads: Array<Promise<void>> = [];
      const readOne = (id: string) =>
        slots
          .run(lane, startBy, () => read(id))
          .then(
            (outcome) => {
              if (outcome.kind === 'skipped') {
                answers.set(id, { kind: 'unchecked' });
                return;
              }
              const record = outcome.value;
              memory.set(id, record ?? null);
              answers.set(id, record ? { kind: 'known', record } : { kind: 'unknown' });
              if (record && proves(record)) {
                proven = true;
                startMore();
              }
            },
            (error: unknown) => {
              answers.set(id, { kind: 'failed', error });
            },
          );
      const startMore = () => {
        while (started < toRead.length && (proven || started < settings.perPost)) {
          reads.push(readOne(toRead[started++]!));
        }
      };
      startMore();
      // Reads started while waiting join `reads`, so wait until no more were added.
      for (let waited = 0; waited < reads.length; ) {
        const batch = reads.slice(waited);
        waited = reads.length;
        await Promise.all(batch);
      }
      for (const id of toRead.slice(started)) answers.set(id, { kind: 'unchecked' });
      return answers;
    },
  };
}

export interface SubscriptionMemory {
  /** The record, `null` for an id known to be unknown, `undefined` when nothing (fresh) is remembered. */
  get(id: string): SubscriptionRecord | null | undefined;
  set(id: string, record: SubscriptionRecord | null): void;
}

/** Two maps, so no number of unknown ids can evict a known subscription. */
export function subscriptionMemory(
  settings: Pick<LookupSettings, 'knownTtlMs' | 'unknownTtlMs' | 'maxKnown' | 'maxUnknown' | 'now'>,
): SubscriptionMemory {
  const known = new Map<string, { record: SubscriptionRecord; until: number }>();
  // Insertion order is age: re-storing an id moves it to the back, the front is evicted.
  const unknown = new Map<string, number>();
  const remember = <V>(map: Map<string, V>, id: string, value: V, max: number) => {
    map.delete(id);
    if (map.size >= max) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(id, value);
  };
  return {
    get(id) {
      const now = settings.now();
      const entry = known.get(id);
      if (entry) {
        if (entry.until >= now) return entry.record;
        known.delete(id);
      }
      const until = unknown.get(id);
      if (until === undefined) return undefined;
      if (until >= now) return null;
      unknown.delete(id);
      return undefined;
    },
    set(id, record) {
      const now = settings.now();
      if (record) {
        unknown.delete(id);
        remember(known, id, { record, until: now + settings.knownTtlMs }, settings.maxKnown);
      } else {
        known.delete(id);
        remember(unknown, id, now + settings.unknownTtlMs, settings.maxUnknown);
      }
    },
  };
}

export type SlotOutcome<T> = { kind: 'ran'; value: T } | { kind: 'skipped' };

export interface FairSlots {
  /**
   * Runs `task` once a slot is free. The next slot goes to the lane (one per
   * POST) that has started the fewest tasks so far, so Graph's usual POST of
   * one notification goes ahead of the reads of every POST already being
   * served, however many those queued. Skipped if no slot came free by
   * `startBy`.
   */
  run<T>(lane: symbol, startBy: number, task: () => Promise<T>): Promise<SlotOutcome<T>>;
}

export function fairSlots(concurrency: number, now: () => number): FairSlots {
  type Waiting = { startBy: number; start: () => void; skip: () => void };
  // A lane lives while it has tasks waiting or running, so its count of started ones holds.
  type Lane = { started: number; running: number; waiting: Waiting[] };
  const lanes = new Map<symbol, Lane>();
  let running = 0;
  const leastServed = (): Lane | undefined => {
    let best: Lane | undefined;
    for (const lane of lanes.values()) {
      if (lane.waiting.length > 0 && (!best || lane.started < best.started)) best = lane;
    }
    return best;
  };
  const next = () => {
    for (let lane = leastServed(); lane && running < concurrency; lane = leastServed()) {
      const waiting = lane.waiting.shift();
      if (waiting && now() > waiting.startBy) waiting.skip();
      else if (waiting) {
        lane.started++;
        waiting.start();
      }
    }
  };
  return {
    run<T>(id: symbol, startBy: number, task: () => Promise<T>) {
      let lane = lanes.get(id);
      if (!lane) {
        lane = { started: 0, running: 0, waiting: [] };
        lanes.set(id, lane);
      }
      const own = lane;
      return new Promise<SlotOutcome<T>>((resolve, reject) => {
        const settled = () => {
          if (own.running === 0 && own.waiting.length === 0) lanes.delete(id);
        };
        own.waiting.push({
          startBy,
          skip: () => {
            resolve({ kind: 'skipped' });
            settled();
          },
          start: () => {
            running++;
            own.running++;
            task()
              .then((value) => resolve({ kind: 'ran', value }), reject)
              .finally(() => {
                running--;
                own.running--;
                settled();
                next();
              });
          },
        });
        next();
      });
    },
  };
}
