import { z } from 'zod';
import { ruleSetSchema } from '../domain/rules/ruleSet';
import { checkEntitySize, definedProperties, joinLongText, splitLongText } from './propertyLimits';
import type { ConsentMode, ConsentState, IntegrationRecord } from './records';
import { parseStoredJson, parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart } from './tableKeys';

/** All integrations share one partition: there are few, and listing them is one query. */
export const INTEGRATION_PARTITION = 'integration';

const CONSENT_STATES: { [State in ConsentState]: State } = {
  pending: 'pending',
  granted: 'granted',
  consentRequired: 'consentRequired',
  permissionsMissing: 'permissionsMissing',
};

const CONSENT_MODES: { [Mode in ConsentMode]: Mode } = { tenantWide: 'tenantWide', scoped: 'scoped' };

const pendingUsersSchema = z.array(
  z.object({ address: z.string().min(1), problem: z.string().optional() }).strict(),
);

const onboardingSchema = z
  .object({
    total: z.number().int().nonnegative(),
    done: z.number().int().nonnegative(),
    refused: z.number().int().nonnegative(),
    doneAtStart: z.number().int().nonnegative(),
    startedAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().optional(),
  })
  .strict();

const endingSchema = z
  .object({ kind: z.enum(['delete', 'deactivate']), since: z.string(), deadline: z.string() })
  .strict();

const exchangeServerSchema = z
  .object({
    ewsUrl: z.string().min(1),
    userName: z.string().min(1),
    passwordSecretName: z.string().min(1),
    passwordSetAt: z.string(),
    authentication: z.enum(['basic', 'ntlm']),
    accessMode: z.enum(['impersonation', 'folderPermission']),
    timeZone: z.string().min(1),
  })
  .strict();

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Strict: a field this version does not know (a newer version wrote it) fails the read rather than being dropped on the next write. */
const bookingSchema = z
  .object({
    enabled: z.boolean(),
    groupId: z.string().min(1).optional(),
    groupDisplayName: z.string().max(256).optional(),
    credentialHash: z.string().regex(SHA256_HEX).optional(),
    credentialSetAt: z.string().optional(),
    previousCredentialHash: z.string().regex(SHA256_HEX).optional(),
    previousCredentialUntil: z.string().optional(),
  })
  .strict();

const integrationRowSchema = z.object({
  partitionKey: z.literal(INTEGRATION_PARTITION),
  rowKey: z.string().min(1),
  etag: z.string().min(1),
  name: z.string(),
  active: z.boolean(),
  tenantId: z.string().optional(),
  /** JSON of `exchangeServerSchema`. */
  exchangeServer: z.string().optional(),
  consentState: z.enum(CONSENT_STATES),
  consentedAt: z.string().optional(),
  consentMode: z.enum(CONSENT_MODES).optional(),
  consentError: z.string().optional(),
  consentRequiredSince: z.string().optional(),
  /** Comma-separated: permission names hold no comma. */
  missingPermissions: z.string().optional(),
  followGroupId: z.string().optional(),
  /** JSON of `onboardingSchema`. */
  onboarding: z.string().optional(),
  pbxUrl: z.string(),
  pbxMaxConcurrentRequests: z.number().int().positive().optional(),
  pbxSecretName: z.string(),
  pbxEndpointDisabledReason: z.string().optional(),
  pbxEndpointDisabledSince: z.string().optional(),
  pbxApiKeyHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  pbxApiKeyCreatedAt: z.string().optional(),
  /** JSON of `bookingSchema`. */
  booking: z.string().optional(),
  rulesVersion: z.number().int(),
  /** JSON of `endingSchema`. */
  ending: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export class InvalidRuleSetError extends Error {
  constructor(what: string, problems: string[]) {
    super(`The rule set of ${what} is invalid: ${problems.join('; ')}`);
    this.name = 'InvalidRuleSetError';
  }
}

export function integrationKey(id: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: INTEGRATION_PARTITION, rowKey: encodeKeyPart(id, 'integration id') };
}

export function integrationToEntity(record: IntegrationRecord) {
  const what = `integration ${record.id}`;
  // The rule set is refused here too, so a bad one never reaches the table.
  const parsed = ruleSetSchema.safeParse(record.ruleSet);
  if (!parsed.success) {
    throw new InvalidRuleSetError(
      what,
      parsed.error.issues.map((issue) => issue.message),
    );
  }
  const ruleSet = parsed.data;
  const entity = {
    ...integrationKey(record.id),
    ...definedProperties({
      name: record.name,
      active: record.active,
      tenantId: record.tenantId,
      exchangeServer: record.exchangeServer
        ? JSON.stringify(exchangeServerSchema.parse(record.exchangeServer))
        : undefined,
      consentState: record.consentState,
      consentedAt: record.consentedAt,
      consentMode: record.consentMode,
      consentError: record.consentError,
      consentRequiredSince: record.consentRequiredSince,
      missingPermissions:
        record.missingPermissions && record.missingPermissions.length > 0
          ? record.missingPermissions.join(',')
          : undefined,
      followGroupId: record.followGroupId,
      onboarding: record.onboarding ? JSON.stringify(onboardingSchema.parse(record.onboarding)) : undefined,
      pbxUrl: record.pbxUrl,
      pbxMaxConcurrentRequests: record.pbxMaxConcurrentRequests,
      pbxSecretName: record.pbxSecretName,
      ...(record.pbxEndpoint?.state === 'disabled'
        ? {
            pbxEndpointDisabledReason: record.pbxEndpoint.reason,
            pbxEndpointDisabledSince: record.pbxEndpoint.since,
          }
        : {}),
      pbxApiKeyHash: record.pbxApiKey?.hash,
      pbxApiKeyCreatedAt: record.pbxApiKey?.createdAt,
      booking: record.booking ? JSON.stringify(bookingSchema.parse(record.booking)) : undefined,
      rulesVersion: record.rulesVersion,
      ending: record.ending ? JSON.stringify(endingSchema.parse(record.ending)) : undefined,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    }),
    ...splitLongText('ruleSet', JSON.stringify(ruleSet)),
    ...(record.pendingUsers && record.pendingUsers.length > 0
      ? splitLongText('pendingUsers', JSON.stringify(pendingUsersSchema.parse(record.pendingUsers)))
      : {}),
  };
  checkEntitySize(what, entity);
  return entity;
}

/** A refused pending address keeps a reason of at most this many characters (provisioning cuts longer ones). */
export const PENDING_PROBLEM_MAX_CHARS = 200;

/**
 * Throws PropertyTooLargeError unless the integration fits in its row even
 * after provisioning has given every pending address a reason of the longest
 * kind, so an integration that could be saved can always record why an
 * address was refused.
 */
export function checkIntegrationFits(record: IntegrationRecord): void {
  const reserve = 'x'.repeat(PENDING_PROBLEM_MAX_CHARS);
  integrationToEntity({
    ...record,
    ...(record.pendingUsers
      ? { pendingUsers: record.pendingUsers.map(({ address }) => ({ address, problem: reserve })) }
      : {}),
  });
}

export function integrationFromEntity(row: Readonly<Record<string, unknown>>): {
  value: IntegrationRecord;
  etag: string;
} {
  const rowKey = typeof row.rowKey === 'string' ? decodeKeyPart(row.rowKey) : '?';
  const what = `integration ${rowKey}`;
  const {
    partitionKey: _,
    rowKey: key,
    etag,
    pbxEndpointDisabledReason,
    pbxEndpointDisabledSince,
    pbxApiKeyHash,
    pbxApiKeyCreatedAt,
    missingPermissions,
    onboarding,
    ending,
    exchangeServer,
    booking,
    ...fields
  } = parseStoredRow(integrationRowSchema, row, what);
  const pbxEndpoint =
    pbxEndpointDisabledSince !== undefined
      ? {
          pbxEndpoint: {
            state: 'disabled' as const,
            reason: pbxEndpointDisabledReason ?? '',
            since: pbxEndpointDisabledSince,
          },
        }
      : {};
  const ruleSet = parseStoredJson(ruleSetSchema, joinLongText('ruleSet', row), what, 'ruleSet');
  const pendingText = joinLongText('pendingUsers', row);
  const pendingUsers =
    pendingText === undefined
      ? undefined
      : parseStoredJson(pendingUsersSchema, pendingText, what, 'pendingUsers');
  return {
    value: {
      id: decodeKeyPart(key),
      ...fields,
      ...pbxEndpoint,
      ...(pbxApiKeyHash ? { pbxApiKey: { hash: pbxApiKeyHash, createdAt: pbxApiKeyCreatedAt ?? '' } } : {}),
      ...(missingPermissions ? { missingPermissions: missingPermissions.split(',') } : {}),
      ...(onboarding
        ? { onboarding: parseStoredJson(onboardingSchema, onboarding, what, 'onboarding') }
        : {}),
      ...(ending ? { ending: parseStoredJson(endingSchema, ending, what, 'ending') } : {}),
      ...(exchangeServer
        ? { exchangeServer: parseStoredJson(exchangeServerSchema, exchangeServer, what, 'exchangeServer') }
        : {}),
      ...(booking ? { booking: parseStoredJson(bookingSchema, booking, what, 'booking') } : {}),
      ruleSet,
      ...(pendingUsers ? { pendingUsers } : {}),
    },
    etag,
  };
}
