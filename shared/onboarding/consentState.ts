// The `state` of an admin consent link: which integration, until when, and a
// nonce, HMAC-signed so the callback can trust it without a session. The
// callback is public (Microsoft redirects the admin's browser to it), so a
// forged or replayed-too-late state must be refused.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { INTEGRATION_ID_MAX_LENGTH } from '../domain/identifiers';
import type { SecretStore } from '../secrets/secretStore';

export type StateCheck =
  | { kind: 'valid'; integrationId: string }
  | { kind: 'expired'; integrationId: string }
  | { kind: 'invalid' };

const STATE_SECRET_NAME = 'consent-state-key';
const DOMAIN = 'pbx-calendar-sync/consent-state/v1';

const payloadSchema = z
  .object({
    i: z.string().min(1).max(INTEGRATION_ID_MAX_LENGTH),
    e: z.number().int().positive(),
    n: z.string().min(8).max(64),
  })
  .strict();

export function signConsentState(integrationId: string, expiresAt: Date, key: Buffer): string {
  const payload = Buffer.from(
    JSON.stringify({
      i: integrationId,
      e: Math.floor(expiresAt.getTime() / 1000),
      n: randomBytes(12).toString('base64url'),
    }),
  ).toString('base64url');
  return `${payload}.${mac(payload, key)}`;
}

export function verifyConsentState(state: string, key: Buffer, now: Date): StateCheck {
  const [payload, signature, extra] = state.split('.');
  if (!payload || !signature || extra !== undefined) return { kind: 'invalid' };
  const expected = Buffer.from(mac(payload, key));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'invalid' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { kind: 'invalid' };
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid' };
  if (parsed.data.e * 1000 <= now.getTime()) return { kind: 'expired', integrationId: parsed.data.i };
  return { kind: 'valid', integrationId: parsed.data.i };
}

function mac(payload: string, key: Buffer): string {
  return createHmac('sha256', key).update(`${DOMAIN}.${payload}`).digest('base64url');
}

/**
 * The signing key lives in the secret store, created on first use. Two
 * instances racing the first use may each write one; the loser's links then
 * fail as "invalid" and the admin simply opens the link again.
 */
export async function consentStateKey(secrets: SecretStore): Promise<Buffer> {
  const stored = await secrets.get(STATE_SECRET_NAME);
  if (stored) return Buffer.from(stored, 'base64');
  const fresh = randomBytes(32).toString('base64');
  await secrets.set(STATE_SECRET_NAME, fresh);
  return Buffer.from(fresh, 'base64');
}
