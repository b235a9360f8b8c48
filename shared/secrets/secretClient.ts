import { SecretClient } from '@azure/keyvault-secrets';
import { z } from 'zod';

type Credential = ConstructorParameters<typeof SecretClient>[1];

const vaultUrlSchema = z.url({ protocol: /^https$/ });

/**
 * The real Key Vault client for `KEY_VAULT_URL`, authenticated with the given
 * credential (the app's user-assigned managed identity in Azure).
 */
export function createSecretClient(vaultUrl: string, credential: Credential): SecretClient {
  return new SecretClient(vaultUrlSchema.parse(vaultUrl), credential);
}
