import { localPermits } from '../../shared/delivery/localPermits';

describe('local permits', () => {
  it('gives out at most the limit and hands a returned permit to the first one waiting', async () => {
    const permits = localPermits();
    const first = await permits.acquire('a', 2, 1000);
    const second = await permits.acquire('a', 2, 1000);
    const order: string[] = [];
    const third = permits.acquire('a', 2, 1000).then((release) => {
      order.push('third');
      return release;
    });
    const fourth = permits.acquire('a', 2, 1000).then((release) => {
      order.push('fourth');
      return release;
    });
    // Another key has permits of its own.
    expect(await permits.acquire('b', 2, 0)).toBeDefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);

    first?.();
    first?.(); // a second release of the same permit frees nothing more
    expect(await third).toBeDefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['third']);
    second?.();
    expect(await fourth).toBeDefined();
    expect(order).toEqual(['third', 'fourth']);
  });

  it('answers undefined when no permit comes back in time, and forgets the waiter', async () => {
    const permits = localPermits();
    const held = await permits.acquire('a', 1, 1000);
    expect(await permits.acquire('a', 1, 20)).toBeUndefined();
    held?.();
    // The timed-out waiter did not take the returned permit.
    expect(await permits.acquire('a', 1, 0)).toBeDefined();
  });
});
