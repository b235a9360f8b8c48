import { startedOnce } from '../../shared/runtime';

// A start that failed (Tables unreachable while the identity's roles were
// still propagating) must not be kept: the next invocation starts again.
describe('the runtime start', () => {
  it('is started again after a failure, and shared once it succeeded', async () => {
    let attempts = 0;
    const start = startedOnce(async () => {
      attempts++;
      if (attempts === 1)
        throw Object.assign(new Error('AuthorizationPermissionMismatch'), { statusCode: 403 });
      return { tables: 'ready', attempt: attempts };
    });
    await expect(start()).rejects.toThrow('AuthorizationPermissionMismatch');
    const [first, second] = await Promise.all([start(), start()]);
    expect(first).toEqual({ tables: 'ready', attempt: 2 });
    expect(second).toBe(first);
    expect(await start()).toBe(first);
    expect(attempts).toBe(2);
  });

  it('shares one start while it is running', async () => {
    let attempts = 0;
    let finish: (value: string) => void = () => undefined;
    const start = startedOnce(() => {
      attempts++;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    });
    const waiting = [start(), start(), start()];
    finish('ready');
    expect(await Promise.all(waiting)).toEqual(['ready', 'ready', 'ready']);
    expect(attempts).toBe(1);
  });
});
