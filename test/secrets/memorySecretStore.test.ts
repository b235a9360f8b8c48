import { createMemorySecretStore } from '../../dev/localHost/memorySecretStore';
import { InvalidSecretNameError } from '../../shared/secrets/secretName';

describe('memory secret store (local runs)', () => {
  it('starts with the given secrets and supports set, get and delete', async () => {
    const store = createMemorySecretStore({ 'graph-client-secret': 'local-only' });

    await expect(store.get('graph-client-secret')).resolves.toBe('local-only');
    await store.set('pbx-signing-1', 'whsec_1');
    await expect(store.get('pbx-signing-1')).resolves.toBe('whsec_1');
    await store.delete('pbx-signing-1');
    await expect(store.get('pbx-signing-1')).resolves.toBeUndefined();
    await expect(store.delete('pbx-signing-1')).resolves.toBeUndefined();
  });

  it('applies the Key Vault naming rule, so local runs catch names Azure would refuse', async () => {
    expect(() => createMemorySecretStore({ bad_name: 'x' })).toThrow(InvalidSecretNameError);
    const store = createMemorySecretStore();
    await expect(store.set('bad.name', 'x')).rejects.toBeInstanceOf(InvalidSecretNameError);
  });
});
