import type { AccessToken, TokenCredential } from '@azure/identity';
import { createSecretClient } from '../../shared/secrets/secretClient';

// Never called: building a client makes no request.
const credential: TokenCredential = {
  getToken: async (): Promise<AccessToken | null> => null,
};

describe('createSecretClient', () => {
  it('builds an SDK client for the vault URL', () => {
    const client = createSecretClient('https://kv-contoso.vault.azure.net/', credential);
    expect(client.vaultUrl).toBe('https://kv-contoso.vault.azure.net/');
  });

  it('refuses a vault URL that is not https', () => {
    expect(() => createSecretClient('http://kv-contoso.vault.azure.net/', credential)).toThrow();
    expect(() => createSecretClient('not a url', credential)).toThrow();
  });
});
