// Exchange Server integrations as the operator sets them up: the connection
// is tried on a mailbox before it is saved (on create and on every change to
// it), the password goes to the secret store and nowhere else, and a password
// that passes after Exchange refused the old one lifts the stop and has
// every user read again.
import { randomBytes } from 'node:crypto';
import type { EwsConnection } from '../exchange/ewsCalendarReader';
import type { ConnectionCheckReason } from '../exchange/ewsConnectionCheck';
import {
  credentialsRejected,
  type ExchangeConnections,
  exchangePasswordSecretName,
  isExchangeServer,
} from '../exchange/exchangeServerIntegration';
import { conflict, invalid, type Outcome, ok } from '../outcome';
import type { SecretStore } from '../secrets/secretStore';
import type { ExchangeServerSettings, IntegrationRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import {
  type CheckExchangeConnection,
  type TrialOutcome,
  trialRefusal,
  tryExchangeConnection,
  withoutSecret,
} from './exchangeConnectionTrial';
import type { ExchangeServerChange, ExchangeServerInput } from './managementSchemas';
import { noIntegration } from './refusals';

/** What the management services need for Exchange Server integrations (part of AdminDeps). */
export interface ExchangeAdminDeps {
  check: CheckExchangeConnection;
  /** EXCHANGE_ALLOW_LOOPBACK_HTTP: plain http to loopback EWS URLs, for the local host and tests only. */
  allowLoopbackHttp: boolean;
  /** This instance's copy of the service accounts' passwords, forgotten when one is saved here. */
  connections: ExchangeConnections;
}

interface SetupDeps {
  exchange: ExchangeAdminDeps;
  secrets: Pick<SecretStore, 'get' | 'set'>;
  now: () => Date;
  /** DEFAULT_TIME_ZONE, for an integration created without its own zone. */
  defaultTimeZone: string;
}

/** Settings tried and ready to store, with the password to put in the secret store beside them. */
export interface ExchangeServerPrepared {
  settings: ExchangeServerSettings;
  password: string;
}

function connectionOf(
  settings: Pick<ExchangeServerSettings, 'ewsUrl' | 'userName' | 'authentication' | 'accessMode'>,
  password: string,
): EwsConnection {
  return {
    url: settings.ewsUrl,
    userName: settings.userName,
    password,
    authentication: settings.authentication,
    accessMode: settings.accessMode,
  };
}

/**
 * A new integration's connection, tried on `testMailbox` before anything is
 * stored. The password gets a name of its own, as the PBX secret does: a
 * deleted integration's name may still be held by Key Vault's soft delete.
 */
export async function prepareExchangeServer(
  integrationId: string,
  input: ExchangeServerInput,
  deps: SetupDeps,
): Promise<Outcome<ExchangeServerPrepared>> {
  const now = deps.now();
  const trial = await tryExchangeConnection(
    connectionOf(input, input.password),
    input.testMailbox,
    now,
    deps.exchange,
  );
  if (!trial.ok) return trialRefusal(trial, 'exchangeServer.testMailbox');
  return ok({
    settings: {
      ewsUrl: input.ewsUrl,
      userName: input.userName,
      passwordSecretName: `${exchangePasswordSecretName(integrationId)}-${randomBytes(4).toString('hex')}`,
      passwordSetAt: now.toISOString(),
      authentication: input.authentication,
      accessMode: input.accessMode,
      timeZone: input.timeZone ?? deps.defaultTimeZone,
    },
    password: input.password,
  });
}

/**
 * A PATCH's change to an Exchange Server integration: `apply` makes the new
 * row (pure, since the optimistic update may run it more than once), and
 * `recovered` says, after the write, whether it lifted a credentials stop.
 */
export interface ExchangeServerChangePlan {
  apply(current: IntegrationRecord): IntegrationRecord;
  recovered(): boolean;
  /** Once the row is written: this instance forgets the old password. */
  saved(): void;
}

const CONNECTION_FIELDS = ['ewsUrl', 'userName', 'authentication', 'accessMode'] as const;

/**
 * Checks a change against the stored integration and, when it touches the
 * connection or the password, tries the result on `testMailbox` first; a
 * new password that passes is stored before the row names its new date.
 */
export async function planExchangeServerChange(
  stored: IntegrationRecord,
  change: ExchangeServerChange,
  deps: SetupDeps,
): Promise<Outcome<ExchangeServerChangePlan>> {
  if (!isExchangeServer(stored)) {
    return invalid(
      'exchangeServer: this is a Microsoft 365 integration; create an Exchange Server integration instead',
      'exchangeServer',
    );
  }
  const current = stored.exchangeServer;
  const { password, testMailbox, ...fields } = change;
  const connectionChanged =
    password !== undefined ||
    CONNECTION_FIELDS.some((name) => fields[name] !== undefined && fields[name] !== current[name]);
  const now = deps.now();
  if (connectionChanged) {
    if (testMailbox === undefined) {
      return invalid(
        'exchangeServer.testMailbox: name a mailbox to try the changed connection on',
        'exchangeServer.testMailbox',
      );
    }
    const storedPassword = password ?? (await deps.secrets.get(current.passwordSecretName));
    if (storedPassword === undefined) {
      return invalid(
        'exchangeServer.password: the saved password is missing from the secret store; send it again',
        'exchangeServer.password',
      );
    }
    const next = { ...current, ...fields };
    const trial = await tryExchangeConnection(
      connectionOf(next, storedPassword),
      testMailbox,
      now,
      deps.exchange,
    );
    if (!trial.ok) return trialRefusal(trial, 'exchangeServer.testMailbox');
    if (password !== undefined) await deps.secrets.set(current.passwordSecretName, password);
  }
  let lifted = false;
  return ok({
    apply(row) {
      lifted = false;
      if (!row.exchangeServer) return row;
      const settings: ExchangeServerSettings = {
        ...row.exchangeServer,
        ...fields,
        ...(password !== undefined ? { passwordSetAt: now.toISOString() } : {}),
      };
      if (!connectionChanged) return { ...row, exchangeServer: settings };
      // The connection just passed: whatever Exchange refused before, it accepts now.
      lifted = credentialsRejected(row);
      const { consentError: _error, consentRequiredSince: _since, ...rest } = row;
      return {
        ...rest,
        exchangeServer: settings,
        consentState: 'granted',
        consentedAt: row.consentState === 'granted' && row.consentedAt ? row.consentedAt : now.toISOString(),
      };
    },
    recovered: () => lifted,
    saved() {
      // The secret's name stays; the row's new passwordSetAt makes other instances read it again.
      if (password !== undefined) deps.exchange.connections.forget(stored);
    },
  });
}

/** The answer of POST …/exchange/test: what Exchange said, and the request field to change when it refused. */
export type ExchangeTestResult =
  | {
      ok: true;
      mailbox: { primaryAddress: string; displayName: string };
      /** Calendar items in the week from now. */
      itemsInWindow: number;
    }
  | { ok: false; reason: ConnectionCheckReason; message: string; path?: string };

/** Tries the stored connection on one mailbox; nothing is stored or marked. */
export async function testExchangeServerConnection(
  integrationId: string,
  mailbox: string,
  deps: Pick<SetupDeps, 'exchange' | 'now'> & { repos: Pick<Repositories, 'integrations'> },
): Promise<Outcome<ExchangeTestResult>> {
  const stored = (await deps.repos.integrations.get(integrationId))?.value;
  if (!stored) return noIntegration(integrationId);
  if (!isExchangeServer(stored)) {
    return conflict(
      `integration ${integrationId} is a Microsoft 365 integration: it has no Exchange Server connection`,
    );
  }
  let connection: EwsConnection;
  try {
    connection = await deps.exchange.connections.connectionFor(stored);
  } catch {
    return ok({
      ok: false,
      reason: 'failed',
      message: "the service account's password is missing from the secret store; save it again",
      path: 'exchangeServer.password',
    });
  }
  const trial = await tryExchangeConnection(connection, mailbox, deps.now(), deps.exchange);
  return ok(testAnswer(trial, connection.password));
}

function testAnswer(trial: TrialOutcome, password: string): ExchangeTestResult {
  if (trial.ok) return { ok: true, mailbox: trial.mailbox, itemsInWindow: trial.itemsInWindow };
  const path =
    trial.field === undefined
      ? undefined
      : trial.field === 'mailbox'
        ? 'mailbox'
        : `exchangeServer.${trial.field}`;
  return {
    ok: false,
    reason: trial.reason,
    message: withoutSecret(trial.message, password),
    ...(path ? { path } : {}),
  };
}

/** The refusal for a route that only Microsoft 365 integrations have (consent links, unbinding). */
export function noConsentForExchangeServer(integrationId: string) {
  return conflict(
    `integration ${integrationId} is an Exchange Server integration: it has no Microsoft 365 tenant or consent; its service account is set with PATCH exchangeServer`,
  );
}
