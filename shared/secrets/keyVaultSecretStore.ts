// The part of the SDK's SecretClient this store uses. A Pick keeps test fakes
// bound to the real signatures.

import type { SecretClient } from '@azure/keyvault-secrets';
import { assertValidSecretName } from './secretName';
import type { SecretStore } from './secretStore';

export type SecretClientLike = Pick<
  SecretClient,
  'getSecret' | 'setSecret' | 'beginDeleteSecret' | 'beginRecoverDeletedSecret'
>;

export interface KeyVaultSecretStoreOptions {
  /** How long a value read or written stays cached. PBX signing happens per delivery; Key Vault throttles. */
  ttlMs?: number;
  /** How long "no such secret" is remembered; short, so a secret created elsewhere shows up soon. */
  missingTtlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export type SecretStoreOperation = 'get' | 'set' | 'delete';

/**
 * A Key Vault call failed. The message names the operation, the secret and
 * the HTTP status, never the value; the SDK error is not attached because its
 * request body may hold the value being set.
 */
export class SecretStoreError extends Error {
  constructor(
    readonly operation: SecretStoreOperation,
    readonly secretName: string,
    readonly statusCode: number | undefined,
    readonly errorCode: string | undefined,
  ) {
    super(
      `Key Vault ${operation} of secret "${secretName}" failed` +
        (statusCode === undefined ? '' : ` with HTTP ${statusCode}`) +
        (errorCode === undefined ? '' : ` (${errorCode})`),
    );
    this.name = 'SecretStoreError';
  }
}

const DEFAULT_TTL_MS = 60_000;
const DEFAULT_MISSING_TTL_MS = 5_000;

type CacheEntry = { value: string | undefined; expiresAt: number };

/** SecretStore over Key Vault, with a short read cache that writes keep current. */
export function createKeyVaultSecretStore(
  client: SecretClientLike,
  options: KeyVaultSecretStoreOptions = {},
): SecretStore {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const missingTtlMs = Math.min(options.missingTtlMs ?? DEFAULT_MISSING_TTL_MS, ttlMs);
  const now = options.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();
  // Concurrent reads of one name share a single Key Vault call.
  const reading = new Map<string, Promise<string | undefined>>();

  const remember = (name: string, value: string | undefined): void => {
    cache.set(name, { value, expiresAt: now() + (value === undefined ? missingTtlMs : ttlMs) });
  };

  const read = async (name: string): Promise<string | undefined> => {
    try {
      const secret = await client.getSecret(name);
      // A secret without a value (never the case for ones we write) is as good as missing.
      return secret.value;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw failure('get', name, error);
    }
  };

  const write = async (name: string, value: string): Promise<void> => {
    try {
      await client.setSecret(name, value);
    } catch (error) {
      // Purge protection keeps a deleted name reserved for the retention period
      // (409 ObjectIsDeletedButRecoverable); recover it, then write a new version.
      if (statusOf(error) !== 409) throw error;
      const poller = await client.beginRecoverDeletedSecret(name);
      await poller.pollUntilDone();
      await client.setSecret(name, value);
    }
  };

  return {
    async get(name) {
      assertValidSecretName(name);
      const cached = cache.get(name);
      if (cached && cached.expiresAt > now()) return cached.value;
      const pending = reading.get(name);
      if (pending) return pending;
      const started = read(name).then(
        (value) => {
          // A set or delete that finished meanwhile is newer than this read.
          if (reading.get(name) === started) remember(name, value);
          reading.delete(name);
          return value;
        },
        (error: unknown) => {
          reading.delete(name);
          throw error;
        },
      );
      reading.set(name, started);
      return started;
    },

    async set(name, value) {
      assertValidSecretName(name);
      try {
        await write(name, value);
      } catch (error) {
        throw failure('set', name, error);
      }
      reading.delete(name);
      remember(name, value);
    },

    async delete(name) {
      assertValidSecretName(name);
      try {
        const poller = await client.beginDeleteSecret(name);
        await poller.pollUntilDone();
      } catch (error) {
        // Already gone is what the caller wanted.
        if (statusOf(error) !== 404) throw failure('delete', name, error);
      }
      reading.delete(name);
      remember(name, undefined);
    },
  };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function failure(operation: SecretStoreOperation, name: string, error: unknown): SecretStoreError {
  return new SecretStoreError(operation, name, statusOf(error), codeOf(error));
}

// The composition root builds the client and the store together.
export { createSecretClient } from './secretClient';
