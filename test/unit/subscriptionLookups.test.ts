// The intake's memory of subscription ids and its bounded reads, on their own
// clock: what no number of forged ids can push out, and how reads are shared
// between POSTs. (The flood through the real endpoint and Azurite is in
// test/functions/intakeFlood.test.ts.)

import type { SubscriptionRecord } from '../../shared/storage/records';
import {
  DEFAULT_LOOKUP_SETTINGS,
  fairSlots,
  isGraphSubscriptionId,
  subscriptionLookups,
  subscriptionMemory,
} from '../../shared/sync/subscriptionLookups';

const record = (n: number): SubscriptionRecord => ({
  subscriptionId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  integrationId: 'demo',
  userId: `u${n}`,
  clientState: `secret-${n}`,
  resource: `users/u${n}/events`,
  expiresAt: '2026-12-01T00:00:00Z',
});
const forgedId = (n: number) => `ffffffff-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('subscription ids', () => {
  it.each([
    ['a Graph subscription id', '7f105c7d-2dc5-4530-97cd-4e7ae6534c07', true],
    ['the same in upper case', '7F105C7D-2DC5-4530-97CD-4E7AE6534C07', true],
    ['slashes', '/'.repeat(200), false],
    ['percent signs', '%'.repeat(200), false],
    ['a GUID with a path after it', '7f105c7d-2dc5-4530-97cd-4e7ae6534c07/..', false],
    ['a GUID in braces', '{7f105c7d-2dc5-4530-97cd-4e7ae6534c07}', false],
    ['a GUID without dashes', '7f105c7d2dc5453097cd4e7ae6534c07', false],
    ['a name', 'no-such-subscription', false],
  ])('%s', (_name, id, shaped) => {
    expect(isGraphSubscriptionId(id)).toBe(shaped);
  });
});

describe('subscription memory', () => {
  const settings = (now: () => number) => ({ ...DEFAULT_LOOKUP_SETTINGS, now });

  it('keeps a known subscription however many unknown ids come after it', () => {
    const memory = subscriptionMemory(settings(() => 0));
    memory.set(record(1).subscriptionId, record(1));
    for (let n = 0; n < 60_000; n++) memory.set(forgedId(n), null);
    expect(memory.get(record(1).subscriptionId)).toEqual(record(1));
  });

  it('forgets the oldest unknown ids first, and no more of them than its bound', () => {
    const max = DEFAULT_LOOKUP_SETTINGS.maxUnknown;
    const memory = subscriptionMemory(settings(() => 0));
    for (let n = 0; n < max + 10; n++) memory.set(forgedId(n), null);
    expect(memory.get(forgedId(0))).toBeUndefined();
    expect(memory.get(forgedId(9))).toBeUndefined();
    expect(memory.get(forgedId(10))).toBeNull();
    expect(memory.get(forgedId(max + 9))).toBeNull();
  });

  it('remembers a known subscription longer than an unknown id', () => {
    let clock = 0;
    const memory = subscriptionMemory(settings(() => clock));
    memory.set(record(1).subscriptionId, record(1));
    memory.set(forgedId(1), null);
    clock = DEFAULT_LOOKUP_SETTINGS.unknownTtlMs + 1;
    expect(memory.get(record(1).subscriptionId)).toEqual(record(1));
    expect(memory.get(forgedId(1))).toBeUndefined();
    clock = DEFAULT_LOOKUP_SETTINGS.knownTtlMs + 1;
    expect(memory.get(record(1).subscriptionId)).toBeUndefined();
  });
});

describe('lookups of one POST', () => {
  const stored = new Map([1, 2, 3].map((n) => [record(n).subscriptionId, record(n)]));
  const counted = () => {
    const read = jest.fn(async (id: string) => stored.get(id));
    return read;
  };

  it(`reads at most ${DEFAULT_LOOKUP_SETTINGS.perPost} ids of a POST that proves nothing`, async () => {
    const read = counted();
    const ids = Array.from({ length: 1000 }, (_, n) => forgedId(n));
    const answers = await subscriptionLookups().resolve(ids, read, () => false);
    expect(read).toHaveBeenCalledTimes(DEFAULT_LOOKUP_SETTINGS.perPost);
    expect([...answers.values()].filter((a) => a.kind === 'unchecked')).toHaveLength(
      1000 - DEFAULT_LOOKUP_SETTINGS.perPost,
    );
  });

  it('reads every id of a POST once one of its items proved itself with a clientState', async () => {
    const read = counted();
    const ids = [record(1).subscriptionId, ...Array.from({ length: 100 }, (_, n) => forgedId(n))];
    const answers = await subscriptionLookups().resolve(
      ids,
      read,
      (found) => found.subscriptionId === record(1).subscriptionId,
    );
    expect(read).toHaveBeenCalledTimes(101);
    expect(answers.get(record(1).subscriptionId)).toEqual({ kind: 'known', record: record(1) });
    expect([...answers.values()].filter((a) => a.kind === 'unchecked')).toEqual([]);
  });

  it('reads an id again only once what it remembered has expired', async () => {
    let clock = 0;
    const read = counted();
    const lookups = subscriptionLookups({ now: () => clock });
    const ids = [record(2).subscriptionId, forgedId(1)];
    await lookups.resolve(ids, read, () => false);
    await lookups.resolve(ids, read, () => false);
    expect(read).toHaveBeenCalledTimes(2);
    clock = DEFAULT_LOOKUP_SETTINGS.unknownTtlMs + 1;
    await lookups.resolve(ids, read, () => false);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('answers `failed` for a read that throws, and still answers the others', async () => {
    const read = jest.fn(async (id: string) => {
      if (id === forgedId(1)) throw new Error('storage down');
      return stored.get(id);
    });
    const answers = await subscriptionLookups().resolve(
      [forgedId(1), record(3).subscriptionId],
      read,
      () => false,
    );
    expect(answers.get(forgedId(1))?.kind).toBe('failed');
    expect(answers.get(record(3).subscriptionId)?.kind).toBe('known');
  });
});

describe('read slots shared by the POSTs of one instance', () => {
  const gate = () => {
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { opened, open };
  };

  it('never runs more than its slots at once', async () => {
    const slots = fairSlots(3, () => 0);
    let running = 0;
    let most = 0;
    const task = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running--;
    };
    const lanes = [Symbol('a'), Symbol('b'), Symbol('c'), Symbol('d')];
    await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        slots.run(lanes[n % lanes.length]!, Number.POSITIVE_INFINITY, task),
      ),
    );
    expect(most).toBe(3);
  });

  it('gives the next slot to a POST with one read before the queued reads of a busy POST', async () => {
    const slots = fairSlots(1, () => 0);
    const order: string[] = [];
    const first = gate();
    const busy = Symbol('busy');
    const done = [
      slots.run(busy, Number.POSITIVE_INFINITY, async () => {
        await first.opened;
        order.push('busy 0');
      }),
      ...Array.from({ length: 5 }, (_, n) =>
        slots.run(busy, Number.POSITIVE_INFINITY, async () => {
          order.push(`busy ${n + 1}`);
        }),
      ),
    ];
    done.push(
      slots.run(Symbol('graph'), Number.POSITIVE_INFINITY, async () => {
        order.push('graph');
      }),
    );
    first.open();
    await Promise.all(done);
    expect(order.slice(0, 2)).toEqual(['busy 0', 'graph']);
  });

  it('skips a read still waiting for a slot after its start-by time', async () => {
    let clock = 0;
    const slots = fairSlots(1, () => clock);
    const first = gate();
    const lane = Symbol('post');
    const running = slots.run(lane, 100, () => first.opened);
    const waiting = slots.run(lane, 100, async () => 'read');
    clock = 101;
    first.open();
    expect(await running).toEqual({ kind: 'ran', value: undefined });
    expect(await waiting).toEqual({ kind: 'skipped' });
  });
});
