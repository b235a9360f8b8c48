import type {
  DeletedSecret,
  KeyVaultSecret,
  PollerLike,
  PollOperationState,
  SecretProperties,
} from '@azure/keyvault-secrets';
import type { SecretClientLike } from '../../shared/secrets/keyVaultSecretStore';

/** Shaped like the SDK's RestError: what the store inspects is statusCode and code. */
export class FakeRestError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'RestError';
  }
}

export type RecordedCall = {
  method: 'getSecret' | 'setSecret' | 'beginDeleteSecret' | 'beginRecoverDeletedSecret';
  name: string;
};

export const VAULT_URL = 'https://kv-test.vault.azure.net';

/** An operation that is already finished, as a poller of the SDK's shape. */
function finishedPoller<T>(result: T): PollerLike<PollOperationState<T>, T> {
  const state: PollOperationState<T> = { isStarted: true, isCompleted: true, result };
  return {
    poll: async () => {},
    pollUntilDone: async () => result,
    onProgress: () => () => {},
    isDone: () => true,
    stopPolling: () => {},
    isStopped: () => true,
    cancelOperation: async () => {},
    getOperationState: () => state,
    getResult: () => result,
    toString: () => JSON.stringify({ state: { isCompleted: true } }),
  };
}

/**
 * An in-memory vault behind the SecretClient methods the store uses, with
 * soft delete as in a vault with purge protection: a deleted name can be
 * recovered but not written until then. Records every call.
 */
export function createFakeSecretClient() {
  const live = new Map<string, { value: string; version: number }>();
  const deleted = new Map<string, { value: string; version: number }>();
  const calls: RecordedCall[] = [];
  let failNextWith: Error | undefined;

  const properties = (name: string, version: number): SecretProperties => ({
    vaultUrl: VAULT_URL,
    name,
    version: `v${version}`,
    id: `${VAULT_URL}/secrets/${name}/v${version}`,
    enabled: true,
  });

  const takeFailure = (): void => {
    const failure = failNextWith;
    failNextWith = undefined;
    if (failure) throw failure;
  };

  const client: SecretClientLike = {
    async getSecret(name): Promise<KeyVaultSecret> {
      calls.push({ method: 'getSecret', name });
      takeFailure();
      const secret = live.get(name);
      if (!secret) {
        throw new FakeRestError(
          `A secret with (name/id) ${name} was not found in this key vault.`,
          404,
          'SecretNotFound',
        );
      }
      return { name, value: secret.value, properties: properties(name, secret.version) };
    },
    async setSecret(name, value): Promise<KeyVaultSecret> {
      calls.push({ method: 'setSecret', name });
      takeFailure();
      if (deleted.has(name)) {
        throw new FakeRestError(
          `Secret ${name} is currently in a deleted but recoverable state.`,
          409,
          'Conflict',
        );
      }
      const version = (live.get(name)?.version ?? 0) + 1;
      live.set(name, { value, version });
      return { name, value, properties: properties(name, version) };
    },
    async beginDeleteSecret(name) {
      calls.push({ method: 'beginDeleteSecret', name });
      takeFailure();
      const secret = live.get(name);
      if (!secret) throw new FakeRestError(`Secret not found: ${name}`, 404, 'SecretNotFound');
      live.delete(name);
      deleted.set(name, secret);
      const result: DeletedSecret = {
        name,
        properties: { ...properties(name, secret.version), deletedOn: new Date(0) },
      };
      return finishedPoller(result);
    },
    async beginRecoverDeletedSecret(name) {
      calls.push({ method: 'beginRecoverDeletedSecret', name });
      takeFailure();
      const secret = deleted.get(name);
      if (!secret) throw new FakeRestError(`Deleted secret not found: ${name}`, 404, 'SecretNotFound');
      deleted.delete(name);
      live.set(name, secret);
      return finishedPoller(properties(name, secret.version));
    },
  };

  return {
    client,
    calls,
    /** Writes behind the store's back, as another instance of the app would. */
    putDirectly(name: string, value: string) {
      live.set(name, { value, version: (live.get(name)?.version ?? 0) + 1 });
    },
    isDeleted: (name: string) => deleted.has(name),
    failNext(error: Error) {
      failNextWith = error;
    },
    countOf: (method: RecordedCall['method']) => calls.filter((call) => call.method === method).length,
  };
}
