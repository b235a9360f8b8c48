// An Exchange Server integration made the way the service stores one, for the
// local host's demo, tests and benchmarks that need one without going through
// the management API: the password goes to the secret store, the mailboxes are
// added through the service.
import { presetRuleSet } from '../../shared/domain/rules/presets';
import { exchangePasswordSecretName } from '../../shared/exchange/exchangeServerIntegration';
import type { Logger } from '../../shared/logger';
import { addUser } from '../../shared/onboarding/userProvisioning';
import type { Runtime } from '../../shared/runtime';
import type {
  ExchangeAccessMode,
  ExchangeAuthentication,
  IntegrationRecord,
} from '../../shared/storage/records';

export interface ExchangeServerSeed {
  id: string;
  name: string;
  ewsUrl: string;
  userName: string;
  password: string;
  authentication: ExchangeAuthentication;
  accessMode: ExchangeAccessMode;
  timeZone: string;
  pbxUrl: string;
  /** A signing secret already in the secret store. */
  pbxSecretName: string;
  mailboxes: readonly string[];
  log: Logger;
}

export async function createExchangeServerIntegration(
  runtime: Runtime,
  seed: ExchangeServerSeed,
): Promise<void> {
  const now = new Date().toISOString();
  const passwordSecretName = exchangePasswordSecretName(seed.id);
  await runtime.secrets.set(passwordSecretName, seed.password);
  const record: IntegrationRecord = {
    id: seed.id,
    name: seed.name,
    active: true,
    exchangeServer: {
      ewsUrl: seed.ewsUrl,
      userName: seed.userName,
      passwordSecretName,
      passwordSetAt: now,
      authentication: seed.authentication,
      accessMode: seed.accessMode,
      timeZone: seed.timeZone,
    },
    consentState: 'granted',
    pbxUrl: seed.pbxUrl,
    pbxSecretName: seed.pbxSecretName,
    ruleSet: presetRuleSet('availability-default'),
    rulesVersion: 1,
    createdAt: now,
    updatedAt: now,
  };
  const existing = await runtime.repos.integrations.get(seed.id);
  if (existing) await runtime.repos.integrations.update(record);
  else await runtime.repos.integrations.create(record);
  for (const address of seed.mailboxes) {
    const result = await addUser(seed.id, address, runtime.onboarding(seed.log));
    if (result.kind !== 'added') throw new Error(`mailbox ${address}: ${result.reason}`);
  }
}
