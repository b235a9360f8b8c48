import { createKeyVaultSecretStore, SecretStoreError } from '../../shared/secrets/keyVaultSecretStore';
import { InvalidSecretNameError } from '../../shared/secrets/secretName';
import { createFakeSecretClient, FakeRestError } from './fakeSecretClient';

function setup(options: { ttlMs?: number; missingTtlMs?: number } = {}) {
  const vault = createFakeSecretClient();
  let clock = 1_000_000;
  const store = createKeyVaultSecretStore(vault.client, { ...options, now: () => clock });
  return {
    vault,
    store,
    advance(ms: number) {
      clock += ms;
    },
  };
}

describe('Key Vault secret store', () => {
  it('serves a second read within the TTL from its cache', async () => {
    const { vault, store } = setup();
    vault.putDirectly('pbx-signing-integration-1', 'whsec_one');

    await expect(store.get('pbx-signing-integration-1')).resolves.toBe('whsec_one');
    await expect(store.get('pbx-signing-integration-1')).resolves.toBe('whsec_one');

    expect(vault.countOf('getSecret')).toBe(1);
  });

  it('shares one Key Vault call between concurrent reads of the same secret', async () => {
    const { vault, store } = setup();
    vault.putDirectly('pbx-signing-a', 'whsec_a');

    const values = await Promise.all([store.get('pbx-signing-a'), store.get('pbx-signing-a')]);

    expect(values).toEqual(['whsec_a', 'whsec_a']);
    expect(vault.countOf('getSecret')).toBe(1);
  });

  it('reads Key Vault again once the TTL has passed, and sees a newer version', async () => {
    const { vault, store, advance } = setup({ ttlMs: 60_000 });
    vault.putDirectly('graph-client-secret', 'first');
    await store.get('graph-client-secret');

    vault.putDirectly('graph-client-secret', 'rotated');
    advance(59_999);
    await expect(store.get('graph-client-secret')).resolves.toBe('first');
    advance(1);
    await expect(store.get('graph-client-secret')).resolves.toBe('rotated');

    expect(vault.countOf('getSecret')).toBe(2);
  });

  it('answers a get after its own set without calling Key Vault', async () => {
    const { vault, store } = setup();

    await store.set('pbx-signing-b', 'whsec_b');

    await expect(store.get('pbx-signing-b')).resolves.toBe('whsec_b');
    expect(vault.countOf('setSecret')).toBe(1);
    expect(vault.countOf('getSecret')).toBe(0);
  });

  it('returns undefined for a missing secret (404) and asks again soon after', async () => {
    const { vault, store, advance } = setup({ ttlMs: 60_000, missingTtlMs: 5_000 });

    await expect(store.get('pbx-signing-missing')).resolves.toBeUndefined();
    await expect(store.get('pbx-signing-missing')).resolves.toBeUndefined();
    expect(vault.countOf('getSecret')).toBe(1);

    vault.putDirectly('pbx-signing-missing', 'whsec_now_there');
    advance(5_000);
    await expect(store.get('pbx-signing-missing')).resolves.toBe('whsec_now_there');
    expect(vault.countOf('getSecret')).toBe(2);
  });

  it('deletes through Key Vault, forgets the value, and treats an already deleted secret as done', async () => {
    const { vault, store } = setup();
    await store.set('pbx-signing-c', 'whsec_c');

    await store.delete('pbx-signing-c');
    expect(vault.isDeleted('pbx-signing-c')).toBe(true);
    await expect(store.get('pbx-signing-c')).resolves.toBeUndefined();

    await expect(store.delete('pbx-signing-never-existed')).resolves.toBeUndefined();
    expect(vault.countOf('beginDeleteSecret')).toBe(2);
  });

  it('recovers a soft-deleted name before writing it again', async () => {
    const { vault, store, advance } = setup();
    await store.set('pbx-signing-d', 'old');
    await store.delete('pbx-signing-d');

    await store.set('pbx-signing-d', 'new');

    expect(vault.countOf('beginRecoverDeletedSecret')).toBe(1);
    expect(vault.isDeleted('pbx-signing-d')).toBe(false);
    advance(10 * 60_000);
    await expect(store.get('pbx-signing-d')).resolves.toBe('new');
  });

  it.each(['', 'has_underscore', 'dots.not.allowed', 'spaces no', 'ä', 'x'.repeat(128)])(
    'refuses the invalid name %j before calling Key Vault',
    async (name) => {
      const { vault, store } = setup();

      await expect(store.get(name)).rejects.toBeInstanceOf(InvalidSecretNameError);
      await expect(store.set(name, 'value')).rejects.toThrow(/letters, digits and hyphens/);
      await expect(store.delete(name)).rejects.toBeInstanceOf(InvalidSecretNameError);
      expect(vault.calls).toHaveLength(0);
    },
  );

  it('accepts the longest valid name', async () => {
    const { store } = setup();
    const name = `a-${'b'.repeat(125)}`;
    await store.set(name, 'v');
    await expect(store.get(name)).resolves.toBe('v');
  });

  it('reports a failed write without the secret value, and caches nothing', async () => {
    const { vault, store } = setup();
    // The SDK's error can carry the request body, i.e. the value being written.
    vault.failNext(new FakeRestError('Forbidden: body {"value":"whsec_super_secret"}', 403, 'Forbidden'));

    const error = await store.set('pbx-signing-e', 'whsec_super_secret').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretStoreError);
    const failure = error as SecretStoreError;
    expect(failure.message).toBe('Key Vault set of secret "pbx-signing-e" failed with HTTP 403 (Forbidden)');
    expect(JSON.stringify({ ...failure, message: failure.message, stack: failure.stack })).not.toContain(
      'whsec_super_secret',
    );
    expect(failure.cause).toBeUndefined();
    await expect(store.get('pbx-signing-e')).resolves.toBeUndefined();
  });

  it('surfaces a failed read as an error, not as a missing secret, and retries next time', async () => {
    const { vault, store } = setup();
    vault.putDirectly('pbx-signing-f', 'whsec_f');
    vault.failNext(new FakeRestError('Too many requests', 429, 'Throttled'));

    await expect(store.get('pbx-signing-f')).rejects.toMatchObject({
      name: 'SecretStoreError',
      operation: 'get',
      statusCode: 429,
    });
    await expect(store.get('pbx-signing-f')).resolves.toBe('whsec_f');
  });
});
