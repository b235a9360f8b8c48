// What makes an integration an Exchange Server one, and the few rules that
// differ from Microsoft 365: no tenant and no consent, one service account
// whose password sits in the secret store, and a refused password that stops
// every call to Exchange until the operator saves a new one.
import type { Logger } from '../logger';
import type { SecretStore } from '../secrets/secretStore';
import { integrationRow, optimisticUpdate, settledOrThrow } from '../storage/optimisticUpdate';
import type { ExchangeServerSettings, IntegrationRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import type { EwsConnection } from './ewsCalendarReader';

export type ExchangeServerIntegration = IntegrationRecord & { exchangeServer: ExchangeServerSettings };

/** Which calendar system an integration reads; records written before Exchange Server existed are Microsoft 365. */
export type CalendarSystem = 'microsoft365' | 'exchangeServer';

export function calendarSystemOf(integration: Pick<IntegrationRecord, 'exchangeServer'>): CalendarSystem {
  return integration.exchangeServer ? 'exchangeServer' : 'microsoft365';
}

export function isExchangeServer(integration: IntegrationRecord): integration is ExchangeServerIntegration {
  return integration.exchangeServer !== undefined;
}

/**
 * May the sync read this integration's calendars? Microsoft 365 needs a
 * granted consent and its tenant; Exchange Server a service account that
 * Exchange has not refused.
 */
export function canReadCalendars(
  integration: Pick<IntegrationRecord, 'consentState' | 'tenantId' | 'exchangeServer'>,
): boolean {
  if (integration.consentState !== 'granted') return false;
  return integration.exchangeServer !== undefined || integration.tenantId !== undefined;
}

/** The consentError an Exchange Server integration carries while its password is refused. */
export const CREDENTIALS_REJECTED = 'credentialsRejected';

export function credentialsRejected(
  integration: Pick<IntegrationRecord, 'exchangeServer' | 'consentState' | 'consentError'>,
): boolean {
  return (
    integration.exchangeServer !== undefined &&
    integration.consentState === 'consentRequired' &&
    (integration.consentError ?? '').startsWith(CREDENTIALS_REJECTED)
  );
}

/** The secret-store name of an integration's service-account password. */
export function exchangePasswordSecretName(integrationId: string): string {
  // Secret names allow letters, digits and hyphens; integration ids may hold other characters.
  const safe = integrationId.replace(/[^0-9a-zA-Z-]/g, '-').slice(0, 90);
  return `ews-password-${safe}`;
}

export interface ExchangeConnections {
  /** The connection of an Exchange Server integration, its password read from the secret store. */
  connectionFor(integration: { exchangeServer: ExchangeServerSettings }): Promise<EwsConnection>;
  /** Forgets this instance's copy, when the operator saved a new password here. */
  forget(integration: Pick<IntegrationRecord, 'exchangeServer'>): void;
}

/**
 * Passwords are kept per instance so a sync does not cost a Key Vault read.
 * The copy is keyed by the settings' `passwordSetAt`: an integration row
 * carrying a newer one (the operator saved a password on another instance)
 * reads the secret again, so no instance keeps using a replaced password.
 */
export function exchangeConnections(secrets: SecretStore): ExchangeConnections {
  const kept = new Map<string, { setAt: string; password: string }>();
  return {
    async connectionFor(integration) {
      const settings = integration.exchangeServer;
      const held = kept.get(settings.passwordSecretName);
      let password = held?.setAt === settings.passwordSetAt ? held.password : undefined;
      if (password === undefined) {
        password = await secrets.get(settings.passwordSecretName);
        if (password === undefined) {
          throw new Error(`the Exchange service account's password is missing from the secret store`);
        }
        kept.set(settings.passwordSecretName, { setAt: settings.passwordSetAt, password });
      }
      return {
        url: settings.ewsUrl,
        userName: settings.userName,
        password,
        authentication: settings.authentication,
        accessMode: settings.accessMode,
      };
    },
    forget(integration) {
      if (integration.exchangeServer) kept.delete(integration.exchangeServer.passwordSecretName);
    },
  };
}

/**
 * Exchange refused the service account: stop calling it until the operator
 * saves a new password. A refusal met with a password older than the one
 * saved since is ignored, so an instance still holding the old password
 * cannot undo the operator's fix. Answers whether this call marked it.
 */
export async function markCredentialsRejected(
  integrationId: string,
  passwordSetAt: string,
  deps: { repos: Pick<Repositories, 'integrations'>; now: () => Date; log: Logger },
): Promise<boolean> {
  const now = deps.now().toISOString();
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current): IntegrationRecord | undefined =>
      !current.exchangeServer ||
      current.exchangeServer.passwordSetAt !== passwordSetAt ||
      current.consentState === 'consentRequired'
        ? undefined
        : {
            ...current,
            consentState: 'consentRequired',
            consentError: `${CREDENTIALS_REJECTED}: Exchange refused the service account's user name or password`,
            consentRequiredSince: now,
            updatedAt: now,
          },
  );
  if (settledOrThrow(outcome, `integration ${integrationId}`).kind !== 'updated') return false;
  deps.log.warn('Exchange refused the service account; calls stop until the operator saves a new password', {
    integrationId,
  });
  return true;
}
