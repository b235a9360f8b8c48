// How a consent link is stored: one row per link, keyed by the hash of its
// token (never the token itself), all in one partition.

import { z } from 'zod';
import { checkEntitySize, definedProperties } from './propertyLimits';
import type { ConsentLinkRecord } from './records';
import { parseStoredRow } from './storedRow';
import { decodeKeyPart, encodeKeyPart } from './tableKeys';

const CONSENT_LINK_PARTITION = 'consentLink';

const consentLinkRowSchema = z.object({
  partitionKey: z.literal(CONSENT_LINK_PARTITION),
  rowKey: z.string().min(1),
  etag: z.string().min(1),
  integrationId: z.string().min(1),
  createdAt: z.string(),
  expiresAt: z.string(),
  usedAt: z.string().optional(),
  flowStep: z.enum(['consent', 'signIn']).optional(),
  flowNonce: z.string().optional(),
  flowOidcNonce: z.string().optional(),
  flowClientId: z.string().optional(),
  flowExpiresAt: z.string().optional(),
});

export function consentLinkKey(linkId: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: CONSENT_LINK_PARTITION, rowKey: encodeKeyPart(linkId, 'consent link id') };
}

export function consentLinkToEntity(record: ConsentLinkRecord) {
  const entity = {
    ...consentLinkKey(record.linkId),
    ...definedProperties({
      integrationId: record.integrationId,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      usedAt: record.usedAt,
      flowStep: record.flow?.step,
      flowNonce: record.flow?.nonce,
      flowOidcNonce: record.flow?.oidcNonce,
      flowClientId: record.flow?.clientId,
      flowExpiresAt: record.flow?.expiresAt,
    }),
  };
  checkEntitySize(`consent link ${record.linkId}`, entity);
  return entity;
}

export function consentLinkFromEntity(row: Readonly<Record<string, unknown>>): {
  value: ConsentLinkRecord;
  etag: string;
} {
  const {
    rowKey,
    etag,
    integrationId,
    createdAt,
    expiresAt,
    usedAt,
    flowStep,
    flowNonce,
    flowOidcNonce,
    flowClientId,
    flowExpiresAt,
  } = parseStoredRow(consentLinkRowSchema, row, 'consent link');
  const flow =
    flowStep && flowNonce && flowClientId && flowExpiresAt
      ? {
          flow: {
            step: flowStep,
            nonce: flowNonce,
            clientId: flowClientId,
            expiresAt: flowExpiresAt,
            ...(flowOidcNonce ? { oidcNonce: flowOidcNonce } : {}),
          },
        }
      : {};
  return {
    value: {
      linkId: decodeKeyPart(rowKey),
      integrationId,
      createdAt,
      expiresAt,
      ...(usedAt ? { usedAt } : {}),
      ...flow,
    },
    etag,
  };
}
