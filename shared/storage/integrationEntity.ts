import { z } from 'zod';
import { ruleSetSchema } from '../domain/rules/ruleSet';
import { checkEntitySize, definedProperties, joinLongText, splitLongText } from './propertyLimits';
import type { ConsentState, IntegrationRecord } from './records';
import { parseStoredJson, parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart } from './tableKeys';

/** All integrations share one partition: there are few, and listing them is one query. */
export const INTEGRATION_PARTITION = 'integration';

const CONSENT_STATES: { [State in ConsentState]: State } = {
  pending: 'pending',
  granted: 'granted',
  consentRequired: 'consentRequired',
};

const integrationRowSchema = z.object({
  partitionKey: z.literal(INTEGRATION_PARTITION),
  rowKey: z.string().min(1),
  etag: z.string().min(1),
  name: z.string(),
  active: z.boolean(),
  tenantId: z.string().optional(),
  consentState: z.enum(CONSENT_STATES),
  consentedAt: z.string().optional(),
  pbxUrl: z.string(),
  pbxSecretName: z.string(),
  rulesVersion: z.number().int(),
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
      consentState: record.consentState,
      consentedAt: record.consentedAt,
      pbxUrl: record.pbxUrl,
      pbxSecretName: record.pbxSecretName,
      rulesVersion: record.rulesVersion,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    }),
    ...splitLongText('ruleSet', JSON.stringify(ruleSet)),
  };
  checkEntitySize(what, entity);
  return entity;
}

export function integrationFromEntity(row: Readonly<Record<string, unknown>>): {
  value: IntegrationRecord;
  etag: string;
} {
  const rowKey = typeof row.rowKey === 'string' ? decodeKeyPart(row.rowKey) : '?';
  const what = `integration ${rowKey}`;
  const { partitionKey: _, rowKey: key, etag, ...fields } = parseStoredRow(integrationRowSchema, row, what);
  const ruleSet = parseStoredJson(ruleSetSchema, joinLongText('ruleSet', row), what, 'ruleSet');
  return { value: { id: decodeKeyPart(key), ...fields, ruleSet }, etag };
}
