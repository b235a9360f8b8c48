// Secrets kept in process memory: for the local host and tests only, where
// there is no Key Vault. Everything is lost when the process exits.

import { assertValidSecretName } from '../../shared/secrets/secretName';
import type { SecretStore } from '../../shared/secrets/secretStore';

export function createMemorySecretStore(initial: Record<string, string> = {}): SecretStore {
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(initial)) {
    assertValidSecretName(name);
    secrets.set(name, value);
  }
  return {
    async get(name) {
      assertValidSecretName(name);
      return secrets.get(name);
    },
    async set(name, value) {
      assertValidSecretName(name);
      secrets.set(name, value);
    },
    async delete(name) {
      assertValidSecretName(name);
      secrets.delete(name);
    },
  };
}
